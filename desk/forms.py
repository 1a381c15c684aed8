"""The reports' filters."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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


class HandOverForm(forms.Form):
    """Whom to hand a live chat to: the choices are the chat's team's active members but its
    agent (chat.selectors.hand_over_choices), managers marked."""

    to_user = forms.TypedChoiceField(label=_("Hand the chat to"), coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = choices
