"""No test depends on the day it runs: the time-sensitive services' key scenarios, run at
several moments (a day in 2027, one in 2036, and just before and just after each of a
year's European clock changes, in Europe/Paris), give the same outcomes.

Each scenario is written relative to "now" and run under time_machine (tick=False, so
"now" stands still until the test moves it).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from casebook.reports import default_period
from clients.business_hours import Calendar
from clients.models import Case
from clients.selectors import case_clock
from clients.tests.factories import CaseFactory
from interactions.models import FollowUpKind, FollowUpStatus, OutgoingEmail
from interactions.services import follow_up_reschedule, follow_up_schedule, follow_ups_sweep

PARIS = ZoneInfo("Europe/Paris")

MOMENTS = {
    "2027": datetime(2027, 6, 15, 8, 0, tzinfo=UTC),
    "2036": datetime(2036, 11, 20, 14, 30, tzinfo=UTC),
    "before spring change": datetime(2027, 3, 28, 0, 50, tzinfo=UTC),  # 01:50 CET; at 01:00 UTC 02:00 -> 03:00
    "after spring change": datetime(2027, 3, 28, 1, 10, tzinfo=UTC),  # 03:10 CEST
    "before autumn change": datetime(2027, 10, 31, 0, 50, tzinfo=UTC),  # 02:50 CEST, the hour's first pass
    "after autumn change": datetime(2027, 10, 31, 1, 10, tzinfo=UTC),  # 02:10 CET, the second pass
}

pytestmark = pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())


@pytest.fixture
def paris():
    with timezone.override(PARIS):
        yield


def _sweep_at(when: datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return follow_ups_sweep()


def test_follow_up_scheduling_rescheduling_and_reminders(moment, agent, case, settings, paris):
    settings.CASEBOOK_REMINDER_LEAD_MINUTES = 30
    settings.CASEBOOK_OVERDUE_GRACE_MINUTES = 60
    settings.CASEBOOK_MISSED_AFTER_MINUTES = 24 * 60
    with time_machine.travel(moment, tick=False):
        due = timezone.now() + timedelta(hours=2)
        follow_up = follow_up_schedule(actor=agent, case=case, kind=FollowUpKind.CALL_BACK, due_at=due, note="Ring")
    assert _sweep_at(due - timedelta(minutes=31))["reminded"] == 0
    assert _sweep_at(due - timedelta(minutes=29))["reminded"] == 1
    assert _sweep_at(due - timedelta(minutes=28))["reminded"] == 0  # once per due time

    with time_machine.travel(due - timedelta(minutes=20), tick=False):
        later = timezone.now() + timedelta(hours=3)
        follow_up = follow_up_reschedule(actor=agent, follow_up=follow_up, due_at=later)
    assert follow_up.reminded_at is None and follow_up.due_at == later
    assert _sweep_at(later - timedelta(minutes=29))["reminded"] == 1  # the reminders start afresh
    assert _sweep_at(later + timedelta(minutes=59))["warned"] == 0
    assert _sweep_at(later + timedelta(minutes=61))["warned"] == 1
    assert _sweep_at(later + timedelta(minutes=60 + 24 * 60 - 1))["missed"] == 0
    assert _sweep_at(later + timedelta(minutes=60 + 24 * 60 + 1))["missed"] == 1
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.MISSED
    # The reminders name the due time in the owner's zone, with the zone.
    local = timezone.localtime(later, PARIS)
    expected = f"{local:%H:%M} {local.tzname()}"
    reminder = OutgoingEmail.objects.get(cause_key=f"followup:{follow_up.pk}:reminder:{later.isoformat()}")
    assert expected in reminder.body_text and expected in reminder.subject


def test_an_email_follow_up_goes_out_at_its_due_time(moment, agent, case, paris):
    with time_machine.travel(moment, tick=False):
        due = timezone.now() + timedelta(minutes=45)
        follow_up_schedule(actor=agent, case=case, kind=FollowUpKind.EMAIL_CLIENT, due_at=due, note="Your refund.")
    assert _sweep_at(due - timedelta(seconds=1))["carried_out"] == 0
    assert _sweep_at(due)["carried_out"] == 1
    assert OutgoingEmail.objects.filter(to_client=True).count() == 1


def _next_working_day(calendar: Calendar, after: date) -> date:
    day = after + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def test_the_business_hours_clock(moment, agent, case, paris):
    weekdays = Calendar(time_zone="Europe/Paris", holiday_country="FR")  # Monday-Friday 9-17
    always = Calendar(time_zone="Europe/Paris", working_days="0123456", starts=time(0), ends=time(23, 59))
    with time_machine.travel(moment, tick=False):
        # Real hours, also across a clock change: opened 90 minutes ago is 1.5 h on the clock.
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(minutes=90))
        case.refresh_from_db()
        assert case_clock(case, calendar=always, target_hours=4).elapsed == timedelta(minutes=90)
        day = _next_working_day(weekdays, timezone.localdate())
    opened = datetime.combine(day, time(10), PARIS)
    later_case = CaseFactory(client=case.client, owner=agent, opened_at=opened)
    with time_machine.travel(datetime.combine(day, time(13), PARIS), tick=False):
        clock = case_clock(later_case, calendar=weekdays, target_hours=4)
    assert clock.elapsed == timedelta(hours=3)
    assert clock.breach_at == datetime.combine(day, time(14), PARIS)
    # 8 business hours from Friday... or any day: 10:00 + 8 h is 10:00 the next working day.
    next_day = _next_working_day(weekdays, day)
    assert weekdays.breach_at(opened, 8) == datetime.combine(next_day, time(10), PARIS)


def test_the_dashboard_period(moment, paris):
    with time_machine.travel(moment, tick=False):
        now = timezone.now()
        period = default_period()
    start, end = timezone.localtime(period.start), timezone.localtime(period.end)
    assert start.time() == end.time() == time(0)  # local midnights, also across a clock change
    assert end.date() == timezone.localdate(now) + timedelta(days=1)  # up to the end of today
    assert (end.date() - start.date()).days == 56  # eight weeks
    assert period.start <= now < period.end
