"""The escalation rule that reads only cases: past the team's resolution target."""

from datetime import datetime, timedelta

from accounts.selectors import team_settings

from .business_hours import calendar_for_team
from .models import OPEN_STATUSES, Case, Escalation, EscalationReason
from .selectors import case_clock
from .services import case_escalate

OVERDUE_KEY = "overdue:resolution"


def escalate_overdue_cases(*, now: datetime) -> int:
    """An open case past its resolution target in business hours (once per case)."""
    count = 0
    calendars = {}
    candidates = Case.objects.filter(status__in=OPEN_STATUSES).exclude(
        pk__in=Escalation.objects.filter(cause_key=OVERDUE_KEY).values("case_id")
    )
    targets: dict[int, float] = {}
    for case in candidates.select_related("team").iterator():
        if case.team_id not in targets:
            settings = team_settings(case.team)
            targets[case.team_id] = float(settings.resolution_target_hours)
            calendars[case.team_id] = calendar_for_team(case.team, settings)
        # Business hours never outrun the wall clock: younger cases cannot be late yet.
        if now - case.opened_at < timedelta(hours=targets[case.team_id]):
            continue
        clock = case_clock(case, now=now, calendar=calendars[case.team_id], target_hours=targets[case.team_id])
        if not clock.breached:
            continue
        case_escalate(
            case=case,
            reason=EscalationReason.OVERDUE,
            note=f"Past the resolution target of {targets[case.team_id]:g} business hours "
            f"(breached at {clock.breach_at:%Y-%m-%d %H:%M} UTC).",
            cause_key=OVERDUE_KEY,
        )
        count += 1
    return count
