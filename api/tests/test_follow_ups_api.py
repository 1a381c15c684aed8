from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import CaseEventKind
from clients.tests.factories import CaseFactory, ClientFactory
from interactions.models import FollowUp, FollowUpStatus
from interactions.services import follow_up_cancel, follow_up_schedule, interaction_log

FOLLOW_UPS = "/api/v1/follow-ups/"
CALL = {"channel": "call", "direction": "outbound", "mood": "calm", "summary": "Called back as promised."}


def _in(**delta):
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0)


def _schedule(actor, case, kind="internal_check", **delta):
    return follow_up_schedule(actor=actor, case=case, kind=kind, due_at=_in(**(delta or {"days": 1})), note="Check")


def test_schedule_a_call_back_through_the_service(agent_api, agent, teammate, case):
    due = _in(days=1)
    payload = {"case": case.pk, "kind": "call_back", "due_at": due.isoformat(), "owner": teammate.pk, "note": "Visit"}
    response = agent_api.post(FOLLOW_UPS, payload, format="json")
    assert response.status_code == 201, response.json()
    follow_up = FollowUp.objects.get(pk=response.json()["id"])
    assert (follow_up.owner, follow_up.created_by, follow_up.due_at) == (teammate, agent, due)
    assert case.events.filter(kind=CaseEventKind.FOLLOW_UP_SCHEDULED).exists()


