"""Benchmark (not a test): 10,000 due follow-up emails delivered by ONE Celery worker,
against a plain smtplib loop sending the same 10,000 messages to the same SMTP sink.

    make bench-email                      # uses DATABASE_URL / REDIS_URL like everything else
    BENCH_N=2000 make bench-email         # a smaller run

It creates a throw-away database (bench_<name> beside DATABASE_URL's, dropped at the end),
10,000 "email the client" follow-ups already due, and an aiosmtpd sink on a free port.
Then:
  1. the smtplib loop: one connection, the same 10,000 rendered messages, timed;
  2. one worker (two pool processes as in the Procfile; BENCH_CONCURRENCY=0 for a solo
     pool), started and answering before the clock
     starts (its start-up is NOT counted); then the sweep task is queued, as beat queues
     it, and the clock runs until the sink has all 10,000: the sweep turns the due
     follow-ups into outbox rows batch by batch, hands each batch to the worker on
     commit, and the worker delivers them.
It prints three clearly separated figures, each as the ratio smtplib_time / time (target
>= 0.5): the loop itself, the sending stage (first hand-off to SMTP -> last sent, from
the rows' own timestamps) and end to end (sweep queued -> all delivered).
"""

import os
import smtplib
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")
os.environ.setdefault("CASEBOOK_BASE_URL", "http://127.0.0.1:8000")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

N = int(os.environ.get("BENCH_N", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))  # the Procfile's default; 0: a solo pool


