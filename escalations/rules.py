"""The rules that escalate a case by themselves, run by the `escalation_rules` task.

Each rule passes a cause key to `case_escalate`, which escalates a case once per cause; the
rules also skip causes already escalated, so a sweep does one query per rule when idle.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q

from accounts.models import TeamSettings
from accounts.selectors import team_settings
from clients.business_hours import calendar_for_team
from clients.models import OPEN_STATUSES, BoundaryWarning, Case
from clients.selectors import case_clock
from interactions.models import Direction, FollowUp, FollowUpStatus, Interaction, Mood
from playbooks.models import Concession, ConcessionStatus, StepRecord

from .models import Escalation, EscalationReason
from .services import case_escalate

# --- Cases: past the team's resolution target ---------------------------------------------

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


# --- Contacts and follow-ups ---------------------------------------------------------------

# Older causes are left alone: the rule is for what just happened, not for history.
LOOK_BACK = timedelta(days=7)


def _escalated_keys(prefix: str, case_ids) -> set[tuple[int, str]]:
    rows = Escalation.objects.filter(case_id__in=case_ids, cause_key__startswith=prefix)
    return set(rows.values_list("case_id", "cause_key"))


def abusive_contact_key(contact: Interaction) -> str:
    return f"abusive:{contact.pk}"


def abusive_contact_note(contact: Interaction) -> str:
    return (
        f"An abusive contact was logged ({contact.get_channel_display().lower()}, "
        f"{contact.occurred_at:%Y-%m-%d %H:%M} UTC)."
    )


def boundary_warning_key(warning: BoundaryWarning) -> str:
    return f"boundary:{warning.pk}"


ABUSE_AFTER_WARNING_NOTE = "The client was abusive again after a boundary warning: a manager takes it from here."


def escalate_abusive_contact(contact: Interaction, *, now: datetime) -> list[Escalation]:
    """The abuse rules for one contact just logged, run at once (interaction_log's signal).

    A boundary warning given before the contact, and not yet followed by abuse, escalates
    under its own cause as `escalate_abuse_after_warning` would; otherwise the contact
    escalates under its own as `escalate_abusive_contacts` would. Either way, the rules find
    nothing left to do at their next run: the warning's cause is done, and a contact logged
    before the case's latest abuse escalation counts as in the manager's hands already.
    Nothing for a case that is not open (the rules leave those alone too).
    """
    case = contact.case
    if not case.is_open:
        return []
    done = set(
        Escalation.objects.filter(case=case, cause_key__startswith="boundary:").values_list("cause_key", flat=True)
    )
    warnings = BoundaryWarning.objects.filter(
        case=case, given_at__gte=now - LOOK_BACK, given_at__lt=contact.occurred_at
    )
    causes = [
        (boundary_warning_key(warning), ABUSE_AFTER_WARNING_NOTE)
        for warning in warnings.order_by("given_at", "pk")
        if boundary_warning_key(warning) not in done
    ]
    causes = causes or [(abusive_contact_key(contact), abusive_contact_note(contact))]
    return [
        case_escalate(case=case, reason=EscalationReason.ABUSIVE_CLIENT, note=note, cause_key=key)
        for key, note in causes
    ]


def escalate_abusive_contacts(*, now: datetime) -> int:
    """An abusive contact hands the case to a manager.

    Once per contact, and only for contacts not already covered: a contact logged before the
    case's latest abuse escalation (by hand or by this rule) is already in the manager's hands,
    so a case with several abusive calls does not fill the queue with one escalation each.
    """
    contacts = list(
        Interaction.objects.filter(
            mood=Mood.ABUSIVE, logged_at__gte=now - LOOK_BACK, case__status__in=OPEN_STATUSES
        ).select_related("case")
    )
    case_ids = {c.case_id for c in contacts}
    done = _escalated_keys("abusive:", case_ids)
    covered_until = dict(
        Escalation.objects.filter(case_id__in=case_ids, reason=EscalationReason.ABUSIVE_CLIENT)
        .values("case_id")
        .annotate(last=Max("raised_at"))
        .values_list("case_id", "last")
    )
    count = 0
    for contact in sorted(contacts, key=lambda c: c.logged_at):
        key = abusive_contact_key(contact)
        if (contact.case_id, key) in done:
            continue
        if contact.case_id in covered_until and contact.logged_at <= covered_until[contact.case_id]:
            continue
        escalation = case_escalate(
            case=contact.case,
            reason=EscalationReason.ABUSIVE_CLIENT,
            note=abusive_contact_note(contact),
            cause_key=key,
        )
        covered_until[contact.case_id] = max(escalation.raised_at, now)
        count += 1
    return count


def escalate_abuse_after_warning(*, now: datetime) -> int:
    """An abusive contact after a boundary warning on the case: once per warning."""
    warnings = list(
        BoundaryWarning.objects.filter(given_at__gte=now - LOOK_BACK, case__status__in=OPEN_STATUSES).select_related(
            "case"
        )
    )
    done = _escalated_keys("boundary:", {w.case_id for w in warnings})
    count = 0
    for warning in warnings:
        key = boundary_warning_key(warning)
        if (warning.case_id, key) in done:
            continue
        if not Interaction.objects.filter(
            case_id=warning.case_id, mood=Mood.ABUSIVE, occurred_at__gt=warning.given_at
        ).exists():
            continue
        case_escalate(
            case=warning.case,
            reason=EscalationReason.ABUSIVE_CLIENT,
            note=ABUSE_AFTER_WARNING_NOTE,
            cause_key=key,
        )
        count += 1
    return count


def escalate_missed_follow_ups(*, now: datetime) -> int:
    """A promise to the client that was missed (once per follow-up)."""
    missed = list(
        FollowUp.objects.filter(
            status=FollowUpStatus.MISSED, due_at__gte=now - LOOK_BACK, case__status__in=OPEN_STATUSES
        ).select_related("case", "owner")
    )
    done = _escalated_keys("followup-missed:", {f.case_id for f in missed})
    count = 0
    for follow_up in missed:
        key = f"followup-missed:{follow_up.pk}"
        if (follow_up.case_id, key) in done:
            continue
        case_escalate(
            case=follow_up.case,
            reason=EscalationReason.MISSED_FOLLOW_UP,
            note=f"{follow_up.get_kind_display()} by {follow_up.owner} was missed.",
            cause_key=key,
        )
        count += 1
    return count


# --- The playbook record and concessions --------------------------------------------------


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
            note=f"{concession} waits for a manager: above the agent's limit, or in another currency than the limit.",
            cause_key=key,
        )
        count += 1
    return count
