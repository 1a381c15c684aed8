"""A real ASGI server (daphne) in a child process, for the integration and browser tests."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
from django.conf import settings

from core.testing import database_url_for_subprocess


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def daphne_server():
    """A daphne process of this test's own on a free port, on the test database and this
    run's Redis (without one, its channel layer is in memory: both sides must use this
    server); its output is shown after the test, and it is stopped however it ends."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "casebook.settings",
        "CASEBOOK_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "daphne", "--bind", "127.0.0.1", "--port", str(port), "casebook.asgi:application"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("daphne did not start")
                time.sleep(0.1)
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.seek(0)
            sys.stdout.write(f"\n--- daphne :{port} ---\n{log.read().decode(errors='replace')[-3000:]}\n")
