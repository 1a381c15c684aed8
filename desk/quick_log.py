"""The "log a contact" dialog, opened from any page (a button in the navigation, or `l`).

Type part of a client's name, pick the client and one of their open cases (or open a new
one), and log the contact. Saving goes through the same services as the case page's log
form (interaction_log, and case_open for a new case), so every rule on a logged contact
runs the same way. When the dialog was opened on that case's page, the page's timeline
and status are sent along and swapped in place.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.selectors import teams_for_user
from clients.selectors import clients_for_quick_pick, get_case_for_user, get_client_for_user, open_cases_of_client
from core.forms import add_service_errors
from interactions.forms import QuickLogForm
from interactions.services import interaction_log, interaction_log_on_new_case

from .workspace import case_panel_context, escalated_notice, get_case_for_page, timeline_context

CONTACT_FIELDS = ("channel", "direction", "mood", "summary", "occurred_at", "duration_minutes", "attachments")


def _pk(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _team(request, value):
    """One of the user's teams by id (404 for any other), or None for "all my teams"."""
    if not value:
        return None
    pk = _pk(value)
    if pk is None:
        raise Http404(_("No such team."))
    return get_object_or_404(teams_for_user(request.user), pk=pk)


def _page_team(request):
    """The team chosen on the page the dialog opened from (the dashboard's ?team=), if it is the user's."""
    url = request.htmx.current_url_abs_path if request.htmx else None
    pk = _pk(QueryDict(urlsplit(url).query).get("team")) if url else None
    return teams_for_user(request.user).filter(pk=pk).first() if pk else None


def _on_case_page(request, case) -> bool:
    """Whether the dialog was opened on this case's page (htmx tells us where the browser is)."""
    url = request.htmx.current_url_abs_path if request.htmx else None
    if not url:
        return False
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.view_name == "cases:detail" and match.kwargs.get("pk") == case.pk


def _render(request, form, *, client=None, team=None, status=200, extra=None):
    teams = list(teams_for_user(request.user))
    context = {
        "form": form,
        "client": client,
        # The team selector only when there is a choice to make.
        "teams": teams if len(teams) > 1 else [],
        "team": team,
        **(extra or {}),
    }
    template = "interactions/_quick_log_form.html" if request.htmx else "interactions/quick_log_page.html"
    return render(request, template, context, status=status)


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_GET
def quick_log_form(request):
    """The empty dialog (a page of its own when asked for without htmx)."""
    return _render(request, QuickLogForm(), team=_page_team(request))


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_GET
def quick_log_clients(request):
    """The typeahead: clients of the user's teams (or of the chosen one) matching `q`."""
    team = _team(request, request.GET.get("team"))
    search = request.GET.get("q", "")[:200]
    clients = clients_for_quick_pick(request.user, search=search, team_id=team.pk if team else None)
    return render(request, "interactions/_quick_log_clients.html", {"clients": clients, "search": search.strip()})


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_GET
def quick_log_cases(request, client_pk: int):
    """The picked client and their open cases to choose from."""
    client = get_client_for_user(request.user, client_pk)
    form = QuickLogForm(open_cases=open_cases_of_client(request.user, client))
    return render(request, "interactions/_quick_log_case.html", {"form": form, "client": client})


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
@require_POST
def quick_log_save(request):
    """Log the contact on the chosen case, or open the new case and log it there."""
    client_pk = _pk(request.POST.get("client"))
    client = get_client_for_user(request.user, client_pk) if client_pk else None
    case_pk = _pk(request.POST.get("case"))
    if case_pk:
        # A case outside the user's teams is a 404, as everywhere; one of theirs that is
        # not an open case of this client is a field error below.
        get_case_for_user(request.user, case_pk)
    team = _team(request, request.POST.get("team"))
    open_cases = open_cases_of_client(request.user, client) if client else ()
    form = QuickLogForm(request.POST, request.FILES, open_cases=open_cases)
    interaction = _save(request, form, client) if form.is_valid() else None
    if interaction is None:
        if not request.htmx:
            messages.error(request, _("The contact was not logged: please correct the fields below."))
        return _render(request, form, client=client, team=team, status=422)
    case = get_case_for_user(request.user, interaction.case_id)  # as it is now (a first contact starts work)
    notice = escalated_notice(interaction)
    if not request.htmx:
        messages.success(request, _("%(channel)s logged.") % {"channel": interaction.get_channel_display()})
        if notice:
            messages.warning(request, notice)
        return redirect(f"{case.get_absolute_url()}#interaction-{interaction.pk}")
    extra = {
        "logged": interaction,
        "logged_case": case,
        "opened": form.chosen_case() is None,
        "escalated_notice": notice,
    }
    if _on_case_page(request, case):
        case = get_case_for_page(request.user, case.pk)  # the panels read it as the case page does
        extra.update(oob_case=case, **timeline_context(request, case), **case_panel_context(case))
    response = _render(request, QuickLogForm(), team=team, extra=extra)
    return trigger_client_event(response, "contact-logged", {"case": case.pk, "interaction": interaction.pk})


def _save(request, form, client):
    """Call the logging service; None with the errors on the form when it refuses."""
    data = form.cleaned_data
    contact = {name: data[name] for name in CONTACT_FIELDS}
    case = form.chosen_case()
    try:
        if case is None:
            return interaction_log_on_new_case(
                actor=request.user,
                client=client,
                title=data["new_case_title"].strip(),
                request_key=data["request_key"],
                **contact,
            )
        return interaction_log(actor=request.user, case=case, request_key=data["request_key"], **contact)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
