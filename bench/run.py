"""`make bench`: Casebook's pages under load at realistic size, measured over loopback.

Seeds the benchmark data if needed (manage.py seed_bench, PostgreSQL), starts gunicorn
(2 workers, DEBUG off), drives each page with wrk (4 connections, 3 s warm-up, 15 s
measured) logged in as an agent (a manager for the dashboard), and measures a floor: a
do-nothing view behind the same middleware. It also counts SQL queries per page in-process
(the test suite checks that they do not grow with the data), EXPLAINs the heavy queries to
catch sequential scans on the interactions table, reads the peak memory of a web worker
and of a Celery worker, and runs the email dispatch benchmark (bench/email_dispatch.py).
Prints a table and saves it under bench/results/, with the machine's load average.
"""

import argparse
import datetime
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
# The same production-like settings for this process and for gunicorn, so that sessions
# made here are valid there.
from production_env import configure, ensure_database  # noqa: E402 (bench/ is the script folder)

configure(base_url=BASE, default_database="postgres://postgres@127.0.0.1:5432/casebook_bench", CASEBOOK_BENCH_FLOOR="1")
ensure_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from clients.models import OPEN_STATUSES, Case, CaseStatus  # noqa: E402

VENV_BIN = Path(sys.executable).parent
WARMUP, DURATION, CONNECTIONS = "3s", "15s", 4
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
CSRF = secrets.token_hex(16)  # 32 characters: an unmasked token Django accepts


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}; csrftoken={CSRF}"


def wrk(path_or_script: str, cookie: str, *, post_paths: list[str] | None = None) -> dict:
    headers = ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {CSRF}", "-H", "HX-Request: true"]
    args = ["-t2", f"-c{CONNECTIONS}"]
    script = None
    if post_paths:
        paths = ", ".join(f'"{p}"' for p in post_paths)
        script = Path(tempfile.mkdtemp()) / "post.lua"
        script.write_text(
            f"paths = {{{paths}}}\n"
            'wrk.method = "POST"\n'
            'wrk.body = "channel=call&direction=inbound&mood=frustrated&duration_minutes=5'
            '&summary=Client+called+again+about+the+invoice%3B+promised+a+call+back+tomorrow."\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
        )
        args += ["-s", str(script)]
    url = f"{BASE}{path_or_script}"
    subprocess.run(["wrk", *args, f"-d{WARMUP}", *headers, url], check=True, capture_output=True)
    out = subprocess.run(
        ["wrk", *args, f"-d{DURATION}", "--latency", *headers, url], check=True, capture_output=True, text=True
    ).stdout
    if script:
        script.unlink()
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def count_queries(user: User, path: str, method: str = "get", data=None) -> tuple[int, list[str]]:
    client = TestClient(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    getattr(client, method)(path, data or {}, headers={"HX-Request": "true"})  # warm caches
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path, data or {}, headers={"HX-Request": "true"})
    assert response.status_code in (200, 302), (path, response.status_code)
    return len(queries), [q["sql"] for q in queries]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
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
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "casebook.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        agent_cookie, manager_cookie = session_cookie(agent), session_cookie(manager)
        results = {}
        for name, path in pages.items():
            cookie = manager_cookie if "manager" in name else agent_cookie
            results[name] = wrk(path, cookie)
            print(f"  {name:<24} {results[name]['rps']:8.0f} req/s", flush=True)
        results["log a contact (POST)"] = wrk("/", agent_cookie, post_paths=post_paths)
        print(f"  {'log a contact (POST)':<24} {results['log a contact (POST)']['rps']:8.0f} req/s", flush=True)
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        web_rss = max(peak_rss_mb(int(pid)) for pid in workers)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    queries, plans = {}, {}
    for name, path in pages.items():
        user = manager if "manager" in name else agent
        queries[name], sqls = count_queries(user, path)
        plans[name] = interaction_plans(sqls)
    post_data = {"channel": "call", "direction": "inbound", "mood": "calm", "summary": "Bench contact."}
    queries["log a contact (POST)"], _ = count_queries(agent, post_paths[0], "post", post_data)
    celery_rss = celery_worker_rss()

    # Named by the minute (UTC): several runs a day each keep their own files.
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H%M")
    explain_file = ROOT / "bench" / "results" / f"bench-{stamp}-explain.txt"
    explain_file.write_text(
        "".join(f"== {name}\n" + "\n\n".join(found) + "\n\n" for name, found in plans.items() if found)
    )
    for name in ("case list", "case detail", "search"):
        print(f"\nEXPLAIN, {name}, queries on interactions_interaction:\n" + ("\n\n".join(plans[name]) or "(none)"))
    floor = results["floor"]["rps"]
    lines = [
        f"# make bench, {stamp} UTC",
        "",
        f"{total_cases:,} cases on PostgreSQL; gunicorn 2 workers, DEBUG off; wrk, {CONNECTIONS} connections, "
        f"{WARMUP} warm-up, {DURATION} measured; machine: {os.cpu_count()} cores.",
        "",
        "| page | req/s | p50 ms | p99 ms | queries/request | ratio to floor | target | errors |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    verdicts = []
    for name, r in results.items():
        ratio = r["rps"] / floor
        target = TARGETS.get(name)
        if target:
            ok = ratio >= target[0] and (target[1] is None or r["p99"] <= target[1]) and queries[name] <= 10
            goal = f">= {target[0]}x" + (f", p99 <= {target[1]} ms" if target[1] else "") + ", <= 10 queries"
            verdicts.append(ok)
            goal += " ok" if ok else " MISSED"
        else:
            goal = ""
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {queries.get(name, '-')} | "
            f"{ratio:.3f} | {goal} | {r['errors']} |"
        )
    lines += [
        "",
        f"Peak RSS: web worker {web_rss:.0f} MB (target < 150 MB); Celery worker {celery_rss:.0f} MB.",
        "Sequential scans on interactions_interaction: "
        + (
            ", ".join(
                name for name, found in plans.items() if any("Seq Scan on interactions_interaction" in p for p in found)
            )
            or "none"
        )
        + f" (the plans: {explain_file.relative_to(ROOT)}).",
    ]
    lines += ["", *email_dispatch_lines(), "", machine_load_line(load_before)]
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    out = ROOT / "bench" / "results" / f"bench-{stamp}.md"
    out.write_text(report)
    print(f"Saved to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
