"""seed_bench's playbook progress and follow-ups: in realistic proportions, shaped as the
services write them, shown by the pages and open to the services afterwards."""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bench import progress
from bench.management.commands.seed_bench import EventRow
from bench.tests.test_seed_bench import digest_of
from clients.models import OPEN_STATUSES, Case, CaseEvent, CaseEventKind, CaseStatus
from escalations.rules import escalate_missed_follow_ups
from interactions.models import FollowUp, FollowUpKind, FollowUpStatus, Interaction
from interactions.selectors import my_day
from interactions.services import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_schedule,
    follow_ups_sweep,
    interaction_log,
)
from playbooks.defaults import install_defaults
from playbooks.models import (
    CasePlaybook,
    Concession,
    FaultRecord,
    Playbook,
    PlaybookVersion,
    SolutionOption,
    Step,
    StepKind,
    StepRecord,
)
from playbooks.selectors import case_playbook_version, latest_version, pick_default, playbooks_for_team
from playbooks.services import concession_offer, fault_record, option_add, step_complete
from playbooks.tests.factories import complete_current, current_step, outcome_for

from .test_seed_bench import FROZEN, seed

SETTLED = [CaseStatus.RESOLVED, CaseStatus.CLOSED]
NEW_KINDS = [
    CaseEventKind.PLAYBOOK_CHOSEN,
    CaseEventKind.STEP_COMPLETED,
    CaseEventKind.OPTION_ADDED,
    CaseEventKind.CONCESSION_RECORDED,
    CaseEventKind.FAULT_RECORDED,
    CaseEventKind.FOLLOW_UP_SCHEDULED,
    CaseEventKind.FOLLOW_UP_DONE,
    CaseEventKind.FOLLOW_UP_CANCELLED,
    CaseEventKind.FOLLOW_UP_MISSED,
]


@pytest.fixture
def frozen():
    """The seed and everything after it at one fixed time (noon, so "today" has hours left)."""
    with mock.patch("django.utils.timezone.now", return_value=FROZEN):
        yield FROZEN


@pytest.fixture
def seeded(db, frozen):
    seed()


def bench_staff():
    return User.objects.filter(username__startswith="bench").order_by("pk")


def events_of(target_model, kind):
    target_type = ContentType.objects.get_for_model(target_model)
    return CaseEvent.objects.filter(kind=kind, target_type=target_type)


def test_playbook_progress_follows_the_case_status(seeded):
    records = Counter(StepRecord.objects.values_list("case_playbook__case_id", flat=True))
    pinned = set(CasePlaybook.objects.values_list("case_id", flat=True))
    for case_id, status in Case.objects.values_list("pk", "status"):
        if status in SETTLED:
            assert case_id in pinned and records[case_id] == 6  # every step done
        elif status == CaseStatus.NEW:
            assert case_id not in pinned  # nothing started: the page offers the default
        else:
            assert 0 <= records[case_id] <= 5
            assert (records[case_id] > 0) == (case_id in pinned)  # pinned by the first step
    in_progress = Case.objects.filter(status=CaseStatus.IN_PROGRESS).values_list("pk", flat=True)
    assert len({records[pk] for pk in in_progress}) >= 4  # cases at every stage
    assert not StepRecord.objects.exclude(status="done").exists()


def test_each_case_follows_its_teams_default_playbook_in_order(seeded):
    defaults = {}
    for pin in CasePlaybook.objects.select_related("case__client", "version"):
        key = (pin.case.team_id, pin.case.client.temperament)
        if key not in defaults:
            defaults[key] = latest_version(pick_default(playbooks_for_team(key[0]), key[1])).pk
        assert pin.version_id == defaults[key]
        assert pin.chosen_by_id == pin.case.owner_id
        steps = list(pin.records.select_related("step").order_by("step__position"))
        assert [record.step.position for record in steps] == list(range(1, len(steps) + 1))
        times = [record.completed_at for record in steps]
        assert times == sorted(times) and pin.chosen_at == times[0]
        assert times[-1] <= pin.case.last_activity_at  # a step done moves the activity: none after it


