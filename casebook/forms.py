"""Form pieces shared by every app."""

import uuid
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class RequestKeyForm(forms.Form):
    """Carries a random key per rendered form so that submitting it twice creates one record."""

    request_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("request_key", uuid.uuid4())


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where it has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PhrasingCheckForm(forms.Form):
    text = forms.CharField(required=False, max_length=20000)


def phrasing_checked(field: forms.Field, *, field_name: str, target: str) -> None:
    """Have `field`'s textarea checked for inflaming phrases while the agent types.

    `field_name` is the name the browser posts (with any form prefix); warnings land in
    the element `target`. They only warn: nothing is ever blocked.
    """
    from django.urls import reverse

    field.widget.attrs.update(
        {
            "hx-post": f"{reverse('phrasing_check')}?field={field_name}",
            "hx-trigger": "load, input changed delay:400ms",
            "hx-target": target,
            "hx-swap": "innerHTML",
        }
    )


class ReportDateField(forms.DateField):
    """A day of a report's period. Bounded, so that a period's edges (a day later, in
    any time zone) are dates Python and the database can hold."""

    earliest, latest = date(1900, 1, 1), date(2999, 12, 31)

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not self.earliest <= value <= self.latest:
            raise ValidationError(_("Choose a date between the years 1900 and 2999."), code="out_of_range")


class DashboardFilterForm(forms.Form):
    """The dashboard's date range and team: the teams offered are the user's own."""

    start = ReportDateField(label=_("From"))
    end = ReportDateField(label=_("To (inclusive)"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("All my teams"))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The start date must come before the end date."))
        return data
