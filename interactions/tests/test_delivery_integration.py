"""Real parts: a Celery worker with beat on Redis, PostgreSQL, and an aiosmtpd server.

Each test creates work due in a moment and checks that exactly one message arrives,
also when the worker is killed mid-send and when Redis loses every queued task; and that
a batch whose worker is killed midway comes back when its lease runs out, every message
arriving, only the one whose reply the kill cut off possibly twice (same Message-ID).
"""

import asyncio
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from casebook.testing import (
    RecordingHandler,
    celery_worker,
    kill_worker,
    require_postgres,
    require_redis,
    smtp_server,
    wait_for,
)
from interactions.models import EmailStatus, FollowUpKind, OutgoingEmail
from interactions.outbox import outbox_dispatch_due
from interactions.services import follow_up_schedule

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _worker_env(port: int, queue: str, tmp_path) -> dict:
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CASEBOOK_VAR_DIR": str(tmp_path),
        "CASEBOOK_SWEEP_SECONDS": "1",
        "CASEBOOK_OUTBOX_REQUEUE_SECONDS": "2",
        "CELERY_TASK_SOFT_TIME_LIMIT": "3",
        "CELERY_TASK_TIME_LIMIT": "4",
        "CASEBOOK_OUTBOX_LEASE_SECONDS": "5",
        "CASEBOOK_BASE_URL": "https://casebook.example",
        "EMAIL_TIMEOUT": "10",
    }


def _worker(port: int, queue: str, tmp_path):
    return celery_worker(queue=queue, beat=True, extra_env=_worker_env(port, queue, tmp_path))


def _promise_email(agent, case, *, in_seconds: float, text: str):
    return follow_up_schedule(
        actor=agent,
        case=case,
        kind=FollowUpKind.EMAIL_CLIENT,
        due_at=timezone.now() + timedelta(seconds=in_seconds),
        note=text,
    )


def _services():
    require_redis()
    require_postgres()
    return f"it-{uuid.uuid4().hex[:8]}"


def test_a_follow_up_email_due_in_seconds_arrives_exactly_once(agent, case, tmp_path):
    queue = _services()
    with smtp_server() as (port, smtp), _worker(port, queue, tmp_path):
        _promise_email(agent, case, in_seconds=2, text="The engineer comes on Friday between 8 and 10.")
        wait_for(lambda: smtp.messages, timeout=40)
        time.sleep(3)  # three more sweeps: nothing else may arrive
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message.envelope_to == ["greta@example.com"]
    assert "Greta Holm" in message["To"]
    assert message["Subject"] == "Following up: Oven visit missed"
    email = OutgoingEmail.objects.get()
    assert message["Message-ID"] == f"<casebook.outbox.{email.pk}@casebook.example>"  # stable, from the row
    assert "Friday between 8 and 10" in message.get_payload(0).get_payload(decode=True).decode()
    assert email.status == EmailStatus.SENT


class StallFirstHandler(RecordingHandler):
    """Holds the first message without answering until released, then refuses it (451):
    the state of an SMTP transaction cut off by a crash. Later messages are accepted."""

    def __init__(self):
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.stalled = 0

    async def handle_DATA(self, server, session, envelope):
        if self.stalled == 0:
            self.stalled += 1
            self.entered.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Interrupted"
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_killed_mid_send_is_replaced_and_the_email_still_arrives_once(agent, case, tmp_path):
    queue = _services()
    handler = StallFirstHandler()
    with smtp_server(handler) as (port, smtp):
        env = _worker_env(port, queue, tmp_path)
        with celery_worker(queue=queue, beat=True, extra_env=env) as worker:
            _promise_email(agent, case, in_seconds=1, text="Your refund was approved.")
            assert handler.entered.wait(timeout=40), "the worker never reached the SMTP server"
            kill_worker(worker)
        handler.release.set()
        email = OutgoingEmail.objects.get()
        assert email.status == EmailStatus.PENDING and email.handed_to_smtp_at is not None
        with celery_worker(queue=queue, beat=True, extra_env=env):
            wait_for(lambda: smtp.messages, timeout=40)
            time.sleep(3)
    assert len(smtp.messages) == 1
    assert smtp.messages[0].envelope_to == ["greta@example.com"]
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert "interrupted" in email.last_error  # the resend after the crash window is on record
    assert smtp.messages[0]["Message-ID"] == f"<casebook.outbox.{email.pk}@casebook.example>"


