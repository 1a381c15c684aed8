"""Playbook progress and follow-ups for seed_bench, as the services would have written them.

For each case of a batch (its contacts already drawn) this draws the work done on it, from
a random generator of its own so that the cases and contacts stay what they were:

- The playbook (playbooks.services). Work on a case follows its team's default playbook
  for the client's temperament (playbooks.selectors.pick_default: the built-ins, as no bench
  team has its own), pinned when the first step is done (a CasePlaybook and a
  PLAYBOOK_CHOSEN entry, as `_pin` writes them). The steps are done in order between the
  contacts, each a StepRecord with the outcome `step_complete` records for its kind and a
  STEP_COMPLETED entry carrying it. Resolved and closed cases did every step; cases in
  progress or escalated some (none for one in ten); new cases none. Solution options are
  added before the brainstorm step (`option_add`); concessions (`concession_offer`: no
  bench team has limits, so they are granted) and fault records (`fault_record`) come on
  some cases before the compromise step. The pinpoint step confirms the case's own problem
  statement and root cause, so it changes nothing on the case (no UPDATED entry), and no
  step falls after the case's last activity.
- Follow-ups (interactions.services). A promise made after a contact is kept by the next
  one: on time mostly, sometimes late (overdue warning, never as late as the missed mark,
  which would have escalated an open case), or called off. The playbook's last step
  schedules one, kept by the contact after it. Each open case's latest promise is on the
  owner's plate now: for each staff member their most recently worked open cases carry
  the open follow-ups of "My day" (upcoming, due today, overdue); older open cases' last
  promises were kept or called off long ago. A few promises on cases resolved since were
  forgotten and stay missed. What the sweep would have done by now is done too: the
  reminder, the overdue warning and the missed mark, each at its time. Only the kinds a
  person carries out are made (call back, internal check): an email or satisfaction check
  done implies its outbox row and survey, which the seed does not write.

Every row gets the timeline entry its service records (FOLLOW_UP_SCHEDULED, _DONE,
_CANCELLED, _MISSED; OPTION_ADDED, CONCESSION_RECORDED, FAULT_RECORDED ...) with the same
data and target. Rows are lists with the id first, filled in when the batch's ids are
reserved; an entry holds its target row, and outcomes that name another new row (the
chosen option, the follow-up a step scheduled) get its id then too.
"""

import json
import random
import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import permutations
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from bench.bulk import COPY_NULL, copy_rows, escape, reserve_ids
from clients.models import OPEN_STATUSES, CaseEvent, CaseEventKind, CaseStatus, RootCause, Temperament
from interactions.models import Channel, FollowUp, FollowUpKind, FollowUpStatus
from playbooks.defaults import install_defaults
from playbooks.models import (
    KIND_UNITS,
    MONEY_KINDS,
    AtFault,
    CasePlaybook,
    Concession,
    ConcessionKind,
    ConcessionStatus,
    FaultRecord,
    Playbook,
    PlaybookVersion,
    ProposedBy,
    SolutionOption,
    Step,
    StepKind,
    StepRecord,
    StepStatus,
)
from playbooks.selectors import latest_version, pick_default, playbooks_for_team

PIN_COLUMNS = ("id", "case_id", "version_id", "chosen_by_id", "chosen_at")
RECORD_COLUMNS = (
    "id", "case_playbook_id", "step_id", "status", "outcome", "skip_reason", "completed_by_id", "completed_at"
)  # fmt: skip
OPTION_COLUMNS = (
    "id", "case_id", "description", "estimated_cost", "currency", "proposed_by", "created_by_id", "created_at"
)  # fmt: skip
CONCESSION_COLUMNS = (
    "id", "case_id", "client_id", "kind", "value", "currency", "note", "status", "created_by_id", "created_at",
    "decision_note", "unit",
)  # fmt: skip
FAULT_COLUMNS = ("id", "case_id", "at_fault", "apology_given_at", "note", "recorded_by_id", "recorded_at")
FOLLOW_UP_COLUMNS = (
    "id", "case_id", "owner_id", "kind", "due_at", "note", "status", "created_by_id", "created_at", "reminded_at",
    "due_noticed_at", "overdue_warned_at", "completed_at", "completed_by_id", "fulfilled_by_id", "cause_key",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "case_id", "kind", "actor_id", "occurred_at", "recorded_at", "data", "target_type_id", "target_id"
)  # fmt: skip
# The tables this module fills (seed_bench builds their indexes after the load).
TABLES = (CasePlaybook, StepRecord, SolutionOption, Concession, FaultRecord, FollowUp)

