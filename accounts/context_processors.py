"""Values every page's navigation needs."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_notice_count


def unread_notices(request):
    """The unread notice count, run only when a template shows it (read with the user by
    the authentication backend; one indexed COUNT otherwise)."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_notice_count(user)

    return {"unread_notice_count": SimpleLazyObject(count)}
