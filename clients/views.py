from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import is_manager
from audit.selectors import history_of
from core.export import CHUNK_SIZE, csv_response
from core.forms import add_service_errors
from core.pagination import page_of, query_without_page
from core.responses import unprocessable

from .forms import CaseFilterForm, CaseForm, ClientFilterForm, ClientForm, NoteForm
from .selectors import (
    cases_for_user,
    clients_for_user,
    get_case_for_user,
    get_client_for_user,
)
from .services import (
    boundary_warning_give,
    case_open,
    case_update,
    case_wait_on_client,
    client_create,
    client_set_written_contact_only,
    client_update,
)


def _history(request, record, back: str):
    # Scope first (404 outside the user's teams), then the role: an agent of the team gets 403.
    if not is_manager(request.user):
        raise PermissionDenied(_("Only managers can read the history of changes."))
    return render(
        request,
        "audit/history.html",
        {"record": record, "back": back, "page": page_of(request, history_of(record), per_page=50)},
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
        {"filters": filters, "page": page_of(request, clients), "query": query_without_page(request)},
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
