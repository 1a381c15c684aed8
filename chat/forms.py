from django import forms
from django.utils.translation import gettext_lazy as _

from .messages import MAX_MESSAGE_CHARS


class ChatStartForm(forms.Form):
    """What a client tells us before chatting: who they are and where we can answer."""

    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Your email"),
        max_length=320,
        help_text=_("If the chat is cut off, we answer you there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ChatLeaveMessageForm(forms.Form):
    """When nobody can chat: who the visitor is, where we answer, and what it is about."""

    name = forms.CharField(label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("Your email"),
        max_length=320,
        help_text=_("We answer you there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label=_("Your message"), max_length=MAX_MESSAGE_CHARS, widget=forms.Textarea(attrs={"rows": 5})
    )