def test_the_timeline_has_the_entries_the_playbook_services_record(seeded):
    for pin in CasePlaybook.objects.select_related("version__playbook"):
        event = events_of(CasePlaybook, CaseEventKind.PLAYBOOK_CHOSEN).get(target_id=pin.pk)
        assert event.data == {"playbook": pin.version.playbook.name, "version": pin.version.number}
        assert (event.case_id, event.actor_id, event.occurred_at) == (pin.case_id, pin.chosen_by_id, pin.chosen_at)
    completed = {e.target_id: e for e in events_of(StepRecord, CaseEventKind.STEP_COMPLETED)}
    assert len(completed) == StepRecord.objects.count()
    for record in StepRecord.objects.select_related("step", "case_playbook"):
        event = completed[record.pk]
        assert event.data == {"step": record.step.title, "kind": record.step.kind, "outcome": record.outcome}
        assert (event.case_id, event.occurred_at) == (record.case_playbook.case_id, record.completed_at)
    for model, kind in [
        (SolutionOption, CaseEventKind.OPTION_ADDED),
        (Concession, CaseEventKind.CONCESSION_RECORDED),
        (FaultRecord, CaseEventKind.FAULT_RECORDED),
    ]:
        assert events_of(model, kind).count() == model.objects.count() > 0


def test_step_outcomes_name_what_the_case_holds(seeded):
    outcomes = defaultdict(dict)
    for case_id, kind, outcome, at in StepRecord.objects.values_list(
        "case_playbook__case_id", "step__kind", "outcome", "completed_at"
    ):
        outcomes[case_id][kind] = (outcome, at)
    cases = Case.objects.in_bulk(list(outcomes))
    for case_id, steps in outcomes.items():
        case = cases[case_id]
        problem, _at = steps[StepKind.PINPOINT]
        # The pinpoint step confirmed the case's own problem and root cause (no change to record).
        assert (problem["problem"], problem["root_cause"]) == (case.problem_statement, case.root_cause)
        if StepKind.BRAINSTORM in steps:
            found, at = steps[StepKind.BRAINSTORM]
            before = SolutionOption.objects.filter(case_id=case_id, created_at__lte=at).order_by("created_at", "id")
            assert found["options"] == [option.description for option in before] != []
        if StepKind.COMPROMISE in steps:
            chosen, _at = steps[StepKind.COMPROMISE]
            option = SolutionOption.objects.get(pk=chosen["option_id"])
            assert (option.case_id, option.description) == (case_id, chosen["option"])
            given = Concession.objects.filter(case_id=case_id).order_by("created_at", "id")
            assert chosen["concessions"] == [str(concession) for concession in given]
        if StepKind.FOLLOW_UP in steps:
            promised, at = steps[StepKind.FOLLOW_UP]
            follow_up = FollowUp.objects.get(pk=promised["follow_up_id"])
            assert (follow_up.case_id, follow_up.kind, follow_up.note) == (
                case_id,
                promised["follow_up_kind"],
                promised["next_step"],
            )
            assert promised["due_at"] == follow_up.due_at.isoformat() and follow_up.created_at == at
    compromised = sum(StepKind.COMPROMISE in steps for steps in outcomes.values())
    with_concession = Concession.objects.values("case_id").distinct().count()
    assert 0.1 * compromised < with_concession < 0.7 * compromised
    assert 0.1 * compromised < FaultRecord.objects.count() < 0.7 * compromised


