"""Roles are Django groups; what each role may do is the permission list below."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


GROUP_NAMES = {Role.AGENT: "Agents", Role.MANAGER: "Managers", Role.ADMIN: "Admins"}

_AGENT_PERMISSIONS = [
    "clients.view_client",
    "clients.add_client",
    "clients.change_client",
    "clients.view_case",
    "clients.add_case",
    "clients.change_case",
    "interactions.view_interaction",
    "interactions.add_interaction",
    "interactions.view_followup",
    "interactions.add_followup",
    "interactions.change_followup",
]
_MANAGER_PERMISSIONS = [*_AGENT_PERMISSIONS, "clients.review_case", "playbooks.edit_playbook"]

ROLE_PERMISSIONS = {
    Role.AGENT: _AGENT_PERMISSIONS,
    Role.MANAGER: _MANAGER_PERMISSIONS,
    # Admins are superusers; the group documents the role and carries the same rights.
    Role.ADMIN: _MANAGER_PERMISSIONS,
}


def is_manager(user) -> bool:
    """Managers review their teams' cases; admins can do everything a manager can."""
    return user.is_authenticated and user.has_perm("clients.review_case")


def sees_all_teams(user) -> bool:
    return user.is_authenticated and user.is_superuser


def role_of(user) -> Role:
    if user.is_superuser:
        return Role.ADMIN
    if is_manager(user):
        return Role.MANAGER
    return Role.AGENT
