"""Every state change of clients and cases. Views, the API, tasks and commands call these."""

from datetime import datetime
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import Team, User
from accounts.roles import is_manager
from api.keys import create_once
from audit.services import audit_record, audit_snapshot

from .models import (
    OPEN_STATUSES,
    BoundaryWarning,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Client,
    Priority,
    RootCause,
    Temperament,
)
from .selectors import awaits_manager

# Where a case may go from each status. Anything else is refused by case_change_status.
# Escalating is not a plain status move: case_escalate records why and for whom.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.NEW: {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED},
    CaseStatus.IN_PROGRESS: {CaseStatus.RESOLVED},
    CaseStatus.ESCALATED: {CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED},
    CaseStatus.RESOLVED: {CaseStatus.IN_PROGRESS, CaseStatus.CLOSED},
    CaseStatus.CLOSED: {CaseStatus.IN_PROGRESS},
}
# Moves that must say why: reopening, handing an escalated case back, and closing a case
# that was never resolved.
NOTE_REQUIRED = {
    (CaseStatus.RESOLVED, CaseStatus.IN_PROGRESS),
    (CaseStatus.CLOSED, CaseStatus.IN_PROGRESS),
    (CaseStatus.ESCALATED, CaseStatus.IN_PROGRESS),
    (CaseStatus.NEW, CaseStatus.CLOSED),
}
# Moves that end the work on a case: refused while a manager still has to decide an
# escalation, or the case would leave the open lists and sit in the review queue forever.
SETTLING_STATUSES = {CaseStatus.RESOLVED, CaseStatus.CLOSED}
AWAITS_MANAGER = _lazy("A manager has not yet decided this case's escalation: settle it first (or ask them to).")

CASE_TRACKED_FIELDS = ["title", "problem_statement", "root_cause", "priority", "owner"]
CLIENT_FIELDS = ["name", "email", "phone", "company", "temperament", "notes"]


def require_manager_of(actor: User, team_id: int) -> None:
    """Refuse anyone but a manager of the team (or an admin)."""
    if not is_manager(actor) or (not actor.is_superuser and not actor.teams.filter(pk=team_id).exists()):
        raise PermissionDenied(_("Only a manager of the case's team can decide its escalations."))


def require_member(user: User, team: Team, message: str) -> None:
    """Refuse (with `message`) a user who is not a member of the team (admins may act anywhere)."""
    if not user.is_superuser and not user.teams.filter(pk=team.pk).exists():
        raise ValidationError(message)


def require_owner_in_team(owner: User, team_id: int) -> None:
    """Refuse an owner who is not an active member of the case's team."""
    if not owner.is_active or not owner.teams.filter(pk=team_id).exists():
        raise ValidationError({"owner": _("%(owner)s is not an active member of the case's team.") % {"owner": owner}})


def case_event_record(
    *,
    case: Case,
    kind: CaseEventKind,
    actor: User | None,
    occurred_at=None,
    data: dict | None = None,
    target: models.Model | None = None,
) -> CaseEvent:
    """Append one entry to the case's timeline (call inside the caller's transaction)."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
        data=data or {},
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
    )


@transaction.atomic
def client_create(
    *,
    actor: User | None,
    team: Team,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    temperament: str = Temperament.UNKNOWN,
    notes: str = "",
    request_key: UUID | None = None,
) -> Client:
    """Add a client to one of the actor's teams.

    `actor` None: the client introduced themselves (the live chat's form, chat/services.py).
    """
    if actor is not None:
        require_member(actor, team, _("You can only add clients to your own teams."))

    def create() -> Client:
        client = Client(
            team=team,
            name=name,
            email=email,
            phone=phone,
            company=company,
            temperament=temperament,
            notes=notes,
            created_by=actor,
        )
        client.full_clean()
        client.save()
        audit_record(actor=actor, target=client, before={})
        return client

    client, _created = create_once(
        actor=actor, model=Client, where={"team": team}, request_key=request_key, create=create
    )
    return client


@transaction.atomic
def client_update(*, actor: User, client: Client, **changes) -> Client:
    """Change a client's contact details, temperament profile or notes."""
    unknown = set(changes) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"client_update() got unexpected fields: {', '.join(sorted(unknown))}")
    before = audit_snapshot(client)
    for field, value in changes.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    audit_record(actor=actor, target=client, before=before)
    return client


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    client: Client,
    title: str,
    owner: User,
    problem_statement: str = "",
    root_cause: str = RootCause.UNKNOWN,
    priority: int = Priority.NORMAL,
    opened_at: datetime | None = None,
    request_key: UUID | None = None,
) -> Case:
    """Open a new case on a client; it belongs to the client's team and starts as new.

    `opened_at` lets an import or the demo data record a case that began earlier. `actor`
    None: the case was opened by the client's own email, read from the team's mailbox.
    """
    if actor is not None:
        require_member(actor, client.team, _("You can only open cases for clients of your own teams."))
    now = timezone.now()
    opened_at = opened_at or now
    if opened_at > now:
        raise ValidationError({"opened_at": _("A case cannot be opened in the future.")})
    require_owner_in_team(owner, client.team_id)

    def create() -> Case:
        case = Case(
            client=client,
            team_id=client.team_id,
            title=title,
            problem_statement=problem_statement,
            root_cause=root_cause,
            priority=priority,
            owner=owner,
            opened_by=actor,
            opened_at=opened_at,
            last_activity_at=opened_at,
        )
        case.full_clean()
        case.save()
        audit_record(actor=actor, target=case, before={})
        case_event_record(
            case=case, kind=CaseEventKind.OPENED, actor=actor, occurred_at=opened_at, data={"title": title}
        )
        return case

    case, _created = create_once(
        actor=actor, model=Case, where={"client": client}, request_key=request_key, create=create
    )
    return case


