"""The outbox: every outgoing email is an OutgoingEmail row, delivered from the database.

Delivery design
- A cause (a reminder, a promised email, a summary, a satisfaction check) writes its row
  with `outbox_enqueue` inside its own transaction. `cause_key` is unique, so a cause can
  never produce two messages, however often it runs.
- The sweep (Celery beat, every CASEBOOK_SWEEP_SECONDS) selects pending rows that are due
  with `select_for_update(skip_locked=True)`, stamps `enqueued_at` and, on commit, hands
  batches of ids to the `deliver_emails` task (defined here). Nothing waits on the broker:
  retries set `next_attempt_at` on the row.
- A task claims its rows with a conditional UPDATE that sets a lease (`claimed_until`,
  longer than the task's hard time limit), so two tasks never send the same row.
- Recovery. A row claimed by a killed worker is handed again by the first sweep after
  its lease runs out (at most CASEBOOK_OUTBOX_LEASE_SECONDS + CASEBOOK_SWEEP_SECONDS
  after the claim), whatever its `enqueued_at`. A row handed out but never claimed (its
  task lost with Redis, or still queued behind others) cannot be told apart from one
  whose task is merely waiting, so it is handed again only after
  CASEBOOK_OUTBOX_REQUEUE_SECONDS (+ one sweep); a task handed twice is harmless (the
  claim lets one of them send), it only costs a wasted task.
- Before each send the row is stamped `handed_to_smtp_at`; after the server accepts it,
  the row is marked sent. Every message carries a Message-ID derived from its row.
- SMTP errors: a 5xx answer is permanent (failed at once); anything else is retried with
  exponential backoff (CASEBOOK_OUTBOX_RETRY_BASE_SECONDS * 2^(attempt-1)) up to
  CASEBOOK_OUTBOX_MAX_ATTEMPTS. A failed email is never dropped silently: its owner gets
  a notice and it shows on the case timeline and on "My day".

Crash-window policy (SMTP accepted the message, the worker died before recording it)
- The row is then still pending with `handed_to_smtp_at` set and its lease runs out. The
  next claim sends it AGAIN, with the same Message-ID, and notes it in `last_error`.
- Why resend rather than only alert: a promise to a client that silently never arrives
  is the failure this product exists to prevent; a rare duplicate with an identical
  Message-ID is recognisable as one (and dropped by many mail systems). The window is a
  single database UPDATE wide, because each row is recorded the moment it is accepted.
"""

import logging
import smtplib
import time
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import notice_send
from clients.models import Case, CaseEventKind
from clients.services import case_event_record

from .models import EmailStatus, OutgoingEmail
from .reply_tokens import reply_address, subject_tag
from .signals import chat_link_wanted, team_address_wanted

logger = logging.getLogger(__name__)


def _one_line(text: str, limit: int) -> str:
    """Header values come from user-written text: no line breaks, ever (header injection)."""
    return " ".join(str(text).split())[:limit]


def team_address(team_id: int) -> str:
    """The address the team's clients write to (its mailbox, see the inbox app), or ""."""
    answers = team_address_wanted.send(sender=OutgoingEmail, team_id=team_id)
    return next((address for _receiver, address in answers if address), "")


def chat_link_maker(team_id: int):
    """A function giving the "chat with us" link of a client of the team (see the chat
    app), or None when the team offers no chat."""
    answers = chat_link_wanted.send(sender=OutgoingEmail, team_id=team_id)
    return next((make for _receiver, make in answers if make), None)


def _with_chat_link(context: dict, case: Case, make) -> dict:
    """A client email's context with `chat_url` (the templates' "Chat with us" line)."""
    return {**context, "chat_url": make(case.client)} if make else context


def _thread_back(email: OutgoingEmail, address: str) -> None:
    """An email to a client comes from the team's address, and its answer finds the case:
    a Reply-To with the case's reference, and the reference in the subject too."""
    if not (email.to_client and email.case_id and address):
        return
    email.from_email = address
    email.reply_to = reply_address(address, email.case_id)
    tag = subject_tag(email.case_id)
    email.subject = f"{email.subject[: 299 - len(tag)]} {tag}"


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """The (subject, text, html) triple of templates/emails/<template>_{subject,body}.*"""
    context = {"base_url": settings.CASEBOOK_BASE_URL.rstrip("/"), **context}
    subject = _one_line(render_to_string(f"emails/{template}_subject.txt", context), 300)
    text = render_to_string(f"emails/{template}_body.txt", context)
    html = render_to_string(f"emails/{template}_body.html", context)
    return subject, text, html


