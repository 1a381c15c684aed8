"""Forms of escalations: asking a manager from the case page, the review queue's filters and a decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MANUAL_ESCALATION_REASONS, EscalationDecision, EscalationReason


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Any reason")), *EscalationReason.choices]
    )
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("Only past the response target"), required=False)

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("All my teams")), *[(t.pk, t.name) for t in teams]]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=EscalationDecision.choices, widget=forms.RadioSelect)
    new_owner = forms.TypedChoiceField(
        label=_("Reassign to"), required=False, coerce=int, empty_value=None, help_text=_("Only for a reassignment.")
    )
    concession = forms.TypedChoiceField(
        label=_("Concession"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only to approve or refuse one."),
    )
    note = forms.CharField(
        label=_("Note or guidance for the agent"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you hand the case back or refuse a concession."),
    )

    def __init__(self, *args, agents=(), concessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {a.pk: a for a in agents}
        self.concessions = {c.pk: c for c in concessions}
        self.fields["new_owner"].choices = [("", "-"), *[(a.pk, str(a)) for a in agents]]
        self.fields["concession"].choices = [
            ("", "-"),
            *[
                (c.pk, _("%(concession)s (%(note)s)") % {"concession": c, "note": c.note or _("no note")})
                for c in concessions
            ],
        ]
        if len(concessions) == 1:
            self.fields["concession"].initial = concessions[0].pk

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision == EscalationDecision.REASSIGN and not data.get("new_owner"):
            self.add_error("new_owner", _("Choose the agent who takes the case."))
        concession_decisions = (EscalationDecision.CONCESSION_APPROVED, EscalationDecision.CONCESSION_REFUSED)
        if decision in concession_decisions and not data.get("concession"):
            self.add_error("concession", _("Choose the concession to decide."))
        return data


class EscalationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[(r.value, r.label) for r in MANUAL_ESCALATION_REASONS])
    note = forms.CharField(
        label=_("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, and what you need from the manager."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_escalation_%s")  # see CaseStatusForm
        super().__init__(*args, **kwargs)
