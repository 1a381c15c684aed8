"""The project's copies of Django's select, input and textarea templates (templates/django/
forms/widgets/) draw what Django's own draw (but for the blank lines between options)."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.forms import BootstrapRenderer


class Everything(forms.Form):
    owner = forms.ChoiceField(choices=[("", "---------"), (1, "Ann <A>"), (2, "Bo & co")], required=False)
    grouped = forms.ChoiceField(choices=[("Calls", [("in", "Inbound"), ("out", "Outbound")]), ("x", "Other")])
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "maxlength": 20}))
    due = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local", "disabled": True}))
    count = forms.IntegerField(min_value=0)
    hidden = forms.CharField(widget=forms.HiddenInput)


SUBMITTED = {"owner": "2", "grouped": "out", "many": ["a", "b"], "summary": "<b>", "count": "x"}


@pytest.mark.parametrize("data", [None, SUBMITTED])
def test_the_same_html_as_djangos_own_templates(data):
    form = Everything(data=data, initial={"summary": "a\nb", "hidden": 'q"uote'})
    for name in form.fields:
        field = form[name]
        widget, value, attrs = field.field.widget, field.value(), {"id": name}
        ours = widget.render(field.html_name, value, attrs=attrs, renderer=BootstrapRenderer())
        django = widget.render(field.html_name, value, attrs=attrs, renderer=DjangoTemplates())
        assert between_tags(ours) == between_tags(django), name


def between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())
