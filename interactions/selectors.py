"""Reads of interactions, and the case timeline with the interactions it points at."""

from collections import defaultdict

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from casebook.accounts.models import User
from casebook.accounts.selectors import scope_to_user_teams
from clients.models import Case, CaseEvent, Client
from clients.selectors import case_events

from .models import Interaction


def case_timeline(case: Case, *, limit: int | None = None) -> list[CaseEvent]:
    """The case's events, newest first (the `limit` newest when given), targets loaded.

    A query for the events plus one per kind of target, whatever the size of the case
    (content types are cached after the first request). Each interaction also gets
    `corrected_by`: the later entries shown here that correct it, so both read as one story.
    """
    events = case_events(case).prefetch_related("target")
    events = list(events[:limit] if limit is not None else events)
    corrections: dict[int, list[Interaction]] = defaultdict(list)
    for event in events:
        target = event.target
        if isinstance(target, Interaction) and target.corrects_id:
            corrections[target.corrects_id].append(target)
    for event in events:
        if isinstance(event.target, Interaction):
            event.target.corrected_by = corrections.get(event.target.pk, [])
    return events


def interactions_for_client(client: Client) -> QuerySet[Interaction]:
    """All contacts with a client across their cases, newest first."""
    return Interaction.objects.filter(client=client).select_related("case", "logged_by").order_by("-occurred_at", "-id")


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
