"""Every state change of playbooks and of a case's progress through one."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.roles import is_manager
from accounts.selectors import team_settings
from api.keys import create_once
from audit.services import audit_record, audit_snapshot
from clients.models import Case, CaseEventKind, CaseStatus, RootCause
from clients.services import (
    case_change_status,
    case_event_record,
    case_record_activity,
    case_update,
    client_update,
)
from core.text import phrase_list
from interactions.models import FollowUpKind
from interactions.services import follow_up_schedule

from .models import (
    FOLLOW_UP_STEP_KINDS,
    KIND_UNITS,
    CasePlaybook,
    CaseReview,
    Concession,
    ConcessionKind,
    ConcessionLimit,
    ConcessionStatus,
    ConcessionUnit,
    FaultRecord,
    Playbook,
    PlaybookVersion,
    SavedReply,
    SolutionOption,
    Step,
    StepKind,
    StepRecord,
    StepStatus,
)
from .selectors import default_playbook_for_case, latest_version
from .signals import concession_above_limit


def _is_member(user: User, team_id: int) -> bool:
    return user.is_superuser or user.teams.filter(pk=team_id).exists()


def _require_member(user: User, case: Case) -> None:
    if not _is_member(user, case.team_id):
        raise ValidationError(_("You can only work on cases of your own teams."))


def _require_manager_of(user: User, team: Team) -> None:
    if not (is_manager(user) and user.has_perm("playbooks.edit_playbook") and _is_member(user, team.pk)):
        raise ValidationError(_("Only a manager of this team can do that."))


# --- A case's playbook ---------------------------------------------------------------


def _pin(case: Case, version: PlaybookVersion, actor: User | None) -> CasePlaybook:
    now = timezone.now()
    pinned, _created = CasePlaybook.objects.update_or_create(
        case=case, defaults={"version": version, "chosen_by": actor, "chosen_at": now}
    )
    case_event_record(
        case=case,
        kind=CaseEventKind.PLAYBOOK_CHOSEN,
        actor=actor,
        occurred_at=now,
        data={"playbook": version.playbook.name, "version": version.number},
        target=pinned,
    )
    return pinned


def _locked_case_playbook(case: Case, actor: User) -> CasePlaybook:
    """The case's pinned playbook, locked; pins the default one when work starts."""
    case.refresh_from_db(fields=["status"])
    if case.status == CaseStatus.NEW:
        # Working a step is work on the case, as logging a contact is.
        case_change_status(actor=actor, case=case, status=CaseStatus.IN_PROGRESS)
    pinned = CasePlaybook.objects.select_for_update().filter(case=case).first()
    if pinned is None:
        playbook = default_playbook_for_case(case)
        pinned = _pin(case, latest_version(playbook), actor)
        pinned = CasePlaybook.objects.select_for_update().get(pk=pinned.pk)
    return pinned


@transaction.atomic
def case_playbook_choose(*, actor: User, case: Case, playbook: Playbook) -> CasePlaybook:
    """Follow another playbook on this case (its latest version); only before any step is done."""
    _require_member(actor, case)
    if playbook.team_id not in (None, case.team_id):
        raise ValidationError({"playbook": _("That playbook belongs to another team.")})
    pinned = CasePlaybook.objects.select_for_update().filter(case=case).first()
    if pinned is not None and pinned.records.exists():
        raise ValidationError({"playbook": _("Work on this playbook has started: it can no longer be switched.")})
    return _pin(case, latest_version(playbook), actor)


def current_step(pinned: CasePlaybook) -> Step | None:
    done = set(pinned.records.values_list("step_id", flat=True))
    return next((step for step in pinned.version.steps.order_by("position") if step.pk not in done), None)


def _require_current(pinned: CasePlaybook, step: Step) -> None:
    if step.version_id != pinned.version_id:
        raise ValidationError(_("That step belongs to another playbook than the one this case follows."))
    if pinned.records.filter(step=step).exists():
        # Most often the same form sent twice: say so rather than talk about the order.
        raise ValidationError(_("“%(step)s” is already done.") % {"step": step.title})
    now_step = current_step(pinned)
    if now_step is None:
        raise ValidationError(_("Every step of this playbook is already done."))
    if now_step.pk != step.pk:
        raise ValidationError(_("Steps go in order: finish or skip “%(step)s” first.") % {"step": now_step.title})


