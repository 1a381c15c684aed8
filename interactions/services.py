"""Logging contacts with clients. Interactions are append-only: there is no update service."""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casebook.accounts.models import User
from casebook.idempotency import create_once
from clients.models import Case, CaseEventKind, CaseStatus
from clients.services import case_change_status, case_event_record, case_record_activity

from .models import Channel, Direction, Interaction


def _validate_contact(*, channel: str, direction: str, occurred_at: datetime, now: datetime, corrects, case) -> None:
    errors = {}
    if occurred_at > now:
        errors["occurred_at"] = "A contact cannot be in the future. Use the time it happened."
    if channel == Channel.NOTE and direction != Direction.INTERNAL:
        errors["direction"] = "A note is internal: it is not a contact with the client."
    if channel != Channel.NOTE and direction == Direction.INTERNAL:
        errors["direction"] = "Say whether the client contacted us or we contacted them."
    if corrects is not None and corrects.case_id != case.pk:
        errors["corrects"] = "A correction must be on the same case as the entry it corrects."
    if errors:
        raise ValidationError(errors)


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
) -> Interaction:
    """Log a call, email, chat, meeting or note on a case, as it happened.

    Records who logged it and when, appends it to the case timeline, and moves the
    case's last activity forward. The first contact on a new case starts work on it.
    A resubmitted form (same request key) returns the entry it created the first time.
    """
    if not actor.is_superuser and not actor.teams.filter(pk=case.team_id).exists():
        raise ValidationError("You can only log contacts on cases of your own teams.")
    now = timezone.now()
    occurred_at = occurred_at or now
    _validate_contact(
        channel=channel, direction=direction, occurred_at=occurred_at, now=now, corrects=corrects, case=case
    )

    def create() -> Interaction:
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
            request_key=request_key,
        )
        interaction.full_clean()
        interaction.save()
        case_event_record(
            case=case,
            kind=CaseEventKind.INTERACTION_LOGGED,
            actor=actor,
            occurred_at=occurred_at,
            target=interaction,
        )
        case_record_activity(case=case, at=occurred_at)
        if case.status == CaseStatus.NEW:
            case_change_status(actor=actor, case=case, status=CaseStatus.IN_PROGRESS)
        return interaction

    interaction, _ = create_once(Interaction.objects.filter(case=case), request_key, create)
    return interaction
