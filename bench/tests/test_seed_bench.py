import hashlib
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F

from accounts.models import Team, User
from bench import bulk
from bench.management.commands.seed_bench import Command
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client
from clients.services import case_open
from escalations.models import Escalation
from interactions.models import Interaction
from interactions.services import interaction_log

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and index rebuilds: PostgreSQL")
SMALL = {"teams": 2, "staff": 4, "clients": 30, "cases": 200, "interactions_per_case": 5, "batch": 64}
FROZEN = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_bench", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def schema() -> tuple[list, list]:
    """Every index and constraint of the schema, as PostgreSQL would create them again."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, condeferred,
                   convalidated
            FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2
            """
        )
        return indexes, cursor.fetchall()


def test_seed_bench_makes_the_asked_for_amounts(db):
    seed()
    assert Team.objects.filter(name__startswith="Bench team").count() == 2
    assert User.objects.filter(username__startswith="bench").count() == 4
    assert Client.objects.count() == 30
    assert Case.objects.count() == 200
    assert Interaction.objects.count() == 1000
    assert CaseEvent.objects.filter(kind="interaction_logged").count() == 1000
    assert Escalation.objects.count() == Case.objects.filter(status=CaseStatus.ESCALATED).count()
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    # Every case and interaction stays within its own team.
    assert not Case.objects.exclude(team_id=F("client__team_id")).exists()
    assert not Interaction.objects.exclude(client_id=F("case__client_id")).exists()


def test_every_bench_user_logs_in_with_the_bench_password(db):
    seed()
    users = User.objects.filter(username__startswith="bench")
    assert all(user.check_password("bench-password") for user in users)


def test_the_timeline_points_at_what_was_written(db):
    seed()
    assert set(Case.objects.annotate(n=Count("interactions")).values_list("n", flat=True)) == {5}
    interaction_type = ContentType.objects.get_for_model(Interaction)
    logged = CaseEvent.objects.filter(kind=CaseEventKind.INTERACTION_LOGGED)
    assert set(logged.values_list("target_id", flat=True)) == set(Interaction.objects.values_list("pk", flat=True))
    assert not logged.exclude(target_type=interaction_type).exists()
    for event in logged.order_by("?")[:50]:
        interaction = Interaction.objects.get(pk=event.target_id)
        assert (event.case_id, event.actor_id, event.occurred_at) == (
            interaction.case_id,
            interaction.logged_by_id,
            interaction.occurred_at,
        )
    opened = CaseEvent.objects.filter(kind=CaseEventKind.OPENED)
    assert opened.count() == 200
    assert not opened.exclude(occurred_at=F("case__opened_at")).exists()
    assert not opened.exclude(actor_id=F("case__owner_id")).exists()
    for escalation in Escalation.objects.all():
        event = CaseEvent.objects.get(kind=CaseEventKind.ESCALATED, target_id=escalation.pk)
        assert event.data == {"reason": escalation.reason, "note": escalation.note, "from": "in_progress"}
        assert event.target_type == ContentType.objects.get_for_model(Escalation)
        assert escalation.case.status == CaseStatus.ESCALATED


# The timeline entries the seed wrote before it made playbook progress and follow-ups.
FIRST_KINDS = [CaseEventKind.OPENED, CaseEventKind.INTERACTION_LOGGED, CaseEventKind.ESCALATED]


def fingerprint() -> str:
    """The seeded rows without their ids (a test database's sequences do not start at 1).

    The cases, contacts, escalations and their timeline entries: what the seed made before
    it drew the work done on the cases (from a random generator of its own, so these stay).
    """
    rows = [
        Client.objects.order_by("pk").values_list("team__name", "name", "email", "company", "temperament"),
        Case.objects.order_by("pk").values_list(
            "client__name",
            "owner__username",
            "title",
            "problem_statement",
            "root_cause",
            "priority",
            "status",
            "opened_at",
            "last_activity_at",
            "resolved_at",
            "closed_at",
        ),
        Interaction.objects.order_by("pk").values_list(
            "case__title", "channel", "direction", "occurred_at", "duration_minutes", "mood", "summary"
        ),
        Escalation.objects.order_by("pk").values_list("case__opened_at", "reason", "note", "raised_at"),
        CaseEvent.objects.filter(kind__in=FIRST_KINDS)
        .order_by("pk")
        .values_list("case__opened_at", "kind", "actor__username", "occurred_at"),
    ]
    return digest_of(rows)


def digest_of(querysets) -> str:
    """A SHA-256 of every row of the querysets, in order."""
    digest = hashlib.sha256()
    for queryset in querysets:
        for row in queryset:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_a_seed_gives_the_same_data_as_before_the_copy_rewrite(db):
    # Taken from the bulk_create version of the command (same options, same frozen clock):
    # the COPY version draws the same random numbers in the same order. A change that is
    # meant to change the data updates this value.
    with mock.patch("django.utils.timezone.now", return_value=FROZEN):
        seed()
    assert fingerprint() == "3df45f12ea8984facc295fca245e05a432e78fa963255e318ff0ed2919596a8f"


