from django.contrib import admin

from .models import Escalation


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "case", "reason", "raised_by", "decided_at", "decision"]
    list_filter = ["reason", "decision"]
    list_select_related = ["case", "raised_by"]
    raw_id_fields = ["case", "raised_by", "decided_by"]
    readonly_fields = ["raised_at", "raised_by", "cause_key"]
