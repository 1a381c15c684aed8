from django.contrib import admin

from .models import Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Read-only: interactions are append-only, here as everywhere."""

    list_display = ["occurred_at", "case", "client", "channel", "direction", "mood", "logged_by"]
    list_filter = ["channel", "mood", "direction"]
    search_fields = ["summary", "client__name", "case__title"]
    list_select_related = ["case", "client", "logged_by"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
