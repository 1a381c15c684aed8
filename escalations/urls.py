from django.urls import path

from . import views

app_name = "escalations"

# /escalations/: the managers' review queue and decisions.
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<id:pk>/", views.review, name="review"),
    path("<id:pk>/decide/", views.decide, name="decide"),
]
