"""The agent's socket, beyond messages: the coach's check and advice, a flagged message held
back until confirmed, the end of an abusive chat, and a hand-over told to the agents only.
On the in-memory channel layer and on Redis (the `layer` fixture of test_consumers)."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat.delivery import group_name
from chat.models import ChatMessage, ChatStatus, Side
from chat.services import chat_take
from clients.models import BoundaryWarning
from escalations.models import Escalation

from . import test_consumers
from .test_consumers import _connected, _session_cookie, _until, agent_socket, client_socket

# The same fixture as the socket tests': every test on both channel layers.
layer = test_consumers.layer

pytestmark = pytest.mark.django_db(transaction=True)


def test_check_is_answered_with_advice_and_stores_nothing(layer, chat, agent, client):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        staff = await _connected(agent_socket(chat.pk, cookie))
        await staff.send_json_to({"type": "check", "text": "Calm down, it is our policy"})
        flagged = await staff.receive_json_from(timeout=5)
        await staff.send_json_to({"type": "check", "text": "A technician comes at 9."})
        calm = await staff.receive_json_from(timeout=5)
        await staff.send_json_to({"type": "check", "text": 42})
        bad = await staff.receive_json_from(timeout=5)
        await staff.disconnect()
        return flagged, calm, bad

    flagged, calm, bad = async_to_sync(scenario)()

    assert flagged["type"] == "advice" and flagged["id"] is None and flagged["flagged"] is True
    assert flagged["text"] == "Calm down, it is our policy"
    assert flagged["warnings"][0]["phrase"] == "Calm down" and flagged["agree"]
    assert (calm["type"], calm["flagged"], calm["warnings"], calm["agree"]) == ("advice", False, [], "")
    assert bad["type"] == "error"
    assert ChatMessage.objects.filter(chat=chat, sender=Side.AGENT).count() == 0


def test_a_flagged_send_gets_advice_and_only_a_confirmed_one_is_stored_and_delivered(layer, chat, agent, client):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        frame = {"type": "send", "id": "a-1", "text": "Calm down, please."}
        await staff.send_json_to(frame)
        held = await staff.receive_json_from(timeout=5)
        client_heard_nothing = await visitor.receive_nothing(timeout=0.5)
        await staff.send_json_to({**frame, "confirmed": "yes"})  # only true confirms
        held_again = await staff.receive_json_from(timeout=5)
        await staff.send_json_to({**frame, "confirmed": True})
        ack = await _until(staff, "ack")
        delivered = await _until(visitor, "message")
        await visitor.disconnect()
        await staff.disconnect()
        return held, client_heard_nothing, held_again, ack, delivered

    held, client_heard_nothing, held_again, ack, delivered = async_to_sync(scenario)()

    assert held["type"] == held_again["type"] == "advice"
    assert held["id"] == "a-1" and held["flagged"] is True
    assert client_heard_nothing
    assert ack["id"] == "a-1" and delivered["text"] == "Calm down, please."
    assert ChatMessage.objects.filter(chat=chat, sender=Side.AGENT).count() == 1


def test_the_client_cannot_ask_for_checks_or_end_the_chat_for_abuse(layer, chat):
    async def scenario():
        visitor = await _connected(client_socket(chat))
        answers = []
        for kind in ("check", "end_abuse"):
            await visitor.send_json_to({"type": kind, "text": "x"})
            answers.append(await visitor.receive_json_from(timeout=5))
        await visitor.disconnect()
        return answers

    assert [a["message"] for a in async_to_sync(scenario)()] == ["Unknown request.", "Unknown request."]
    chat.refresh_from_db()
    assert chat.status == ChatStatus.WAITING


def test_end_abuse_closes_for_both_sides_warns_and_escalates(layer, chat, agent, client, case):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        await visitor.send_json_to({"type": "send", "id": "c-1", "text": "You are idiots"})
        await _until(staff, "message")
        await staff.send_json_to({"type": "end_abuse"})
        ended = await _until(visitor, "closed")
        staff_ended = await _until(staff, "closed")
        await visitor.disconnect()
        await staff.disconnect()
        return ended, staff_ended

    ended, staff_ended = async_to_sync(scenario)()

    assert ended == staff_ended == {"type": "closed"}
    chat.refresh_from_db()
    assert chat.status == ChatStatus.CLOSED and chat.interaction is not None
    assert BoundaryWarning.objects.filter(case=case).count() == 1
    assert Escalation.objects.filter(case=case).count() == 1


def test_a_hand_over_reaches_the_agents_sockets_and_not_the_clients(layer, chat, agent, client, teammate):
    chat_take(chat=chat, agent=agent)
    cookie = _session_cookie(client, agent)

    async def scenario():
        visitor = await _connected(client_socket(chat))
        staff = await _connected(agent_socket(chat.pk, cookie))
        await get_channel_layer().group_send(
            group_name(chat.pk), {"type": "chat.handed", "agent": str(teammate), "agent_id": teammate.pk}
        )
        handed = await staff.receive_json_from(timeout=5)
        client_quiet = await visitor.receive_nothing(timeout=0.5)
        await visitor.disconnect()
        await staff.disconnect()
        return handed, client_quiet

    handed, client_quiet = async_to_sync(scenario)()

    assert handed == {"type": "handed", "agent": str(teammate), "agent_id": teammate.pk}
    assert client_quiet
