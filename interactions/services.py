"""Logging contacts with clients. Interactions are append-only: there is no update service."""

import hashlib
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import managers_of_team, team_ids_of, team_settings
from accounts.services import notice_send
from api.keys import create_once
from audit.services import audit_record, audit_snapshot
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client
from clients.services import (
    case_change_status,
    case_event_record,
    case_open,
    case_record_activity,
    case_wait_on_client,
)

from .attachments import CheckedFile, attachment_storage, attachments_validate
from .emails import client_email_text
from .models import (
    AUTOMATIC_KINDS,
    Attachment,
    Channel,
    Direction,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Interaction,
    Mood,
    OutgoingEmail,
    SatisfactionSurvey,
)
from .outbox import outbox_enqueue, outbox_enqueue_many
from .selectors import forget_promises_kept
from .signals import abusive_contact_logged, poor_rating


def _validate_contact(
    *, channel: str, direction: str, occurred_at: datetime, now: datetime, duration_minutes, corrects, case
) -> None:
    """The rules of a contact, including the table's check constraints (checked here in
    Python, so that saving a contact does not ask the database to evaluate them first)."""
    errors = {}
    if duration_minutes is not None and not 0 <= duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "A contact lasts between 0 minutes and a day."
    if occurred_at > now:
        errors["occurred_at"] = _("A contact cannot be in the future. Use the time it happened.")
    if channel == Channel.NOTE and direction != Direction.INTERNAL:
        errors["direction"] = _("A note is internal: it is not a contact with the client.")
    if channel != Channel.NOTE and direction == Direction.INTERNAL:
        errors["direction"] = _("Say whether the client contacted us or we contacted them.")
    if corrects is not None and corrects.case_id != case.pk:
        errors["corrects"] = _("A correction must be on the same case as the entry it corrects.")
    if errors:
        raise ValidationError(errors)


def _contact_record(
    *,
    actor: User | None,
    case: Case,
    channel: str,
    direction: str,
    mood: str,
    summary: str,
    occurred_at: datetime,
    duration_minutes: int | None = None,
    corrects: Interaction | None = None,
) -> Interaction:
    """Write a checked contact and what follows from it on the case (call in a transaction).

    The timeline entry, the case's last activity, the end of a wait on the client, the
    start of work on a new case, and an abusive contact's escalation: the same for a
    contact an agent logs (`interaction_log`) and one that arrives by itself
    (`interaction_receive`, actor None).
    """
    interaction = Interaction(
        case=case,
        client_id=case.client_id,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        mood=mood,
        summary=summary,
        logged_by=actor,
        corrects=corrects,
    )
    # The related rows are the ones in hand and the constraints were checked by
    # _validate_contact: checking them again here would cost a query each on every
    # contact logged.
    interaction.full_clean(exclude=["case", "client", "logged_by", "corrects"], validate_constraints=False)
    interaction.save()
    case_event_record(
        case=case,
        kind=CaseEventKind.INTERACTION_LOGGED,
        actor=actor,
        occurred_at=occurred_at,
        target=interaction,
    )
    case_record_activity(case=case, at=occurred_at)
    # Both moves re-read the case under a row lock. A contact logged on the same case at
    # the same moment may have made the move first: then there is nothing left to do.
    if direction == Direction.INBOUND and case.waiting_on_client_since is not None:
        # The client answered: the case is no longer waiting on them.
        try:
            case_wait_on_client(actor=actor, case=case, waiting=False, note=_("The client got in touch."))
        except ValidationError:
            if case.waiting_on_client_since is not None:
                raise
    if case.status == CaseStatus.NEW:
        # The work began with this contact: the timeline shows the move beside it.
        try:
            case_change_status(actor=actor, case=case, status=CaseStatus.IN_PROGRESS, at=occurred_at)
        except ValidationError:
            if case.status == CaseStatus.NEW:
                raise
    interaction.escalated = False
    if mood == Mood.ABUSIVE and case.is_open:
        # The agent should not wait for the next sweep of the escalation rules to know a
        # manager has it: escalations/receivers.py escalates now, under the rules' cause key.
        responses = abusive_contact_logged.send(sender=Interaction, interaction=interaction)
        interaction.escalated = any(escalated for _receiver, escalated in responses)
    return interaction


