"""Presentation helpers for playbook records."""

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def iso_datetime(value: str):
    """A datetime stored as ISO text in a step's outcome, back as a datetime (for |date)."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
