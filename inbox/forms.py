from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client


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
