"""Escalation rules that read contacts and follow-ups. Run by playbooks.tasks.escalation_rules.

Each rule passes a cause key to `case_escalate`, which escalates a case once per cause; the
rules also skip causes already escalated, so a sweep does one query per rule when idle.
"""

from datetime import datetime, timedelta

from django.db.models import Max

from clients.models import OPEN_STATUSES, BoundaryWarning, Escalation, EscalationReason
from clients.services import case_escalate

from .models import FollowUp, FollowUpStatus, Interaction, Mood

# Older causes are left alone: the rule is for what just happened, not for history.
LOOK_BACK = timedelta(days=7)


def _escalated_keys(prefix: str, case_ids) -> set[tuple[int, str]]:
    rows = Escalation.objects.filter(case_id__in=case_ids, cause_key__startswith=prefix)
    return set(rows.values_list("case_id", "cause_key"))


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
        key = f"abusive:{contact.pk}"
        if (contact.case_id, key) in done:
            continue
        if contact.case_id in covered_until and contact.logged_at <= covered_until[contact.case_id]:
            continue
        escalation = case_escalate(
            case=contact.case,
            reason=EscalationReason.ABUSIVE_CLIENT,
            note=f"An abusive contact was logged ({contact.get_channel_display().lower()}, "
            f"{contact.occurred_at:%Y-%m-%d %H:%M} UTC).",
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
        key = f"boundary:{warning.pk}"
        if (warning.case_id, key) in done:
            continue
        if not Interaction.objects.filter(
            case_id=warning.case_id, mood=Mood.ABUSIVE, occurred_at__gt=warning.given_at
        ).exists():
            continue
        case_escalate(
            case=warning.case,
            reason=EscalationReason.ABUSIVE_CLIENT,
            note="The client was abusive again after a boundary warning: a manager takes it from here.",
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
