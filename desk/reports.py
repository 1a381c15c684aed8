"""Figures for the managers' dashboard: every number is one aggregate query.

This module composes several apps' models (cases, interactions, concessions), which the
architecture allows for the pages that gather them. Everything is scoped to the teams
passed in, which the caller has already limited to the user's teams.
"""

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, TeamSettings, User
from clients.models import OPEN_STATUSES, Case, CaseStatus, RootCause, Temperament
from escalations.models import Escalation, EscalationReason
from interactions.models import HOSTILE_MOODS, FollowUp, FollowUpStatus, Interaction, SatisfactionSurvey
from playbooks.models import Concession, ConcessionKind, ConcessionStatus

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


def default_period(now: datetime | None = None) -> Period:
    """The last eight weeks, up to the end of today."""
    today = timezone.localdate(now or timezone.now())
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    return Period(start=end - timedelta(weeks=8), end=end)


def resolution_times(cases: QuerySet[Case], group: str) -> list[dict]:
    """Median and 90th percentile hours to resolution per value of ``group``."""
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
    cases = Case.objects.filter(team__in=teams)

    counts = cases.aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        escalated=Count("id", filter=Q(status=CaseStatus.ESCALATED)),
    )
    # Overdue: an open case with a promise to the client that is past due.
    counts["overdue"] = (
        FollowUp.objects.filter(
            case__team__in=teams,
            case__status__in=OPEN_STATUSES,
            status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED],
            due_at__lte=now,
        )
        .values("case_id")
        .distinct()
        .count()
    )

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
        .values("kind", "currency")
        .annotate(count=Count("id"), value=Sum("value"))
        .order_by("kind", "currency")
    )
    escalations = (
        Escalation.objects.filter(case__team__in=teams, raised_at__gte=period.start, raised_at__lt=period.end)
        .order_by()
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("-count", "reason")
    )
    return {
        "counts": counts,
        "weeks": [{"week": week, "opened": opened.get(week, 0), "resolved": resolved.get(week, 0)} for week in weeks],
        "by_temperament": _labelled(resolution_times(resolved_in_period, "client__temperament"), "key", Temperament),
        "by_root_cause": _labelled(resolution_times(resolved_in_period, "root_cause"), "key", RootCause),
        "ratings": [{"rating": r, "count": rating_counts.get(r, 0)} for r in range(1, 6)],
        "rating_average": ratings.aggregate(avg=Avg("rating"))["avg"],
        "concessions": _labelled(list(concessions), "kind", ConcessionKind),
        "escalations": _labelled(list(escalations), "reason", EscalationReason),
        "agents": agent_figures(teams=teams, now=now),
    }


def cached_dashboard_figures(*, teams: QuerySet[Team], period: Period) -> tuple[dict, datetime]:
    """The dashboard's figures and when they were computed, kept for a few minutes.

    Measured at about 0.2 s for all teams of the 100,000-case benchmark, so a manager
    reloading the page reads them from the cache; the page shows their age.
    """
    seconds = settings.CASEBOOK_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard_figures(teams=teams, period=period), timezone.now()
    team_ids = ",".join(str(pk) for pk in sorted(teams.values_list("pk", flat=True)))
    key = (
        "dashboard:"
        + hashlib.sha256(
            f"{team_ids}|{period.start.isoformat()}|{period.end.isoformat()}|{timezone.get_current_timezone_name()}".encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cached = (dashboard_figures(teams=teams, period=period), timezone.now())
        cache.set(key, cached, seconds)
    return cached


def _labelled(rows: list[dict], field: str, choices) -> list[dict]:
    return [{**row, "label": str(choices(row[field]).label)} for row in rows]


def _per_week(cases: QuerySet[Case], field: str) -> dict:
    rows = cases.order_by().annotate(week=TruncWeek(field)).values("week").annotate(n=Count("id"))
    return {
        timezone.localdate(row["week"]) if isinstance(row["week"], datetime) else row["week"]: row["n"] for row in rows
    }


def agent_figures(*, teams: QuerySet[Team], now: datetime | None = None) -> list[dict]:
    """Per member of the teams: open cases, follow-ups due by the end of today, hostile contacts today.

    "Today" is the manager's day (the active time zone), so the figures read as one day.
    Three grouped queries and one for the people; the rows are joined by user id.
    """
    now = now or timezone.now()
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    members = list(User.objects.filter(teams__in=teams, is_active=True).distinct().order_by("first_name", "username"))
    ids = [member.pk for member in members]
    open_cases = dict(
        Case.objects.filter(team__in=teams, owner_id__in=ids, status__in=OPEN_STATUSES)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    due = dict(
        FollowUp.objects.filter(
            case__team__in=teams,
            owner_id__in=ids,
            status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED],
            due_at__lt=end,
        )
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    hostile = dict(
        Interaction.objects.filter(
            logged_by_id__in=ids, mood__in=HOSTILE_MOODS, occurred_at__gte=start, occurred_at__lt=end
        )
        .order_by()
        .values_list("logged_by_id")
        .annotate(n=Count("id"))
    )
    limit = min(
        TeamSettings.objects.filter(team__in=teams).values_list("hostile_contacts_per_day", flat=True),
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


def _resolution_chart(rows: list[dict]) -> dict:
    return {
        "labels": [row["label"] for row in rows],
        "median": [row["median"] for row in rows],
        "p90": [row["p90"] for row in rows],
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
