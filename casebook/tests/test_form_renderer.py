"""The fast form renderer writes exactly what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from casebook.form_renderer import FastWidgetRenderer, _fast_templates


class EveryWidgetForm(forms.Form):
    name = forms.CharField(max_length=20, help_text="Help", initial='A "quoted" <name> & co')
    count = forms.IntegerField(required=False, disabled=True)
    email = forms.EmailField()
    when = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"autofocus": True, "data-x": False}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="pw")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="<x>")
    notes = forms.CharField(widget=forms.Textarea, initial="Line one\n<b>two</b>")
    empty_notes = forms.CharField(widget=forms.Textarea, required=False)
    agree = forms.BooleanField(required=False, initial=True)
    kind = forms.ChoiceField(choices=[("a", "A & a"), ("b", "<B>")], initial="b")
    grouped = forms.ChoiceField(choices=[("", "---"), ("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)


def test_the_fast_path_is_on_with_this_django():
    kinds = _fast_templates()
    assert kinds["django/forms/widgets/text.html"] == "input"
    assert kinds["django/forms/widgets/select.html"] == "select"
    assert kinds["django/forms/widgets/textarea.html"] == "textarea"


@pytest.mark.parametrize("data", [None, {"name": "x<y", "kind": "a", "grouped": "y", "notes": "", "agree": "on"}])
def test_every_widget_renders_as_django_renders_it(data):
    fast = EveryWidgetForm(data, renderer=FastWidgetRenderer())
    stock = EveryWidgetForm(data, renderer=DjangoTemplates())
    for name in EveryWidgetForm.base_fields:
        assert str(fast[name]) == str(stock[name]), name
    assert str(fast) == str(stock)
