"""Presentation helpers: labels and badge styles. Never business rules."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import ngettext

from clients.models import Case, CaseStatus, Priority, Temperament

register = template.Library()

_STATUS_STYLE = {
    CaseStatus.NEW: "text-bg-info",
    CaseStatus.IN_PROGRESS: "text-bg-primary",
    CaseStatus.ESCALATED: "text-bg-danger",
    CaseStatus.RESOLVED: "text-bg-success",
    CaseStatus.CLOSED: "text-bg-secondary",
}
_MOOD_STYLE = {
    "calm": ("text-bg-success", "●"),
    "frustrated": ("text-bg-warning", "▲"),
    "angry": ("text-bg-danger", "◆"),
    "abusive": ("text-bg-dark", "■"),
}
_PRIORITY_STYLE = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-light border",
    Priority.HIGH: "text-bg-warning",
    Priority.URGENT: "text-bg-danger",
}


@register.filter
def status_label(value: str) -> str:
    try:
        return CaseStatus(value).label
    except ValueError:
        return value


@register.filter
def status_style(value: str) -> str:
    return _STATUS_STYLE.get(value, "text-bg-secondary")


@register.filter
def priority_style(value: int) -> str:
    return _PRIORITY_STYLE.get(value, "text-bg-light border")


@register.filter
def temperament_label(value: str) -> str:
    try:
        return Temperament(value).label
    except ValueError:
        return value


@register.inclusion_tag("partials/mood_badge.html")
def mood_badge(interaction):
    style, symbol = _MOOD_STYLE.get(interaction.mood, ("text-bg-secondary", "●"))
    return {"label": interaction.get_mood_display(), "style": style, "symbol": symbol}


@register.filter
def minutes_in_words(value) -> str:
    """A timedelta as "15 minutes" / "1 minute" (for waits shown to people)."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


@register.filter
def field_label(name: str) -> str:
    """A case field's name as people read it: "problem_statement" -> "Problem statement", in
    the reader's language (the field's verbose name)."""
    try:
        return capfirst(Case._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


@register.filter
def field_value(value: str, name: str) -> str:
    """A case field's value as the timeline stored it (text): a choice's label, stored in the
    words of the day, is shown in the reader's language; any other value as stored."""
    try:
        choices = Case._meta.get_field(name).choices
    except FieldDoesNotExist:
        return value
    if not choices:
        return value
    with translation.override(None):  # the labels' source text, as the timeline stored them
        by_source = {str(label): key for key, label in choices}
    key = by_source.get(value)
    return value if key is None else dict(choices)[key]
