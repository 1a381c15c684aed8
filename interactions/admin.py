from django.contrib import admin

from core.admin_views import ReadOnlyAdmin, ViewOnlyAdmin

from .models import Attachment, FollowUp, Interaction, OutgoingEmail, SatisfactionSurvey


class AttachmentInline(admin.TabularInline):
    """The contact's files, described only: the bytes are downloaded from the case page,
    through the view that checks team scope."""

    model = Attachment
    fields = ["original_name", "size", "content_type", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Read-only descriptions; the bytes leave only through the team-scoped download view."""

    list_display = ["original_name", "interaction", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["interaction", "uploaded_by"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = ["interaction", "original_name", "size", "content_type", "sha256", "uploaded_by", "uploaded_at"]
    exclude = ["stored_name"]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    """Read-only: interactions are append-only, here as everywhere."""

    inlines = [AttachmentInline]

    list_display = ["occurred_at", "case", "client", "channel", "direction", "mood", "logged_by"]
    list_filter = ["channel", "mood", "direction"]
    search_fields = ["summary", "client__name", "case__title"]
    list_select_related = ["case", "client", "logged_by"]
    date_hierarchy = "occurred_at"


@admin.register(FollowUp)
class FollowUpAdmin(ViewOnlyAdmin):
    """Read-only: follow-ups change through their services, which record the timeline."""

    list_display = ["due_at", "case", "kind", "owner", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "owner"]
    search_fields = ["note", "case__title"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ViewOnlyAdmin):
    """The outbox, to look into delivery problems; rows change only through the outbox code."""

    list_display = ["created_at", "to_email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "to_client"]
    search_fields = ["to_email", "subject", "cause_key"]


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ViewOnlyAdmin):
    list_display = ["sent_at", "case", "rating", "rated_at"]
    list_select_related = ["case"]
