"""Reads of interactions, and the case timeline with the interactions it points at."""

import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dates import MONTHS_3

from accounts.models import User
from accounts.roles import sees_all_teams
from accounts.selectors import scope_to_user_teams, team_ids_of
from clients.models import Case, CaseEvent, Client
from clients.selectors import case_events

from .models import HOSTILE_MOODS, Attachment, EmailStatus, FollowUp, FollowUpStatus, Interaction, Mood, OutgoingEmail


def case_timeline(
    case: Case, *, limit: int | None = None, known=(), before: CaseEvent | None = None
) -> list[CaseEvent]:
    """The case's events, newest first (the `limit` newest when given, older than `before`
    when given), targets loaded.

    A query for the events, one per kind of target and one for the contacts' files,
    whatever the size of the case
    (content types are cached after the first request). Targets among `known` (rows the
    page has already read, such as the playbook's records) are not read again. Each
    interaction also gets `corrected_by`: the later entries shown here that correct it, so
    both read as one story.
    """
    events = list(case_events(case, limit=limit, before=before))
    if known:
        by_target = {(ContentType.objects.get_for_model(row).pk, row.pk): row for row in known}
        for event in events:
            row = by_target.get((event.target_type_id, event.target_id))
            if row is not None:
                event.target = row  # a prefetch leaves an event whose target is set alone
    # Contacts are read knowing whether they have files (`has_attachments`).
    contacts_with_flag = Interaction.objects.annotate(has_attachments=has_files())
    prefetch_related_objects(events, GenericPrefetch("target", [contacts_with_flag]))
    targets = [event.target for event in events]
    contacts = with_files(target for target in targets if isinstance(target, Interaction))
    corrections: dict[int, list[Interaction]] = defaultdict(list)
    for contact in contacts:
        if contact.corrects_id:
            corrections[contact.corrects_id].append(contact)
    for contact in contacts:
        contact.corrected_by = corrections.get(contact.pk, [])
    return events


def has_files() -> Exists:
    """Whether a contact has files, as an annotation (`has_attachments`): the files are then
    read (`with_files`) only for the contacts that have some."""
    return Exists(Attachment.objects.filter(interaction=OuterRef("pk")))


def last_mood() -> Subquery:
    """The mood of a case's latest contact, as an annotation on cases (`last_mood`)."""
    latest = Interaction.objects.filter(case=OuterRef("pk")).order_by("-occurred_at", "-id")
    return Subquery(latest.values("mood")[:1])


# What a contact card shows (`interaction_card`): every column.
INTERACTION_CARD_FIELDS = tuple(field.name for field in Interaction._meta.concrete_fields if field.name != "id")
USER_NAME_FIELDS = ("username", "first_name", "last_name")


def interactions_for_client(client: Client) -> QuerySet[Interaction]:
    """All contacts with a client across their cases, newest first, as their cards show
    them: with the case's title and the logger's name (not the whole rows), and knowing
    whether each has files (`with_files` reads those of a page in one query)."""
    return (
        Interaction.objects.filter(client=client)
        .select_related("case", "logged_by")
        .only(*INTERACTION_CARD_FIELDS, "case__title", *(f"logged_by__{name}" for name in USER_NAME_FIELDS))
        .annotate(has_attachments=has_files())
        .order_by("-occurred_at", "-id")
    )


def with_files(interactions) -> list[Interaction]:
    """The contacts, with the files of those that have some read in one query (none when
    no contact has any)."""
    interactions = list(interactions)
    prefetch_related_objects([row for row in interactions if getattr(row, "has_attachments", True)], "attachments")
    return interactions


def get_interaction_on_case(case: Case, pk: int) -> Interaction:
    return get_object_or_404(Interaction.objects.filter(case=case), pk=pk)


def interactions_for_user(user: User) -> QuerySet[Interaction]:
    """Every contact on the cases of the user's teams, newest first."""
    return scope_to_user_teams(
        Interaction.objects.select_related("case", "logged_by"), user, team_field="case__team"
    ).order_by("-occurred_at", "-id")


def get_interaction_for_user(user: User, pk: int) -> Interaction:
    """The interaction, or 404 when its case lies outside the user's teams."""
    return get_object_or_404(interactions_for_user(user), pk=pk)


