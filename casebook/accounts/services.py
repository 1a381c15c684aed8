"""State changes for accounts, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Team, User
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
