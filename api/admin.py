from django.contrib import admin

from core.admin_views import ViewOnlyAdmin

from .models import ApiToken, IdempotencyKey


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdmin):
    """Tokens are created by their users (or `manage.py api_token`); the admin can only look and revoke."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    readonly_fields = fields


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ViewOnlyAdmin):
    list_display = ["key", "user", "created_at", "expires_at"]
    list_select_related = ["user"]
    readonly_fields = ["user", "key", "fingerprint", "response_body", "created_at", "expires_at"]
