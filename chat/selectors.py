"""Reads for the live chat, with team scope applied."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import scope_to_user_teams

from .models import OPEN_CHAT_STATUSES, Chat, ChatMessage, ChatStatus, TeamChat

QUEUES = ("waiting", "mine", "team")


def messages_after(chat: Chat, seq: int) -> QuerySet[ChatMessage]:
    """The chat's messages numbered after `seq`, in order: what a side that reconnects missed."""
    return ChatMessage.objects.filter(chat=chat, seq__gt=seq).select_related("author").order_by("seq")


def chats_for_user(user: User, which: str) -> QuerySet[Chat]:
    """The chats queue, oldest first: "waiting" for an agent, "mine" (the user's open
    chats), or the whole "team"'s open chats; only the user's teams' chats."""
    chats = scope_to_user_teams(Chat.objects.select_related("client", "case", "agent"), user)
    if which == "waiting":
        chats = chats.filter(status=ChatStatus.WAITING)
    elif which == "mine":
        chats = chats.filter(status=ChatStatus.ACTIVE, agent=user)
    elif which == "team":
        chats = chats.filter(status__in=OPEN_CHAT_STATUSES)
    else:
        raise ValueError(f"chats_for_user(): unknown queue {which!r}")
    return chats.order_by("started_at", "pk")


def get_chat_for_user(user: User, pk: int) -> Chat:
    """One chat of the user's teams; 404 for any other."""
    chats = scope_to_user_teams(Chat.objects.select_related("team", "client", "case", "agent"), user)
    return get_object_or_404(chats, pk=pk)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def origin_allowed(chat: Chat, origin: str) -> bool:
    """Whether a page from `origin` may open the client's side of `chat`: Casebook's own
    site, or one of the websites the chat's team allows."""
    origin = origin.strip().rstrip("/").lower()
    if not origin:
        return False
    if origin == _origin_of(settings.CASEBOOK_BASE_URL):
        return True
    setup = TeamChat.objects.filter(team_id=chat.team_id).only("allowed_origins").first()
    return setup is not None and origin in setup.origins()
