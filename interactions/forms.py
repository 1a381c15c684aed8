from datetime import timedelta

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import staff_of_team, team_staff_choices
from core.forms import DATETIME_LOCAL, LocalDateTimeField, RequestKeyForm, phrasing_checked

from .attachments import EXTENSIONS, attachments_validate
from .models import Channel, Direction, FollowUpKind, Interaction, Mood
from .selectors import contacts_that_can_keep


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files if file]


class AttachmentsFormMixin(forms.Form):
    """The files of a contact, checked on their content. Any form that logs a contact
    through `interaction_log` adds this and passes `cleaned_data["attachments"]` on (the
    service checks them again, so the API and other callers get the same rules)."""

    attachments = MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["attachments"]
        field.widget.attrs["accept"] = ",".join(EXTENSIONS)
        field.help_text = _(
            "Optional: a screenshot, an email, a contract. Up to %(count)s files of %(size)s each. "
            "Files are kept with the contact for good."
        ) % {
            "count": settings.CASEBOOK_ATTACHMENT_MAX_COUNT,
            "size": filesizeformat(int(settings.CASEBOOK_ATTACHMENT_MAX_MB * 1024 * 1024)),
        }

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        attachments_validate(files)
        return files


class InteractionForm(AttachmentsFormMixin, RequestKeyForm):
    field_order = ["channel", "direction", "occurred_at", "duration_minutes", "mood", "summary", "attachments"]
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.CALL)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.INBOUND)
    occurred_at = LocalDateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave as it is for now; set an earlier time for a contact logged afterwards."),
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0, max_value=24 * 60)
    mood = forms.ChoiceField(label=_("Client's mood"), choices=Mood.choices, initial=Mood.CALM)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        help_text=_("What was said and agreed, in plain words."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["occurred_at"].widget.attrs["max"] = now.strftime(DATETIME_LOCAL)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", now)

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        # The default is "now" cut to the minute (the input shows no seconds), drawn with the
        # form and posted back. Taken as posted, a contact logged at 10:05:40 would be dated
        # 10:05:00, before whatever else happened on the case in those 40 seconds, and the
        # timeline would tell the story out of order. So the current minute, or the previous
        # one (a form drawn at 10:05 and sent at 10:06), means "now": None lets the service
        # use the exact time. A hidden copy of the drawn default is not needed: an untouched
        # default and the same minute typed by hand both mean "just now", and the exact time
        # is at most two minutes from what the field showed. Any earlier time is kept as
        # typed, also a default left untouched for longer: it is then as close to the
        # contact as anything the form knows. The API does not use this form: a time it is
        # given is kept exactly.
        minute = timezone.now().replace(second=0, microsecond=0)
        if occurred_at in (minute, minute - timedelta(minutes=1)):
            return None
        return occurred_at

    @classmethod
    def correcting(cls, original: Interaction) -> "InteractionForm":
        """A blank form pre-filled with the entry being corrected."""
        return cls(
            initial={
                "channel": original.channel,
                "direction": original.direction,
                "occurred_at": timezone.localtime(original.occurred_at),
                "duration_minutes": original.duration_minutes,
                "mood": original.mood,
                "summary": original.summary,
            }
        )


NEW_CASE = "new"


class QuickLogForm(InteractionForm):
    """The "log a contact" dialog: the case page's contact fields, plus the client and the
    case to log on (one of the client's open cases, or a new one with a title)."""

    client = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Pick a client first."), "invalid": _("Pick a client first.")},
    )
    case = forms.ChoiceField(
        label=_("Case"),
        error_messages={
            "required": _("Pick one of the client's open cases, or open a new one."),
            "invalid_choice": _("Pick one of the client's open cases, or open a new one."),
        },
    )
    new_case_title = forms.CharField(
        label=_("Title of the new case"),
        required=False,
        max_length=200,
        help_text=_("A few words to recognise the case in a list."),
    )

    field_order = ["client", "case", "new_case_title"]

    def __init__(self, *args, open_cases=(), **kwargs):
        # Its own ids: on the case page it sits beside the page's log form.
        kwargs.setdefault("auto_id", "quick-log-%s")
        super().__init__(*args, **kwargs)
        self.open_cases = list(open_cases)
        self.fields["case"].choices = [
            *((str(c.pk), f"#{c.pk} {c.title} ({c.get_status_display().lower()})") for c in self.open_cases),
            (NEW_CASE, _("Open a new case")),
        ]
        if not self.is_bound:
            self.initial.setdefault("case", str(self.open_cases[0].pk) if self.open_cases else NEW_CASE)
        # A case's title is in the subject of the emails the client gets about it.
        phrasing_checked(
            self.fields["new_case_title"],
            field_name=self.add_prefix("new_case_title"),
            target="#quick-log-new-case-title-phrasing",
        )

    def clean(self):
        data = super().clean()
        if data.get("case") == NEW_CASE and not data.get("new_case_title", "").strip():
            self.add_error("new_case_title", _("Give the new case a title: a few words to recognise it in a list."))
        return data

    @property
    def opens_a_case(self) -> bool:
        return self["case"].value() == NEW_CASE

    def chosen_case(self):
        """The open case picked (after validation), or None for a new case."""
        pk = self.cleaned_data["case"]
        return next((c for c in self.open_cases if str(c.pk) == pk), None)


