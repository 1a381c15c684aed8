"""Presentation helpers for playbook records."""

from datetime import datetime

from django import template

from clients.models import RootCause
from core.rows import render_rows

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


def done_step_values(step, number: int) -> dict:
    """A step done or skipped on the case, as the playbook panel lists it (playbooks/_done_step.html)."""
    record = step.record
    return {
        "number": number,
        "pk": step.pk,
        "title": step.title,
        "skipped": record.status == StepStatus.SKIPPED,
        "skip_reason": record.skip_reason,
        "outcome": record.outcome,
        "by": "" if record.completed_by is None else str(record.completed_by),
        "at": record.completed_at,
    }


@register.simple_tag
def step_rows(steps) -> list[tuple]:
    """(step, the HTML of the step when it is done or skipped, else "") for each of `steps`,
    the done ones drawn by core.rows (one cache read): `{% step_rows pb_steps as rows %}`."""
    steps = list(steps)
    done = [(step, number) for number, step in enumerate(steps, 1) if step.record]
    drawn = render_rows(("playbooks/_done_step.html", done_step_values(step, number)) for step, number in done)
    html = {step.pk: row for (step, _), row in zip(done, drawn, strict=True)}
    return [(step, html.get(step.pk, "")) for step in steps]
