"""The PostgreSQL connection dropped under a running gunicorn: the app answers again
without a restart, and /healthz says which dependency is down while it is.

Worker SIGKILL mid-send and a Redis flush with emails pending are proven in
interactions/tests/test_delivery_integration.py.
"""

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from api.services import api_token_create
from clients.tests.factories import CaseFactory
from core.testing import database_url_for_subprocess, require_postgres, require_redis, wait_for

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(*, database_url: str, redis_url: str):
    """One gunicorn worker, one thread, so every request reuses the same DB connection."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CASEBOOK_BASE_URL": base,
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(
        [str(GUNICORN), "casebook.wsgi", "--workers", "1", "--threads", "1", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: _get(f"{base}/healthz")[0] in (200, 503), timeout=20)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str, token: str = "") -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {}
    except OSError:
        return 0, {}


# The server under test names its connections, so that only they are cut (not those of
# this test process's other threads, such as a live server's).
SERVER_APPLICATION = "casebook-fault-test"


def _terminate_other_backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [SERVER_APPLICATION],
        )
        return cursor.fetchone()[0]


def _allow_connections(allowed: bool) -> None:
    """Open or shut the test database to new connections (from the maintenance database:
    PostgreSQL will not let a database shut itself)."""
    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )  # fmt: skip
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            name = connection.ops.quote_name(db["NAME"])
            cursor.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {'true' if allowed else 'false'}")
    finally:
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_heals_without_a_restart(agent, customer):
    require_postgres()
    redis_url = require_redis()
    case = CaseFactory(client=customer, owner=agent)
    _, token = api_token_create(user=agent, name="fault test")
    database_url = f"{database_url_for_subprocess()}?application_name={SERVER_APPLICATION}"
    with gunicorn(database_url=database_url, redis_url=redis_url) as (base, server):
        cases = f"{base}/api/v1/cases/"
        status, body = _get(cases, token)
        assert status == 200 and [row["id"] for row in body["results"]] == [case.pk]

        # The server's connection is killed between two requests: the next one reconnects.
        assert _terminate_other_backends() >= 1
        status, body = _get(cases, token)
        assert status == 200 and [row["id"] for row in body["results"]] == [case.pk]

        # The database refuses every connection: /healthz names it, and says 503.
        _allow_connections(False)
        try:
            _terminate_other_backends()
            status, body = _get(f"{base}/healthz")
            assert status == 503
            assert body["database"].startswith("down: ")
            assert body["broker"] == "ok"
        finally:
            _allow_connections(True)

        # Back up: the same server process answers again.
        status, body = _get(f"{base}/healthz")
        assert status == 200 and body["database"] == "ok"
        status, body = _get(cases, token)
        assert status == 200 and [row["id"] for row in body["results"]] == [case.pk]
        assert server.poll() is None


@pytest.mark.django_db(transaction=True)
def test_healthz_names_every_unreachable_dependency():
    require_postgres()
    # Nothing listens on port 1: both the database and the broker are unreachable.
    with gunicorn(database_url="postgres://postgres@127.0.0.1:1/casebook", redis_url="redis://127.0.0.1:1/0") as (
        base,
        _,
    ):
        status, body = _get(f"{base}/healthz")
    assert status == 503
    assert body["status"] == "degraded"
    assert body["database"].startswith("down: ")
    assert body["broker"].startswith("down: ")
