"""`make bench`: Casebook's pages under load at realistic size, measured over loopback,
against a baseline commit's code on the same machine, database and Redis.

Seeds the benchmark data if needed (manage.py seed_bench, PostgreSQL; BENCH_CASES or
--cases for a smaller set) and applies the work tree's migrations. Starts two gunicorns (2
workers each, DEBUG off, the same production-like settings and SECRET_KEY: see
production_env.py): the work tree's code on port 8765 and the baseline's on 8766. The
baseline is BENCH_BASELINE (a git ref, default 03f318e, the commit the redesign starts
from; BENCH_BASELINE=none skips it), checked out by bench/servers.py into
var/bench-baseline/<sha> (reused; nothing of it is imported here). Both run on the work
tree's schema. One session cookie, made here, is valid on both.

Each page, given by its plain URL path (the baseline may name its URLs differently), is
first requested once on each server: a page not answering 2xx there (or a server that did
not start) is reported as such and not measured on it. Then wrk (4 connections, a
BENCH_WARMUP s warm-up on each server, default 2) measures it BENCH_ROUNDS times (default
3), alternating baseline and current, BENCH_SECONDS s each (default 5), logged in as an
agent (a manager for the dashboard). Reported per page: the median requests/s, p50 and p99
of the rounds on each server and the ratio current/baseline, beside a floor (a do-nothing
view behind the same middleware) measured the same way.

Of the current code only: SQL queries per page counted in-process (on the seeded data, and
on a team of its own with 5 and with 50 cases for the pages that list rows: flagged above
10 or when the two sizes differ), EXPLAINs of the heavy queries (sequential scans on the
interactions table), the peak memory of a web worker (flagged at 150 MB) and of a Celery
worker, the email dispatch benchmark (bench/email_dispatch.py; BENCH_EMAIL=0 skips it) and
the live chat benchmark (bench/chat_load.py; BENCH_CHAT=0 skips it).
Prints a markdown table and saves it under bench/results/, with the machine's load average
and the bench's duration.
"""

import argparse
import datetime
import http.client
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT, BASELINE_PORT = 8765, 8766
BASE = f"http://127.0.0.1:{PORT}"
# The same production-like settings for this process and for both gunicorns, so that
# sessions made here are valid there.
from production_env import configure, ensure_database  # noqa: E402 (bench/ is the script folder)

configure(base_url=BASE, default_database="postgres://postgres@127.0.0.1:5432/casebook_bench", CASEBOOK_BENCH_FLOOR="1")
ensure_database()

import django  # noqa: E402

django.setup()

import servers  # noqa: E402 (bench/servers.py)
from django.conf import settings as django_settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from accounts.roles import Role  # noqa: E402
from accounts.services import user_create  # noqa: E402
from clients.models import OPEN_STATUSES, Case, CaseStatus  # noqa: E402
from clients.services import case_open, client_create  # noqa: E402
from interactions.models import FollowUpKind  # noqa: E402
from interactions.services import follow_up_schedule, interaction_log  # noqa: E402

VENV_BIN = Path(sys.executable).parent
WARMUP = f"{os.environ.get('BENCH_WARMUP', '2')}s"
DURATION = f"{os.environ.get('BENCH_SECONDS', '5')}s"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = 4
TARGETS = {  # page: (minimum ratio to the floor's requests/s, p99 limit in ms or None)
    "case list": (0.03, 50),
    "case list, filtered": (0.03, 50),
    "case detail": (0.03, 50),
    "client detail": (0.03, 50),
    "my day": (0.03, 50),
    "log a contact (POST)": (0.03, None),
    "search": (0.02, None),
    "dashboard (manager)": (0.02, None),
}
QUERY_LIMIT, RSS_LIMIT_MB = 10, 150
ROW_SIZES = (5, 50)  # the cases of a team of their own, for the queries at two data sizes
CSRF = secrets.token_hex(16)  # 32 characters: an unmasked token Django accepts
POST_BODY = (
    "channel=call&direction=inbound&mood=frustrated&duration_minutes=5"
    "&summary=Client+called+again+about+the+invoice%3B+promised+a+call+back+tomorrow."
)


