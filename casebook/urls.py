from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casebook.health.views import healthz
from clients.urls import case_patterns, client_patterns
from interactions import views as interaction_views
from interactions.urls import urlpatterns as interaction_patterns

from . import views

auth_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/", include(auth_patterns)),
    path("accounts/", include("casebook.accounts.urls")),
    path("clients/", include((client_patterns, "clients"))),
    path("cases/", include((case_patterns + interaction_patterns, "cases"))),
    path("my-day/", interaction_views.my_day_view, name="my_day"),
    path("rate/<str:token>/", interaction_views.rating, name="rating"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
