"""A backup restores into a fresh database with every row (PostgreSQL, and SQLite locally)."""

import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from casebook.testing import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_database_url(tmp_path):
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    require_postgres()
    import psycopg2

    db = connection.settings_dict
    name = f"casebook_restore_{uuid.uuid4().hex[:8]}"
    params = dict(
        user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_backup_restores_into_a_fresh_database_with_the_same_counts(tmp_path, fresh_database_url, capsys):
    call_command("seed_demo")
    backup = tmp_path / "casebook.dump"
    call_command("backup", "create", str(backup))
    call_command("backup", "restore", str(backup), into=fresh_database_url)
    call_command("backup", "verify", into=fresh_database_url)
    assert "tables match" in capsys.readouterr().out


def test_verify_notices_a_missing_row(tmp_path, fresh_database_url):
    from django.core.management.base import CommandError

    from clients.models import Client

    call_command("seed_demo")
    backup = tmp_path / "casebook.dump"
    call_command("backup", "create", str(backup))
    call_command("backup", "restore", str(backup), into=fresh_database_url)
    Client.objects.create(team_id=Client.objects.first().team_id, name="Added after the backup")
    with pytest.raises(CommandError, match="Row counts differ"):
        call_command("backup", "verify", into=fresh_database_url)
