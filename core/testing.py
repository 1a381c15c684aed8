"""Helpers for tests that need a real service (PostgreSQL, Redis, Chromium, Dovecot).

Locally such a test skips when the service is not configured or not there; with
CASEBOOK_REQUIRE_SERVICES=1 (CI) it fails instead, so a broken setup cannot pass quietly.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = "/usr/bin/chromium"
DOVECOT = "/usr/sbin/dovecot"


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


def require_dovecot() -> str:
    if not shutil.which(DOVECOT):
        _missing(f"needs Dovecot at {DOVECOT} (apt-get install dovecot-imapd)")
    return DOVECOT


def database_url_for_subprocess() -> str:
    """A DATABASE_URL that points a child process (a Celery worker) at the test database."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(*, queue: str, beat: bool = False, extra_env: dict | None = None, concurrency: int = 0):
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
        *(["--pool", "prefork", "--concurrency", str(concurrency)] if concurrency else ["--pool", "solo"]),
        "--queues", queue, "--loglevel", "INFO",
        "--without-gossip", "--without-mingle", "--hostname", f"test-{queue}@%h",
    ]  # fmt: skip
    if beat:
        command.append("--beat")
    with tempfile.TemporaryFile() as log:
        # Its own process group: beat runs as a child of the worker, and stopping (or
        # killing) the worker must take beat with it.
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR, start_new_session=True
        )
        try:
            yield process
        finally:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
            _signal_group(process, signal.SIGKILL)  # a beat child left behind
            log.seek(0)
            output = log.read().decode(errors="replace")
            sys.stdout.write(f"\n--- celery worker output ---\n{output[-5000:]}\n")


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL a worker started by `celery_worker` and its children, as a crash would."""
    _signal_group(process, signal.SIGKILL)
    process.wait(timeout=10)


@contextlib.contextmanager
def smtp_server(handler=None):
    """A real SMTP server (aiosmtpd) on a free localhost port, in a thread.

    Yields (port, handler); the default handler keeps every accepted message in
    `handler.messages` (email.message.Message objects).
    """
    from aiosmtpd.controller import Controller

    handler = handler or RecordingHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler
    finally:
        controller.stop()


class RecordingHandler:
    """Accepts every message and keeps it."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        message = email.message_from_bytes(envelope.original_content or envelope.content)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def wait_for(condition, *, timeout: float = 30, interval: float = 0.2):
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


def next_european_clock_change(month: int, *, after=None):
    """The date of the next European clock change in `month` (3: forward, 10: back), the
    last Sunday of the month, strictly after `after` (default: today). Tests use it instead
    of a fixed date, which would stop being "in the future" one day."""
    import datetime

    after = after or datetime.date.today()
    for year in (after.year, after.year + 1):
        last = datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
        sunday = last - datetime.timedelta(days=(last.weekday() - 6) % 7)
        if sunday > after:
            return sunday
    raise AssertionError("unreachable")


class FormControls(HTMLParser):
    """The controls of one <form> (by id) as a browser would submit them untouched: each
    named input's value, a select's selected (else first) option, a textarea's text.
    Checkboxes and radios count only when checked; file inputs and buttons are left out."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("file", "submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.data.setdefault(self._select, value)
            if "selected" in attrs:
                self.data[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n") if not self.data[self._textarea] else data


def form_as_rendered(html: str, form_id: str) -> dict:
    """What submitting the form `form_id` of `html` unchanged would post."""
    parser = FormControls(form_id)
    parser.feed(html)
    return parser.data
