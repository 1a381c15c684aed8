"""Benchmark data at realistic size: years of a support department's work.

Defaults: 5 teams, 20 staff, 10,000 clients, 100,000 cases over two years, 5 interactions
per case (a few sentences each) with their timeline entries, escalations on about one
case in twenty, and the work done on the cases (bench/progress.py): playbook
progress (every step of a resolved or closed case, part of those in progress, with their
solution options, concessions and fault records) and follow-ups (about 1.6 a case: kept,
late, called off, and a realistic handful open on each staff member's "My day"), each with
the timeline entries its service records. The command prints progress and its own
duration, and refuses to run twice on the same database unless --force.

Everything goes in with COPY in batches (bench/bulk.py), all in one transaction:
an interrupted run leaves nothing behind. The COPYs run in a thread of their own while the
next rows are made. On a fresh database the big tables' secondary indexes and foreign keys
are built once after the load instead of row by row. A seed gives the same cases, contacts,
escalations and their timeline entries as the bulk_create version did before; the work on
the cases is drawn from a random generator of its own, so adding it changed none of them.
"""

import gc
import json
import random
import time
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import Role
from accounts.services import user_create
from bench import progress
from bench.bulk import COPY_NULL, copy_rows, copying_alongside, escape, indexes_built_after, reserve_ids
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client, Priority, RootCause, Temperament
from escalations.models import Escalation, EscalationReason
from interactions.models import Channel, Direction, Interaction, Mood

BENCH_PASSWORD = "bench-password"
TEAM_PREFIX = "Bench team"

FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jill",
    "Kai",
    "Lena",
    "Max",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tom",
    "Uma",
    "Vic",
]
LAST = [
    "Holm",
    "Crane",
    "Delgado",
    "Becker",
    "Moreau",
    "Novak",
    "Fischer",
    "Silva",
    "Okafor",
    "Lee",
    "Park",
    "Rossi",
    "Meyer",
    "Costa",
    "Berg",
    "Ward",
]
COMPANIES = [
    "Bakery",
    "Logistics",
    "Dental",
    "Studio",
    "Optik",
    "Garage",
    "Florist",
    "Pharmacy",
    "Hotel",
    "Print",
    "Farm",
    "Legal",
]
SUBJECTS = [
    "the invoice",
    "the delivery",
    "the repair visit",
    "the refund",
    "the contract renewal",
    "the installation",
    "the replacement part",
    "the subscription",
    "the booking",
    "the warranty claim",
]
OPENERS = [
    "Client called about {s}.",
    "Client wrote again about {s}.",
    "We called back as promised about {s}.",
    "Short chat about {s}.",
    "Meeting on site to look at {s}.",
]
MIDDLES = [
    "They were upset that nobody had told them about the delay.",
    "They asked for a discount on the next invoice.",
    "We agreed on the facts first, then looked at options together.",
    "They felt the sales promise had been different.",
    "Listened for a long while before talking about solutions.",
    "They asked to speak to a manager.",
    "Explained calmly what we can and cannot do this week.",
    "They accepted the proposed date after some hesitation.",
]
CLOSERS = [
    "Next step: technician visit on Thursday morning.",
    "Promised a written summary by email today.",
    "Will call back tomorrow before noon.",
    "Case can be closed if the fix holds for a week.",
    "Waiting for the client to confirm the option they prefer.",
]
TITLE_STARTS = ["Problem with", "Complaint about", "Question on"]


def sentence_block(rng: random.Random) -> str:
    subject = rng.choice(SUBJECTS)
    parts = [rng.choice(OPENERS).format(s=subject), *rng.sample(MIDDLES, 2), rng.choice(CLOSERS)]
    return " ".join(parts)


# The rows as COPY writes them: the field names are the table's columns. Columns left out
# are NULL; the JSON ones hold JSON text.
class CaseRow(NamedTuple):
    id: int
    client_id: int
    team_id: int
    title: str
    problem_statement: str
    root_cause: str
    priority: int
    status: str
    owner_id: int
    opened_by_id: int
    opened_at: datetime
    last_activity_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    waiting_periods: str


class InteractionRow(NamedTuple):
    id: int
    case_id: int
    client_id: int
    channel: str
    direction: str
    occurred_at: datetime
    duration_minutes: int | None
    mood: str
    summary: str
    logged_by_id: int
    logged_at: str  # the same for every contact of a batch: formatted once


