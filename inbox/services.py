"""Mail from clients: take a message in once, find its case, and record it there.

The path of one message (from a mailbox poll, the webhook or the `receive_email` command):
1. `message_take_in` stores it, once per mailbox by Message-ID (and by IMAP UID), in one
   transaction with everything that follows; a second copy returns the first.
2. Its kind decides what happens: a delivery failure marks the email it reports on as
   failed and tells that email's owner; automatic replies and list mail are kept but
   never put on a case, so nothing ever answers them; mail from a person is placed.
3. Placing (`_find_case`): our own Message-IDs in In-Reply-To/References, then the case
   reference of the Reply-To address or the subject, then the sender: a known client's open
   case, else a new case for that client. An unknown sender waits in triage, where an agent
   places it (`message_place`).
4. On its case it becomes an inbound email contact (`interaction_receive`): the timeline,
   the clock and "waiting on the client" react as to a logged contact, its mood is
   suggested, files go through the attachment rules, and the case's owner is told.
Acknowledging on the IMAP server happens only after this transaction has committed
(`mailbox_poll`), so a worker killed in between fetches the message again and step 1 finds it.
"""

import hashlib
import logging
import os
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import hostile_phrases_of, team_settings
from accounts.services import notice_send
from clients.models import OPEN_STATUSES, Case, CaseStatus, Client
from clients.services import case_change_status, case_open, client_create, require_manager_of, require_member
from interactions.attachments import CheckedFile, attachment_validate
from interactions.models import Channel, EmailStatus, Interaction, OutgoingEmail
from interactions.mood import explain_mood, suggest_mood
from interactions.outbox import outgoing_email_bounced
from interactions.reply_tokens import case_id_from
from interactions.services import interaction_receive

from .auto_answers import auto_answer_send
from .imap import ImapAccount, ImapError, imap_session
from .models import InboundMessage, Mailbox, MessageKind, MessageState, new_webhook_secret
from .parsing import ParsedMessage, parse_message

logger = logging.getLogger(__name__)

# Message-IDs of our own outgoing emails (OutgoingEmail.message_id): the row's id is in it.
_OUR_MESSAGE_ID = re.compile(r"<casebook\.outbox\.(\d{1,18})@[^>]*>", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|antw|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_REF_TAG = re.compile(r"\s*\[ref c\d+-[0-9a-f]+\]", re.IGNORECASE)
# A sender's clock may be wrong: a Date further back than this is not believed.
_BELIEVABLE_DATE = timedelta(days=7)


def _message_id(parsed: ParsedMessage, raw: bytes) -> str:
    """The sender's Message-ID, or one made from the bytes for mail that has none (so a
    second copy of it is still recognised)."""
    if parsed.message_id:
        return parsed.message_id[:998]
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@casebook.invalid>"


def _occurred_at(parsed: ParsedMessage, now: datetime) -> datetime:
    sent = parsed.sent_at
    if sent is None or sent > now or sent < now - _BELIEVABLE_DATE:
        return now
    return sent


def message_take_in(
    *,
    mailbox: Mailbox,
    raw: bytes,
    uid: int | None = None,
    uidvalidity: int | None = None,
    size: int | None = None,
    truncated: bool = False,
) -> tuple[InboundMessage, bool]:
    """Store one message from `mailbox` and put it where it belongs; returns (message, new).

    A message stored before (same Message-ID, or same IMAP UID) is returned as it is:
    `new` is False and nothing else happens. Mail over CASEBOOK_INBOX_MAX_BYTES (or only
    its headers, `truncated`, as the IMAP fetch gives it) is kept as its headers with a
    note saying so. Never raises for what the message holds.
    """
    if uid is not None:
        seen = InboundMessage.objects.filter(mailbox=mailbox, imap_uidvalidity=uidvalidity, imap_uid=uid).first()
        if seen is not None:
            return seen, False
    size = len(raw) if size is None else size
    if size > settings.CASEBOOK_INBOX_MAX_BYTES and not truncated:
        raw, truncated = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0], True
    parsed = parse_message(raw, headers_only=truncated)
    message_id = _message_id(parsed, raw)
    seen = InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first()
    if seen is not None:
        return seen, False
    try:
        with transaction.atomic():
            message = _store(mailbox, parsed, raw, message_id, uid, uidvalidity, size, truncated)
    except IntegrityError:
        # Another worker stored the same message a moment ago: theirs is the one.
        same = Q(message_id=message_id)
        if uid is not None:
            same |= Q(imap_uid=uid, imap_uidvalidity=uidvalidity)
        seen = InboundMessage.objects.filter(same, mailbox=mailbox).first()
        if seen is None:
            raise
        return seen, False
    return message, True


