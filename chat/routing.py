"""The chat's websocket routes (casebook/asgi.py serves them)."""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from .consumers import AgentChatConsumer, ClientChatConsumer

websocket_urlpatterns = [
    # The client has no session: the signed token names the chat, and the consumer checks
    # the Origin against the chat's team's allow-list (the widget runs on their websites).
    path("ws/chat/client/<str:token>/", ClientChatConsumer.as_asgi()),
    # Agents work from Casebook's own pages only: another site's page must not be able to
    # use an agent's session cookie to open this socket.
    path(
        "ws/chat/agent/<int:chat_id>/",
        AllowedHostsOriginValidator(AuthMiddlewareStack(AgentChatConsumer.as_asgi())),
    ),
]
