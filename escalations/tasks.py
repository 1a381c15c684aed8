"""The periodic pass over the escalation rules (escalations/rules.py)."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .rules import (
    escalate_abuse_after_warning,
    escalate_abusive_contacts,
    escalate_missed_follow_ups,
    escalate_overdue_cases,
    escalate_pending_concessions,
    escalate_stalled_cases,
)

RULES = [
    escalate_abusive_contacts,
    escalate_abuse_after_warning,
    escalate_missed_follow_ups,
    escalate_stalled_cases,
    escalate_pending_concessions,
    escalate_overdue_cases,
]


def escalation_rules_run(*, now=None) -> dict[str, int]:
    """Run every automatic escalation rule once; returns how many cases each escalated."""
    now = now or timezone.now()
    counts = {}
    for rule in RULES:
        # One transaction per rule: a failing rule does not undo the others' escalations.
        with transaction.atomic():
            counts[rule.__name__] = rule(now=now)
    return counts


@shared_task
def escalation_rules() -> dict[str, int]:
    """Beat's periodic pass over the escalation rules."""
    return escalation_rules_run()