def _validate_outcome(*, actor: User, case: Case, step: Step, outcome: dict) -> dict:
    """Check a step's outcome and apply what belongs on the case; returns what is recorded."""
    kind = step.kind
    if kind == StepKind.PINPOINT:
        problem = (outcome.get("problem") or "").strip()
        root_cause = outcome.get("root_cause") or ""
        errors = {}
        if not problem:
            errors["problem"] = _("Write the problem in the client's own terms.")
        if root_cause not in RootCause.values:
            errors["root_cause"] = _("Pick the root cause (or “Not known yet”).")
        if errors:
            raise ValidationError(errors)
        case_update(actor=actor, case=case, problem_statement=problem, root_cause=root_cause)
        return {"problem": problem, "root_cause": root_cause, "root_cause_label": str(RootCause(root_cause).label)}
    if kind == StepKind.COMMON_GROUND:
        points = [point.strip() for point in outcome.get("points", []) if point.strip()]
        if not points:
            raise ValidationError({"points": _("Write at least one point you both agree on.")})
        return {"points": points}
    if kind == StepKind.BRAINSTORM:
        options = list(case.solution_options.values_list("description", flat=True))
        if not options:
            raise ValidationError(_("Add at least one solution option before finishing this step."))
        return {"options": options}
    if kind == StepKind.COMPROMISE:
        option = case.solution_options.filter(pk=outcome.get("option_id") or 0).first()
        if option is None:
            raise ValidationError({"option": _("Choose one of the options found together.")})
        concessions = [str(c) for c in case.concessions.exclude(status=ConcessionStatus.REFUSED)]
        return {"option_id": option.pk, "option": option.description, "concessions": concessions}
    if kind == StepKind.DOCUMENT:
        summary = (outcome.get("summary") or "").strip()
        if not summary:
            raise ValidationError({"summary": _("Write the summary of what was agreed.")})
        return {"summary": summary}
    if kind == StepKind.FOLLOW_UP:
        next_step = (outcome.get("next_step") or "").strip()
        due_at = outcome.get("due_at")
        follow_up_kind = outcome.get("follow_up_kind") or FollowUpKind.CALL_BACK
        errors = {}
        if not next_step:
            errors["next_step"] = _("Say what happens next.")
        if not isinstance(due_at, datetime):
            errors["due_at"] = _("Say when it will happen.")
        elif due_at < timezone.now():
            errors["due_at"] = _("The next step must be in the future.")
        if follow_up_kind not in FOLLOW_UP_STEP_KINDS:
            errors["follow_up_kind"] = _("Pick what kind of follow-up this is.")
        if errors:
            raise ValidationError(errors)
        # The promise becomes a follow-up: reminded before it is due, and kept track of.
        try:
            follow_up = follow_up_schedule(actor=actor, case=case, kind=follow_up_kind, due_at=due_at, note=next_step)
        except ValidationError as error:
            raise ValidationError(
                {{"note": "next_step", "kind": "follow_up_kind"}.get(k, k): v for k, v in error.message_dict.items()}
            ) from None
        return {
            "next_step": next_step,
            "due_at": due_at.isoformat(),
            "follow_up_kind": follow_up_kind,
            "follow_up_id": follow_up.pk,
        }
    raise ValidationError(f"Unknown step kind {kind!r}.")


@transaction.atomic
def step_complete(*, actor: User, case: Case, step: Step, outcome: dict) -> StepRecord:
    """Finish the case's current step with its outcome (see StepRecord.outcome per kind)."""
    _require_member(actor, case)
    pinned = _locked_case_playbook(case, actor)
    _require_current(pinned, step)
    recorded = _validate_outcome(actor=actor, case=case, step=step, outcome=outcome)
    now = timezone.now()
    record = StepRecord(
        case_playbook=pinned,
        step=step,
        status=StepStatus.DONE,
        outcome=recorded,
        completed_by=actor,
        completed_at=now,
    )
    record.full_clean()
    record.save()
    case_record_activity(case=case, at=now)
    case_event_record(
        case=case,
        kind=CaseEventKind.STEP_COMPLETED,
        actor=actor,
        occurred_at=now,
        data={"step": step.title, "kind": step.kind, "outcome": recorded},
        target=record,
    )
    return record


