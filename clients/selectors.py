"""Reads of clients and cases, always through the user's team scope."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import scope_to_user_teams, team_settings

from .business_hours import Calendar, calendar_for_team
from .models import OPEN_STATUSES, BoundaryWarning, Case, CaseEvent, Client

CASE_SORTS = {
    "-last_activity": ("-last_activity_at", "-id"),
    "last_activity": ("last_activity_at", "id"),
    "-opened": ("-opened_at", "-id"),
    "-priority": ("-priority", "-last_activity_at", "-id"),
}
DEFAULT_CASE_SORT = "-last_activity"


def case_ordering(sort: str) -> tuple[str, ...]:
    """The ORDER BY of an allow-listed sort key; anything else gets the default."""
    return CASE_SORTS.get(sort, CASE_SORTS[DEFAULT_CASE_SORT])


def clients_for_user(user: User, *, search: str = "", temperament: str = "") -> QuerySet[Client]:
    clients = clients_matching(scope_to_user_teams(Client.objects.select_related("team"), user), search)
    if temperament:
        clients = clients.filter(temperament=temperament)
    return clients.order_by("name", "id")


def clients_matching(clients: QuerySet[Client], search: str) -> QuerySet[Client]:
    """Clients whose name, email or company contains `search` (the search box and the API's `q`)."""
    search = search.strip()
    if not search:
        return clients
    return clients.filter(Q(name__icontains=search) | Q(email__icontains=search) | Q(company__icontains=search))


QUICK_PICK_LIMIT = 8


def clients_for_quick_pick(user: User, *, search: str, team_id: int | None = None) -> list[Client]:
    """A few clients matching what was typed, for picking one in the log-a-contact dialog.

    The user's teams (or the one team chosen), each client with `open_cases` counted: one
    query of at most QUICK_PICK_LIMIT rows, whatever the number of clients.
    """
    if not search.strip():
        return []
    clients = clients_for_user(user, search=search)
    if team_id is not None:
        clients = clients.filter(team_id=team_id)
    open_cases = Count("cases", filter=Q(cases__status__in=OPEN_STATUSES))
    return list(clients.annotate(open_cases=open_cases)[:QUICK_PICK_LIMIT])


def open_cases_of_client(user: User, client: Client, *, limit: int = 20) -> list[Case]:
    """The client's open cases, latest activity first (the one being worked is usually on top)."""
    return list(cases_for_user(user, client=client, open_only=True)[:limit])


def get_client_for_user(user: User, pk: int) -> Client:
    """The client, or 404 when it does not exist or lies outside the user's teams."""
    return get_object_or_404(scope_to_user_teams(Client.objects.select_related("team"), user), pk=pk)


def cases_for_user(
    user: User,
    *,
    status: str = "",
    owner: User | None = None,
    priority: int | None = None,
    temperament: str = "",
    client: Client | None = None,
    open_only: bool = False,
    sort: str = DEFAULT_CASE_SORT,
) -> QuerySet[Case]:
    cases = scope_to_user_teams(Case.objects.select_related("client", "owner", "team"), user)
    if status:
        cases = cases.filter(status=status)
    if open_only:
        cases = cases.filter(status__in=OPEN_STATUSES)
    if owner is not None:
        cases = cases.filter(owner=owner)
    if priority:
        cases = cases.filter(priority=priority)
    if temperament:
        cases = cases.filter(client__temperament=temperament)
    if client is not None:
        cases = cases.filter(client=client)
    return cases.order_by(*case_ordering(sort))


def cases_of_client(user: User, client: Client) -> QuerySet[Case]:
    """The client's cases the user may see, latest activity first."""
    return cases_for_user(user, client=client)


def as_case_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Only what a row of the case list shows (clients/_case_row.html) and sorts on: a page
    of rows read this way is half as wide from the database and builds far fewer attributes."""
    return (
        cases.select_related(None)
        .select_related("client", "owner")
        .only(
            "title",
            "status",
            "priority",
            "last_activity_at",
            "opened_at",
            "client__name",
            "client__temperament",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
    )


def get_case_for_user(user: User, pk: int, *related: str) -> Case:
    """The case with its client, owner and team (and the `related` relations, as named to
    `select_related`), or 404 when it does not exist or lies outside the user's teams.
    (The case page reads more with it: desk.workspace.get_case_for_page.)"""
    cases = Case.objects.select_related("client", "owner", "team", *related)
    return get_object_or_404(scope_to_user_teams(cases, user), pk=pk)


def boundary_warning_summary() -> dict:
    """Annotations for cases: how many boundary warnings were given and when the latest was."""
    warnings = BoundaryWarning.objects.filter(case=OuterRef("pk")).order_by().values("case")
    return {
        "warnings_given": Subquery(warnings.annotate(n=Count("id")).values("n")),
        "latest_warning_at": Subquery(warnings.annotate(at=Max("given_at")).values("at")),
    }


def case_events(case: Case, *, limit: int | None = None, before: CaseEvent | None = None) -> QuerySet[CaseEvent]:
    """The case's timeline, newest first (the `limit` newest when given; only the entries
    older than `before` when given), without targets."""
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("-occurred_at", "-id")
    if before is not None:  # the timeline's order: by time, then by id within the same time
        events = events.filter(
            Q(occurred_at__lt=before.occurred_at) | Q(occurred_at=before.occurred_at, id__lt=before.pk)
        )
    return events if limit is None else events[:limit]


def get_event_of_case(case: Case, pk: int) -> CaseEvent:
    """An entry of the case's timeline; 404 when it is not one."""
    return get_object_or_404(CaseEvent.objects.only("id", "occurred_at"), case=case, pk=pk)


def case_has_events_after(case: Case, at: datetime) -> bool:
    """Whether the case's timeline holds anything later than `at` (one indexed query)."""
    return CaseEvent.objects.filter(case=case, occurred_at__gt=at).exists()


def case_counts_by_status(user: User) -> dict[str, int]:
    rows = scope_to_user_teams(Case.objects.all(), user).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


@dataclass(frozen=True)
class Clock:
    """A business-hours clock: time used so far against a target, and when it is (or was) breached."""

    elapsed: timedelta
    target_hours: float
    breach_at: datetime

    @property
    def elapsed_hours(self) -> float:
        return self.elapsed.total_seconds() / 3600

    @property
    def breached(self) -> bool:
        return self.elapsed_hours >= self.target_hours


def case_clock(
    case: Case, *, now: datetime | None = None, calendar: Calendar | None = None, target_hours=None
) -> Clock:
    """The case's resolution clock in the team's business hours, from opening to now (or resolution).

    The clock stops while the case waits on the client (Case.pauses: no query).
    """
    now = now or timezone.now()
    if calendar is None or target_hours is None:
        settings = team_settings(case.team)
        calendar = calendar or calendar_for_team(case.team, settings)
        target_hours = float(settings.resolution_target_hours) if target_hours is None else target_hours
    end = case.resolved_at or case.closed_at or now
    pauses = case.pauses(end)
    return Clock(
        elapsed=calendar.elapsed(case.opened_at, end, pauses),
        target_hours=float(target_hours),
        breach_at=calendar.breach_at(case.opened_at, target_hours, pauses),
    )


def awaits_manager(case: Case) -> bool:
    """Whether an escalation of the case waits for a manager's decision. The escalations app
    hangs its rows on the case (related name "escalations"): read through the relation, this
    layer does not import the one above it."""
    return case.escalations.filter(decided_at__isnull=True).exists()
