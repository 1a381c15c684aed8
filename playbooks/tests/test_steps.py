"""Working a case through its playbook: order, skipping, outcomes, versions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import CaseEvent, CaseEventKind, CaseStatus, Temperament
from clients.tests.factories import CaseFactory, ClientFactory
from playbooks.models import CasePlaybook, Playbook, StepKind, StepRecord, StepStatus
from playbooks.selectors import case_playbook_version, default_playbook_for_case, latest_version
from playbooks.services import case_playbook_choose, playbook_edit, step_complete, step_skip

from .factories import complete_current, current_step, outcome_for


def builtin(temperament):
    return next(p for p in Playbook.objects.filter(team=None) if p.temperaments == [temperament])


def test_a_case_gets_the_playbook_of_its_clients_temperament(case, team, agent):
    assert default_playbook_for_case(case).name == "Complainer"  # the factory's temperament
    unknown = CaseFactory(client=ClientFactory(team=team, temperament=Temperament.UNKNOWN), owner=agent)
    assert default_playbook_for_case(unknown).name == "General"


def test_a_teams_own_copy_wins_over_the_builtin(case, team, manager):
    copy = playbook_edit(
        actor=manager, team=team, playbook=builtin("complainer"), name="Care complainer",
        temperaments=["complainer"], steps=[{"kind": "pinpoint", "title": "Listen", "guidance": "Listen."}],
    )  # fmt: skip
    assert default_playbook_for_case(case) == copy


def test_first_step_pins_the_default_version_and_records_who_and_when(case, agent):
    record = complete_current(case, agent)
    pinned = CasePlaybook.objects.get(case=case)
    assert pinned.version.playbook.name == "Complainer"
    assert record.status == StepStatus.DONE and record.completed_by == agent and record.completed_at
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS  # working a step starts work on a new case
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert CaseEventKind.PLAYBOOK_CHOSEN in kinds and CaseEventKind.STEP_COMPLETED in kinds


def test_pinpoint_updates_the_cases_problem_and_root_cause_through_case_update(case, agent):
    step = current_step(case)
    assert step.kind == StepKind.PINPOINT
    step_complete(actor=agent, case=case, step=step, outcome=outcome_for(step, case, agent))
    case.refresh_from_db()
    assert case.problem_statement == "The engineer missed two visits."
    assert case.root_cause == "communication_breakdown"
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.UPDATED).exists()


def test_steps_go_in_order(case, agent):
    _, version = case_playbook_version(case)
    later = version.steps.get(kind=StepKind.COMMON_GROUND)
    with pytest.raises(ValidationError, match="Steps go in order"):
        step_complete(actor=agent, case=case, step=later, outcome={"points": ["x"]})
    with pytest.raises(ValidationError, match="Steps go in order"):
        step_skip(actor=agent, case=case, step=later, reason="Not needed")
    assert not StepRecord.objects.exists()


def test_skipping_needs_a_reason_which_is_recorded(case, agent):
    step = current_step(case)
    with pytest.raises(ValidationError):
        step_skip(actor=agent, case=case, step=step, reason="   ")
    record = step_skip(actor=agent, case=case, step=step, reason="Client already explained it by email")
    assert record.status == StepStatus.SKIPPED and record.skip_reason == "Client already explained it by email"
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.STEP_SKIPPED)
    assert event.data["reason"] == "Client already explained it by email"
    assert current_step(case).kind == StepKind.COMMON_GROUND


@pytest.mark.parametrize(
    "kind, outcome, field",
    [
        (StepKind.PINPOINT, {"problem": "", "root_cause": "unknown"}, "problem"),
        (StepKind.COMMON_GROUND, {"points": ["  "]}, "points"),
        (StepKind.COMPROMISE, {"option_id": 999999}, "option"),
        (StepKind.DOCUMENT, {"summary": ""}, "summary"),
        (StepKind.FOLLOW_UP, {"next_step": "Call", "due_at": timezone.now() - timedelta(hours=1)}, "due_at"),
    ],
)
def test_a_step_needs_its_outcome(case, agent, kind, outcome, field):
    while current_step(case).kind != kind:
        complete_current(case, agent)
    with pytest.raises(ValidationError) as error:
        step_complete(actor=agent, case=case, step=current_step(case), outcome=outcome)
    assert field in error.value.message_dict


def test_brainstorm_needs_at_least_one_option(case, agent):
    complete_current(case, agent)
    complete_current(case, agent)
    step = current_step(case)
    assert step.kind == StepKind.BRAINSTORM
    with pytest.raises(ValidationError, match="at least one solution option"):
        step_complete(actor=agent, case=case, step=step, outcome={})


def test_a_case_goes_through_all_six_steps(case, agent):
    for _ in range(6):
        complete_current(case, agent)
    records = StepRecord.objects.filter(case_playbook__case=case).select_related("step")
    assert [r.step.kind for r in records] == [
        "pinpoint", "common_ground", "brainstorm", "compromise", "document", "follow_up",
    ]  # fmt: skip
    follow_up = records.get(step__kind="follow_up").outcome
    assert follow_up["next_step"] == "Engineer visit" and follow_up["due_at"]
    compromise = records.get(step__kind="compromise").outcome
    assert compromise["option"] == "Priority visit tomorrow"
    with pytest.raises(ValidationError, match="already done"):
        step_complete(actor=agent, case=case, step=records.last().step, outcome={})


def test_finishing_a_step_twice_says_it_is_done(case, agent):
    record = complete_current(case, agent)
    with pytest.raises(ValidationError, match="is already done"):
        step_complete(actor=agent, case=case, step=record.step, outcome=record.outcome)
    assert StepRecord.objects.count() == 1


def test_agent_switches_playbook_only_before_work_starts(case, agent):
    case_playbook_choose(actor=agent, case=case, playbook=builtin("angry"))
    assert CasePlaybook.objects.get(case=case).version.playbook.name == "Angry client"
    assert "vent" in current_step(case).title.lower()
    complete_current(case, agent)
    with pytest.raises(ValidationError, match="no longer be switched"):
        case_playbook_choose(actor=agent, case=case, playbook=builtin("silent"))


def test_outsider_cannot_work_a_case(case, outsider):
    with pytest.raises(ValidationError):
        step_complete(actor=outsider, case=case, step=current_step(case), outcome={})


def test_editing_a_playbook_never_rewrites_a_running_case(case, agent, manager, team):
    complete_current(case, agent)  # the case now runs on the built-in complainer v1
    pinned_version = CasePlaybook.objects.get(case=case).version
    copy = playbook_edit(
        actor=manager, team=team, playbook=builtin("complainer"), name="Complainer (Care)",
        temperaments=["complainer"],
        steps=[
            {"kind": "common_ground", "title": "Agree first", "guidance": "Agree on the facts."},
            {"kind": "pinpoint", "title": "Then pinpoint", "guidance": "Reworded."},
        ],
    )  # fmt: skip
    assert copy.team == team and copy.based_on == builtin("complainer")
    assert latest_version(builtin("complainer")).number == 1  # the built-in is untouched
    assert CasePlaybook.objects.get(case=case).version == pinned_version
    assert current_step(case).kind == StepKind.COMMON_GROUND
    assert current_step(case).version == pinned_version
    # A new case starts on the team's edited version.
    fresh = CaseFactory(client=case.client, owner=agent)
    assert [s.title for s in current_step(fresh).version.steps.order_by("position")] == ["Agree first", "Then pinpoint"]

    again = playbook_edit(
        actor=manager, team=team, playbook=copy, name="Complainer (Care)", temperaments=["complainer"],
        steps=[{"kind": "pinpoint", "title": "Only step", "guidance": "x"}],
    )  # fmt: skip
    assert again == copy and latest_version(copy).number == 2


def test_only_managers_of_the_team_edit_playbooks(agent, manager, other_team, team):
    kwargs = dict(
        playbook=builtin("angry"), name="X", temperaments=["angry"],
        steps=[{"kind": "pinpoint", "title": "t", "guidance": "g"}],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="Only a manager"):
        playbook_edit(actor=agent, team=team, **kwargs)
    with pytest.raises(ValidationError, match="Only a manager"):
        playbook_edit(actor=manager, team=other_team, **kwargs)
    assert not Playbook.objects.filter(team__isnull=False).exists()


def test_the_follow_up_step_schedules_a_follow_up_on_the_case(case, agent):
    from interactions.models import FollowUp, FollowUpKind

    for _ in range(6):
        complete_current(case, agent)
    outcome = StepRecord.objects.get(case_playbook__case=case, step__kind="follow_up").outcome
    follow_up = FollowUp.objects.get(pk=outcome["follow_up_id"])
    assert (follow_up.case, follow_up.kind, follow_up.note) == (case, FollowUpKind.CALL_BACK, "Engineer visit")
    assert follow_up.owner == case.owner and follow_up.due_at.isoformat() == outcome["due_at"]


def test_a_follow_up_step_the_follow_up_refuses_records_nothing(case, agent, customer):
    from interactions.models import FollowUp

    customer.email = ""
    customer.save()
    for _ in range(5):
        complete_current(case, agent)
    step = current_step(case)
    with pytest.raises(ValidationError) as error:
        step_complete(
            actor=agent,
            case=case,
            step=step,
            outcome={"next_step": "Send the new date", "due_at": timezone.now() + timedelta(days=1),
                     "follow_up_kind": "email_client"},
        )  # fmt: skip
    assert "follow_up_kind" in error.value.message_dict
    assert not FollowUp.objects.exists()
    assert not StepRecord.objects.filter(step=step).exists()
