import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction
from django.utils import timezone

from clients.models import CaseEventKind, CaseStatus
from clients.services import case_change_status
from interactions.models import Channel, Direction, Interaction, Mood
from interactions.services import interaction_log


def log(actor, case, **overrides):
    values = dict(
        channel=Channel.CALL,
        direction=Direction.INBOUND,
        mood=Mood.FRUSTRATED,
        summary="Called about the missed visit.",
    )
    values.update(overrides)
    return interaction_log(actor=actor, case=case, **values)


def test_logging_records_who_and_when_and_adds_it_to_the_timeline(agent, case):
    before = timezone.now()
    interaction = log(agent, case, duration_minutes=12)
    assert interaction.logged_by == agent
    assert interaction.client == case.client
    assert before <= interaction.logged_at <= timezone.now()
    assert before <= interaction.occurred_at <= timezone.now()
    event = case.events.get(kind=CaseEventKind.INTERACTION_LOGGED)
    assert event.target == interaction
    assert event.actor == agent


def test_a_contact_logged_afterwards_keeps_the_time_it_happened(agent, case):
    earlier = timezone.now() - timedelta(hours=3)
    interaction = log(agent, case, occurred_at=earlier)
    assert interaction.occurred_at == earlier
    assert case.events.get(kind=CaseEventKind.INTERACTION_LOGGED).occurred_at == earlier


def test_a_contact_in_the_future_is_refused(agent, case):
    with pytest.raises(ValidationError) as error:
        log(agent, case, occurred_at=timezone.now() + timedelta(minutes=5))
    assert "occurred_at" in error.value.message_dict
    assert not Interaction.objects.exists()


def test_a_note_is_internal_and_a_call_is_not(agent, case):
    with pytest.raises(ValidationError) as error:
        log(agent, case, channel=Channel.NOTE, direction=Direction.INBOUND)
    assert "direction" in error.value.message_dict
    with pytest.raises(ValidationError):
        log(agent, case, channel=Channel.CALL, direction=Direction.INTERNAL)
    assert log(agent, case, channel=Channel.NOTE, direction=Direction.INTERNAL).channel == Channel.NOTE


def test_an_empty_summary_is_refused(agent, case):
    with pytest.raises(ValidationError) as error:
        log(agent, case, summary="")
    assert "summary" in error.value.message_dict
    assert not case.events.exists()


def test_the_first_contact_starts_work_on_a_new_case(agent, case):
    log(agent, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_contact_on_a_resolved_case_leaves_its_status(agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    log(agent, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_last_activity_moves_forward_only(agent, case):
    latest = log(agent, case).occurred_at
    log(agent, case, occurred_at=latest - timedelta(days=2))
    case.refresh_from_db()
    assert case.last_activity_at >= latest


def test_an_agent_of_another_team_cannot_log_on_the_case(outsider, case):
    with pytest.raises(ValidationError):
        log(outsider, case)
    assert not Interaction.objects.exists()


def test_the_same_request_key_logs_once(agent, case):
    key = uuid.uuid4()
    first = log(agent, case, request_key=key)
    second = log(agent, case, request_key=key)
    assert first == second
    assert Interaction.objects.count() == 1
    assert case.events.filter(kind=CaseEventKind.INTERACTION_LOGGED).count() == 1


def test_a_correction_points_at_the_original_and_both_stay(agent, case):
    original = log(agent, case, mood=Mood.ANGRY)
    correction = log(agent, case, mood=Mood.FRUSTRATED, corrects=original, summary="Mood was frustrated.")
    assert correction.corrects == original
    assert set(Interaction.objects.all()) == {original, correction}


def test_a_correction_must_be_on_the_same_case(agent, case, customer):
    from clients.tests.factories import CaseFactory

    other_case = CaseFactory(client=customer, owner=agent)
    original = log(agent, other_case)
    with pytest.raises(ValidationError) as error:
        log(agent, case, corrects=original)
    assert "corrects" in error.value.message_dict


def test_the_database_refuses_to_change_an_interaction(agent, case):
    interaction = log(agent, case)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Interaction.objects.filter(pk=interaction.pk).update(summary="rewritten")
    interaction.refresh_from_db()
    assert interaction.summary == "Called about the missed visit."


def test_the_database_refuses_to_delete_an_interaction_on_postgres(agent, case):
    from core.testing import require_postgres

    require_postgres()
    interaction = log(agent, case)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        Interaction.objects.filter(pk=interaction.pk).delete()
    assert Interaction.objects.filter(pk=interaction.pk).exists()


def test_two_contacts_at_once_on_a_new_case_both_log_and_start_work_once(agent, case):
    from clients.models import Case

    # Two requests read the new case at the same moment; the first one starts work on it.
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    interaction_log(actor=agent, case=first, channel="call", direction="inbound", mood="calm", summary="One")
    interaction_log(actor=agent, case=second, channel="chat", direction="inbound", mood="calm", summary="Two")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
    assert case.events.filter(kind=CaseEventKind.STATUS_CHANGED).count() == 1
    assert case.interactions.count() == 2


def test_two_contacts_from_a_waited_on_client_at_once_end_the_wait_once(agent, case):
    from clients.models import Case
    from clients.services import case_wait_on_client

    interaction_log(actor=agent, case=case, channel="email", direction="outbound", mood="calm", summary="Asked")
    case_wait_on_client(actor=agent, case=case, waiting=True)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    interaction_log(actor=agent, case=first, channel="call", direction="inbound", mood="calm", summary="Here")
    interaction_log(actor=agent, case=second, channel="email", direction="inbound", mood="calm", summary="Also")
    assert Case.objects.get(pk=case.pk).waiting_on_client_since is None
    assert case.events.filter(kind=CaseEventKind.WAITING_ENDED).count() == 1