def test_seed_bench_refuses_to_run_twice(db):
    call_command("seed_bench", teams=1, staff=2, clients=2, cases=3, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("seed_bench", teams=1, staff=2, clients=2, cases=3, stdout=StringIO())


@postgres_only
def test_a_fresh_database_gets_every_index_and_constraint_back(db):
    before = schema()
    output = seed()
    assert "indexes and foreign keys of the big tables built" in output
    assert schema() == before


@postgres_only
def test_a_database_with_cases_keeps_its_indexes_during_the_load(db, case):
    before = schema()
    output = seed()
    # The tables were not empty: rows went in under the indexes, none was dropped.
    assert "indexes and foreign keys" not in output
    assert schema() == before
    assert Case.objects.count() == 201
    assert Interaction.objects.filter(case__team__name__startswith="Bench team").count() == 1000


@postgres_only
def test_an_interrupted_seed_leaves_nothing_behind_and_every_index_in_place(db):
    before = schema()
    real_batch = Command._case_batch
    batches = []

    def second_batch_fails(self, *args):
        # No query here: the first batch's COPYs may still be running on the connection.
        batches.append(args)
        if len(batches) > 1:
            raise RuntimeError("interrupted")
        return real_batch(self, *args)

    with mock.patch.object(Command, "_case_batch", second_batch_fails), pytest.raises(RuntimeError):
        seed()
    assert schema() == before
    assert not Team.objects.filter(name__startswith="Bench team").exists()
    assert not Case.objects.exists() and not Interaction.objects.exists() and not CaseEvent.objects.exists()


def test_the_app_carries_on_after_the_seeded_ids(db):
    seed()
    manager = User.objects.get(username="bench1")
    client = Client.objects.filter(team__in=manager.teams.all()).first()
    case = case_open(actor=manager, client=client, title="After the seed", owner=manager)
    assert case.pk > max(Case.objects.exclude(pk=case.pk).values_list("pk", flat=True))
    contact = interaction_log(
        actor=manager, case=case, channel="note", direction="internal", mood="calm", summary="Still works."
    )
    assert contact.pk > max(Interaction.objects.exclude(pk=contact.pk).values_list("pk", flat=True))
    newest_event = CaseEvent.objects.filter(case=case).latest("pk")
    assert newest_event.pk > max(CaseEvent.objects.exclude(case=case).values_list("pk", flat=True))


def test_copy_escapes_what_the_text_format_would_misread():
    assert bulk.copy_line((1, "plain", None)) == "1\tplain\t\\N\n"
    assert bulk.copy_line((1, "tab\there", "back\\slash", "new\nline\r", None)) == (
        "1\ttab\\there\tback\\\\slash\tnew\\nline\\r\t\\N\n"
    )


def test_rows_with_awkward_text_arrive_as_written(db):
    seed(cases=1)
    case = Case.objects.get()
    title = "Tab\there, back\\slash \\N and a\nnew line"
    waits = '[["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"]]'
    (pk,) = bulk.reserve_ids(Case, 1)
    row = {
        "id": pk,
        "client_id": case.client_id,
        "team_id": case.team_id,
        "title": title,
        "problem_statement": "",
        "root_cause": "unknown",
        "priority": 2,
        "status": "new",
        "owner_id": case.owner_id,
        "opened_by_id": case.owner_id,
        "opened_at": FROZEN,
        "last_activity_at": FROZEN,
        "waiting_periods": waits,
    }
    bulk.copy_rows(Case, list(row), [tuple(row.values())])
    copied = Case.objects.get(pk=pk)
    assert copied.title == title
    assert copied.waiting_periods == [["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"]]


def test_the_insert_fallback_writes_the_same_rows(db):
    # What a SQLite try goes through: JSON text becomes the object again.
    seed(cases=1)
    case = Case.objects.get()
    (pk,) = bulk.reserve_ids(CaseEvent, 1)
    columns = ("id", "case_id", "kind", "actor_id", "occurred_at", "recorded_at", "data")
    recorded = FROZEN - timedelta(days=400)  # not now: auto_now_add must not replace it, as COPY does not
    bulk._insert_rows(CaseEvent, columns, [(pk, case.pk, "note", None, FROZEN, recorded, '{"a": [1, "\\t"]}')])
    event = CaseEvent.objects.get(pk=pk)
    assert event.data == {"a": [1, "\t"]}
    assert (event.occurred_at, event.recorded_at) == (FROZEN, recorded)
