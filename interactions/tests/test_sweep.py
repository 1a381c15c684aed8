"""The sweep: reminders before, warnings after, missed later, promised emails at the due time."""

import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Notice
from accounts.selectors import team_settings as settings_of
from clients.models import CaseEvent, CaseEventKind, CaseStatus
from clients.services import case_change_status, case_open
from interactions.models import FollowUp, FollowUpKind, FollowUpStatus, OutgoingEmail, SatisfactionSurvey
from interactions.services import follow_up_schedule, follow_ups_sweep


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.CASEBOOK_REMINDER_LEAD_MINUTES = 30
    settings.CASEBOOK_OVERDUE_GRACE_MINUTES = 60
    settings.CASEBOOK_MISSED_AFTER_MINUTES = 120
    settings.CASEBOOK_SATISFACTION_DELAY_DAYS = 3


def _follow_up(
    agent,
    case,
    *,
    due_in: timedelta,
    kind=FollowUpKind.CALL_BACK,
    note="Call back about the oven",
    made_ago=timedelta(days=1),
):
    """A follow-up promised `made_ago`, due in `due_in` (negative: due that long ago)."""
    follow_up = follow_up_schedule(
        actor=agent, case=case, kind=kind, due_at=timezone.now() + timedelta(minutes=5), note=note
    )
    now = timezone.now()
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=now + due_in, created_at=now - made_ago)
    follow_up.refresh_from_db()
    return follow_up


def test_the_owner_is_reminded_once_within_the_lead_time(agent, case):
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=20))
    assert follow_ups_sweep()["reminded"] == 1
    assert follow_ups_sweep()["reminded"] == 0
    email = OutgoingEmail.objects.get()
    assert email.to_email == agent.email and email.cause_key.startswith(f"followup:{follow_up.pk}:reminder")
    assert "Oven visit missed" in email.subject
    assert Notice.objects.filter(user=agent, message__startswith="Due soon").count() == 1


def test_a_promise_due_sooner_than_the_lead_is_reminded_once_half_way_to_its_due_time(agent, case):
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=10), made_ago=timedelta(0))
    now = follow_up.created_at
    assert follow_ups_sweep(now=now + timedelta(minutes=1))["reminded"] == 0  # its owner just made it
    assert follow_ups_sweep(now=now + timedelta(minutes=5, seconds=1))["reminded"] == 1
    assert follow_ups_sweep(now=now + timedelta(minutes=7))["reminded"] == 0
    assert Notice.objects.filter(user=agent, message__startswith="Due soon").count() == 1


def test_the_owner_is_told_once_when_a_promise_comes_due(agent, case):
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=20))
    assert follow_ups_sweep()["told_due"] == 0
    due = follow_up.due_at
    assert follow_ups_sweep(now=due + timedelta(seconds=30))["told_due"] == 1
    assert follow_ups_sweep(now=due + timedelta(minutes=1))["told_due"] == 0
    notice = Notice.objects.get(user=agent, message__startswith="Due now")
    assert "Call back" in notice.message and notice.url == case.get_absolute_url()


def test_a_promise_done_before_its_due_time_is_not_told_due(agent, case):
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=20))
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUpStatus.DONE, completed_at=timezone.now())
    assert follow_ups_sweep(now=follow_up.due_at + timedelta(seconds=30))["told_due"] == 0
    assert not Notice.objects.filter(message__startswith="Due now").exists()


def test_no_reminder_before_the_lead_time(agent, case):
    _follow_up(agent, case, due_in=timedelta(hours=3))
    assert follow_ups_sweep()["reminded"] == 0
    assert not OutgoingEmail.objects.exists()


def test_a_reminder_shows_the_due_time_in_the_owners_time_zone(agent, case):
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=20))
    follow_ups_sweep()
    paris = timezone.localtime(follow_up.due_at, zoneinfo.ZoneInfo("Europe/Paris"))
    assert paris.strftime("%H:%M") in OutgoingEmail.objects.get().body_text
    assert paris.tzname() in OutgoingEmail.objects.get().body_text  # CET or CEST, not UTC


def test_past_the_grace_period_the_owner_and_the_teams_managers_are_warned(agent, manager, teammate, case):
    _follow_up(agent, case, due_in=-timedelta(minutes=61))
    counts = follow_ups_sweep()
    assert counts["warned"] == 1 and counts["reminded"] == 0
    recipients = set(OutgoingEmail.objects.values_list("to_email", flat=True))
    assert recipients == {agent.email, manager.email}
    assert follow_ups_sweep()["warned"] == 0


