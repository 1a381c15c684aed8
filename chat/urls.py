from django.urls import path

from . import views

app_name = "chat"

# /chat/: the client's side (no login: the signed tokens are the keys).
urlpatterns = [
    path("start/", views.start, name="start"),
    path("start/<str:token>/", views.link, name="link"),
    path("<str:token>/", views.room, name="room"),
]
