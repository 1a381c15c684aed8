"""The chat's websockets through the project's ASGI application (routes, origin checks,
sessions), with Channels' communicator, on the in-memory channel layer and on Redis.

Each test is a plain function running its async part with `async_to_sync`. The consumers'
database calls close the connection they used (as in production), which a test's enclosing
transaction would not survive: these tests commit for real (transactional_db).
"""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from casebook.asgi import application
from chat.models import ChatMessage, ChatStatus, Side
from chat.services import chat_post, chat_take, chat_token
from core.testing import require_redis
from interactions.models import Channel, Interaction

from .conftest import SITE

OWN_SITE = "http://127.0.0.1:8000"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    """Every test runs on both channel layers; the Redis one skips (or fails under
    CASEBOOK_REQUIRE_SERVICES=1) when Redis is missing."""
    settings.CASEBOOK_BASE_URL = OWN_SITE
    if request.param == "memory":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        url = require_redis()
        # A prefix of this test's own: Redis outlives the test database, whose ids restart.
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": f"test-{uuid.uuid4().hex}"},
            }
        }
    return request.param


def _session_cookie(_client, user) -> bytes:
    """A signed-in session of `user`'s own (a browser of theirs)."""
    client = Client()
    client.force_login(user)
    return f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}".encode()


def client_socket(chat, *, origin=SITE, token=None) -> WebsocketCommunicator:
    path = f"/ws/chat/client/{token or chat_token(chat)}/"
    return WebsocketCommunicator(application, path, headers=[(b"origin", origin.encode())])


def agent_socket(chat_id, cookie: bytes | None, *, origin=OWN_SITE) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/chat/agent/{chat_id}/", headers=headers)


async def _connected(socket: WebsocketCommunicator) -> WebsocketCommunicator:
    connected, code = await socket.connect()
    assert connected, f"refused with {code}"
    return socket


async def _refused(socket: WebsocketCommunicator) -> int | None:
    connected, code = await socket.connect()
    assert not connected
    return code


