"""Live chat: every state change of a chat. The consumers, views and commands call these.

The path of a chat:
1. `chat_start`: the client gives a name and email (or comes from a signed link in one of
   our emails, `chat_link_token`); they are matched to the team's client with that email,
   or a new client is made, and the chat goes on their open case (or a new one). It waits
   for an agent. The client's socket is opened with `chat_token`.
2. `chat_post`: each message is stored before anyone is told about it, numbered in the
   chat (`seq`) under the chat's row lock, once per sender's own id, so a resend after a
   lost acknowledgement returns the stored message instead of storing it twice.
3. `chat_take` / `chat_hand_over`: an agent of the team takes it; it can be handed to a
   colleague or a manager of the same team.
4. `chat_close`: no more messages; the transcript becomes one chat contact on the case,
   written once however often the chat is closed.
"""

import time
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.roles import is_manager
from accounts.selectors import hostile_phrases_of, team_settings
from accounts.services import notice_send
from clients.models import OPEN_STATUSES, Case, Client
from clients.services import boundary_warning_give, case_open, client_create, require_member
from escalations.models import Escalation, EscalationReason
from escalations.rules import abusive_contact_key
from escalations.services import case_escalate
from interactions.models import Channel, Interaction, Mood
from interactions.mood import suggest_mood
from interactions.services import interaction_receive

from .models import Chat, ChatMessage, ChatStatus, Side, TeamChat
from .selectors import message_advice

_TOKEN_SALT = "casebook.chat.client"
_LINK_SALT = "casebook.chat.link"
# Mood order, for the transcript's mood: the worst any client message had.
_MOOD_RANK = [Mood.CALM, Mood.FRUSTRATED, Mood.ANGRY, Mood.ABUSIVE]
MAX_CLIENT_MESSAGE_ID = 64


# --- Tokens ------------------------------------------------------------------------------


def chat_token(chat: Chat) -> str:
    """The client's key to their chat's socket: signed, and valid CASEBOOK_CHAT_TOKEN_MAX_AGE."""
    return signing.TimestampSigner(salt=_TOKEN_SALT).sign_object({"chat": chat.pk})