@transaction.atomic
def interaction_receive(
    *,
    case: Case,
    channel: str,
    mood: str,
    summary: str,
    occurred_at: datetime,
    files: Sequence[CheckedFile] = (),
) -> Interaction:
    """Record a contact that arrived by itself, from the client (an email read by the inbox).

    No one logged it (`logged_by` is empty); otherwise it does to the case what a logged
    contact from the client does: the timeline, the clock, the end of a wait, and an
    abusive message's escalation. `files` were checked by the caller with
    `attachment_validate`; a contact cannot be in the future, so a later `occurred_at`
    (a sender's clock ahead of ours) is taken as now.
    """
    occurred_at = min(occurred_at, timezone.now())
    interaction = _contact_record(
        actor=None,
        case=case,
        channel=channel,
        direction=Direction.INBOUND,
        mood=mood,
        summary=summary,
        occurred_at=occurred_at,
    )
    attachments_store(interaction=interaction, files=files, actor=None)
    interaction.has_attachments = bool(files)
    return interaction


@transaction.atomic
def interaction_log(
    *,
    actor: User,
    case: Case,
    channel: str,
    direction: str,
    mood: str,
    summary: str,
    occurred_at: datetime | None = None,
    duration_minutes: int | None = None,
    corrects: Interaction | None = None,
    request_key: UUID | None = None,
    attachments: Sequence = (),
) -> Interaction:
    """Log a call, email, chat, meeting or note on a case, as it happened.

    Records who logged it and when, appends it to the case timeline, and moves the
    case's last activity forward. The first contact on a new case starts work on it.
    `attachments` (uploaded files) are checked first and stored with the contact, all or
    nothing. A resubmitted form (same request key) returns the entry it created the first
    time, and stores its files no second time.

    An abusive contact on an open case goes to a manager in the same transaction (the
    `abusive_contact_logged` signal, answered by the escalations app); the returned entry's
    `escalated` says whether this call sent the case to a manager.
    """
    if not actor.is_superuser and case.team_id not in team_ids_of(actor):
        raise ValidationError(_("You can only log contacts on cases of your own teams."))
    now = timezone.now()
    occurred_at = occurred_at or now
    _validate_contact(
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        now=now,
        duration_minutes=duration_minutes,
        corrects=corrects,
        case=case,
    )
    try:
        checked = attachments_validate(attachments)
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}) from None

    def create() -> Interaction:
        interaction = _contact_record(
            actor=actor,
            case=case,
            channel=channel,
            direction=direction,
            mood=mood,
            summary=summary,
            occurred_at=occurred_at,
            duration_minutes=duration_minutes,
            corrects=corrects,
        )
        # Last, so nothing after it in this function can fail and leave files behind.
        attachments_store(interaction=interaction, files=checked, actor=actor)
        interaction.has_attachments = bool(checked)  # the entry shown back needs no query for none
        return interaction

    interaction, created = create_once(
        actor=actor, model=Interaction, where={"case": case}, request_key=request_key, create=create
    )
    if not created:
        interaction.escalated = False  # the first submission escalated, if anything did
    return interaction


