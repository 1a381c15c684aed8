"""Presentation helpers for playbook records."""

from datetime import datetime

from django import template

from clients.models import RootCause

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
