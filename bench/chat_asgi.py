"""The ASGI app of the chat benchmark only (bench/chat_load.py runs it in daphne): the real
chat's websockets exactly as casebook/asgi.py routes them, plus the bare echo consumer
(bench/chat_echo.py) to measure them against. Never used outside the benchmark."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from bench.chat_echo import EchoConsumer  # noqa: E402
from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(
            [*websocket_urlpatterns, path("ws/bench/echo/<str:pair>/<str:side>/", EchoConsumer.as_asgi())]
        ),
    }
)