class CountingSink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def main() -> None:
    import logging
    import tempfile

    # aiosmtpd logs every SMTP command at INFO; that would slow the sink for both sides.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    from accounts.services import roles_sync, user_create
    from clients.models import Case, CaseStatus
    from clients.services import case_open, client_create
    from core.testing import celery_worker, smtp_server
    from interactions.models import EmailStatus, FollowUp, FollowUpKind, OutgoingEmail
    from interactions.outbox import _message, render_email

    old_name = connection.settings_dict["NAME"]
    # Its own database, never the one pytest uses for the same DATABASE_URL.
    if connection.vendor == "postgresql":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}"
    else:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        roles_sync()
        from accounts.models import Team

        team = Team.objects.create(name="Bench")
        agent = user_create(
            username="bench", password=uuid.uuid4().hex, role="agent", teams=[team], email="agent@example.com"
        )
        client = client_create(actor=agent, team=team, name="Bench Client", email="client@example.com")
        case = case_open(actor=agent, client=client, title="Throughput", owner=agent)
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_PROGRESS)
        due = timezone.now() - timedelta(seconds=1)
        FollowUp.objects.bulk_create(
            FollowUp(
                case=case, owner=agent, kind=FollowUpKind.EMAIL_CLIENT, due_at=due,
                note=f"Promised message number {i}: your replacement part ships on Monday.",
            )
            for i in range(N)
        )  # fmt: skip

        with smtp_server(CountingSink()) as (port, sink):
            # 1. The plain loop: the same N messages (rendered from the same templates and
            # built before the clock starts), sent one after the other over one connection.
            raws = []
            for i in range(N):
                subject, text, html = render_email(
                    "follow_up_client",
                    {"client": client, "case": case, "sender": agent,
                     "message": f"Promised message number {i}: your replacement part ships on Monday."},
                )  # fmt: skip
                row = OutgoingEmail(pk=i + 1, to_email=client.email, to_name=client.name, subject=subject,
                                    body_text=text, body_html=html)  # fmt: skip
                raws.append(_message(row, None).message().as_bytes(linesep="\r\n"))
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for raw in raws:
                    smtp.sendmail("casebook@localhost", [client.email], raw)
            loop_seconds = time.perf_counter() - started
            assert sink.count == N, sink.count
            sink.count = 0

            # 2. One worker, through the outbox; the sweep is queued by hand, as beat would.
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            env = {
                "EMAIL_URL": f"smtp://127.0.0.1:{port}",
                "CELERY_TASK_DEFAULT_QUEUE": queue,
                "CASEBOOK_VAR_DIR": tempfile.mkdtemp(prefix="casebook-bench-"),
                # Beat as in production, only as the safety net: a sweep that reaches half its
                # time limit leaves the rest to the next one. The clock starts with the sweep
                # queued below, before beat's first one is due.
                "CASEBOOK_SWEEP_SECONDS": "10",
                "LOG_LEVEL": "WARNING",
                # Production mode: with DEBUG on, Django keeps and formats every query.
                "DEBUG": "0",
                "SECRET_KEY": uuid.uuid4().hex * 2,
                "ALLOWED_HOSTS": "127.0.0.1",
                "CASEBOOK_BASE_URL": "http://127.0.0.1:8000",
            }
            from casebook.celery import app
            from interactions.tasks import sweep

            # One worker as the Procfile runs it (two pool processes), so the sweep writing rows
            # and the delivery of the first batches overlap.
            with celery_worker(queue=queue, beat=True, extra_env=env, concurrency=CONCURRENCY):
                deadline = time.monotonic() + 120
                while not app.control.ping(timeout=0.5):
                    if time.monotonic() > deadline:
                        raise SystemExit("the worker did not start within 2 minutes")
                started_wall = timezone.now()
                started = time.perf_counter()
                sweep.apply_async(queue=queue)
                deadline = time.monotonic() + 900
                while sink.count < N:
                    if time.monotonic() > deadline:
                        raise SystemExit("worker did not deliver everything within 15 minutes")
                    time.sleep(0.05)
                worker_seconds = time.perf_counter() - started
                while OutgoingEmail.objects.filter(status=EmailStatus.SENT).count() < N:
                    time.sleep(0.1)  # the last "sent" mark follows the sink's count by one UPDATE
            times = OutgoingEmail.objects.aggregate(
                written=Max("created_at"), first_handed=Min("handed_to_smtp_at"), last=Max("sent_at")
            )
            sweep_seconds = (times["written"] - started_wall).total_seconds()
            sending_seconds = (times["last"] - times["first_handed"]).total_seconds()
            assert sink.count == N, f"sink received {sink.count}, expected exactly {N}"
            assert OutgoingEmail.objects.count() == N

        vendor = connection.vendor
        broker = "redis" if os.environ.get("REDIS_URL") else "filesystem"
        lines = [
            f"email dispatch benchmark, {timezone.now():%Y-%m-%d %H:%M} UTC, {vendor} + {broker}, N={N}",
            f"plain smtplib loop (one connection):            {loop_seconds:8.2f} s  ({N / loop_seconds:7.0f} msg/s)",
            f"one worker, sending (1st hand-off -> last sent): {sending_seconds:8.2f} s"
            f"  ({N / sending_seconds:7.0f} msg/s)",
            f"one worker, end to end (due -> all delivered):   {worker_seconds:8.2f} s"
            f"  ({N / worker_seconds:7.0f} msg/s)",
            f"  of which the sweep wrote the last outbox row after {sweep_seconds:.2f} s",
            f"ratio, smtplib loop:  1.00  (the reference, {loop_seconds:.2f} s)",
            f"ratio, sending stage: {loop_seconds / sending_seconds:.2f}  (target >= 0.5)",
            f"ratio, end to end:    {loop_seconds / worker_seconds:.2f}  (target >= 0.5; {N} due follow-ups -> all"
            f" delivered, worker already running, start-up excluded; sweep queued at {started_wall:%H:%M:%S})",
            f"sink received exactly {sink.count} messages from the worker",
        ]
        print("\n".join(lines))
        results = Path(__file__).resolve().parent / "results"
        results.mkdir(exist_ok=True)
        out = results / f"email_dispatch-{timezone.now():%Y-%m-%d}-{vendor}.txt"
        out.write_text("\n".join(lines) + "\n")
        print(f"written to {out}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
