"""Benchmark data at realistic size: years of a support department's work.

Defaults: 5 teams, 20 staff, 10,000 clients, 100,000 cases over two years, 5 interactions
per case (a few sentences each) with their timeline entries, and escalations on about one
case in twenty. Rows go in with bulk inserts in batches; the command prints progress and
its own duration. It refuses to run twice on the same database unless --force.
"""

import random
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from casebook.accounts.models import Team
from casebook.accounts.roles import Role
from casebook.accounts.services import user_create
from clients.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Client,
    Escalation,
    EscalationReason,
    Priority,
    RootCause,
    Temperament,
)
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


def sentence_block(rng: random.Random) -> str:
    subject = rng.choice(SUBJECTS)
    parts = [rng.choice(OPENERS).format(s=subject), *rng.sample(MIDDLES, 2), rng.choice(CLOSERS)]
    return " ".join(parts)


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
        self.batch = opts["batch"]
        started = time.monotonic()
        teams, staff_by_team = self._people(opts["teams"], opts["staff"])
        clients = self._clients(opts["clients"], teams)
        self._cases(opts["cases"], clients, staff_by_team, opts["interactions_per_case"])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Benchmark data ready in {time.monotonic() - started:.1f} s."))

    def _progress(self, what: str, done: int, total: int, started: float) -> None:
        self.stdout.write(f"  {what}: {done:>9,} / {total:,}  ({time.monotonic() - started:5.1f} s)")

    @transaction.atomic
    def _people(self, n_teams: int, n_staff: int):
        teams = [Team.objects.create(name=f"{TEAM_PREFIX} {i + 1}") for i in range(n_teams)]
        staff_by_team = {team.pk: [] for team in teams}
        for i in range(n_staff):
            team = teams[i % n_teams]
            role = Role.MANAGER if i < n_teams else Role.AGENT
            user = user_create(
                username=f"bench{i + 1}",
                password=BENCH_PASSWORD,
                role=role,
                teams=[team],
                first_name=self.rng.choice(FIRST),
                last_name=self.rng.choice(LAST),
            )
            staff_by_team[team.pk].append(user.pk)
        self.stdout.write(f"  {n_teams} teams, {n_staff} staff (bench1..bench{n_staff}, password {BENCH_PASSWORD})")
        return teams, staff_by_team

    def _clients(self, n: int, teams: list[Team]) -> list[tuple[int, int]]:
        started = time.monotonic()
        temperaments = Temperament.values
        created = []
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
            created += [(c.pk, c.team_id) for c in Client.objects.bulk_create(rows)]
            self._progress("clients", len(created), n, started)
        return created

    def _cases(self, n: int, clients, staff_by_team, per_case: int) -> None:
        started = time.monotonic()
        now = timezone.now()
        two_years = 2 * 365 * 24 * 3600
        interaction_type = ContentType.objects.get_for_model(Interaction)
        escalation_type = ContentType.objects.get_for_model(Escalation)
        statuses = [CaseStatus.CLOSED] * 45 + [CaseStatus.RESOLVED] * 20 + [CaseStatus.IN_PROGRESS] * 20
        statuses += [CaseStatus.NEW] * 10 + [CaseStatus.ESCALATED] * 5
        moods = [Mood.CALM] * 5 + [Mood.FRUSTRATED] * 3 + [Mood.ANGRY] * 2 + [Mood.ABUSIVE]
        channels = [Channel.CALL] * 4 + [Channel.EMAIL] * 3 + [Channel.CHAT] * 2 + [Channel.MEETING, Channel.NOTE]
        done = 0
        for offset in range(0, n, self.batch):
            with transaction.atomic():
                cases = []
                for _ in range(offset, min(n, offset + self.batch)):
                    client_id, team_id = self.rng.choice(clients)
                    owner = self.rng.choice(staff_by_team[team_id])
                    opened = now - timedelta(seconds=self.rng.randint(3600, two_years))
                    status = self.rng.choice(statuses)
                    last = min(now, opened + timedelta(hours=self.rng.randint(1, 24 * 30)))
                    cases.append(
                        Case(
                            client_id=client_id,
                            team_id=team_id,
                            title=f"{self.rng.choice(['Problem with', 'Complaint about', 'Question on'])} "
                            f"{self.rng.choice(SUBJECTS)}",
                            problem_statement=sentence_block(self.rng),
                            root_cause=self.rng.choice(RootCause.values),
                            priority=self.rng.choice(Priority.values),
                            status=status,
                            owner_id=owner,
                            opened_by_id=owner,
                            opened_at=opened,
                            last_activity_at=last,
                            resolved_at=last if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) else None,
                            closed_at=last if status == CaseStatus.CLOSED else None,
                        )
                    )
                cases = Case.objects.bulk_create(cases)
                interactions, events, escalations = [], [], []
                for case in cases:
                    span = max(60, int((case.last_activity_at - case.opened_at).total_seconds()))
                    for k in range(per_case):
                        channel = self.rng.choice(channels)
                        interactions.append(
                            Interaction(
                                case_id=case.pk,
                                client_id=case.client_id,
                                channel=channel,
                                direction=Direction.INTERNAL
                                if channel == Channel.NOTE
                                else self.rng.choice([Direction.INBOUND, Direction.OUTBOUND]),
                                occurred_at=case.opened_at + timedelta(seconds=span * k // per_case),
                                duration_minutes=self.rng.randint(2, 40) if channel != Channel.NOTE else None,
                                mood=self.rng.choice(moods),
                                summary=sentence_block(self.rng),
                                logged_by_id=case.owner_id,
                            )
                        )
                    events.append(
                        CaseEvent(
                            case_id=case.pk,
                            kind=CaseEventKind.OPENED,
                            actor_id=case.owner_id,
                            occurred_at=case.opened_at,
                        )
                    )
                    if case.status == CaseStatus.ESCALATED:
                        escalations.append(
                            Escalation(
                                case_id=case.pk,
                                reason=self.rng.choice(EscalationReason.values),
                                note="Needs a manager: " + self.rng.choice(MIDDLES),
                                raised_by_id=case.owner_id,
                                raised_at=case.last_activity_at,
                            )
                        )
                interactions = Interaction.objects.bulk_create(interactions)
                escalations = Escalation.objects.bulk_create(escalations)
                events += [
                    CaseEvent(
                        case_id=i.case_id,
                        kind=CaseEventKind.INTERACTION_LOGGED,
                        actor_id=i.logged_by_id,
                        occurred_at=i.occurred_at,
                        target_type=interaction_type,
                        target_id=i.pk,
                    )
                    for i in interactions
                ]
                events += [
                    CaseEvent(
                        case_id=e.case_id,
                        kind=CaseEventKind.ESCALATED,
                        actor_id=e.raised_by_id,
                        occurred_at=e.raised_at,
                        data={"reason": e.reason, "note": e.note, "from": CaseStatus.IN_PROGRESS},
                        target_type=escalation_type,
                        target_id=e.pk,
                    )
                    for e in escalations
                ]
                CaseEvent.objects.bulk_create(events, batch_size=self.batch)
            done += len(cases)
            self._progress("cases (with interactions and timeline)", done, n, started)
