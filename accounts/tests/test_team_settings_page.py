from datetime import date, time

from django.urls import reverse

from accounts.roles import Role
from accounts.selectors import team_settings
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
