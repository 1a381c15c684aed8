"""Reads for the live chat, with team scope applied."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_manager
from accounts.selectors import scope_to_user_teams, staff_of_team
from playbooks.phrasing import check_phrasing

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


def open_chat_on_case() -> Subquery:
    """An annotation for cases: the id of the case's open chat (the newest), or None. The
    case page reads it with the case, in the same query (no query of its own)."""
    chats = Chat.objects.filter(case=OuterRef("pk"), status__in=OPEN_CHAT_STATUSES).order_by("-started_at", "-pk")
    return Subquery(chats.values("pk")[:1])


def hand_over_choices(chat: Chat) -> list[tuple[int, str]]:
    """Whom a chat can go to: the active members of its team but its agent, managers
    marked, in name order."""
    members = staff_of_team(chat.team).exclude(pk=chat.agent_id).prefetch_related("groups__permissions")
    choices = []
    for member in sorted(members, key=str):
        label = _("%(name)s (manager)") % {"name": member} if is_manager(member) else str(member)
        choices.append((member.pk, label))
    return choices


# A head-on objection: where "agree, then object" reads better.
_OBJECTION = re.compile(r"\b(?:but|however|actually)\b|^\s*no\b", re.IGNORECASE)


def message_advice(text: str) -> dict:
    """The coach on an agent's message before it goes out: each inflaming phrase with a
    gentler wording (the phrasing check of notes to clients), and whether to suggest
    "agree, then object". `flagged`: the message needs a second, deliberate send."""
    warnings = [
        {"phrase": w.phrase, "why": str(w.why), "suggestion": str(w.suggestion)} for w in check_phrasing(text or "")
    ]
    agree = ""
    if warnings or _OBJECTION.search(text or ""):
        agree = _(
            "Agree first with what is reasonable, then say what you see differently: "
            "“I agree that …, and at the same time …”."
        )
    return {"flagged": bool(warnings), "warnings": warnings, "agree": agree}