def test_follow_ups_come_in_realistic_proportions(seeded):
    cases = Case.objects.count()
    follow_ups = FollowUp.objects.count()
    assert 1.2 * cases < follow_ups < 2.5 * cases
    assert Case.objects.filter(follow_ups__isnull=False).distinct().count() > 0.6 * cases
    assert set(FollowUp.objects.values_list("kind", flat=True)) == {FollowUpKind.CALL_BACK, FollowUpKind.INTERNAL_CHECK}
    statuses = Counter(FollowUp.objects.values_list("status", flat=True))
    settled = statuses[FollowUpStatus.DONE] + statuses[FollowUpStatus.CANCELLED]
    assert statuses[FollowUpStatus.DONE] > 0.75 * settled and statuses[FollowUpStatus.CANCELLED] > 0.03 * settled
    on_time = Counter(events_of(FollowUp, CaseEventKind.FOLLOW_UP_DONE).values_list("data__on_time", flat=True))
    assert on_time[True] > 0.7 * statuses[FollowUpStatus.DONE] and on_time[False] > 0
    # Settled cases: their promises kept, called off or (rarely) missed, never waiting.
    on_settled = FollowUp.objects.filter(case__status__in=SETTLED)
    assert not on_settled.filter(status=FollowUpStatus.PENDING, due_at__lte=FROZEN - timedelta(days=2)).exists()
    # A promise missed while its case was open would have escalated it (a rule): none.
    assert not FollowUp.objects.filter(status=FollowUpStatus.MISSED, case__status__in=OPEN_STATUSES).exists()


def test_every_staff_member_has_a_realistic_day(seeded):
    for user in bench_staff():
        day = my_day(user, now=FROZEN)
        assert day["overdue"] and day["today"] and day["upcoming"], user
        open_now = FollowUp.objects.filter(owner=user, status__in=[FollowUpStatus.PENDING, FollowUpStatus.MISSED])
        assert 5 <= open_now.count() <= 30, (user, open_now.count())


def test_follow_ups_carry_what_the_services_and_the_sweep_set(seeded):
    grace = timedelta(minutes=settings.CASEBOOK_OVERDUE_GRACE_MINUTES)
    lead = timedelta(minutes=settings.CASEBOOK_REMINDER_LEAD_MINUTES)
    missed_after = grace + timedelta(minutes=settings.CASEBOOK_MISSED_AFTER_MINUTES)
    events = defaultdict(dict)
    for event in CaseEvent.objects.filter(target_type=ContentType.objects.get_for_model(FollowUp)):
        assert event.kind not in events[event.target_id]
        events[event.target_id][event.kind] = event
    contacts = Interaction.objects.in_bulk(
        list(FollowUp.objects.exclude(fulfilled_by=None).values_list("fulfilled_by", flat=True))
    )
    for follow_up in FollowUp.objects.select_related("owner"):
        mine = events[follow_up.pk]
        scheduled = mine[CaseEventKind.FOLLOW_UP_SCHEDULED]
        assert (scheduled.case_id, scheduled.actor_id, scheduled.occurred_at) == (
            follow_up.case_id,
            follow_up.created_by_id,
            follow_up.created_at,
        )
        assert scheduled.data == {
            "kind": follow_up.kind,
            "due_at": follow_up.due_at.isoformat(),
            "owner": str(follow_up.owner),
        }
        assert follow_up.created_by_id == follow_up.owner_id and follow_up.due_at > follow_up.created_at
        end = follow_up.completed_at or FROZEN
        assert end <= FROZEN
        # What the sweep (every 30 seconds) did before the follow-up was settled, or by now.
        sweep = timedelta(seconds=30)
        for mark, at in [
            (follow_up.reminded_at, follow_up.due_at - min(lead, (follow_up.due_at - follow_up.created_at) / 2)),
            (follow_up.due_noticed_at, follow_up.due_at),
            (follow_up.overdue_warned_at, follow_up.due_at + grace),
        ]:
            if mark is None:
                assert end < at + sweep
            else:
                assert at <= mark <= at + sweep and mark < end
        if follow_up.status == FollowUpStatus.DONE:
            done = mine[CaseEventKind.FOLLOW_UP_DONE]
            assert follow_up.completed_by_id == follow_up.owner_id and done.occurred_at == follow_up.completed_at
            assert done.data == {"kind": follow_up.kind, "on_time": follow_up.completed_at <= follow_up.due_at + grace}
            if follow_up.kind == FollowUpKind.CALL_BACK:
                contact = contacts[follow_up.fulfilled_by_id]
                assert contact.case_id == follow_up.case_id and contact.occurred_at <= follow_up.completed_at
        elif follow_up.status == FollowUpStatus.CANCELLED:
            cancelled = mine[CaseEventKind.FOLLOW_UP_CANCELLED]
            assert follow_up.completed_by_id == follow_up.owner_id and cancelled.occurred_at == follow_up.completed_at
            assert set(cancelled.data) == {"kind", "note"} and follow_up.fulfilled_by_id is None
        else:
            assert follow_up.completed_at is None and follow_up.completed_by_id is None
        missed = mine.get(CaseEventKind.FOLLOW_UP_MISSED)
        assert (missed is not None) == (follow_up.status == FollowUpStatus.MISSED)
        if missed is not None:
            assert missed.actor_id is None and missed.occurred_at >= follow_up.due_at + missed_after
            assert missed.data == {"kind": follow_up.kind, "due_at": follow_up.due_at.isoformat()}
            assert follow_up.reminded_at and follow_up.due_noticed_at and follow_up.overdue_warned_at
        extra = set(mine) - {
            CaseEventKind.FOLLOW_UP_SCHEDULED,
            CaseEventKind.FOLLOW_UP_DONE,
            CaseEventKind.FOLLOW_UP_CANCELLED,
            CaseEventKind.FOLLOW_UP_MISSED,
        }
        assert not extra


