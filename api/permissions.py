from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class ActionPermissions(BasePermission):
    """The same Django permissions as the pages: each view maps its actions to one permission.

    `view.action_permissions = {"list": "clients.view_case", "create": "clients.add_case", ...}`;
    an action missing from the map is refused, so a new action cannot be open by accident.
    """

    message = _("Your role does not allow this.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        # Anything without an action (the API root, OPTIONS, a 405 method) needs only a login.
        action = getattr(view, "action", None)
        if action is None or action == "metadata":
            return True
        perm = getattr(view, "action_permissions", {}).get(action)
        return perm is not None and request.user.has_perm(perm)