# Plain strings for the enums' values used per row (an enum member's .value is a Python call).
PLAYBOOK_CHOSEN = CaseEventKind.PLAYBOOK_CHOSEN.value
STEP_COMPLETED = CaseEventKind.STEP_COMPLETED.value
OPTION_ADDED = CaseEventKind.OPTION_ADDED.value
CONCESSION_RECORDED = CaseEventKind.CONCESSION_RECORDED.value
FAULT_RECORDED = CaseEventKind.FAULT_RECORDED.value
FOLLOW_UP_SCHEDULED = CaseEventKind.FOLLOW_UP_SCHEDULED.value
FOLLOW_UP_DONE = CaseEventKind.FOLLOW_UP_DONE.value
FOLLOW_UP_MISSED = CaseEventKind.FOLLOW_UP_MISSED.value
FOLLOW_UP_CANCELLED = CaseEventKind.FOLLOW_UP_CANCELLED.value
PENDING, DONE = FollowUpStatus.PENDING.value, FollowUpStatus.DONE.value
CANCELLED, MISSED = FollowUpStatus.CANCELLED.value, FollowUpStatus.MISSED.value
STEP_DONE = StepStatus.DONE.value
GRANTED = ConcessionStatus.GRANTED.value
CLIENT, STAFF = ProposedBy.CLIENT.value, ProposedBy.STAFF.value
CALL_BACK, INTERNAL_CHECK = FollowUpKind.CALL_BACK.value, FollowUpKind.INTERNAL_CHECK.value
OPEN = frozenset(status.value for status in OPEN_STATUSES)
SETTLED = frozenset((CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value))
NEW = CaseStatus.NEW.value

# Steps done by a case in progress or escalated: 0 (not started, nothing pinned) to 5 of 6.
PARTIAL_STEPS = [0] * 10 + [1] * 20 + [2] * 20 + [3] * 20 + [4] * 15 + [5] * 15
# Where each step falls in the case's active time (0: opened, 1: last activity), before a
# random push of up to STEP_JITTER: the contacts are at 0, 0.2, 0.4, 0.6 and 0.8, so the
# last step's follow-up is kept by the last contact.
STEP_AT = [0.05, 0.25, 0.35, 0.50, 0.65, 0.72]
STEP_JITTER = 0.04
# A promise after a contact (kept by the next one), per contact.
PROMISE_AFTER_CONTACT = 0.2
# How a kept promise ends: on time, late (after the overdue warning), called off.
ON_TIME, LATE = 0.80, 0.92
# Promises on resolved or closed cases that were never kept and stay missed ("My day" shows
# them until someone acts): rare, or every agent's day would be years of them.
FORGOTTEN = 0.0012
# The last promise on an open case that is not on its owner's plate: kept or called off.
TRAILING_PROMISE = 0.5

POINTS = [
    "The visit was missed",
    "Nobody told them about the delay",
    "The invoice was higher than quoted",
    "They need it working before the weekend",
    "The part is still under warranty",
    "They want one person to deal with",
    "A written summary helps them",
    "The first fix did not hold",
]
# (description, estimated cost in EUR or None)
OPTIONS = [
    ("Priority technician visit this week", "0.00"),
    ("Refund of the service fee", "120.00"),
    ("Discount on the next invoice", "30.00"),
    ("Replacement part sent by express post", "45.00"),
    ("Extend the warranty by six months", None),
    ("A fixed contact person until it is solved", "0.00"),
    ("Credit note for the missed visit", "60.00"),
    ("Free check-up visit next month", "25.00"),
]
# Every ordered pick of k different items, for k = 1, 2, 3: one index into these instead of a
# random.sample per step (the lists are shared by the outcomes; nothing changes them).
POINT_PICKS = {k: [list(pick) for pick in permutations(POINTS, k)] for k in (1, 2, 3)}
POINT_JSON = {id(pick): json.dumps({"points": pick}) for picks in POINT_PICKS.values() for pick in picks}
OPTION_PICKS = {k: list(permutations(OPTIONS, k)) for k in (1, 2, 3)}
CONCESSIONS = [ConcessionKind.APOLOGY] * 7 + [ConcessionKind.DISCOUNT] * 5 + [ConcessionKind.REFUND] * 4
CONCESSIONS += [ConcessionKind.FREE_HOURS] * 3 + [ConcessionKind.OTHER]
CONCESSION_NOTES = ["", "", "Agreed on the call.", "Goodwill for the missed visit.", "As a one-off."]
FAULTS = [AtFault.YES] * 7 + [AtFault.PARTLY] * 7 + [AtFault.NO] * 6
FAULT_NOTES = {
    AtFault.YES: ["No-show, no call.", "We sent the wrong part.", "Our invoice was wrong."],
    AtFault.PARTLY: ["The delay was ours, the booking mix-up was not.", "Unclear wording in our offer."],
    AtFault.NO: ["The contract says otherwise; explained calmly.", "Delay caused by the client's supplier."],
}
NEXT_STEPS = {
    CALL_BACK: [
        "Call the client to check the repair holds.",
        "Call back to confirm the new delivery date.",
        "Call to make sure the refund arrived.",
    ],
    INTERNAL_CHECK: [
        "Check with the technician that the fix is done.",
        "Check with billing that the credit note went out.",
        "Check the replacement part has shipped.",
    ],
}
PROMISES = {
    CALL_BACK: [
        "",
        "Call back with the technician's date.",
        "Call back once the refund is approved.",
        "Call to confirm the new delivery slot.",
    ],
    INTERNAL_CHECK: [
        "",
        "Check the part has been ordered.",
        "Make sure the technician has the notes.",
        "Ask billing about the disputed invoice.",
    ],
}
CANCEL_NOTES = ["", "The client got in touch first.", "Sorted on the last call.", "No longer needed."]
NO_ANSWER = "No answer after two tries; waiting for the client to get back to us."


