import pytest
from django.core.exceptions import ValidationError

from accounts.selectors import team_settings


def test_a_team_gets_default_settings_once(team):
    first = team_settings(team)
    assert team_settings(team) == first
    assert (first.response_target_hours, first.working_days, first.hostile_contacts_per_day) == (4, "01234", 3)


@pytest.mark.parametrize("days", ["", "7", "0012", "mon"])
def test_working_days_must_be_distinct_weekday_digits(team, days):
    settings = team_settings(team)
    settings.working_days = days
    with pytest.raises(ValidationError):
        settings.full_clean()
