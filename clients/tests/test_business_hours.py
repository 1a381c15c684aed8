from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import TeamClosedDay
from accounts.selectors import team_settings
from clients.business_hours import Calendar, calendar_for_team

PARIS = ZoneInfo("Europe/Paris")
# Paris calendar, Monday to Friday 9-17, French public holidays.
FR = Calendar(time_zone="Europe/Paris", holiday_country="FR")


def at(y, m, d, h, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=PARIS)


def test_hours_inside_one_working_day_count_fully():
    assert FR.elapsed(at(2026, 3, 10, 10), at(2026, 3, 10, 13)) == timedelta(hours=3)


def test_nights_and_the_weekend_do_not_count():
    # Friday 16:00 -> Monday 10:00 is one hour on Friday and one on Monday.
    assert FR.elapsed(at(2026, 3, 13, 16), at(2026, 3, 16, 10)) == timedelta(hours=2)


def test_breach_time_skips_the_weekend():
    # 4 business hours from Friday 15:00: two on Friday, two on Monday morning.
    assert FR.breach_at(at(2026, 3, 13, 15), 4) == at(2026, 3, 16, 11)


def test_a_public_holiday_does_not_count():
    # 1 May 2026 (Friday) is a French public holiday: Thursday 16:00 + 2 h lands on Monday 10:00.
    assert FR.breach_at(at(2026, 4, 30, 16), 2) == at(2026, 5, 4, 10)
    assert FR.elapsed(at(2026, 4, 30, 16), at(2026, 5, 4, 10)) == timedelta(hours=2)


def test_without_a_holiday_country_the_holiday_is_a_working_day():
    plain = Calendar(time_zone="Europe/Paris")
    assert plain.breach_at(at(2026, 4, 30, 16), 2) == at(2026, 5, 1, 10)


def test_a_team_closed_day_does_not_count():
    closed = Calendar(time_zone="Europe/Paris", closed_days=frozenset({date(2026, 3, 11)}))
    assert closed.elapsed(at(2026, 3, 10, 9), at(2026, 3, 12, 17)) == timedelta(hours=16)


def test_pauses_stop_the_clock():
    pause = (at(2026, 3, 10, 11), at(2026, 3, 11, 10))
    assert FR.elapsed(at(2026, 3, 10, 9), at(2026, 3, 11, 12), pauses=[pause]) == timedelta(hours=4)
    assert FR.breach_at(at(2026, 3, 10, 9), 4, pauses=[pause]) == at(2026, 3, 11, 12)


def test_a_start_outside_hours_begins_at_the_next_opening():
    assert FR.breach_at(at(2026, 3, 14, 20), 1) == at(2026, 3, 16, 10)
    assert FR.elapsed(at(2026, 3, 16, 20), at(2026, 3, 16, 23)) == timedelta(0)


def test_the_day_of_a_clock_change_counts_local_hours():
    # 29 March 2026 is a Sunday in Paris; a weekend team working that day still gets 8 hours.
    weekend = Calendar(time_zone="Europe/Paris", working_days="6")
    assert weekend.elapsed(at(2026, 3, 29, 0), at(2026, 3, 29, 23)) == timedelta(hours=8)


@pytest.mark.django_db
def test_calendar_for_team_reads_settings_and_closed_days(team):
    settings = team_settings(team)
    settings.time_zone = "Europe/Paris"
    settings.holiday_country = "FR"
    settings.workday_starts = time(8)
    settings.save()
    TeamClosedDay.objects.create(team=team, date=date(2026, 3, 11))
    calendar = calendar_for_team(team)
    assert calendar.starts == time(8)
    assert not calendar.is_working_day(date(2026, 3, 11))
    assert not calendar.is_working_day(date(2026, 5, 1))
    assert calendar.is_working_day(date(2026, 3, 12))


def _walked(calendar: Calendar, start: datetime, end: datetime, pauses=()) -> timedelta:
    """The clock the slow way: every day's window, clipped, less the pauses in it."""
    total, day = timedelta(0), start.astimezone(calendar._zone).date()
    while day <= end.astimezone(calendar._zone).date():
        if calendar.is_working_day(day):
            lo = max(datetime.combine(day, calendar.starts, calendar._zone), start)
            hi = min(datetime.combine(day, calendar.ends, calendar._zone), end)
            if hi > lo:
                total += hi - lo
                for p_lo, p_hi in pauses:
                    if p_hi > lo and p_lo < hi:
                        total -= min(hi, p_hi) - max(lo, p_lo)
        day += timedelta(days=1)
    return total


@pytest.mark.parametrize("seed", range(5))
def test_long_clocks_add_up_to_the_day_by_day_sum(seed):
    """Whole days come from per-year totals; over random spans of up to three years, across
    new years, clock changes, holidays, closed days and pauses, the sum is the same."""
    import random

    rng = random.Random(seed)
    calendar = Calendar(
        time_zone=rng.choice(["Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"]),
        working_days=rng.choice(["01234", "0123456", "12345"]),
        starts=time(rng.randint(6, 10), rng.choice([0, 30])),
        ends=time(rng.randint(15, 19)),
        holiday_country=rng.choice(["", "FR", "US"]),
        closed_days=frozenset(date(2025, 1, 1) + timedelta(days=rng.randint(0, 900)) for _ in range(10)),
    )
    utc = ZoneInfo("UTC")
    for _ in range(20):
        start = datetime(2024, 6, 1, tzinfo=utc) + timedelta(minutes=rng.randint(0, 60 * 24 * 500))
        end = start + timedelta(minutes=rng.randint(0, 60 * 24 * 1100))
        pauses, cursor = [], start
        for _ in range(rng.randint(0, 4)):
            lo = cursor + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            hi = lo + timedelta(minutes=rng.randint(1, 60 * 24 * 20))
            pauses.append((lo, hi))
            cursor = hi
        assert calendar.elapsed(start, end, pauses) == _walked(calendar, start, end, pauses)