def attachments_store(
    *, interaction: Interaction, files: Sequence[CheckedFile], actor: User | None
) -> list[Attachment]:
    """Store checked files (see `attachments_validate`) on a contact being logged.

    Each file gets a random name in the attachments storage and a row with its size,
    content type and SHA-256. Call it last in the transaction that creates the contact: a
    failure while storing removes the files written so far. Files are not transactional,
    so a rollback after it (a failed commit, an outer transaction) can leave a file that
    no row names, never a row without its file; such a file is unreachable (random name,
    no URL).
    """
    storage = attachment_storage()
    written: list[str] = []
    rows = []
    try:
        for checked in files:
            digest = hashlib.sha256()
            checked.file.seek(0)
            for chunk in checked.file.chunks():
                digest.update(chunk)
            checked.file.seek(0)
            token = secrets.token_urlsafe(32)
            # Two levels of folders keep any one directory small; no extension on disk.
            stored = storage.save(f"{token[:2]}/{token}", checked.file)
            written.append(stored)
            rows.append(
                Attachment.objects.create(
                    interaction=interaction,
                    original_name=checked.name,
                    stored_name=stored,
                    size=checked.size,
                    content_type=checked.content_type,
                    sha256=digest.hexdigest(),
                    uploaded_by=actor,
                )
            )
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return rows


@transaction.atomic
def interaction_log_on_new_case(
    *, actor: User, client: Client, title: str, request_key: UUID | None = None, **contact
) -> Interaction:
    """Open a case on `client` (owned by the actor) and log the contact that prompted it.

    Both or neither: a contact the log refuses leaves no empty case behind. The request
    key guards both rows, so a resubmitted form opens one case and logs one contact.
    `contact` takes interaction_log's contact fields (channel, direction, mood, summary...).
    """
    case = case_open(actor=actor, client=client, title=title, owner=actor, request_key=request_key)
    return interaction_log(actor=actor, case=case, request_key=request_key, **contact)


# --- Follow-ups -----------------------------------------------------------------------

RATING_SALT = "interactions.satisfaction-rating"


def _require_team(actor: User, case: Case) -> None:
    if not actor.is_superuser and not actor.teams.filter(pk=case.team_id).exists():
        raise ValidationError(_("You can only work on cases of your own teams."))


def absolute_url(path: str) -> str:
    """A path of this site as a full address (for emails), from CASEBOOK_BASE_URL."""
    return settings.CASEBOOK_BASE_URL.rstrip("/") + path


@transaction.atomic
def follow_up_schedule(
    *,
    actor: User,
    case: Case,
    kind: str,
    due_at: datetime,
    note: str = "",
    owner: User | None = None,
    request_key: UUID | None = None,
) -> FollowUp:
    """Promise something on a case for a due time; the owner (default: the case's owner)
    is reminded before it, and an "email the client" follow-up is sent at it.
    """
    _require_team(actor, case)
    owner = owner or case.owner
    if not owner.is_active or not owner.teams.filter(pk=case.team_id).exists():
        raise ValidationError({"owner": _("%(owner)s is not an active member of the case's team.") % {"owner": owner}})
    note = note.strip()
    errors = {}
    if due_at <= timezone.now():
        errors["due_at"] = _("Pick a time in the future.")
    if kind == FollowUpKind.EMAIL_CLIENT and not note:
        errors["note"] = _("Write the email the client will receive.")
    if kind in (FollowUpKind.EMAIL_CLIENT, FollowUpKind.SATISFACTION_CHECK) and not case.client.email:
        errors["kind"] = _("The client has no email address: add one on the client first.")
    if errors:
        raise ValidationError(errors)

    def create() -> FollowUp:
        follow_up = FollowUp(case=case, owner=owner, kind=kind, due_at=due_at, note=note, created_by=actor)
        follow_up.full_clean()
        follow_up.save()
        audit_record(actor=actor, target=follow_up, before={}, parent=case)
        case_event_record(
            case=case,
            kind=CaseEventKind.FOLLOW_UP_SCHEDULED,
            actor=actor,
            data={"kind": kind, "due_at": due_at.isoformat(), "owner": str(owner)},
            target=follow_up,
        )
        return follow_up

    follow_up, _created = create_once(
        actor=actor, model=FollowUp, where={"case": case}, request_key=request_key, create=create
    )
    return follow_up