def contact_line(row: InteractionRow) -> str:
    """A contact in COPY's text format, faster than the general copy_line as it knows the
    fields: only the summary is text that could need escaping."""
    pk, case_id, client_id, channel, direction, occurred_at, duration, mood, summary, logged_by, logged_at = row
    if duration is None:
        duration = COPY_NULL
    return (
        f"{pk}\t{case_id}\t{client_id}\t{channel}\t{direction}\t{occurred_at}\t"
        f"{duration}\t{mood}\t{escape(summary)}\t{logged_by}\t{logged_at}\n"
    )


class EscalationRow(NamedTuple):
    id: int
    case_id: int
    reason: str
    note: str
    raised_by_id: int
    raised_at: datetime
    cause_key: str
    decision: str
    decision_note: str


class EventRow(NamedTuple):  # the columns of progress.EVENT_COLUMNS, which event_line writes
    id: int
    case_id: int
    kind: str
    actor_id: int
    occurred_at: datetime
    recorded_at: str  # the same for every entry of a batch: formatted once
    data: str
    target_type_id: int | None
    target_id: int | None


BIG_TABLES = (Case, Interaction, CaseEvent, *progress.TABLES)
# The work done on the cases (playbook progress, follow-ups) is drawn from a generator of its
# own, seeded from --seed: the cases and contacts stay what the same seed always gave.
PROGRESS_SEED = "playbook progress and follow-ups"