class Version(NamedTuple):
    id: int
    name: str
    number: int
    steps: list  # (id, kind, title) in order
    chosen: str  # the data of its PLAYBOOK_CHOSEN entries, as JSON text


class OpenCase(NamedTuple):
    id: int
    owner_id: int
    opened_at: datetime
    last_work: datetime


class Rows:
    """The rows of one batch, in the order the services would have written them."""

    def __init__(self):
        self.pins, self.records, self.options, self.concessions, self.faults = [], [], [], [], []
        self.follow_ups, self.events, self.fixups = [], [], []

    def write(self, written_at: datetime) -> int:
        """Reserve the ids, fill in what refers to them, COPY every table; returns the entries written."""
        tables = (
            (CasePlaybook, self.pins),
            (StepRecord, self.records),
            (SolutionOption, self.options),
            (Concession, self.concessions),
            (FaultRecord, self.faults),
            (FollowUp, self.follow_ups),
        )
        for model, rows in tables:
            for row, pk in zip(rows, reserve_ids(model, len(rows)), strict=True):
                row[0] = pk
        for outcome, key, row in self.fixups:
            outcome[key] = row[0]
        dumps = json.dumps
        for record in self.records:
            if type(record[4]) is dict:  # the outcome as JSON text, once for the record and its entry
                record[4] = dumps(record[4])
        copy_rows(CasePlaybook, PIN_COLUMNS, self.pins)
        copy_rows(StepRecord, RECORD_COLUMNS, ((r[0], r[1][0], *r[2:]) for r in self.records), line=record_line)
        copy_rows(SolutionOption, OPTION_COLUMNS, self.options)
        copy_rows(Concession, CONCESSION_COLUMNS, self.concessions)
        copy_rows(FaultRecord, FAULT_COLUMNS, self.faults)
        copy_rows(FollowUp, FOLLOW_UP_COLUMNS, self.follow_ups, line=follow_up_line)
        ids = reserve_ids(CaseEvent, len(self.events))
        recorded = str(written_at)  # the same for every entry: formatted once
        copy_rows(
            CaseEvent,
            EVENT_COLUMNS,
            (
                (
                    pk,
                    case_id,
                    kind,
                    actor,
                    at,
                    recorded,
                    as_json(data),
                    target_type,
                    target[0],
                )
                for pk, (case_id, kind, actor, at, data, target_type, target) in zip(ids, self.events, strict=True)
            ),
            line=event_line,
        )
        return len(self.events)


def record_line(row: tuple) -> str:
    """A step record (RECORD_COLUMNS) in COPY's text format: as event_line, knowing its fields."""
    pk, pin, step, status, outcome, skip_reason, completed_by, completed_at = row
    outcome = outcome.replace("\\", "\\\\")
    return f"{pk}\t{pin}\t{step}\t{status}\t{outcome}\t{escape(skip_reason)}\t{completed_by}\t{completed_at}\n"


def follow_up_line(row: list) -> str:
    """A follow-up (FOLLOW_UP_COLUMNS) in COPY's text format: as event_line, knowing its fields."""
    (
        pk,
        case,
        owner,
        kind,
        due,
        note,
        status,
        created_by,
        created_at,
        reminded,
        told,
        warned,
        completed,
        by,
        kept,
        key,
    ) = [COPY_NULL if value is None else value for value in row]
    return (
        f"{pk}\t{case}\t{owner}\t{kind}\t{due}\t{escape(note)}\t{status}\t{created_by}\t{created_at}\t{reminded}\t"
        f"{told}\t{warned}\t{completed}\t{by}\t{kept}\t{escape(key)}\n"
    )


