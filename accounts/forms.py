import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TeamClosedDay, TeamSettings
from .services import TEAM_SETTINGS_FIELDS


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        help_text=_("Every time in Casebook is shown in this zone, and times you type are read in it."),
    )


class TeamSettingsForm(forms.ModelForm):
    class Meta:
        model = TeamSettings
        fields = TEAM_SETTINGS_FIELDS
        widgets = {
            "workday_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "workday_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "hostile_phrases": forms.Textarea(attrs={"rows": 5}),
        }

    def clean_currency(self) -> str:
        # "eur" means EUR: the code is checked in capitals.
        return self.cleaned_data["currency"].strip().upper()


class ClosedDayForm(forms.ModelForm):
    class Meta:
        model = TeamClosedDay
        fields = ["date", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
