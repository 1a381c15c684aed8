from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "target_repr", "action"]
    list_filter = ["target_type", "action"]
    search_fields = ["target_repr"]
    date_hierarchy = "at"