@transaction.atomic
def step_skip(*, actor: User, case: Case, step: Step, reason: str) -> StepRecord:
    """Skip the case's current step; the reason is recorded."""
    _require_member(actor, case)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this step is skipped.")})
    pinned = _locked_case_playbook(case, actor)
    _require_current(pinned, step)
    now = timezone.now()
    record = StepRecord.objects.create(
        case_playbook=pinned,
        step=step,
        status=StepStatus.SKIPPED,
        skip_reason=reason,
        completed_by=actor,
        completed_at=now,
    )
    case_record_activity(case=case, at=now)
    case_event_record(
        case=case,
        kind=CaseEventKind.STEP_SKIPPED,
        actor=actor,
        occurred_at=now,
        data={"step": step.title, "kind": step.kind, "reason": reason},
        target=record,
    )
    return record


# --- Solutions, concessions, fault ---------------------------------------------------


@transaction.atomic
def option_add(
    *,
    actor: User,
    case: Case,
    description: str,
    proposed_by: str,
    estimated_cost: Decimal | None = None,
    currency: str = "EUR",
    request_key: UUID | None = None,
) -> SolutionOption:
    """Add a solution option found with the client, with its cost to us."""
    _require_member(actor, case)

    def create() -> SolutionOption:
        option = SolutionOption(
            case=case,
            description=description.strip(),
            estimated_cost=estimated_cost,
            currency=(currency or "EUR").upper(),
            proposed_by=proposed_by,
            created_by=actor,
        )
        option.full_clean()
        option.save()
        case_event_record(
            case=case,
            kind=CaseEventKind.OPTION_ADDED,
            actor=actor,
            data={
                "description": option.description,
                "cost": str(estimated_cost) if estimated_cost is not None else "",
                "currency": option.currency,
                "proposed_by": option.get_proposed_by_display(),
            },
            target=option,
        )
        return option

    option, _created = create_once(
        actor=actor, model=SolutionOption, where={"case": case}, request_key=request_key, create=create
    )
    return option


def concession_unit(kind: str, unit: str = "") -> str:
    """The unit a concession of `kind` is counted in, given the one asked for.

    Only a discount has a choice (a percentage of the bill or an amount; none given: an
    amount, as before units existed). Other kinds have their own unit whatever is asked,
    except a percentage, which is refused.
    """
    if kind not in KIND_UNITS:
        raise ValidationError({"kind": _("Choose a kind of concession.")})
    units = KIND_UNITS[kind]
    if kind == ConcessionKind.DISCOUNT:
        unit = unit or ConcessionUnit.AMOUNT
        if unit not in units:
            raise ValidationError({"unit": _("A discount is a percentage of the bill or an amount of money.")})
        return unit
    if unit == ConcessionUnit.PERCENT:
        raise ValidationError({"unit": _("Only a discount can be a percentage of the bill.")})
    return units[0] if units else ""


def concession_limit_check(
    *, team_id: int, kind: str, unit: str, value: Decimal | None, currency: str = ""
) -> tuple[ConcessionLimit | None, bool]:
    """(the team's limit for this kind in this unit or None, whether a manager must decide).

    Like is compared with like: a percentage with the percentage limit, an amount with the
    amount limit. An amount in another currency than the limit's cannot be compared, so a
    manager decides on it. No limit in that unit: no cap.
    """
    if value is None or not unit:
        return None, False
    limit = ConcessionLimit.objects.filter(team_id=team_id, kind=kind, unit=unit).first()
    if limit is None:
        return None, False
    if unit == ConcessionUnit.AMOUNT and currency.upper() != limit.currency:
        return limit, True
    return limit, value > limit.max_value


def concession_limit_reason(concession: Concession, limit: ConcessionLimit) -> str:
    """Why a concession waits for a manager, in a sentence for the agent and the manager."""
    if concession.unit == ConcessionUnit.AMOUNT and concession.currency != limit.currency:
        return _(
            "%(concession)s is in %(currency)s, but the limit without a manager is %(limit)s: "
            "a manager decides on another currency."
        ) % {"concession": concession, "currency": concession.currency, "limit": limit.value_display}
    return _("%(concession)s is above the limit without a manager of %(limit)s.") % {
        "concession": concession,
        "limit": limit.value_display,
    }


