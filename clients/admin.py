from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import BoundaryWarning, Case, CaseEvent, Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "email", "temperament", "team"]
    list_filter = ["temperament", "team"]
    search_fields = ["name", "email", "company"]
    list_select_related = ["team"]
    readonly_fields = ["created_by", "created_at", "updated_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "client", "status", "priority", "owner", "team", "last_activity_at"]
    list_filter = ["status", "priority", "root_cause", "team"]
    search_fields = ["title", "client__name"]
    list_select_related = ["client", "owner", "team"]
    raw_id_fields = ["client", "owner", "opened_by"]
    readonly_fields = ["opened_by", "opened_at", "last_activity_at", "resolved_at", "closed_at"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """Read-only: the timeline is append-only, and only services write it."""

    list_display = ["occurred_at", "case", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]


@admin.register(BoundaryWarning)
class BoundaryWarningAdmin(admin.ModelAdmin):
    list_display = ["given_at", "case", "given_by"]
    list_select_related = ["case", "given_by"]
    raw_id_fields = ["case"]
    readonly_fields = ["given_at", "given_by"]
