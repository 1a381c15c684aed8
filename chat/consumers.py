"""The chat's websockets: parse a frame, check who may, call a service, send the answer.

Protocol (JSON frames):
- either side sends `{"type": "send", "id": "<its own id>", "text": "..."}`; the message is
  stored (chat_post) and the sender gets `{"type": "ack", "id": ..., "seq": N}`. A new
  message then reaches both sides as
  `{"type": "message", "seq": N, "id": ..., "side": "client|agent|system", "author": ...,
  "text": ..., "at": "<ISO time>"}`; a resend of a stored message is acknowledged again
  and not delivered twice.
- `{"type": "resume", "after": N}` answers with every stored message numbered after N, in
  order: a side that reconnects sends it first. It may see a message twice (delivered live
  while resuming): the page keeps each seq once.
- the agent's side also sends `{"type": "take"}`, `{"type": "close"}` and
  `{"type": "end_abuse"}` (the boundary protocol's end: the chat closes and the case goes
  to a manager); a closed chat is announced to both sides as `{"type": "closed"}`.
- the coach, agents only: `{"type": "check", "text": ...}` as the agent types is answered
  `{"type": "advice", "id": null, "text": ..., "flagged": bool, "warnings": [{"phrase",
  "why", "suggestion"}], "agree": "..."}`. An agent's `send` with an inflaming phrase and
  without `"confirmed": true` is answered with that advice (with the send's id) and is not
  stored: the page shows the warning and the agent sends it again, confirmed, or rewrites.
- a hand-over (from the chat's page) reaches the agents' sockets as `{"type": "handed",
  "agent": ...}` (the client sees the system message only).
- a refusal is `{"type": "error", "id": ..., "message": "..."}` (closed chat, too long,
  too fast, ...).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from .delivery import group_name, message_payload
from .models import Chat, Side
from .selectors import get_chat_for_user, message_advice, messages_after, origin_allowed
from .services import AdviceFirst, chat_close, chat_end_for_abuse, chat_from_token, chat_post, chat_take

# Close codes sent before accepting, so a page can tell why it was turned away.
REFUSED = 4403
NOT_FOUND = 4404
# An agent's socket needs what logging a contact needs: the chat ends as one.
AGENT_PERMISSION = "interactions.add_interaction"


def in_pool(method):
    """Run a consumer's database work in the default thread pool, not on Channels' one
    thread for synchronous code: every socket of the process shares that thread, so with a
    few hundred chats each message would wait for all the others to be stored. Services are
    transactional and each thread has its own database connection, so they may run side by
    side; a message's number is still given under its chat's row lock (chat_post)."""
    return database_sync_to_async(method, thread_sensitive=False)


def _error(request_id, error: ValidationError) -> dict:
    return {"type": "error", "id": request_id, "message": " ".join(error.messages)}


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both sides share; `side` and `open_chat` are each side's own."""

    side: str = ""
    chat: Chat | None = None

    async def open_chat(self) -> tuple[Chat | None, int]:
        raise NotImplementedError

    async def connect(self) -> None:
        self.chat, refusal = await self.open_chat()
        if self.chat is None:
            await self.close(code=refusal)
            return
        self.group = group_name(self.chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code) -> None:
        if self.chat is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        # A frame that is not JSON is answered as an unknown request, not with a dropped socket.
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return {}

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            content = {}
        kind = content.get("type")
        if kind == "send":
            await self.send_message(content)
        elif kind == "resume":
            await self.resume(content)
        elif kind in self.extra_requests:
            await getattr(self, f"request_{kind}")(content)
        else:
            await self.send_json({"type": "error", "id": content.get("id"), "message": "Unknown request."})

    extra_requests: tuple[str, ...] = ()

    async def send_message(self, content: dict) -> None:
        request_id, text = content.get("id"), content.get("text")
        if not isinstance(request_id, str | int) or not isinstance(text, str):
            await self.send_json({"type": "error", "id": request_id, "message": "A message needs an id and a text."})
            return
        try:
            payload, created = await self._post(str(request_id), text, content.get("confirmed") is True)
        except AdviceFirst as advice:
            await self.send_json({"type": "advice", "id": request_id, "text": text, **advice.advice})
            return
        except ValidationError as error:
            await self.send_json(_error(request_id, error))
            return
        await self.send_json({"type": "ack", "id": request_id, "seq": payload["seq"]})
        if created:
            await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": payload})

    @in_pool
    def _post(self, request_id: str, text: str, confirmed: bool) -> tuple[dict, bool]:
        author = self.scope["user"] if self.side == Side.AGENT else None
        message, created = chat_post(
            chat=self.chat, side=self.side, client_message_id=request_id, text=text, author=author, confirmed=confirmed
        )
        return message_payload(self.chat, message), created

    async def resume(self, content: dict) -> None:
        after = content.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            await self.send_json({"type": "error", "id": None, "message": "Resume after a message number (0 or more)."})
            return
        for payload in await self._missed(after):
            await self.send_json(self.for_this_side(payload))

    @in_pool
    def _missed(self, after: int) -> list[dict]:
        return [message_payload(self.chat, message) for message in messages_after(self.chat, after)]

    def for_this_side(self, payload: dict) -> dict:
        return payload

    # Group events, sent by either side's consumer in whichever process it runs.
    async def chat_message(self, event) -> None:
        await self.send_json(self.for_this_side(event["message"]))

    async def chat_closed(self, event) -> None:
        await self.send_json({"type": "closed"})

    async def chat_handed(self, event) -> None:
        # Who works the chat is the agents' business; the client has the system message.
        if self.side == Side.AGENT:
            await self.send_json({"type": "handed", "agent": event["agent"], "agent_id": event["agent_id"]})


