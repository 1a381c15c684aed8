import uuid

import pytest
from django.test import Client as WebClient
from django.urls import reverse

from clients.models import Case, CaseStatus, Client, Temperament
from clients.tests.factories import CaseFactory, ClientFactory


def test_pages_need_a_login(client, case):
    for url in [reverse("clients:list"), reverse("cases:list"), case.get_absolute_url(), reverse("dashboard")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- Scope: another team's records are 404 ------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["clients:detail", "clients:edit", "clients:open_case"],
)
def test_outsider_gets_404_for_another_teams_client(outsider_client, customer, url_name):
    response = outsider_client.get(reverse(url_name, args=[customer.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("url_name", ["cases:detail", "cases:edit"])
def test_outsider_gets_404_for_another_teams_case(outsider_client, case, url_name):
    assert outsider_client.get(reverse(url_name, args=[case.pk])).status_code == 404


def test_outsider_cannot_change_status_or_log_on_another_teams_case(outsider_client, case):
    response = outsider_client.post(reverse("cases:status", args=[case.pk]), {"status": "resolved"})
    assert response.status_code == 404
    response = outsider_client.post(
        reverse("cases:log_interaction", args=[case.pk]),
        {"channel": "call", "direction": "inbound", "mood": "calm", "summary": "x"},
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert not case.interactions.exists()


def test_lists_show_only_the_users_teams(outsider_client, case, other_team):
    theirs = CaseFactory(client=ClientFactory(team=other_team, name="Lena Fischer"))
    clients_page = outsider_client.get(reverse("clients:list")).content.decode()
    cases_page = outsider_client.get(reverse("cases:list")).content.decode()
    assert "Lena Fischer" in clients_page and case.client.name not in clients_page
    assert theirs.title in cases_page and case.title not in cases_page


def test_admin_sees_every_team(client, admin, case):
    client.force_login(admin)
    assert client.get(case.get_absolute_url()).status_code == 200


# --- Clients -------------------------------------------------------------------------


def test_client_list_searches_name_email_and_company(agent_client, team):
    ClientFactory(team=team, name="Greta Holm", email="greta@holm.example", company="Holm Bakery")
    ClientFactory(team=team, name="Victor Crane", email="victor@crane.example", company="Crane Logistics")
    for term in ["greta", "HOLM.example", "bakery"]:
        page = agent_client.get(reverse("clients:list"), {"q": term}).content.decode()
        assert "Greta Holm" in page and "Victor Crane" not in page


def test_client_list_filters_by_temperament(agent_client, team):
    ClientFactory(team=team, name="Greta Holm", temperament=Temperament.COMPLAINER)
    ClientFactory(team=team, name="Tom Becker", temperament=Temperament.SILENT)
    page = agent_client.get(reverse("clients:list"), {"temperament": "silent"}).content.decode()
    assert "Tom Becker" in page and "Greta Holm" not in page


def test_client_list_is_paginated(agent_client, team, settings):
    settings.CASEBOOK_PAGE_SIZE = 2
    for name in ["Anna", "Bert", "Cleo"]:
        ClientFactory(team=team, name=name)
    first = agent_client.get(reverse("clients:list")).content.decode()
    second = agent_client.get(reverse("clients:list"), {"page": 2}).content.decode()
    assert "Anna" in first and "Cleo" not in first
    assert "Cleo" in second and "Page 2 of 2" in second


def test_adding_a_client(agent_client, team):
    response = agent_client.post(
        reverse("clients:create"),
        {
            "team": team.pk,
            "name": "Ines Moreau",
            "email": "ines@example.com",
            "temperament": "indecisive",
            "request_key": str(uuid.uuid4()),
        },
    )
    client = Client.objects.get()
    assert response.status_code == 302 and response.url == client.get_absolute_url()
    assert client.team == team and client.temperament == Temperament.INDECISIVE


def test_adding_a_client_with_errors_shows_them_and_saves_nothing(agent_client, team):
    response = agent_client.post(
        reverse("clients:create"), {"team": team.pk, "name": "", "email": "nope", "temperament": "grumpy"}
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"name", "email", "temperament"}
    assert not Client.objects.exists()


def test_a_client_cannot_be_added_to_another_team(agent_client, other_team):
    response = agent_client.post(reverse("clients:create"), {"team": other_team.pk, "name": "Sneaky"})
    assert response.status_code == 422
    assert "team" in response.context["form"].errors
    assert not Client.objects.exists()


def test_submitting_the_client_form_twice_adds_one_client(agent_client, team):
    data = {"team": team.pk, "name": "Ines Moreau", "temperament": "unknown", "request_key": str(uuid.uuid4())}
    first = agent_client.post(reverse("clients:create"), data)
    second = agent_client.post(reverse("clients:create"), data)
    assert first.url == second.url
    assert Client.objects.count() == 1


def test_editing_a_client(agent_client, customer):
    response = agent_client.post(
        reverse("clients:edit", args=[customer.pk]),
        {"name": "Greta Holm", "email": "g@example.com", "temperament": "angry", "notes": "Mornings only."},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.email, customer.temperament, customer.notes) == ("g@example.com", "angry", "Mornings only.")


def test_client_detail_shows_cases_and_all_interactions(agent_client, customer, agent):
    from interactions.tests.factories import InteractionFactory

    first = CaseFactory(client=customer, owner=agent, title="First problem")
    second = CaseFactory(client=customer, owner=agent, title="Second problem")
    InteractionFactory(case=first, summary="Talked about the first problem")
    InteractionFactory(case=second, summary="Talked about the second problem")
    page = agent_client.get(customer.get_absolute_url()).content.decode()
    for text in ["First problem", "Second problem", "Talked about the first problem", "Talked about the second"]:
        assert text in page


# --- Cases ---------------------------------------------------------------------------


def test_opening_a_case(agent_client, customer, teammate):
    response = agent_client.post(
        reverse("clients:open_case", args=[customer.pk]),
        {
            "title": "Charged twice",
            "problem_statement": "Charged twice in March.",
            "root_cause": "communication_breakdown",
            "priority": 3,
            "owner": teammate.pk,
            "request_key": str(uuid.uuid4()),
        },
    )
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert (case.owner, case.team, case.status) == (teammate, customer.team, CaseStatus.NEW)


def test_opening_a_case_offers_only_owners_from_the_clients_team(agent_client, customer, outsider):
    response = agent_client.post(
        reverse("clients:open_case", args=[customer.pk]),
        {"title": "Charged twice", "root_cause": "other", "priority": 2, "owner": outsider.pk},
    )
    assert response.status_code == 422
    assert "owner" in response.context["form"].errors
    assert not Case.objects.exists()


def test_case_list_filters(agent_client, customer, agent, teammate):
    CaseFactory(client=customer, owner=agent, title="Mine and new")
    CaseFactory(client=customer, owner=teammate, title="Bob's escalated", status=CaseStatus.ESCALATED, priority=4)
    page = agent_client.get(reverse("cases:list"), {"status": "escalated"}).content.decode()
    assert "Bob&#x27;s escalated" in page and "Mine and new" not in page
    page = agent_client.get(reverse("cases:list"), {"owner": agent.pk}).content.decode()
    assert "Mine and new" in page and "Bob&#x27;s escalated" not in page
    page = agent_client.get(reverse("cases:list"), {"priority": 4}).content.decode()
    assert "Bob&#x27;s escalated" in page and "Mine and new" not in page
    page = agent_client.get(reverse("cases:list"), {"temperament": "silent"}).content.decode()
    assert "No case matches these filters." in page


def test_case_list_sorts_by_last_activity(agent_client, customer, agent):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    CaseFactory(client=customer, owner=agent, title="Quiet case", last_activity_at=now - timedelta(days=3))
    CaseFactory(client=customer, owner=agent, title="Busy case", last_activity_at=now)
    latest_first = agent_client.get(reverse("cases:list")).content.decode()
    oldest_first = agent_client.get(reverse("cases:list"), {"sort": "last_activity"}).content.decode()
    assert latest_first.index("Busy case") < latest_first.index("Quiet case")
    assert oldest_first.index("Quiet case") < oldest_first.index("Busy case")


def test_case_list_ignores_an_unknown_sort_or_filter_value(agent_client, case):
    response = agent_client.get(reverse("cases:list"), {"sort": "owner__password", "owner": "999999"})
    assert response.status_code == 200
    assert case.title in response.content.decode()


def test_changing_status_from_the_case_page(agent_client, case):
    response = agent_client.post(reverse("cases:status", args=[case.pk]), {"status": "in_progress"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_status_move_that_makes_no_sense_is_refused_with_a_message(agent_client, case):
    response = agent_client.post(reverse("cases:status", args=[case.pk]), {"status": "new"})
    assert response.status_code == 422
    assert "status" in response.context["status_form"].errors
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_escalating_from_the_case_page(agent_client, case):
    response = agent_client.post(
        reverse("cases:escalate", args=[case.pk]), {"reason": "client_asks_for_manager", "note": "Wants Marcus."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Client asks for a manager" in page and "Wants Marcus." in page


def test_escalating_without_a_note_is_refused_and_changes_nothing(agent_client, case):
    response = agent_client.post(reverse("cases:escalate", args=[case.pk]), {"reason": "other", "note": ""})
    assert response.status_code == 422
    assert "note" in response.context["escalation_form"].errors
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_outsider_cannot_escalate_another_teams_case(outsider_client, case):
    response = outsider_client.post(reverse("cases:escalate", args=[case.pk]), {"reason": "other", "note": "x"})
    assert response.status_code == 404


def test_editing_a_case_records_the_change_on_the_timeline(agent_client, case, teammate):
    response = agent_client.post(
        reverse("cases:edit", args=[case.pk]),
        {"title": "New title", "problem_statement": "", "root_cause": "other", "priority": 2, "owner": teammate.pk},
    )
    assert response.status_code == 302
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "New title" in page and "Oven visit missed" in page  # old value shown struck through


def test_case_list_pages_with_a_cursor_and_never_counts_the_table(agent_client, customer, agent, settings):
    import re
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.CASEBOOK_PAGE_SIZE = 2
    now = timezone.now()
    for i in range(3):
        CaseFactory(client=customer, owner=agent, title=f"Case number {i}", last_activity_at=now - timedelta(hours=i))
    with CaptureQueriesContext(connection) as queries:
        first = agent_client.get(reverse("cases:list"), {"status": "new"}).content.decode()
    assert "Case number 0" in first and "Case number 2" not in first
    counts_of_cases = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and q["sql"].split(" FROM ")[1].startswith('"clients_case"')
    ]
    assert counts_of_cases == []
    next_link = re.search(r'href="\?([^"]*cursor=[^"]+)">Next', first).group(1).replace("&amp;", "&")
    assert "status=new" in next_link  # the filters travel with the cursor
    second = agent_client.get(f"{reverse('cases:list')}?{next_link}").content.decode()
    assert "Case number 2" in second and "Case number 0" not in second


def test_a_resolved_case_is_closed_through_the_review_not_the_status_form(agent_client, case, agent):
    from clients.services import case_change_status

    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    page = agent_client.get(case.get_absolute_url())
    assert "closed" not in [value for value, _ in page.context["status_form"].fields["status"].choices]
    assert reverse("cases:close_review", args=[case.pk]) in page.content.decode()
    response = agent_client.post(reverse("cases:status", args=[case.pk]), {"status": "closed"})
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


@pytest.mark.parametrize("name, field", [("cases:status", 'name="status"'), ("cases:escalate", 'name="reason"')])
def test_the_folded_status_and_escalation_forms_are_drawn_when_opened(agent_client, case, outsider, name, field):
    url = reverse(name, args=[case.pk])
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page and field not in page
    folded = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in folded and field in folded and f'action="{url}"' in folded and "csrfmiddlewaretoken" in folded
    whole = agent_client.get(url)  # the link inside the fold, without JavaScript
    assert whole.status_code == 200 and field in whole.content.decode() and "<html" in whole.content.decode()
    stranger = WebClient()
    stranger.force_login(outsider)
    assert stranger.get(url, headers={"HX-Request": "true"}).status_code == 404


def test_a_refused_status_change_comes_back_open_with_its_errors(agent_client, case):
    page = agent_client.post(reverse("cases:status", args=[case.pk]), {"status": "new"}).content.decode()
    assert '<details class="case-action" open>' in page and 'name="status"' in page


def test_the_status_form_starts_at_the_cases_current_status(agent_client, case):
    """A stray submit of the status form moves nothing: it starts at where the case is."""
    url = reverse("cases:status", args=[case.pk])
    form = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert '<option value="new" selected>New (now)</option>' in form
    response = agent_client.post(url, {"status": "new"})
    assert response.status_code == 422
    assert "already new: pick the status to move it to" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_resolving_a_case_a_manager_has_not_decided_yet_is_refused_on_the_case_page(agent_client, agent, case):
    from escalations.services import case_escalate

    case_escalate(actor=agent, case=case, reason="other", note="Need help")
    response = agent_client.post(reverse("cases:status", args=[case.pk]), {"status": "resolved", "note": ""})
    assert response.status_code == 422
    assert response.context["status_form"].errors["status"] == [
        "A manager has not yet decided this case's escalation: settle it first (or ask them to)."
    ]
    assert "A manager has not yet decided this case&#x27;s escalation: settle it first" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED


def test_the_status_form_offers_resolving_only_once_a_manager_has_decided(agent_client, agent, manager, case):
    from escalations.services import case_escalate, escalation_decide

    escalation = case_escalate(actor=agent, case=case, reason="other", note="Need help")
    form = agent_client.get(reverse("cases:status", args=[case.pk])).context["status_form"]
    offered = [value for value, _label in form.fields["status"].choices]
    assert "resolved" not in offered and "closed" not in offered
    assert "A manager has not yet decided this case's escalation" in str(form.fields["status"].help_text)
    escalation_decide(actor=manager, escalation=escalation, decision="hand_back", note="Go ahead")
    form = agent_client.get(reverse("cases:status", args=[case.pk])).context["status_form"]
    assert "resolved" in [value for value, _label in form.fields["status"].choices]
