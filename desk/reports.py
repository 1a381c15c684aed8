"""Figures for the managers' dashboard: every number is one aggregate query.

This module composes several apps' models (cases, interactions, concessions), which the
architecture allows for the pages that gather them. Everything is scoped to the teams
passed in, which the caller has already limited to the user's teams.
"""

import hashlib
import math
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, TeamSettings, User
from clients.models import OPEN_STATUSES, Case, CaseStatus, RootCause, Temperament
from core.durations import hours_in_words
from escalations.models import Escalation, EscalationReason
from interactions.models import HOSTILE_MOODS, FollowUp, FollowUpStatus, Interaction, SatisfactionSurvey
from playbooks.models import Concession, ConcessionKind, ConcessionStatus, ConcessionUnit

GIVEN_CONCESSIONS = [ConcessionStatus.GRANTED, ConcessionStatus.APPROVED]


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expr)``."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    """The seconds between two timestamps, as a number PostgreSQL can take percentiles of."""

    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "
    output_field = FloatField()


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The same linear interpolation as PostgreSQL's percentile_cont (the SQLite fallback)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    @property
    def last_day(self) -> date:
        """The period's last day in the active time zone (``end`` is the midnight after it)."""
        return timezone.localdate(self.end) - timedelta(days=1)


def default_period(now: datetime | None = None) -> Period:
    """The last eight weeks, up to the end of today."""
    today = timezone.localdate(now or timezone.now())
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    return Period(start=end - timedelta(weeks=8), end=end)


def resolution_times(cases: QuerySet[Case], group: str) -> list[dict]:
    """Median and 90th percentile hours to resolution per value of ``group`` (the pages show
    them in words, core.durations)."""
    resolved = cases.filter(resolved_at__isnull=False)
    if connection.vendor == "postgresql":
        seconds = EpochSeconds(F("resolved_at"), F("opened_at"))
        rows = (
            resolved.order_by()
            .values(key=F(group))
            .annotate(count=Count("id"), median=Percentile(seconds, 0.5), p90=Percentile(seconds, 0.9))
            .order_by("key")
        )
        return [{**row, "median": _hours(row["median"]), "p90": _hours(row["p90"])} for row in rows]
    durations = defaultdict(list)
    for key, opened, done in resolved.order_by().values_list(group, "opened_at", "resolved_at"):
        durations[key].append((done - opened).total_seconds())
    return [
        {
            "key": key,
            "count": len(values),
            "median": _hours(percentile_cont(values, 0.5)),
            "p90": _hours(percentile_cont(values, 0.9)),
        }
        for key, values in sorted(durations.items())
    ]


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def dashboard_figures(*, teams: QuerySet[Team], period: Period, now: datetime | None = None) -> dict:
    """Every figure of the managers' dashboard for ``teams`` over ``period``."""
    now = now or timezone.now()
    return {**overview_figures(teams=teams, period=period, now=now), "counts": case_counts(teams=teams, now=now)}


def case_counts(*, teams: QuerySet[Team], now: datetime) -> dict:
    """The teams' open and escalated cases, and the open ones with a promise to the client
    past due (overdue), in one query."""
    overdue_cases = FollowUp.objects.filter(
        case__team__in=teams, status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED], due_at__lte=now
    ).values("case_id")
    return Case.objects.filter(team__in=teams).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        escalated=Count("id", filter=Q(status=CaseStatus.ESCALATED)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, pk__in=overdue_cases)),
    )