def outbox_enqueue(
    *,
    cause_key: str,
    to_email: str,
    template: str,
    context: dict,
    to_name: str = "",
    case: Case | None = None,
    owner: User | None = None,
    to_client: bool = False,
    time_zone: str = "",
    hand_now: bool = True,
) -> tuple[OutgoingEmail, bool]:
    """Write one outgoing email for `cause_key` (call inside the cause's transaction).

    Returns (row, created); a cause that already has its email gets that row back.
    `hand_now` gives the row to a worker as soon as the transaction commits; the sweep
    passes False for the rows it writes and hands them out in batches right after.
    """
    existing = OutgoingEmail.objects.filter(cause_key=cause_key).first()
    if existing is not None:
        return existing, False
    if to_client and case is not None:
        context = _with_chat_link(context, case, chat_link_maker(case.team_id))
    # Times in the email read in the recipient's zone (staff) or the site's (clients).
    with timezone.override(time_zone or settings.TIME_ZONE):
        subject, text, html = render_email(template, context)
    now = timezone.now()
    email = OutgoingEmail(
        cause_key=cause_key,
        case=case,
        owner=owner,
        to_name=_one_line(to_name, 200),
        to_email=to_email,
        subject=subject,
        body_text=text,
        body_html=html,
        to_client=to_client,
        next_attempt_at=now,
        enqueued_at=now if hand_now else None,
    )
    if to_client and case is not None:
        _thread_back(email, team_address(case.team_id))
    email.full_clean()
    email.save()
    email.raw_message = _message(email, None).message().as_bytes(linesep="\r\n")
    email.save(update_fields=["raw_message"])
    if hand_now:
        transaction.on_commit(lambda: _hand_to_workers([[email.pk]]))
    return email, True


def outbox_enqueue_many(*, emails: list[dict], hand_now: bool = True) -> dict[str, OutgoingEmail]:
    """Write many outgoing emails at once (call inside the causes' transaction).

    Each item holds the keyword arguments of `outbox_enqueue`. Same guarantees, in a
    handful of statements instead of four per email: causes that already have their
    email are skipped (and the unique `cause_key` still refuses a second row: a race
    would roll the whole transaction back, never write two), ids are taken from the
    sequence first so the stored raw message carries its final Message-ID in the one
    INSERT, and on commit the new rows go to workers in batches. Returns the row of
    every cause key, the existing ones included.
    """
    keys = [item["cause_key"] for item in emails]
    rows = {row.cause_key: row for row in OutgoingEmail.objects.filter(cause_key__in=keys)}
    fresh = [item for item in emails if item["cause_key"] not in rows]
    if not fresh:
        return rows
    now = timezone.now()
    ids = _next_ids(len(fresh))
    addresses = {}  # team id -> the team's address, asked once per team
    chat_links = {}  # team id -> its clients' chat link maker (or None), asked once per team
    new = []
    for pk, item in zip(ids, fresh, strict=True):
        context, case = item["context"], item.get("case")
        if item.get("to_client", False) and case is not None:
            if case.team_id not in chat_links:
                chat_links[case.team_id] = chat_link_maker(case.team_id)
            context = _with_chat_link(context, case, chat_links[case.team_id])
        with timezone.override(item.get("time_zone") or settings.TIME_ZONE):
            subject, text, html = render_email(item["template"], context)
        email = OutgoingEmail(
            pk=pk,
            cause_key=item["cause_key"],
            case=item.get("case"),
            owner=item.get("owner"),
            to_name=_one_line(item.get("to_name", ""), 200),
            to_email=item["to_email"],
            subject=subject,
            body_text=text,
            body_html=html,
            to_client=item.get("to_client", False),
            next_attempt_at=now,
            enqueued_at=now if hand_now else None,
        )
        if email.to_client and case is not None:
            if case.team_id not in addresses:
                addresses[case.team_id] = team_address(case.team_id)
            _thread_back(email, addresses[case.team_id])
        # The unique cause_key and the foreign keys (rows the caller holds) are checked by
        # the database in the one INSERT, not with two queries per row.
        email.full_clean(exclude=["case", "owner"], validate_unique=False, validate_constraints=False)
        if pk is not None:
            email.raw_message = _message(email, None).message().as_bytes(linesep="\r\n")
        new.append(email)
    OutgoingEmail.objects.bulk_create(new)
    if ids[0] is None:  # no sequence to draw from: the message needs the id the INSERT gave
        for email in new:
            email.raw_message = _message(email, None).message().as_bytes(linesep="\r\n")
        OutgoingEmail.objects.bulk_update(new, ["raw_message"])
    rows.update((email.cause_key, email) for email in new)
    if hand_now:
        size = settings.CASEBOOK_OUTBOX_BATCH
        pks = [email.pk for email in new]
        batches = [pks[i : i + size] for i in range(0, len(pks), size)]
        transaction.on_commit(lambda: _hand_to_workers(batches))
    return rows


