"""A database of the old layout migrates forward to this one with every row kept.

The old code (the last commit before the redesign, taken from git history) migrates a
fresh database and fills it with the demo data; then this code migrates the same database.
Every table of the old database must still hold the same rows: the same count, and the
same values in a sample of rows, column by column (a column the redesign removed on
purpose is named in DROPPED, with why).
"""

import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.testing import database_url_for_subprocess

OLD_LAYOUT = "03f318e"
ROOT = Path(settings.BASE_DIR)
FORM_KEY = "a form's one-time key against double submits (now kept a day in api_idempotencykey)"
# Columns the redesign removed, each with why (none of them held what a person wrote).
DROPPED: dict[str, str] = {
    "clients_case.request_key": FORM_KEY,
    "clients_client.request_key": FORM_KEY,
    "interactions_followup.request_key": FORM_KEY,
    "interactions_interaction.request_key": FORM_KEY,
    "playbooks_concession.request_key": FORM_KEY,
    "playbooks_solutionoption.request_key": FORM_KEY,
    "api_idempotencykey.response_status": "an API answer's status, now kept with its body",
}
# Django's own bookkeeping gains rows with new migrations and models; it keeps the old ones.
GROWS = {"django_migrations", "django_content_type", "auth_permission"}

pytestmark = pytest.mark.integration


def _old_code(into: Path) -> Path:
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", OLD_LAYOUT], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"needs the git history with {OLD_LAYOUT} (a clone, not an export): {error}")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(cwd: Path, url: str, *args: str) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "DATABASE_URL": url, "HOME": str(cwd), "LANG": "C.UTF-8"}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} in {cwd}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own: a file on SQLite, a fresh database on PostgreSQL."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'layout.sqlite3'}", _sqlite_reader(tmp_path / "layout.sqlite3")
        return
    name = f"casebook_layout_{uuid.uuid4().hex[:8]}"
    _on_server(f'CREATE DATABASE "{name}"')
    base = database_url_for_subprocess().rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}", _postgres_reader(name)
    finally:
        _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _on_server(sql: str) -> None:
    """Run `sql` from the server's maintenance database (not the test database)."""
    import psycopg2

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    admin = psycopg2.connect(**params)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql)
    finally:
        admin.close()


def _sqlite_reader(path):
    import sqlite3

    def read(sql, params=()):
        with sqlite3.connect(path) as db:
            cursor = db.execute(sql, params)
            return [d[0] for d in cursor.description or []], cursor.fetchall()

    def tables():
        return sorted(r[0] for r in read("SELECT name FROM sqlite_master WHERE type='table'")[1])

    return read, tables


def _postgres_reader(name):
    import psycopg2

    params = connection.get_connection_params()
    params["dbname"] = name

    def read(sql, args=()):
        with psycopg2.connect(**params) as db, db.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), args)
            return [d[0] for d in cursor.description or []], cursor.fetchall()

    def tables():
        rows = read("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")[1]
        return sorted(r[0] for r in rows)

    return read, tables


def _snapshot(read, tables) -> dict:
    """For every table: its row count and its first and last rows (by primary key or rowid), by column."""
    snapshot = {}
    for table in tables():
        if table.startswith("sqlite_"):
            continue
        columns, rows = read(f'SELECT * FROM "{table}"')
        key = columns.index("id") if "id" in columns else None
        rows = sorted(rows, key=lambda row: row[key]) if key is not None else rows
        sample = [dict(zip(columns, row, strict=True)) for row in rows[:3] + rows[-3:]]
        snapshot[table] = {"count": len(rows), "sample": sample}
    return snapshot


def test_an_old_layout_database_migrates_forward_keeping_every_row(tmp_path, scratch_database):
    url, (read, tables) = scratch_database
    old = _old_code(tmp_path / "old")
    _manage(old, url, "migrate", "--noinput")
    _manage(old, url, "seed_demo")
    before = _snapshot(read, tables)
    escalation_type = read("SELECT id FROM django_content_type WHERE app_label = 'clients' AND model = 'escalation'")[1]
    escalated = read("SELECT COUNT(*) FROM clients_caseevent WHERE target_type_id = ?", escalation_type[0])[1]
    assert sum(table["count"] for table in before.values()) > 200  # the demo data is there

    _manage(ROOT, url, "migrate", "--noinput")
    after = _snapshot(read, tables)

    # Escalation moved from clients to its own app with its table: its content type row, which
    # the timeline's entries and the permissions point at, was renamed in place.
    moved = read("SELECT id FROM django_content_type WHERE app_label = 'escalations' AND model = 'escalation'")[1]
    assert moved == escalation_type
    assert not read("SELECT id FROM django_content_type WHERE app_label = 'clients' AND model = 'escalation'")[1]
    assert (
        escalated[0][0] > 0
        and read("SELECT COUNT(*) FROM clients_caseevent WHERE target_type_id = ?", moved[0])[1] == escalated
    )

    lost = [table for table in before if table not in after]
    assert not lost, f"tables gone: {lost}"
    for table, old_rows in before.items():
        new_rows = after[table]
        if table in GROWS:
            assert new_rows["count"] >= old_rows["count"], table
            continue
        assert new_rows["count"] == old_rows["count"], table
        for old_row, new_row in zip(old_rows["sample"], new_rows["sample"], strict=True):
            for column, value in old_row.items():
                if f"{table}.{column}" in DROPPED:
                    continue
                assert column in new_row, f"{table}.{column} is gone"
                assert new_row[column] == value, f"{table}.{column}"