def overview_figures(*, teams: QuerySet[Team], period: Period, now: datetime | None = None) -> dict:
    """Every figure of the dashboard but the counts of right now: over ``period``, cases per
    week, times to resolution, ratings, concessions and escalations; and each member's day."""
    cases = Case.objects.filter(team__in=teams)
    opened = _per_week(cases.filter(opened_at__gte=period.start, opened_at__lt=period.end), "opened_at")
    resolved = _per_week(cases.filter(resolved_at__gte=period.start, resolved_at__lt=period.end), "resolved_at")
    weeks = sorted(set(opened) | set(resolved))

    resolved_in_period = cases.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    ratings = SatisfactionSurvey.objects.filter(
        case__team__in=teams, rating__isnull=False, rated_at__gte=period.start, rated_at__lt=period.end
    )
    rating_counts = dict(ratings.order_by().values_list("rating").annotate(n=Count("id")))
    concessions = (
        Concession.objects.filter(
            case__team__in=teams, status__in=GIVEN_CONCESSIONS, created_at__gte=period.start, created_at__lt=period.end
        )
        .order_by()
        .values("kind", "unit", "currency")
        .annotate(count=Count("id"), value=Sum("value"))
        .order_by("kind", "unit", "currency")
    )
    escalations = (
        Escalation.objects.filter(case__team__in=teams, raised_at__gte=period.start, raised_at__lt=period.end)
        .order_by()
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("-count", "reason")
    )
    return {
        "weeks": [{"week": week, "opened": opened.get(week, 0), "resolved": resolved.get(week, 0)} for week in weeks],
        "by_temperament": _labelled(resolution_times(resolved_in_period, "client__temperament"), "key", Temperament),
        "by_root_cause": _labelled(resolution_times(resolved_in_period, "root_cause"), "key", RootCause),
        "ratings": [{"rating": r, "count": rating_counts.get(r, 0)} for r in range(1, 6)],
        "rating_average": ratings.aggregate(avg=Avg("rating"))["avg"],
        # Percentages of different bills do not add up: those discounts are counted only.
        "concessions": _labelled(
            [{**row, "value": None} if row["unit"] == ConcessionUnit.PERCENT else row for row in concessions],
            "kind",
            ConcessionKind,
        ),
        "escalations": _labelled(list(escalations), "reason", EscalationReason),
        "agents": agent_figures(teams=teams, now=now),
    }


# The counts a manager acts on are never older than this, whatever the overview's cache time.
LIVE_FIGURES_SECONDS = 60


@dataclass(frozen=True)
class DashboardFigures:
    """The dashboard's figures, with when each part was worked out (the page shows both)."""

    figures: dict
    computed_at: datetime  # the overview's figures
    counted_at: datetime  # the counts of right now


def cached_dashboard_figures(*, teams: QuerySet[Team], period: Period, refresh: bool = False) -> DashboardFigures:
    """The dashboard's figures and when they were worked out.

    Measured at about 0.2 s for all teams of the 100,000-case benchmark, so a manager
    reloading the page reads the overview from the cache (kept
    ``CASEBOOK_DASHBOARD_CACHE_SECONDS``). The counts a manager acts on (open, escalated and
    overdue cases: one query) are kept at most ``LIVE_FIGURES_SECONDS``. ``refresh`` works
    both out now and keeps them.
    """
    seconds = settings.CASEBOOK_DASHBOARD_CACHE_SECONDS
    if not seconds:
        now = timezone.now()
        return DashboardFigures(dashboard_figures(teams=teams, period=period, now=now), computed_at=now, counted_at=now)
    team_ids = ",".join(str(pk) for pk in sorted(teams.values_list("pk", flat=True)))
    overview_key = _cache_key(
        "dashboard",
        f"{team_ids}|{period.start.isoformat()}|{period.end.isoformat()}|{timezone.get_current_timezone_name()}",
    )
    counts_key = _cache_key("dashboard-counts", team_ids)
    found = {} if refresh else cache.get_many([overview_key, counts_key])
    # The age is checked here too, not left to the cache's expiry alone: the entries carry
    # when they were worked out, and that is what the page promises.
    now = timezone.now()
    for key, most in ((overview_key, seconds), (counts_key, min(seconds, LIVE_FIGURES_SECONDS))):
        if key in found and now - found[key][1] > timedelta(seconds=most):
            del found[key]
    if overview_key not in found:
        found[overview_key] = (overview_figures(teams=teams, period=period), timezone.now())
        cache.set(overview_key, found[overview_key], seconds)
    if counts_key not in found:
        now = timezone.now()
        found[counts_key] = (case_counts(teams=teams, now=now), now)
        cache.set(counts_key, found[counts_key], min(seconds, LIVE_FIGURES_SECONDS))
    (overview, computed_at), (counts, counted_at) = found[overview_key], found[counts_key]
    return DashboardFigures({**overview, "counts": counts}, computed_at=computed_at, counted_at=counted_at)