class FollowUpForm(RequestKeyForm):
    kind = forms.ChoiceField(label=_("What"), choices=FollowUpKind.choices, initial=FollowUpKind.CALL_BACK)
    due_at = LocalDateTimeField(
        label=_("Due"),
        help_text=_("In your own time zone."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("The case's owner")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For “Email the client”, this is the email they will receive."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        if self.is_bound:
            owner.queryset = staff_of_team(case.team)  # what a submitted owner is checked against
        # The menu, from the team's cached member list: the case page shows this form folded
        # on every view, and the list rarely changes.
        owner.widget.choices = [("", owner.empty_label), *team_staff_choices(case.team_id)]
        # Checked whatever the kind: the kind can be changed after the note is written.
        phrasing_checked(self.fields["note"], field_name=self.add_prefix("note"), target="#follow-up-note-phrasing")


class RescheduleForm(forms.Form):
    due_at = LocalDateTimeField(
        label=_("New due time"),
        help_text=_("In your own time zone."),
    )
    note = forms.CharField(label=_("Why"), required=False, max_length=2000)


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Why"), required=False, max_length=2000)


class ContactChoiceField(forms.ModelChoiceField):
    """Contacts named the way the agent remembers them: when (in the agent's own zone), how,
    and the start of what was said."""

    def label_from_instance(self, obj: Interaction) -> str:
        return _("%(when)s · %(channel)s, %(direction)s · %(summary)s") % {
            "when": date_format(timezone.localtime(obj.occurred_at), "D j M Y, H:i"),
            "channel": obj.get_channel_display(),
            "direction": obj.get_direction_display().lower(),
            # One line in a menu: the summary's line breaks would be lost anyway.
            "summary": Truncator(" ".join(obj.summary.split())).chars(60),
        }


class CompleteForm(forms.Form):
    fulfilled_by = ContactChoiceField(
        label=_("The contact that kept the promise"),
        queryset=Interaction.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("Pick one of the contacts listed: those made on this case since the promise.")
        },
    )

    def __init__(self, *args, follow_up, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["fulfilled_by"]
        field.queryset = contacts_that_can_keep(follow_up)
        field.help_text = _(
            "For a call-back: the call you logged on this case. Only contacts made since the promise are "
            "listed, newest first. Times in %(zone)s."
        ) % {"zone": timezone.get_current_timezone_name()}


class ClientSummaryForm(RequestKeyForm):
    subject = forms.CharField(label=_("Subject"), max_length=200, initial=_("Summary of our conversation"))
    body = forms.CharField(
        label=_("Summary"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What was said and agreed, and what happens next, in plain words."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The subject reaches the client too, as the first thing they read.
        phrasing_checked(
            self.fields["subject"], field_name=self.add_prefix("subject"), target="#client-summary-subject-phrasing"
        )
        phrasing_checked(self.fields["body"], field_name=self.add_prefix("body"), target="#client-summary-phrasing")
