from datetime import date, time

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.roles import Role
from accounts.selectors import hostile_phrases_of, team_settings
from accounts.services import team_settings_update
from accounts.tests.factories import UserFactory

FIELDS = {
    "settings-response_target_hours": "2",
    "settings-resolution_target_hours": "24",
    "settings-stall_contacts": "4",
    "settings-hostile_contacts_per_day": "3",
    "settings-satisfaction_quiet_days": "45",
    "settings-currency": "gbp",
    "settings-time_zone": "Europe/Paris",
    "settings-working_days": "0123",
    "settings-workday_starts": "08:00",
    "settings-workday_ends": "16:00",
    "settings-holiday_country": "fr",
}


def test_a_manager_changes_the_team_settings_and_closed_days(client, manager, team):
    client.force_login(manager)
    url = reverse("accounts:team_settings", args=[team.pk])
    assert client.post(url, FIELDS).status_code == 302
    settings = team_settings(team)
    assert (settings.stall_contacts, settings.holiday_country, settings.workday_starts) == (4, "FR", time(8))
    assert settings.satisfaction_quiet_days == 45
    assert settings.currency == "GBP"
    client.post(reverse("accounts:closed_day_add", args=[team.pk]), {"day-date": "2026-12-24", "day-reason": "Eve"})
    day = team.closed_days.get()
    assert day.date == date(2026, 12, 24)
    client.post(reverse("accounts:closed_day_remove", args=[team.pk, day.pk]))
    assert not team.closed_days.exists()


def test_a_currency_that_is_not_a_three_letter_code_is_refused(client, manager, team):
    client.force_login(manager)
    response = client.post(reverse("accounts:team_settings", args=[team.pk]), {**FIELDS, "settings-currency": "€"})
    assert response.status_code == 422
    assert "currency" in response.context["form"].errors
    assert team_settings(team).currency == "EUR"


def test_an_unknown_holiday_country_is_refused(client, manager, team):
    client.force_login(manager)
    response = client.post(
        reverse("accounts:team_settings", args=[team.pk]), {**FIELDS, "settings-holiday_country": "XX"}
    )
    assert response.status_code == 422
    assert team_settings(team).holiday_country == ""


def test_a_manager_of_another_team_gets_404(client, team, other_team):
    client.force_login(UserFactory(username="olga", teams=[other_team], role=Role.MANAGER))
    assert client.get(reverse("accounts:team_settings", args=[team.pk])).status_code == 404


def test_a_manager_saves_the_hostile_phrases_tidied(client, manager, team):
    client.force_login(manager)
    phrases = "  You people   are useless \r\n\r\nwaste of space\r\nyou people are USELESS\r\n"
    url = reverse("accounts:team_settings", args=[team.pk])
    assert client.post(url, {**FIELDS, "settings-hostile_phrases": phrases}).status_code == 302
    assert team_settings(team).hostile_phrases == "You people are useless\nwaste of space"
    assert hostile_phrases_of(team_settings(team)) == ["You people are useless", "waste of space"]
    assert "A message from a client that contains one is suggested as abusive" in client.get(url).content.decode()


def test_an_agent_cannot_change_the_hostile_phrases(agent_client, team):
    url = reverse("accounts:team_settings", args=[team.pk])
    response = agent_client.post(url, {**FIELDS, "settings-hostile_phrases": "idiots"})
    assert response.status_code == 403
    assert team_settings(team).hostile_phrases == ""


@pytest.mark.parametrize(
    ("phrases", "message"),
    [
        ("\n".join(f"phrase {n}" for n in range(201)), "At most 200 phrases, please; this list has 201."),
        ("fine phrase\n" + "x" * 101, "is too long: a phrase can have at most 100 characters."),
        ("fine phrase\nx", "“x” is too short: a phrase needs at least 2 characters."),
        ("fine phrase\n!!!", "“!!!” has no word in it."),
    ],
)
def test_hostile_phrases_over_the_limits_are_refused_and_nothing_changes(client, manager, team, phrases, message):
    client.force_login(manager)
    team_settings_update(actor=manager, team=team, hostile_phrases="idiots")
    url = reverse("accounts:team_settings", args=[team.pk])
    response = client.post(url, {**FIELDS, "settings-hostile_phrases": phrases})
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors["hostile_phrases"])
    assert escape(message) in response.content.decode()
    settings = team_settings(team)
    settings.refresh_from_db()
    assert (settings.hostile_phrases, settings.stall_contacts) == ("idiots", 3)