def _cache_key(prefix: str, text: str) -> str:
    return f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"


def _labelled(rows: list[dict], field: str, choices) -> list[dict]:
    return [{**row, "label": str(choices(row[field]).label)} for row in rows]


def _per_week(cases: QuerySet[Case], field: str) -> dict:
    rows = cases.order_by().annotate(week=TruncWeek(field)).values("week").annotate(n=Count("id"))
    return {
        timezone.localdate(row["week"]) if isinstance(row["week"], datetime) else row["week"]: row["n"] for row in rows
    }


def agent_figures(*, teams: QuerySet[Team], now: datetime | None = None) -> list[dict]:
    """Per member of the teams: open cases, follow-ups due by the end of today, hostile contacts today.

    "Today" is the day of the member's team, in the team's time zone (for someone in several
    of the teams shown, the first of them), so a manager elsewhere in the world sees the
    team's own day. Three grouped queries, one for the people and one for the teams'
    settings; the rows are joined by user id.
    """
    now = now or timezone.now()
    # Filtered before the annotation, so each member's first team is one of the teams shown.
    members = list(
        User.objects.filter(teams__in=teams, is_active=True)
        .annotate(shown_team=Min("teams__id"))
        .order_by("first_name", "username")
    )
    ids = [member.pk for member in members]
    team_settings = {
        team_id: (limit, zone)
        for team_id, limit, zone in TeamSettings.objects.filter(team__in=teams).values_list(
            "team_id", "hostile_contacts_per_day", "time_zone"
        )
    }
    default_zone = TeamSettings._meta.get_field("time_zone").default
    members_by_zone = defaultdict(list)
    for member in members:
        members_by_zone[team_settings.get(member.shown_team, (None, default_zone))[1]].append(member.pk)
    due_by_tonight, hostile_today = Q(pk__in=[]), Q(pk__in=[])
    for zone, zone_ids in members_by_zone.items():
        start, end = _day_around(now, zone)
        due_by_tonight |= Q(owner_id__in=zone_ids, due_at__lt=end)
        hostile_today |= Q(logged_by_id__in=zone_ids, occurred_at__gte=start, occurred_at__lt=end)
    open_cases = dict(
        Case.objects.filter(team__in=teams, owner_id__in=ids, status__in=OPEN_STATUSES)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    due = dict(
        FollowUp.objects.filter(
            due_by_tonight, case__team__in=teams, status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED]
        )
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    hostile = dict(
        Interaction.objects.filter(hostile_today, mood__in=HOSTILE_MOODS)
        .order_by()
        .values_list("logged_by_id")
        .annotate(n=Count("id"))
    )
    limit = min(
        (limit for limit, _zone in team_settings.values()),
        default=TeamSettings._meta.get_field("hostile_contacts_per_day").default,
    )
    return [
        {
            "user": member,
            "open_cases": open_cases.get(member.pk, 0),
            "follow_ups_due": due.get(member.pk, 0),
            "hostile_today": hostile.get(member.pk, 0),
            "needs_break": hostile.get(member.pk, 0) >= limit,
        }
        for member in members
    ]


def _day_around(now: datetime, zone: str) -> tuple[datetime, datetime]:
    """The day that holds ``now`` in ``zone``: its first moment and the next day's."""
    local = timezone.localtime(now, zoneinfo.ZoneInfo(zone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def period_between(first: date, last: date) -> Period:
    """The days from ``first`` to ``last`` inclusive, in the active time zone."""
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return Period(start=start, end=end)


def chart_data(figures: dict) -> dict:
    """The numbers the charts draw, as plain JSON (the same numbers are in the tables)."""
    return {
        "weeks": {
            "labels": [row["week"].isoformat() for row in figures["weeks"]],
            "opened": [row["opened"] for row in figures["weeks"]],
            "resolved": [row["resolved"] for row in figures["weeks"]],
        },
        "temperament": _resolution_chart(figures["by_temperament"]),
        "root_cause": _resolution_chart(figures["by_root_cause"]),
        "ratings": {
            "labels": [_("%(score)s of 5") % {"score": row["rating"]} for row in figures["ratings"]],
            "counts": [row["count"] for row in figures["ratings"]],
        },
        "escalations": {
            "labels": [row["label"] for row in figures["escalations"]],
            "counts": [row["count"] for row in figures["escalations"]],
        },
    }


# From two days on, a chart of times to resolution counts in days: "40" days reads at a
# glance, "962" hours does not.
DAYS_FROM_HOURS = 48


def _resolution_chart(rows: list[dict]) -> dict:
    """Median and 90th percentile times in one unit for the whole chart (``unit``: "hours",
    or "days" when the longest is two days or more), and each time in words for the tooltips."""
    longest = max((row[key] for row in rows for key in ("median", "p90") if row[key] is not None), default=0)
    unit, divisor = ("days", 24) if longest >= DAYS_FROM_HOURS else ("hours", 1)

    def scaled(hours):
        return None if hours is None else round(hours / divisor, 1)

    return {
        "unit": unit,
        "labels": [row["label"] for row in rows],
        "median": [scaled(row["median"]) for row in rows],
        "p90": [scaled(row["p90"]) for row in rows],
        "median_words": [hours_in_words(row["median"]) for row in rows],
        "p90_words": [hours_in_words(row["p90"]) for row in rows],
    }


def outcomes_by_temperament(*, agent: User, cases: QuerySet[Case]) -> list[dict]:
    """The agent's resolved cases by client temperament: how many, how long, how satisfied.

    ``cases`` is already limited to what the reader may see (the agent's own, or the
    manager's teams).
    """
    own = cases.filter(owner=agent)
    rows = _labelled(resolution_times(own, "client__temperament"), "key", Temperament)
    satisfaction = dict(
        SatisfactionSurvey.objects.filter(case__in=own.filter(resolved_at__isnull=False), rating__isnull=False)
        .order_by()
        .values_list("case__client__temperament")
        .annotate(avg=Avg("rating"))
    )
    return [{**row, "satisfaction": satisfaction.get(row["key"])} for row in rows]


def root_cause_outcomes(*, teams: QuerySet[Team], period: Period) -> list[dict]:
    """Per root cause, the cases resolved in the period: how long they took, how satisfied
    the clients were, and the concessions they cost (count, and value per currency)."""
    resolved = Case.objects.filter(team__in=teams, resolved_at__gte=period.start, resolved_at__lt=period.end)
    rows = _labelled(resolution_times(resolved, "root_cause"), "key", RootCause)
    satisfaction = dict(
        SatisfactionSurvey.objects.filter(case__in=resolved, rating__isnull=False)
        .order_by()
        .values_list("case__root_cause")
        .annotate(avg=Avg("rating"))
    )
    given = Concession.objects.filter(case__in=resolved, status__in=GIVEN_CONCESSIONS).order_by()
    counts = dict(given.values_list("case__root_cause").annotate(n=Count("id")))
    values = defaultdict(list)
    for cause, currency, total in (
        given.filter(value__isnull=False)
        .exclude(currency="")
        .values_list("case__root_cause", "currency")
        .annotate(total=Sum("value"))
        .order_by("case__root_cause", "currency")
    ):
        # Two decimals whatever the database returns (SQLite sums decimals to plain numbers).
        values[cause].append(f"{Decimal(total):.2f} {currency}")
    return [
        {
            **row,
            "satisfaction": satisfaction.get(row["key"]),
            "concessions": counts.get(row["key"], 0),
            "concession_value": ", ".join(values[row["key"]]),
        }
        for row in rows
    ]
