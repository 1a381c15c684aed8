from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager
from accounts.selectors import team_settings, teams_for_user
from clients.models import Temperament
from clients.selectors import get_case_for_user
from core.forms import add_service_errors
from interactions.selectors import case_timeline

from . import services
from .forms import (
    CaseReviewForm,
    LimitsForm,
    PhrasingCheckForm,
    PlaybookForm,
    SavedReplyForm,
    StepFormSet,
    ordered_steps,
)
from .phrasing import check_phrasing
from .selectors import (
    CASE_RELATED,
    case_playbook_context,
    get_playbook_for_user,
    get_saved_reply_for_user,
    limits_for_team,
    playbooks_for_team,
    render_saved_reply,
    saved_replies_for_user,
)

# --- Working a case ------------------------------------------------------------------


@login_required
@permission_required("clients.view_case", raise_exception=True)
def reply_render(request, case_pk: int, pk: int):
    """A saved reply filled in for this case, as plain text for the agent to insert and adapt."""
    case = get_case_for_user(request.user, case_pk)
    reply = get_saved_reply_for_user(request.user, pk)
    if reply.team_id != case.team_id:
        raise Http404
    text = render_saved_reply(reply, case=case, agent=request.user)
    if request.htmx:
        # A preview with the phrasing check, for the agent to insert into a contact note.
        return render(
            request, "playbooks/_reply_preview.html", {"text": text, "warnings": check_phrasing(text), "reply": reply}
        )
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@login_required
@permission_required("clients.view_case", raise_exception=True)
def case_file(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk, *CASE_RELATED)
    context = {"case": case, "timeline": case_timeline(case), **case_playbook_context(case, request.user, full=True)}
    return render(request, "playbooks/case_file.html", context)


# --- Managers ------------------------------------------------------------------------


def _manager_teams(request):
    if not is_manager(request.user):
        raise Http404
    return teams_for_user(request.user)


@login_required
@permission_required("playbooks.edit_playbook", raise_exception=True)
def playbook_list(request):
    teams = list(_manager_teams(request))
    rows = [{"team": team, "playbooks": playbooks_for_team(team.pk), "limits": limits_for_team(team)} for team in teams]
    return render(
        request, "playbooks/playbook_list.html", {"rows": rows, "replies": saved_replies_for_user(request.user)}
    )


def _team_from_query(request, teams):
    team = next((t for t in teams if str(t.pk) == request.GET.get("team", "")), None)
    if team is None:
        raise Http404
    return team


@login_required
@permission_required("playbooks.edit_playbook", raise_exception=True)
def playbook_edit(request, pk: int):
    teams = _manager_teams(request)
    team = _team_from_query(request, teams)
    playbook = get_playbook_for_user(request.user, pk)
    if playbook.team_id not in (None, team.pk):
        raise Http404
    version = playbook.versions.order_by("-number").first()
    steps = list(version.steps.order_by("position")) if version else []
    initial_steps = [
        {f: getattr(s, f) for f in ("kind", "title", "guidance", "phrasings", "avoid")} | {"ORDER": s.position}
        for s in steps
    ]
    form = PlaybookForm(request.POST or None, initial={"name": playbook.name, "temperaments": playbook.temperaments})
    formset = StepFormSet(request.POST or None, initial=initial_steps, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            edited = services.playbook_edit(
                actor=request.user,
                team=team,
                playbook=playbook,
                name=form.cleaned_data["name"],
                temperaments=form.cleaned_data["temperaments"],
                steps=ordered_steps(formset),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(playbook)s saved as a new version. Cases already under way keep theirs.") % {"playbook": edited},
            )
            return redirect("playbooks:list")
    has_errors = bool(form.errors or formset.total_error_count() or formset.non_form_errors())
    return render(
        request,
        "playbooks/playbook_form.html",
        {"form": form, "formset": formset, "playbook": playbook, "team": team, "version": version},
        status=422 if has_errors else 200,
    )


@login_required
@permission_required("playbooks.edit_playbook", raise_exception=True)
def limits_edit(request):
    teams = _manager_teams(request)
    team = _team_from_query(request, teams)
    currency = team_settings(team).currency
    form = LimitsForm(request.POST or None, limits=limits_for_team(team), currency=currency)
    if request.method == "POST" and form.is_valid():
        try:
            for kind, unit, value in form.limits():
                services.concession_limit_set(actor=request.user, team=team, kind=kind, unit=unit, max_value=value)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Concession limits of %(team)s saved.") % {"team": team})
            return redirect("playbooks:list")
    return render(
        request,
        "playbooks/limits_form.html",
        {"form": form, "team": team, "currency": currency},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("playbooks.edit_playbook", raise_exception=True)
def reply_edit(request, pk: int | None = None):
    teams = _manager_teams(request)
    reply = get_saved_reply_for_user(request.user, pk) if pk else None
    form = SavedReplyForm(request.POST or None, instance=reply, teams=teams)
    if request.method == "POST" and "delete" in request.POST and reply is not None:
        services.saved_reply_delete(actor=request.user, reply=reply)
        messages.success(request, _("Saved reply deleted."))
        return redirect("playbooks:list")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.saved_reply_save(
                actor=request.user,
                team=data["team"],
                title=data["title"],
                body=data["body"],
                temperament=data["temperament"],
                step_kind=data["step_kind"],
                is_automatic=data["is_automatic"],
                trigger_phrases=data["trigger_phrases"],
                reply=reply,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved reply saved."))
            return redirect("playbooks:list")
    warnings = check_phrasing(form["body"].value() or "")
    return render(
        request,
        "playbooks/reply_form.html",
        {"form": form, "reply": reply, "warnings": warnings, "temperaments": Temperament.choices},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
def case_close_review(request, case_pk: int):
    """Close a resolved case after a short lessons-learned review."""
    case = get_case_for_user(request.user, case_pk)
    form = CaseReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close_with_review(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case closed. Thank you for writing down what you learned."))
            return redirect(case)
    return render(
        request, "playbooks/close_review.html", {"case": case, "form": form}, status=422 if form.errors else 200
    )


@login_required
@require_POST
def phrasing_check(request):
    """Live phrasing warnings for the text being typed (an htmx fragment)."""
    form = PhrasingCheckForm({"text": request.POST.get(request.GET.get("field", "text"), "")})
    form.is_valid()
    warnings = check_phrasing(form.cleaned_data.get("text", ""))
    return render(request, "partials/phrasing_warnings.html", {"warnings": warnings})
