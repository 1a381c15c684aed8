"""Demo playbook progress for `seed_demo`: limits, saved replies and a case part-way through
its playbook. Every write goes through the services; running it again changes nothing."""

from decimal import Decimal

from django.utils import timezone

from accounts.models import Team, User
from clients.models import Case, CaseStatus, RootCause

from .defaults import install_defaults
from .models import CasePlaybook, Playbook, PlaybookVersion, SavedReply, Step
from .selectors import case_playbook_version
from .services import concession_limit_set, fault_record, option_add, saved_reply_save, step_complete

# (kind, unit): the most an agent gives without a manager; amounts in the team's currency.
LIMITS = {
    ("refund", "amount"): Decimal("50"),
    ("discount", "percent"): Decimal("10"),
    ("discount", "amount"): Decimal("30"),
    ("free_hours", "hours"): Decimal("2"),
}

REPLIES = [
    {
        "title": "Summary of what we agreed",
        "body": "Dear {client_name},\n\nThank you for your time today. As agreed, {next_step}. "
        "If anything is unclear, reply to this email and I will call you back.\n\n{agent_name}",
        "step_kind": "document",
    },
    {
        "title": "Acknowledge and promise a call back",
        "body": "I can see why this has been frustrating, {client_name}. I will look into it and call you back "
        "today before 5 pm. {agent_name}",
    },
    {
        "title": "Quiet client: an open door",
        "body": "Hello {client_name}, I wanted to check in. Is there anything about this we have not "
        "covered yet? Take your time; I am here when it suits you. {agent_name}",
        "temperament": "silent",
    },
]


def _complete(case: Case, actor: User, outcome: dict) -> None:
    pinned, version = case_playbook_version(case)
    done = set(pinned.records.values_list("step_id", flat=True)) if pinned else set()
    step = next(s for s in version.steps.order_by("position") if s.pk not in done)
    step_complete(actor=actor, case=case, step=step, outcome=outcome)


def seed_playbook_progress(*, team: Team, manager: User) -> None:
    # The migration installs the built-ins; a flushed database (transactional tests) lost them.
    install_defaults(Playbook, PlaybookVersion, Step)
    for (kind, unit), value in LIMITS.items():
        concession_limit_set(actor=manager, team=team, kind=kind, unit=unit, max_value=value)
    for reply in REPLIES:
        if not SavedReply.objects.filter(team=team, title=reply["title"]).exists():
            saved_reply_save(actor=manager, team=team, **reply)

    oven = Case.objects.filter(team=team, title="Oven service visit missed twice").first()
    if oven is None or oven.status != CaseStatus.IN_PROGRESS or CasePlaybook.objects.filter(case=oven).exists():
        return
    owner = oven.owner
    _complete(
        oven,
        owner,
        {
            "problem": "Two booked service visits were missed and nobody called to say so.",
            "root_cause": RootCause.COMMUNICATION_BREAKDOWN,
        },
    )
    _complete(oven, owner, {"points": ["The visits were missed", "The oven must work before the weekend"]})
    option_add(actor=owner, case=oven, description="Priority visit on Thursday morning", proposed_by="staff",
               estimated_cost=Decimal("0"))  # fmt: skip
    option_add(actor=owner, case=oven, description="Refund of the service fee", proposed_by="client",
               estimated_cost=Decimal("120"))  # fmt: skip
    _complete(oven, owner, {})
    fault_record(actor=owner, case=oven, at_fault="yes", apology_given_at=timezone.now(), note="No-show, no call.")
