"""Every state change of clients and cases. Views, the API, tasks and commands call these."""

from datetime import datetime
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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
    Escalation,
    EscalationDecision,
    EscalationReason,
    Priority,
    RootCause,
    Temperament,
)
from .signals import escalation_decided, escalation_raised

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

CASE_TRACKED_FIELDS = ["title", "problem_statement", "root_cause", "priority", "owner"]
CLIENT_FIELDS = ["name", "email", "phone", "company", "temperament", "notes"]


def _require_member(user: User, team: Team, message: str) -> None:
    if not user.is_superuser and not user.teams.filter(pk=team.pk).exists():
        raise ValidationError(message)


def _require_owner_in_team(owner: User, team_id: int) -> None:
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
    actor: User,
    team: Team,
    name: str,
    email: str = "",
    phone: str = "",
    company: str = "",
    temperament: str = Temperament.UNKNOWN,
    notes: str = "",
    request_key: UUID | None = None,
) -> Client:
    """Add a client to one of the actor's teams."""
    _require_member(actor, team, _("You can only add clients to your own teams."))

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
    actor: User,
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

    `opened_at` lets an import or the demo data record a case that began earlier.
    """
    _require_member(actor, client.team, _("You can only open cases for clients of your own teams."))
    now = timezone.now()
    opened_at = opened_at or now
    if opened_at > now:
        raise ValidationError({"opened_at": _("A case cannot be opened in the future.")})
    _require_owner_in_team(owner, client.team_id)

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
        _require_owner_in_team(new_owner, case.team_id)
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
def case_change_status(*, actor: User, case: Case, status: str, note: str = "") -> Case:
    """Move a case along its lifecycle; refuses moves that make no sense.

    Locks the row and updates the caller's instance in place, so it stays true.
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
    note = note.strip()
    if (old, status) in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Say why, so the next person to read the case understands.")})
    now = timezone.now()
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
def case_escalate(
    *,
    case: Case,
    reason: EscalationReason,
    note: str = "",
    actor: User | None = None,
    cause_key: str = "",
) -> Escalation:
    """Ask a manager to step in on an open case; the case becomes escalated.

    `actor` is the person escalating (None for a rule, which passes a `cause_key` so one
    cause escalates the case once however often it runs: the first escalation is returned).
    The agent keeps working the case until a manager decides.
    """
    if cause_key:
        existing = Escalation.objects.filter(case=case, cause_key=cause_key).first()
        if existing is not None:
            return existing
    note = note.strip()
    if actor is not None:
        _require_member(actor, case.team, _("You can only escalate cases of your own teams."))
        if not note:
            raise ValidationError({"note": _("Tell the manager what happened and what you need from them.")})
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").get()
    case.refresh_from_db(fields=["status", "last_activity_at"])
    if not case.is_open:
        raise ValidationError(
            {
                "reason": _("The case is %(status)s: reopen it before escalating.")
                % {"status": case.get_status_display().lower()}
            }
        )
    now = timezone.now()
    escalation = Escalation(case=case, reason=reason, note=note, raised_by=actor, raised_at=now, cause_key=cause_key)
    escalation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError:
        # The same cause escalated the case a moment ago, from another process.
        return Escalation.objects.get(case=case, cause_key=cause_key)
    previous = case.status
    before = audit_snapshot(case)
    case.status = CaseStatus.ESCALATED
    case.last_activity_at = max(case.last_activity_at, now)
    case.save(update_fields=["status", "last_activity_at"])
    audit_record(actor=actor, target=case, before=before, action="escalated")
    case_event_record(
        case=case,
        kind=CaseEventKind.ESCALATED,
        actor=actor,
        occurred_at=now,
        data={"reason": reason, "note": note, "from": previous},
        target=escalation,
    )
    escalation_raised.send(sender=Escalation, escalation=escalation)
    return escalation


