"""The chat benchmark's yardstick: a bare Channels consumer with no database.

Each pair of sockets (`ws/bench/echo/<pair>/<side>/`) shares a group on the same channel
layer (Redis) the real chat uses: a frame from one side is acknowledged to it and
group-sent to the other, as the real consumer does after storing it. What the real chat
costs beyond this is the database and the checks (chat/consumers.py).
Routed only by bench/chat_asgi.py, never by casebook/asgi.py.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.group = f"bench-echo.{kwargs['pair']}"
        self.side = kwargs["side"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        await self.send_json({"type": "ack", "id": content.get("id"), "seq": content.get("seq")})
        message = {"type": "message", "side": self.side, "id": content.get("id"), "seq": content.get("seq")}
        await self.channel_layer.group_send(
            self.group, {"type": "echo.frame", "message": message, "from": self.channel_name}
        )

    async def echo_frame(self, event) -> None:
        if event["from"] != self.channel_name:
            await self.send_json(event["message"])
