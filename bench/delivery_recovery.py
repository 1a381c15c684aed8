"""Measurement (not a test): how long a batch takes to recover from a killed worker, with
the DEFAULT lease and sweep settings (the integration test shortens them).

    DATABASE_URL=postgres://... REDIS_URL=redis://.../5 .venv/bin/python bench/delivery_recovery.py

The scenario of interactions/tests/test_delivery_integration.py's mid-batch test: a
throw-away database (bench_<name>, dropped at the end), 200 due outbox rows, an aiosmtpd
sink that holds back its reply to the 20th message, one worker with beat (settings as in
production: CASEBOOK_OUTBOX_LEASE_SECONDS, CASEBOOK_SWEEP_SECONDS,
CASEBOOK_OUTBOX_REQUEUE_SECONDS untouched). Once 20 messages have arrived the worker is
SIGKILLed and a new one started at once; the clock runs from the kill to the arrival of
the 200th distinct Message-ID. Takes about three minutes.
"""

import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebook.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

N = 200
HOLD_AT = 20


def main() -> None:
    import asyncio
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    from casebook.accounts.models import Team
    from casebook.accounts.services import roles_sync, user_create
    from casebook.testing import RecordingHandler, celery_worker, kill_worker, smtp_server
    from clients.services import case_open, client_create
    from interactions.models import EmailStatus, OutgoingEmail
    from interactions.outbox import outbox_enqueue_many

    class HoldReply(RecordingHandler):
        def __init__(self):
            super().__init__()
            self.reached, self.release = threading.Event(), threading.Event()

        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            self.last_arrival = time.monotonic()
            if len(self.messages) == HOLD_AT:
                self.reached.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
            return reply

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        raise SystemExit("needs DATABASE_URL=postgres://... and REDIS_URL=redis://... (not db 0)")
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{old_name}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        roles_sync()
        team = Team.objects.create(name="Bench")
        agent = user_create(
            username="bench", password=uuid.uuid4().hex, role="agent", teams=[team], email="agent@example.com"
        )
        client = client_create(actor=agent, team=team, name="Bench Client", email="client@example.com")
        case = case_open(actor=agent, client=client, title="Recovery", owner=agent)
        context = {"client": client, "case": case, "subject": "Recovery", "message": "M", "sender": agent}
        outbox_enqueue_many(
            emails=[
                {"cause_key": f"bench:recovery:{n}", "to_email": f"client{n}@example.com", "template": "client_summary",
                 "context": context, "case": case, "owner": agent, "to_client": True}
                for n in range(N)
            ],
            hand_now=False,
        )  # fmt: skip
        handler = HoldReply()
        with smtp_server(handler) as (port, sink):
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            env = {
                "EMAIL_URL": f"smtp://127.0.0.1:{port}",
                "CELERY_TASK_DEFAULT_QUEUE": queue,
                "CASEBOOK_VAR_DIR": tempfile.mkdtemp(prefix="casebook-recovery-"),
                "CASEBOOK_BASE_URL": "https://casebook.example",
                "LOG_LEVEL": "WARNING",
            }
            from interactions.tasks import sweep

            with celery_worker(queue=queue, beat=True, extra_env=env) as worker:
                sweep.apply_async(queue=queue)  # beat's first sweep only comes one interval after start
                if not handler.reached.wait(timeout=180):
                    raise SystemExit("the worker never got 20 messages through")
                kill_worker(worker)
            killed_at, killed_wall = time.monotonic(), timezone.now()
            handler.release.set()
            lease_ends = (
                OutgoingEmail.objects.filter(status=EmailStatus.PENDING).order_by("claimed_until").first().claimed_until
            )
            with celery_worker(queue=queue, beat=True, extra_env=env):
                deadline = time.monotonic() + 900
                while len({m["Message-ID"] for m in sink.messages}) < N:
                    if time.monotonic() > deadline:
                        raise SystemExit("not everything was delivered within 15 minutes")
                    time.sleep(0.05)
                recovered = handler.last_arrival - killed_at
                time.sleep(2)
            ids = [m["Message-ID"] for m in sink.messages]
        lines = [
            f"delivery recovery, {timezone.now():%Y-%m-%d %H:%M} UTC, postgresql + redis, default settings:"
            f" lease {settings.CASEBOOK_OUTBOX_LEASE_SECONDS:g} s, sweep every"
            f" {settings.CELERY_BEAT_SCHEDULE['follow-ups-sweep']['schedule']:g} s,"
            f" requeue {settings.CASEBOOK_OUTBOX_REQUEUE_SECONDS:g} s, batch {settings.CASEBOOK_OUTBOX_BATCH}",
            f"{N} due emails, worker SIGKILLed after {HOLD_AT} had arrived, a new worker started at once",
            f"lease of the killed batch ran out {(lease_ends - killed_wall).total_seconds():.1f} s after the kill",
            f"kill -> last delivery: {recovered:.1f} s",
            f"messages received: {len(ids)}, distinct Message-IDs: {len(set(ids))}",
        ]
        print("\n".join(lines))
        results = Path(__file__).resolve().parent / "results"
        results.mkdir(exist_ok=True)
        out = results / f"delivery_recovery-{timezone.now():%Y-%m-%dT%H%M}.txt"
        out.write_text("\n".join(lines) + "\n")
        print(f"written to {out}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