def _lock(follow_up: FollowUp) -> FollowUp:
    return FollowUp.objects.select_for_update().select_related("case").get(pk=follow_up.pk)


@transaction.atomic
def follow_up_complete(*, actor: User, follow_up: FollowUp, fulfilled_by: Interaction | None = None) -> FollowUp:
    """Mark a follow-up done. A call-back names the logged contact that fulfilled it.

    A contact named as the one that kept the promise (any kind may name one) must be on the
    follow-up's case and made at or after the promise was: one from before it cannot have
    kept it.
    """
    _require_team(actor, follow_up.case)
    follow_up = _lock(follow_up)
    before = audit_snapshot(follow_up)
    if not follow_up.is_open:
        raise ValidationError(
            _("This follow-up is already %(status)s.") % {"status": follow_up.get_status_display().lower()}
        )
    if follow_up.kind == FollowUpKind.CALL_BACK and fulfilled_by is None:
        raise ValidationError({"fulfilled_by": _("Pick the call that kept this promise (log it first).")})
    if fulfilled_by is not None:
        if fulfilled_by.case_id != follow_up.case_id:
            raise ValidationError({"fulfilled_by": _("The contact must be on the same case.")})
        if fulfilled_by.occurred_at < follow_up.created_at:
            raise ValidationError(
                {
                    "fulfilled_by": _(
                        "This contact was made before the promise, so it cannot be the one that kept it. "
                        "Pick a contact made since, or log it first."
                    )
                }
            )
    now = timezone.now()
    follow_up.status = FollowUpStatus.DONE
    follow_up.completed_at = now
    follow_up.completed_by = actor
    follow_up.fulfilled_by = fulfilled_by
    follow_up.full_clean()
    follow_up.save()
    forget_promises_kept(follow_up.owner_id)
    audit_record(actor=actor, target=follow_up, before=before, parent=follow_up.case)
    case_event_record(
        case=follow_up.case,
        kind=CaseEventKind.FOLLOW_UP_DONE,
        actor=actor,
        occurred_at=now,
        data={"kind": follow_up.kind, "on_time": now <= follow_up.due_at + _grace()},
        target=follow_up,
    )
    return follow_up


@transaction.atomic
def follow_up_reschedule(*, actor: User, follow_up: FollowUp, due_at: datetime, note: str = "") -> FollowUp:
    """Move a pending (or missed) follow-up to a new due time; reminders start afresh."""
    _require_team(actor, follow_up.case)
    follow_up = _lock(follow_up)
    before = audit_snapshot(follow_up)
    if not follow_up.is_open:
        raise ValidationError(
            _("This follow-up is already %(status)s.") % {"status": follow_up.get_status_display().lower()}
        )
    if due_at <= timezone.now():
        raise ValidationError({"due_at": _("Pick a time in the future.")})
    old = follow_up.due_at
    follow_up.due_at = due_at
    follow_up.status = FollowUpStatus.PENDING
    follow_up.reminded_at = None
    follow_up.due_noticed_at = None
    follow_up.overdue_warned_at = None
    follow_up.full_clean()
    follow_up.save()
    forget_promises_kept(follow_up.owner_id)
    audit_record(actor=actor, target=follow_up, before=before, parent=follow_up.case)
    case_event_record(
        case=follow_up.case,
        kind=CaseEventKind.FOLLOW_UP_RESCHEDULED,
        actor=actor,
        data={"kind": follow_up.kind, "from": old.isoformat(), "to": due_at.isoformat(), "note": note.strip()},
        target=follow_up,
    )
    return follow_up


