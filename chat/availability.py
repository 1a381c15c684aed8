"""Agents' availability for live chat, and whether a team offers a chat right now.

An agent says "Available for chat" or "Away" (`availability_set`); while their page is
open it tells us every minute that they are still there (`availability_seen`). A team
offers a live chat while at least one of its active agents is available and was seen
within CASEBOOK_CHAT_AWAY_AFTER_SECONDS (`chat_available`): a closed laptop turns into
"away" by itself. Otherwise the start page offers a message form instead.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User

from .models import ChatAvailability


def _away_before():
    return timezone.now() - timedelta(seconds=settings.CASEBOOK_CHAT_AWAY_AFTER_SECONDS)


@transaction.atomic
def availability_set(*, user: User, available: bool) -> ChatAvailability:
    """The agent takes chats now (`available`) or not; either way they were seen now."""
    row, _created = ChatAvailability.objects.select_for_update().get_or_create(user=user)
    row.available = available
    row.seen_at = timezone.now()
    row.save(update_fields=["available", "seen_at"])
    return row


@transaction.atomic
def availability_seen(*, user: User) -> ChatAvailability:
    """The agent's page is still open: they stay available as long as they said so."""
    row, _created = ChatAvailability.objects.get_or_create(user=user)
    ChatAvailability.objects.filter(pk=row.pk).update(seen_at=timezone.now())
    row.refresh_from_db(fields=["seen_at"])
    return row


def availability_of(user: User) -> bool:
    """Whether the agent counts as available now (said so, and seen lately)."""
    return ChatAvailability.objects.filter(user=user, available=True, seen_at__gte=_away_before()).exists()


def chat_available(team: Team) -> bool:
    """Whether an active member of `team` is available for chat and was seen lately."""
    return ChatAvailability.objects.filter(
        available=True, seen_at__gte=_away_before(), user__is_active=True, user__teams=team
    ).exists()
