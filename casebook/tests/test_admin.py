import pytest
from django.contrib import admin as django_admin
from django.urls import reverse

from casebook.health.models import WorkerHeartbeat
from interactions.services import interaction_log


def test_every_model_of_the_project_is_registered():
    from django.apps import apps

    ours = ["accounts", "health", "clients", "interactions", "playbooks", "api", "bench"]
    for model in apps.get_models():
        if model._meta.app_label in ours:
            assert model in django_admin.site._registry, f"{model.__name__} is missing from the admin"


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_team_changelist",
        "admin:accounts_user_changelist",
        "admin:accounts_teamsettings_changelist",
        "admin:accounts_teamclosedday_changelist",
        "admin:clients_client_changelist",
        "admin:clients_case_changelist",
        "admin:clients_caseevent_changelist",
        "admin:escalations_escalation_changelist",
        "admin:interactions_interaction_changelist",
        "admin:health_workerheartbeat_changelist",
    ],
)
def test_admin_changelists_render(client, admin, case, url_name):
    WorkerHeartbeat.objects.create(worker="w1", beat_at=case.opened_at)
    client.force_login(admin)
    assert client.get(reverse(url_name)).status_code == 200


def test_interactions_are_read_only_in_the_admin(client, admin, case, agent):
    interaction = interaction_log(actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="x")
    client.force_login(admin)
    change_url = reverse("admin:interactions_interaction_change", args=[interaction.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url, {"summary": "rewritten"}).status_code == 403
    assert client.get(reverse("admin:interactions_interaction_add")).status_code == 403
    assert client.get(reverse("admin:interactions_interaction_delete", args=[interaction.pk])).status_code == 403
    interaction.refresh_from_db()
    assert interaction.summary == "x"


def test_case_events_are_read_only_in_the_admin(client, admin, case):
    client.force_login(admin)
    assert client.get(reverse("admin:clients_caseevent_add")).status_code == 403