def test_the_sweep_and_the_rules_find_nothing_left_to_do(seeded):
    # The seed did what the periodic sweep would have done by now: nothing is reminded,
    # warned or marked missed twice, and no missed promise waits to escalate an open case.
    # The one thing left to it: the satisfaction checks of cases resolved a few days ago
    # (scheduled and sent at once), which the seed does not make (each is an email and a survey).
    counts = follow_ups_sweep(now=FROZEN)
    assert (counts["reminded"], counts["warned"], counts["missed"]) == (0, 0, 0)
    assert counts["carried_out"] == counts["satisfaction_scheduled"]
    assert escalate_missed_follow_ups(now=FROZEN) == 0


def test_nothing_seeded_lies_in_the_future(seeded):
    assert not CaseEvent.objects.filter(occurred_at__gt=FROZEN).exists()
    for field in ["created_at", "completed_at", "reminded_at", "due_noticed_at", "overdue_warned_at"]:
        assert not FollowUp.objects.filter(**{f"{field}__gt": FROZEN}).exists()
    assert not StepRecord.objects.filter(completed_at__gt=FROZEN).exists()


def same_shape(seeded, made) -> bool:
    """Whether two JSON values have one shape: the same keys, items and types (an empty list
    fits any list)."""
    if isinstance(made, dict):
        return (
            isinstance(seeded, dict)
            and seeded.keys() == made.keys()
            and all(same_shape(seeded[key], made[key]) for key in made)
        )
    if isinstance(made, list):
        return isinstance(seeded, list) and (not seeded or not made or same_shape(seeded[0], made[0]))
    return type(seeded) is type(made)


def shape_key(event):
    # A finished step's entry is shaped by the step's kind.
    return (event.kind, event.data["kind"] if event.kind == CaseEventKind.STEP_COMPLETED else "")