class ClientChatConsumer(ChatConsumer):
    """The client's side, opened with the token chat_start gave, from an allowed website."""

    side = Side.CLIENT

    async def open_chat(self) -> tuple[Chat | None, int]:
        headers = dict(self.scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode("latin-1")
        return await self._chat_for(self.scope["url_route"]["kwargs"]["token"], origin)

    @database_sync_to_async
    def _chat_for(self, token: str, origin: str) -> tuple[Chat | None, int]:
        try:
            chat = chat_from_token(token)
        except ValidationError:
            return None, NOT_FOUND
        if not origin_allowed(chat, origin):
            return None, REFUSED
        return chat, 0

    def for_this_side(self, payload: dict) -> dict:
        # The suggested mood is the agent's business, never shown to the client.
        return {name: value for name, value in payload.items() if name != "mood"}


class AgentChatConsumer(ChatConsumer):
    """The agent's side: a signed-in member of the chat's team (else refused, as a page's 404)."""

    side = Side.AGENT
    extra_requests = ("take", "close", "end_abuse", "check")

    async def open_chat(self) -> tuple[Chat | None, int]:
        return await self._chat_for(self.scope["url_route"]["kwargs"]["chat_id"])

    @database_sync_to_async
    def _chat_for(self, chat_id: int) -> tuple[Chat | None, int]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            return None, REFUSED
        if not user.has_perm(AGENT_PERMISSION):
            return None, REFUSED
        try:
            return get_chat_for_user(user, chat_id), 0
        except Http404:
            return None, NOT_FOUND

    async def run_and_announce(self, content: dict, work, *, closes: bool = False) -> None:
        """Do a request's database `work`, then tell both sides: its system message, if it
        made one, and that the chat ended when it `closes` it. A refusal goes to this side."""
        try:
            payload = await work()
        except ValidationError as error:
            await self.send_json(_error(content.get("id"), error))
            return
        if payload is not None:
            await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": payload})
        if closes:
            await self.channel_layer.group_send(self.group, {"type": "chat.closed"})

    async def request_take(self, content: dict) -> None:
        await self.run_and_announce(content, self._take)

    @database_sync_to_async
    def _take(self) -> dict | None:
        self.chat, joined = chat_take(chat=self.chat, agent=self.scope["user"])
        return message_payload(self.chat, joined) if joined is not None else None

    async def request_close(self, content: dict) -> None:
        await self.run_and_announce(content, self._close, closes=True)

    @database_sync_to_async
    def _close(self) -> dict | None:
        self.chat, closing = chat_close(chat=self.chat, actor=self.scope["user"])
        return message_payload(self.chat, closing) if closing is not None else None

    async def request_end_abuse(self, content: dict) -> None:
        await self.run_and_announce(content, self._end_abuse, closes=True)

    @database_sync_to_async
    def _end_abuse(self) -> dict | None:
        self.chat, closing, _escalation = chat_end_for_abuse(chat=self.chat, actor=self.scope["user"])
        return message_payload(self.chat, closing) if closing is not None else None

    async def request_check(self, content: dict) -> None:
        # Pure text work, no database: answered in the socket's own task.
        text = content.get("text")
        if not isinstance(text, str) or len(text) > settings.CASEBOOK_CHAT_MAX_CHARS:
            await self.send_json({"type": "error", "id": None, "message": "A check needs a text (not too long)."})
            return
        await self.send_json({"type": "advice", "id": None, "text": text, **message_advice(text)})
