from django.urls import path

from . import agent_views, views

app_name = "chat"

# /chat/: the client's side (no login: the signed tokens are the keys), and the agent's
# availability (before the room's catch-all).
urlpatterns = [
    path("availability/", agent_views.availability, name="availability"),
    path("start/", views.start, name="start"),
    path("start/<str:token>/", views.link, name="link"),
    path("<str:token>/", views.room, name="room"),
]