def service_made_rows(case, agent):
    """One of each row through the services, as the app writes them."""
    install_defaults(Playbook, PlaybookVersion, Step)
    complete_current(case, agent)  # pinpoint
    complete_current(case, agent)  # common ground
    option_add(actor=agent, case=case, description="Refund", proposed_by="client", estimated_cost=Decimal("120.00"))
    complete_current(case, agent)  # brainstorm
    concession_offer(actor=agent, case=case, kind="discount", value=Decimal("20.00"), currency="EUR", note="Once.")
    fault_record(actor=agent, case=case, at_fault="yes", apology_given_at=timezone.now(), note="No-show.")
    complete_current(case, agent)  # compromise
    complete_current(case, agent)  # document
    step = current_step(case)
    outcome = {**outcome_for(step, case, agent), "follow_up_kind": FollowUpKind.CALL_BACK}
    step_complete(actor=agent, case=case, step=step, outcome=outcome)
    promised = FollowUp.objects.get(case=case)
    call = interaction_log(actor=agent, case=case, channel="call", direction="outbound", mood="calm", summary="Done.")
    follow_up_complete(actor=agent, follow_up=promised, fulfilled_by=call)
    later = timezone.now() + timedelta(hours=2)
    dropped = follow_up_schedule(actor=agent, case=case, kind=FollowUpKind.INTERNAL_CHECK, due_at=later)
    follow_up_cancel(actor=agent, follow_up=dropped, note="Not needed.")
    follow_up_schedule(actor=agent, case=case, kind=FollowUpKind.CALL_BACK, due_at=later)
    follow_ups_sweep(now=later + timedelta(days=3))  # marks it missed


def test_seeded_rows_have_the_shapes_the_services_write(case, agent):
    service_made_rows(case, agent)
    made_events = {shape_key(e): e for e in CaseEvent.objects.filter(case=case, kind__in=NEW_KINDS)}
    made_outcomes = {r.step.kind: r.outcome for r in StepRecord.objects.select_related("step")}
    assert {kind for kind, _step in made_events} == set(NEW_KINDS) and len(made_outcomes) == 6
    with mock.patch("django.utils.timezone.now", return_value=FROZEN):
        seed()
    seeded_cases = Case.objects.exclude(pk=case.pk)
    seen = set()
    for event in CaseEvent.objects.filter(case__in=seeded_cases, kind__in=NEW_KINDS).iterator():
        made = made_events[shape_key(event)]
        assert same_shape(event.data, made.data), (event.kind, event.data, made.data)
        assert event.target_type_id == made.target_type_id and event.target_id is not None
        assert (event.actor_id is None) == (made.actor_id is None)
        seen.add(event.kind)
    assert seen >= set(NEW_KINDS) - {CaseEventKind.FOLLOW_UP_MISSED}  # missed ones are rare
    records = StepRecord.objects.filter(case_playbook__case__in=seeded_cases).select_related("step")
    for record in records.iterator():
        made = made_outcomes[record.step.kind]
        assert same_shape(record.outcome, made), (record.step.kind, record.outcome, made)


def test_pages_show_the_seeded_work(seeded, client):
    agent = User.objects.filter(username__startswith="bench", groups__name="Agents").order_by("pk").first()
    client.force_login(agent)
    mine = Case.objects.filter(team__in=agent.teams.all())
    resolved = mine.filter(status=CaseStatus.RESOLVED).first()
    page = client.get(reverse("cases:detail", args=[resolved.pk]))
    assert page.status_code == 200
    assert page.context["pb_done"] == 6 and page.context["pb_current"] is None
    assert page.context["follow_ups"] and len(page.context["timeline"]) > 10
    started = (
        mine.filter(status=CaseStatus.IN_PROGRESS)
        .annotate(done=Count("playbook__records"))
        .filter(done__gte=2, done__lte=5)
        .first()
    )
    page = client.get(reverse("cases:detail", args=[started.pk]))
    assert page.status_code == 200
    assert page.context["pb_current"].position == started.done + 1 == page.context["pb_done"] + 1
    assert b"Current step" in page.content
    assert client.get(reverse("cases:detail", args=[resolved.pk])).status_code == 200
    assert client.get(reverse("cases:file", args=[resolved.pk])).status_code == 200
    assert client.get(reverse("cases:list")).status_code == 200
    assert client.get(reverse("clients:detail", args=[resolved.client_id])).status_code == 200
    day = client.get(reverse("my_day"))
    assert day.status_code == 200
    assert day.context["overdue"] and day.context["today"] and day.context["upcoming"]
    manager = User.objects.filter(username__startswith="bench", groups__name="Managers").order_by("pk").first()
    client.force_login(manager)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("escalations:queue")).status_code == 200