def test_emails_due_when_redis_is_flushed_are_still_delivered_exactly_once(agent, case, tmp_path):
    queue = _services()
    for n in range(3):
        _promise_email(agent, case, in_seconds=0.5, text=f"Promise number {n}.")
    time.sleep(1)
    from interactions.services import follow_ups_sweep

    follow_ups_sweep()  # writes the three outbox rows and hands them to the broker
    outbox_dispatch_due()
    assert OutgoingEmail.objects.filter(enqueued_at__isnull=False).count() == 3
    broker = redis.Redis.from_url(settings.REDIS_URL)
    assert broker.llen("celery") >= 1
    broker.flushdb()  # this run's Redis database only: every queued task is gone
    with smtp_server() as (port, smtp), _worker(port, queue, tmp_path):
        wait_for(lambda: len(smtp.messages) >= 3, timeout=40)
        time.sleep(3)
    bodies = sorted(m.get_payload(0).get_payload(decode=True).decode() for m in smtp.messages)
    assert [("Promise number 0." in b, "Promise number 1." in b, "Promise number 2." in b) for b in bodies] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert OutgoingEmail.objects.filter(status=EmailStatus.SENT).count() == 3


class HoldReplyHandler(RecordingHandler):
    """Keeps every message; on the `hold_at`-th it keeps the message but holds back the
    "250" until released: a worker killed then has had its message taken by the server
    without hearing so (the crash window)."""

    def __init__(self, hold_at: int):
        super().__init__()
        self.hold_at = hold_at
        self.reached = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at:
            self.reached.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return reply


def _due_emails(agent, case, count: int) -> dict[str, OutgoingEmail]:
    """`count` due outbox rows, one per recipient, left for the worker's own sweep to hand out."""
    from interactions.outbox import outbox_enqueue_many

    rows = outbox_enqueue_many(
        emails=[
            {
                "cause_key": f"it:recovery:{n}",
                "to_email": f"client{n}@example.com",
                "template": "client_summary",
                "context": {
                    "client": case.client,
                    "case": case,
                    "subject": f"Call {n}",
                    "message": "M",
                    "sender": agent,
                },
                "case": case,
                "owner": agent,
                "to_client": True,
            }
            for n in range(count)
        ],
        hand_now=False,
    )
    return {row.to_email: row for row in rows.values()}


def test_a_worker_killed_mid_batch_is_replaced_and_the_batch_recovers_when_the_lease_runs_out(agent, case, tmp_path):
    """200 due emails in one batch; the worker is SIGKILLed after 20 have arrived and a new
    one started at once. The requeue period is set far beyond the test's patience, so the
    batch can only come back through its expired lease. Every email arrives, each
    Message-ID once, apart from at most the one message in flight at the kill, which is
    resent with its own Message-ID and noted on its row (the crash-window policy)."""
    queue = _services()
    rows = _due_emails(agent, case, 200)
    handler = HoldReplyHandler(hold_at=20)
    with smtp_server(handler) as (port, smtp):
        env = {
            **_worker_env(port, queue, tmp_path),
            "CASEBOOK_OUTBOX_REQUEUE_SECONDS": "600",
            "CELERY_TASK_SOFT_TIME_LIMIT": "8",
            "CELERY_TASK_TIME_LIMIT": "9",
            "CASEBOOK_OUTBOX_LEASE_SECONDS": "10",
            "CASEBOOK_OUTBOX_BATCH": "200",
        }
        with celery_worker(queue=queue, beat=True, extra_env=env) as worker:
            assert handler.reached.wait(timeout=40), "the worker never got 20 messages through"
            kill_worker(worker)
        killed_at = time.monotonic()
        handler.release.set()
        assert OutgoingEmail.objects.filter(status=EmailStatus.SENT).count() < 200  # killed mid-batch
        with celery_worker(queue=queue, beat=True, extra_env=env):
            wait_for(lambda: len({m["Message-ID"] for m in smtp.messages}) >= 200, timeout=45)
            recovered_in = time.monotonic() - killed_at
            print(f"kill -> all 200 delivered: {recovered_in:.1f} s")
            time.sleep(3)  # three more sweeps: nothing else may arrive
    message_ids = [m["Message-ID"] for m in smtp.messages]
    assert len(set(message_ids)) == 200
    assert recovered_in < 40  # the lease (10 s), not the requeue period (600 s)
    duplicates = {mid for mid in message_ids if message_ids.count(mid) > 1}
    assert len(message_ids) - 200 == len(duplicates) <= 1  # at most one message sent twice, and only twice
    for message in smtp.messages:  # each arrival carries its own row's Message-ID
        (to,) = message.envelope_to
        assert message["Message-ID"] == rows[to].message_id
    assert OutgoingEmail.objects.filter(status=EmailStatus.SENT).count() == 200
    for mid in duplicates:
        (to,) = {m.envelope_to[0] for m in smtp.messages if m["Message-ID"] == mid}  # the same email both times
        row = OutgoingEmail.objects.get(pk=rows[to].pk)
        assert "interrupted" in row.last_error and "same Message-ID" in row.last_error
    assert OutgoingEmail.objects.filter(last_error__contains="interrupted").count() == len(duplicates)
