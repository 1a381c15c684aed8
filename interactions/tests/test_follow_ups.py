"""Scheduling, completing, rescheduling and cancelling follow-ups; time zones and DST."""

import uuid
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import CaseEvent, CaseEventKind
from clients.tests.factories import CaseFactory
from core.testing import next_european_clock_change
from interactions.forms import FollowUpForm
from interactions.models import FollowUp, FollowUpKind, FollowUpStatus
from interactions.services import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_reschedule,
    follow_up_schedule,
    interaction_log,
)

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _schedule(agent, case, **kwargs):
    values = {"kind": FollowUpKind.CALL_BACK, "due_at": timezone.now() + timedelta(hours=2), "note": "Call her back"}
    return follow_up_schedule(actor=agent, case=case, **{**values, **kwargs})


def test_scheduling_records_the_owner_and_lands_on_the_timeline(agent, case):
    follow_up = _schedule(agent, case)
    assert follow_up.owner == case.owner and follow_up.status == FollowUpStatus.PENDING
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.FOLLOW_UP_SCHEDULED)
    assert event.target == follow_up and event.actor == agent


def test_a_double_submit_schedules_one_follow_up(agent, case):
    key = uuid.uuid4()
    first = _schedule(agent, case, request_key=key)
    second = _schedule(agent, case, request_key=key)
    assert first == second and FollowUp.objects.count() == 1


def test_a_due_time_in_the_past_is_refused(agent, case):
    with pytest.raises(ValidationError) as error:
        _schedule(agent, case, due_at=timezone.now() - timedelta(minutes=1))
    assert "due_at" in error.value.error_dict


def test_an_email_follow_up_needs_its_text(agent, case):
    with pytest.raises(ValidationError) as error:
        _schedule(agent, case, kind=FollowUpKind.EMAIL_CLIENT, note="")
    assert "note" in error.value.error_dict


def test_an_outsider_cannot_schedule_on_another_teams_case(outsider, case):
    with pytest.raises(ValidationError):
        _schedule(outsider, case)


def test_completing_a_call_back_asks_for_the_call_that_fulfilled_it(agent, case):
    follow_up = _schedule(agent, case)
    with pytest.raises(ValidationError) as error:
        follow_up_complete(actor=agent, follow_up=follow_up)
    assert "fulfilled_by" in error.value.error_dict
    call = interaction_log(
        actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary="Called back as promised"
    )
    done = follow_up_complete(actor=agent, follow_up=follow_up, fulfilled_by=call)
    assert done.status == FollowUpStatus.DONE and done.fulfilled_by == call
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.FOLLOW_UP_DONE)
    assert event.data["on_time"] is True


def test_a_contact_from_before_the_promise_cannot_have_kept_it(agent, case):
    earlier = interaction_log(
        actor=agent,
        case=case,
        channel="call",
        direction="inbound",
        mood="calm",
        summary="Asked us to call back",
        occurred_at=timezone.now() - timedelta(minutes=5),
    )
    follow_up = _schedule(agent, case)
    with pytest.raises(ValidationError) as error:
        follow_up_complete(actor=agent, follow_up=follow_up, fulfilled_by=earlier)
    assert "before the promise" in error.value.error_dict["fulfilled_by"][0].messages[0]
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.PENDING and follow_up.fulfilled_by is None
    assert not CaseEvent.objects.filter(case=case, kind=CaseEventKind.FOLLOW_UP_DONE).exists()


def test_a_contact_from_another_case_is_refused_for_any_kind(agent, case):
    other_case = CaseFactory(client=case.client, owner=agent)
    follow_up = _schedule(agent, case, kind=FollowUpKind.INTERNAL_CHECK)
    elsewhere = interaction_log(
        actor=agent, case=other_case, channel="call", direction="outbound", mood="calm", summary="Other matter"
    )
    with pytest.raises(ValidationError) as error:
        follow_up_complete(actor=agent, follow_up=follow_up, fulfilled_by=elsewhere)
    assert "fulfilled_by" in error.value.error_dict


def test_an_internal_check_completes_without_a_contact_and_only_once(agent, case):
    follow_up = _schedule(agent, case, kind=FollowUpKind.INTERNAL_CHECK)
    follow_up_complete(actor=agent, follow_up=follow_up)
    with pytest.raises(ValidationError):
        follow_up_complete(actor=agent, follow_up=follow_up)


def test_rescheduling_moves_the_due_time_and_clears_the_reminder_marks(agent, case):
    follow_up = _schedule(agent, case)
    now = timezone.now()
    FollowUp.objects.filter(pk=follow_up.pk).update(
        reminded_at=now, due_noticed_at=now, overdue_warned_at=now, status=FollowUpStatus.MISSED
    )
    new_due = timezone.now() + timedelta(days=1)
    moved = follow_up_reschedule(actor=agent, follow_up=follow_up, due_at=new_due, note="Client asked for tomorrow")
    assert moved.due_at == new_due and moved.status == FollowUpStatus.PENDING
    assert (moved.reminded_at, moved.due_noticed_at, moved.overdue_warned_at) == (None, None, None)
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.FOLLOW_UP_RESCHEDULED).exists()


def test_cancelling_keeps_the_reason_on_the_timeline(agent, case):
    follow_up = _schedule(agent, case)
    follow_up_cancel(actor=agent, follow_up=follow_up, note="Client called us first")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CANCELLED
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.FOLLOW_UP_CANCELLED)
    assert event.data["note"] == "Client called us first"


# --- Time zones -----------------------------------------------------------------------


def _form(case, due: str):
    return FollowUpForm({"kind": FollowUpKind.CALL_BACK, "due_at": due, "note": "", "owner": ""}, case=case)


def test_a_due_time_typed_in_paris_is_stored_in_utc(case):
    with timezone.override(PARIS):
        form = _form(case, "2030-07-01T09:30")
        assert form.is_valid(), form.errors
    assert form.cleaned_data["due_at"] == datetime(2030, 7, 1, 7, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))


def test_a_local_time_skipped_by_the_spring_clock_change_is_refused(case):
    spring = next_european_clock_change(3)  # 02:00 -> 03:00 in Paris
    with timezone.override(PARIS):
        form = _form(case, f"{spring}T02:30")
        assert not form.is_valid()
    assert form.errors["due_at"] == [
        f"02:30 does not exist on {spring.day} March (clocks go forward from 02:00 to 03:00)."
    ]


def test_a_local_time_repeated_by_the_autumn_clock_change_is_refused(case):
    autumn = next_european_clock_change(10)  # 03:00 -> 02:00 in Paris: 02:30 happens twice
    with timezone.override(PARIS):
        form = _form(case, f"{autumn}T02:30")
        assert not form.is_valid()
    assert form.errors["due_at"][0].startswith(
        f"02:30 happens twice on {autumn.day} October: 02:30 CEST (UTC+02:00) or 02:30 CET (UTC+01:00)?"
    )


def test_the_day_after_a_clock_change_a_due_time_is_still_the_typed_local_time(agent, case):
    # The next spring change, so the due time is in the future on whatever day this runs.
    spring = next_european_clock_change(3)
    with timezone.override(PARIS):
        form = _form(case, f"{spring}T09:00")
        assert form.is_valid()
    follow_up = _schedule(agent, case, due_at=form.cleaned_data["due_at"])
    follow_up.refresh_from_db()
    expected = datetime(spring.year, spring.month, spring.day, 7, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert follow_up.due_at == expected  # summer time: UTC+2
    assert timezone.localtime(follow_up.due_at, PARIS).hour == 9
