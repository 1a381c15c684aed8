from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from clients.selectors import get_case_for_user
from core.export import CHUNK_SIZE, csv_response
from core.forms import add_service_errors

from .attachments import attachment_storage
from .forms import CancelForm, ClientSummaryForm, CompleteForm, FollowUpForm, RescheduleForm
from .selectors import (
    get_attachment_for_user,
    get_follow_up_for_user,
    interactions_for_case,
)
from .services import (
    client_summary_send,
    follow_up_cancel,
    follow_up_complete,
    follow_up_reschedule,
    follow_up_schedule,
    satisfaction_rate,
)

# A downloaded file is never a page: nothing in it may run, load or be framed, even if a
# browser were to open it.
ATTACHMENT_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


@login_required
@permission_required("interactions.view_interaction", raise_exception=True)
def attachment_download(request, pk: int):
    """A contact's file, to members of the case's team only (404 for anyone else), always
    as a download with the type its bytes showed when it was stored."""
    attachment = get_attachment_for_user(request.user, pk)
    try:
        file = attachment_storage().open(attachment.stored_name, "rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(
        file,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cache-Control"] = "private, no-store"
    return response


# --- Follow-ups ------------------------------------------------------------------------


def _back_url(request, follow_up) -> str:
    """Where the action started (My day or the case page), never off-site: the one check
    for both the redirect after the form and the page's "Back" link."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else follow_up.case.get_absolute_url()


@login_required
@permission_required("interactions.add_followup", raise_exception=True)
def follow_up_create(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    form = FollowUpForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            follow_up_schedule(
                actor=request.user,
                case=case,
                kind=data["kind"],
                due_at=data["due_at"],
                note=data["note"],
                owner=data["owner"],
                request_key=data["request_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up scheduled. Its owner will be reminded before it is due."))
            return redirect(f"{case.get_absolute_url()}#follow-ups")
    # htmx asks for the form alone when the case page's folded part is opened.
    template = "interactions/_follow_up_form.html" if request.htmx and request.method == "GET" else None
    return render(
        request,
        template or "interactions/follow_up_form.html",
        {"case": case, "form": form},
        status=422 if form.errors else 200,
    )


def _follow_up_action(request, follow_up, form, *, action: str, call, success: str):
    """Done, reschedule and cancel: validate, call the service, go back, or show the errors."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_back_url(request, follow_up))
    return render(
        request,
        "interactions/follow_up_action.html",
        {"follow_up": follow_up, "form": form, "action": action, "next": _back_url(request, follow_up)},
        status=422 if form.errors else 200,
    )


@login_required
@permission_required("interactions.change_followup", raise_exception=True)
def follow_up_done(request, pk: int):
    follow_up = get_follow_up_for_user(request.user, pk)
    return _follow_up_action(
        request,
        follow_up,
        CompleteForm(request.POST or None, follow_up=follow_up),
        action="done",
        call=lambda data: follow_up_complete(
            actor=request.user, follow_up=follow_up, fulfilled_by=data["fulfilled_by"]
        ),
        success=_("Marked done: a promise kept."),
    )


@login_required
@permission_required("interactions.change_followup", raise_exception=True)
def follow_up_reschedule_view(request, pk: int):
    follow_up = get_follow_up_for_user(request.user, pk)
    return _follow_up_action(
        request,
        follow_up,
        RescheduleForm(request.POST or None, initial={"due_at": timezone.localtime(follow_up.due_at)}),
        action="reschedule",
        call=lambda data: follow_up_reschedule(
            actor=request.user, follow_up=follow_up, due_at=data["due_at"], note=data["note"]
        ),
        success=_("Follow-up moved. The reminder will come before the new time."),
    )


@login_required
@permission_required("interactions.change_followup", raise_exception=True)
def follow_up_cancel_view(request, pk: int):
    follow_up = get_follow_up_for_user(request.user, pk)
    return _follow_up_action(
        request,
        follow_up,
        CancelForm(request.POST or None),
        action="cancel",
        call=lambda data: follow_up_cancel(actor=request.user, follow_up=follow_up, note=data["note"]),
        success=_("Follow-up cancelled."),
    )


@login_required
@permission_required("interactions.add_interaction", raise_exception=True)
def client_summary_view(request, case_pk: int):
    case = get_case_for_user(request.user, case_pk)
    # An answer to a client's email starts from its subject (?subject=, from the email's page).
    subject = " ".join(request.GET.get("subject", "").split())[:200]
    form = ClientSummaryForm(request.POST or None, initial={"subject": subject} if subject else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client_summary_send(
                actor=request.user,
                case=case,
                subject=data["subject"],
                body=data["body"],
                request_key=data["request_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Summary on its way to %(email)s.") % {"email": case.client.email})
            return redirect(case)
    return render(
        request, "interactions/client_summary.html", {"case": case, "form": form}, status=422 if form.errors else 200
    )


def rating(request, token: str):
    """The public page a rating link opens: no login; the link itself is the credential."""
    try:
        survey = satisfaction_rate(token=token)
    except ValidationError as error:
        return render(request, "interactions/rating.html", {"error": error.messages[0]}, status=400)
    return render(request, "interactions/rating.html", {"survey": survey})


def _logger_name(user) -> str:
    if user is None:
        return _("(arrived by email)")
    return user.get_full_name() or user.username


@login_required
def interactions_export(request, case_pk: int):
    """A case's interactions as CSV, oldest first, streamed."""
    case = get_case_for_user(request.user, case_pk)
    interactions = interactions_for_case(case).select_related("logged_by").order_by("occurred_at", "id")
    rows = (
        (
            interaction.pk,
            timezone.localtime(interaction.occurred_at).isoformat(),
            interaction.get_channel_display(),
            interaction.get_direction_display(),
            interaction.get_mood_display(),
            interaction.summary,
            _logger_name(interaction.logged_by),
            interaction.corrects_id or "",
        )
        for interaction in interactions.iterator(chunk_size=CHUNK_SIZE)
    )
    header = [
        _("id"),
        _("when"),
        _("channel"),
        _("direction"),
        _("client's mood"),
        _("summary"),
        _("logged by"),
        _("corrects entry"),
    ]
    return csv_response(f"case-{case.pk}-interactions.csv", header, rows)
