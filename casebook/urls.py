from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casebook.api.urls import token_patterns
from casebook.health.views import healthz
from casebook.search.views import search_view
from clients.urls import case_patterns, client_patterns
from interactions import views as interaction_views
from interactions.urls import urlpatterns as interaction_patterns
from playbooks.urls import case_patterns as playbook_case_patterns

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
    path("accounts/profile/tokens/", include(token_patterns)),
    path("clients/", include((client_patterns, "clients"))),
    path("cases/", include((case_patterns + interaction_patterns + playbook_case_patterns, "cases"))),
    path("playbooks/", include("playbooks.urls")),
    path("search/", search_view, name="search"),
    path("reports/root-causes/", views.root_causes, name="root_causes"),
    path("me/outcomes/", views.my_outcomes, name="my_outcomes"),
    path("team/<id:user_id>/outcomes/", views.team_outcomes, name="team_outcomes"),
    path("escalations/", include("playbooks.escalation_urls")),
    path("contacts/log/", include("interactions.quick_log_urls")),
    path("my-day/", interaction_views.my_day_view, name="my_day"),
    path("rate/<str:token>/", interaction_views.rating, name="rating"),
    path("phrasing-check/", views.phrasing_check, name="phrasing_check"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("casebook.api.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
]

if settings.CASEBOOK_BENCH_FLOOR:
    from casebook.bench.views import floor

    urlpatterns.append(path("bench/floor", floor, name="bench_floor"))
