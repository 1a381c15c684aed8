"""Values every page's navigation needs."""

from django.utils.functional import SimpleLazyObject


def unread_notices(request):
    """The unread notice count: one indexed COUNT, run only when a template shows it."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return user.notices.filter(read_at=None).count()

    return {"unread_notice_count": SimpleLazyObject(count)}
