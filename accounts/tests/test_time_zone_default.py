"""TIME_ZONE is the time zone a new user starts with, however the user is made."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE_ZONE = "America/Sao_Paulo"


@override_settings(TIME_ZONE=SITE_ZONE)
def test_the_service_gives_a_new_user_the_site_time_zone(team):
    user = user_create(username="dora", password="a-long-password-1", role=Role.AGENT, teams=[team])
    user.refresh_from_db()
    assert user.time_zone == SITE_ZONE


@override_settings(TIME_ZONE=SITE_ZONE)
def test_a_time_zone_given_to_the_service_is_kept(team):
    user = user_create(username="dora", password=None, role=Role.AGENT, teams=[team], time_zone="Asia/Tokyo")
    assert user.time_zone == "Asia/Tokyo"


@override_settings(TIME_ZONE=SITE_ZONE)
def test_the_model_and_the_factory_default_to_the_site_time_zone():
    assert User(username="plain").time_zone == SITE_ZONE
    assert UserFactory().time_zone == SITE_ZONE


def test_the_default_follows_the_setting_not_the_import():
    # A callable default: the value is read when each user is made, so a changed setting counts.
    with override_settings(TIME_ZONE="Europe/Berlin"):
        assert User(username="a").time_zone == "Europe/Berlin"
    with override_settings(TIME_ZONE="Pacific/Auckland"):
        assert User(username="b").time_zone == "Pacific/Auckland"


@override_settings(TIME_ZONE=SITE_ZONE)
def test_a_user_added_in_the_admin_gets_the_site_time_zone(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "newcomer", "password1": "a-long-password-1", "password2": "a-long-password-1"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert User.objects.get(username="newcomer").time_zone == SITE_ZONE
