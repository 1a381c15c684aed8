"""A backup restores into a fresh database with every row (PostgreSQL, and SQLite locally);
verify compares every table, many-to-many ones included, by row count and content; and a
restore into a missing or non-empty database is a one-line error, not a traceback."""

import uuid

import environ
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.management.commands.backup import open_database
from core.testing import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _postgres_admin():
    import psycopg2

    db = connection.settings_dict
    params = dict(
        user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return admin, f"postgres://{auth}@{params['host']}:{params['port']}"


@pytest.fixture
def fresh_database_url(tmp_path):
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    require_postgres()
    name = f"casebook_restore_{uuid.uuid4().hex[:8]}"
    admin, server = _postgres_admin()
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def restored(tmp_path, fresh_database_url):
    """The demo data, backed up and restored into a fresh database: its DATABASE_URL."""
    call_command("seed_demo")
    backup = tmp_path / "casebook.dump"
    call_command("backup", "create", str(backup))
    call_command("backup", "restore", str(backup), into=fresh_database_url)
    return fresh_database_url


def _execute_in(url: str, sql: str, params=()) -> int:
    """Run one statement in the restored database (to damage it as a bad restore would)."""
    db = environ.Env.db_url_config(url)
    if connection.vendor == "sqlite":
        import sqlite3

        conn = sqlite3.connect(db["NAME"])
    else:
        conn = open_database(db)
    try:
        cursor = conn.cursor()
        cursor.execute(sql.replace("%s", "?") if connection.vendor == "sqlite" else sql, params)
        conn.commit()
        return cursor.rowcount
    finally:
        conn.close()


def test_backup_restores_into_a_fresh_database_and_every_table_matches(restored, capsys):
    call_command("backup", "verify", into=restored)
    out = capsys.readouterr().out
    every_table = connection.introspection.table_names()
    # The many-to-many tables, which the models' list alone would leave out, are among them.
    assert {"accounts_user_teams", "accounts_user_groups", "auth_group_permissions"} <= set(every_table)
    assert f"All {len(every_table)} tables match" in out


def test_verify_notices_a_missing_row(restored):
    from clients.models import Client

    Client.objects.create(team_id=Client.objects.first().team_id, name="Added after the backup")
    with pytest.raises(CommandError, match=r"row counts differ: clients_client \(\d+ live, \d+ restored\)"):
        call_command("backup", "verify", into=restored)


def test_a_restore_that_lost_one_team_membership_fails_verification(restored):
    lost = _execute_in(
        restored,
        "DELETE FROM accounts_user_teams WHERE id = (SELECT MIN(id) FROM accounts_user_teams)",
    )
    assert lost == 1
    with pytest.raises(CommandError) as failure:
        call_command("backup", "verify", into=restored)
    message = str(failure.value)
    assert "accounts_user_teams" in message and "row counts differ" in message
    # Only the damaged table is named.
    assert message.count("(") == 1, message


def test_a_changed_value_with_the_same_row_count_fails_verification(restored):
    assert (
        _execute_in(
            restored,
            "UPDATE clients_client SET name = %s WHERE id = (SELECT MIN(id) FROM clients_client)",
            ["Someone else"],
        )
        == 1
    )
    with pytest.raises(CommandError, match=r"contents differ \(same row count\): clients_client\.$"):
        call_command("backup", "verify", into=restored)


def test_a_membership_moved_to_another_team_fails_verification(restored):
    # Same count, same user, another team: only the checksum can see it.
    changed = _execute_in(
        restored,
        "UPDATE accounts_user_teams SET team_id = (SELECT MAX(id) FROM accounts_team) WHERE id = "
        "(SELECT MIN(id) FROM accounts_user_teams WHERE user_id NOT IN "
        "(SELECT user_id FROM accounts_user_teams WHERE team_id = (SELECT MAX(id) FROM accounts_team)))",
    )
    assert changed == 1
    with pytest.raises(CommandError, match=r"contents differ .*accounts_user_teams"):
        call_command("backup", "verify", into=restored)


def test_a_missing_table_fails_verification(restored):
    _execute_in(
        restored,
        "DROP TABLE audit_auditentry" if connection.vendor == "sqlite" else "DROP TABLE audit_auditentry CASCADE",
    )
    with pytest.raises(CommandError, match="missing from the restored database: audit_auditentry"):
        call_command("backup", "verify", into=restored)


def _missing_database_url(tmp_path) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-directory' / 'restored.sqlite3'}"
    require_postgres()
    admin, server = _postgres_admin()
    admin.close()
    return f"{server}/casebook_never_created_{uuid.uuid4().hex[:8]}"


def test_restore_into_a_missing_database_is_a_one_line_error(tmp_path):
    call_command("seed_demo")
    backup = tmp_path / "casebook.dump"
    call_command("backup", "create", str(backup))
    missing = _missing_database_url(tmp_path)
    with pytest.raises(CommandError) as failure:
        call_command("backup", "restore", str(backup), into=missing)
    message = str(failure.value)
    assert "\n" not in message
    assert ("No directory" in message) if connection.vendor == "sqlite" else ("does not exist" in message)
    with pytest.raises(CommandError, match=r"^(No SQLite database|Cannot open database)"):
        call_command("backup", "verify", into=missing)


def test_restore_into_a_non_empty_database_is_a_one_line_error(tmp_path, restored):
    backup = tmp_path / "casebook.dump"
    with pytest.raises(CommandError) as failure:
        call_command("backup", "restore", str(backup), into=restored)
    message = str(failure.value)
    assert "\n" not in message
    assert ("exists already" in message) if connection.vendor == "sqlite" else ("is not empty" in message)
