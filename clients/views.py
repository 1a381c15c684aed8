from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager
from accounts.selectors import scope_to_user_teams
from audit.selectors import history_of
from core.export import CHUNK_SIZE, csv_response
from core.forms import add_service_errors
from core.pagination import keyset_page
from core.responses import unprocessable
from interactions.forms import FollowUpForm, InteractionForm
from interactions.selectors import (
    case_timeline,
    follow_ups_for_case,
    interactions_for_client,
    last_mood,
    mood_over_time,
    promises_kept,
    with_files,
)
from playbooks.selectors import CASE_RELATED as PLAYBOOK_CASE_RELATED
from playbooks.selectors import case_playbook_context

from .forms import CaseFilterForm, CaseForm, CaseStatusForm, ClientFilterForm, ClientForm, EscalationForm, NoteForm
from .models import Case
from .selectors import (
    DEFAULT_CASE_SORT,
    as_case_rows,
    boundary_warning_summary,
    case_clock,
    case_ordering,
    cases_for_user,
    cases_of_client,
    clients_for_user,
    get_case_for_user,
    get_client_for_user,
)
from .services import (
    boundary_warning_give,
    case_change_status,
    case_escalate,
    case_open,
    case_update,
    case_wait_on_client,
    client_create,
    client_set_written_contact_only,
    client_update,
)


def _page(request, queryset, per_page: int | None = None):
    return Paginator(queryset, per_page or settings.CASEBOOK_PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    return params.urlencode()


def _history(request, record, back: str):
    # Scope first (404 outside the user's teams), then the role: an agent of the team gets 403.
    if not is_manager(request.user):
        raise PermissionDenied(_("Only managers can read the history of changes."))
    return render(
        request,
        "audit/history.html",
        {"record": record, "back": back, "page": _page(request, history_of(record), per_page=50)},
    )


# --- Clients -------------------------------------------------------------------------


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_list(request):
    filters = ClientFilterForm(request.GET or None)
    filters.is_valid()
    data = filters.cleaned_data if filters.is_bound else {}
    clients = clients_for_user(request.user, search=data.get("q", ""), temperament=data.get("temperament", ""))
    return render(
        request,
        "clients/client_list.html",
        {"filters": filters, "page": _page(request, clients), "query": _query_without_page(request)},
    )


@login_required
@permission_required("clients.add_client", raise_exception=True)
def client_create_view(request):
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = client_create(
                actor=request.user,
                team=data["team"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                company=data["company"],
                temperament=data["temperament"],
                notes=data["notes"],
                request_key=data["request_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(client)s added.") % {"client": client})
            return redirect(client)
    return render(request, "clients/client_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_detail(request, pk: int):
    client = get_client_for_user(request.user, pk)
    cases = cases_of_client(request.user, client)
    page = _page(request, interactions_for_client(client), per_page=20)
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


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_history(request, pk: int):
    client = get_client_for_user(request.user, pk)
    return _history(request, client, client.get_absolute_url())


@login_required
@permission_required("clients.change_client", raise_exception=True)
def client_edit(request, pk: int):
    client = get_client_for_user(request.user, pk)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.fields}
        try:
            client_update(actor=request.user, client=client, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Client details saved."))
            return redirect(client)
    return render(
        request, "clients/client_form.html", {"form": form, "client": client}, status=422 if form.errors else 200
    )


# --- Cases ---------------------------------------------------------------------------


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
            "query": _query_without_page(request),
            "kept": promises_kept(request.user),
        },
    )


@login_required
def case_export(request):
    """The filtered case list as CSV (same filters as the list, all pages), streamed."""
    filters = CaseFilterForm(request.GET or None, user=request.user)
    chosen = filters.filters() if filters.is_bound else {}
    cases = cases_for_user(request.user, **chosen)
    rows = (
        (
            case.pk,
            case.title,
            case.client.name,
            case.get_status_display(),
            case.get_priority_display(),
            case.get_root_cause_display(),
            case.owner.get_full_name() or case.owner.username,
            case.team.name,
            timezone.localtime(case.opened_at).isoformat(),
            timezone.localtime(case.resolved_at).isoformat() if case.resolved_at else "",
        )
        for case in cases.iterator(chunk_size=CHUNK_SIZE)
    )
    # Column names in the reader's language; the values are the same as on the pages.
    header = [
        _("id"),
        _("title"),
        _("client"),
        _("status"),
        _("priority"),
        _("root cause"),
        _("owner"),
        _("team"),
        _("opened"),
        _("resolved"),
    ]
    return csv_response("cases.csv", header, rows)


@login_required
@permission_required("clients.add_case", raise_exception=True)
def case_create(request, client_pk: int):
    client = get_client_for_user(request.user, client_pk)
    form = CaseForm(request.POST or None, client=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_open(
                actor=request.user,
                client=client,
                title=data["title"],
                problem_statement=data["problem_statement"],
                root_cause=data["root_cause"],
                priority=data["priority"],
                owner=data["owner"],
                request_key=data["request_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case opened. Log the first contact below."))
            return redirect(case)
    return render(
        request, "clients/case_form.html", {"form": form, "client": client}, status=422 if form.errors else 200
    )


def case_panel_context(case, *, status_form=None, escalation_form=None) -> dict:
    """The forms beside the case's work: its status, and asking a manager for help."""
    return {
        "status_form": status_form or CaseStatusForm(case=case),
        "escalation_form": escalation_form or EscalationForm(),
    }


def timeline_context(request, case, known=()) -> dict:
    """The newest part of the timeline, or all of it when asked for (?timeline=all)."""
    if request.GET.get("timeline") == "all":
        return {"timeline": case_timeline(case, known=known), "timeline_truncated": False}
    limit = settings.CASEBOOK_TIMELINE_LIMIT
    timeline = case_timeline(case, limit=limit + 1, known=known)
    return {"timeline": timeline[:limit], "timeline_truncated": len(timeline) > limit}


def render_case_page(
    request, case, *, log_form=None, status_form=None, escalation_form=None, playbook_forms=None, status=200
):
    """The case page: details, timeline, the playbook and the forms to work the case."""
    if not hasattr(case, "warnings_given"):  # read by a form's view: read it as the page does
        case = get_case_for_page(request.user, case.pk)
    # A client limited to written contact: the log form starts on email.
    log_initial = {"channel": "email"} if case.client.written_contact_only else None
    playbook = case_playbook_context(case, request.user, forms=playbook_forms)
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
            "follow_up_form": FollowUpForm(case=case),
            **case_panel_context(case, status_form=status_form, escalation_form=escalation_form),
            **playbook,
        },
        status=status,
    )


