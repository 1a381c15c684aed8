"""Presentation helpers: labels and badge styles. Never business rules."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import ngettext

from accounts.selectors import unread_notice_count
from clients.models import Case, CaseStatus, Priority, Temperament
from core.durations import hours_in_words
from core.rows import render_rows
from escalations.models import Escalation
from interactions.models import FollowUp

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
        return str(CaseStatus(value).label)
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
        return str(Temperament(value).label)
    except ValueError:
        return value


@register.simple_tag
def mood_badge(mood: str, label: str) -> str:
    """The contact's mood as a badge: colour and shape, then the word."""
    style, symbol = _MOOD_STYLE.get(mood, ("text-bg-secondary", "●"))
    return format_html('<span class="badge {}"><span aria-hidden="true">{}</span> {}</span>', style, symbol, label)


# The rows of lists are drawn by core.rows from dicts of plain values, cached by those values:
# the functions below make each row's dict; the tags draw one row or a whole list.


def _name(user) -> str:
    return "" if user is None else str(user)


def interaction_values(interaction, *, logged_by, show_case: bool = False, can_correct: bool = False) -> dict:
    """A contact as a card (interactions/_interaction.html). `logged_by` is passed in so a
    list of cards costs no query per card; the files are read only for a contact that has
    some (see Interaction.files)."""
    return {
        "pk": interaction.pk,
        "case_id": interaction.case_id,
        "channel": interaction.get_channel_display(),
        "direction": interaction.get_direction_display(),
        "mood": interaction.mood,
        "mood_label": interaction.get_mood_display(),
        "duration_minutes": interaction.duration_minutes,
        "occurred_at": interaction.occurred_at,
        "logged_at": interaction.logged_at,
        "summary": interaction.summary,
        "logged_by": _name(logged_by),
        # No one logged it: it came in by itself (a client's email, see the inbox app).
        "arrived": interaction.logged_by_id is None,
        "corrects_id": interaction.corrects_id,
        "corrected_by": [row.pk for row in getattr(interaction, "corrected_by", ())],
        "files": [(f.pk, f.original_name, f.size, f.content_type) for f in interaction.files],
        "show_case": show_case,
        "case_title": interaction.case.title if show_case else "",
        "can_correct": can_correct,
    }


@register.simple_tag
def interaction_card(interaction, *, logged_by, show_case: bool = False, can_correct: bool = False) -> str:
    """One contact's card."""
    values = interaction_values(interaction, logged_by=logged_by, show_case=show_case, can_correct=can_correct)
    return render_rows([("interactions/_interaction.html", values)])[0]


@register.simple_tag
def interaction_cards(interactions, *, show_case: bool = False) -> str:
    """The cards of a list of contacts (read with `logged_by`)."""
    rows = (
        ("interactions/_interaction.html", interaction_values(i, logged_by=i.logged_by, show_case=show_case))
        for i in interactions
    )
    return mark_safe("".join(render_rows(rows)))


def timeline_values(event) -> tuple[str, dict]:
    """One entry of a case's timeline as (template, values). A contact is its card; any other
    entry is its timeline/<kind>.html, where `event` has the kind, time, actor, the stored
    data and, as `target`, the few fields of the target record the entry shows (a
    follow-up's kind, owner and due time, an escalation's reason and decision)."""
    if event.kind == "interaction_logged":
        return "interactions/_interaction.html", interaction_values(
            event.target, logged_by=event.actor, can_correct=True
        )
    values = {
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "actor": _name(event.actor),
        "data": event.data,
        "target": _target_values(event),
    }
    return event.template_name, {"event": values}


@register.simple_tag
def timeline_entries(events) -> list[tuple[str, str]]:
    """(kind, HTML) of each entry of a timeline, for `{% timeline_entries timeline as entries %}`."""
    events = list(events)
    entries = render_rows(timeline_values(event) for event in events)
    return list(zip([event.kind for event in events], entries, strict=True))


def _target_values(event) -> dict:
    target = event.target
    if isinstance(target, FollowUp):
        values = {"kind_label": target.get_kind_display(), "due_at": target.due_at}
        # Only this entry names the owner: reading it for every follow-up entry would be a
        # query per entry where the follow-ups were not read with their owners.
        if event.kind == "follow_up_missed":
            values["owner"] = _name(target.owner)
        return values
    if isinstance(target, Escalation):
        return {"reason_label": target.get_reason_display(), "decision_label": str(target.decision_label)}
    return {}