def _display(case: Case, field: str) -> str:
    if field == "owner":
        return str(case.owner)
    value = getattr(case, field)
    display = getattr(case, f"get_{field}_display", None)
    return str(display()) if display else str(value)


@transaction.atomic
def case_update(*, actor: User, case: Case, **changes) -> Case:
    """Change a case's details; the timeline records each field's old and new value."""
    unknown = set(changes) - set(CASE_TRACKED_FIELDS)
    if unknown:
        raise TypeError(f"case_update() got unexpected fields: {', '.join(sorted(unknown))}")
    new_owner = changes.get("owner")
    if new_owner is not None and new_owner != case.owner:
        require_owner_in_team(new_owner, case.team_id)
    snapshot = audit_snapshot(case)
    before = {field: _display(case, field) for field in changes}
    for field, value in changes.items():
        setattr(case, field, value)
    case.full_clean()
    after = {field: _display(case, field) for field in changes}
    diff = {field: [before[field], after[field]] for field in changes if before[field] != after[field]}
    if not diff:
        return case
    case.last_activity_at = max(case.last_activity_at, timezone.now())
    case.save()
    audit_record(actor=actor, target=case, before=snapshot)
    case_event_record(case=case, kind=CaseEventKind.UPDATED, actor=actor, data={"changes": diff})
    return case


def allowed_transitions(case: Case) -> list[str]:
    """The statuses this case can move to now, in the order of the lifecycle."""
    allowed = ALLOWED_TRANSITIONS[case.status]
    return [status for status in CaseStatus.values if status in allowed]


@transaction.atomic
def case_change_status(*, actor: User, case: Case, status: str, note: str = "", at: datetime | None = None) -> Case:
    """Move a case along its lifecycle; refuses moves that make no sense.

    A case with an escalation no manager has decided yet cannot be resolved or closed: every
    path that settles a case (the case page, the API, closing with a review) comes here.

    Locks the row and updates the caller's instance in place, so it stays true. `at` lets
    an import or the demo data record a change made earlier (default: now).
    """
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    case.refresh_from_db(
        fields=["status", "resolved_at", "closed_at", "last_activity_at", "waiting_on_client_since", "waiting_periods"]
    )
    old = case.status
    before = audit_snapshot(case)
    if status == old:
        raise ValidationError(
            {"status": _("The case is already %(status)s.") % {"status": case.get_status_display().lower()}}
        )
    if status not in ALLOWED_TRANSITIONS.get(old, set()):
        raise ValidationError(
            {
                "status": _("A case that is %(old)s cannot become %(new)s.")
                % {"old": case.get_status_display().lower(), "new": CaseStatus(status).label.lower()}
            }
        )
    if status in SETTLING_STATUSES and awaits_manager(case):
        raise ValidationError({"status": AWAITS_MANAGER})
    note = note.strip()
    if (old, status) in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Say why, so the next person to read the case understands.")})
    now = at or timezone.now()
    case.status = status
    if status == CaseStatus.RESOLVED:
        case.resolved_at = now
    elif status == CaseStatus.CLOSED:
        case.closed_at = now
    elif status == CaseStatus.IN_PROGRESS:
        case.resolved_at = None
        case.closed_at = None
    if status not in OPEN_STATUSES and case.waiting_on_client_since is not None:
        # Nothing is awaited from the client of a resolved or closed case: the wait ends here.
        case.waiting_periods = [*case.waiting_periods, [case.waiting_on_client_since.isoformat(), now.isoformat()]]
        case.waiting_on_client_since = None
    case.last_activity_at = max(case.last_activity_at, now)
    case.save(
        update_fields=[
            "status", "resolved_at", "closed_at", "last_activity_at", "waiting_on_client_since", "waiting_periods"
        ]
    )  # fmt: skip
    audit_record(actor=actor, target=case, before=before, action=f"status: {old} → {status}")
    case_event_record(
        case=case,
        kind=CaseEventKind.STATUS_CHANGED,
        actor=actor,
        occurred_at=now,
        data={"from": old, "to": status, "note": note},
    )
    return case


