"""Every change to an escalation: raising one (by a person or a rule) and a manager's decision.

Apps below this one do not call in here: they send a signal (a low satisfaction rating, a
concession above the agent's limit) that `receivers.py` answers by escalating.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record, audit_snapshot
from clients.models import Case, CaseEventKind, CaseStatus
from clients.services import (
    case_change_status,
    case_event_record,
    require_manager_of,
    require_member,
    require_owner_in_team,
)
from playbooks.models import Concession
from playbooks.services import concession_decide

from .models import Escalation, EscalationDecision, EscalationReason
from .signals import escalation_decided, escalation_raised


@transaction.atomic
def case_escalate(
    *,
    case: Case,
    reason: EscalationReason,
    note: str = "",
    actor: User | None = None,
    cause_key: str = "",
    at: datetime | None = None,
) -> Escalation:
    """Ask a manager to step in on an open case; the case becomes escalated.

    `actor` is the person escalating (None for a rule, which passes a `cause_key` so one
    cause escalates the case once however often it runs: the first escalation is returned).
    The agent keeps working the case until a manager decides. `at` lets the demo data
    record an escalation raised earlier (default: now).
    """
    if cause_key:
        existing = Escalation.objects.filter(case=case, cause_key=cause_key).first()
        if existing is not None:
            return existing
    note = note.strip()
    if actor is not None:
        require_member(actor, case.team, _("You can only escalate cases of your own teams."))
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
    now = at or timezone.now()
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
    by `escalation_decide_concession`, which decides the concession and then
    calls this with it. When no other escalation of the case is open, the case goes back to in
    progress (with the new owner after a take-over or reassignment).
    """
    escalation = Escalation.objects.select_for_update(of=("self",)).select_related("decided_by").get(pk=escalation.pk)
    case = Case.objects.select_for_update().select_related("owner").get(pk=escalation.case_id)
    require_manager_of(actor, case.team_id)
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
        require_owner_in_team(new_owner, case.team_id)
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
def escalation_decide_concession(
    *, actor: User, escalation: Escalation, concession: Concession, approve: bool, note: str = ""
) -> Escalation:
    """Decide an escalation by approving or refusing one of the case's pending concessions.

    The one way to do it: the concession is decided (concession_decide) and the escalation
    closed with that decision in the same transaction.
    """
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.decided_at is not None:
        # Let escalation_decide say who decided it, before the concession is touched.
        return escalation_decide(actor=actor, escalation=locked, decision="", concession=concession)
    if concession.case_id != locked.case_id:
        raise ValidationError({"concession": _("That concession belongs to another case.")})
    concession_decide(actor=actor, concession=concession, approve=approve, note=note)
    decision = EscalationDecision.CONCESSION_APPROVED if approve else EscalationDecision.CONCESSION_REFUSED
    return escalation_decide(actor=actor, escalation=locked, decision=decision, note=note, concession=concession)


def escalation_decision_make(
    *,
    actor: User,
    escalation: Escalation,
    decision: str,
    note: str = "",
    new_owner: User | None = None,
    concession: Concession | None = None,
) -> Escalation:
    """A manager's decision on an escalation, from the review page or the API alike.

    Approving or refusing a concession goes through the concession (escalation_decide_concession);
    taking over, reassigning and handing back go straight to escalation_decide.
    """
    if decision in CONCESSION_DECISIONS:
        if concession is None:
            raise ValidationError({"concession": _("Choose the concession to decide.")})
        return escalation_decide_concession(
            actor=actor,
            escalation=escalation,
            concession=concession,
            approve=decision == EscalationDecision.CONCESSION_APPROVED,
            note=note,
        )
    return escalation_decide(actor=actor, escalation=escalation, decision=decision, note=note, new_owner=new_owner)
