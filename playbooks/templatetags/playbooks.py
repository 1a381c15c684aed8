"""Presentation helpers for playbook records."""

from datetime import datetime

from django import template

from clients.models import RootCause

from ..models import StepStatus

register = template.Library()


@register.filter
def iso_datetime(value: str):
    """A datetime stored as ISO text in a step's outcome, back as a datetime (for |date)."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@register.filter
def root_cause_label(outcome: dict) -> str:
    """The root cause of a pinpoint outcome in the reader's language (the outcome stores its
    key, and the label as it read when the step was done)."""
    try:
        return RootCause(outcome.get("root_cause")).label
    except ValueError:
        return outcome.get("root_cause_label", "")


@register.inclusion_tag("playbooks/_done_step.html")
def done_step(step, number: int) -> dict:
    """A step done or skipped on the case, as the playbook panel lists it."""
    record = step.record
    return {
        "number": number,
        "pk": step.pk,
        "title": step.title,
        "skipped": record.status == StepStatus.SKIPPED,
        "skip_reason": record.skip_reason,
        "outcome": record.outcome,
        "by": record.completed_by,
        "at": record.completed_at,
    }