def case_record_activity(*, case: Case, at) -> None:
    """Move the case's last activity forward to `at` (a contact logged on it, for example)."""
    Case.objects.filter(pk=case.pk, last_activity_at__lt=at).update(last_activity_at=at)


@transaction.atomic
def boundary_warning_give(*, actor: User, case: Case, note: str = "") -> BoundaryWarning:
    """Record that the agent warned an abusive client; a later abusive contact escalates the case."""
    require_member(actor, case.team, _("You can only record warnings on cases of your own teams."))
    if not case.is_open:
        raise ValidationError(_("The case is not open."))
    now = timezone.now()
    warning = BoundaryWarning(case=case, given_by=actor, given_at=now, note=note.strip())
    warning.full_clean()
    warning.save()
    case_record_activity(case=case, at=now)
    case_event_record(
        case=case,
        kind=CaseEventKind.BOUNDARY_WARNING,
        actor=actor,
        occurred_at=now,
        data={"note": warning.note},
        target=warning,
    )
    return warning


@transaction.atomic
def client_set_written_contact_only(*, actor: User, client: Client, on: bool, note: str = "") -> Client:
    """A manager limits (or stops limiting) a client to written contact; each open case records it."""
    require_manager_of(actor, client.team_id)
    if client.written_contact_only == on:
        return client
    client.written_contact_only = on
    client.save(update_fields=["written_contact_only", "updated_at"])
    for case in client.cases.filter(status__in=[CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED]):
        case_event_record(
            case=case, kind=CaseEventKind.WRITTEN_CONTACT_ONLY, actor=actor, data={"on": on, "note": note.strip()}
        )
    return client


@transaction.atomic
def case_wait_on_client(*, actor: User | None, case: Case, waiting: bool, note: str = "") -> Case:
    """Start or end waiting on the client; the resolution clock is paused while waiting.

    `actor` None: the system (a contact from the client ends the wait).
    """
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    case.refresh_from_db(fields=["status", "waiting_on_client_since", "waiting_periods", "last_activity_at"])
    if actor is not None:
        require_member(actor, case.team, _("You can only change cases of your own teams."))
    now = timezone.now()
    if waiting:
        if not case.is_open:
            raise ValidationError(
                _("The case is %(status)s: there is nothing to wait for.")
                % {"status": case.get_status_display().lower()}
            )
        if case.waiting_on_client_since is not None:
            raise ValidationError(_("The case is already waiting on the client."))
        case.waiting_on_client_since = now
        kind = CaseEventKind.WAITING_STARTED
    else:
        if case.waiting_on_client_since is None:
            raise ValidationError(_("The case is not waiting on the client."))
        case.waiting_periods = [*case.waiting_periods, [case.waiting_on_client_since.isoformat(), now.isoformat()]]
        case.waiting_on_client_since = None
        kind = CaseEventKind.WAITING_ENDED
    case.last_activity_at = max(case.last_activity_at, now)
    case.save(update_fields=["waiting_on_client_since", "waiting_periods", "last_activity_at"])
    case_event_record(case=case, kind=kind, actor=actor, occurred_at=now, data={"note": note.strip()})
    return case