def session_cookie(user: User) -> str:
    """A signed-in session of `user` for the current code's server."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(
        b for b in django_settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}; csrftoken={CSRF}"


def _headers(cookie: str) -> dict:
    return {"Cookie": cookie, "X-CSRFToken": CSRF, "HX-Request": "true"}


def probe(server: servers.Gunicorn, path: str, cookie: str, *, post: bool = False) -> str | None:
    """None when the page answers as it should (2xx; a POST may redirect, but not to the
    login page), else what it answered."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = _headers(cookie)
    if post:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request("POST" if post else "GET", path, POST_BODY if post else None, headers)
        response = conn.getresponse()
        response.read()
    except OSError as error:
        return f"no answer ({error})"
    finally:
        conn.close()
    status, location = response.status, response.getheader("Location", "")
    if 200 <= status < 300 or (post and 300 <= status < 400 and "login" not in location):
        return None
    if "login" in location:
        return f"HTTP {status} to {location} (the session made here is not accepted there)"
    return f"HTTP {status}" + (f" to {location}" if location else "")


def wrk(base: str, path: str, cookie: str, duration: str, *, post_paths: list[str] | None = None) -> dict:
    headers = [arg for name, value in _headers(cookie).items() for arg in ("-H", f"{name}: {value}")]
    args = ["-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency"]
    script = None
    if post_paths:
        paths = ", ".join(f'"{p}"' for p in post_paths)
        script = Path(tempfile.mkdtemp()) / "post.lua"
        script.write_text(
            f"paths = {{{paths}}}\n"
            'wrk.method = "POST"\n'
            f'wrk.body = "{POST_BODY}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
        )
        args += ["-s", str(script)]
    try:
        out = subprocess.run(["wrk", *args, *headers, f"{base}{path}"], check=True, capture_output=True, text=True)
    finally:
        if script:
            script.unlink()
            script.parent.rmdir()
    text = out.stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", text).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", text).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def measure(name: str, path: str, cookies: dict, live: dict, post_paths: list[str] | None) -> dict:
    """`cookies`: a session cookie for each server of `live`, by its label."""
    """The page on each live server: a warm-up each, then ROUNDS rounds of baseline then
    current. Returns, per server, the medians of the rounds, or why it was not measured."""
    outcome = {}
    for label, server in list(live.items()):
        failed = probe(server, post_paths[0] if post_paths else path, cookies[label], post=bool(post_paths))
        if failed:
            outcome[label] = {"failed": failed}
    servers_up = {label: server for label, server in live.items() if label not in outcome}
    rounds = {label: [] for label in servers_up}
    try:
        for server in servers_up.values():
            wrk(server.base, path, cookies[label], WARMUP, post_paths=post_paths)
        for _ in range(ROUNDS):
            for label, server in servers_up.items():
                rounds[label].append(wrk(server.base, path, cookies[label], DURATION, post_paths=post_paths))
    except (subprocess.CalledProcessError, AttributeError) as error:  # wrk failed, or printed no figures
        for label in servers_up:
            outcome.setdefault(label, {"failed": f"wrk failed: {error}"})
    for label, runs in rounds.items():
        if label in outcome or len(runs) < ROUNDS:
            continue
        outcome[label] = {key: statistics.median(run[key] for run in runs) for key in ("rps", "p50", "p99")} | {
            "errors": sum(run["errors"] for run in runs),
            "rounds": [run["rps"] for run in runs],
        }
    shown = "  ".join(
        f"{label} {r['rps']:7.0f} req/s ({' '.join(f'{x:.0f}' for x in r['rounds'])})"
        if "rps" in r
        else f"{label}: {r['failed']}"
        for label, r in sorted(outcome.items())
    )
    print(f"  {name:<24} {shown}", flush=True)
    return outcome


def count_queries(user: User, path: str, method: str = "get", data=None) -> tuple[int, list[str]]:
    client = TestClient(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    getattr(client, method)(path, data or {}, headers={"HX-Request": "true"})  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {}, headers={"HX-Request": "true"})
    assert response.status_code in (200, 302), (path, response.status_code)
    return len(queries), [q["sql"] for q in queries]