async def _until(socket: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of `kind` (system messages such as "joined" may come first)."""
    for _ in range(10):
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_client_message_is_acknowledged_and_reaches_the_agent(layer, chat, agent, client):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        await visitor.send_json_to({"type": "send", "id": "c-1", "text": "You are idiots, my oven <b>burns</b>"})
        ack = await visitor.receive_json_from(timeout=5)
        to_agent = await staff.receive_json_from(timeout=5)
        to_client = await visitor.receive_json_from(timeout=5)
        await staff.send_json_to({"type": "send", "id": "a-1", "text": "I am sorry to hear that."})
        agent_ack = await staff.receive_json_from(timeout=5)
        answer = await visitor.receive_json_from(timeout=5)
        await visitor.disconnect()
        await staff.disconnect()
        return ack, to_agent, to_client, agent_ack, answer

    ack, to_agent, to_client, agent_ack, answer = async_to_sync(scenario)()

    assert ack == {"type": "ack", "id": "c-1", "seq": 2}
    assert to_agent["type"] == "message" and to_agent["seq"] == 2 and to_agent["side"] == "client"
    assert (to_agent["id"], to_agent["author"]) == ("c-1", "Greta Holm")
    assert to_agent["text"] == "You are idiots, my oven <b>burns</b>"  # as written: pages escape it
    assert to_agent["mood"] == "abusive"
    assert "mood" not in to_client and to_client["seq"] == 2
    assert agent_ack == {"type": "ack", "id": "a-1", "seq": 3}
    assert (answer["side"], answer["author"], answer["text"]) == ("agent", str(agent), "I am sorry to hear that.")


def test_resent_message_is_acknowledged_again_and_stored_and_delivered_once(layer, chat, agent, client):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        frame = {"type": "send", "id": "c-1", "text": "Hello"}
        await visitor.send_json_to(frame)
        first = await _until(visitor, "ack")
        await visitor.send_json_to(frame)
        second = await _until(visitor, "ack")
        delivered = await staff.receive_json_from(timeout=5)
        nothing_more = await staff.receive_nothing(timeout=0.5)
        await visitor.disconnect()
        await staff.disconnect()
        return first, second, delivered, nothing_more

    first, second, delivered, nothing_more = async_to_sync(scenario)()

    assert first == second == {"type": "ack", "id": "c-1", "seq": 2}
    assert delivered["seq"] == 2 and nothing_more
    assert ChatMessage.objects.filter(chat=chat, sender=Side.CLIENT).count() == 1


def test_resume_sends_exactly_the_missed_messages_in_order(layer, chat, agent, client):
    chat_take(chat=chat, agent=agent)  # 1
    for n in range(2, 6):  # 2 .. 5
        chat_post(chat=chat, side=Side.AGENT, client_message_id=f"a{n}", text=f"answer {n}", author=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        await visitor.send_json_to({"type": "resume", "after": 2})
        missed = [await visitor.receive_json_from(timeout=5) for _ in range(3)]
        quiet = await visitor.receive_nothing(timeout=0.5)
        staff = await _connected(agent_socket(chat.pk, cookie))
        await staff.send_json_to({"type": "resume", "after": 0})
        everything = [await staff.receive_json_from(timeout=5) for _ in range(5)]
        await visitor.disconnect()
        await staff.disconnect()
        return missed, quiet, everything

    missed, quiet, everything = async_to_sync(scenario)()

    assert [(m["seq"], m["text"]) for m in missed] == [(3, "answer 3"), (4, "answer 4"), (5, "answer 5")]
    assert quiet
    assert [m["seq"] for m in everything] == [1, 2, 3, 4, 5]
    assert everything[0]["side"] == "system"


def test_agent_outside_the_team_anonymous_and_foreign_pages_are_refused(layer, chat, outsider, agent, client):
    outsider_cookie = _session_cookie(client, outsider)
    agent_cookie = _session_cookie(client, agent)

    async def scenario():
        return (
            await _refused(agent_socket(chat.pk, outsider_cookie)),
            await _refused(agent_socket(chat.pk, None)),
            await _refused(agent_socket(chat.pk + 1000, agent_cookie)),
            # Another website's page cannot ride on the agent's session.
            await _refused(agent_socket(chat.pk, agent_cookie, origin="https://evil.example")),
        )

    outsider_code, anonymous_code, missing_code, foreign_code = async_to_sync(scenario)()

    assert (outsider_code, anonymous_code, missing_code) == (4404, 4403, 4404)
    assert foreign_code is not None


def test_client_socket_needs_a_valid_token_and_an_allowed_origin(layer, chat):
    async def scenario():
        refusals = (
            await _refused(client_socket(chat, origin="https://evil.example")),
            await _refused(client_socket(chat, origin="")),
            await _refused(client_socket(chat, token=chat_token(chat)[:-3] + "abc")),
        )
        for origin in ("https://shop.example:8443", OWN_SITE):
            socket = await _connected(client_socket(chat, origin=origin))
            await socket.disconnect()
        return refusals

    assert async_to_sync(scenario)() == (4403, 4403, 4404)


def test_closing_tells_both_sides_and_the_closed_chat_refuses_messages(layer, chat, agent, client, case):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        await staff.send_json_to({"type": "close"})
        ended = await visitor.receive_json_from(timeout=5)
        closed = await visitor.receive_json_from(timeout=5)
        await visitor.send_json_to({"type": "send", "id": "c-9", "text": "Wait!"})
        refused = await visitor.receive_json_from(timeout=5)
        await staff.send_json_to({"type": "send", "id": "a-9", "text": "Bye"})
        staff_frames = [await staff.receive_json_from(timeout=5) for _ in range(3)]
        await visitor.disconnect()
        await staff.disconnect()
        return ended, closed, refused, staff_frames

    ended, closed, refused, staff_frames = async_to_sync(scenario)()

    assert ended["side"] == "system" and "ended the chat" in ended["text"]
    assert closed == {"type": "closed"}
    assert refused == {"type": "error", "id": "c-9", "message": "This chat is closed: the message was not sent."}
    assert staff_frames[-1]["type"] == "error" and "closed" in staff_frames[-1]["message"]
    chat.refresh_from_db()
    assert chat.status == ChatStatus.CLOSED
    assert Interaction.objects.filter(case=case, channel=Channel.CHAT).count() == 1


def test_too_long_too_fast_and_malformed_frames_get_a_clear_error(layer, chat, settings):
    settings.CASEBOOK_CHAT_MAX_CHARS = 20
    settings.CASEBOOK_CHAT_RATE_MESSAGES = 2

    async def scenario():
        visitor = await _connected(client_socket(chat))
        await visitor.send_json_to({"type": "send", "id": "long", "text": "x" * 21})
        too_long = await visitor.receive_json_from(timeout=5)
        for n in range(2):
            await visitor.send_json_to({"type": "send", "id": f"ok{n}", "text": "hi"})
            await _until(visitor, "message")
        await visitor.send_json_to({"type": "send", "id": "fast", "text": "hi"})
        too_fast = await visitor.receive_json_from(timeout=5)
        await visitor.send_to(text_data="not json")
        not_json = await visitor.receive_json_from(timeout=5)
        await visitor.send_json_to({"type": "send", "id": "x"})
        no_text = await visitor.receive_json_from(timeout=5)
        await visitor.send_json_to({"type": "close"})  # the agent's request only
        not_for_clients = await visitor.receive_json_from(timeout=5)
        await visitor.disconnect()
        return too_long, too_fast, not_json, no_text, not_for_clients

    too_long, too_fast, not_json, no_text, not_for_clients = async_to_sync(scenario)()

    assert too_long["id"] == "long" and "too long: 21 characters, at most 20" in too_long["message"]
    assert too_fast["id"] == "fast" and "too fast" in too_fast["message"]
    assert not_json["type"] == no_text["type"] == not_for_clients["type"] == "error"
    assert not_for_clients["message"] == "Unknown request."
    chat.refresh_from_db()
    assert chat.status == ChatStatus.WAITING


def test_agent_takes_the_chat_from_the_socket_and_the_client_is_told(layer, chat, agent, client):
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        await staff.send_json_to({"type": "send", "id": "a-1", "text": "Hello"})
        not_taken = await staff.receive_json_from(timeout=5)
        await staff.send_json_to({"type": "take"})
        joined = await visitor.receive_json_from(timeout=5)
        await visitor.disconnect()
        await staff.disconnect()
        return not_taken, joined

    not_taken, joined = async_to_sync(scenario)()

    assert not_taken["message"] == "Take the chat before answering."
    assert joined["side"] == "system" and joined["text"] == f"{agent} has joined the chat."
    chat.refresh_from_db()
    assert chat.agent == agent
