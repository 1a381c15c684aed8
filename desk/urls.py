from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/root-causes/", views.root_causes, name="root_causes"),
    path("me/outcomes/", views.my_outcomes, name="my_outcomes"),
    path("team/<id:user_id>/outcomes/", views.team_outcomes, name="team_outcomes"),
]
