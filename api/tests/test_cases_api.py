import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from clients.models import Case, CaseEventKind, CaseStatus
from clients.services import case_change_status
from clients.tests.factories import CaseFactory, ClientFactory
from escalations.models import Escalation

CASES = "/api/v1/cases/"


def detail(case, suffix=""):
    return f"{CASES}{case.pk}/{suffix}"


# --- Scope -----------------------------------------------------------------------------


def test_list_shows_only_the_users_teams(agent_api, case, other_team):
    CaseFactory(client=ClientFactory(team=other_team))
    body = agent_api.get(CASES).json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == case.pk
    assert body["results"][0]["status"] == "new"


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"title": "Taken over"}),
        ("post", "status/", {"status": "resolved"}),
        ("post", "escalate/", {"reason": "other", "note": "x"}),
    ],
)
def test_another_teams_case_is_404_for_every_action(outsider_api, case, method, suffix, payload):
    response = getattr(outsider_api, method)(detail(case, suffix), payload, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Case matches the given query."}
    case.refresh_from_db()
    assert case.title == "Oven visit missed" and case.status == CaseStatus.NEW


def test_admin_sees_every_team(api_for, admin, case):
    assert api_for(admin).get(detail(case)).json()["title"] == "Oven visit missed"


def test_an_absurd_id_is_404_not_an_error(agent_api, case):
    assert agent_api.get(f"{CASES}{10**30}/").status_code == 404
    assert agent_api.get(f"{CASES}abc/").status_code == 404


# --- Roles -----------------------------------------------------------------------------


def test_a_user_without_a_role_is_refused_403(api_for, team, case):
    nobody = UserFactory(username="norole", teams=[team])
    nobody.groups.set([])
    api = api_for(nobody)
    assert api.get(CASES).status_code == 403
    response = api.post(CASES, {"client": case.client_id, "title": "x"}, format="json")
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_the_role_permission_decides_not_the_team(api_for, team, customer):
    reader = UserFactory(username="reader", teams=[team])
    reader.groups.set([])
    reader.user_permissions.set(Group.objects.get(name="Agents").permissions.filter(codename="view_case"))
    api = api_for(reader)
    assert api.get(CASES).status_code == 200
    assert api.post(CASES, {"client": customer.pk, "title": "x"}, format="json").status_code == 403


# --- Open ------------------------------------------------------------------------------


def test_open_a_case_through_the_service(agent_api, agent, customer):
    payload = {"client": customer.pk, "title": "Invoice twice", "priority": 3, "root_cause": "communication_breakdown"}
    response = agent_api.post(CASES, payload, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.owner, case.opened_by, case.team_id, case.priority) == (agent, agent, customer.team_id, 3)
    assert case.events.get().kind == CaseEventKind.OPENED
    assert response.json()["status"] == "new"


def test_another_teams_client_is_an_unknown_client(outsider_api, customer):
    response = outsider_api.post(CASES, {"client": customer.pk, "title": "x"}, format="json")
    assert response.status_code == 400
    assert "client" in response.json()
    assert not Case.objects.exists()


def test_the_owner_must_belong_to_the_clients_team(api_for, manager, team, other_team, customer):
    both = UserFactory(username="both", teams=[team, other_team])
    stranger = UserFactory(username="stranger", teams=[other_team])
    response = api_for(both).post(CASES, {"client": customer.pk, "title": "x", "owner": stranger.pk}, format="json")
    assert response.status_code == 400
    assert "not an active member" in response.json()["owner"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "x"}, "client"),
        ({"client": "CLIENT"}, "title"),
        ({"client": "CLIENT", "title": ""}, "title"),
        ({"client": "CLIENT", "title": "x" * 201}, "title"),
        ({"client": "CLIENT", "title": "x", "priority": 9}, "priority"),
        ({"client": "CLIENT", "title": "x", "root_cause": "bad luck"}, "root_cause"),
        ({"client": "CLIENT", "title": "x\x00"}, "title"),
        ({"client": "nope", "title": "x"}, "client"),
    ],
)
def test_invalid_input_is_400_naming_the_field(agent_api, customer, payload, field):
    payload = {key: customer.pk if value == "CLIENT" else value for key, value in payload.items()}
    response = agent_api.post(CASES, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Case.objects.exists()


def test_a_body_that_is_not_json_is_400_or_415(agent_api, customer):
    assert agent_api.post(CASES, "{not json", content_type="application/json").status_code == 400
    assert agent_api.post(CASES, {"title": "x"}, format="multipart").status_code == 415


# --- Update ----------------------------------------------------------------------------


def test_patch_changes_details_through_the_service(agent_api, case, teammate):
    response = agent_api.patch(detail(case), {"priority": 4, "owner": teammate.pk}, format="json")
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert (case.priority, case.owner) == (4, teammate)
    event = case.events.get(kind=CaseEventKind.UPDATED)
    assert set(event.data["changes"]) == {"priority", "owner"}


def test_patch_cannot_move_a_case_to_another_client(agent_api, case, team):
    other = ClientFactory(team=team)
    agent_api.patch(detail(case), {"client": other.pk}, format="json")
    case.refresh_from_db()
    assert case.client_id != other.pk


def test_put_and_delete_are_not_allowed(agent_api, case):
    assert agent_api.put(detail(case), {"title": "x"}, format="json").status_code == 405
    assert agent_api.delete(detail(case)).status_code == 405
    assert Case.objects.filter(pk=case.pk).exists()


# --- Status and escalation -----------------------------------------------------------


def test_change_status_through_the_service(agent_api, case):
    response = agent_api.post(detail(case, "status/"), {"status": "resolved"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved" and response.json()["resolved_at"]
    assert case.events.filter(kind=CaseEventKind.STATUS_CHANGED).exists()


def test_a_move_that_makes_no_sense_is_400_naming_status(agent_api, case):
    response = agent_api.post(detail(case, "status/"), {"status": "new"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["The case is already new."]}


def test_reopening_needs_a_note(agent_api, agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    response = agent_api.post(detail(case, "status/"), {"status": "in_progress"}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()


def test_escalate_through_the_service(agent_api, agent, case):
    payload = {"reason": "abusive_client", "note": "Insults on the phone."}
    response = agent_api.post(detail(case, "escalate/"), payload, format="json")
    assert response.status_code == 201, response.json()
    escalation = Escalation.objects.get(pk=response.json()["id"])
    assert (escalation.raised_by, escalation.reason) == (agent, "abusive_client")
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "abusive_client", "note": ""}, "note"),
        ({"reason": "stalled", "note": "x"}, "reason"),  # raised by rules, not by hand
        ({"note": "x"}, "reason"),
    ],
)
def test_escalation_input_errors_name_the_field(agent_api, case, payload, field):
    response = agent_api.post(detail(case, "escalate/"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Escalation.objects.exists()


def test_a_closed_case_cannot_be_escalated(agent_api, agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    response = agent_api.post(detail(case, "escalate/"), {"reason": "other", "note": "x"}, format="json")
    assert response.status_code == 400
    assert "reopen it" in response.json()["reason"][0]


def test_an_imported_case_keeps_when_it_began_but_not_a_future_one(agent_api, customer):
    began = "2026-01-05T09:00:00+01:00"
    response = agent_api.post(CASES, {"client": customer.pk, "title": "Imported", "opened_at": began}, format="json")
    assert response.status_code == 201
    assert response.json()["opened_at"] == "2026-01-05T08:00:00Z"
    future = {"client": customer.pk, "title": "Later", "opened_at": "2999-01-01T00:00:00Z"}
    response = agent_api.post(CASES, future, format="json")
    assert response.status_code == 400 and "opened_at" in response.json()


# --- The browser session -------------------------------------------------------------


def test_the_browser_session_reads_and_needs_csrf_to_write(case, agent):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(agent)
    assert browser.get(CASES).status_code == 200
    response = browser.post(detail(case, "status/"), {"status": "resolved"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_options_is_not_a_second_description_of_the_api(agent_api):
    response = agent_api.options(CASES)
    assert response.status_code == 405
    assert "detail" in response.json()


@pytest.mark.parametrize("client_id", [1.5, "1e2", "", True, [1], {"id": 1}])
def test_an_id_must_be_a_whole_number(agent_api, customer, client_id):
    response = agent_api.post(CASES, {"client": client_id, "title": "x"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["client"]


def test_hostile_bodies_are_json_4xx(agent_api, settings):
    deep = "[" * 100_000 + "]" * 100_000
    response = agent_api.post(CASES, deep, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = agent_api.post(CASES, {"title": "x" * 2000}, format="json")
    assert response.status_code == 413 and "larger than 1000 bytes" in response.json()["detail"]


def test_resolving_a_case_with_an_undecided_escalation_is_400_and_changes_nothing(agent_api, agent, case):
    from escalations.services import case_escalate

    case_escalate(actor=agent, case=case, reason="other", note="Need help")
    response = agent_api.post(detail(case, "status/"), {"status": "resolved"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["A manager has not yet decided this case's escalation: settle it first (or ask them to)."]
    }
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.resolved_at is None