@transaction.atomic
def follow_up_cancel(*, actor: User, follow_up: FollowUp, note: str = "") -> FollowUp:
    """Call off a pending (or missed) follow-up; the timeline keeps why."""
    _require_team(actor, follow_up.case)
    follow_up = _lock(follow_up)
    before = audit_snapshot(follow_up)
    if not follow_up.is_open:
        raise ValidationError(
            _("This follow-up is already %(status)s.") % {"status": follow_up.get_status_display().lower()}
        )
    follow_up.status = FollowUpStatus.CANCELLED
    follow_up.completed_at = timezone.now()
    follow_up.completed_by = actor
    follow_up.save()
    forget_promises_kept(follow_up.owner_id)
    audit_record(actor=actor, target=follow_up, before=before, parent=follow_up.case)
    case_event_record(
        case=follow_up.case,
        kind=CaseEventKind.FOLLOW_UP_CANCELLED,
        actor=actor,
        data={"kind": follow_up.kind, "note": note.strip()},
        target=follow_up,
    )
    return follow_up


def _grace() -> timedelta:
    return timedelta(minutes=settings.CASEBOOK_OVERDUE_GRACE_MINUTES)


def staff_email_queue(
    *, cause_key: str, user: User, template: str, context: dict, case: Case, hand_now: bool = False
) -> bool:
    """Queue an email to a staff member (once per cause key); False when nothing new was queued
    (no address, or the cause already has its email)."""
    if not user.email:
        return False
    _email, created = outbox_enqueue(
        cause_key=cause_key,
        to_email=user.email,
        to_name=str(user),
        template=template,
        context={**context, "recipient": user},
        case=case,
        owner=user,
        time_zone=user.time_zone,
        hand_now=hand_now,
    )
    return created


def _remind(follow_up: FollowUp, now: datetime) -> None:
    case = follow_up.case
    url = case.get_absolute_url()
    context = {"follow_up": follow_up, "case": case, "case_url": absolute_url(url)}
    staff_email_queue(
        cause_key=f"followup:{follow_up.pk}:reminder:{follow_up.due_at.isoformat()}",
        user=follow_up.owner,
        template="follow_up_reminder",
        context=context,
        case=case,
    )
    notice_send(user=follow_up.owner, message=f"Due soon: {follow_up.get_kind_display()} on {case}", url=url)
    follow_up.reminded_at = now
    follow_up.save(update_fields=["reminded_at"])


def _tell_due(follow_up: FollowUp, now: datetime) -> None:
    case = follow_up.case
    notice_send(
        user=follow_up.owner,
        message=f"Due now: {follow_up.get_kind_display()} on {case}",
        url=case.get_absolute_url(),
    )
    follow_up.due_noticed_at = now
    follow_up.save(update_fields=["due_noticed_at"])


def _warn_overdue(follow_up: FollowUp, now: datetime) -> None:
    case = follow_up.case
    url = case.get_absolute_url()
    context = {"follow_up": follow_up, "case": case, "case_url": absolute_url(url)}
    recipients = {follow_up.owner.pk: follow_up.owner}
    recipients.update({manager.pk: manager for manager in managers_of_team(case.team)})
    for user in recipients.values():
        staff_email_queue(
            cause_key=f"followup:{follow_up.pk}:overdue:{follow_up.due_at.isoformat()}:{user.pk}",
            user=user,
            template="follow_up_overdue",
            context=context,
            case=case,
        )
        notice_send(
            user=user, message=f"Overdue: {follow_up.get_kind_display()} on {case} ({follow_up.owner})", url=url
        )
    follow_up.overdue_warned_at = now
    follow_up.save(update_fields=["overdue_warned_at"])


def _mark_missed(follow_up: FollowUp, now: datetime) -> None:
    follow_up.status = FollowUpStatus.MISSED
    follow_up.save(update_fields=["status"])
    case_event_record(
        case=follow_up.case,
        kind=CaseEventKind.FOLLOW_UP_MISSED,
        actor=None,
        occurred_at=now,
        data={"kind": follow_up.kind, "due_at": follow_up.due_at.isoformat()},
        target=follow_up,
    )
    notice_send(
        user=follow_up.owner,
        message=f"Missed: {follow_up.get_kind_display()} on {follow_up.case}",
        url=follow_up.case.get_absolute_url(),
    )


