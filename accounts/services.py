"""State changes for accounts, teams and roles."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record, audit_snapshot
from core.text import phrase_list

from .models import Notice, Team, TeamClosedDay, TeamSettings, User, default_time_zone
from .roles import GROUP_NAMES, ROLE_PERMISSIONS, Role
from .selectors import signed_in_forget


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
    password: str | None,
    role: Role,
    teams: list[Team],
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "",
) -> User:
    """Create a staff user with one role and their teams (password None: no usable password).

    Without a time zone the user gets the site's TIME_ZONE (the model's default).
    """
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone or default_time_zone(),
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
    marked = Notice.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
    user.unread_notice_count = 0
    signed_in_forget(user.pk, unread_only=True)  # an UPDATE sends no signal
    return marked


TEAM_SETTINGS_FIELDS = [
    "response_target_hours",
    "resolution_target_hours",
    "stall_contacts",
    "hostile_contacts_per_day",
    "satisfaction_quiet_days",
    "currency",
    "time_zone",
    "working_days",
    "workday_starts",
    "workday_ends",
    "holiday_country",
    "hostile_phrases",
]


def _require_manager_of_team(actor: User, team: Team) -> None:
    from django.core.exceptions import PermissionDenied

    from .roles import is_manager

    if not is_manager(actor) or (not actor.is_superuser and not actor.teams.filter(pk=team.pk).exists()):
        raise PermissionDenied(_("Only a manager of the team can change its settings."))


@transaction.atomic
def team_settings_update(*, actor: User, team: Team, **changes) -> TeamSettings:
    """A manager changes the team's targets, thresholds, calendar or hostile phrases."""
    from .selectors import team_settings

    unknown = set(changes) - set(TEAM_SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"team_settings_update() got unexpected fields: {', '.join(sorted(unknown))}")
    _require_manager_of_team(actor, team)
    settings = TeamSettings.objects.select_for_update().get(pk=team_settings(team).pk)
    before = audit_snapshot(settings)
    for field, value in changes.items():
        setattr(settings, field, value)
    settings.currency = settings.currency.strip().upper()
    settings.hostile_phrases = "\n".join(phrase_list(settings.hostile_phrases))
    if settings.holiday_country:
        import holidays

        settings.holiday_country = settings.holiday_country.upper()
        if settings.holiday_country not in holidays.list_supported_countries():
            raise ValidationError({"holiday_country": _("No public holiday calendar is known for this country code.")})
    settings.full_clean()
    settings.save()
    team.settings = settings  # later reads through this team object see the change
    audit_record(actor=actor, target=settings, before=before, parent=team)
    return settings


@transaction.atomic
def team_closed_day_add(*, actor: User, team: Team, date, reason: str = "") -> TeamClosedDay:
    """A manager marks a day the team does not work (it stops the business-hours clock)."""
    _require_manager_of_team(actor, team)
    if TeamClosedDay.objects.filter(team=team, date=date).exists():
        raise ValidationError({"date": _("That day is already marked closed.")})
    day = TeamClosedDay(team=team, date=date, reason=reason.strip())
    day.full_clean()
    day.save()
    audit_record(actor=actor, target=day, before={}, parent=team)
    return day


@transaction.atomic
def team_closed_day_remove(*, actor: User, day: TeamClosedDay) -> None:
    """A manager removes a closed day (the team works that day after all)."""
    _require_manager_of_team(actor, day.team)
    audit_record(actor=actor, target=day, before=audit_snapshot(day), deleted=True, parent=day.team)
    day.delete()
