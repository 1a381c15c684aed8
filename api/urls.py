"""The profile page's token buttons (mounted under /accounts/profile/tokens/). The
endpoints themselves are gathered from each app's `api.routes` in casebook/api_urls.py."""

from django.urls import path

from . import views

# Mounted under /accounts/profile/tokens/: the profile page's token buttons.
token_patterns = (
    [
        path("", views.token_create, name="create"),
        path("<id:pk>/revoke/", views.token_revoke, name="revoke"),
    ],
    "api_tokens",
)