def test_the_services_act_on_seeded_rows(seeded):
    pending = (
        FollowUp.objects.filter(status=FollowUpStatus.PENDING, kind=FollowUpKind.CALL_BACK)
        .select_related("case", "owner")
        .first()
    )
    call = interaction_log(
        actor=pending.owner, case=pending.case, channel="call", direction="outbound", mood="calm", summary="Called."
    )
    done = follow_up_complete(actor=pending.owner, follow_up=pending, fulfilled_by=call)
    assert done.status == FollowUpStatus.DONE
    assert CaseEvent.objects.filter(kind=CaseEventKind.FOLLOW_UP_DONE, target_id=done.pk).count() == 1
    for kind in [StepKind.COMMON_GROUND, StepKind.BRAINSTORM, StepKind.COMPROMISE, StepKind.FOLLOW_UP]:
        case = next(
            c
            for c in Case.objects.filter(status=CaseStatus.IN_PROGRESS, playbook__isnull=False).select_related("owner")
            if current_step(c).kind == kind
        )
        before = StepRecord.objects.filter(case_playbook__case=case).count()
        pinned, _version = case_playbook_version(case)
        record = complete_current(case, case.owner)
        assert record.case_playbook_id == pinned.pk
        assert StepRecord.objects.filter(case_playbook__case=case).count() == before + 1


def test_the_app_carries_on_after_the_seeded_progress(seeded):
    case = Case.objects.filter(status=CaseStatus.IN_PROGRESS, playbook__isnull=False).select_related("owner").first()
    follow_up = follow_up_schedule(
        actor=case.owner, case=case, kind=FollowUpKind.INTERNAL_CHECK, due_at=FROZEN + timedelta(days=1)
    )
    assert follow_up.pk > max(FollowUp.objects.exclude(pk=follow_up.pk).values_list("pk", flat=True))
    record = complete_current(case, case.owner)
    assert record.pk > max(StepRecord.objects.exclude(pk=record.pk).values_list("pk", flat=True))


def progress_fingerprint() -> str:
    """The seeded work on the cases, without ids (a test database's sequences do not start at 1)."""
    rows = [
        CasePlaybook.objects.order_by("pk").values_list("case__opened_at", "version__playbook__name", "chosen_at"),
        StepRecord.objects.order_by("pk").values_list("case_playbook__case__opened_at", "step__title", "completed_at"),
        SolutionOption.objects.order_by("pk").values_list("description", "estimated_cost", "proposed_by", "created_at"),
        Concession.objects.order_by("pk").values_list("kind", "value", "note", "created_at"),
        FaultRecord.objects.order_by("pk").values_list("at_fault", "apology_given_at", "note", "recorded_at"),
        FollowUp.objects.order_by("pk").values_list(
            "case__opened_at",
            "kind",
            "due_at",
            "status",
            "note",
            "created_at",
            "reminded_at",
            "due_noticed_at",
            "overdue_warned_at",
            "completed_at",
            "fulfilled_by__occurred_at",
        ),
        CaseEvent.objects.filter(kind__in=NEW_KINDS)
        .order_by("pk")
        .values_list("case__opened_at", "kind", "actor__username", "occurred_at"),
    ]
    return digest_of(rows)


def test_a_seed_gives_the_same_work_every_time(seeded):
    # Drawn from a generator of its own: a change that is meant to change the work updates this.
    assert progress_fingerprint() == "679f0028352e01e4c9f34020ba8b25cc3af5d12869ab712c5ea9c61490fdb190"


def test_the_timeline_rows_of_both_parts_go_through_one_line_writer():
    assert EventRow._fields == progress.EVENT_COLUMNS