def event_line(row: tuple) -> str:
    """A timeline entry (EVENT_COLUMNS) in COPY's text format, faster than the general copy_line
    as it knows the fields: numbers, a kind and times need no escaping, and JSON text has no
    tab or line break (json.dumps escapes them), so only its backslashes are doubled."""
    pk, case_id, kind, actor, at, recorded, data, target_type, target_id = row
    data = data.replace("\\", "\\\\")
    if actor is None:
        actor = COPY_NULL
    if target_id is None:
        target_type = target_id = COPY_NULL
    return f"{pk}\t{case_id}\t{kind}\t{actor}\t{at}\t{recorded}\t{data}\t{target_type}\t{target_id}\n"


_QUOTED: dict[str, str] = {}


def quoted(text: str) -> str:
    """A text as a JSON string, kept: the seed's texts come from short lists."""
    if text not in _QUOTED:
        _QUOTED[text] = json.dumps(text)
    return _QUOTED[text]


def as_json(data) -> str:
    """An entry's data as JSON text: made already, a step's (see StepData), or a dict."""
    if type(data) is str:
        return data
    if type(data) is StepData:
        return data.head + data.record[4] + "}"
    return json.dumps(data)


class StepData(NamedTuple):
    """A STEP_COMPLETED entry's data, {"step", "kind", "outcome"}: its record's outcome is put
    in as the record's own JSON text, and `head` is the JSON before it."""

    head: str
    record: list


