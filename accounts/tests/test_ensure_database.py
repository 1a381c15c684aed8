"""`manage.py ensure_database` creates a missing PostgreSQL database once, then leaves it be;
on SQLite it has nothing to do. Run as `make migrate` runs it: a child process on DATABASE_URL."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

from core.testing import require_postgres

pytestmark = pytest.mark.django_db


def _ensure_database(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "ensure_database"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _drop(name: str) -> None:
    import psycopg2

    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )  # fmt: skip
    admin.autocommit = True  # DROP DATABASE cannot run inside a transaction
    try:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def test_a_missing_postgres_database_is_created_once():
    require_postgres()
    db = connection.settings_dict
    # A name that needs quoting: the command must not build SQL by pasting it in.
    name = f"casebook_ensure_{uuid.uuid4().hex[:8]}-new"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    assert not _database_exists(name)
    try:
        first = _ensure_database(url)
        assert first.returncode == 0, first.stderr
        assert f"Created database {name}." in first.stdout
        assert _database_exists(name)

        again = _ensure_database(url)
        assert again.returncode == 0, again.stderr
        assert f"Database {name} exists already." in again.stdout
    finally:
        _drop(name)


def test_an_unreachable_server_is_a_one_line_error():
    require_postgres()
    # Port 1 has no PostgreSQL: the error names the cause instead of printing a traceback.
    result = _ensure_database("postgres://postgres@127.0.0.1:1/casebook_nowhere")
    assert result.returncode == 1
    assert "Cannot reach PostgreSQL" in result.stderr and "Traceback" not in result.stderr


def test_sqlite_needs_nothing(tmp_path):
    result = _ensure_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert result.returncode == 0, result.stderr
    assert "nothing to create" in result.stdout
    assert not (tmp_path / "new.sqlite3").exists()
