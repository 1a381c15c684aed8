"""The case workspace: the case page and the actions that work a case from it.

The page combines every app (the case, its contacts and follow-ups, the playbook); an action
whose form is refused draws the whole page again with that form's errors. Reads go through
the apps' selectors, changes through their services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import is_manager
from accounts.selectors import scope_to_user_teams
from chat.selectors import open_chat_on_case
from clients.forms import CaseStatusForm
from clients.models import Case
from clients.selectors import (
    boundary_warning_summary,
    case_clock,
    case_has_events_after,
    cases_of_client,
    get_case_for_user,
    get_client_for_user,
    get_event_of_case,
)
from clients.services import case_change_status
from core.forms import add_service_errors
from core.pagination import page_of
from escalations.forms import EscalationForm
from escalations.services import case_escalate
from interactions.forms import (
    InteractionForm,
)
from interactions.selectors import (
    case_timeline,
    follow_ups_for_case,
    get_interaction_on_case,
    interactions_for_client,
    last_mood,
    mood_over_time,
    with_files,
)
from interactions.services import (
    interaction_log,
)
from playbooks import services
from playbooks.forms import (
    ChoosePlaybookForm,
    ConcessionForm,
    DecideForm,
    FaultForm,
    OptionForm,
    SkipForm,
    concession_form,
    fault_form,
    playbook_panel_forms,
    step_form,
    step_outcome,
)
from playbooks.models import SolutionOption
from playbooks.selectors import CASE_RELATED as PLAYBOOK_CASE_RELATED
from playbooks.selectors import (
    case_playbook_context,
    case_playbook_version,
    fault_record_for_case,
    get_concession_on_case,
    get_step_of_case,
    limits_for_team,
    limits_in_words,
    playbooks_for_team,
)

# --- from clients ---


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_detail(request, pk: int):
    client = get_client_for_user(request.user, pk)
    cases = cases_of_client(request.user, client)
    page = page_of(request, interactions_for_client(client), per_page=20)
    page.object_list = with_files(page.object_list)
    return render(
        request,
        "clients/client_detail.html",
        {
            "client": client,
            "cases": cases,
            "page": page,
            "mood": mood_over_time(client),
        },
    )


def case_panel_context(case, *, status_form=None, escalation_form=None) -> dict:
    """The forms beside the case's work: its status, and asking a manager for help. They are
    folded, and drawn when opened (`case_panel_form`), unless they come back with errors."""
    return {
        "status_form": status_form or CaseStatusForm(case=case),
        "escalation_form": escalation_form,
    }


def timeline_context(request, case, known=(), before=None) -> dict:
    """The newest entries of the timeline (older than `before` when given); the page offers
    the next ones ("show earlier entries", `timeline_earlier`) when there are more."""
    limit = settings.CASEBOOK_TIMELINE_LIMIT
    timeline = case_timeline(case, limit=limit + 1, known=known, before=before)
    return {"timeline": timeline[:limit], "timeline_more": timeline[limit - 1] if len(timeline) > limit else None}


@login_required
@permission_required("clients.view_case", raise_exception=True)
def timeline_earlier(request, pk: int, before: int):
    """The timeline entries older than `before`: added under the shown ones by htmx, or as a
    page of their own (the link, without JavaScript)."""
    case = get_case_for_user(request.user, pk)
    context = {"case": case, **timeline_context(request, case, before=get_event_of_case(case, before))}
    template = "timeline/_earlier.html" if request.htmx else "timeline/earlier.html"
    return render(request, template, context)


def render_case_page(
    request, case, *, log_form=None, status_form=None, escalation_form=None, playbook_forms=None, status=200
):
    """The case page: details, timeline, the playbook and the forms to work the case."""
    if not hasattr(case, "warnings_given"):  # read by a form's view: read it as the page does
        case = get_case_for_page(request.user, case.pk)
    # A client limited to written contact: the log form starts on email.
    log_initial = {"channel": "email"} if case.client.written_contact_only else None
    playbook = case_playbook_context(case, request.user)
    playbook.update(playbook_panel_forms(case, playbook, bound=playbook_forms))
    follow_ups = follow_ups_for_case(case)
    # Rows the page has read already are not read again for the timeline entries about them.
    known = [
        *(step.record for step in playbook.get("pb_steps", ()) if step.record),
        *playbook.get("pb_options", ()),
        *playbook.get("pb_concessions", ()),
        *(row for row in (playbook.get("pb_pinned"), playbook.get("pb_fault")) if row is not None),
        *follow_ups,
    ]
    return render(
        request,
        "clients/case_detail.html",
        {
            "case": case,
            **timeline_context(request, case, known),
            "form": log_form or InteractionForm(initial=log_initial),
            "case_clock": case_clock(case),
            "follow_ups": follow_ups,
            "next_promise": next((follow_up for follow_up in follow_ups if follow_up.is_open), None),
            **case_panel_context(case, status_form=status_form, escalation_form=escalation_form),
            **playbook,
        },
        status=status,
    )


def get_case_for_page(user, pk: int):
    """The case with what its page shows of it in one query: the team's settings (the
    resolution clock), the pinned playbook and fault record, the mood of the latest contact
    (coaching), the boundary warnings given and the open live chat (the header's link)."""
    cases = Case.objects.select_related("client", "owner", "team", "team__settings", *PLAYBOOK_CASE_RELATED)
    cases = cases.annotate(last_mood=last_mood(), open_chat=open_chat_on_case(), **boundary_warning_summary())
    return get_object_or_404(scope_to_user_teams(cases, user), pk=pk)


@login_required
@permission_required("clients.view_case", raise_exception=True)
def case_detail(request, pk: int):
    return render_case_page(request, get_case_for_page(request.user, pk))


def folded_form(request, case, template: str, title: str, context: dict):
    """A form the case page keeps folded, unbound: alone when htmx asks for it as its fold
    opens, otherwise as a page of its own (the link inside the fold, without JavaScript).
    The page draws only what is open; these are drawn when wanted."""
    context = {"case": case, **context}
    if request.htmx:
        return render(request, template, context)
    return render(request, "clients/case_panel_form.html", {**context, "form_template": template, "title": title})


def case_panel_form(request, case, name: str):
    """The status or the escalation form, as its fold opens (`folded_form`)."""
    if name == "status":
        return folded_form(
            request,
            case,
            "clients/_status_form.html",
            _("Change the status"),
            {"status_form": CaseStatusForm(case=case)},
        )
    return folded_form(
        request, case, "clients/_escalation_form.html", _("Ask a manager"), {"escalation_form": EscalationForm()}
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_status(request, pk: int):
    case = get_case_for_user(request.user, pk)
    if request.method == "GET":
        return case_panel_form(request, case, "status")
    form = CaseStatusForm(request.POST, case=case)
    if form.is_valid():
        try:
            case = case_change_status(
                actor=request.user, case=case, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case is now %(status)s.") % {"status": case.get_status_display().lower()})
            return redirect(case)
    messages.error(request, _("The status was not changed: see the reason below."))
    return render_case_page(request, case, status_form=form, status=422)


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_escalate_view(request, pk: int):
    case = get_case_for_user(request.user, pk)
    if request.method == "GET":
        return case_panel_form(request, case, "escalation")
    form = EscalationForm(request.POST)
    if form.is_valid():
        try:
            case_escalate(
                actor=request.user, case=case, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Escalated. The team's managers will review the case; keep working it meanwhile.")
            )
            return redirect(case)
    messages.error(request, _("The case was not escalated: see the form below."))
    return render_case_page(request, case, escalation_form=form, status=422)


# --- from interactions ---


def escalated_notice(interaction) -> str:
    """What the agent is told when the contact they just logged sent the case to a manager
    (an abusive contact escalates at once: interactions.services.interaction_log), or ""."""
    if interaction is None or not interaction.escalated:
        return ""
    return _("This contact was abusive: the case went to a manager for review.")


def _log(request, case, form, corrects=None):
    """Validate and log; returns the interaction, or None with the errors on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return interaction_log(
            actor=request.user,
            case=case,
            channel=data["channel"],
            direction=data["direction"],
            mood=data["mood"],
            summary=data["summary"],
            occurred_at=data["occurred_at"],
            duration_minutes=data["duration_minutes"],
            corrects=corrects,
            request_key=data["request_key"],
            attachments=data["attachments"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_POST
def log_interaction(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    form = InteractionForm(request.POST, request.FILES)
    before = (case.status, case.waiting_on_client_since)
    interaction = _log(request, case, form)
    notice = escalated_notice(interaction)
    if request.htmx:
        context = {"case": case, "form": form, "logged": interaction, "escalated_notice": notice}
        if interaction is not None:
            context["form"] = InteractionForm()
            # Usually only the new entry is sent, to go on top of the timeline. When the
            # contact moved the case on (a new case starts work, a wait on the client ends)
            # the timeline has more new entries and the status panel changed (so it does when
            # the contact sent the case to a manager, even one it was with already), and a
            # contact dated before the latest entry belongs further down: then both are sent
            # whole. (A contact logged for now goes on top even if a colleague logged one on
            # the same case meanwhile: this page does not show theirs yet.)
            moved = bool(notice) or (case.status, case.waiting_on_client_since) != before
            dated = form.cleaned_data["occurred_at"] is not None
            if moved or (dated and case_has_events_after(case, interaction.occurred_at)):
                case = get_case_for_page(request.user, case.pk)  # the panels read it as the page does
                context.update(case=case, **timeline_context(request, case), **case_panel_context(case))
        return render(
            request, "interactions/_log_response.html", context, status=200 if interaction is not None else 422
        )
    if interaction is None:
        messages.error(request, _("The contact was not logged: please correct the fields below."))
        return render_case_page(request, case, log_form=form, status=422)
    messages.success(request, _("%(channel)s logged.") % {"channel": interaction.get_channel_display()})
    if notice:
        messages.warning(request, notice)
    return redirect(f"{case.get_absolute_url()}#interaction-{interaction.pk}")


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
def correct_interaction(request, case_pk: int, pk: int):
    case = get_case_for_user(request.user, case_pk)
    original = get_interaction_on_case(case, pk)
    if request.method == "POST":
        form = InteractionForm(request.POST, request.FILES)
        correction = _log(request, case, form, corrects=original)
        if correction is not None:
            messages.success(request, _("Correction logged. The original entry stays on the record."))
            if notice := escalated_notice(correction):
                messages.warning(request, notice)
            return redirect(f"{case.get_absolute_url()}#interaction-{correction.pk}")
        status = 422
    else:
        form = InteractionForm.correcting(original)
        status = 200
    return render(
        request, "interactions/correct.html", {"case": case, "original": original, "form": form}, status=status
    )


# --- from playbooks ---

PANEL = "#playbook"


def _back(case):
    return redirect(f"{case.get_absolute_url()}{PANEL}")


def _failed(request, case, name: str, form):
    messages.error(request, _("Nothing was saved: see the playbook panel below."))
    return render_case_page(request, case, playbook_forms={name: form}, status=422)


def _run(request, case, name, form, call, success: str):
    """Validate `form`, call the service; on error re-render the case page with the form."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return _back(case)
    return _failed(request, case, name, form)


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def choose(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    available = {p.pk: p for p in playbooks_for_team(case.team_id)}
    form = ChoosePlaybookForm(request.POST, playbooks=available.values())
    return _run(
        request,
        case,
        "choose",
        form,
        lambda data: services.case_playbook_choose(actor=request.user, case=case, playbook=available[data["playbook"]]),
        _("Playbook chosen."),
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def step_complete(request, case_pk: int, step_pk: int):
    case = get_case_for_user(request.user, case_pk, *PLAYBOOK_CASE_RELATED)
    _pinned, version = case_playbook_version(case)
    step = get_step_of_case(version, step_pk)
    form = step_form(step.kind, request.POST, options=SolutionOption.objects.filter(case=case))
    return _run(
        request,
        case,
        "step",
        form,
        lambda data: services.step_complete(actor=request.user, case=case, step=step, outcome=step_outcome(form)),
        _("“%(step)s” done.") % {"step": step.title},
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def step_skip(request, case_pk: int, step_pk: int):
    case = get_case_for_user(request.user, case_pk, *PLAYBOOK_CASE_RELATED)
    _pinned, version = case_playbook_version(case)
    step = get_step_of_case(version, step_pk)
    if request.method == "GET":
        context = {"step": step, "form": SkipForm(prefix="skip")}
        return folded_form(request, case, "playbooks/_skip_form.html", _("Skip this step"), context)
    form = SkipForm(request.POST, prefix="skip")
    return _run(
        request,
        case,
        "skip",
        form,
        lambda data: services.step_skip(actor=request.user, case=case, step=step, reason=data["reason"]),
        _("“%(step)s” skipped.") % {"step": step.title},
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def option_add(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    form = OptionForm(request.POST, prefix="option")
    return _run(
        request,
        case,
        "option",
        form,
        lambda data: services.option_add(actor=request.user, case=case, **data),
        _("Option added."),
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def concession_add(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    if request.method == "GET":
        context = {"form": concession_form(case), "limits_text": limits_in_words(limits_for_team(case.team_id))}
        return folded_form(request, case, "playbooks/_concession_form.html", _("Record a concession"), context)
    form = ConcessionForm(request.POST, prefix="concession")
    if form.is_valid():
        try:
            concession = services.concession_offer(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            reason = services.concession_pending_reason(concession)
            if reason:
                messages.warning(
                    request, _("Concession saved; it waits for a manager. %(reason)s") % {"reason": reason}
                )
            else:
                messages.success(request, _("Concession recorded."))
            return _back(case)
    return _failed(request, case, "concession", form)


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def concession_decide(request, case_pk: int, pk: int):
    case = get_case_for_user(request.user, case_pk)
    if not is_manager(request.user):
        raise Http404
    concession = get_concession_on_case(case, pk)
    form = DecideForm(request.POST, prefix="decide")
    return _run(
        request,
        case,
        "decide",
        form,
        lambda data: services.concession_decide(
            actor=request.user, concession=concession, approve=data["decision"] == "approve", note=data["note"]
        ),
        _("Decision recorded."),
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def fault_record(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    if request.method == "GET":
        context = {"form": fault_form(fault_record_for_case(case))}
        return folded_form(request, case, "playbooks/_fault_form.html", _("Fault and apology"), context)
    form = FaultForm(request.POST, prefix="fault")
    return _run(
        request,
        case,
        "fault",
        form,
        lambda data: services.fault_record(actor=request.user, case=case, **data),
        _("Fault and apology recorded."),
    )
