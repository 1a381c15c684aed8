"""State changes for accounts, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from .models import Notice, Team, User
from .roles import GROUP_NAMES, ROLE_PERMISSIONS, Role


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions of its role."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=GROUP_NAMES[role])
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # absent while an app's tables are not migrated yet
                wanted.append(perm)
        group.permissions.set(wanted)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: Role,
    teams: list[Team],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "UTC",
) -> User:
    """Create a staff user with one role and their teams."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.set([Group.objects.get(name=GROUP_NAMES[role])])
    user.teams.set(teams)
    return user


def user_update_profile(*, user: User, time_zone: str) -> User:
    """Change the preferences a user sets for themself."""
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["time_zone"])
    return user


def notice_send(*, user: User, message: str, url: str = "") -> Notice:
    """Leave an in-app notice for a user (shown with an unread badge in the navigation)."""
    notice = Notice(user=user, message=" ".join(message.split())[:500], url=url)
    notice.full_clean()
    notice.save()
    return notice


def notices_mark_read(*, user: User) -> int:
    """Mark every unread notice of the user read; returns how many there were."""
    return Notice.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
