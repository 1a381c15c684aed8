from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import staff_of_team, staff_of_user_teams, teams_for_user
from core.forms import RequestKeyForm, phrasing_checked

from .models import Case, CaseStatus, Client, Priority, Temperament
from .selectors import DEFAULT_CASE_SORT, awaits_manager
from .services import AWAITS_MANAGER, SETTLING_STATUSES, allowed_transitions


class ClientForm(RequestKeyForm, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["team", "name", "email", "phone", "company", "temperament", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["team"]  # a client stays with its team
            del self.fields["request_key"]
        else:
            teams = teams_for_user(user)
            self.fields["team"].queryset = teams
            self.fields["team"].empty_label = None
            if len(teams) == 1:
                self.fields["team"].widget = forms.HiddenInput()
                self.initial.setdefault("team", teams[0].pk)


class CaseForm(RequestKeyForm, forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "problem_statement", "root_cause", "priority", "owner"]
        widgets = {"problem_statement": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "title": _("A few words to recognise the case in a list."),
            "problem_statement": _("What is really bothering the client, in one or two sentences."),
        }

    def __init__(self, *args, client: Client, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_of_team(client.team)
        self.fields["owner"].empty_label = None
        self.initial.setdefault("owner", user.pk)
        if self.instance.pk:
            del self.fields["request_key"]
        # The title is in the subject of the emails the client gets about the case.
        phrasing_checked(self.fields["title"], field_name=self.add_prefix("title"), target="#case-title-phrasing")


class NoteForm(forms.Form):
    """The short note sent with a one-button action (a boundary warning, waiting on the
    client, written contact only): optional, and never cut short silently."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when reopening, handing an escalated case back, or closing a case that was never resolved."
        ),
    )

    def __init__(self, *args, case: Case, **kwargs):
        # The case page also shows the escalation form, which has a "note" too: distinct ids
        # keep each label tied to its own field.
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)
        statuses = allowed_transitions(case)
        if awaits_manager(case):
            # Offered only once a manager has decided (case_change_status refuses it before).
            statuses = [s for s in statuses if s not in SETTLING_STATUSES]
            self.fields["status"].help_text = AWAITS_MANAGER
            self.fields["status"].error_messages["invalid_choice"] = AWAITS_MANAGER
        if case.status == CaseStatus.RESOLVED:
            # A resolved case is closed with a short lessons-learned review (its own page).
            statuses = [s for s in statuses if s != CaseStatus.CLOSED]
        self.case = case
        self.can_move = bool(statuses)
        # The menu starts at where the case is, so a stray submit moves nothing.
        current = CaseStatus(case.status)
        now = _("%(status)s (now)") % {"status": current.label}
        self.fields["status"].choices = [(current.value, now), *[(s, CaseStatus(s).label) for s in statuses]]
        self.fields["status"].initial = current.value

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == self.case.status:
            label = CaseStatus(status).label.lower()
            raise forms.ValidationError(
                _("The case is already %(status)s: pick the status to move it to.") % {"status": label}
            )
        return status


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    temperament = forms.ChoiceField(
        label=_("Temperament"), choices=[("", _("Any temperament")), *Temperament.choices], required=False
    )


class CaseFilterForm(forms.Form):
    # "open" stands for every open status at once (new, in progress or escalated).
    ANY_OPEN = "open"

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), (ANY_OPEN, _("Any open status")), *CaseStatus.choices],
        required=False,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Any priority")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    temperament = forms.ChoiceField(
        label=_("Temperament"), choices=[("", _("Any temperament")), *Temperament.choices], required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[
            ("-last_activity", _("Latest activity first")),
            ("last_activity", _("Oldest activity first")),
            ("-opened", _("Newest cases first")),
            ("-priority", _("Most urgent first")),
        ],
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = staff_of_user_teams(user)
        # Read the choices once, as a list: the template's loop would otherwise COUNT them
        # first (len() of Django's choice iterator) and then read them.
        owner.choices = list(iter(owner.choices))
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict:
        """The selector's keyword arguments. A value that does not validate is left out
        (and shown as an error on the form) rather than guessed at."""
        self.is_valid()
        for name in self.errors:
            self.fields[name].widget.attrs["class"] += " is-invalid"
        data = self.cleaned_data
        status = data.get("status") or ""
        return {
            "status": "" if status == self.ANY_OPEN else status,
            "open_only": status == self.ANY_OPEN,
            "owner": data.get("owner"),
            "priority": data.get("priority"),
            "temperament": data.get("temperament") or "",
            "sort": data.get("sort") or DEFAULT_CASE_SORT,
        }
