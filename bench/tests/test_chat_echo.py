"""The chat benchmark's yardstick (bench/chat_echo.py): a frame from one socket of a pair is
acknowledged to it and reaches the other socket once, and no other pair."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from bench.chat_asgi import application


@pytest.fixture(autouse=True)
def _memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@async_to_sync
async def _talk():
    client = WebsocketCommunicator(application, "/ws/bench/echo/1/client/")
    agent = WebsocketCommunicator(application, "/ws/bench/echo/1/agent/")
    stranger = WebsocketCommunicator(application, "/ws/bench/echo/2/agent/")
    for socket in (client, agent, stranger):
        assert (await socket.connect())[0]
    await client.send_json_to({"type": "send", "id": "c-1", "seq": 1, "text": "Hello"})
    ack = await client.receive_json_from()
    received = await agent.receive_json_from()
    quiet = await client.receive_nothing() and await stranger.receive_nothing()
    for socket in (client, agent, stranger):
        await socket.disconnect()
    return ack, received, quiet


def test_a_frame_reaches_the_other_side_of_its_pair_once():
    ack, received, quiet = _talk()

    assert ack == {"type": "ack", "id": "c-1", "seq": 1}
    assert received == {"type": "message", "side": "client", "id": "c-1", "seq": 1}
    assert quiet
