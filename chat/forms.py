from django import forms
from django.utils.translation import gettext_lazy as _


class ChatStartForm(forms.Form):
    """What a client tells us before chatting: who they are and where we can answer."""

    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Your email"),
        max_length=320,
        help_text=_("If the chat is cut off, we answer you there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
