import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import TeamSettings
from accounts.selectors import hostile_phrases_of, team_settings
from accounts.services import team_settings_update


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


def test_the_service_tidies_the_hostile_phrases(manager, team):
    team_settings_update(actor=manager, team=team, hostile_phrases=" idiots \n\n Idiots\nwaste   of space ")
    assert team_settings(team).hostile_phrases == "idiots\nwaste of space"


def test_the_service_refuses_too_many_hostile_phrases(manager, team):
    team_settings(team)
    with pytest.raises(ValidationError) as refused:
        team_settings_update(actor=manager, team=team, hostile_phrases="\n".join(f"p{n}" for n in range(300)))
    assert "hostile_phrases" in refused.value.message_dict
    assert TeamSettings.objects.get(team=team).hostile_phrases == ""


def test_an_agent_cannot_change_the_hostile_phrases_through_the_service(agent, team):
    with pytest.raises(PermissionDenied):
        team_settings_update(actor=agent, team=team, hostile_phrases="idiots")
    assert team_settings(team).hostile_phrases == ""


def test_hostile_phrases_of_reads_one_phrase_a_line(team):
    settings = team_settings(team)
    assert hostile_phrases_of(settings) == []
    settings.hostile_phrases = "idiots\r\n\r\n  waste  of space\nIDIOTS"  # as the admin may have saved it
    assert hostile_phrases_of(settings) == ["idiots", "waste of space"]