def concession_pending_reason(concession: Concession) -> str:
    """Why a pending concession waits (read again from the team's limits); "" when it does not."""
    if concession.status != ConcessionStatus.PENDING:
        return ""
    limit, over = concession_limit_check(
        team_id=concession.case.team_id,
        kind=concession.kind,
        unit=concession.unit,
        value=concession.value,
        currency=concession.currency,
    )
    return concession_limit_reason(concession, limit) if over else ""


@transaction.atomic
def concession_offer(
    *,
    actor: User,
    case: Case,
    kind: str,
    value: Decimal | None = None,
    unit: str = "",
    currency: str = "",
    note: str = "",
    request_key: UUID | None = None,
) -> Concession:
    """Record a concession. Above the team's limit for its kind and unit (or in another
    currency than the limit's) it waits for a manager: it is saved as pending and the case
    is escalated once for it.

    `unit` matters for a discount only: "percent" of the bill or "amount" (the default).
    """
    _require_member(actor, case)
    unit = concession_unit(kind, unit)
    currency = (currency or "").strip().upper()
    errors = {}
    if kind != ConcessionKind.APOLOGY and value is None:
        errors["value"] = _("Give the value of the concession.")
    if unit == ConcessionUnit.AMOUNT and value is not None and not currency:
        errors["currency"] = _("Give the currency.")
    if unit == ConcessionUnit.PERCENT and value is not None and value > 100:
        errors["value"] = _("A discount is at most 100 % of the bill.")
    if errors:
        raise ValidationError(errors)

    def create() -> Concession:
        limit, over = concession_limit_check(team_id=case.team_id, kind=kind, unit=unit, value=value, currency=currency)
        concession = Concession(
            case=case,
            client_id=case.client_id,
            kind=kind,
            value=value,
            unit=unit,
            currency=currency if unit == ConcessionUnit.AMOUNT else "",
            note=note.strip(),
            status=ConcessionStatus.PENDING if over else ConcessionStatus.GRANTED,
            created_by=actor,
        )
        concession.full_clean()
        concession.save()
        other_currency = over and unit == ConcessionUnit.AMOUNT and currency != limit.currency
        case_event_record(
            case=case,
            kind=CaseEventKind.CONCESSION_RECORDED,
            actor=actor,
            data={
                "concession": str(concession),
                "status": concession.status,
                "limit": str(limit) if over else "",
                "other_currency": other_currency,
            },
            target=concession,
        )
        if over:  # escalations/receivers.py asks a manager
            why = _("Asked by %(agent)s. %(reason)s") % {
                "agent": actor,
                "reason": concession_limit_reason(concession, limit),
            }
            concession_above_limit.send(sender=Concession, concession=concession, note=why)
        return concession

    concession, _created = create_once(
        actor=actor, model=Concession, where={"case": case}, request_key=request_key, create=create
    )
    return concession


@transaction.atomic
def concession_decide(*, actor: User, concession: Concession, approve: bool, note: str = "") -> Concession:
    """A manager approves or refuses a concession that waits above the limit."""
    concession = Concession.objects.select_for_update().select_related("case__team").get(pk=concession.pk)
    _require_manager_of(actor, concession.case.team)
    if concession.status != ConcessionStatus.PENDING:
        raise ValidationError(_("This concession is not waiting for a decision."))
    note = note.strip()
    if not approve and not note:
        raise ValidationError({"note": _("Tell the agent why it is refused.")})
    concession.status = ConcessionStatus.APPROVED if approve else ConcessionStatus.REFUSED
    concession.decided_by = actor
    concession.decided_at = timezone.now()
    concession.decision_note = note
    concession.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    case_event_record(
        case=concession.case,
        kind=CaseEventKind.CONCESSION_DECIDED,
        actor=actor,
        occurred_at=concession.decided_at,
        data={"concession": str(concession), "status": concession.status, "note": note},
        target=concession,
    )
    return concession