def rows_team(size: int) -> tuple[User, int]:
    """A team of its own ("Rows bench <size>", kept in the bench database for the next run)
    whose agent has `size` open cases on one client, each with a contact about an invoice
    and a follow-up due within the week: the case list, the client page, My day and the
    search each list `size` rows (search: at most 20 of a kind). Returns the agent and the
    client's id."""
    team, _ = Team.objects.get_or_create(name=f"Rows bench {size}")
    username = f"rows{size}-agent"
    agent = User.objects.filter(username=username).first()
    if agent and Case.objects.filter(team=team).count() == size:
        return agent, Case.objects.filter(team=team).values_list("client_id", flat=True).first()
    with transaction.atomic():
        Case.objects.filter(team=team).delete()
        if agent is None:
            agent = user_create(username=username, password=None, role=Role.AGENT, teams=[team])
        client = client_create(actor=agent, team=team, name=f"Rows bench client {size}", email="rows@example.com")
        for i in range(size):
            case = case_open(
                actor=agent,
                client=client,
                title=f"Invoice question {i}",
                owner=agent,
                problem_statement="The client does not understand the invoice.",
            )
            interaction_log(
                actor=agent,
                case=case,
                channel="call",
                direction="inbound",
                mood="calm",
                summary=f"Client called about the invoice ({i}).",
            )
            follow_up_schedule(
                actor=agent,
                case=case,
                kind=FollowUpKind.CALL_BACK,
                due_at=timezone.now() + timedelta(days=1, minutes=i),
            )
    return agent, client.pk


def queries_at_two_sizes() -> dict[str, dict[int, int]]:
    """The pages that list rows, with 5 and with 50 of them (the case list's page size set
    to 50 for both)."""
    counts = {}
    with override_settings(CASEBOOK_PAGE_SIZE=max(ROW_SIZES)):
        for size in ROW_SIZES:
            agent, client_id = rows_team(size)
            pages = {
                "case list": reverse("cases:list"),
                "client detail": reverse("clients:detail", args=[client_id]),
                "my day": reverse("my_day"),
                "search": f"{reverse('search')}?q=invoice",
            }
            for name, path in pages.items():
                counts.setdefault(name, {})[size] = count_queries(agent, path)[0]
    return counts


def interaction_plans(sqls: list[str]) -> list[str]:
    """EXPLAIN of each query of a page that reads the interactions table."""
    plans = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if "interactions_interaction" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute(f"EXPLAIN {sql}")
            plans.append(sql + "\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return plans


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def celery_worker_rss() -> float:
    worker = subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "casebook",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "bench-rss",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=dict(os.environ),
    )
    try:
        from casebook.health.tasks import heartbeat

        for _ in range(20):
            heartbeat.apply_async(queue="bench-rss")
        time.sleep(8)
        return peak_rss_mb(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def inbox_ingest_lines() -> list[str]:
    """Run the mail ingest benchmark (bench/inbox_ingest.py, its own Dovecot and throw-away
    database) and bring its figures into this report. BENCH_INBOX=0 skips it."""
    if os.environ.get("BENCH_INBOX", "1") == "0":
        return ["Inbox ingest: not run (BENCH_INBOX=0)."]
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "inbox_ingest.py")],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith(("plain", "inbox", "ratio", "queries"))]
    return (
        ["Inbox ingest (bench/inbox_ingest.py):", *(f"- {line}" for line in lines)]
        if lines
        else ["Inbox ingest: the benchmark printed no result: " + run.stderr[-500:]]
    )


def chat_load_lines() -> list[str]:
    """Run the live chat benchmark (bench/chat_load.py: 200 chats through one daphne against
    a bare echo consumer, its own throw-away database) and bring its figures into this
    report. BENCH_CHAT=0 skips it."""
    if os.environ.get("BENCH_CHAT", "1") == "0":
        return ["Live chat: not run (BENCH_CHAT=0)."]
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "chat_load.py")],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith(("chat", "echo", "ratio", "stored"))]
    return (
        ["Live chat (bench/chat_load.py):", *(f"- {line}" for line in lines)]
        if lines
        else ["Live chat: the benchmark printed no result: " + run.stderr[-500:]]
    )


