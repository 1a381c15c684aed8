"""The pages' templates: what changes shows at once, each visitor's forms work."""

import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clients.services import case_change_status
from interactions.services import interaction_log
from interactions.tests.factories import InteractionFactory


def test_a_correction_logged_later_shows_on_the_corrected_entry(agent_client, agent, case):
    original = interaction_log(
        actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="Promised a refund"
    )
    url = reverse("cases:detail", args=[case.pk])
    assert "Corrected by" not in agent_client.get(url).content.decode()
    interaction_log(
        actor=agent,
        case=case,
        channel="note",
        direction="internal",
        mood="calm",
        summary="It was a voucher, not a refund",
        occurred_at=timezone.now(),
        corrects=original,
    )
    page = agent_client.get(url).content.decode()
    assert "Corrected by" in page


def test_a_renamed_logger_and_a_new_status_show_at_once(agent_client, agent, case, customer):
    InteractionFactory(case=case, logged_by=agent, summary="Called about the oven")
    client_url = reverse("clients:detail", args=[customer.pk])
    assert f"logged by {agent}" in agent_client.get(client_url).content.decode()
    agent.first_name, agent.last_name = "Alice", "Lind"  # as an admin renames someone
    agent.save()
    assert "logged by Alice Lind" in agent_client.get(client_url).content.decode()

    list_url = reverse("cases:list")
    badge = '">In progress</span>'
    assert badge not in agent_client.get(list_url).content.decode()
    case_change_status(actor=agent, case=case, status="in_progress")
    assert badge in agent_client.get(list_url).content.decode()


def test_two_visitors_of_a_case_page_each_get_their_own_working_token(agent, teammate, case):
    for user in (agent, teammate):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(user)
        html = browser.get(case.get_absolute_url()).content.decode()
        form = html[html.index(reverse("cases:boundary_warning", args=[case.pk])) :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        posted = browser.post(reverse("cases:boundary_warning", args=[case.pk]), {"csrfmiddlewaretoken": token})
        assert posted.status_code == 302
    assert case.boundary_warnings.count() == 2