def get_attachment_for_user(user: User, pk: int) -> Attachment:
    """The attachment, or 404 when the case of its contact lies outside the user's teams."""
    attachments = scope_to_user_teams(Attachment.objects.all(), user, team_field="interaction__case__team")
    return get_object_or_404(attachments, pk=pk)


def follow_ups_for_case(case: Case) -> list[FollowUp]:
    """The case panel: open follow-ups first by due time, then the latest closed ones."""
    rows = list(FollowUp.objects.filter(case=case).select_related("owner").order_by("due_at", "id"))
    open_rows = [f for f in rows if f.is_open]
    closed = sorted((f for f in rows if not f.is_open), key=lambda f: f.due_at, reverse=True)[:5]
    return open_rows + closed


def contacts_that_can_keep(follow_up: FollowUp) -> QuerySet[Interaction]:
    """The contacts that can have kept a promise, newest first: those on its case made at
    or after the promise was (a contact from before it cannot be the one that kept it)."""
    return Interaction.objects.filter(case=follow_up.case_id, occurred_at__gte=follow_up.created_at).order_by(
        "-occurred_at", "-id"
    )


def follow_ups_for_user(user: User) -> QuerySet[FollowUp]:
    """Every follow-up on the cases of the user's teams, soonest due first."""
    return scope_to_user_teams(FollowUp.objects.all(), user, team_field="case__team").order_by("due_at", "id")


def get_follow_up_for_user(user: User, pk: int) -> FollowUp:
    """The follow-up, or 404 outside the user's teams."""
    queryset = follow_ups_for_user(user).select_related("case__client", "case__team", "owner")
    return get_object_or_404(queryset, pk=pk)


def my_day(user: User, *, now: datetime | None = None) -> dict:
    """The user's open follow-ups split into overdue, due today (their zone) and upcoming (7 days)."""
    now = now or timezone.now()
    local = timezone.localtime(now, zoneinfo.ZoneInfo(user.time_zone))
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = list(
        FollowUp.objects.filter(owner=user, status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED])
        .filter(due_at__lt=now + timedelta(days=7))
        .select_related("case__client")
        .order_by("due_at", "id")
    )
    failed = OutgoingEmail.objects.filter(owner=user, status=EmailStatus.FAILED).select_related("case").order_by("-id")
    failed = list(failed[:20])
    return {
        "overdue": [f for f in rows if f.due_at <= now],
        "today": [f for f in rows if now < f.due_at < end_of_day],
        "upcoming": [f for f in rows if f.due_at >= end_of_day],
        "failed_emails": failed,
    }