def rating_token(survey: SatisfactionSurvey, rating: int) -> str:
    return signing.dumps({"s": survey.pk, "r": rating}, salt=RATING_SALT)


def _follow_up_text(follow_up: FollowUp) -> str:
    """The promised email's text as the client reads it: the template greets and signs."""
    return client_email_text(follow_up.note, sender=str(follow_up.owner))


def _carry_out(follow_up: FollowUp, now: datetime) -> None:
    """Send what an automatic follow-up promised, and mark it done on time."""
    case = follow_up.case
    client = case.client
    if follow_up.kind == FollowUpKind.EMAIL_CLIENT:
        outbox_enqueue(
            cause_key=f"followup:{follow_up.pk}:client-email",
            to_email=client.email,
            to_name=client.name,
            template="follow_up_client",
            context={"client": client, "case": case, "message": _follow_up_text(follow_up), "sender": follow_up.owner},
            case=case,
            owner=follow_up.owner,
            to_client=True,
            hand_now=False,
        )
        data = {"template": "follow_up_client", "to": client.email}
    else:
        survey = SatisfactionSurvey.objects.create(case=case, follow_up=follow_up, sent_at=now)
        links = [(n, absolute_url(reverse("rating", args=[rating_token(survey, n)]))) for n in range(1, 6)]
        outbox_enqueue(
            cause_key=f"followup:{follow_up.pk}:satisfaction",
            to_email=client.email,
            to_name=client.name,
            template="satisfaction_check",
            context={"client": client, "case": case, "links": links, "sender": follow_up.owner},
            case=case,
            owner=follow_up.owner,
            to_client=True,
            hand_now=False,
        )
        data = {"template": "satisfaction_check", "to": client.email}
    case_event_record(
        case=case, kind=CaseEventKind.CLIENT_EMAIL, actor=None, occurred_at=now, data=data, target=follow_up
    )
    follow_up.status = FollowUpStatus.DONE
    follow_up.completed_at = now
    follow_up.save(update_fields=["status", "completed_at"])


def _carry_out_batch(follow_ups: list[FollowUp], now: datetime) -> None:
    """`_carry_out` for a whole locked batch: the promised client emails in a few statements.

    Same writes as one by one (the outbox row under its unique cause key, a CLIENT_EMAIL
    timeline event, the follow-up done), in the batch's one transaction; the rows are
    handed to workers when it commits, so delivery starts while later batches are written.
    Satisfaction checks (rare, one survey each) keep the one-by-one path.
    """
    emails = [f for f in follow_ups if f.kind == FollowUpKind.EMAIL_CLIENT]
    for follow_up in follow_ups:
        if follow_up.kind != FollowUpKind.EMAIL_CLIENT:
            _carry_out(follow_up, now)
    if not emails:
        return
    outbox_enqueue_many(
        emails=[
            {
                "cause_key": f"followup:{f.pk}:client-email",
                "to_email": f.case.client.email,
                "to_name": f.case.client.name,
                "template": "follow_up_client",
                "context": {"client": f.case.client, "case": f.case, "message": _follow_up_text(f), "sender": f.owner},
                "case": f.case,
                "owner": f.owner,
                "to_client": True,
            }
            for f in emails
        ]
    )
    # The timeline entries case_event_record would write, in one INSERT.
    target_type = ContentType.objects.get_for_model(FollowUp)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=f.case,
            kind=CaseEventKind.CLIENT_EMAIL,
            actor=None,
            occurred_at=now,
            data={"template": "follow_up_client", "to": f.case.client.email},
            target_type=target_type,
            target_id=f.pk,
        )
        for f in emails
    )
    FollowUp.objects.filter(pk__in=[f.pk for f in emails]).update(status=FollowUpStatus.DONE, completed_at=now)