def email_dispatch_lines() -> list[str]:
    """Run the email dispatch benchmark (bench/email_dispatch.py, its own throw-away
    database) and bring its ratios into this report. BENCH_EMAIL=0 skips it."""
    if os.environ.get("BENCH_EMAIL", "1") == "0":
        return ["Email dispatch: not run (BENCH_EMAIL=0)."]
    started = time.time()
    subprocess.run([sys.executable, str(ROOT / "bench" / "email_dispatch.py")], cwd=ROOT, env=dict(os.environ))
    written = [p for p in (ROOT / "bench" / "results").glob("email_dispatch-*.txt") if p.stat().st_mtime >= started]
    if not written:
        return ["Email dispatch: the benchmark wrote no result (see its output above)."]
    text = written[0].read_text()
    ratios = {
        stage: re.search(rf"ratio, {stage}:\s+([\d.]+)", text).group(1) for stage in ("sending stage", "end to end")
    }
    return [
        f"Email dispatch ({written[0].relative_to(ROOT)}): 10,000 due follow-up emails through one Celery worker "
        f"against a plain smtplib loop: end to end ratio {ratios['end to end']}, sending stage "
        f"{ratios['sending stage']} (target >= 0.5).",
    ]


def machine_load_line(before: tuple[float, float, float]) -> str:
    """The load average before and after: figures taken on a busy machine are lower."""
    after = os.getloadavg()
    return (
        f"Machine load average (1, 5, 15 min): {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} before the run, "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} after ({os.cpu_count()} cores)."
    )


# Run by the baseline's own code, in its own database: a signed-in session, its key printed.
BASELINE_SESSION = """
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
user = get_user_model().objects.get(username={username!r})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def baseline_manage(server: servers.Gunicorn, *args: str) -> str:
    """manage.py of the baseline's code, in its environment (its own database); its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=server.path, env=server.env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise servers.Unavailable(f"manage.py {args[0]} failed: {result.stderr[-800:]}")
    return result.stdout


def baseline_cookie(server: servers.Gunicorn, user: User) -> str:
    key = baseline_manage(server, "shell", "-c", BASELINE_SESSION.format(username=user.username)).split()[-1]
    return f"sessionid={key}; csrftoken={CSRF}"


def baseline_database_url(url: str) -> str:
    """The baseline's own database beside the current one (its schema is its own)."""
    return f"{url}_baseline"


def baseline_redis_url(url: str) -> str:
    """The next Redis database number after the current code's (e.g. /0 -> /1)."""
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) + 1}" if base and number.isdigit() else url


# Whether the baseline's database holds the benchmark data (by app label: any layout).
BASELINE_HAS_DATA = (
    "from django.apps import apps\n"
    "Team = apps.get_model('accounts', 'Team')\n"
    "print(' '.join(Team.objects.filter(name__startswith='Bench team').values_list('name', flat=True)[:1]))"
)


