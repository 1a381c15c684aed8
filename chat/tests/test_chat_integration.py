"""Two real ASGI servers (daphne), as on two machines: the client talks to one, the agent
to the other, and their messages cross through the Redis channel layer and the test
database. A client that drops and comes back on the other server gets what it missed."""

import json

import pytest
from django.conf import settings
from django.test import Client
from websockets.sync.client import connect

from chat.models import ChatMessage
from chat.services import chat_take, chat_token
from core.testing import require_redis

from .conftest import SITE
from .servers import daphne_server

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _frame(ws, kind: str) -> dict:
    """The next frame of `kind` (others, such as the echo of one's own message, are skipped)."""
    for _ in range(20):
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_client_and_agent_on_two_servers_talk_through_redis(chat, agent):
    require_redis()
    chat_take(chat=chat, agent=agent)  # message 1
    browser = Client()
    browser.force_login(agent)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    token = chat_token(chat)

    with daphne_server() as one, daphne_server() as two:
        client_url = f"ws://127.0.0.1:{one}/ws/chat/client/{token}/"
        agent_url = f"ws://127.0.0.1:{two}/ws/chat/agent/{chat.pk}/"
        with (
            connect(client_url, origin=SITE) as visitor,
            connect(agent_url, origin=f"http://127.0.0.1:{two}", additional_headers={"Cookie": cookie}) as staff,
        ):
            visitor.send(json.dumps({"type": "send", "id": "c-1", "text": "Is anyone there?"}))
            assert _frame(visitor, "ack") == {"type": "ack", "id": "c-1", "seq": 2}
            received = _frame(staff, "message")
            assert (received["seq"], received["side"], received["text"]) == (2, "client", "Is anyone there?")

            staff.send(json.dumps({"type": "send", "id": "a-1", "text": "Yes, I am here. How can I help?"}))
            assert _frame(staff, "ack")["seq"] == 3
            answer = _frame(visitor, "message")
            while answer["seq"] < 3:  # the echo of the client's own message comes first
                answer = _frame(visitor, "message")
            assert (answer["seq"], answer["side"]) == (3, "agent")

            # The client's connection drops; the agent writes on meanwhile.
            visitor.close()
            staff.send(json.dumps({"type": "send", "id": "a-2", "text": "Are you still with me?"}))
            assert _frame(staff, "ack")["seq"] == 4

        # Back on the other server, the client asks for what came after the last it saw.
        with connect(f"ws://127.0.0.1:{two}/ws/chat/client/{token}/", origin=SITE) as visitor:
            visitor.send(json.dumps({"type": "resume", "after": 3}))
            missed = _frame(visitor, "message")
            assert (missed["seq"], missed["text"]) == (4, "Are you still with me?")
            visitor.send(json.dumps({"type": "send", "id": "c-1", "text": "Is anyone there?"}))  # a resend
            assert _frame(visitor, "ack")["seq"] == 2

    stored = ChatMessage.objects.filter(chat=chat).order_by("seq").values_list("seq", "sender", "client_message_id")
    assert [row[:2] for row in stored] == [(1, "system"), (2, "client"), (3, "agent"), (4, "agent")]
    assert [row[2] for row in stored][1:] == ["c-1", "a-1", "a-2"]
