"""A list or panel with nothing in it says so, and says what to do next (with a link
where there is a next step to take)."""

import pytest
from django.urls import reverse

from clients.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_no_clients_yet_offers_to_add_the_first(agent_client):
    body = _page(agent_client, "/clients/")
    assert "No clients yet" in body and reverse("clients:create") in body


def test_no_cases_yet_says_where_cases_are_opened(agent_client):
    body = _page(agent_client, "/cases/")
    assert "No cases yet" in body and "find the client" in body


def test_filters_that_match_no_case_offer_to_clear_them(agent_client, case):
    body = _page(agent_client, "/cases/?status=closed")
    assert "No case matches these filters" in body
    assert 'href="/cases/">Clear the filters' in body
    assert case.title not in body


def test_a_new_case_shows_an_empty_timeline_that_says_what_starts_it(agent_client, case):
    body = _page(agent_client, case.get_absolute_url())
    assert "Nothing has happened on this case yet" in body  # the factory writes no timeline event
    assert "No follow-up yet" in body


def test_a_client_without_cases_offers_to_open_one(agent_client, customer):
    body = _page(agent_client, customer.get_absolute_url())
    assert "No cases yet" in body and reverse("clients:open_case", args=[customer.pk]) in body


def test_an_empty_day_says_every_promise_is_on_time(agent_client):
    body = _page(agent_client, "/my-day/")
    assert "Nothing overdue: every promise is on time" in body
    assert "Nothing scheduled for the next 7 days" in body


def test_search_without_results_suggests_what_to_try(agent_client, case):
    body = _page(agent_client, "/search/?q=zeppelin")
    assert "Nothing matched" in body and reverse("clients:list") in body


def test_no_notices_explains_when_they_come(agent_client):
    assert "You get one here when" in _page(agent_client, "/accounts/notices/")


def test_an_empty_review_queue_says_how_escalations_arrive(client, manager):
    client.force_login(manager)
    assert "Nothing waits for a manager" in _page(client, "/escalations/")
    body = _page(client, "/escalations/?reason=abusive")
    assert "No open escalation matches these filters" in body


def test_a_dashboard_without_cases_says_how_figures_fill_in(client, manager):
    client.force_login(manager)
    body = _page(client, "/")
    assert "No cases in this period yet" in body and reverse("clients:list") in body


def test_no_saved_replies_offers_to_write_one(client, manager):
    client.force_login(manager)
    body = _page(client, "/playbooks/")
    assert "No saved replies yet" in body and reverse("playbooks:reply_create") in body


def test_a_record_without_changes_has_a_history_that_says_so(client, manager, team):
    case = CaseFactory(client__team=team, owner=manager)
    client.force_login(manager)
    body = _page(client, reverse("cases:history", args=[case.pk]))
    assert "No changes recorded yet" in body  # the factory bypasses the audited services
