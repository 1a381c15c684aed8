from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.selectors import history_of
from core.forms import add_service_errors

from .forms import ClosedDayForm, ProfileForm, TeamSettingsForm
from .selectors import notices_for_user, team_settings, teams_for_user
from .services import (
    TEAM_SETTINGS_FIELDS,
    notices_mark_read,
    team_closed_day_add,
    team_closed_day_remove,
    team_settings_update,
    user_update_profile,
)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Your preferences are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
def notices(request):
    """The user's notices, newest first; opening the page marks them read."""
    items = list(notices_for_user(request.user)[:100])
    if request.method == "POST":
        notices_mark_read(user=request.user)
        messages.success(request, _("All your notices are marked read."))
        return redirect("accounts:notices")
    return render(request, "accounts/notices.html", {"notices": items})


def _managed_team(request, pk: int):
    # Other teams' settings do not exist for this manager.
    return get_object_or_404(teams_for_user(request.user), pk=pk)


@login_required
@permission_required("clients.review_case", raise_exception=True)
def team_settings_edit(request, pk: int):
    """A manager's page for the team's targets, thresholds, calendar, hostile phrases and closed days."""
    team = _managed_team(request, pk)
    current = team_settings(team)
    form = TeamSettingsForm(request.POST or None, instance=current, prefix="settings")
    day_form = ClosedDayForm(prefix="day")
    if request.method == "POST" and form.is_valid():
        try:
            team_settings_update(
                actor=request.user, team=team, **{f: form.cleaned_data[f] for f in TEAM_SETTINGS_FIELDS}
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The team's settings are saved."))
            return redirect("accounts:team_settings", pk=team.pk)
    return _settings_page(request, team, form, day_form, status=422 if form.errors else 200)


@login_required
@permission_required("clients.review_case", raise_exception=True)
def team_settings_history(request, pk: int):
    """Who changed the team's settings and closed days, when, and each value before and after."""
    team = _managed_team(request, pk)
    page = Paginator(history_of(team), 50).get_page(request.GET.get("page"))
    back = reverse("accounts:team_settings", args=[team.pk])
    return render(request, "audit/history.html", {"record": team, "back": back, "page": page})


def _settings_page(request, team, form, day_form, status=200):
    context = {"team": team, "form": form, "day_form": day_form, "closed_days": team.closed_days.order_by("date")}
    return render(request, "accounts/team_settings.html", context, status=status)


@login_required
@permission_required("clients.review_case", raise_exception=True)
@require_POST
def closed_day_add(request, pk: int):
    team = _managed_team(request, pk)
    day_form = ClosedDayForm(request.POST, prefix="day")
    if day_form.is_valid():
        try:
            team_closed_day_add(actor=request.user, team=team, **day_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(day_form, error)
        else:
            messages.success(request, _("Closed day added."))
            return redirect("accounts:team_settings", pk=team.pk)
    form = TeamSettingsForm(instance=team_settings(team), prefix="settings")
    return _settings_page(request, team, form, day_form, status=422)


@login_required
@permission_required("clients.review_case", raise_exception=True)
@require_POST
def closed_day_remove(request, pk: int, day_pk: int):
    team = _managed_team(request, pk)
    day = get_object_or_404(team.closed_days, pk=day_pk)
    team_closed_day_remove(actor=request.user, day=day)
    messages.success(request, _("Closed day removed."))
    return redirect("accounts:team_settings", pk=team.pk)
