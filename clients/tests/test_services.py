import uuid

import pytest
from django.core.exceptions import ValidationError

from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client, Priority, RootCause, Temperament
from clients.services import (
    allowed_transitions,
    case_change_status,
    case_open,
    case_update,
    client_create,
    client_update,
)
from escalations.models import Escalation, EscalationDecision, EscalationReason
from escalations.services import case_escalate, escalation_decide


def test_client_create_adds_a_client_to_the_actors_team(agent, team):
    client = client_create(actor=agent, team=team, name="Rosa Delgado", temperament=Temperament.ANGRY)
    assert client.team == team
    assert client.created_by == agent
    assert client.temperament == Temperament.ANGRY


def test_client_create_refuses_a_team_the_actor_is_not_in(outsider, team):
    with pytest.raises(ValidationError):
        client_create(actor=outsider, team=team, name="Rosa Delgado")
    assert not Client.objects.exists()


def test_client_create_refuses_a_bad_email_and_saves_nothing(agent, team):
    with pytest.raises(ValidationError) as error:
        client_create(actor=agent, team=team, name="Rosa", email="not-an-email")
    assert "email" in error.value.message_dict
    assert not Client.objects.exists()


def test_client_create_with_the_same_request_key_creates_one_client(agent, team):
    key = uuid.uuid4()
    first = client_create(actor=agent, team=team, name="Rosa", request_key=key)
    second = client_create(actor=agent, team=team, name="Rosa", request_key=key)
    assert first == second
    assert Client.objects.count() == 1


def test_client_update_changes_the_temperament_profile(agent, customer):
    client_update(actor=agent, client=customer, temperament=Temperament.SILENT, notes="Email only, please.")
    customer.refresh_from_db()
    assert customer.temperament == Temperament.SILENT
    assert customer.notes == "Email only, please."


def test_case_open_starts_a_new_case_in_the_clients_team_with_a_timeline_entry(agent, teammate, customer):
    case = case_open(
        actor=agent,
        client=customer,
        title="Double charge",
        owner=teammate,
        root_cause=RootCause.COMMUNICATION_BREAKDOWN,
        priority=Priority.HIGH,
    )
    assert case.status == CaseStatus.NEW
    assert case.team_id == customer.team_id
    assert case.opened_by == agent
    assert list(case.events.values_list("kind", "actor")) == [(CaseEventKind.OPENED, agent.pk)]


def test_case_open_refuses_an_owner_outside_the_team(agent, outsider, customer):
    with pytest.raises(ValidationError) as error:
        case_open(actor=agent, client=customer, title="Double charge", owner=outsider)
    assert "owner" in error.value.message_dict
    assert not Case.objects.exists()


def test_case_open_refuses_a_client_of_another_team(outsider, customer):
    with pytest.raises(ValidationError):
        case_open(actor=outsider, client=customer, title="Double charge", owner=outsider)


def test_case_open_refuses_an_empty_title(agent, customer):
    with pytest.raises(ValidationError) as error:
        case_open(actor=agent, client=customer, title="", owner=agent)
    assert "title" in error.value.message_dict
    assert not CaseEvent.objects.exists()


def test_case_open_with_the_same_request_key_opens_one_case(agent, customer):
    key = uuid.uuid4()
    first = case_open(actor=agent, client=customer, title="Double charge", owner=agent, request_key=key)
    second = case_open(actor=agent, client=customer, title="Double charge", owner=agent, request_key=key)
    assert first == second
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "note"),
    [
        ([CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED], ""),
        ([CaseStatus.CLOSED], "opened by mistake"),
        ([CaseStatus.RESOLVED, CaseStatus.IN_PROGRESS], "client called back"),
    ],
)
def test_case_change_status_follows_the_lifecycle(agent, case, path, note):
    for status in path:
        case_change_status(actor=agent, case=case, status=status, note=note)
        assert case.status == status
    case.refresh_from_db()
    assert case.status == path[-1]
    assert case.events.filter(kind=CaseEventKind.STATUS_CHANGED).count() == len(path)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (CaseStatus.NEW, CaseStatus.NEW),
        (CaseStatus.IN_PROGRESS, CaseStatus.CLOSED),
        (CaseStatus.IN_PROGRESS, CaseStatus.NEW),
        (CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED),
        (CaseStatus.CLOSED, CaseStatus.RESOLVED),
        (CaseStatus.ESCALATED, CaseStatus.CLOSED),
    ],
)
def test_case_change_status_refuses_moves_that_make_no_sense(agent, case, start, target):
    Case.objects.filter(pk=case.pk).update(status=start, resolved_at=case.opened_at, closed_at=case.opened_at)
    with pytest.raises(ValidationError) as error:
        case_change_status(actor=agent, case=case, status=target, note="note")
    assert "status" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == start
    assert not case.events.exists()


def test_reopening_a_resolved_case_needs_a_reason(agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    with pytest.raises(ValidationError) as error:
        case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS, note="  ")
    assert "note" in error.value.message_dict
    case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS, note="The fix did not hold.")
    assert case.resolved_at is None


