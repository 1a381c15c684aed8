"""Reads for accounts: team scope lives here, in one place."""

from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Access, Notice, Team, TeamClosedDay, TeamSettings, User
from .roles import sees_all_teams


def load_access(user: User) -> Access:
    """What the user may do and in which teams (`User.access`: one query, kept on the user)."""
    return user.access


def teams_for_user(user: User) -> QuerySet[Team]:
    if sees_all_teams(user):
        return Team.objects.all()
    return user.teams.all()


def team_ids_of(user: User) -> list[int]:
    """The ids of the user's teams, read once per request (kept on the user object)."""
    return load_access(user).team_ids


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


def user_with_unread_notice_count(user_id) -> QuerySet[User]:
    """The user with `unread_notice_count`: every page's badge, read with the signed-in user
    (one query instead of two on each page)."""
    unread = Notice.objects.filter(user=OuterRef("pk"), read_at=None).order_by().values("user")
    unread = Coalesce(Subquery(unread.annotate(n=Count("pk")).values("n")), 0)
    return User.objects.annotate(unread_notice_count=unread).filter(pk=user_id)


def unread_notice_count(user: User) -> int:
    """The badge's number: as read with the user when it was, otherwise counted now."""
    count = getattr(user, "unread_notice_count", None)
    return user.notices.filter(read_at=None).count() if count is None else count


def notices_for_user(user: User) -> QuerySet[Notice]:
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def managers_of_team(team: Team) -> list[User]:
    """The active members of a team who may review its cases (managers and admins)."""
    from .roles import is_manager

    return [member for member in staff_of_team(team).prefetch_related("groups__permissions") if is_manager(member)]


def team_settings(team: Team) -> TeamSettings:
    """The team's settings, made with the defaults the first time they are asked for.

    Read through the team's relation, so a team loaded with `select_related("team__settings")`
    costs no query and the row is read at most once per team object (per request).
    """
    try:
        return team.settings
    except TeamSettings.DoesNotExist:
        settings, _ = TeamSettings.objects.get_or_create(team=team)
        team.settings = settings
        return settings


# Team reference data every case page reads and managers rarely change is kept in the
# cache under these keys; a change to the rows (or a new team that reuses an id, as a
# fresh test database does) forgets them: see `team_cache_forget` and the receivers in apps.py.
TEAM_CACHE_SECONDS = 3600
TEAM_CACHED_NAMES = ("closed_days", "saved_replies", "staff")


def team_cache_key(team_id: int, name: str) -> str:
    return f"team:{team_id}:{name}"


def team_cached(team_id: int, name: str, compute):
    """`compute()` for the team, kept in the cache until `team_cache_forget` (or an hour)."""
    key = team_cache_key(team_id, name)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TEAM_CACHE_SECONDS)
    return value


def team_cache_forget(team_id: int, *names: str) -> None:
    """Forget cached team data now and again when the current transaction commits (so a
    reader that cached the old rows meanwhile does not keep them)."""
    keys = [team_cache_key(team_id, name) for name in names]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def team_staff_choices(team_id: int) -> list[tuple[int, str]]:
    """The team's active members as (id, name) options for an owner menu, in name order.
    Forgotten when a user is saved or deleted or a membership changes (apps.py)."""
    return team_cached(
        team_id, "staff", lambda: [(user.pk, str(user)) for user in User.objects.filter(teams=team_id, is_active=True)]
    )


def team_staff_forget() -> None:
    """Forget every team's member list (a user or a membership changed: rare)."""
    for team_id in Team.objects.values_list("pk", flat=True):
        team_cache_forget(team_id, "staff")


def team_closed_days(team_id: int) -> frozenset[date]:
    """The days the team does not work (beyond public holidays)."""
    return team_cached(
        team_id,
        "closed_days",
        lambda: frozenset(TeamClosedDay.objects.filter(team_id=team_id).values_list("date", flat=True)),
    )
