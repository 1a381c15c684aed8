"""Reads for accounts: team scope lives here, in one place."""

from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from core.text import phrase_list

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


# The signed-in user of every request, with what they may do (`User.access`) and the unread
# badge, is kept in the cache: reading them from the database costs more than the rest of a
# small page. Forgotten whenever a row that shapes them changes (the receivers in apps.py),
# and at the latest after SIGNED_IN_SECONDS, which bounds what a change made outside the ORM's
# signals (a raw UPDATE) can leave behind.
SIGNED_IN_SECONDS = 60


def signed_in_key(user_id) -> str:
    return f"user:{user_id}:signed-in"


def unread_key(user_id) -> str:
    return f"user:{user_id}:unread"


def signed_in_user(user_id) -> User | None:
    """The user a session names, with `access` and `unread_notice_count` filled in: one cache
    read when both are cached, otherwise the user and their access (two queries) and the
    unread count (one), which are then cached."""
    keys = [signed_in_key(user_id), unread_key(user_id)]
    cached = cache.get_many(keys)
    user = cached.get(keys[0])
    if user is None:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return None
        load_access(user)  # kept on the object, so cached with it
        cache.set(keys[0], user, SIGNED_IN_SECONDS)
    count = cached.get(keys[1])
    if count is None:
        count = Notice.objects.filter(user_id=user_id, read_at=None).count()
        cache.set(keys[1], count, SIGNED_IN_SECONDS)
    user.unread_notice_count = count
    return user


def signed_in_forget(*user_ids, unread_only: bool = False) -> None:
    """Forget the cached signed-in user (or only their unread count) now and again when the
    current transaction commits, so that a request that read the old rows meanwhile does not
    keep them."""
    keys = [unread_key(pk) for pk in user_ids]
    if not unread_only:
        keys += [signed_in_key(pk) for pk in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def unread_notice_count(user: User) -> int:
    """The badge's number: as read with the signed-in user when it was, otherwise counted now."""
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


def hostile_phrases_of(settings: TeamSettings) -> list[str]:
    """The team's hostile phrases, one string each, as a mood suggestion looks for them."""
    return phrase_list(settings.hostile_phrases)


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
