"""Reads for accounts: team scope lives here, in one place."""

from django.db.models import QuerySet

from .models import Notice, Team, TeamSettings, User
from .roles import sees_all_teams


def teams_for_user(user: User) -> QuerySet[Team]:
    if sees_all_teams(user):
        return Team.objects.all()
    return user.teams.all()


def team_ids_of(user: User) -> list[int]:
    """The ids of the user's teams, read once per request (kept on the user object)."""
    if not hasattr(user, "_casebook_team_ids"):
        user._casebook_team_ids = list(user.teams.values_list("id", flat=True))
    return user._casebook_team_ids


def scope_to_user_teams(queryset: QuerySet, user: User, *, team_field: str = "team") -> QuerySet:
    """Limit a queryset to the rows of the user's teams (admins see everything).

    The ids are plain values rather than a subquery: with them PostgreSQL walks the
    (team, last activity) index in order and stops after one page, instead of sorting a
    whole team's cases.
    """
    if sees_all_teams(user):
        return queryset
    return queryset.filter(**{f"{team_field}__in": team_ids_of(user)})


def staff_of_team(team: Team) -> QuerySet[User]:
    return team.members.filter(is_active=True)


def staff_of_user_teams(user: User) -> QuerySet[User]:
    """Colleagues a user may assign work to or filter by."""
    return scope_to_user_teams(User.objects.filter(is_active=True), user, team_field="teams").distinct()


def notices_for_user(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def managers_of_team(team: Team) -> list[User]:
    """The active members of a team who may review its cases (managers and admins)."""
    from .roles import is_manager

    return [member for member in staff_of_team(team).prefetch_related("groups__permissions") if is_manager(member)]


def team_settings(team: Team) -> TeamSettings:
    """The team's settings, made with the defaults the first time they are asked for."""
    settings, _ = TeamSettings.objects.get_or_create(team=team)
    return settings
