from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from clients.models import CaseEventKind, CaseStatus
from clients.tests.factories import CaseFactory, ClientFactory
from interactions.models import Interaction
from interactions.services import interaction_log

INTERACTIONS = "/api/v1/interactions/"
CALL = {"channel": "call", "direction": "inbound", "mood": "frustrated", "summary": "Asked about the visit."}


def test_log_a_call_through_the_service(agent_api, agent, case):
    occurred = (timezone.now() - timedelta(minutes=30)).replace(microsecond=0)
    payload = {**CALL, "case": case.pk, "occurred_at": occurred.isoformat(), "duration_minutes": 12}
    response = agent_api.post(INTERACTIONS, payload, format="json")
    assert response.status_code == 201, response.json()
    interaction = Interaction.objects.get(pk=response.json()["id"])
    assert (interaction.logged_by, interaction.occurred_at, interaction.client_id) == (agent, occurred, case.client_id)
    assert case.events.filter(kind=CaseEventKind.INTERACTION_LOGGED).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # the first contact starts work


def test_an_explicit_time_in_the_current_minute_is_kept_exactly(agent_api, case):
    # The log forms take their own default minute for "now"; a time given to the API is
    # always kept as given, even a whole minute that is the current one.
    now = timezone.now()
    given = now.replace(second=0, microsecond=0)
    with time_machine.travel(given + timedelta(seconds=40), tick=False):
        response = agent_api.post(
            INTERACTIONS, {**CALL, "case": case.pk, "occurred_at": given.isoformat()}, format="json"
        )
    assert response.status_code == 201, response.json()
    assert Interaction.objects.get(pk=response.json()["id"]).occurred_at == given


def test_another_teams_case_and_entries_are_out_of_reach(outsider_api, agent, case):
    logged = interaction_log(actor=agent, case=case, **CALL)
    assert outsider_api.get(f"{INTERACTIONS}{logged.pk}/").status_code == 404
    assert outsider_api.get(INTERACTIONS).json()["count"] == 0
    response = outsider_api.post(INTERACTIONS, {**CALL, "case": case.pk}, format="json")
    assert response.status_code == 400 and "case" in response.json()
    assert case.interactions.count() == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_interactions_are_append_only(agent_api, agent, case, method):
    logged = interaction_log(actor=agent, case=case, **CALL)
    response = getattr(agent_api, method)(f"{INTERACTIONS}{logged.pk}/", {"summary": "rewritten"}, format="json")
    assert response.status_code == 405
    logged.refresh_from_db()
    assert logged.summary == CALL["summary"]


def test_a_correction_points_at_the_original_and_both_stay(agent_api, agent, case):
    original = interaction_log(actor=agent, case=case, **CALL)
    payload = {**CALL, "case": case.pk, "mood": "calm", "summary": "Correction: calm.", "corrects": original.pk}
    response = agent_api.post(INTERACTIONS, payload, format="json")
    assert response.status_code == 201
    assert response.json()["corrects"] == original.pk
    assert case.interactions.count() == 2


def test_a_correction_must_stay_on_the_same_case(agent_api, agent, case, customer):
    original = interaction_log(actor=agent, case=case, **CALL)
    other_case = CaseFactory(client=customer, owner=agent)
    payload = {**CALL, "case": other_case.pk, "corrects": original.pk}
    response = agent_api.post(INTERACTIONS, payload, format="json")
    assert response.status_code == 400
    assert "same case" in response.json()["corrects"][0]


def test_a_correction_cannot_point_at_another_teams_entry(outsider_api, outsider, agent, case, other_team):
    theirs = interaction_log(actor=agent, case=case, **CALL)
    own_case = CaseFactory(client=ClientFactory(team=other_team), owner=outsider)
    response = outsider_api.post(INTERACTIONS, {**CALL, "case": own_case.pk, "corrects": theirs.pk}, format="json")
    assert response.status_code == 400 and "corrects" in response.json()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "2999-01-01T10:00:00Z"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"channel": "note"}, "direction"),
        ({"direction": "internal"}, "direction"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"duration_minutes": -1}, "duration_minutes"),
        ({"mood": "sunny"}, "mood"),
        ({"summary": ""}, "summary"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_invalid_contact_is_400_naming_the_field(agent_api, case, changes, field):
    response = agent_api.post(INTERACTIONS, {**CALL, "case": case.pk, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not case.interactions.exists()


def test_list_filters_by_case_and_mood(agent_api, agent, case, customer):
    other = CaseFactory(client=customer, owner=agent)
    interaction_log(actor=agent, case=case, **CALL)
    interaction_log(actor=agent, case=other, **{**CALL, "mood": "abusive"})
    assert agent_api.get(INTERACTIONS, {"case": case.pk}).json()["count"] == 1
    assert agent_api.get(INTERACTIONS, {"mood": "abusive"}).json()["results"][0]["case"] == other.pk
    response = agent_api.get(INTERACTIONS, {"case": "x"})
    assert response.status_code == 400 and "case" in response.json()


def test_a_time_without_its_offset_is_refused(agent_api, case):
    response = agent_api.post(
        INTERACTIONS, {**CALL, "case": case.pk, "occurred_at": "2026-03-29T02:30:00"}, format="json"
    )
    assert response.status_code == 400
    assert "offset" in response.json()["occurred_at"][0]


def test_an_abusive_call_logged_through_the_api_escalates_the_case_at_once(agent_api, case):
    response = agent_api.post(INTERACTIONS, {**CALL, "case": case.pk, "mood": "abusive"}, format="json")
    assert response.status_code == 201, response.json()
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    assert case.escalations.get().cause_key == f"abusive:{response.json()['id']}"