@transaction.atomic
def fault_record(
    *, actor: User, case: Case, at_fault: str, apology_given_at: datetime | None = None, note: str = ""
) -> FaultRecord:
    """Record (or correct) whether we were at fault on the case and when we apologised."""
    _require_member(actor, case)
    if apology_given_at is not None and apology_given_at > timezone.now():
        raise ValidationError({"apology_given_at": _("An apology cannot be given in the future.")})
    record = FaultRecord.objects.filter(case=case).first() or FaultRecord(case=case)
    record.at_fault = at_fault
    record.apology_given_at = apology_given_at
    record.note = note.strip()
    record.recorded_by = actor
    record.recorded_at = timezone.now()
    record.full_clean()
    record.save()
    case_event_record(
        case=case,
        kind=CaseEventKind.FAULT_RECORDED,
        actor=actor,
        occurred_at=record.recorded_at,
        data={
            "at_fault": record.get_at_fault_display(),
            "apology_given_at": apology_given_at.isoformat() if apology_given_at else "",
            "note": record.note,
        },
        target=record,
    )
    return record


# --- Managers: playbooks, limits, saved replies ------------------------------------


STEP_FIELDS = ["kind", "title", "guidance", "phrasings", "avoid"]


@transaction.atomic
def playbook_edit(
    *, actor: User, team: Team, playbook: Playbook, name: str, temperaments: list[str], steps: list[dict]
) -> Playbook:
    """Publish a new version of a team's playbook with `steps` in order.

    Editing a built-in default copies it into the team first (once); the built-in and
    every case already following an earlier version stay as they were.
    """
    _require_manager_of(actor, team)
    if playbook.team_id not in (None, team.pk):
        raise ValidationError(_("That playbook belongs to another team."))
    if not steps:
        raise ValidationError(_("A playbook needs at least one step."))
    if playbook.is_builtin:
        playbook, _created = Playbook.objects.get_or_create(
            team=team, based_on=playbook, defaults={"name": playbook.name, "temperaments": playbook.temperaments}
        )
    before = audit_snapshot(playbook)
    playbook.name = name.strip()
    playbook.temperaments = temperaments
    playbook.full_clean(validate_constraints=False)
    playbook.save()
    Playbook.objects.select_for_update().filter(pk=playbook.pk).values_list("pk").get()
    previous = playbook.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = PlaybookVersion.objects.create(playbook=playbook, number=previous + 1, published_by=actor)
    rows = []
    for position, data in enumerate(steps, start=1):
        step = Step(version=version, position=position, **{field: data.get(field, "") for field in STEP_FIELDS})
        step.full_clean(exclude=["version"])
        rows.append(step)
    Step.objects.bulk_create(rows)
    audit_record(actor=actor, target=playbook, before=before, action=f"published version {version.number}")
    return playbook


@transaction.atomic
def concession_limit_set(
    *, actor: User, team: Team, kind: str, max_value: Decimal | None, unit: str = ""
) -> ConcessionLimit | None:
    """Set the most an agent may concede of `kind` in `unit` without a manager; None removes the cap.

    `unit` defaults to the kind's usual one (an amount; hours for free hours); a discount
    may also have a limit in percent of the bill. A limit in money is in the team's currency.
    """
    _require_manager_of(actor, team)
    if kind not in KIND_UNITS or not KIND_UNITS[kind]:
        raise ValidationError({"kind": _("This kind of concession has no limit.")})
    unit = unit or KIND_UNITS[kind][0]
    if unit not in KIND_UNITS[kind]:
        raise ValidationError({"unit": _("Only a discount can be a percentage of the bill.")})
    limit = ConcessionLimit.objects.filter(team=team, kind=kind, unit=unit).first() or ConcessionLimit(
        team=team, kind=kind, unit=unit
    )
    before = audit_snapshot(limit)
    if max_value is None:
        if limit.pk is not None:
            audit_record(actor=actor, target=limit, before=before, deleted=True)
            limit.delete()
        return None
    if unit == ConcessionUnit.PERCENT and max_value > 100:
        raise ValidationError({"max_value": _("A discount is at most 100 % of the bill.")})
    limit.max_value = max_value
    limit.currency = team_settings(team).currency if unit == ConcessionUnit.AMOUNT else ""
    limit.updated_by = actor
    limit.full_clean(validate_constraints=False)
    limit.save()
    audit_record(actor=actor, target=limit, before=before)
    return limit