def _schedule_satisfaction_checks(now: datetime) -> int:
    """A satisfaction check for each case resolved CASEBOOK_SATISFACTION_DELAY_DAYS ago.

    Cases resolved more than a week before that are left alone (no surprise emails about
    old cases after an upgrade). The cause key makes it once per resolution, and a client
    asked less than their team's `satisfaction_quiet_days` before is not asked again.
    """
    delay = timedelta(days=settings.CASEBOOK_SATISFACTION_DELAY_DAYS)
    cases = (
        Case.objects.filter(
            status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED],
            resolved_at__lte=now - delay,
            resolved_at__gte=now - delay - timedelta(days=7),
        )
        .exclude(client__email="")
        .select_related("client", "owner", "team__settings")
        .order_by("resolved_at", "id")
    )
    cases = list(cases)
    checks = FollowUp.objects.filter(kind=FollowUpKind.SATISFACTION_CHECK).exclude(status=FollowUpStatus.CANCELLED)
    scheduled = set(checks.filter(case__in=cases).exclude(cause_key="").values_list("cause_key", flat=True))
    # When each of these clients was last asked (or is due to be), for the quiet period.
    last_asked = dict(
        checks.filter(case__client__in={case.client_id for case in cases})
        .values_list("case__client")
        .annotate(last=Max("due_at"))
    )
    created = 0
    for case in cases:
        key = f"satisfaction:{case.pk}:{case.resolved_at.isoformat()}"
        if key in scheduled:
            continue
        due_at = case.resolved_at + delay
        quiet = timedelta(days=team_settings(case.team).satisfaction_quiet_days)
        asked = last_asked.get(case.client_id)
        if quiet and asked is not None and due_at < asked + quiet:
            continue
        try:
            with transaction.atomic():
                FollowUp.objects.create(
                    case=case,
                    owner=case.owner,
                    kind=FollowUpKind.SATISFACTION_CHECK,
                    due_at=due_at,
                    cause_key=key,
                )
        except IntegrityError:
            continue  # another sweep scheduled it a moment ago
        last_asked[case.client_id] = due_at
        created += 1
    return created


SWEEP_BATCH = 500


def _each(action):
    def on_batch(rows, now: datetime) -> None:
        for row in rows:
            action(row, now)

    return on_batch


def _sweep_step(queryset, on_batch, now: datetime) -> int:
    """Act on every matching row, SWEEP_BATCH rows per transaction (short locks).

    Stops taking new batches at half the task's soft time limit; the next sweep goes on.
    """
    done = 0
    stop_at = time.monotonic() + settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    while time.monotonic() < stop_at:
        with transaction.atomic():
            rows = list(
                queryset.select_related("case__client", "case__team", "owner")
                .order_by("due_at", "id")
                .select_for_update(skip_locked=True, of=("self",))[:SWEEP_BATCH]
            )
            on_batch(rows, now)
        done += len(rows)
        if len(rows) < SWEEP_BATCH:
            break
    return done


