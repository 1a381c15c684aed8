from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.urls import token_patterns
from casebook.health.views import healthz
from clients.urls import case_patterns, client_patterns
from core.views import favicon
from desk import urls as desk_urls
from interactions import views as interaction_views
from interactions.urls import urlpatterns as interaction_patterns
from playbooks.urls import case_patterns as playbook_case_patterns
from playbooks.views import phrasing_check
from search.views import search_view

auth_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", include("desk.urls")),
    path("accounts/", include(auth_patterns)),
    path("accounts/", include("accounts.urls")),
    path("accounts/profile/tokens/", include(token_patterns)),
    path("clients/", include((desk_urls.client_patterns + client_patterns, "clients"))),
    path(
        "cases/",
        include((desk_urls.case_patterns + case_patterns + interaction_patterns + playbook_case_patterns, "cases")),
    ),
    path("playbooks/", include("playbooks.urls")),
    path("search/", search_view, name="search"),
    path("escalations/", include("escalations.urls")),
    path("mail/", include("inbox.urls")),
    path("chat/", include("chat.urls")),
    path("contacts/log/", include("desk.quick_log_urls")),
    path("rate/<str:token>/", interaction_views.rating, name="rating"),
    path("phrasing-check/", phrasing_check, name="phrasing_check"),
    path("healthz", healthz, name="healthz"),
    path("api/", include("casebook.api_urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]

if settings.CASEBOOK_BENCH_FLOOR:
    from bench.views import floor

    urlpatterns.append(path("bench/floor", floor, name="bench_floor"))
