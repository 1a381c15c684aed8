"""Escalation rules that read the playbook record and concessions."""

from datetime import datetime

from django.db.models import Count, Max, Min, Q

from accounts.models import TeamSettings
from accounts.selectors import team_settings
from clients.models import OPEN_STATUSES, Case, Escalation, EscalationReason
from clients.services import case_escalate
from interactions.models import Direction, Interaction

from .models import Concession, ConcessionStatus, StepRecord


def escalate_stalled_cases(*, now: datetime) -> int:
    """N client contacts (the team's stall threshold) since the last playbook progress.

    The cause is "stalled since <last progress>", so the case escalates again only after it
    made progress and then stalled once more.
    """
    count = 0
    settings_by_team: dict[int, int] = {}
    client_contacts = Count("interactions", filter=~Q(interactions__direction=Direction.INTERNAL))
    # Cases with fewer client contacts in all than the lowest threshold cannot have stalled.
    lowest = TeamSettings.objects.aggregate(lowest=Min("stall_contacts"))["lowest"] or 1
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .annotate(contacts=client_contacts)
        .filter(contacts__gte=min(lowest, TeamSettings._meta.get_field("stall_contacts").default))
        .select_related("team")
    )
    progress = dict(
        StepRecord.objects.filter(case_playbook__case__status__in=OPEN_STATUSES)
        .values_list("case_playbook__case_id")
        .annotate(last=Max("completed_at"))
    )
    contacts = Interaction.objects.exclude(direction=Direction.INTERNAL)
    for case in cases.iterator():
        if case.team_id not in settings_by_team:
            settings_by_team[case.team_id] = team_settings(case.team).stall_contacts
        threshold = settings_by_team[case.team_id]
        if case.contacts < threshold:
            continue
        since = progress.get(case.pk) or case.opened_at
        key = f"stalled:{since.isoformat()}"
        if Escalation.objects.filter(case=case, cause_key=key).exists():
            continue
        if contacts.filter(case=case, occurred_at__gt=since).count() < threshold:
            continue
        case_escalate(
            case=case,
            reason=EscalationReason.STALLED,
            note=f"{threshold} or more contacts with the client and no playbook step done since "
            f"{since:%Y-%m-%d %H:%M} UTC.",
            cause_key=key,
        )
        count += 1
    return count


def escalate_pending_concessions(*, now: datetime) -> int:
    """A concession above the limit waiting for a manager (the offer escalates already; safety net)."""
    count = 0
    pending = Concession.objects.filter(status=ConcessionStatus.PENDING, case__status__in=OPEN_STATUSES)
    done = set(
        Escalation.objects.filter(case__concessions__in=pending, cause_key__startswith="concession:").values_list(
            "cause_key", flat=True
        )
    )
    for concession in pending.select_related("case"):
        key = f"concession:{concession.pk}"
        if key in done:
            continue
        case_escalate(
            case=concession.case,
            reason=EscalationReason.CONCESSION_OVER_LIMIT,
            note=f"{concession} is above the agent's limit and waits for a manager.",
            cause_key=key,
        )
        count += 1
    return count