def follow_ups_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic pass over pending follow-ups: remind, tell the owner at the due time,
    carry out, warn, mark missed.

    Each step takes due rows with select_for_update(skip_locked=True), so two sweeps never
    act on one row, and sets its own mark, so a row is acted on once per due time.
    """
    now = now or timezone.now()
    pending = FollowUp.objects.filter(status=FollowUpStatus.PENDING)
    lead = timedelta(minutes=settings.CASEBOOK_REMINDER_LEAD_MINUTES)
    missed_after = _grace() + timedelta(minutes=settings.CASEBOOK_MISSED_AFTER_MINUTES)
    counts = {"satisfaction_scheduled": _schedule_satisfaction_checks(now)}
    counts["carried_out"] = _sweep_step(
        pending.filter(kind__in=AUTOMATIC_KINDS, due_at__lte=now), _carry_out_batch, now
    )
    manual = pending.exclude(kind__in=AUTOMATIC_KINDS)
    # A reminder comes `lead` before the due time; a promise made for sooner than that is
    # reminded once, half-way between when it was made and when it is due (not at once: its
    # owner has just made it).
    half_way_passed = Q(created_at__lte=Value(now) - (F("due_at") - Value(now)))
    counts["reminded"] = _sweep_step(
        manual.filter(half_way_passed, reminded_at=None, due_at__lte=now + lead, due_at__gt=now - _grace()),
        _each(_remind),
        now,
    )
    counts["told_due"] = _sweep_step(
        manual.filter(due_noticed_at=None, due_at__lte=now, due_at__gt=now - _grace()), _each(_tell_due), now
    )
    counts["warned"] = _sweep_step(
        manual.filter(overdue_warned_at=None, due_at__lte=now - _grace()), _each(_warn_overdue), now
    )
    counts["missed"] = _sweep_step(manual.filter(due_at__lte=now - missed_after), _each(_mark_missed), now)
    return counts


# --- Client emails, failures and ratings -----------------------------------------------


@transaction.atomic
def client_summary_send(
    *, actor: User, case: Case, subject: str, body: str, request_key: UUID | None = None
) -> OutgoingEmail:
    """Send the client a written summary of the conversation (the agent's own text).

    The email greets the client and signs with the agent's name, so a greeting or sign-off
    the agent wrote too is left out of it (`client_email_text`).
    """
    _require_team(actor, case)
    subject, body = " ".join(subject.split()), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Give the email a subject.")
    if not body:
        errors["body"] = _("Write the summary the client will receive.")
    if not case.client.email:
        errors["body"] = _("The client has no email address: add one on the client first.")
    if errors:
        raise ValidationError(errors)
    key = f"summary:{request_key}" if request_key else f"summary:{case.pk}:{timezone.now().timestamp()}"
    email, created = outbox_enqueue(
        cause_key=key,
        to_email=case.client.email,
        to_name=case.client.name,
        template="client_summary",
        context={
            "client": case.client,
            "case": case,
            "subject": subject,
            # The template greets and signs: the agent's own greeting and sign-off would double them.
            "message": client_email_text(body, sender=str(actor)),
            "sender": actor,
        },
        case=case,
        owner=actor,
        to_client=True,
    )
    if created:
        case_event_record(
            case=case,
            kind=CaseEventKind.CLIENT_EMAIL,
            actor=actor,
            data={"template": "client_summary", "to": case.client.email, "subject": email.subject},
        )
        case_record_activity(case=case, at=timezone.now())
    return email


@transaction.atomic
def satisfaction_rate(*, token: str) -> SatisfactionSurvey:
    """Store the client's answer from a rating link: signed, expiring, single use.

    A rating of 1 or 2 reopens the case if it was closed or resolved, and escalates it.
    """
    try:
        payload = signing.loads(token, salt=RATING_SALT, max_age=timedelta(days=settings.CASEBOOK_RATING_LINK_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(_("This rating link has expired.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This rating link is not valid.")) from None
    rating = int(payload["r"])
    if not 1 <= rating <= 5:
        raise ValidationError(_("This rating link is not valid."))
    now = timezone.now()
    # The conditional UPDATE makes the link single use, even for two clicks at once.
    if not SatisfactionSurvey.objects.filter(pk=payload["s"], rating=None).update(rating=rating, rated_at=now):
        raise ValidationError(_("Thank you: this survey has already been answered."))
    survey = SatisfactionSurvey.objects.select_related("case").get(pk=payload["s"])
    case = survey.case
    case_event_record(
        case=case,
        kind=CaseEventKind.SATISFACTION_RATED,
        actor=None,
        occurred_at=now,
        data={"rating": rating},
        target=survey,
    )
    if rating <= 2:
        note = f"The client rated the outcome {rating} out of 5."
        if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            case_change_status(actor=None, case=case, status=CaseStatus.IN_PROGRESS, note=note)
        poor_rating.send(sender=SatisfactionSurvey, survey=survey, note=note)  # escalations/receivers.py
    return survey
