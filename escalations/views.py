"""The managers' review queue (/escalations/) and the review page of one escalation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import staff_of_team, team_settings, teams_for_user
from clients.business_hours import calendar_for_team
from clients.selectors import Clock, case_clock
from core.forms import add_service_errors
from interactions.selectors import case_timeline
from playbooks.models import Concession, ConcessionStatus
from playbooks.selectors import case_playbook_context

from .forms import DecisionForm, QueueFilterForm
from .selectors import escalation_queue, get_escalation_for_user
from .services import escalation_decision_make

REVIEW = "clients.review_case"


@login_required
@permission_required(REVIEW, raise_exception=True)
def queue(request):
    teams = list(teams_for_user(request.user))
    form = QueueFilterForm(request.GET or None, teams=teams)
    filters = form.cleaned_data if form.is_valid() else {}
    rows, more = escalation_queue(
        request.user,
        reason=filters.get("reason", ""),
        team_id=filters.get("team"),
        overdue=filters.get("overdue", False),
    )
    return render(request, "escalations/queue.html", {"form": form, "rows": rows, "more": more})


def _review_page(request, escalation, form=None, status=200):
    case = escalation.case
    concessions = list(Concession.objects.filter(case=case, status=ConcessionStatus.PENDING))
    agents = [user for user in staff_of_team(case.team) if user != case.owner]
    form = form or DecisionForm(agents=agents, concessions=concessions)
    team_response = escalation_queue_clock(escalation)
    context = {
        "escalation": escalation,
        "case": case,
        "form": form,
        "response_clock": team_response,
        "case_clock": case_clock(case),
        "timeline": case_timeline(case),
        **case_playbook_context(case, request.user, full=True),
    }
    return render(request, "escalations/review.html", context, status=status)


def escalation_queue_clock(escalation) -> Clock:
    """The escalation's response clock, against its team's response target."""
    settings = team_settings(escalation.case.team)
    calendar = calendar_for_team(escalation.case.team, settings)
    target = float(settings.response_target_hours)
    end = escalation.decided_at or timezone.now()
    return Clock(
        elapsed=calendar.elapsed(escalation.raised_at, end),
        target_hours=target,
        breach_at=calendar.breach_at(escalation.raised_at, target),
    )


@login_required
@permission_required(REVIEW, raise_exception=True)
def review(request, pk: int):
    return _review_page(request, get_escalation_for_user(request.user, pk))


@login_required
@permission_required(REVIEW, raise_exception=True)
@require_POST
def decide(request, pk: int):
    escalation = get_escalation_for_user(request.user, pk)
    case = escalation.case
    concessions = list(Concession.objects.filter(case=case, status=ConcessionStatus.PENDING))
    agents = [user for user in staff_of_team(case.team) if user != case.owner]
    form = DecisionForm(request.POST, agents=agents, concessions=concessions)
    if form.is_valid():
        data = form.cleaned_data
        try:
            escalation_decision_make(
                actor=request.user,
                escalation=escalation,
                decision=data["decision"],
                note=data["note"],
                new_owner=form.agents.get(data["new_owner"]) if data["new_owner"] else None,
                concession=form.concessions.get(data["concession"]) if data["concession"] else None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded; the agent has been told."))
            return redirect("escalations:queue")
    escalation.refresh_from_db()
    # "Already decided by ..." shows even though the page then has no form any more.
    for error in form.non_field_errors() or [_("No decision was recorded: see the form below.")]:
        messages.error(request, error)
    return _review_page(request, escalation, form=form, status=422)
