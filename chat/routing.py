"""The chat's websocket routes (casebook/asgi.py serves them)."""

websocket_urlpatterns = []
