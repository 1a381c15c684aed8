from django.contrib import admin

from .models import TeamChat


@admin.register(TeamChat)
class TeamChatAdmin(admin.ModelAdmin):
    list_display = ["team", "owner"]
    list_select_related = ["team", "owner"]