TRIGGER_PHRASES_MAX = 50
TRIGGER_PHRASE_LENGTH = (3, 100)


def _trigger_phrases(text: str, *, automatic: bool) -> str:
    """The trigger phrases one per line, spaces tidied and repeats dropped; a ValidationError
    on the field says what is wrong."""
    phrases = phrase_list(text)
    shortest, longest = TRIGGER_PHRASE_LENGTH
    errors = [
        _("“%(phrase)s” is too short: a trigger phrase needs at least %(count)s characters.")
        % {"phrase": phrase, "count": shortest}
        for phrase in phrases
        if len(phrase) < shortest
    ]
    errors += [
        _("“%(phrase)s…” is too long: a trigger phrase has at most %(count)s characters.")
        % {"phrase": phrase[:30], "count": longest}
        for phrase in phrases
        if len(phrase) > longest
    ]
    if len(phrases) > TRIGGER_PHRASES_MAX:
        errors.append(
            _("That is %(given)s phrases: keep it to %(count)s at most.")
            % {"given": len(phrases), "count": TRIGGER_PHRASES_MAX}
        )
    if automatic and not phrases:
        errors.append(_("To send this reply automatically, give at least one trigger phrase (one per line)."))
    if errors:
        raise ValidationError({"trigger_phrases": errors})
    return "\n".join(phrases)


@transaction.atomic
def saved_reply_save(
    *,
    actor: User,
    team: Team,
    title: str,
    body: str,
    temperament: str = "",
    step_kind: str = "",
    is_automatic: bool = False,
    trigger_phrases: str = "",
    reply: SavedReply | None = None,
) -> SavedReply:
    """Add a saved reply to a team's library, or change one.

    An automatic reply (`is_automatic`) is emailed by the inbox to a new case's first
    message that contains one of its `trigger_phrases` (one per line: at most
    TRIGGER_PHRASES_MAX, each of TRIGGER_PHRASE_LENGTH characters; spaces are tidied and
    repeats dropped). Phrases may be kept on a reply that is not automatic.
    """
    _require_manager_of(actor, team)
    if reply is not None and reply.team_id != team.pk:
        raise ValidationError(_("That reply belongs to another team."))
    phrases = _trigger_phrases(trigger_phrases, automatic=is_automatic)
    reply = reply or SavedReply(team=team)
    before = audit_snapshot(reply)
    reply.title = title.strip()
    reply.body = body
    reply.temperament = temperament
    reply.step_kind = step_kind
    reply.is_automatic = is_automatic
    reply.trigger_phrases = phrases
    reply.updated_by = actor
    reply.full_clean()
    reply.save()
    audit_record(actor=actor, target=reply, before=before)
    return reply


@transaction.atomic
def saved_reply_delete(*, actor: User, reply: SavedReply) -> None:
    _require_manager_of(actor, reply.team)
    audit_record(actor=actor, target=reply, before=audit_snapshot(reply), deleted=True)
    reply.delete()


@transaction.atomic
def case_close_with_review(
    *,
    actor: User,
    case: Case,
    what_worked: str,
    what_to_change: str = "",
    new_temperament: str = "",
    update_client: bool = False,
) -> CaseReview:
    """Close a resolved case with its lessons-learned review, in one transaction.

    ``new_temperament`` is how the client now seems when that changed during the case;
    with ``update_client`` the client's profile takes it too (through ``client_update``),
    so the next case starts from the right playbook.
    """
    if case.status != CaseStatus.RESOLVED:
        raise ValidationError(_("Only a resolved case can be closed with a review."))
    review = CaseReview(
        case=case,
        what_worked=what_worked.strip(),
        what_to_change=what_to_change.strip(),
        temperament_changed=bool(new_temperament),
        new_temperament=new_temperament,
        written_by=actor,
    )
    review.full_clean()
    review.save()
    if new_temperament and update_client and case.client.temperament != new_temperament:
        client_update(actor=actor, client=case.client, temperament=new_temperament)
    case_change_status(
        actor=actor, case=case, status=CaseStatus.CLOSED, note=_("Closed with a lessons-learned review.")
    )
    return review
