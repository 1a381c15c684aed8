"""The production steps of the README, followed from a fresh copy of the repository.

The tree is laid out as a fresh clone would have it (the files git tracks or would track,
none of the ignored ones: no staticfiles/, no var/, no .venv), with this run's working
changes. Then, with DEBUG=0 and only the production values the settings require, the
Procfile's `release` command runs (migrate and collectstatic) and its `web` command starts
gunicorn. The login page must answer 200 and every static file it links must be served
(whitenoise, from the collected manifest). Both commands are read from the Procfile, so
the test follows whatever the Procfile says.

On PostgreSQL the release migrates a new, empty database made for the test; on SQLite it
makes the copy's own var/casebook.sqlite3, as it would for an operator with nothing set.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.testing import database_url_for_subprocess, require_postgres

pytestmark = pytest.mark.integration

ROOT = Path(settings.BASE_DIR)


def procfile_commands(path: Path) -> dict[str, str]:
    """{process type: command} from a Procfile."""
    commands = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = command.strip()
    return commands


def copy_as_cloned(source: Path, destination: Path) -> None:
    """Copy what a clone of `source` would hold once the working changes are committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if not (source / name).is_file():
            continue  # deleted in the working tree, not yet committed
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination / name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextlib.contextmanager
def _postgres_database():
    """A new, empty PostgreSQL database for the release to migrate: its DATABASE_URL."""
    import psycopg2

    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )  # fmt: skip
    admin.autocommit = True  # CREATE and DROP DATABASE cannot run inside a transaction
    name = f"casebook_smoke_{uuid.uuid4().hex[:8]}"
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url_for_subprocess().rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def _database_for_release():
    if connection.vendor == "postgresql":
        require_postgres()
        with _postgres_database() as url:
            yield {"DATABASE_URL": url}
    else:
        yield {}  # nothing set: the copy's own var/casebook.sqlite3


def _stop(process: subprocess.Popen) -> None:
    """Stop gunicorn's whole process group (master and workers), forcibly if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a worker left behind


def test_the_procfile_release_then_web_serves_the_login_page_and_its_static_files(tmp_path):
    tree = tmp_path / "casebook"
    copy_as_cloned(ROOT, tree)
    assert not (tree / "staticfiles").exists() and not (tree / "var").exists()
    commands = procfile_commands(tree / "Procfile")
    assert {"release", "web"} <= commands.keys(), commands

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the test run's own configuration leaks into the "production" processes.
        if key not in {"DATABASE_URL", "CASEBOOK_VAR_DIR", "DJANGO_SETTINGS_MODULE", "DEBUG", "STATIC_ROOT"}
        and not key.startswith(("PYTEST", "CASEBOOK_"))
    }
    env.update(
        # `python` and `gunicorn` in the Procfile are this virtualenv's.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        CASEBOOK_BASE_URL=base,
        # Behind a proxy that ends TLS, as in production; requests below say they came over https.
        SECURE_PROXY_SSL_HEADER="1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL

    with _database_for_release() as database, (tmp_path / "web.log").open("w+") as log:
        env.update(database)
        started = time.monotonic()
        release = subprocess.run(
            ["bash", "-c", commands["release"]], cwd=tree, env=env, capture_output=True, text=True, timeout=120
        )
        assert release.returncode == 0, f"release failed:\n{release.stdout[-3000:]}\n{release.stderr[-3000:]}"
        assert "static files copied" in release.stdout
        assert (tree / "staticfiles" / "staticfiles.json").is_file()  # the manifest DEBUG=0 needs

        web = subprocess.Popen(
            ["bash", "-c", f"exec {commands['web']}"],
            cwd=tree,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: gunicorn's workers are stopped with it
        )
        try:
            login = f"{base}/accounts/login/"
            deadline = time.monotonic() + 20
            while True:
                try:
                    status, headers, body = _get(login, **{"X-Forwarded-Proto": "https"})
                    break
                except OSError:
                    if web.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"gunicorn did not answer:\n{log.read()[-3000:]}")
                    time.sleep(0.2)
            log.seek(0)
            assert status == 200, f"login page answered {status}:\n{body[:2000]!r}\n{log.read()[-3000:]}"
            page = body.decode()
            assert 'name="username"' in page

            static = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))
            assert static, "the login page links no static file"
            for path in static:
                # Collected with a content hash in the name (the manifest), so whitenoise may cache it for ever.
                assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), path
                status, headers, body = _get(f"{base}{path}", **{"X-Forwarded-Proto": "https"})
                assert status == 200 and body, (path, status)
                assert "immutable" in headers.get("Cache-Control", ""), (path, headers)

            # Plain http, not through the proxy, is sent to https.
            opener = urllib.request.build_opener(_NoRedirect)
            with pytest.raises(urllib.error.HTTPError) as redirect:
                opener.open(login, timeout=10)
            assert redirect.value.code == 301
            assert redirect.value.headers["Location"].startswith("https://")
        finally:
            _stop(web)
        assert time.monotonic() - started < 60
