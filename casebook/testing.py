"""Helpers for tests that need a real service (PostgreSQL, Redis, Chromium).

Locally such a test skips when the service is not configured or not there; with
CASEBOOK_REQUIRE_SERVICES=1 (CI) it fails instead, so a broken setup cannot pass quietly.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if settings.CASEBOOK_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


def require_redis() -> str:
    if not settings.REDIS_URL:
        _missing("needs Redis: set REDIS_URL=redis://...")
    url = urlparse(settings.REDIS_URL)
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2).close()
    except OSError as exc:
        _missing(f"Redis at {settings.REDIS_URL} is not answering: {exc}")
    return settings.REDIS_URL


def require_chromium() -> str:
    if not shutil.which(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def database_url_for_subprocess() -> str:
    """A DATABASE_URL that points a child process (a Celery worker) at the test database."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(*, queue: str, beat: bool = False, extra_env: dict | None = None):
    """Run a real Celery worker (and beat, when asked) in a child process on `queue`.

    The child uses the test database and this run's broker; its output is kept and shown
    if the test fails, and it is stopped however the test ends.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "casebook.settings",
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "casebook", "worker",
        "--pool", "solo", "--queues", queue, "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--hostname", f"test-{queue}@%h",
    ]  # fmt: skip
    if beat:
        command.append("--beat")
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.seek(0)
            output = log.read().decode(errors="replace")
            sys.stdout.write(f"\n--- celery worker output ---\n{output[-5000:]}\n")


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