class Progress:
    """Draws and writes the playbook progress and follow-ups of seed_bench's cases."""

    def __init__(self, *, rng: random.Random, now: datetime, teams, staff_names: dict, temperaments: dict):
        self.rng = rng
        draw = rng.random
        # random.choice, faster: one draw, no rejection sampling (its slight bias is nothing here).
        self.pick = lambda items: items[int(draw() * len(items))]
        self.now = now
        self.names_json = {pk: json.dumps(name) for pk, name in staff_names.items()}
        self.temperaments = temperaments
        self.grace = timedelta(minutes=settings.CASEBOOK_OVERDUE_GRACE_MINUTES)
        self.lead = timedelta(minutes=settings.CASEBOOK_REMINDER_LEAD_MINUTES)
        self.missed_after = self.grace + timedelta(minutes=settings.CASEBOOK_MISSED_AFTER_MINUTES)
        self.types = {
            model: ContentType.objects.get_for_model(model).pk
            for model in (CasePlaybook, StepRecord, SolutionOption, Concession, FaultRecord, FollowUp)
        }
        self.root_cause_labels = {value: str(label) for value, label in RootCause.choices}
        self.concession_labels = {value: str(label) for value, label in ConcessionKind.choices}
        self.fault_labels = {value: str(label) for value, label in AtFault.choices}
        self.versions = self._versions(teams)
        # option_add's entry data for each option the seed offers, as JSON text.
        self.option_data = {
            (description, proposed_by): json.dumps(
                {
                    "description": description,
                    "cost": cost or "",
                    "currency": "EUR",
                    "proposed_by": str(ProposedBy(proposed_by).label),
                }
            )
            for description, cost in OPTIONS
            for proposed_by in (CLIENT, STAFF)
        }
        self.step_heads = {
            step_id: f'{{"step": {json.dumps(title)}, "kind": {json.dumps(kind)}, "outcome": '
            for version in self.versions.values()
            for step_id, kind, title in version.steps
        }
        self.open_cases: list[OpenCase] = []

    def _versions(self, teams) -> dict:
        """(team id, temperament) -> the version a case starts with, as the case page picks it."""
        # The migration installs the built-ins; a flushed database (transactional tests) lost them.
        install_defaults(Playbook, PlaybookVersion, Step)
        versions, by_id = {}, {}
        for team in teams:
            playbooks = playbooks_for_team(team.pk)
            for temperament in Temperament.values:
                version = latest_version(pick_default(playbooks, temperament))
                if version.pk not in by_id:
                    steps = Step.objects.filter(version_id=version.pk).order_by("position")
                    by_id[version.pk] = Version(
                        version.pk,
                        version.playbook.name,
                        version.number,
                        [(step.pk, step.kind, step.title) for step in steps],
                        json.dumps({"playbook": version.playbook.name, "version": version.number}),
                    )
                versions[team.pk, temperament] = by_id[version.pk]
        return versions

    # --- one batch ------------------------------------------------------------------

    def batch(self) -> "Batch":
        """The work on a batch of cases: draw each case's with `draw`, then `write` them all."""
        return Batch(self)

    def _case(self, rows: Rows, case, contacts) -> None:
        rng = self.rng
        opened, last = case.opened_at, case.last_activity_at
        span = (last - opened).total_seconds()
        status = case.status
        version = self.versions[case.team_id, self.temperaments[case.client_id]]
        steps = version.steps
        if status in SETTLED:
            done = len(steps)
        elif status == NEW:
            done = 0
        else:
            done = min(len(steps), self.pick(PARTIAL_STEPS))
        step_at = [
            opened + timedelta(seconds=span * (STEP_AT[min(i, len(STEP_AT) - 1)] + rng.random() * STEP_JITTER))
            for i in range(done)
        ]
        owner = case.owner_id
        pin = None
        options: list = []
        concessions: list = []
        outcomes: dict = {}
        previous = opened
        step_type = self.types[StepRecord]
        step_heads, events = self.step_heads, rows.events
        for position in range(done):
            step_id, kind, _title = steps[position]
            at = step_at[position]
            if pin is None:
                pin = [None, case.id, version.id, owner, at]
                rows.pins.append(pin)
                events.append((case.id, PLAYBOOK_CHOSEN, owner, at, version.chosen, self.types[CasePlaybook], pin))
            outcome = self._outcome(rows, case, kind, previous, at, options, concessions, outcomes, contacts)
            record = [None, pin, step_id, STEP_DONE, outcome, "", owner, at]
            rows.records.append(record)
            data = StepData(step_heads[step_id], record)
            events.append((case.id, STEP_COMPLETED, owner, at, data, step_type, record))
            if type(outcome) is dict:
                outcomes[kind] = outcome
            previous = at
        if done < len(steps):
            # Work on the current step before it is finished: options found, a concession made.
            kind = steps[done][1]
            until = min(last, previous + timedelta(seconds=span * 0.1))
            if kind == StepKind.BRAINSTORM and rng.random() < 0.5:
                self._options(rows, case, previous, until, options)
            elif kind == StepKind.COMPROMISE and rng.random() < 0.3:
                self._concessions_and_fault(rows, case, previous, until, concessions, contacts)
        # Promises made after a contact, kept by the next one.
        for k in range(len(contacts) - 1):
            if rng.random() < PROMISE_AFTER_CONTACT:
                here, there = contacts[k].occurred_at, contacts[k + 1].occurred_at
                pause = min(rng.uniform(120, 1200), (there - here).total_seconds() / 3)
                self._kept_promise(rows, case, here + timedelta(seconds=pause), contacts[k + 1], None)
        if status in OPEN:
            last_work = max([opened, *step_at, *(c.occurred_at for c in contacts[-1:])])
            self.open_cases.append(OpenCase(case.id, owner, opened, last_work))

    def _outcome(self, rows, case, kind, previous, at, options, concessions, outcomes, contacts) -> dict:
        """What step_complete records for a step of `kind` (and the work that comes with it)."""
        rng = self.rng
        # Outcomes nothing refers back to are JSON text at once (shared by the record and its
        # entry); `outcomes` keeps what the summary reads.
        if kind == StepKind.PINPOINT:
            root_cause = case.root_cause
            return (
                f'{{"problem": {json.dumps(case.problem_statement)}, "root_cause": "{root_cause}", '
                f'"root_cause_label": {quoted(self.root_cause_labels[root_cause])}}}'
            )
        if kind == StepKind.COMMON_GROUND:
            picks = POINT_PICKS[(1, 2, 2, 3)[int(rng.random() * 4)]]
            points = picks[int(rng.random() * len(picks))]
            outcomes[kind] = {"points": points}
            return POINT_JSON[id(points)]
        if kind == StepKind.BRAINSTORM:
            self._options(rows, case, previous, at, options)
            return json.dumps({"options": [option[2] for option in options]})
        if kind == StepKind.COMPROMISE:
            if not options:  # a team's own playbook could put the compromise first
                self._options(rows, case, previous, previous, options)
            outcomes["fault"] = self._concessions_and_fault(rows, case, previous, at, concessions, contacts)
            chosen = self.pick(options)
            given = [self._concession_text(c) for c in concessions if c[7] != ConcessionStatus.REFUSED]
            outcome = {"option_id": None, "option": chosen[2], "concessions": given}
            rows.fixups.append((outcome, "option_id", chosen))
            return outcome
        if kind == StepKind.DOCUMENT:
            return {"summary": self._summary(case, outcomes, outcomes.get("fault"))}
        if kind == StepKind.FOLLOW_UP:
            keeper = next((c for c in contacts if c.occurred_at > at), None)
            follow_up_kind = self._kind_kept_by(keeper)
            next_step = self.pick(NEXT_STEPS[follow_up_kind])
            follow_up = self._kept_promise(rows, case, at, keeper, next_step, kind=follow_up_kind)
            outcome = {
                "next_step": next_step,
                "due_at": follow_up[4].isoformat(),
                "follow_up_kind": follow_up_kind,
                "follow_up_id": None,
            }
            rows.fixups.append((outcome, "follow_up_id", follow_up))
            return outcome
        raise ValueError(f"Unknown step kind {kind!r}")

    def _options(self, rows, case, start, end, options: list) -> None:
        rng = self.rng
        random = rng.random
        count = (1, 1, 1, 2, 2, 3)[int(random() * 6)]
        option_type = self.types[SolutionOption]
        picks = OPTION_PICKS[count]
        window = max(0.0, (end - start).total_seconds())
        times = sorted(start + timedelta(seconds=window * random()) for _ in range(count))
        for at, (description, cost) in zip(times, picks[int(random() * len(picks))], strict=True):
            proposed_by = CLIENT if random() < 0.4 else STAFF
            option = [None, case.id, description, cost, "EUR", proposed_by, case.owner_id, at]
            rows.options.append(option)
            options.append(option)
            data = self.option_data[description, proposed_by]
            rows.events.append((case.id, OPTION_ADDED, case.owner_id, at, data, option_type, option))

    def _concessions_and_fault(self, rows, case, start, end, concessions: list, contacts):
        """Concessions offered and whether we were at fault, before the compromise is chosen."""
        rng = self.rng
        window = max(0.0, (end - start).total_seconds())
        owner = case.owner_id
        if rng.random() < 0.35:
            count = 2 if rng.random() < 0.1 else 1
            # In time order, as they were made (the outcome lists them so, and so do the pages).
            for at in sorted(start + timedelta(seconds=window * rng.random()) for _ in range(count)):
                kind = self.pick(CONCESSIONS)
                if kind == ConcessionKind.APOLOGY:
                    value = None
                elif kind == ConcessionKind.FREE_HOURS:
                    value = f"{rng.randint(1, 4)}.00"
                else:
                    value = f"{rng.randrange(10, 200, 5)}.00"
                currency = "EUR" if kind in MONEY_KINDS else ""
                unit = KIND_UNITS[kind][0] if KIND_UNITS[kind] else ""
                concession = [
                    None, case.id, case.client_id, kind.value, value, currency, self.pick(CONCESSION_NOTES),
                    GRANTED, owner, at, "", unit,
                ]  # fmt: skip
                rows.concessions.append(concession)
                concessions.append(concession)
                text = quoted(self._concession_text(concession))
                data = f'{{"concession": {text}, "status": "{GRANTED}", "limit": "", "other_currency": false}}'
                target = self.types[Concession]
                rows.events.append((case.id, CONCESSION_RECORDED, owner, at, data, target, concession))
        if rng.random() >= 0.4:
            return None
        at_fault = self.pick(FAULTS)
        recorded = start + timedelta(seconds=window * rng.random())
        apology = None
        if at_fault != AtFault.NO and rng.random() < 0.85:
            # Said on the latest contact before it was written down.
            earlier = [c.occurred_at for c in contacts if c.occurred_at <= recorded]
            apology = earlier[-1] if earlier else recorded
        note = self.pick(FAULT_NOTES[at_fault])
        fault = [None, case.id, at_fault.value, apology, note, owner, recorded]
        rows.faults.append(fault)
        apology_at = apology.isoformat() if apology else ""
        data = (
            f'{{"at_fault": {quoted(self.fault_labels[at_fault])}, "apology_given_at": "{apology_at}", '
            f'"note": {quoted(note)}}}'
        )
        rows.events.append((case.id, FAULT_RECORDED, owner, recorded, data, self.types[FaultRecord], fault))
        return fault

    def _concession_text(self, concession) -> str:
        """str(Concession): its kind, then value and currency when it has a value."""
        label, value, currency = self.concession_labels[concession[3]], concession[4], concession[5]
        return label if value is None else f"{label}{f' {value} {currency}'.rstrip()}"

    @staticmethod
    def _summary(case, outcomes, fault) -> str:
        """The document step's summary: the draft the page offers (playbooks.selectors.summary_draft)."""
        lines = [f"Problem: {case.problem_statement}"]
        points = outcomes.get(StepKind.COMMON_GROUND, {}).get("points")
        if points:
            lines.append(f"We agree that: {'; '.join(points)}.")
        chosen = outcomes.get(StepKind.COMPROMISE, {}).get("option")
        if chosen:
            lines.append(f"Agreed solution: {chosen}")
        given = outcomes.get(StepKind.COMPROMISE, {}).get("concessions")
        if given:
            lines.append(f"Concessions: {', '.join(given)}.")
        if fault is not None and fault[3] is not None:
            lines.append("We apologised for our part in this.")
        lines.append("Next step: to be confirmed with the client.")
        return "\n".join(lines)

    # --- follow-ups -------------------------------------------------------------------

    @staticmethod
    def _kind_kept_by(keeper) -> str:
        """A call (or meeting) keeps a call-back; anything else a check the agent made themselves."""
        if keeper is not None and keeper.channel in (Channel.CALL, Channel.MEETING):
            return CALL_BACK
        return INTERNAL_CHECK

    def _kept_promise(self, rows, case, scheduled: datetime, keeper, note, kind=None):
        """A promise made at `scheduled` and settled at the `keeper` contact (None: some hours later)."""
        rng = self.rng
        kind = kind or self._kind_kept_by(keeper)
        if note is None:
            note = self.pick(PROMISES[kind])
        if keeper is not None:
            end = min(keeper.occurred_at + timedelta(seconds=rng.uniform(60, 600)), self.now)
        else:
            end = scheduled + timedelta(seconds=rng.uniform(3 * 3600, 3 * 86400))
        roll = rng.random()
        if case.status in SETTLED and rng.random() < FORGOTTEN:
            due = self._forgotten_due(scheduled, case.last_activity_at)
            if due is not None:
                return self._follow_up(rows, case, kind, note, scheduled, due, None, None)
        if end > self.now:  # to be settled later than now (no contact after it yet): still to do
            return self._follow_up(rows, case, kind, note, scheduled, end, None, None)
        if roll < ON_TIME:
            due = self._due_on_time(scheduled, end)
        elif roll < LATE:
            due = self._due_late(scheduled, end)
        else:
            due = self._due_on_time(scheduled, end)
            note_off = self.pick(CANCEL_NOTES)
            return self._follow_up(rows, case, kind, note, scheduled, due, end, CANCELLED, note_off)
        fulfilled = keeper.id if keeper is not None and kind == CALL_BACK else None
        return self._follow_up(rows, case, kind, note, scheduled, due, end, DONE, fulfilled=fulfilled)

    def _due_on_time(self, scheduled: datetime, end: datetime) -> datetime:
        if self.rng.random() < 0.6:  # done before it was due
            return end + timedelta(seconds=self.rng.uniform(300, 36 * 3600))
        gap = (end - scheduled).total_seconds()
        return max(scheduled + timedelta(seconds=gap / 2), end - timedelta(seconds=self.rng.uniform(0, 3300)))

    def _due_late(self, scheduled: datetime, end: datetime) -> datetime:
        """Due before `end` by more than the grace period, yet not so long that it was marked missed."""
        low = max(scheduled + timedelta(minutes=5), end - self.missed_after + timedelta(minutes=10))
        high = end - self.grace - timedelta(minutes=1)
        if low >= high:
            return self._due_on_time(scheduled, end)
        return low + (high - low) * self.rng.random()

    def _forgotten_due(self, scheduled: datetime, resolved: datetime) -> datetime | None:
        """A due time whose missed mark comes after the case was resolved (an open case's missed
        promise is escalated by a rule) and before now; None when there is none."""
        low = max(scheduled + timedelta(minutes=30), resolved - self.missed_after + timedelta(minutes=1))
        high = self.now - self.missed_after - timedelta(minutes=1)
        if low >= high:
            return None
        return low + min(high - low, timedelta(days=3)) * self.rng.random()

    def _follow_up(self, rows, case, kind, note, scheduled, due, end, status, cancel_note="", fulfilled=None):
        """One follow-up as follow_up_schedule wrote it, what the sweep did to it until `end` (or
        now, if still open), and its completion or cancellation at `end`."""
        owner = case.owner_id
        until = end if status is not None else self.now
        random = self.rng.random  # the sweep runs every 30 seconds: each mark comes up to that late
        # A promise due sooner than the lead is reminded half-way (follow_ups_sweep).
        reminded = due - min(self.lead, (due - scheduled) / 2) + timedelta(seconds=random() * 30)
        told = due + timedelta(seconds=random() * 30)
        warned = due + self.grace + timedelta(seconds=random() * 30)
        missed = due + self.missed_after + timedelta(seconds=random() * 30)
        reminded = reminded if reminded < until else None
        told = told if told < until else None
        warned = warned if warned < until else None
        missed = missed if missed < until else None
        if status is None:
            status = MISSED if missed else PENDING
        settled = status in (DONE, CANCELLED)
        row = [
            None, case.id, owner, kind, due, note, status, owner, scheduled, reminded, told, warned,
            end if settled else None, owner if settled else None, fulfilled, "",
        ]  # fmt: skip
        rows.follow_ups.append(row)
        events = rows.events
        target = self.types[FollowUp]
        # JSON text made here rather than by json.dumps: the kinds, times and names are known
        # to need no escaping beyond the names' (done once, in names_json).
        due_at = due.isoformat()
        data = f'{{"kind": "{kind}", "due_at": "{due_at}", "owner": {self.names_json[owner]}}}'
        events.append((case.id, FOLLOW_UP_SCHEDULED, owner, scheduled, data, target, row))
        if missed:
            data = f'{{"kind": "{kind}", "due_at": "{due_at}"}}'
            events.append((case.id, FOLLOW_UP_MISSED, None, missed, data, target, row))
        if status == DONE:
            data = f'{{"kind": "{kind}", "on_time": {"true" if end <= due + self.grace else "false"}}}'
            events.append((case.id, FOLLOW_UP_DONE, owner, end, data, target, row))
        elif status == CANCELLED:
            data = f'{{"kind": "{kind}", "note": {quoted(cancel_note)}}}'
            events.append((case.id, FOLLOW_UP_CANCELLED, owner, end, data, target, row))
        return row

    # --- the open cases, once all are known -------------------------------------------

    def finish(self, now: datetime, written_at: datetime, time_zones: dict) -> dict:
        """The last promise on each open case: on their owner's plate for the most recently
        worked ones (overdue, due today, upcoming), long settled for the others. Returns the
        count of open follow-ups per category."""
        rng = self.rng
        rows = Rows()
        self.now = now
        by_owner = defaultdict(list)
        for case in self.open_cases:
            by_owner[case.owner_id].append(case)
        counts = defaultdict(int)
        for owner in sorted(by_owner):
            cases = sorted(by_owner[owner], key=lambda c: (c.last_work, c.id), reverse=True)
            plate = ["upcoming"] * rng.randint(3, 8) + ["today"] * rng.randint(1, 3) + ["overdue"] * rng.randint(2, 5)
            local = now.astimezone(zoneinfo.ZoneInfo(time_zones.get(owner) or "UTC"))
            end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            for case, category in zip(cases, plate, strict=False):
                counts[self._on_plate(rows, case, category, end_of_day)] += 1
            for case in cases[len(plate) :]:
                if rng.random() < TRAILING_PROMISE:
                    self._trailing(rows, case)
        rows.write(written_at)
        return dict(counts)

    def _on_plate(self, rows, case: OpenCase, category: str, end_of_day: datetime) -> str:
        rng, now = self.rng, self.now
        kind = CALL_BACK if rng.random() < 0.6 else INTERNAL_CHECK
        note = self.pick(PROMISES[kind])
        due = None
        if category == "overdue":
            due = now - timedelta(seconds=rng.uniform(600, 22 * 3600))
            high = due - timedelta(minutes=30)
            low = max(case.opened_at + timedelta(minutes=1), due - timedelta(days=4))
            if case.last_work + timedelta(minutes=1) < high:
                low = max(low, case.last_work + timedelta(minutes=1))
            if low >= high:
                due, category = None, "upcoming"  # the case is younger than the promise would be
        if due is None:
            high = now - timedelta(minutes=1)
            low = min(high, max(case.last_work + timedelta(minutes=1), now - timedelta(days=4)))
            if category == "today" and end_of_day - now > timedelta(minutes=2):
                due = now + max(timedelta(minutes=1), (end_of_day - now) * rng.uniform(0.2, 0.9))
            else:
                category = "upcoming"
                due = end_of_day + (now + timedelta(days=7) - end_of_day) * rng.uniform(0.05, 0.95)
        scheduled = low + (high - low) * rng.random()
        self._follow_up(rows, case, kind, note, scheduled, due, None, None)
        return category

    def _trailing(self, rows, case: OpenCase) -> None:
        """The promise after an open case's latest work, settled before now (or not made)."""
        rng = self.rng
        scheduled = case.last_work + timedelta(seconds=rng.uniform(120, 1200))
        end = scheduled + timedelta(seconds=rng.uniform(6 * 3600, 5 * 86400))
        if end > self.now:
            return
        if rng.random() < 0.55:
            # Nobody answered the call-backs: called off, the client is to get back to us.
            due = max(scheduled + timedelta(minutes=30), end - timedelta(seconds=rng.uniform(0, 20 * 3600)))
            kind = CALL_BACK
            self._follow_up(rows, case, kind, self.pick(PROMISES[kind]), scheduled, due, end,
                            CANCELLED, NO_ANSWER)  # fmt: skip
            return
        kind = INTERNAL_CHECK
        due = self._due_on_time(scheduled, end) if rng.random() < 0.8 else self._due_late(scheduled, end)
        self._follow_up(rows, case, kind, self.pick(PROMISES[kind]), scheduled, due, end, DONE)


class Batch:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.rows = Rows()

    def draw(self, case, contacts) -> None:
        """The work on `case` (its contacts in time order, with their ids)."""
        self.progress._case(self.rows, case, contacts)

    def write(self, written_at: datetime) -> int:
        return self.rows.write(written_at)
