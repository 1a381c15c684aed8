"""Pages that gather several apps. They read through the apps' selectors and stay thin."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.roles import is_manager
from accounts.selectors import scope_to_user_teams, staff_of_user_teams, teams_for_user
from clients.forms import CaseFilterForm
from clients.models import Case
from clients.selectors import (
    DEFAULT_CASE_SORT,
    as_case_rows,
    case_ordering,
    cases_for_user,
)
from core.pagination import keyset_page, query_without_page
from interactions.selectors import my_day as my_day_lists
from interactions.selectors import promises_kept, wellbeing

from .forms import DashboardFilterForm
from .reports import (
    Period,
    cached_dashboard_figures,
    chart_data,
    default_period,
    outcomes_by_temperament,
    period_between,
    root_cause_outcomes,
)


def _filtered(request) -> tuple[DashboardFilterForm, QuerySet, Period]:
    """The date range and team chosen on a report page, within the user's teams.

    The form is always bound, a date left out standing for the default period's, so its
    date fields show the days of the period in effect."""
    teams = teams_for_user(request.user)
    period = default_period()
    data = request.GET.copy()
    if not data.get("start"):
        data["start"] = timezone.localdate(period.start).isoformat()
    if not data.get("end"):
        data["end"] = period.last_day.isoformat()
    form = DashboardFilterForm(data, teams=teams)
    if form.is_valid():
        chosen = form.cleaned_data
        if chosen["team"] is not None:
            teams = teams.filter(pk=chosen["team"].pk)
        period = period_between(chosen["start"], chosen["end"])
    return form, teams, period


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def dashboard(request):
    """Managers get the team's figures; an agent's home is their own day. A POST (the
    Refresh button) works the figures out now for the same filter, then shows the page."""
    if not is_manager(request.user):
        return redirect("my_day")
    form, teams, period = _filtered(request)
    if request.method == "POST" and not form.errors:
        cached_dashboard_figures(teams=teams, period=period, refresh=True)
        return redirect(request.get_full_path())
    shown = cached_dashboard_figures(teams=teams, period=period)
    return render(
        request,
        "dashboard.html",
        {
            "form": form,
            "period": period,
            "figures": shown.figures,
            "computed_at": shown.computed_at,
            # timesince says "0 minutes" under a minute; the page says "just now" instead.
            "computed_just_now": timezone.now() - shown.computed_at < timedelta(minutes=1),
            "counted_at": shown.counted_at,
            "chart_data": chart_data(shown.figures),
            "wellbeing": wellbeing(request.user),
        },
        status=422 if form.errors else 200,
    )


@login_required
def root_causes(request):
    """Root causes with their outcomes, so the business sees what to fix upstream."""
    if not is_manager(request.user):
        raise PermissionDenied
    form, teams, period = _filtered(request)
    rows = root_cause_outcomes(teams=teams, period=period)
    return render(
        request,
        "root_causes.html",
        {"form": form, "period": period, "rows": rows},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("interactions.view_followup", raise_exception=True)
def my_day(request):
    """The agent's own day: follow-ups overdue, due today and in the next week, failed emails,
    promises kept and the wellbeing nudge."""
    return render(
        request,
        "desk/my_day.html",
        {**my_day_lists(request.user), "kept": promises_kept(request.user), "wellbeing": wellbeing(request.user)},
    )


@login_required
def my_outcomes(request):
    """The agent's own outcomes by client temperament: private to them and their managers."""
    cases = scope_to_user_teams(Case.objects.all(), request.user)
    rows = outcomes_by_temperament(agent=request.user, cases=cases)
    return render(request, "outcomes.html", {"person": request.user, "rows": rows, "own": True})


@login_required
def team_outcomes(request, user_id: int):
    """A manager's view of one team member's outcomes (404 outside the manager's teams)."""
    if user_id != request.user.pk and not is_manager(request.user):
        raise PermissionDenied
    person = get_object_or_404(staff_of_user_teams(request.user), pk=user_id)
    cases = scope_to_user_teams(Case.objects.all(), request.user)
    rows = outcomes_by_temperament(agent=person, cases=cases)
    return render(request, "outcomes.html", {"person": person, "rows": rows, "own": person == request.user})


@login_required
@permission_required("clients.view_case", raise_exception=True)
def case_list(request):
    filters = CaseFilterForm(request.GET or None, user=request.user)
    chosen = filters.filters() if filters.is_bound else {}
    cases = as_case_rows(cases_for_user(request.user, **chosen))
    # Keyset pages: the list never counts or skips over the whole case table.
    page = keyset_page(
        cases,
        case_ordering(chosen.get("sort", DEFAULT_CASE_SORT)),
        request.GET.get("cursor"),
        settings.CASEBOOK_PAGE_SIZE,
    )
    return render(
        request,
        "clients/case_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query_without_page(request),
            "kept": promises_kept(request.user),
        },
    )
