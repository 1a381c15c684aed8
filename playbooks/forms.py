from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import team_settings
from clients.models import RootCause, Temperament
from core.forms import DATETIME_LOCAL, LocalDateTimeField, RequestKeyForm, phrasing_checked
from interactions.forms import ClientSummaryForm

from .models import (
    FOLLOW_UP_STEP_KINDS,
    KIND_UNITS,
    AtFault,
    ConcessionKind,
    ConcessionUnit,
    ProposedBy,
    SavedReply,
    StepKind,
)
from .selectors import limits_for_team, limits_in_words


class ChoosePlaybookForm(forms.Form):
    playbook = forms.TypedChoiceField(coerce=int, label=_("Playbook"))

    def __init__(self, *args, playbooks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["playbook"].choices = [(p.pk, p.name) for p in playbooks]


class PinpointForm(forms.Form):
    problem = forms.CharField(
        label=_("The problem, in the client's words"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=RootCause.choices)


class CommonGroundForm(forms.Form):
    points = forms.CharField(
        label=_("Points we agree on (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def outcome(self) -> dict:
        return {"points": self.cleaned_data["points"].splitlines()}


class BrainstormForm(forms.Form):
    """Finishing brainstorming takes no fields: the options are added one by one."""


class CompromiseForm(forms.Form):
    option_id = forms.TypedChoiceField(coerce=int, label=_("Chosen option"))

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option_id"].choices = [(o.pk, o.description[:120]) for o in options]


class DocumentForm(forms.Form):
    summary = forms.CharField(
        label=_("Case summary"),
        widget=forms.Textarea(attrs={"rows": 7}),
        max_length=20000,
        help_text=_("Built from the record: check and adapt it before saving."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        phrasing_checked(self.fields["summary"], field_name=self.add_prefix("summary"), target="#summary-phrasing")


class FollowUpForm(forms.Form):
    follow_up_kind = forms.ChoiceField(
        label=_("Kind of follow-up"),
        choices=[(kind.value, kind.label) for kind in FOLLOW_UP_STEP_KINDS],
        help_text=_("It becomes a follow-up on the case: the owner is reminded before it is due."),
    )
    next_step = forms.CharField(
        label=_("What happens next"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("For “Email the client”, this is the email they receive at that time."),
    )
    due_at = LocalDateTimeField(label=_("When"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # It becomes the follow-up's note: for "Email the client", the email itself.
        phrasing_checked(
            self.fields["next_step"], field_name=self.add_prefix("next_step"), target="#next-step-phrasing"
        )


STEP_FORMS = {
    StepKind.PINPOINT: PinpointForm,
    StepKind.COMMON_GROUND: CommonGroundForm,
    StepKind.BRAINSTORM: BrainstormForm,
    StepKind.COMPROMISE: CompromiseForm,
    StepKind.DOCUMENT: DocumentForm,
    StepKind.FOLLOW_UP: FollowUpForm,
}


def step_form(kind: str, data=None, *, case=None, options=(), draft: str = ""):
    form_class = STEP_FORMS[kind]
    kwargs = {"options": options} if form_class is CompromiseForm else {}
    initial = {}
    if kind == StepKind.PINPOINT and case is not None:
        initial = {"problem": case.problem_statement, "root_cause": case.root_cause}
    elif kind == StepKind.DOCUMENT:
        initial = {"summary": draft}
    return form_class(data, initial=initial, prefix="step", **kwargs)


def step_outcome(form) -> dict:
    return form.outcome() if hasattr(form, "outcome") else dict(form.cleaned_data)


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip this step?"), max_length=2000)


class OptionForm(RequestKeyForm):
    description = forms.CharField(label=_("Option"), max_length=2000)
    estimated_cost = forms.DecimalField(label=_("Estimated cost to us"), required=False, min_value=0, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    proposed_by = forms.ChoiceField(label=_("Proposed by"), choices=ProposedBy.choices)


class ConcessionForm(RequestKeyForm):
    kind = forms.ChoiceField(label=_("Concession"), choices=ConcessionKind.choices)
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        min_value=0,
        decimal_places=2,
        help_text=_("Refunds and other concessions are amounts; free hours are hours."),
    )
    # Only a discount has a choice; the service gives other kinds their own unit.
    unit = forms.ChoiceField(
        label=_("A discount is"),
        choices=[(ConcessionUnit.AMOUNT, _("an amount")), (ConcessionUnit.PERCENT, _("% of the bill"))],
        initial=ConcessionUnit.AMOUNT,
        required=False,
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="EUR", required=False, help_text=_("For an amount.")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class FaultForm(forms.Form):
    at_fault = forms.ChoiceField(label=_("Were we at fault?"), choices=AtFault.choices)
    apology_given_at = LocalDateTimeField(label=_("Apology given at"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["apology_given_at"].widget.attrs["max"] = now.strftime(DATETIME_LOCAL)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(max_length=2000, required=False, label=_("Note for the agent"))


def playbook_panel_forms(case, playbook: dict, *, bound: dict | None = None) -> dict:
    """The playbook panel's forms, for the data `selectors.case_playbook_context` read;
    `bound` replaces some of them with submitted ones that carry errors."""
    if playbook.get("pb_version") is None:
        return {}
    summary = playbook["pb_summary"]
    current = playbook["pb_current"]
    extra = {}
    if bound and "concession" in bound:
        # The form comes back open with its errors, and with the limits it is drawn with
        # when its fold opens (desk/workspace.py, concession_add).
        extra["pb_limits_text"] = limits_in_words(limits_for_team(case.team_id))
    return {
        **extra,
        "pb_forms": step_forms_for(
            case,
            current,
            options=playbook["pb_options"],
            fault=playbook["pb_fault"],
            draft=playbook["pb_draft"],
            bound=bound,
        ),
        # The documented summary, ready to send to the client after a last read.
        "pb_summary_form": ClientSummaryForm(initial={"body": summary}) if summary and case.client.email else None,
    }


def concession_form(case) -> "ConcessionForm":
    """A blank concession form, in the team's currency."""
    return ConcessionForm(prefix="concession", initial={"currency": team_settings(case.team).currency})


def fault_form(fault) -> "FaultForm":
    """The fault and apology form, showing the case's record when there is one."""
    initial = {}
    if fault is not None:
        initial = {
            "at_fault": fault.at_fault,
            "apology_given_at": fault.apology_given_at and timezone.localtime(fault.apology_given_at),
            "note": fault.note,
        }
    return FaultForm(prefix="fault", initial=initial)


def step_forms_for(case, current, *, options, fault, draft: str = "", bound: dict | None = None) -> "LazyForms":
    """The forms of the playbook panel; `bound` replaces some with a submitted, invalid one.
    Each is made when the page first reads it: an open step shows two or three of them."""
    makers = {
        "option": lambda: OptionForm(prefix="option"),
        "concession": lambda: concession_form(case),
        "fault": lambda: fault_form(fault),
        "skip": lambda: SkipForm(prefix="skip"),
        "decide": lambda: DecideForm(prefix="decide"),
        "step": lambda: step_form(current.kind, case=case, options=options, draft=draft) if current else None,
    }
    for name, form in (bound or {}).items():
        makers[name] = lambda form=form: form
    return LazyForms(makers)


class LazyForms(Mapping):
    """Forms by name, each made the first time it is read."""

    def __init__(self, makers: dict) -> None:
        self._makers, self._made = makers, {}

    def __getitem__(self, name):
        if name not in self._made:
            self._made[name] = self._makers[name]()
        return self._made[name]

    def __iter__(self):
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


# --- Managers ------------------------------------------------------------------------


class PlaybookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    temperaments = forms.MultipleChoiceField(
        label=_("Temperaments"),
        choices=Temperament.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("“Not known yet” makes it the general playbook."),
    )


class StepEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    guidance = forms.CharField(label=_("Guidance"), widget=forms.Textarea(attrs={"rows": 3}))
    phrasings = forms.CharField(
        label=_("Suggested phrasings (one per line)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    avoid = forms.CharField(
        label=_("Things to avoid (one per line)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


StepFormSet = forms.formset_factory(StepEditForm, extra=1, can_order=True, can_delete=True)


def ordered_steps(formset) -> list[dict]:
    """The steps kept, in the order the manager gave (blank extra forms ignored)."""
    kept = [
        form for form in formset.forms if form.has_changed() and form.is_valid() and not form.cleaned_data.get("DELETE")
    ]
    kept.sort(key=lambda form: form.cleaned_data.get("ORDER") or 10_000)
    return [{k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")} for form in kept]


class LimitsForm(forms.Form):
    """One optional maximum per concession kind and unit; empty means no cap.

    A field is named after its kind (its usual unit: an amount, or hours for free hours);
    a discount also has `discount_percent`, a percentage of the bill.
    """

    def __init__(self, *args, limits=(), currency: str = "EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.units: dict[str, tuple[str, str]] = {}
        current = {(limit.kind, limit.unit): limit for limit in limits}
        for kind, label in ConcessionKind.choices:
            for position, unit in enumerate(KIND_UNITS[kind]):
                name = kind if position == 0 else f"{kind}_{unit}"
                if unit == ConcessionUnit.PERCENT:
                    field_label = _("%(kind)s: most an agent may give (%% of the bill)") % {"kind": label}
                    top = 100
                elif unit == ConcessionUnit.HOURS:
                    field_label = _("%(kind)s: most an agent may give (hours)") % {"kind": label}
                    top = None
                else:
                    field_label = _("%(kind)s: most an agent may give (amount in %(currency)s)") % {
                        "kind": label,
                        "currency": currency,
                    }
                    top = None
                self.fields[name] = forms.DecimalField(
                    label=field_label, required=False, min_value=0, max_value=top, decimal_places=2
                )
                self.units[name] = (kind, unit)
                limit = current.get((kind, unit))
                if limit is not None:
                    self.initial[name] = limit.max_value
                    if unit == ConcessionUnit.AMOUNT and limit.currency != currency:
                        self.fields[name].help_text = _("Now %(limit)s: saving sets it in %(currency)s.") % {
                            "limit": limit.value_display,
                            "currency": currency,
                        }

    def limits(self) -> list[tuple[str, str, Decimal | None]]:
        """(kind, unit, most or None) for each field."""
        return [(*self.units[name], value) for name, value in self.cleaned_data.items()]


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["team", "title", "body", "temperament", "step_kind", "is_automatic", "trigger_phrases"]
        labels = {"trigger_phrases": _("Trigger phrases (one per line)")}
        help_texts = {
            "body": _("Placeholders: {client_name}, {agent_name}, {case_title}, {next_step}."),
            "is_automatic": _(
                "When a new case's first email contains one of the trigger phrases, this reply is "
                "sent to the client at once, and the case stays open for a person."
            ),
            "trigger_phrases": _(
                "For example “opening hours” or “where do I park”. Capitals and extra spaces do not "
                "matter; the whole phrase must be in the email."
            ),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 6}), "trigger_phrases": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["temperament"].label = _("Temperament (optional)")
        self.fields["step_kind"].label = _("Step (optional)")
        # A saved reply is inserted into texts the client receives (the documented summary).
        phrasing_checked(self.fields["body"], field_name=self.add_prefix("body"), target="#saved-reply-phrasing")


class CaseReviewForm(forms.Form):
    """What the agent learned from a case, asked for when it is closed."""

    what_worked = forms.CharField(label=_("What worked"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    what_to_change = forms.CharField(
        label=_("What you would do differently"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    new_temperament = forms.ChoiceField(
        label=_("Did the client's temperament turn out differently?"),
        required=False,
        choices=[("", _("No, it stayed as recorded"))] + [(t.value, f"Yes: {t.label}") for t in Temperament],
    )
    update_client = forms.BooleanField(
        label=_("Also update the client's profile with this temperament"), required=False, initial=True
    )


class PhrasingCheckForm(forms.Form):
    """The text being typed, for the live phrasing check."""

    text = forms.CharField(required=False, max_length=20000)