class Command(BaseCommand):
    help = "Fill the database with benchmark data (100,000 cases by default). PostgreSQL recommended."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=5)
        parser.add_argument("--staff", type=int, default=20)
        parser.add_argument("--clients", type=int, default=10_000)
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--interactions-per-case", type=int, default=5)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--force", action="store_true", help="add another set even if one exists")

    def handle(self, *args, **opts):
        if Team.objects.filter(name__startswith=TEAM_PREFIX).exists() and not opts["force"]:
            raise CommandError("Benchmark data is already here (use --force to add more).")
        if connection.vendor != "postgresql":
            self.stdout.write(self.style.WARNING("Not PostgreSQL: fine for a small try, not for the figures."))
        self.rng = random.Random(opts["seed"])
        self.progress_rng = random.Random(f"{opts['seed']}: {PROGRESS_SEED}")
        self.batch = opts["batch"]
        started = time.monotonic()
        # Millions of short-lived rows and no reference cycles among them: the cycle collector
        # would walk every live object again and again for nothing (a third of the Python time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load(opts)
        finally:
            if collecting:
                gc.enable()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Benchmark data ready in {time.monotonic() - started:.1f} s."))

    def _load(self, opts) -> None:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Nothing is lost if the machine dies before the commit reaches the disk: run again.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            teams, staff_by_team = self._people(opts["teams"], opts["staff"])
            clients = self._clients(opts["clients"], teams)
            with indexes_built_after(*BIG_TABLES, report=self._report_indexes):
                self._cases(opts["cases"], clients, teams, staff_by_team, opts["interactions_per_case"])

    def _progress(self, what: str, done: int, total: int, started: float) -> None:
        self.stdout.write(f"  {what}: {done:>9,} / {total:,}  ({time.monotonic() - started:5.1f} s)")

    def _report_indexes(self, seconds: float) -> None:
        self.stdout.write(f"  indexes and foreign keys of the big tables built ({seconds:5.1f} s)")

    def _people(self, n_teams: int, n_staff: int):
        teams = [Team.objects.create(name=f"{TEAM_PREFIX} {i + 1}") for i in range(n_teams)]
        staff_by_team = {team.pk: [] for team in teams}
        for i in range(n_staff):
            team = teams[i % n_teams]
            role = Role.MANAGER if i < n_teams else Role.AGENT
            user = user_create(
                username=f"bench{i + 1}",
                password=None,
                role=role,
                teams=[team],
                first_name=self.rng.choice(FIRST),
                last_name=self.rng.choice(LAST),
            )
            staff_by_team[team.pk].append(user.pk)
        # PBKDF2 is slow on purpose (a third of a second a call on this machine): one hash of
        # the shared bench password for all (same salt, so the same string) instead of one
        # each saves six seconds; it is published in the output anyway.
        staff = [pk for team_staff in staff_by_team.values() for pk in team_staff]
        User.objects.filter(pk__in=staff).update(password=make_password(BENCH_PASSWORD))
        self.staff = {user.pk: user for user in User.objects.filter(pk__in=staff)}
        self.stdout.write(f"  {n_teams} teams, {n_staff} staff (bench1..bench{n_staff}, password {BENCH_PASSWORD})")
        return teams, staff_by_team

    def _clients(self, n: int, teams: list[Team]) -> list[tuple[int, int]]:
        started = time.monotonic()
        temperaments = Temperament.values
        created = []
        self.temperaments = {}
        for offset in range(0, n, self.batch):
            rows = []
            for i in range(offset, min(n, offset + self.batch)):
                first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
                rows.append(
                    Client(
                        team=teams[i % len(teams)],
                        name=f"{first} {last} {i}",
                        email=f"{first}.{last}.{i}@example.com".lower(),
                        company=f"{last} {self.rng.choice(COMPANIES)}",
                        temperament=self.rng.choice(temperaments),
                    )
                )
            written = Client.objects.bulk_create(rows)
            created += [(c.pk, c.team_id) for c in written]
            self.temperaments.update((c.pk, c.temperament) for c in written)
            self._progress("clients", len(created), n, started)
        return created

    def _cases(self, n: int, clients, teams, staff_by_team, per_case: int) -> None:
        started = time.monotonic()
        self.now = timezone.now()
        self.progress = progress.Progress(
            rng=self.progress_rng,
            now=self.now,
            teams=teams,
            staff_names={pk: str(user) for pk, user in self.staff.items()},
            temperaments=self.temperaments,
        )
        # Choice lists made once: Choices.values builds a new list on every access.
        self.choices = {
            "status": [CaseStatus.CLOSED] * 45
            + [CaseStatus.RESOLVED] * 20
            + [CaseStatus.IN_PROGRESS] * 20
            + [CaseStatus.NEW] * 10
            + [CaseStatus.ESCALATED] * 5,
            "mood": [Mood.CALM] * 5 + [Mood.FRUSTRATED] * 3 + [Mood.ANGRY] * 2 + [Mood.ABUSIVE],
            "channel": [Channel.CALL] * 4 + [Channel.EMAIL] * 3 + [Channel.CHAT] * 2 + [Channel.MEETING, Channel.NOTE],
            "direction": [Direction.INBOUND, Direction.OUTBOUND],
            "root_cause": RootCause.values,
            "priority": Priority.values,
            "reason": EscalationReason.values,
        }
        self.target_types = {
            "interaction": ContentType.objects.get_for_model(Interaction).pk,
            "escalation": ContentType.objects.get_for_model(Escalation).pk,
        }
        done = 0
        # From here on the COPYs run in a thread of their own while the next rows are made.
        with copying_alongside():
            for offset in range(0, n, self.batch):
                done += self._case_batch(min(n, offset + self.batch) - offset, clients, staff_by_team, per_case)
                self._progress("cases (with contacts, playbook progress, follow-ups and timeline)", done, n, started)
            self._open_follow_ups()

    def _case_batch(self, size: int, clients, staff_by_team, per_case: int) -> int:
        """One batch: its cases, then their contacts and escalations, then the timeline.

        The random draws come in the same order as in the bulk_create version (all cases
        of a batch, then each case's contacts followed by its escalation), so a seed still
        gives the same data.
        """
        written_at = timezone.now()
        cases = [self._case(pk, clients, staff_by_team) for pk in reserve_ids(Case, size)]
        copy_rows(Case, CaseRow._fields, cases)
        drafts = []
        # The work on each case is drawn while its contacts stream in: PostgreSQL takes
        # longer over a contact (its search document) than Python over making it.
        work = self.progress.batch()
        # The time written down is the same for every contact and entry: formatted once for the COPY.
        recorded = str(written_at)
        contacts = self._contacts(
            cases, reserve_ids(Interaction, size * per_case), per_case, recorded, drafts, then=work.draw
        )
        interactions = copy_rows(Interaction, InteractionRow._fields, contacts, line=contact_line)
        escalations = copy_rows(
            Escalation,
            EscalationRow._fields,
            [draft._replace(id=pk) for draft, pk in zip(drafts, reserve_ids(Escalation, len(drafts)), strict=True)],
        )
        event_ids = reserve_ids(CaseEvent, len(cases) + len(interactions) + len(escalations))
        timeline = self._events(event_ids, cases, interactions, escalations, recorded)
        copy_rows(CaseEvent, EventRow._fields, timeline, line=progress.event_line)
        work.write(written_at)
        return len(cases)

    def _open_follow_ups(self) -> None:
        """The follow-ups open now: each staff member's plate (see progress.Progress.finish)."""
        started = time.monotonic()
        time_zones = {pk: user.time_zone for pk, user in self.staff.items()}
        counts = self.progress.finish(timezone.now(), timezone.now(), time_zones)
        described = ", ".join(f"{counts.get(key, 0)} {key}" for key in ("overdue", "today", "upcoming"))
        self.stdout.write(
            f"  open follow-ups on the staff's plates: {described}  ({time.monotonic() - started:5.1f} s)"
        )

    def _case(self, pk: int, clients, staff_by_team) -> CaseRow:
        rng, now = self.rng, self.now
        client_id, team_id = rng.choice(clients)
        owner = rng.choice(staff_by_team[team_id])
        opened = now - timedelta(seconds=rng.randint(3600, 2 * 365 * 24 * 3600))
        status = rng.choice(self.choices["status"])
        last = min(now, opened + timedelta(hours=rng.randint(1, 24 * 30)))
        return CaseRow(
            id=pk,
            client_id=client_id,
            team_id=team_id,
            title=f"{rng.choice(TITLE_STARTS)} {rng.choice(SUBJECTS)}",
            problem_statement=sentence_block(rng),
            root_cause=rng.choice(self.choices["root_cause"]),
            priority=rng.choice(self.choices["priority"]),
            status=status.value,
            owner_id=owner,
            opened_by_id=owner,
            opened_at=opened,
            last_activity_at=last,
            resolved_at=last if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None,
            closed_at=last if status == CaseStatus.CLOSED else None,
            waiting_periods="[]",
        )

    def _contacts(self, cases, ids, per_case: int, logged_at: str, escalations: list, then=None):
        """Each case's contacts, spread over its active time; an escalated case's escalation
        (without its id yet) goes to `escalations`, and `then(case, contacts)` is called after
        each case. A generator, consumed by the COPY."""
        rng, choices = self.rng, self.choices
        ids = iter(ids)
        for case in cases:
            span = max(60, int((case.last_activity_at - case.opened_at).total_seconds()))
            made = []
            for k in range(per_case):
                channel = rng.choice(choices["channel"])
                is_note = channel == Channel.NOTE
                # Positional (quicker than by name), in the order of the fields and of the draws.
                contact = InteractionRow(
                    next(ids),
                    case.id,
                    case.client_id,
                    channel.value,
                    Direction.INTERNAL.value if is_note else rng.choice(choices["direction"]).value,
                    case.opened_at + timedelta(seconds=span * k // per_case),
                    None if is_note else rng.randint(2, 40),
                    rng.choice(choices["mood"]).value,
                    sentence_block(rng),
                    case.owner_id,
                    logged_at,
                )
                made.append(contact)
                yield contact
            if case.status == CaseStatus.ESCALATED:
                escalations.append(
                    EscalationRow(
                        id=None,
                        case_id=case.id,
                        reason=rng.choice(choices["reason"]),
                        note="Needs a manager: " + rng.choice(MIDDLES),
                        raised_by_id=case.owner_id,
                        raised_at=case.last_activity_at,
                        cause_key="",
                        decision="",
                        decision_note="",
                    )
                )
            if then is not None:
                then(case, made)

    def _events(self, ids, cases, interactions, escalations, recorded_at: str):
        """The timeline: each case's opening, each contact logged, each escalation (in that
        order, as the bulk_create version wrote them). A generator, consumed by the COPY."""
        ids = iter(ids)
        for case in cases:
            yield EventRow(
                next(ids),
                case.id,
                CaseEventKind.OPENED.value,
                case.owner_id,
                case.opened_at,
                recorded_at,
                "{}",
                None,
                None,
            )
        interaction_type = self.target_types["interaction"]
        for row in interactions:
            yield EventRow(
                next(ids),
                row.case_id,
                CaseEventKind.INTERACTION_LOGGED.value,
                row.logged_by_id,
                row.occurred_at,
                recorded_at,
                "{}",
                interaction_type,
                row.id,
            )
        escalation_type = self.target_types["escalation"]
        for row in escalations:
            data = json.dumps({"reason": row.reason, "note": row.note, "from": CaseStatus.IN_PROGRESS.value})
            yield EventRow(
                next(ids),
                row.case_id,
                CaseEventKind.ESCALATED.value,
                row.raised_by_id,
                row.raised_at,
                recorded_at,
                data,
                escalation_type,
                row.id,
            )