def follow_up_values(follow_up, *, back: str, show_case: bool = False) -> dict:
    """A follow-up as a row (interactions/_follow_up_row.html) of My day or the case page;
    `back` is where its buttons come back to."""
    return {
        "pk": follow_up.pk,
        "kind": follow_up.get_kind_display(),
        "status": follow_up.status,
        "overdue": follow_up.is_overdue,
        "is_open": follow_up.is_open,
        "due_at": follow_up.due_at,
        "owner": "" if show_case else _name(follow_up.owner),
        "note": follow_up.note,
        "next": back,
        "show_case": show_case,
        "case_id": follow_up.case_id,
        "case_title": follow_up.case.title if show_case else "",
        "client_name": follow_up.case.client.name if show_case else "",
    }


@register.simple_tag
def follow_up_row_lists(*lists, back: str, show_case: bool = False) -> list[str]:
    """The rows of several lists of follow-ups (My day's three), with one cache read:
    `{% follow_up_row_lists overdue today upcoming back=... as rows %}`, then `rows.0`..."""
    template = "interactions/_follow_up_row.html"
    rows = [(template, follow_up_values(f, back=back, show_case=show_case)) for group in lists for f in group]
    drawn = iter(render_rows(rows))
    return [mark_safe("".join(next(drawn) for _ in group)) for group in lists]


@register.simple_tag
def follow_up_rows(follow_ups, *, back: str, show_case: bool = False) -> str:
    """The rows of one list of follow-ups (the case page's)."""
    return follow_up_row_lists(follow_ups, back=back, show_case=show_case)[0]


def case_values(case) -> dict:
    """A case as a row of the case list (clients/_case_row.html)."""
    return {
        "pk": case.pk,
        "title": case.title,
        "client_name": case.client.name,
        "temperament": temperament_label(case.client.temperament),
        "status": case.status,
        "status_label": status_label(case.status),
        "priority": case.priority,
        "priority_label": str(Priority(case.priority).label),
        "owner": _name(case.owner),
        "last_activity_at": case.last_activity_at,
        "age": timesince(case.last_activity_at),
    }


@register.simple_tag
def case_rows(cases) -> str:
    """The rows of a list of cases."""
    return mark_safe("".join(render_rows(("clients/_case_row.html", case_values(case)) for case in cases)))


@register.filter
def zoned(value, format_string: str = "DATETIME_FORMAT") -> str:
    """A moment in the current time zone followed by the zone's abbreviation, always:
    "Sunday 25 October 2026, 02:51 CET". Django's `e` and `T` print nothing for a time an
    autumn clock change repeats, and "02:51" alone names two moments an hour apart."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, format_string)} {local.tzname()}"


_NAV_SECTIONS = {
    "clients": "clients",
    "cases": "cases",
    "my-day": "my_day",
    "chats": "chats",
    "escalations": "escalations",
    "playbooks": "playbooks",
    "search": "search",
}


@register.filter
def nav_section(path_info: str) -> str:
    """The part of the site a path belongs to, for the navigation's highlight: "dashboard"
    for the home page, "cases" for /cases/..., "" elsewhere."""
    if path_info == "/":
        return "dashboard"
    return _NAV_SECTIONS.get(path_info.split("/")[1], "")


@register.simple_tag(takes_context=True)
def page_chrome(context) -> dict:
    """What every page draws around its content and what depends only on who is signed in:
    the navigation bar (partials/_nav.html, signed-in users) and the dialogs every page can
    open (the log-a-contact dialog, the keyboard shortcuts, the confirmation). Drawn by
    core.rows from plain values, with one cache read: `{% page_chrome as chrome %}`, then
    `chrome.nav` and `chrome.dialogs`."""
    request, user = context["request"], context["user"]
    signed_in = user.is_authenticated
    can_log = signed_in and user.has_perm("interactions.add_interaction")
    can_review = signed_in and user.has_perm("clients.review_case")
    rows = [
        ("interactions/_quick_log_dialog.html", {"can_log": can_log}),
        ("partials/_page_dialogs.html", {"signed_in": signed_in, "can_log": can_log, "can_review": can_review}),
    ]
    if signed_in:
        nav = {
            "section": nav_section(request.path_info),
            "name": user.get_full_name() or user.username,
            "is_staff": user.is_staff,
            "can_log": can_log,
            "can_review": can_review,
            "can_edit_playbooks": user.has_perm("playbooks.edit_playbook"),
            "unread": unread_notice_count(user),
        }
        rows.append(("partials/_nav.html", nav))
    drawn = render_rows(rows)
    return {"dialogs": mark_safe(f"{drawn[0]}\n{drawn[1]}"), "nav": drawn[2] if signed_in else ""}


@register.filter
def minutes_in_words(value) -> str:
    """A timedelta as "15 minutes" / "1 minute" (for waits shown to people)."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


# A number of hours as "3 days 4 hours" (the reports' times to resolution).
register.filter("hours_in_words", hours_in_words)


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