def _require_manager_of(actor: User, team_id: int) -> None:
    if not is_manager(actor) or (not actor.is_superuser and not actor.teams.filter(pk=team_id).exists()):
        raise PermissionDenied(_("Only a manager of the case's team can decide its escalations."))


CONCESSION_DECISIONS = {EscalationDecision.CONCESSION_APPROVED, EscalationDecision.CONCESSION_REFUSED}


@transaction.atomic
def escalation_decide(
    *,
    actor: User,
    escalation: Escalation,
    decision: str,
    note: str = "",
    new_owner: User | None = None,
    concession: models.Model | None = None,
) -> Escalation:
    """A manager's decision on an open escalation: take over, reassign, hand back, or a concession.

    The escalation row is locked first, so of two managers deciding at once one wins and the
    other gets a ValidationError saying it was already decided. A concession decision is made
    by `playbooks.services.escalation_decide_concession`, which decides the concession and then
    calls this with it. When no other escalation of the case is open, the case goes back to in
    progress (with the new owner after a take-over or reassignment).
    """
    escalation = Escalation.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=escalation.pk)
    case = Case.objects.select_for_update().select_related("owner").get(pk=escalation.case_id)
    _require_manager_of(actor, case.team_id)
    if escalation.decided_at is not None:
        when = date_format(timezone.localtime(escalation.decided_at), "j M Y H:i")
        raise ValidationError(
            _("%(manager)s already decided this escalation (%(when)s).")
            % {"manager": escalation.decided_by, "when": when}
        )
    if decision not in EscalationDecision.values:
        raise ValidationError({"decision": _("Choose what to do with the escalation.")})
    note = note.strip()
    if decision in CONCESSION_DECISIONS and concession is None:
        raise ValidationError({"concession": _("Choose the concession to decide.")})
    if decision == EscalationDecision.HAND_BACK and not note:
        raise ValidationError({"note": _("Give the agent your guidance.")})
    previous_owner = case.owner
    owner = case.owner
    if decision == EscalationDecision.TAKE_OVER:
        owner = actor
    elif decision == EscalationDecision.REASSIGN:
        if new_owner is None:
            raise ValidationError({"new_owner": _("Choose the agent who takes the case.")})
        if new_owner == case.owner:
            raise ValidationError({"new_owner": _("%(owner)s already owns the case.") % {"owner": new_owner}})
        _require_owner_in_team(new_owner, case.team_id)
        owner = new_owner
    now = timezone.now()
    escalation.decision = decision
    escalation.decision_note = note
    escalation.decided_by = actor
    escalation.decided_at = now
    escalation.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    case.owner = owner
    case.last_activity_at = max(case.last_activity_at, now)
    case.save(update_fields=["owner", "last_activity_at"])
    data = {"decision": decision, "note": note, "reason": escalation.reason}
    if owner != previous_owner:
        data["owner"] = [str(previous_owner), str(owner)]
    if concession is not None:
        data["concession"] = str(concession)
    case_event_record(
        case=case, kind=CaseEventKind.ESCALATION_DECIDED, actor=actor, occurred_at=now, data=data, target=escalation
    )
    still_open = Escalation.objects.filter(case=case, decided_at__isnull=True).exists()
    if case.status == CaseStatus.ESCALATED and not still_open:
        case_change_status(
            actor=actor,
            case=case,
            status=CaseStatus.IN_PROGRESS,
            note=f"{EscalationDecision(decision).label}." + (f" {note}" if note else ""),
        )
    recipients = {user.pk: user for user in (previous_owner, owner) if user != actor}
    escalation_decided.send(sender=Escalation, escalation=escalation, recipients=list(recipients.values()))
    return escalation


@transaction.atomic
def boundary_warning_give(*, actor: User, case: Case, note: str = "") -> BoundaryWarning:
    """Record that the agent warned an abusive client; a later abusive contact escalates the case."""
    _require_member(actor, case.team, _("You can only record warnings on cases of your own teams."))
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
    _require_manager_of(actor, client.team_id)
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
        _require_member(actor, case.team, _("You can only change cases of your own teams."))
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
