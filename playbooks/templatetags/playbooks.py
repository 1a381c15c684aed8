"""Presentation helpers for playbook records."""

from datetime import datetime

from django import template

from casebook.fragments import render_pure
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


@register.simple_tag
def done_step(step, number: int) -> str:
    """A step done or skipped on the case, as the playbook panel lists it, drawn from its plain
    values (casebook/fragments.py): a record is written once, so each is drawn once per process."""
    record = step.record
    values = {
        "number": number,
        "pk": step.pk,
        "title": step.title,
        "skipped": record.status == StepStatus.SKIPPED,
        "skip_reason": record.skip_reason,
        "outcome": record.outcome,
        "by": str(record.completed_by),
        "at": record.completed_at,
    }
    return render_pure("playbooks/_done_step.html", values)
