"""Mail from clients in the browser: the triage list, one email's original, and the webhook
that mail services post incoming mail to."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.selectors import staff_of_user_teams, teams_for_user
from core.forms import add_service_errors

from .forms import MailboxForm, PlaceForm
from .selectors import (
    get_message_for_user,
    get_message_of_interaction,
    mailboxes_for_user,
    triage_for_user,
    webhook_mailbox,
)
from .services import (
    MAILBOX_FIELDS,
    answer_subject,
    mailbox_new_webhook_secret,
    mailbox_save,
    message_ignore,
    message_mood_confirm,
    message_place,
    message_take_in,
    mood_reasons,
)

MANAGE = "clients.review_case"

TRIAGE_PAGE = 50


@login_required
def triage(request):
    messages_waiting = list(triage_for_user(request.user)[: TRIAGE_PAGE + 1])
    return render(
        request,
        "inbox/triage.html",
        {"waiting": messages_waiting[:TRIAGE_PAGE], "more": len(messages_waiting) > TRIAGE_PAGE, "section": "inbox"},
    )


def _message_page(request, message, form=None, status=200):
    if form is None and message.state == "triage":
        form = PlaceForm(team_id=message.mailbox.team_id)
    context = {
        "message": message,
        "form": form,
        "answer_subject": answer_subject(message.subject),
        "mood_reasons": mood_reasons(message),
        "section": "inbox",
    }
    return render(request, "inbox/message.html", context, status=status)


@login_required
def message_detail(request, pk: int):
    return _message_page(request, get_message_for_user(request.user, pk))


@login_required
def original_of_interaction(request, interaction_pk: int):
    """From a contact's card on the timeline to the email it came from."""
    return redirect("inbox:message", get_message_of_interaction(request.user, interaction_pk).pk)


@login_required
def message_raw(request, pk: int):
    """The email exactly as received, as a download (never shown as a page)."""
    message = get_message_for_user(request.user, pk)
    response = HttpResponse(bytes(message.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{message.pk}.eml"'
    return response


@login_required
@require_POST
def place(request, pk: int):
    message = get_message_for_user(request.user, pk)
    form = PlaceForm(request.POST, team_id=message.mailbox.team_id)
    if form.is_valid():
        try:
            interaction = message_place(
                actor=request.user,
                message=message,
                client=form.cleaned_data["client"],
                new_client_name=form.cleaned_data["new_client_name"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The email is on the case now."))
            return redirect(interaction.case.get_absolute_url() + f"#interaction-{interaction.pk}")
    return _message_page(request, message, form, status=400)


@login_required
@require_POST
def ignore(request, pk: int):
    message = get_message_for_user(request.user, pk)
    try:
        message_ignore(actor=request.user, message=message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _message_page(request, message, status=400)
    messages.success(request, _("The email was set aside: it stays stored, on no case."))
    return redirect("inbox:triage")


@login_required
@require_POST
def confirm_mood(request, pk: int):
    message = get_message_for_user(request.user, pk)
    try:
        message_mood_confirm(actor=request.user, message=message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _message_page(request, message, status=400)
    messages.success(request, _("Mood confirmed."))
    return redirect("inbox:message", message.pk)


@csrf_exempt
@require_POST
def webhook(request, mailbox_pk: int):
    """Incoming mail posted by a mail service: the raw message as the body, and the mailbox's
    secret as `Authorization: Bearer <secret>`. Answers 202 with the stored message's id."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    mailbox = webhook_mailbox(mailbox_id=mailbox_pk, secret=secret.strip() if scheme.lower() == "bearer" else "")
    if mailbox is None:
        return JsonResponse({"detail": "Unknown mailbox or wrong secret."}, status=404)
    # Read from the stream, not request.body: mail may be larger than the limit Django keeps
    # for form posts, and has its own (CASEBOOK_INBOX_MAX_BYTES, over which only headers are kept).
    limit = settings.CASEBOOK_INBOX_MAX_BYTES * 2
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return JsonResponse({"detail": "The message is too large."}, status=413)
    if not raw.strip():
        return JsonResponse({"detail": "Post the raw message (RFC 822) as the request body."}, status=400)
    message, new = message_take_in(mailbox=mailbox, raw=raw)
    return JsonResponse({"id": message.pk, "new": new, "state": message.state}, status=202 if new else 200)


# --- The managers' mailbox settings -----------------------------------------------------


@login_required
@permission_required(MANAGE, raise_exception=True)
def mailboxes(request):
    return render(request, "inbox/mailboxes.html", {"mailboxes": mailboxes_for_user(request.user), "section": "inbox"})


@login_required
@permission_required(MANAGE, raise_exception=True)
def mailbox_edit(request, pk: int | None = None):
    """Add a team mailbox, or change one (its password is never shown back)."""
    mailbox = get_object_or_404(mailboxes_for_user(request.user), pk=pk) if pk else None
    form = MailboxForm(
        request.POST or None,
        instance=mailbox,
        teams=teams_for_user(request.user),
        staff=staff_of_user_teams(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = mailbox_save(
                actor=request.user,
                mailbox=mailbox,
                password=form.cleaned_data["imap_password"],
                clear_password=form.cleaned_data["clear_password"],
                **{name: form.cleaned_data[name] for name in MAILBOX_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The mailbox is saved. It is read within a minute."))
            return redirect("inbox:mailbox_edit", mailbox.pk)
    status = 422 if form.errors else 200
    return render(
        request, "inbox/mailbox_form.html", {"form": form, "mailbox": mailbox, "section": "inbox"}, status=status
    )


@login_required
@permission_required(MANAGE, raise_exception=True)
@require_POST
def mailbox_webhook_secret(request, pk: int):
    """A new webhook secret, shown this once (it is not shown again)."""
    mailbox = get_object_or_404(mailboxes_for_user(request.user), pk=pk)
    secret = mailbox_new_webhook_secret(actor=request.user, mailbox=mailbox)
    return render(request, "inbox/webhook_secret.html", {"mailbox": mailbox, "secret": secret, "section": "inbox"})