def _store(mailbox, parsed, raw, message_id, uid, uidvalidity, size, truncated) -> InboundMessage:
    message = InboundMessage(
        mailbox=mailbox,
        message_id=message_id,
        imap_uid=uid,
        imap_uidvalidity=uidvalidity if uid is not None else None,
        sent_at=parsed.sent_at,
        from_email=parsed.from_email[:320],
        from_name=parsed.from_name[:200],
        subject=parsed.subject[:300],
        kind=parsed.kind,
        state=MessageState.IGNORED,
        text=parsed.text,
        full_text=parsed.full_text,
        safe_html=parsed.safe_html,
        raw=raw,
        size=size,
        truncated=truncated,
    )
    message.save()
    if parsed.kind == MessageKind.BOUNCE:
        _bounced(mailbox, parsed, message)
    elif parsed.kind == MessageKind.PERSONAL:
        case, how = _find_case(mailbox, parsed)
        if case is None:
            message.state = MessageState.TRIAGE
            message.threaded_by = how
            message.save(update_fields=["state", "threaded_by"])
            notice_send(
                user=mailbox.owner,
                message=_("New email from %(sender)s, who is not a client yet: place it on a case")
                % {"sender": parsed.from_name or parsed.from_email or _("an unknown sender")},
                url=reverse("inbox:triage"),
            )
        else:
            _record_on_case(message, parsed, case, how)
    # Automatic replies and list mail stay stored and ignored: answering them makes loops.
    return message


def _bounced(mailbox: Mailbox, parsed: ParsedMessage, message: InboundMessage) -> None:
    """A delivery failure of one of our emails: that email failed, and its owner is told."""
    ids = [int(match.group(1)) for text in parsed.bounced_message_ids for match in _OUR_MESSAGE_ID.finditer(text)]
    emails = OutgoingEmail.objects.filter(pk__in=ids).filter(Q(case__team_id=mailbox.team_id) | Q(case__isnull=True))
    for email in emails.select_related("case", "owner"):
        if email.status != EmailStatus.FAILED:
            reason = (parsed.text or parsed.subject or _("the receiving server refused it")).strip()
            outgoing_email_bounced(email=email, reason=reason[:500])
            message.case_id = email.case_id
            message.threaded_by = "bounce"
    if message.case_id:
        message.save(update_fields=["case", "threaded_by"])


def _cases():
    """Cases read with what recording a message on one needs (its client, owner, and the
    team's settings for the hostile phrases), so that costs no further query."""
    return Case.objects.select_related("client", "owner", "team__settings")


def _case_in_team(case_id: int | None, team_id: int) -> Case | None:
    if case_id is None:
        return None
    return _cases().filter(pk=case_id, team_id=team_id).first()


