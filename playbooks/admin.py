"""Read-mostly admin: playbooks are edited in the app (/playbooks/), where editing publishes
a new version; progress and concessions change only through the services."""

from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import (
    CasePlaybook,
    CaseReview,
    Concession,
    ConcessionLimit,
    FaultRecord,
    Playbook,
    PlaybookVersion,
    SavedReply,
    SolutionOption,
    Step,
    StepRecord,
)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    readonly_fields = ["position", "kind", "title", "guidance", "phrasings", "avoid"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "temperaments", "based_on"]
    list_filter = ["team"]


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(admin.ModelAdmin):
    list_display = ["playbook", "number", "published_by", "published_at"]
    inlines = [StepInline]
    readonly_fields = ["playbook", "number", "published_by", "published_at"]


@admin.register(CasePlaybook)
class CasePlaybookAdmin(admin.ModelAdmin):
    list_display = ["case", "version", "chosen_by", "chosen_at"]
    raw_id_fields = ["case"]
    readonly_fields = ["case", "version", "chosen_by", "chosen_at"]


@admin.register(Concession)
class ConcessionAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "value", "unit", "currency", "status", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Concession._meta.fields]


@admin.register(StepRecord, SolutionOption, FaultRecord, Step)
class ServiceWrittenAdmin(ReadOnlyAdmin):
    """Written by the services (and versions never change): shown, not edited, here."""


admin.site.register(ConcessionLimit)
admin.site.register(SavedReply)


@admin.register(CaseReview)
class CaseReviewAdmin(ServiceWrittenAdmin):
    list_display = ["case", "written_by", "written_at", "temperament_changed"]
    list_select_related = ["case", "written_by"]