def chat_from_token(token: str) -> Chat:
    """The chat a client token opens; a forged, altered or expired token is refused."""
    try:
        data = signing.TimestampSigner(salt=_TOKEN_SALT).unsign_object(
            token, max_age=settings.CASEBOOK_CHAT_TOKEN_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError(_("This chat has expired. Start a new one.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This chat link is not valid.")) from None
    chat = Chat.objects.select_related("team", "client", "case").filter(pk=data.get("chat")).first()
    if chat is None:
        raise ValidationError(_("This chat link is not valid."))
    return chat


def chat_link_token(client: Client) -> str:
    """A "chat with us" link's key for our emails: it knows the client and their team, so
    they need not introduce themselves. Valid CASEBOOK_CHAT_LINK_MAX_AGE."""
    return signing.TimestampSigner(salt=_LINK_SALT).sign_object({"client": client.pk, "team": client.team_id})


def client_from_link_token(token: str) -> Client:
    """The client a chat link from one of our emails was made for (refused when forged or old)."""
    try:
        data = signing.TimestampSigner(salt=_LINK_SALT).unsign_object(
            token, max_age=settings.CASEBOOK_CHAT_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError(_("This chat link has expired. Write to us by email instead.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This chat link is not valid.")) from None
    client = Client.objects.select_related("team").filter(pk=data.get("client"), team_id=data.get("team")).first()
    if client is None:
        raise ValidationError(_("This chat link is not valid."))
    return client


# --- Starting ----------------------------------------------------------------------------


def _chat_settings(team: Team) -> TeamChat:
    found = TeamChat.objects.select_related("owner").filter(team=team).first()
    if found is None:
        raise ValidationError(_("This team does not offer live chat."))
    return found


def _case_for_chat(client: Client, setup: TeamChat, name: str) -> Case:
    """The client's open case most recently worked, or a new one: owned by whoever had the
    client's last case if still in the team, else by the team's chat owner."""
    open_case = (
        Case.objects.filter(client=client, status__in=OPEN_STATUSES).order_by("-last_activity_at", "-pk").first()
    )
    if open_case is not None:
        return open_case
    owner = setup.owner
    last = client.cases.select_related("owner").order_by("-last_activity_at").first()
    if last is not None and last.owner.is_active and last.owner.teams.filter(pk=client.team_id).exists():
        owner = last.owner
    title = _("Live chat with %(name)s") % {"name": name}
    return case_open(actor=None, client=client, title=title[:200], owner=owner)


@transaction.atomic
def chat_start(*, team: Team, name: str = "", email: str = "", origin: str = "", client: Client | None = None) -> Chat:
    """A client opens a chat with `team`; it waits for an agent.

    The client is `client` (known from a signed link), else the team's client with this
    email (the one worked most recently), else a new client. The chat goes on their open
    case, or a new one. The case's owner is told.
    """
    setup = _chat_settings(team)
    if client is not None:
        if client.team_id != team.pk:
            raise ValidationError(_("This chat link is not valid."))
        name, email = name or client.name, email or client.email
    name = " ".join(name.split())[:200]
    email = email.strip()[:320]
    errors = {}
    if not name:
        errors["name"] = _("Tell us your name.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Give an email address we can answer you at, such as name@example.com.")
    if errors:
        raise ValidationError(errors)
    if client is None:
        client = Client.objects.filter(team=team, email__iexact=email).order_by(
            "-updated_at", "-pk"
        ).first() or client_create(actor=None, team=team, name=name, email=email)
    case = _case_for_chat(client, setup, name)
    chat = Chat(
        team=team,
        client=client,
        case=case,
        status=ChatStatus.WAITING,
        started_at=timezone.now(),
        name=name,
        email=email,
        origin=origin[:500],
    )
    chat.full_clean(exclude=["team", "client", "case"])
    chat.save()
    notice_send(
        user=case.owner,
        message=_("%(name)s started a live chat on “%(case)s”") % {"name": name, "case": case.title},
        url=case.get_absolute_url(),
    )
    return chat


# --- Messages ----------------------------------------------------------------------------


def _rate_limit(chat: Chat, side: str) -> None:
    """At most CASEBOOK_CHAT_RATE_MESSAGES per CASEBOOK_CHAT_RATE_SECONDS from one side of a
    chat, counted in the cache (Redis in production, shared by every ASGI process). The
    chat's start time is in the key: ids restart with a new database, the cache may not."""
    seconds = settings.CASEBOOK_CHAT_RATE_SECONDS
    window = int(time.time() // seconds)
    key = f"chat:rate:{chat.pk}:{chat.started_at.timestamp():.6f}:{side}:{window}"
    cache.add(key, 0, timeout=seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds * 2)
        count = 1
    if count > settings.CASEBOOK_CHAT_RATE_MESSAGES:
        raise ValidationError(
            _("You are sending messages too fast. Wait a few seconds, then send it again."), code="too_fast"
        )


def _check_text(text: str) -> str:
    if not text.strip():
        raise ValidationError(_("The message is empty."), code="empty")
    if len(text) > settings.CASEBOOK_CHAT_MAX_CHARS:
        raise ValidationError(
            _("The message is too long: %(count)s characters, at most %(limit)s. Split it in two.")
            % {"count": len(text), "limit": settings.CASEBOOK_CHAT_MAX_CHARS},
            code="too_long",
        )
    return text


def _append(chat: Chat, *, sender: str, client_message_id: str, text: str, author=None, mood="") -> ChatMessage:
    """Store the chat's next message (call with the chat's row locked)."""
    chat.last_seq += 1
    chat.save(update_fields=["last_seq"])
    return ChatMessage.objects.create(
        chat=chat,
        seq=chat.last_seq,
        sender=sender,
        client_message_id=client_message_id,
        author=author,
        text=text,
        created_at=timezone.now(),
        mood_suggested=mood,
    )


def _system_id(what: str) -> str:
    return f"{what}-{time.time_ns()}"


def _locked(chat: Chat) -> Chat:
    """The chat re-read under its row lock: one change at a time, and each message's number
    is the one after the last. (SQLite has no row locks; its IMMEDIATE transactions take
    the database's write lock at the start, which serialises the same way.)"""
    return Chat.objects.select_for_update(of=("self",)).select_related("team", "agent").get(pk=chat.pk)


class AdviceFirst(ValidationError):
    """An agent's message with an inflaming phrase, sent without `confirmed`: not stored.
    `advice` is what the coach says (chat.selectors.message_advice)."""

    def __init__(self, advice: dict):
        super().__init__(_("Reconsider the wording first, or send it anyway."), code="advice")
        self.advice = advice


def chat_post(
    *,
    chat: Chat,
    side: str,
    client_message_id: str,
    text: str,
    author: User | None = None,
    confirmed: bool = False,
) -> tuple[ChatMessage, bool]:
    """Store a message from the client or the agent; returns (message, created).

    Stored once per (side, `client_message_id`): a resend returns the stored message with
    `created` False, whatever its text, even after the chat was closed. Refused (with a
    ValidationError saying why): a closed chat, an empty or too long text, more messages
    than the rate limit allows, and an agent who is not the one the chat is with. An
    agent's message with an inflaming phrase is stored only when `confirmed` (the agent saw
    the coach's warning and sends it anyway); else AdviceFirst, so a page that never showed
    the warning (an old one, a script) cannot skip it.
    """
    if side not in (Side.CLIENT, Side.AGENT):
        raise ValueError(f"chat_post(): unknown side {side!r}")
    client_message_id = str(client_message_id or "")
    if not 0 < len(client_message_id) <= MAX_CLIENT_MESSAGE_ID:
        raise ValidationError(_("Each message needs its own id (1 to 64 characters)."), code="bad_id")
    stored = ChatMessage.objects.filter(chat=chat, sender=side, client_message_id=client_message_id).first()
    if stored is not None:
        return stored, False
    _check_text(text)
    if side == Side.AGENT and author is None:
        raise ValueError("chat_post(): an agent's message needs its author")
    if side == Side.AGENT and not confirmed:
        advice = message_advice(text)
        if advice["flagged"]:
            raise AdviceFirst(advice)
    mood = ""
    if side == Side.CLIENT:
        mood = suggest_mood(text, hostile_phrases=hostile_phrases_of(team_settings(chat.team)))
    _rate_limit(chat, side)
    with transaction.atomic():
        chat = _locked(chat)
        # A resend that arrived while the first copy was being stored.
        stored = ChatMessage.objects.filter(chat=chat, sender=side, client_message_id=client_message_id).first()
        if stored is not None:
            return stored, False
        if chat.is_closed:
            raise ValidationError(_("This chat is closed: the message was not sent."), code="closed")
        if side == Side.AGENT and chat.agent_id != author.pk:
            if chat.agent_id is None:
                raise ValidationError(_("Take the chat before answering."), code="not_taken")
            raise ValidationError(
                _("This chat is with %(agent)s: ask them to hand it over.") % {"agent": chat.agent}, code="not_yours"
            )
        message = _append(
            chat,
            sender=side,
            client_message_id=client_message_id,
            text=text,
            author=author if side == Side.AGENT else None,
            mood=mood,
        )
    return message, True


# --- Agents ------------------------------------------------------------------------------


@transaction.atomic
def chat_take(*, chat: Chat, agent: User) -> tuple[Chat, ChatMessage | None]:
    """An agent of the chat's team takes a waiting chat; returns (chat, the system message
    telling the client, None when the agent already had it)."""
    chat = _locked(chat)
    require_member(agent, chat.team, _("You can only take chats of your own teams."))
    if chat.is_closed:
        raise ValidationError(_("This chat is closed."))
    if chat.agent_id == agent.pk:
        return chat, None
    if chat.agent_id is not None:
        raise ValidationError(_("%(agent)s has taken this chat already.") % {"agent": chat.agent})
    chat.agent = agent
    chat.status = ChatStatus.ACTIVE
    chat.save(update_fields=["agent", "status"])
    text = _("%(agent)s has joined the chat.") % {"agent": agent}
    return chat, _append(chat, sender=Side.SYSTEM, client_message_id=_system_id("take"), text=text, author=agent)


@transaction.atomic
def chat_hand_over(*, chat: Chat, actor: User, to_user: User) -> tuple[Chat, ChatMessage]:
    """The chat's agent (or a manager of its team) hands it to a colleague or a manager of
    the same team; the colleague is told. Returns (chat, the system message for the client)."""
    chat = _locked(chat)
    if chat.is_closed:
        raise ValidationError(_("This chat is closed."))
    if chat.agent_id != actor.pk and not (is_manager(actor) and _member(actor, chat.team)):
        raise ValidationError(_("Only the agent of this chat or a manager of its team can hand it over."))
    if not to_user.is_active or not to_user.teams.filter(pk=chat.team_id).exists():
        raise ValidationError({"to_user": _("%(user)s is not in the chat's team.") % {"user": to_user}})
    if to_user.pk == chat.agent_id:
        raise ValidationError({"to_user": _("%(user)s has this chat already.") % {"user": to_user}})
    chat.agent = to_user
    chat.status = ChatStatus.ACTIVE
    chat.save(update_fields=["agent", "status"])
    notice_send(
        user=to_user,
        message=_("%(actor)s handed you a live chat with %(name)s") % {"actor": actor, "name": chat.name},
        url=chat.case.get_absolute_url(),
    )
    text = _("%(agent)s has taken over the chat.") % {"agent": to_user}
    return chat, _append(chat, sender=Side.SYSTEM, client_message_id=_system_id("hand-over"), text=text, author=actor)


def _member(user: User, team: Team) -> bool:
    return user.is_superuser or user.teams.filter(pk=team.pk).exists()


def _when(at: datetime, zone) -> str:
    return timezone.localtime(at, zone).strftime("%H:%M")


def transcript_text(chat: Chat, messages: list[ChatMessage]) -> str:
    """The chat as the case's contact shows it: who said what, and when (team time)."""
    zone = zoneinfo.ZoneInfo(team_settings(chat.team).time_zone)
    lines = [
        _("Live chat with %(name)s <%(email)s>, %(start)s to %(end)s.")
        % {
            "name": chat.name,
            "email": chat.email,
            "start": timezone.localtime(chat.started_at, zone).strftime("%Y-%m-%d %H:%M"),
            "end": _when(chat.closed_at or timezone.now(), zone),
        }
    ]
    for message in messages:
        if message.sender == Side.CLIENT:
            who = chat.name
        elif message.sender == Side.AGENT:
            who = str(message.author)
        else:
            who = _("Casebook")
        lines.append(f"[{_when(message.created_at, zone)}] {who}: {message.text}")
    if len(lines) == 1:
        lines.append(_("(Nobody wrote anything.)"))
    return "\n".join(lines)


@transaction.atomic
def chat_close(*, chat: Chat, actor: User | None) -> tuple[Chat, ChatMessage | None]:
    """End the chat: nothing more can be written, and the transcript becomes one chat
    contact from the client on the case, with the worst mood suggested for any of the
    client's messages. `actor` None: the client ended it. Closing a closed chat changes
    nothing (returns (chat, None)); the transcript is written once."""
    chat = _locked(chat)
    if actor is not None:
        require_member(actor, chat.team, _("You can only close chats of your own teams."))
    if chat.is_closed:
        return chat, None
    chat.status = ChatStatus.CLOSED
    chat.closed_at = timezone.now()
    text = _("%(who)s has ended the chat.") % {"who": actor or chat.name}
    closing = _append(chat, sender=Side.SYSTEM, client_message_id=_system_id("close"), text=text, author=actor)
    messages = list(chat.messages.select_related("author").order_by("seq"))
    moods = [m.mood_suggested for m in messages if m.sender == Side.CLIENT and m.mood_suggested in _MOOD_RANK]
    mood = max(moods, key=_MOOD_RANK.index, default=Mood.CALM)
    case = Case.objects.select_related("client", "owner", "team").get(pk=chat.case_id)
    interaction: Interaction = interaction_receive(
        case=case,
        channel=Channel.CHAT,
        mood=mood,
        summary=transcript_text(chat, messages),
        occurred_at=chat.started_at,
    )
    chat.interaction = interaction
    chat.save(update_fields=["status", "closed_at", "interaction"])
    return chat, closing


@transaction.atomic
def chat_end_for_abuse(*, chat: Chat, actor: User) -> tuple[Chat, ChatMessage | None, Escalation]:
    """The end of the boundary protocol: the client stayed abusive after the boundary
    message. The warning is recorded on the case (as the case page's "boundary warning"
    does), the chat ends (its transcript lands on the case, as `chat_close`) and the case
    goes to a manager for abuse. One escalation however it comes: an abusive transcript
    escalates by itself (the abuse rule, under the contact's cause), and this asks under
    that same cause. Only the chat's agent or a manager of its team; returns (chat, the
    closing message, the escalation)."""
    chat = _locked(chat)
    if chat.agent_id != actor.pk and not (is_manager(actor) and _member(actor, chat.team)):
        raise ValidationError(_("Only the agent of this chat or a manager of its team can end it for abuse."))
    if chat.is_closed:
        raise ValidationError(_("This chat is closed."))
    case = Case.objects.select_related("team").get(pk=chat.case_id)
    if case.is_open:
        boundary_warning_give(actor=actor, case=case, note=_("Boundary set in a live chat, which was then ended."))
    chat, closing = chat_close(chat=chat, actor=actor)
    case.refresh_from_db(fields=["status", "last_activity_at"])
    escalation = case_escalate(
        case=case,
        reason=EscalationReason.ABUSIVE_CLIENT,
        note=_("The client was abusive in a live chat: the agent set a boundary, then ended the chat."),
        actor=actor,
        cause_key=abusive_contact_key(chat.interaction),
    )
    return chat, closing, escalation