def promises_kept(user: User, *, now: datetime | None = None) -> dict:
    """Follow-ups done on time / all that came due in the last CASEBOOK_PROMISES_WINDOW_DAYS
    (cancelled ones do not count).

    "On time" allows the overdue grace period. Returns the user's own rate and their
    teams' rate: {"mine": {"kept", "due", "rate"}, "team": {...}, "days": window,
    "grace_minutes"}; rate is
    None with nothing due. Both come from one query, shown on every list page and My day,
    so they are kept a while: the teams' figures (every follow-up of the teams in the
    window) for CASEBOOK_PROMISES_TEAM_CACHE_SECONDS, the user's own for
    CASEBOOK_PROMISES_MINE_CACHE_SECONDS, or until they complete, move or cancel one of
    theirs (`forget_promises_kept`). While the teams' figures are kept, only the user's
    own are read (through the owner index).
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.CASEBOOK_OVERDUE_GRACE_MINUTES)
    days = settings.CASEBOOK_PROMISES_WINDOW_DAYS
    came_due = FollowUp.objects.filter(due_at__lte=now - grace, due_at__gt=now - timedelta(days=days)).exclude(
        status=FollowUpStatus.CANCELLED
    )
    kept = Q(status=FollowUpStatus.DONE, completed_at__lte=F("due_at") + grace)
    teams = "all" if sees_all_teams(user) else ",".join(map(str, team_ids_of(user)))
    team_key, mine_key = f"promises-kept:{days}:{teams}", _mine_key(user.pk)
    team_seconds = settings.CASEBOOK_PROMISES_TEAM_CACHE_SECONDS
    mine_seconds = settings.CASEBOOK_PROMISES_MINE_CACHE_SECONDS
    kept_figures = cache.get_many([team_key, mine_key]) if team_seconds or mine_seconds else {}
    team = kept_figures.get(team_key) if team_seconds else None
    mine = kept_figures.get(mine_key) if mine_seconds else None
    if mine is not None and mine["scope"] != team_key:  # the window or the user's teams changed
        mine = None
    if team is None:
        row = scope_to_user_teams(came_due, user, team_field="case__team").aggregate(
            mine_due=Count("id", filter=Q(owner=user)),
            mine_kept=Count("id", filter=Q(owner=user) & kept),
            team_due=Count("id"),
            team_kept=Count("id", filter=kept),
        )
        team = _rate(row["team_kept"], row["team_due"])
        if team_seconds:
            cache.set(team_key, team, team_seconds)
        mine = None  # read with the teams' figures just now: fresher than the kept one
    elif mine is None:
        row = scope_to_user_teams(came_due.filter(owner=user), user, team_field="case__team").aggregate(
            mine_due=Count("id"), mine_kept=Count("id", filter=kept)
        )
    if mine is None:
        mine = {"scope": team_key, "rate": _rate(row["mine_kept"], row["mine_due"])}
        if mine_seconds:
            cache.set(mine_key, mine, mine_seconds)
    return {"mine": mine["rate"], "team": team, "days": days, "grace_minutes": round(grace.total_seconds() / 60)}


def _mine_key(user_id: int) -> str:
    return f"promises-kept:mine:{user_id}"


def forget_promises_kept(user_id: int) -> None:
    """Drop the user's kept rate once the transaction commits: one of their follow-ups was
    done, moved or called off, and they expect to see it count."""
    transaction.on_commit(lambda: cache.delete(_mine_key(user_id)))


def _rate(kept: int, due: int) -> dict:
    return {"kept": kept, "due": due, "rate": round(100 * kept / due) if due else None}


def interactions_for_case(case: Case) -> QuerySet[Interaction]:
    return Interaction.objects.filter(case=case).order_by("-occurred_at", "-id")


def start_of_local_day(user: User, now: datetime | None = None) -> datetime:
    """Midnight of today in the user's own time zone: a working day is the agent's day."""
    local = timezone.localtime(now or timezone.now(), zoneinfo.ZoneInfo(user.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def wellbeing(user: User, *, now: datetime | None = None) -> dict:
    """How many angry or abusive contacts the user has logged today, and whether that is a lot.

    The limit is the lowest hostile-contacts threshold of the user's teams: the
    suggestion to take a break should come as soon as any of their teams would offer it.
    """
    from accounts.models import TeamSettings

    since = start_of_local_day(user, now)
    hostile = Interaction.objects.filter(logged_by=user, mood__in=HOSTILE_MOODS, occurred_at__gte=since).count()
    limits = TeamSettings.objects.filter(team_id__in=team_ids_of(user))
    lowest = limits.aggregate(lowest=Min("hostile_contacts_per_day"))["lowest"]
    limit = TeamSettings._meta.get_field("hostile_contacts_per_day").default if lowest is None else lowest
    return {"hostile_today": hostile, "hostile_limit": limit, "needs_break": hostile >= limit}


MOOD_LEVELS = {Mood.CALM: 1, Mood.FRUSTRATED: 2, Mood.ANGRY: 3, Mood.ABUSIVE: 4}


def mood_over_time(client: Client, *, limit: int = 40) -> dict:
    """The client's mood in their latest contacts, oldest first, for the temperature chart."""
    latest = Interaction.objects.filter(client=client).order_by("-occurred_at", "-id")
    rows = list(latest.values_list("occurred_at", "mood")[:limit])[::-1]
    # As date_format(..., "d M H:i") writes it, without its per-call parsing: forty a page.
    zone = timezone.get_current_timezone()
    months = {number: str(name).title() for number, name in MONTHS_3.items()}
    labels = [f"{local.day:02d} {months[local.month]} {local:%H:%M}" for local in (w.astimezone(zone) for w, _ in rows)]
    names = {mood: str(mood.label) for mood in MOOD_LEVELS}
    return {
        "labels": labels,
        "levels": [MOOD_LEVELS[mood] for _, mood in rows],
        "points": [(label, names[mood]) for label, (_, mood) in zip(labels, rows, strict=True)],
        "names": {level: names[mood] for mood, level in MOOD_LEVELS.items()},
    }
