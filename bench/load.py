"""make load: 20,000 contact-logging POSTs from 16 concurrent clients against gunicorn on
PostgreSQL, then proof that nothing was lost or doubled.

Production-like settings (DEBUG off), a session cookie made in-process and a CSRF header,
as bench/run.py does. wrk drives the load: 16 threads with one connection each, so each
connection sends its next request only after the answer to the previous one, and each
thread stops after exactly its share. Every request carries a unique summary (thread and
number), so afterwards the rows are counted against the requests that got a success
answer, and duplicates are looked for. Results go to bench/results/load-<time>.json.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("LOAD_PORT", "8766"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS, CLIENTS, TIME_LIMIT_S = int(os.environ.get("LOAD_REQUESTS", "20000")), 16, 600
from production_env import configure, ensure_database  # noqa: E402 (bench/ is the script folder)

configure(base_url=BASE, default_database="postgres://postgres@127.0.0.1:5432/casebook_load")
ensure_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from accounts.models import User  # noqa: E402
from clients.models import Case  # noqa: E402
from interactions.models import Interaction  # noqa: E402

CSRF = secrets.token_hex(16)
RUN = secrets.token_hex(4)  # marks this run's rows
LUA = """
local threads, counter = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  quota, paths, sent, ok, failed, server_errors = tonumber(args[1]), {}, 0, 0, 0, 0
  for i = 2, #args do paths[#paths + 1] = args[i] end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
  sent = sent + 1
  local body = "channel=call&direction=inbound&mood=frustrated&duration_minutes=5"
    .. "&summary=load-RUN-" .. id .. "-" .. sent
  return wrk.format(nil, paths[(sent % #paths) + 1], nil, body)
end
function response(status, headers, body)
  if status >= 200 and status < 400 then ok = ok + 1 else failed = failed + 1 end
  if status >= 500 then server_errors = server_errors + 1 end
  if ok + failed >= quota then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local t_ok, t_failed, t_5xx = 0, 0, 0
  for _, thread in ipairs(threads) do
    t_ok = t_ok + thread:get("ok")
    t_failed = t_failed + thread:get("failed")
    t_5xx = t_5xx + thread:get("server_errors")
  end
  io.write(string.format("LOAD ok=%d failed=%d server_errors=%d p50_us=%d p99_us=%d\\n",
    t_ok, t_failed, t_5xx, latency:percentile(50), latency:percentile(99)))
end
"""


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}; csrftoken={CSRF}"


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("make load needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    agent = User.objects.get(username="agent")
    cases = list(Case.objects.filter(team__in=agent.teams.all()).values_list("pk", flat=True)[:20])
    paths = [f"/cases/{pk}/interactions/" for pk in cases]
    script = Path(tempfile.mkdtemp()) / "load.lua"
    script.write_text(LUA.replace("RUN", RUN))
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "casebook.wsgi", "--workers", "2", "--threads", "4",
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
        cwd=ROOT, env=dict(os.environ),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookie = session_cookie(agent)
        started = time.monotonic()
        load = subprocess.Popen(
            ["wrk", f"-t{CLIENTS}", f"-c{CLIENTS}", f"-d{TIME_LIMIT_S}s", "--timeout", "30s", "-s", str(script),
             "-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {CSRF}", "-H", "HX-Request: true",
             f"{BASE}/", "--", str(REQUESTS // CLIENTS), *paths],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        # A wrk thread that has sent its share goes quiet but wrk itself waits for -d: once
        # the rows stop growing, SIGINT makes it print its summary (done()) and exit.
        rows = Interaction.objects.filter(summary__startswith=f"load-{RUN}-")
        last, quiet_since = -1, time.monotonic()
        while load.poll() is None and time.monotonic() - started < TIME_LIMIT_S:
            time.sleep(1)
            count = rows.count()
            if count != last:
                last, quiet_since = count, time.monotonic()
            elif time.monotonic() - quiet_since > 5:
                break
        finished = time.monotonic()
        load.send_signal(signal.SIGINT)
        out = load.communicate(timeout=60)[0]
        elapsed = finished - started - (5 if last >= 0 else 0)
    finally:
        server.terminate()
        server.wait(timeout=30)
    found = re.search(r"LOAD ok=(\d+) failed=(\d+) server_errors=(\d+) p50_us=(\d+) p99_us=(\d+)", out)
    ok, failed, server_errors, p50, p99 = (int(g) for g in found.groups())
    rows = Interaction.objects.filter(summary__startswith=f"load-{RUN}-")
    stored = rows.count()
    duplicated = rows.values("summary").annotate(n=Count("id")).filter(n__gt=1).count()
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "requests": ok + failed,
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "requests_per_s": round((ok + failed) / elapsed, 1),
        "p50_ms": round(p50 / 1000, 1),
        "p99_ms": round(p99 / 1000, 1),
        "success": ok,
        "failed": failed,
        "5xx": server_errors,
        "rows_stored": stored,
        "lost": max(ok - stored, 0),
        "extra_rows": max(stored - ok, 0),
        "duplicated_summaries": duplicated,
        "setup": "gunicorn 2 workers x 4 threads, DEBUG off, PostgreSQL, wrk 16 connections on loopback",
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"load-{datetime.now(UTC):%Y%m%dT%H%M%S}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    proven = result["requests"] == REQUESTS and server_errors == 0 and failed == 0 and stored == ok and not duplicated
    sys.exit(0 if proven else "load: 5xx, failures, lost or duplicated rows (see above)")


if __name__ == "__main__":
    main()