def test_the_owner_defaults_to_the_cases_owner(agent_api, agent, case):
    response = agent_api.post(
        FOLLOW_UPS, {"case": case.pk, "kind": "internal_check", "due_at": _in(hours=2).isoformat()}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["owner"] == case.owner_id


def test_a_retried_schedule_with_the_same_key_creates_one(agent_api, case):
    payload = {"case": case.pk, "kind": "internal_check", "due_at": _in(days=2).isoformat()}
    first = agent_api.post(FOLLOW_UPS, payload, format="json", HTTP_IDEMPOTENCY_KEY="fu-1")
    again = agent_api.post(FOLLOW_UPS, payload, format="json", HTTP_IDEMPOTENCY_KEY="fu-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert case.follow_ups.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_at": "2020-01-01T10:00:00Z"}, "due_at"),  # in the past
        ({"due_at": "2099-01-01T10:00:00"}, "due_at"),  # no offset: a machine has no local time
        ({"due_at": "tomorrow"}, "due_at"),
        ({"kind": "visit"}, "kind"),
        ({"kind": "email_client", "note": ""}, "note"),  # the email's text is needed
        ({"case": 999999}, "case"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_invalid_input_names_the_field_and_saves_nothing(agent_api, case, changes, field):
    payload = {"case": case.pk, "kind": "call_back", "due_at": _in(days=1).isoformat(), **changes}
    response = agent_api.post(FOLLOW_UPS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not FollowUp.objects.exists()


def test_an_owner_outside_the_cases_team_is_refused(api_for, manager, outsider, case, team, other_team):
    # A manager of both teams may name people of either; the owner must still belong to the case's team.
    manager.teams.add(other_team)
    response = api_for(manager).post(
        FOLLOW_UPS,
        {"case": case.pk, "kind": "call_back", "due_at": _in(days=1).isoformat(), "owner": outsider.pk},
        format="json",
    )
    assert response.status_code == 400 and "owner" in response.json()


def test_another_teams_follow_ups_are_out_of_reach(outsider_api, agent, case):
    follow_up = _schedule(agent, case)
    assert outsider_api.get(f"{FOLLOW_UPS}{follow_up.pk}/").status_code == 404
    assert outsider_api.get(FOLLOW_UPS).json()["count"] == 0
    for action, body in [("done", {}), ("reschedule", {"due_at": _in(days=3).isoformat()}), ("cancel", {})]:
        assert outsider_api.post(f"{FOLLOW_UPS}{follow_up.pk}/{action}/", body, format="json").status_code == 404
    response = outsider_api.post(
        FOLLOW_UPS, {"case": case.pk, "kind": "call_back", "due_at": _in(days=1).isoformat()}, format="json"
    )
    assert response.status_code == 400 and "case" in response.json()
    follow_up.refresh_from_db()
    assert (follow_up.status, case.follow_ups.count()) == (FollowUpStatus.PENDING, 1)


def test_list_filters_by_status_kind_owner_and_due_time(agent_api, agent, teammate, case):
    soon = _schedule(agent, case, hours=2)
    later = follow_up_schedule(actor=agent, case=case, kind="call_back", due_at=_in(days=5), owner=teammate)
    cancelled = _schedule(agent, case, days=2)
    follow_up_cancel(actor=agent, follow_up=cancelled)
    other_case = CaseFactory(client=ClientFactory(team=case.team), owner=agent)
    elsewhere = _schedule(agent, other_case, days=3)

    def ids(**query):
        response = agent_api.get(FOLLOW_UPS, query)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [soon.pk, cancelled.pk, elsewhere.pk, later.pk]  # soonest due first
    assert ids(status="pending") == [soon.pk, elsewhere.pk, later.pk]
    assert ids(kind="call_back") == [later.pk]
    assert ids(owner=teammate.pk) == [later.pk]
    assert ids(case=other_case.pk) == [elsewhere.pk]
    assert ids(due_before=_in(days=1).isoformat()) == [soon.pk]
    assert ids(due_after=_in(days=4).isoformat()) == [later.pk]
    assert ids(ordering="-due_at") == [later.pk, elsewhere.pk, cancelled.pk, soon.pk]
    assert ids(ordering="owner__password") == ids()  # outside the allow-list: ignored


def test_a_call_back_is_done_with_the_call_that_kept_it(agent_api, agent, case):
    follow_up = _schedule(agent, case, kind="call_back")
    url = f"{FOLLOW_UPS}{follow_up.pk}/done/"
    response = agent_api.post(url, {}, format="json")
    assert response.status_code == 400 and "fulfilled_by" in response.json()

    call = interaction_log(actor=agent, case=case, **CALL)
    response = agent_api.post(url, {"fulfilled_by": call.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["fulfilled_by"]) == ("done", call.pk)
    assert case.events.filter(kind=CaseEventKind.FOLLOW_UP_DONE).exists()

    again = agent_api.post(url, {"fulfilled_by": call.pk}, format="json")
    assert again.status_code == 400 and "already done" in again.json()["non_field_errors"][0]


def test_the_fulfilling_call_must_be_on_the_same_case(agent_api, agent, case):
    follow_up = _schedule(agent, case, kind="call_back")
    other_case = CaseFactory(client=case.client, owner=agent)
    call = interaction_log(actor=agent, case=other_case, **CALL)
    response = agent_api.post(f"{FOLLOW_UPS}{follow_up.pk}/done/", {"fulfilled_by": call.pk}, format="json")
    assert response.status_code == 400 and "fulfilled_by" in response.json()


def test_a_call_from_before_the_promise_cannot_fulfil_it(agent_api, agent, case):
    earlier = interaction_log(actor=agent, case=case, occurred_at=_in(minutes=-5), **CALL)
    follow_up = _schedule(agent, case, kind="call_back")
    response = agent_api.post(f"{FOLLOW_UPS}{follow_up.pk}/done/", {"fulfilled_by": earlier.pk}, format="json")
    assert response.status_code == 400
    assert "before the promise" in response.json()["fulfilled_by"][0]
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.PENDING


def test_another_teams_call_cannot_fulfil_a_follow_up(outsider_api, outsider, agent, case, other_team):
    theirs = interaction_log(actor=agent, case=case, **CALL)
    own_case = CaseFactory(client=ClientFactory(team=other_team), owner=outsider)
    follow_up = _schedule(outsider, own_case, kind="call_back")
    response = outsider_api.post(f"{FOLLOW_UPS}{follow_up.pk}/done/", {"fulfilled_by": theirs.pk}, format="json")
    assert response.status_code == 400 and "fulfilled_by" in response.json()


def test_reschedule_moves_the_due_time_and_refuses_the_past(agent_api, agent, case):
    follow_up = _schedule(agent, case)
    url = f"{FOLLOW_UPS}{follow_up.pk}/reschedule/"
    past = agent_api.post(url, {"due_at": _in(hours=-1).isoformat()}, format="json")
    assert past.status_code == 400 and "due_at" in past.json()
    naive = agent_api.post(url, {"due_at": "2099-01-01T10:00:00"}, format="json")
    assert naive.status_code == 400 and "offset" in naive.json()["due_at"][0]

    new_due = _in(days=4)
    response = agent_api.post(url, {"due_at": new_due.isoformat(), "note": "Client away"}, format="json")
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.due_at == new_due
    assert case.events.filter(kind=CaseEventKind.FOLLOW_UP_RESCHEDULED).exists()


def test_cancel_closes_a_follow_up_once(agent_api, agent, case):
    follow_up = _schedule(agent, case)
    url = f"{FOLLOW_UPS}{follow_up.pk}/cancel/"
    response = agent_api.post(url, {"note": "Settled on the phone"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    event = case.events.get(kind=CaseEventKind.FOLLOW_UP_CANCELLED)
    assert event.data["note"] == "Settled on the phone"
    again = agent_api.post(url, {}, format="json")
    assert again.status_code == 400 and "non_field_errors" in again.json()
    move = agent_api.post(f"{FOLLOW_UPS}{follow_up.pk}/reschedule/", {"due_at": _in(days=1).isoformat()}, format="json")
    assert move.status_code == 400


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_follow_ups_change_only_through_their_actions(agent_api, agent, case, method):
    follow_up = _schedule(agent, case)
    response = getattr(agent_api, method)(f"{FOLLOW_UPS}{follow_up.pk}/", {"note": "rewritten"}, format="json")
    assert response.status_code == 405
