"""Reads of clients and cases, always through the user's team scope."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from casebook.accounts.models import User
from casebook.accounts.selectors import scope_to_user_teams

from .models import OPEN_STATUSES, Case, CaseEvent, Client, Escalation

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


def get_case_for_user(user: User, pk: int) -> Case:
    """The case, or 404 when it does not exist or lies outside the user's teams."""
    return get_object_or_404(scope_to_user_teams(Case.objects.select_related("client", "owner", "team"), user), pk=pk)


def case_events(case: Case) -> QuerySet[CaseEvent]:
    """The case's timeline, newest first; callers add the prefetch their targets need."""
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("-occurred_at", "-id")


def case_counts_by_status(user: User) -> dict[str, int]:
    rows = scope_to_user_teams(Case.objects.all(), user).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def escalations_for_user(user: User) -> QuerySet[Escalation]:
    return scope_to_user_teams(
        Escalation.objects.select_related("case", "raised_by", "decided_by"), user, team_field="case__team"
    ).order_by("-raised_at", "-id")


def get_escalation_for_user(user: User, pk: int) -> Escalation:
    """The escalation, or 404 when its case lies outside the user's teams."""
    return get_object_or_404(escalations_for_user(user), pk=pk)
