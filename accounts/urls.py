from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("notices/", views.notices, name="notices"),
    path("teams/<id:pk>/settings/", views.team_settings_edit, name="team_settings"),
    path("teams/<id:pk>/settings/history/", views.team_settings_history, name="team_settings_history"),
    path("teams/<id:pk>/closed-days/", views.closed_day_add, name="closed_day_add"),
    path("teams/<id:pk>/closed-days/<id:day_pk>/remove/", views.closed_day_remove, name="closed_day_remove"),
]