def test_after_the_further_period_it_is_missed_and_on_the_timeline(agent, case):
    follow_up = _follow_up(agent, case, due_in=-timedelta(minutes=181))
    counts = follow_ups_sweep()
    assert counts["missed"] == 1
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.MISSED
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.FOLLOW_UP_MISSED).count() == 1
    assert follow_ups_sweep()["missed"] == 0


def test_the_promised_email_is_written_at_its_due_time_and_the_follow_up_is_done(agent, case):
    follow_up = _follow_up(
        agent, case, due_in=-timedelta(seconds=1), kind=FollowUpKind.EMAIL_CLIENT, note="Refund approved."
    )
    assert follow_ups_sweep()["carried_out"] == 1
    assert follow_ups_sweep()["carried_out"] == 0
    email = OutgoingEmail.objects.get()
    assert email.to_email == "greta@example.com" and email.to_client
    assert "Refund approved." in email.body_text
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLIENT_EMAIL).count() == 1


def test_a_promised_email_not_yet_due_waits(agent, case):
    _follow_up(agent, case, due_in=timedelta(minutes=10), kind=FollowUpKind.EMAIL_CLIENT, note="Soon.")
    assert follow_ups_sweep()["carried_out"] == 0


def test_a_resolved_case_gets_one_satisfaction_check_after_the_delay(agent, case):
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    assert follow_ups_sweep()["satisfaction_scheduled"] == 0
    type(case).objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=3, minutes=1))
    counts = follow_ups_sweep()
    assert counts["satisfaction_scheduled"] == 1 and counts["carried_out"] == 1
    assert follow_ups_sweep()["satisfaction_scheduled"] == 0
    email = OutgoingEmail.objects.get()
    assert email.to_email == "greta@example.com"
    assert email.body_text.count("/rate/") == 5
    assert SatisfactionSurvey.objects.filter(case=case).count() == 1


def _resolve_days_ago(agent, case, days: float):
    if case.status != CaseStatus.IN_PROGRESS:
        case_change_status(actor=agent, case=case, status=CaseStatus.IN_PROGRESS, note="Reopened")
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)
    type(case).objects.filter(pk=case.pk).update(resolved_at=timezone.now() - timedelta(days=days))
    case.refresh_from_db()


@pytest.mark.parametrize(("quiet_days", "asked"), [(30, 0), (10, 1), (0, 2)])
def test_a_client_is_not_asked_about_their_satisfaction_again_within_the_teams_quiet_period(
    agent, case, customer, quiet_days, asked
):
    team_settings = settings_of(case.team)
    team_settings.satisfaction_quiet_days = quiet_days
    team_settings.save()
    # Resolved 20 days ago and asked 17 days ago; reopened, then resolved again 3 days ago.
    _resolve_days_ago(agent, case, 20)
    follow_ups_sweep(now=timezone.now() - timedelta(days=17))
    assert FollowUp.objects.filter(kind=FollowUpKind.SATISFACTION_CHECK).count() == 1
    _resolve_days_ago(agent, case, 3.01)
    # A second case of the same client resolved at the same time: one question for both,
    # unless the team's period is 0 (ask after every resolution).
    other = case_open(actor=agent, client=customer, title="Second problem", owner=agent)
    case_change_status(actor=agent, case=other, status=CaseStatus.IN_PROGRESS)
    _resolve_days_ago(agent, other, 3.01)

    counts = follow_ups_sweep()
    assert counts["satisfaction_scheduled"] == asked
    assert FollowUp.objects.filter(kind=FollowUpKind.SATISFACTION_CHECK).count() == 1 + asked
    assert follow_ups_sweep()["satisfaction_scheduled"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_locked_by_another_sweep_is_skipped_not_waited_for(agent, case):
    from core.testing import require_postgres

    require_postgres()
    follow_up = _follow_up(agent, case, due_in=timedelta(minutes=20))
    import threading

    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            FollowUp.objects.select_for_update().get(pk=follow_up.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(5)
    try:
        assert follow_ups_sweep()["reminded"] == 0  # returns at once instead of blocking
    finally:
        release.set()
        holder.join()
    assert follow_ups_sweep()["reminded"] == 1


def test_a_sweep_near_its_time_limit_leaves_the_rest_to_the_next_one(agent, case, settings):
    _follow_up(agent, case, due_in=timedelta(minutes=20))
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0
    assert follow_ups_sweep()["reminded"] == 0
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 60
    assert follow_ups_sweep()["reminded"] == 1
