"""The ASGI entry point: Django's pages over HTTP, and the live chat over websockets.

Run by the Procfile's `asgi` process (daphne) and, in development, by `runserver`
(daphne's, since "daphne" leads INSTALLED_APPS).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")

# Set up Django (the app registry) before anything that imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402

# The origin and the user are checked per route in chat/routing.py: the agent's socket
# accepts only our own hosts and needs a session, while the client's widget runs on the
# teams' own websites, whose origins only the chat's team can allow.
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