def _find_case(mailbox: Mailbox, parsed: ParsedMessage) -> tuple[Case | None, str]:
    """The case a message from a person belongs to, and how it was found ("" and a reason
    in triage). A case found by reference that is closed gives way to the sender's open
    case or a new one; a resolved one is reopened (see _record_on_case)."""
    team_id = mailbox.team_id
    thread = [*parsed.in_reply_to, *parsed.references]
    ours = [int(match.group(1)) for text in thread for match in _OUR_MESSAGE_ID.finditer(text)]
    found, how = None, ""
    if ours:
        email = OutgoingEmail.objects.filter(pk__in=ours, case__team_id=team_id).order_by("-pk").first()
        found, how = (_case_in_team(email.case_id, team_id), "reply") if email else (None, "")
    if found is None and thread:
        earlier = (
            InboundMessage.objects.filter(mailbox__team_id=team_id, message_id__in=thread[-50:], case__isnull=False)
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            found, how = _case_in_team(earlier.case_id, team_id), "thread"
    if found is None:
        found = _case_in_team(case_id_from(*parsed.recipients, parsed.subject), team_id)
        how = "reference" if found else ""
    if found is not None and found.status != CaseStatus.CLOSED:
        return found, how
    if not parsed.from_email:
        return None, "no sender"
    clients = list(Client.objects.filter(team_id=team_id, email__iexact=parsed.from_email))
    if not clients:
        return None, "unknown sender"
    open_case = (
        _cases().filter(client__in=clients, status__in=OPEN_STATUSES).order_by("-last_activity_at", "-pk").first()
    )
    if open_case is not None:
        return open_case, "sender"
    return _new_case(mailbox, clients[0], parsed, after=found), "new case"


def _title(parsed: ParsedMessage) -> str:
    subject = _REF_TAG.sub("", _REPLY_PREFIX.sub("", parsed.subject)).strip()
    return (subject or _("Email from %(sender)s") % {"sender": parsed.from_name or parsed.from_email})[:200]


def mood_reasons(message: InboundMessage) -> list[str]:
    """Why Casebook suggested the message's mood, in words the agent can check."""
    if not message.mood_suggested:
        return []
    phrases = hostile_phrases_of(team_settings(message.mailbox.team))
    return explain_mood(message.text or message.subject, hostile_phrases=phrases)[1]


def answer_subject(subject: str) -> str:
    """The subject of an agent's answer to a client's email: "Re: " and the client's own
    subject, without the earlier prefixes or case reference (the outbox adds the reference)."""
    subject = _REF_TAG.sub("", _REPLY_PREFIX.sub("", subject)).strip()
    return f"Re: {subject}"[:200] if subject else ""


def _new_case(mailbox: Mailbox, client: Client, parsed: ParsedMessage, *, after: Case | None = None) -> Case:
    """A case for a client's new email: owned by whoever had the client's last case, if
    still in the team, else by the mailbox's owner."""
    last = client.cases.select_related("owner").order_by("-last_activity_at").first()
    owner = mailbox.owner
    if last is not None and last.owner.is_active and last.owner.teams.filter(pk=client.team_id).exists():
        owner = last.owner
    title = _title(parsed)
    if after is not None:
        title = (_("%(title)s (after case #%(number)s)") % {"title": title, "number": after.pk})[:200]
    return case_open(actor=None, client=client, title=title, owner=owner)


def _files(parsed: ParsedMessage) -> tuple[list[CheckedFile], list[str]]:
    """The attachments that pass the file rules, and a line for each one that does not."""
    checked, refused = [], []
    for attachment in parsed.attachments:
        name = attachment.filename or "attachment"
        if len(checked) >= settings.CASEBOOK_ATTACHMENT_MAX_COUNT:
            refused.append(_("“%(file)s”: only %(count)s files are kept from one email.") % {
                "file": name, "count": settings.CASEBOOK_ATTACHMENT_MAX_COUNT})  # fmt: skip
            continue
        try:
            checked.append(attachment_validate(SimpleUploadedFile(name, attachment.content)))
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    return checked, refused


def _summary(message: InboundMessage, parsed: ParsedMessage, refused: list[str], *, opened: bool) -> str:
    parts = []
    if opened and parsed.subject:
        parts.append(_("Subject: %(subject)s") % {"subject": parsed.subject})
    text = parsed.text.strip()
    if message.truncated:
        text = _(
            "This email was too large to take in (%(size)s bytes): only its headers were kept. "
            "Read it in the mailbox, or ask the client to send it in parts."
        ) % {"size": message.size}
    parts.append(text or _("(The email had no text.)"))
    if refused:
        parts.append(_("Files not attached:") + "\n" + "\n".join(f"- {line}" for line in refused))
    return "\n\n".join(parts)


def _record_on_case(message: InboundMessage, parsed: ParsedMessage, case: Case, how: str) -> Interaction:
    """The message as an inbound email contact on `case` (a resolved case is reopened:
    the client says it is not over), with its suggested mood; the owner is told."""
    if case.status == CaseStatus.RESOLVED:
        case_change_status(
            actor=None,
            case=case,
            status=CaseStatus.IN_PROGRESS,
            note=_("The client wrote again after it was resolved."),
        )
    checked, refused = _files(parsed)
    phrases = hostile_phrases_of(team_settings(case.team))
    mood = suggest_mood(parsed.text or parsed.subject, hostile_phrases=phrases)
    opened = how == "new case" or case.status == CaseStatus.NEW
    interaction = interaction_receive(
        case=case,
        channel=Channel.EMAIL,
        mood=mood,
        summary=_summary(message, parsed, refused, opened=opened),
        occurred_at=_occurred_at(parsed, timezone.now()),
        files=checked,
    )
    message.state = MessageState.ON_CASE
    message.case = case
    message.interaction = interaction
    message.threaded_by = how
    message.mood_suggested = mood
    message.refused_files = refused
    message.save(update_fields=["state", "case", "interaction", "threaded_by", "mood_suggested", "refused_files"])
    if opened:  # only the email that opens a case may get a saved reply at once (inbox/auto_answers.py)
        auto_answer_send(case=case, message=message)
    sender = case.client.name or message.from_email
    notice_send(
        user=case.owner,
        message=_("New email from %(sender)s on “%(case)s”") % {"sender": sender, "case": case.title},
        url=case.get_absolute_url() + f"#interaction-{interaction.pk}",
    )
    return interaction


@transaction.atomic
def message_place(
    *, actor: User, message: InboundMessage, client: Client | None = None, new_client_name: str = ""
) -> Interaction:
    """Put a message from triage on a client's case, in one step.

    Either an existing client of the mailbox's team, or a new one made from the sender
    (`new_client_name`, the sender's address as its email). The client's open case gets
    it, else a new case owned by the actor. Refused once the message has been placed.
    """
    message = InboundMessage.objects.select_for_update().select_related("mailbox__team").get(pk=message.pk)
    team = message.mailbox.team
    require_member(actor, team, _("You can only place mail of your own teams' mailboxes."))
    if message.state != MessageState.TRIAGE:
        raise ValidationError(_("This email has already been placed on a case."))
    if client is None:
        name = " ".join(new_client_name.split()) or message.from_name or message.from_email
        if not name:
            raise ValidationError({"new_client_name": _("Give the new client a name.")})
        client = client_create(actor=actor, team=team, name=name[:200], email=message.from_email)
    elif client.team_id != team.pk:
        raise ValidationError({"client": _("Choose a client of the mailbox's team.")})
    parsed = parse_message(bytes(message.raw), headers_only=message.truncated)
    case = _cases().filter(client=client, status__in=OPEN_STATUSES).order_by("-last_activity_at", "-pk").first()
    how = "placed"
    if case is None:
        case = case_open(actor=actor, client=client, title=_title(parsed), owner=actor)
        how = "placed on a new case"
    interaction = _record_on_case(message, parsed, case, how)
    message.placed_by = actor
    message.placed_at = timezone.now()
    message.save(update_fields=["placed_by", "placed_at"])
    return interaction


@transaction.atomic
def message_ignore(*, actor: User, message: InboundMessage) -> InboundMessage:
    """Take a message out of triage without putting it on a case (spam, a wrong address)."""
    message = InboundMessage.objects.select_for_update().select_related("mailbox__team").get(pk=message.pk)
    require_member(actor, message.mailbox.team, _("You can only sort mail of your own teams' mailboxes."))
    if message.state != MessageState.TRIAGE:
        raise ValidationError(_("This email has already been placed on a case."))
    message.state = MessageState.IGNORED
    message.placed_by = actor
    message.placed_at = timezone.now()
    message.save(update_fields=["state", "placed_by", "placed_at"])
    return message


@transaction.atomic
def message_mood_confirm(*, actor: User, message: InboundMessage) -> InboundMessage:
    """The agent agrees with the suggested mood (a different mood is logged as a correction
    of the contact, which keeps both on the record)."""
    message = InboundMessage.objects.select_for_update().select_related("mailbox__team").get(pk=message.pk)
    require_member(actor, message.mailbox.team, _("You can only work on mail of your own teams."))
    if message.interaction_id is None:
        raise ValidationError(_("This email is not on a case."))
    if message.mood_checked_at is None:
        message.mood_checked_by = actor
        message.mood_checked_at = timezone.now()
        message.save(update_fields=["mood_checked_by", "mood_checked_at"])
    return message


# --- Mailboxes ----------------------------------------------------------------------------

MAILBOX_FIELDS = [
    "team", "name", "address", "owner", "is_active", "imap_host", "imap_port", "imap_security",
    "imap_user", "imap_password_env", "imap_folder", "imap_done_folder",
]  # fmt: skip


@transaction.atomic
def mailbox_save(
    *, actor: User, mailbox: Mailbox | None = None, password: str = "", clear_password: bool = False, **fields
) -> Mailbox:
    """Add or change a team mailbox (managers of its team only). An empty `password` keeps
    the stored one; `clear_password` forgets it."""
    unknown = set(fields) - set(MAILBOX_FIELDS)
    if unknown:
        raise TypeError(f"mailbox_save() got unexpected fields: {', '.join(sorted(unknown))}")
    if mailbox is not None:
        require_manager_of(actor, mailbox.team_id)
    mailbox = mailbox or Mailbox()
    for name, value in fields.items():
        setattr(mailbox, name, value)
    require_manager_of(actor, mailbox.team_id)
    if clear_password:
        mailbox.imap_password = ""
    elif password:
        mailbox.imap_password = password
    mailbox.full_clean()
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_new_webhook_secret(*, actor: User, mailbox: Mailbox) -> str:
    """Replace the mailbox's webhook secret (the old one stops working at once); returns it."""
    require_manager_of(actor, mailbox.team_id)
    mailbox.webhook_secret = new_webhook_secret()
    mailbox.save(update_fields=["webhook_secret"])
    return mailbox.webhook_secret


# --- Reading mailboxes -----------------------------------------------------------------


def imap_account(mailbox: Mailbox) -> ImapAccount:
    password = mailbox.imap_password
    if mailbox.imap_password_env:
        password = os.environ.get(mailbox.imap_password_env, "")
    return ImapAccount(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        user=mailbox.imap_user,
        password=password,
        folder=mailbox.imap_folder or "INBOX",
        done_folder=mailbox.imap_done_folder,
        timeout=settings.CASEBOOK_INBOX_IMAP_TIMEOUT,
    )


def mailbox_poll(*, mailbox_id: int, limit: int | None = None) -> dict:
    """Read a mailbox's new mail over IMAP: store each message, then acknowledge it.

    One poll at a time per mailbox (a lease on the row, longer than a task may run). Each
    message is committed by `message_take_in` before it is acknowledged on the server
    (flagged, or moved to the done folder), so a crash in between costs a second fetch,
    which stores nothing twice. Returns counts; a server error is kept on the mailbox for
    its settings page.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.CASEBOOK_INBOX_LEASE_SECONDS)
    free = Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now)
    if not Mailbox.objects.filter(free, pk=mailbox_id, is_active=True).update(poll_lease_until=lease):
        return {"skipped": 1}
    mailbox = Mailbox.objects.select_related("team", "owner").get(pk=mailbox_id)
    counts = {"fetched": 0, "stored": 0}
    error = ""
    try:
        with imap_session(imap_account(mailbox)) as session:
            uids = session.pending_uids(limit or settings.CASEBOOK_INBOX_POLL_LIMIT)
            done = []
            for fetched in session.fetch(uids, max_bytes=settings.CASEBOOK_INBOX_MAX_BYTES):
                _message, new = message_take_in(
                    mailbox=mailbox,
                    raw=fetched.raw,
                    uid=fetched.uid,
                    uidvalidity=session.uidvalidity,
                    size=fetched.size,
                    truncated=fetched.truncated,
                )
                counts["fetched"] += 1
                counts["stored"] += int(new)
                done.append(fetched.uid)
                if len(done) >= 100:
                    session.acknowledge(done)
                    done = []
            session.acknowledge(done)
    except ImapError as exc:
        error = str(exc)
        logger.warning("mailbox %s: %s", mailbox.pk, error)
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            poll_lease_until=None, last_polled_at=timezone.now(), last_error=error[:1000]
        )
    return counts
