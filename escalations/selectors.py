"""Reads of escalations, always through the user's team scope."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import scope_to_user_teams, team_settings
from clients.business_hours import calendar_for_team
from clients.selectors import Clock

from .models import Escalation


def escalations_for_user(user: User) -> QuerySet[Escalation]:
    return scope_to_user_teams(
        Escalation.objects.select_related("case", "raised_by", "decided_by"), user, team_field="case__team"
    ).order_by("-raised_at", "-id")


def get_escalation_for_user(user: User, pk: int) -> Escalation:
    """The escalation, or 404 when its case lies outside the user's teams."""
    return get_object_or_404(escalations_for_user(user), pk=pk)


QUEUE_LIMIT = 100


@dataclass(frozen=True)
class QueueRow:
    escalation: Escalation
    clock: Clock

    @property
    def overdue(self) -> bool:
        return self.clock.breached


def escalation_queue(
    user: User, *, reason: str = "", team_id: int | None = None, overdue: bool = False, now: datetime | None = None
) -> tuple[list[QueueRow], bool]:
    """Open escalations of the user's teams, oldest first, each with its response clock.

    Bounded: the oldest QUEUE_LIMIT rows (the second value says whether there are more).
    Overdue is measured in each team's business hours, so that filter runs on the rows.
    """
    now = now or timezone.now()
    rows = scope_to_user_teams(
        Escalation.objects.filter(decided_at__isnull=True).select_related(
            "case__client", "case__team", "case__owner", "raised_by"
        ),
        user,
        team_field="case__team",
    ).order_by("raised_at", "id")
    if reason:
        rows = rows.filter(reason=reason)
    if team_id:
        rows = rows.filter(case__team_id=team_id)
    rows = list(rows[: QUEUE_LIMIT + 1])
    more = len(rows) > QUEUE_LIMIT
    calendars, targets = {}, {}
    result = []
    for escalation in rows[:QUEUE_LIMIT]:
        team = escalation.case.team
        if team.pk not in calendars:
            settings = team_settings(team)
            calendars[team.pk] = calendar_for_team(team, settings)
            targets[team.pk] = float(settings.response_target_hours)
        calendar = calendars[team.pk]
        clock = Clock(
            elapsed=calendar.elapsed(escalation.raised_at, now),
            target_hours=targets[team.pk],
            breach_at=calendar.breach_at(escalation.raised_at, targets[team.pk]),
        )
        if overdue and not clock.breached:
            continue
        result.append(QueueRow(escalation=escalation, clock=clock))
    return result, more