def get_case_for_page(user, pk: int):
    """The case with what its page shows of it in one query: the team's settings (the
    resolution clock), the pinned playbook and fault record, the mood of the latest contact
    (coaching) and the boundary warnings given."""
    cases = Case.objects.select_related("client", "owner", "team", "team__settings", *PLAYBOOK_CASE_RELATED)
    cases = cases.annotate(last_mood=last_mood(), **boundary_warning_summary())
    return get_object_or_404(scope_to_user_teams(cases, user), pk=pk)


@login_required
@permission_required("clients.view_case", raise_exception=True)
def case_detail(request, pk: int):
    return render_case_page(request, get_case_for_page(request.user, pk))


@login_required
@permission_required("clients.view_case", raise_exception=True)
def case_history(request, pk: int):
    case = get_case_for_user(request.user, pk)
    return _history(request, case, case.get_absolute_url())


@login_required
@permission_required("clients.change_case", raise_exception=True)
def case_edit(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = CaseForm(request.POST or None, instance=case, client=case.client, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {field: form.cleaned_data[field] for field in form.fields}
        try:
            case_update(actor=request.user, case=get_case_for_user(request.user, pk), **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Case details saved."))
            return redirect(case)
    return render(
        request,
        "clients/case_form.html",
        {"form": form, "client": case.client, "case": case},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def case_status(request, pk: int):
    case = get_case_for_user(request.user, pk)
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
@require_POST
def case_escalate_view(request, pk: int):
    case = get_case_for_user(request.user, pk)
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


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def case_boundary_warning(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _note_refused(request, form)
    try:
        boundary_warning_give(actor=request.user, case=case, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Warning recorded. If the client is abusive again, a manager takes over."))
    return redirect(case)


def _note_refused(request, form: NoteForm):
    return unprocessable(request, _("Not saved: %(errors)s") % {"errors": " ".join(form.errors["note"])})


@login_required
@permission_required("clients.review_case", raise_exception=True)
@require_POST
def client_written_contact(request, pk: int):
    client = get_client_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _note_refused(request, form)
    on = request.POST.get("on") == "true"
    client_set_written_contact_only(actor=request.user, client=client, on=on, note=form.cleaned_data["note"])
    messages.success(request, _("Written contact only is set.") if on else _("Calls are allowed again."))
    return redirect(client)


@login_required
@permission_required("clients.change_case", raise_exception=True)
@require_POST
def case_waiting(request, pk: int):
    """Start or stop waiting on the client (the resolution clock pauses meanwhile)."""
    case = get_case_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _note_refused(request, form)
    waiting = request.POST.get("waiting") == "1"
    try:
        case_wait_on_client(actor=request.user, case=case, waiting=waiting, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Waiting on the client: the clock is paused.") if waiting else _("No longer waiting: the clock runs."),
        )
    return redirect(case)
