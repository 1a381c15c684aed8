"""Admin classes for rows that only the services write: the admin shows them, never edits."""

from django.contrib import admin


class ViewOnlyAdmin(admin.ModelAdmin):
    """No adding or editing here; deleting stays possible (tokens, outbox rows, follow-ups)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ViewOnlyAdmin):
    """Append-only records (timeline, contacts, audit, playbook progress): not deleted either."""

    def has_delete_permission(self, request, obj=None):
        return False
