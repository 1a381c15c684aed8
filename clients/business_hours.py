"""The business-hours clock: how many working hours passed, and when a target is breached.

A team's calendar (working days and hours in its time zone, public holidays of its country
from the `holidays` package, and its own closed days) decides which hours count. Pauses
(while the case waits on the client) are intervals that do not count either.

The functions on `Calendar` are pure (no database); `calendar_for_team` reads a team's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Calendar:
    time_zone: str = "UTC"
    working_days: str = "01234"
    starts: time = time(9)
    ends: time = time(17)
    holiday_country: str = ""
    closed_days: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def _holidays(self):
        if not self.holiday_country:
            return {}
        return holidays_lib.country_holidays(self.holiday_country)

    def is_working_day(self, day: date) -> bool:
        return str(day.weekday()) in self.working_days and day not in self.closed_days and day not in self._holidays

    def _day_window(self, day: date) -> Interval:
        # Built in local time: a day with a clock change has its real length.
        start = datetime.combine(day, self.starts, self._zone)
        end = datetime.combine(day, self.ends, self._zone)
        return start, end

    def _windows(self, start: datetime, end: datetime | None = None):
        """The working windows (aware datetimes) from the day of `start` onwards, clipped."""
        day = start.astimezone(self._zone).date()
        last = end.astimezone(self._zone).date() if end is not None else date.max
        # Ten years without a working day means a misconfigured calendar; stop rather than spin.
        for _ in range(3660):
            if day > last:
                return
            window = _working_window(self, day)
            if window is not None:
                lo, hi = max(window[0], start), window[1] if end is None else min(window[1], end)
                if hi > lo:
                    yield lo, hi
            day += timedelta(days=1)

    def elapsed(self, start: datetime, end: datetime, pauses: Iterable[Interval] = ()) -> timedelta:
        """Business time between two instants, leaving out the pauses."""
        total = self._business(start, end)
        for lo, hi in pauses:
            total -= self._business(max(lo, start), min(hi, end))
        return total

    def _business(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants: the two edge days clipped, the whole days
        between from per-year running totals, so a clock over a case opened two years ago
        costs the same as one opened today."""
        if end <= start:
            return timedelta(0)
        first, last = start.astimezone(self._zone).date(), end.astimezone(self._zone).date()
        if first == last:
            return _clipped(_working_window(self, first), start, end)
        return (
            _clipped(_working_window(self, first), start, end)
            + _whole_days(self, first + timedelta(days=1), last)
            + _clipped(_working_window(self, last), start, end)
        )

    def breach_at(self, start: datetime, hours: float, pauses: Iterable[Interval] = ()) -> datetime:
        """The instant at which `hours` business hours have passed since `start`."""
        remaining = timedelta(hours=float(hours))
        pauses = sorted(pauses)
        for lo, hi in self._windows(start):
            for piece_lo, piece_hi in _subtract(lo, hi, pauses):
                if piece_hi - piece_lo >= remaining:
                    return piece_lo + remaining
                remaining -= piece_hi - piece_lo
        raise ValueError("The calendar has no working hours.")


@lru_cache(maxsize=20_000)
def _working_window(calendar: Calendar, day: date) -> Interval | None:
    """The day's working hours, or None on a day off. Kept: a clock over a case opened a
    year ago walks every day since, on every page that shows it, and the days do not change
    (a change to the calendar is another Calendar, so another key)."""
    if not calendar.is_working_day(day):
        return None
    return calendar._day_window(day)


def _clipped(window: Interval | None, start: datetime, end: datetime) -> timedelta:
    if window is None:
        return timedelta(0)
    lo, hi = max(window[0], start), min(window[1], end)
    return hi - lo if hi > lo else timedelta(0)


@lru_cache(maxsize=256)
def _year_totals(calendar: Calendar, year: int) -> tuple[timedelta, ...]:
    """Working time of the year's days before each day (index: day of the year - 1), and
    of the whole year as the last item."""
    totals, day = [timedelta(0)], date(year, 1, 1)
    while day.year == year:
        window = _working_window(calendar, day)
        totals.append(totals[-1] + (window[1] - window[0] if window else timedelta(0)))
        day += timedelta(days=1)
    return tuple(totals)


def _whole_days(calendar: Calendar, first: date, stop: date) -> timedelta:
    """Working time of the whole days from `first` up to, not including, `stop`."""
    if stop <= first:
        return timedelta(0)
    total = timedelta(0)
    for year in range(first.year, stop.year):
        total += _year_totals(calendar, year)[-1]
    return (
        total
        + _year_totals(calendar, stop.year)[stop.timetuple().tm_yday - 1]
        - _year_totals(calendar, first.year)[first.timetuple().tm_yday - 1]
    )


def _subtract(lo: datetime, hi: datetime, pauses: list[Interval]):
    cursor = lo
    for p_lo, p_hi in pauses:
        if p_hi <= cursor or p_lo >= hi:
            continue
        if p_lo > cursor:
            yield cursor, p_lo
        cursor = max(cursor, p_hi)
        if cursor >= hi:
            return
    if cursor < hi:
        yield cursor, hi


def calendar_for_team(team, settings=None) -> Calendar:
    """The calendar of a team from its settings (read unless given) and closed days."""
    from accounts.selectors import team_closed_days, team_settings

    settings = settings or team_settings(team)
    return Calendar(
        time_zone=settings.time_zone,
        working_days=settings.working_days,
        # A row just made with its defaults still holds the default strings.
        starts=_as_time(settings.workday_starts),
        ends=_as_time(settings.workday_ends),
        holiday_country=settings.holiday_country,
        closed_days=team_closed_days(team.pk),
    )


def _as_time(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value
