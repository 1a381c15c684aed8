"""The authentication backend: Django's ModelBackend, reading permissions with the user's teams."""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .selectors import load_access, signed_in_user


class ModelBackend(DjangoModelBackend):
    """Reads a user's permissions (own and groups') and team ids in one query.

    Django's backend runs two queries (user permissions, then group permissions) the first
    time a request checks a permission, and the team scope a third; every page needs both,
    so this saves two queries per page. Kept on the user object (`User.access`), as Django
    keeps its own.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return load_access(user_obj).permissions

    def get_user(self, user_id):
        # The signed-in user of every request, with the navigation's unread badge (cached).
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