def _next_ids(count: int) -> list[int | None]:
    if db_connection.vendor != "postgresql":
        return [None] * count
    table = OutgoingEmail._meta.db_table
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]


@shared_task(name="interactions.tasks.deliver_emails")
def deliver_emails(ids: list[int]) -> int:
    """The worker's task: send the given outbox rows (those still pending and unclaimed).

    It lives here, beside the code that queues it, so that queueing needs no import of
    tasks.py (which imports this module for beat's sweep). The name is the one it always had.
    """
    return outbox_deliver(ids=ids)


def _hand_to_workers(batches: list[list[int]]) -> None:
    for ids in batches:
        try:
            deliver_emails.delay(ids)
        except Exception:
            # The broker is down: the row stays pending and the next sweep hands it again.
            logger.warning("broker unavailable; outbox rows %s wait for the sweep", ids, exc_info=True)


def outbox_dispatch_due(*, now: datetime | None = None, limit: int = 20000) -> list[list[int]]:
    """Hand the due rows nobody is working on to workers (on commit); returns the batches of ids.

    Handed: rows never handed out, rows whose claim's lease has run out (their worker
    died mid-batch: taken again at once, not after the requeue period), and rows handed
    out longer than CASEBOOK_OUTBOX_REQUEUE_SECONDS ago without being claimed (a lost task).
    """
    now = now or timezone.now()
    requeue_before = now - timedelta(seconds=settings.CASEBOOK_OUTBOX_REQUEUE_SECONDS)
    unclaimed = Q(claimed_until__isnull=True) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue_before))
    lease_expired = Q(claimed_until__lt=now)
    with transaction.atomic():
        ids = list(
            OutgoingEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .filter(unclaimed | lease_expired)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        # The expired claim is cleared as the row is handed again: otherwise every later sweep
        # would hand it once more until a worker claims it. The dead holder's writes were
        # conditioned on its lease value, so clearing it fences them out just as well.
        OutgoingEmail.objects.filter(pk__in=ids).update(enqueued_at=now, claimed_until=None)
        size = settings.CASEBOOK_OUTBOX_BATCH
        batches = [ids[i : i + size] for i in range(0, len(ids), size)]
        transaction.on_commit(lambda: _hand_to_workers(batches))
    return batches


def _claim(ids: list[int], now: datetime) -> tuple[list[int], datetime]:
    lease = now + timedelta(seconds=settings.CASEBOOK_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        claimable = list(
            OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        # The conditional UPDATE is the claim; the lease value doubles as our fencing token.
        OutgoingEmail.objects.filter(pk__in=claimable).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        ).update(claimed_until=lease)
    return claimable, lease


def _message(email: OutgoingEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[formataddr((email.to_name, email.to_email)) if email.to_name else email.to_email],
        from_email=email.from_email or None,
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    message.attach_alternative(email.body_html, "text/html")
    return message


def _send(email: OutgoingEmail, connection) -> None:
    """Over SMTP: the stored bytes as they are. Other backends (console, file, memory in
    tests) get the equivalent Django message."""
    if isinstance(connection, SMTPBackend) and email.raw_message:
        # The envelope sender is where bounces go: the team's mailbox, when it has one.
        sender = email.from_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        connection.connection.sendmail(sender, [email.to_email], bytes(email.raw_message))
    else:
        _message(email, connection).send()


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def outbox_deliver(*, ids: list[int]) -> int:
    """Claim the given rows, send each over one SMTP connection, record each outcome.

    Rows claimed elsewhere, already sent or not due are skipped. Returns how many were sent.
    """
    claimed, lease = _claim(ids, timezone.now())
    if not claimed:
        return 0
    sent = 0
    connection = get_connection(fail_silently=False)
    _commit_without_waiting_for_disk(True)
    accepted = None  # the message the server took last, recorded with the next hand-off
    # A slow server must not run the task into its time limit: past half the soft limit
    # the rest of the batch is released for the next sweep instead of waiting for the lease.
    stop_at = time.monotonic() + settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    try:
        # The bodies are only read by non-SMTP backends (console, tests); SMTP sends raw_message.
        rows = OutgoingEmail.objects.filter(pk__in=claimed).defer("body_text", "body_html").order_by("id")
        for email in rows:
            if time.monotonic() > stop_at:
                OutgoingEmail.objects.filter(pk=email.pk, claimed_until=lease, status=EmailStatus.PENDING).update(
                    claimed_until=None, enqueued_at=None
                )
                continue
            note = ""
            if email.handed_to_smtp_at is not None:
                note = (
                    f"Resent: an earlier hand-off to the mail server at {email.handed_to_smtp_at:%Y-%m-%d %H:%M:%S} "
                    "UTC was interrupted before it was recorded (same Message-ID)."
                )
                logger.warning("outbox %s: %s", email.pk, note)
            email.attempts += 1
            try:
                connection.open()  # no-op while open; a server that cannot be reached is a plain retry
            except Exception as error:
                sent += _record_progress(lease, accepted=accepted)[0]
                accepted = None
                mine = OutgoingEmail.objects.filter(pk=email.pk, claimed_until=lease, status=EmailStatus.PENDING)
                if mine.update(attempts=email.attempts):
                    _record_failure(email, lease, error, handed=False)
                continue
            marked_sent, handed = _record_progress(lease, accepted=accepted, handing=email, note=note)
            sent += marked_sent
            accepted = None
            if not handed:
                continue  # the lease was lost (this task outlived it): the new holder sends
            try:
                _send(email, connection)
            except Exception as error:
                connection.close()  # a broken connection is reopened for the next message
                _record_failure(email, lease, error, handed=True)
                continue
            accepted = email.pk
        sent += _record_progress(lease, accepted=accepted)[0]
    finally:
        _commit_without_waiting_for_disk(False)
        connection.close()
    return sent


_PROGRESS_SQL = """
UPDATE {table} SET
  status = CASE WHEN id = %(accepted)s THEN %(sent)s ELSE status END,
  sent_at = CASE WHEN id = %(accepted)s THEN %(when)s ELSE sent_at END,
  claimed_until = CASE WHEN id = %(accepted)s THEN NULL ELSE claimed_until END,
  handed_to_smtp_at = CASE WHEN id = %(handing)s THEN %(when)s ELSE handed_to_smtp_at END,
  attempts = CASE WHEN id = %(handing)s THEN %(attempts)s ELSE attempts END,
  last_error = CASE WHEN id = %(handing)s THEN %(note)s ELSE last_error END
WHERE id IN (%(accepted)s, %(handing)s) AND claimed_until = %(lease)s AND status = %(pending)s
"""


def _db_datetime(value: datetime):
    return OutgoingEmail._meta.get_field("sent_at").get_db_prep_value(value, db_connection)


def _record_progress(
    lease: datetime, *, accepted: int | None, handing: OutgoingEmail | None = None, note: str = ""
) -> tuple[int, bool]:
    """One UPDATE that marks the last accepted message sent and the next one handed over.

    Both changes are conditioned on our lease. Doing them in one statement halves the
    round trips per message; the accepted message is still recorded before anything
    else is sent, so the crash window stays one statement wide. Returns (how many were
    marked sent: 0 or 1, whether the hand-off was recorded).
    """
    pks = [pk for pk in (accepted, handing.pk if handing else None) if pk is not None]
    if not pks:
        return 0, False
    # Plain SQL: the ORM's CASE expressions cost more than the round trip they save.
    when = _db_datetime(timezone.now())
    params = {
        "accepted": accepted,
        "handing": handing.pk if handing else None,
        "when": when,
        "attempts": handing.attempts if handing else 0,
        "note": note,
        "lease": _db_datetime(lease),
        "sent": EmailStatus.SENT.value,
        "pending": EmailStatus.PENDING.value,
    }
    with db_connection.cursor() as cursor:
        cursor.execute(_PROGRESS_SQL.replace("{table}", OutgoingEmail._meta.db_table), params)
        updated = cursor.rowcount
    if updated == len(pks):
        return int(accepted is not None), handing is not None
    if not updated:
        return 0, False
    # One of the two had lost its lease: find out which (rare).
    sent = accepted is not None and OutgoingEmail.objects.filter(pk=accepted, status=EmailStatus.SENT).exists()
    return int(sent), handing is not None and not sent


def _commit_without_waiting_for_disk(on: bool) -> None:
    """PostgreSQL: the per-message marks commit without waiting for the WAL flush.

    A worker crash loses nothing by this (the server still has the commit); only a crash
    of the database server itself can lose the last fraction of a second of marks, and a
    lost "sent" mark means a resend with the same Message-ID: the crash-window policy
    above. The claim itself is committed before this is switched on. Without it, two
    disk flushes per message cap one worker far below what the SMTP server takes.
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")


def _record_failure(email: OutgoingEmail, lease: datetime, error: Exception, *, handed: bool) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    mine = OutgoingEmail.objects.filter(pk=email.pk, claimed_until=lease, status=EmailStatus.PENDING)
    if _is_permanent(error) or email.attempts >= settings.CASEBOOK_OUTBOX_MAX_ATTEMPTS:
        with transaction.atomic():
            if mine.update(status=EmailStatus.FAILED, claimed_until=None, last_error=text):
                email.refresh_from_db()
                outgoing_email_failed(email=email)
        logger.error("outbox %s failed for good: %s", email.pk, text)
        return
    delay = settings.CASEBOOK_OUTBOX_RETRY_BASE_SECONDS * 2 ** (email.attempts - 1)
    changes = {"next_attempt_at": timezone.now() + timedelta(seconds=delay), "claimed_until": None}
    if handed and isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        # The server answered with an error, so it did not take the message. A dropped
        # connection leaves the hand-off mark: the resend is then flagged (crash window).
        changes["handed_to_smtp_at"] = None
    mine.update(enqueued_at=None, last_error=text, **changes)
    logger.warning("outbox %s attempt %s failed, retry in %s s: %s", email.pk, email.attempts, delay, text)


def outgoing_email_failed(*, email: OutgoingEmail) -> None:
    """An email could not be delivered for good: tell its owner, and say so on the case."""
    if email.case_id is not None:
        case_event_record(
            case=email.case,
            kind=CaseEventKind.EMAIL_FAILED,
            actor=None,
            data={"to": email.to_email, "subject": email.subject, "error": email.last_error[:300]},
        )
    if email.owner_id is not None:
        notice_send(
            user=email.owner,
            message=f"Not delivered: “{email.subject}” to {email.to_email}",
            url=email.case.get_absolute_url() if email.case_id else "",
        )


@transaction.atomic
def outgoing_email_bounced(*, email: OutgoingEmail, reason: str) -> None:
    """The receiving side sent one of our emails back as undeliverable (a bounce read by the
    inbox): it failed after all, and its owner hears of it as of any failed email."""
    email = OutgoingEmail.objects.select_for_update(of=("self",)).select_related("case", "owner").get(pk=email.pk)
    if email.status == EmailStatus.FAILED:
        return
    email.status = EmailStatus.FAILED
    email.last_error = f"Returned as undeliverable: {reason}"[:2000]
    email.save(update_fields=["status", "last_error"])
    outgoing_email_failed(email=email)