def test_resolving_and_closing_record_their_times(agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert case.resolved_at is not None
    case_change_status(actor=agent, case=case, status=CaseStatus.CLOSED)
    assert case.closed_at is not None


def test_allowed_transitions_lists_only_sensible_moves(case):
    assert allowed_transitions(case) == [CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED]


def test_case_update_records_old_and_new_values(agent, teammate, case):
    case_update(actor=agent, case=case, title="Oven visit missed twice", owner=teammate, priority=case.priority)
    event = case.events.get(kind=CaseEventKind.UPDATED)
    assert event.data["changes"] == {
        "title": ["Oven visit missed", "Oven visit missed twice"],
        "owner": [str(agent), str(teammate)],
    }


def test_case_update_without_changes_records_nothing(agent, case):
    case_update(actor=agent, case=case, title=case.title)
    assert not case.events.exists()


def test_case_update_refuses_an_owner_outside_the_team(agent, outsider, case):
    with pytest.raises(ValidationError):
        case_update(actor=agent, case=case, owner=outsider)
    case.refresh_from_db()
    assert case.owner == agent


# --- Escalation -------------------------------------------------------------------------


def test_escalating_records_why_and_moves_the_case(agent, case):
    escalation = case_escalate(
        actor=agent, case=case, reason=EscalationReason.ABUSIVE_CLIENT, note="Insulted me twice."
    )
    assert case.status == CaseStatus.ESCALATED
    assert (escalation.raised_by, escalation.is_open) == (agent, True)
    event = case.events.get(kind=CaseEventKind.ESCALATED)
    assert event.target == escalation and event.data["from"] == CaseStatus.NEW


def test_escalating_by_hand_needs_a_note(agent, case):
    with pytest.raises(ValidationError) as error:
        case_escalate(actor=agent, case=case, reason=EscalationReason.OTHER, note=" ")
    assert "note" in error.value.message_dict
    assert not Escalation.objects.exists()


def test_a_rule_escalates_a_case_once_per_cause(case):
    first = case_escalate(case=case, reason=EscalationReason.CONCESSION_OVER_LIMIT, cause_key="concession:1")
    again = case_escalate(case=case, reason=EscalationReason.CONCESSION_OVER_LIMIT, cause_key="concession:1")
    other = case_escalate(case=case, reason=EscalationReason.CONCESSION_OVER_LIMIT, cause_key="concession:2")
    assert first == again and other != first
    assert case.events.filter(kind=CaseEventKind.ESCALATED).count() == 2


def test_a_closed_case_must_be_reopened_before_escalating(agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    with pytest.raises(ValidationError):
        case_escalate(actor=agent, case=case, reason=EscalationReason.OTHER, note="Client is back")
    assert not Escalation.objects.exists()


def test_an_outsider_cannot_escalate(outsider, case):
    with pytest.raises(ValidationError):
        case_escalate(actor=outsider, case=case, reason=EscalationReason.OTHER, note="x")


def test_an_escalated_case_is_handed_back_with_a_reason(agent, case):
    case_escalate(actor=agent, case=case, reason=EscalationReason.OTHER, note="Need help")
    with pytest.raises(ValidationError):
        case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS)
    case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS, note="Manager called the client.")
    assert case.status == CaseStatus.IN_PROGRESS


# --- An open escalation keeps a case open -------------------------------------------------

UNDECIDED = "A manager has not yet decided this case's escalation: settle it first (or ask them to)."


def test_an_escalated_case_cannot_be_resolved_until_a_manager_decides(agent, manager, case):
    escalation = case_escalate(actor=agent, case=case, reason=EscalationReason.OTHER, note="Need help")
    with pytest.raises(ValidationError) as error:
        case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert error.value.message_dict == {"status": [UNDECIDED]}
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.resolved_at is None
    assert not case.events.filter(kind=CaseEventKind.STATUS_CHANGED).exists()
    # Handing the case back by hand leaves the escalation waiting: still not resolvable.
    case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS, note="I will carry on.")
    with pytest.raises(ValidationError):
        case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.HAND_BACK, note="Go on.")
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert case.status == CaseStatus.RESOLVED


@pytest.mark.parametrize(
    "start, target",
    [
        (CaseStatus.NEW, CaseStatus.RESOLVED),
        (CaseStatus.NEW, CaseStatus.CLOSED),
        (CaseStatus.ESCALATED, CaseStatus.RESOLVED),
        (CaseStatus.RESOLVED, CaseStatus.CLOSED),
    ],
)
def test_no_path_settles_a_case_with_an_undecided_escalation(agent, case, start, target):
    case_escalate(case=case, reason=EscalationReason.OVERDUE, cause_key="overdue:resolution")
    # However the case got here (older data, a status set before the rule existed).
    Case.objects.filter(pk=case.pk).update(status=start, resolved_at=case.opened_at)
    with pytest.raises(ValidationError) as error:
        case_change_status(actor=agent, case=case, status=target, note="Done.")
    assert error.value.message_dict == {"status": [UNDECIDED]}
    case.refresh_from_db()
    assert case.status == start


def test_a_decided_escalation_does_not_hold_a_case_open(agent, manager, case):
    escalation = case_escalate(actor=agent, case=case, reason=EscalationReason.OTHER, note="Need help")
    escalation_decide(actor=manager, escalation=escalation, decision=EscalationDecision.TAKE_OVER)
    case_change_status(actor=manager, case=case, status=CaseStatus.RESOLVED)
    case_change_status(actor=manager, case=case, status=CaseStatus.CLOSED)
    assert case.status == CaseStatus.CLOSED