def start_baseline(env: dict, cases: int) -> tuple[servers.Gunicorn | None, str]:
    """The baseline's gunicorn, started, and a line naming it; None and why when there is
    none (BENCH_BASELINE=none, a ref git does not know, a server that does not start)."""
    ref = servers.baseline_ref()
    if ref is None:
        return None, "Baseline: none (BENCH_BASELINE=none)."
    try:
        sha, path = servers.checkout(ref)
        subject = subprocess.run(
            ["git", "log", "-1", "--format=%s", sha], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        # A database and a Redis database of its own: each version has its own schema, and
        # their cached objects need not read alike. The same seed gives the same rows.
        env = {
            **env,
            "DATABASE_URL": baseline_database_url(env["DATABASE_URL"]),
            "REDIS_URL": baseline_redis_url(env.get("REDIS_URL", "")),
        }
        ensure_database(env["DATABASE_URL"])
        servers.collectstatic(path, env)
        log = ROOT / "var" / "bench-baseline" / f"{sha}-gunicorn.log"
        server = servers.Gunicorn("baseline", path, BASELINE_PORT, env, log=log)
        baseline_manage(server, "migrate", "--noinput")
        if "Bench team" not in baseline_manage(server, "shell", "-c", BASELINE_HAS_DATA):
            print("Seeding the baseline's database with its own code (the same seed)...", flush=True)
            baseline_manage(server, "seed_bench", "--cases", str(cases), "--clients", str(max(100, cases // 10)))
        server.start()
    except servers.Unavailable as error:
        message = f"Baseline {ref}: NOT MEASURED, {error}"
        print(message, flush=True)
        return None, message
    return server, (
        f"Baseline: {ref} = {sha[:10]} ({subject[:80]}), served from {path.relative_to(ROOT)} "
        f"(log: {log.relative_to(ROOT)}); current: the work tree."
    )


def main() -> None:
    started = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", "100000")))
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    if not Case.objects.filter(team__name__startswith="Bench team").exists():
        call_command("seed_bench", cases=args.cases, clients=max(100, args.cases // 10))
    call_command("collectstatic", verbosity=0, interactive=False)
    total_cases = Case.objects.count()

    agent = User.objects.filter(username__startswith="bench", groups__name="Agents").order_by("pk").first()
    manager = User.objects.filter(username__startswith="bench", groups__name="Managers", teams__in=agent.teams.all())
    manager = manager.first()
    team_cases = Case.objects.filter(team__in=agent.teams.all())
    detail_case = team_cases.filter(status=CaseStatus.IN_PROGRESS).order_by("pk").first()
    open_cases = team_cases.filter(status__in=OPEN_STATUSES).order_by("-pk").values_list("pk", flat=True)[:500]
    post_paths = [reverse("cases:log_interaction", args=[pk]) for pk in open_cases]
    # Plain paths, resolved here by the current code: the baseline is driven by them too.
    pages = {
        "floor": reverse("bench_floor"),
        "case list": reverse("cases:list"),
        "case list, filtered": f"{reverse('cases:list')}?status=in_progress&owner={agent.pk}",
        "case detail": reverse("cases:detail", args=[detail_case.pk]),
        "client detail": reverse("clients:detail", args=[detail_case.client_id]),
        "my day": reverse("my_day"),
        "search": f"{reverse('search')}?q=invoice",
        "dashboard (manager)": reverse("dashboard"),
    }
    load_before = os.getloadavg()

    env = dict(os.environ)
    current = servers.Gunicorn("current", ROOT, PORT, env)
    baseline, baseline_line = start_baseline(env, args.cases)
    live = {"baseline": baseline} if baseline else {}
    results, baseline_rss = {}, None
    try:
        current.start()
        live["current"] = current
        agent_cookies = {"current": session_cookie(agent)}
        manager_cookies = {"current": session_cookie(manager)}
        if baseline:
            agent_cookies["baseline"] = baseline_cookie(baseline, agent)
            manager_cookies["baseline"] = baseline_cookie(baseline, manager)
        for name, path in pages.items():
            cookies = manager_cookies if "manager" in name else agent_cookies
            results[name] = measure(name, path, cookies, live, None)
        results["log a contact (POST)"] = measure("log a contact (POST)", "/", agent_cookies, live, post_paths)
        web_rss = max(peak_rss_mb(pid) for pid in current.workers())
        if baseline:
            baseline_rss = max(peak_rss_mb(pid) for pid in baseline.workers())
    finally:
        current.stop()
        if baseline:
            baseline.stop()
    if not baseline:  # the line under the table's title says why
        for outcome in results.values():
            outcome["baseline"] = {"failed": ""}

    queries, plans = {}, {}
    for name, path in pages.items():
        user = manager if "manager" in name else agent
        queries[name], sqls = count_queries(user, path)
        plans[name] = interaction_plans(sqls)
    post_data = {"channel": "call", "direction": "inbound", "mood": "calm", "summary": "Bench contact."}
    queries["log a contact (POST)"], _ = count_queries(agent, post_paths[0], "post", post_data)
    by_size = queries_at_two_sizes()
    celery_rss = celery_worker_rss()

    # Named by the minute (UTC): several runs a day each keep their own files.
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H%M")
    explain_file = ROOT / "bench" / "results" / f"bench-{stamp}-explain.txt"
    explain_file.write_text(
        "".join(f"== {name}\n" + "\n\n".join(found) + "\n\n" for name, found in plans.items() if found)
    )
    for name in ("case list", "case detail", "search"):
        print(f"\nEXPLAIN, {name}, queries on interactions_interaction:\n" + ("\n\n".join(plans[name]) or "(none)"))
    lines = [
        f"# make bench, {stamp} UTC",
        "",
        f"{total_cases:,} cases on PostgreSQL; each server gunicorn 2 workers, DEBUG off; wrk, {CONNECTIONS} "
        f"connections, {WARMUP} warm-up on each server, then {ROUNDS} rounds of {DURATION} on the baseline then "
        f"{DURATION} on the current code; medians of the rounds; machine: {os.cpu_count()} cores.",
        baseline_line,
        "",
        *results_table(results, queries),
        "",
        "Queries per request with 5 and with 50 rows listed (a team of its own; current code):",
        "",
        "| page | 5 rows | 50 rows | |",
        "|---|---:|---:|---|",
    ]
    for name, counts in by_size.items():
        small, large = (counts[size] for size in ROW_SIZES)
        flags = [f"> {QUERY_LIMIT}"] * (max(small, large) > QUERY_LIMIT) + ["GROWS"] * (small != large)
        lines.append(f"| {name} | {small} | {large} | {', '.join(flags) or 'ok'} |")
    rss_flag = "ok" if web_rss < RSS_LIMIT_MB else "OVER"
    lines += [
        "",
        f"Peak RSS: web worker {web_rss:.0f} MB (target < {RSS_LIMIT_MB} MB: {rss_flag})"
        + (f", baseline's {baseline_rss:.0f} MB" if baseline_rss else "")
        + f"; Celery worker {celery_rss:.0f} MB.",
        "Sequential scans on interactions_interaction: "
        + (
            ", ".join(
                name for name, found in plans.items() if any("Seq Scan on interactions_interaction" in p for p in found)
            )
            or "none"
        )
        + f" (the plans: {explain_file.relative_to(ROOT)}).",
    ]
    lines += ["", *email_dispatch_lines(), "", *inbox_ingest_lines(), "", *chat_load_lines()]
    lines += ["", machine_load_line(load_before)]
    lines.append(f"The bench took {(time.monotonic() - started) / 60:.1f} min.")
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    out = ROOT / "bench" / "results" / f"bench-{stamp}.md"
    out.write_text(report)
    print(f"Saved to {out.relative_to(ROOT)}")


def results_table(results: dict, queries: dict) -> list[str]:
    """One row a page: each server's median req/s, p50 and p99, the ratio current/baseline,
    and the current code's queries, ratio to its floor and targets."""
    floor = results["floor"]["current"].get("rps")
    lines = [
        "| page | baseline req/s | current req/s | current/baseline | p50 ms base / cur | p99 ms base / cur "
        "| queries/request | current/floor | target | non-2xx base / cur |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, outcome in results.items():
        base, cur = outcome["baseline"], outcome["current"]
        ratio = f"{cur['rps'] / base['rps']:.2f}" if "rps" in base and "rps" in cur and base["rps"] else "-"
        to_floor = cur["rps"] / floor if "rps" in cur and floor else None
        target, goal = TARGETS.get(name), ""
        if target and to_floor is not None:
            ok = to_floor >= target[0] and (target[1] is None or cur["p99"] <= target[1])
            ok = ok and queries[name] <= QUERY_LIMIT
            goal = (
                f">= {target[0]}x" + (f", p99 <= {target[1]} ms" if target[1] else "") + f", <= {QUERY_LIMIT} queries"
            )
            goal += " ok" if ok else " MISSED"
        errors = " / ".join(str(r["errors"]) if "errors" in r else "-" for r in (base, cur))
        latency = f"{_both(base, cur, 'p50')} | {_both(base, cur, 'p99')}"
        lines.append(
            f"| {name} | {_rps(base)} | {_rps(cur)} | {ratio} | {latency} | "
            f"{queries.get(name, '-')} | {f'{to_floor:.3f}' if to_floor is not None else '-'} | {goal} | {errors} |"
        )
    return lines


def _rps(result: dict) -> str:
    if "rps" in result:
        return f"{result['rps']:.0f}"
    return f"NOT MEASURED: {result['failed']}" if result["failed"] else "-"


def _both(base: dict, cur: dict, key: str) -> str:
    return " / ".join(f"{r[key]:.1f}" if key in r else "-" for r in (base, cur))


if __name__ == "__main__":
    main()
