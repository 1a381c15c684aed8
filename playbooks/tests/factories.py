from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from playbooks.models import Step, StepKind
from playbooks.selectors import case_playbook_version
from playbooks.services import option_add, step_complete


def current_step(case) -> Step:
    """The step the case is on now (pinned version or the default it would start with)."""

    pinned, version = case_playbook_version(case)
    done = set(pinned.records.values_list("step_id", flat=True)) if pinned else set()
    return next(step for step in version.steps.order_by("position") if step.pk not in done)


def outcome_for(step: Step, case, actor) -> dict:
    """A valid outcome for `step`, adding what the step needs first (an option to choose)."""
    if step.kind == StepKind.PINPOINT:
        return {"problem": "The engineer missed two visits.", "root_cause": "communication_breakdown"}
    if step.kind == StepKind.COMMON_GROUND:
        return {"points": ["The visit was missed", "The oven must work by Friday"]}
    if step.kind == StepKind.BRAINSTORM:
        if not case.solution_options.exists():
            option_add(
                actor=actor,
                case=case,
                description="Priority visit tomorrow",
                proposed_by="staff",
                estimated_cost=Decimal("80"),
            )
        return {}
    if step.kind == StepKind.COMPROMISE:
        option = case.solution_options.first() or option_add(
            actor=actor, case=case, description="Priority visit tomorrow", proposed_by="staff"
        )
        return {"option_id": option.pk}
    if step.kind == StepKind.DOCUMENT:
        return {"summary": "Agreed a priority visit tomorrow morning."}
    return {"next_step": "Engineer visit", "due_at": timezone.now() + timedelta(days=1)}


def complete_current(case, actor):
    step = current_step(case)
    return step_complete(actor=actor, case=case, step=step, outcome=outcome_for(step, case, actor))
