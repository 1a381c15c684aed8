from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Notice, Team, TeamClosedDay, TeamSettings, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Casebook", {"fields": ["teams", "time_zone"]}),
    ]
    filter_horizontal = [*DjangoUserAdmin.filter_horizontal, "teams"]
    list_filter = [*DjangoUserAdmin.list_filter, "teams"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "message", "read_at"]
    list_select_related = ["user"]
    search_fields = ["message", "user__username"]


@admin.register(TeamSettings)
class TeamSettingsAdmin(admin.ModelAdmin):
    list_display = ["team", "response_target_hours", "resolution_target_hours", "holiday_country"]


@admin.register(TeamClosedDay)
class TeamClosedDayAdmin(admin.ModelAdmin):
    list_display = ["team", "date", "reason"]
    list_filter = ["team"]
