from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from .models import Mailbox


class PlaceForm(forms.Form):
    """Put a message from triage on a client: an existing one, or a new one from the sender."""

    client = forms.ModelChoiceField(
        label=_("Existing client"), queryset=Client.objects.none(), required=False, empty_label=_("— a new client —")
    )
    new_client_name = forms.CharField(
        label=_("Or the new client's name"), max_length=200, required=False,
        help_text=_("The sender's address becomes the new client's email."),
    )  # fmt: skip

    def __init__(self, *args, team_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(team_id=team_id).order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("client") and not (data.get("new_client_name") or "").strip():
            raise forms.ValidationError(_("Choose a client, or give the new client a name."))
        return data


class MailboxForm(forms.ModelForm):
    """A manager's form for a team mailbox. The password is never drawn back into the page:
    left empty, the stored one is kept."""

    imap_password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password. Or name an environment variable below."),
    )
    clear_password = forms.BooleanField(label=_("Forget the stored password"), required=False)

    class Meta:
        model = Mailbox
        fields = [
            "team", "name", "address", "owner", "is_active", "imap_host", "imap_port", "imap_security",
            "imap_user", "imap_password_env", "imap_folder", "imap_done_folder",
        ]  # fmt: skip
        help_texts = {
            "address": _("Client emails are sent from this address, and answers to them come back here."),
            "owner": _("Mail from a client with no open case opens a new case for this person."),
            "imap_host": _("Leave empty if mail arrives only through the webhook."),
            "imap_done_folder": _("Empty: stored mail is flagged and left in place."),
        }

    def __init__(self, *args, teams, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = staff
        self.order_fields([*self.Meta.fields[:9], "imap_password", "clear_password", *self.Meta.fields[9:]])

    def clean(self):
        data = super().clean()
        team, owner = data.get("team"), data.get("owner")
        if team and owner and not owner.teams.filter(pk=team.pk).exists():
            self.add_error("owner", _("Choose a member of the mailbox's team."))
        if data.get("imap_host") and not data.get("imap_user"):
            self.add_error("imap_user", _("Give the user name to log in to the IMAP server with."))
        return data
