"""Real parts: Dovecot holding the team's mail, a Celery worker with beat polling it on
Redis, PostgreSQL. Replies thread, strangers reach triage, auto-replies are left alone, and
a worker killed mid-fetch loses and doubles nothing."""

import uuid

import pytest

from core.testing import celery_worker, kill_worker, require_postgres, require_redis, wait_for
from inbox.imap import imap_session
from inbox.models import InboundMessage, MessageKind, MessageState
from inbox.services import imap_account
from interactions.models import Interaction, OutgoingEmail
from interactions.outbox import outbox_enqueue

from .conftest import make_email
from .factories import MailboxFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _worker(queue: str, tmp_path):
    env = {
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CASEBOOK_VAR_DIR": str(tmp_path),
        "CASEBOOK_INBOX_POLL_SECONDS": "1",
        "CASEBOOK_INBOX_LEASE_SECONDS": "3",
        "CASEBOOK_SWEEP_SECONDS": "3600",
        "CASEBOOK_ESCALATION_RULES_SECONDS": "3600",
    }
    return celery_worker(queue=queue, beat=True, extra_env=env)


def _mailbox(team, owner, dovecot):
    return MailboxFactory(
        team=team,
        owner=owner,
        address="care@casebook.example",
        imap_host=dovecot.host,
        imap_port=dovecot.imap_port,
        imap_security="none",
        imap_user=dovecot.user,
        imap_password=dovecot.password,
    )


def _services() -> str:
    require_redis()
    require_postgres()
    return f"inbox-{uuid.uuid4().hex[:8]}"


def test_the_worker_reads_the_mailbox_threads_replies_and_leaves_auto_replies_alone(
    dovecot, team, manager, case, tmp_path
):
    queue = _services()
    mailbox = _mailbox(team, manager, dovecot)
    sent, _created = outbox_enqueue(
        cause_key="it:promise",
        to_email=case.client.email,
        template="follow_up_client",
        context={"client": case.client, "case": case, "message": "We call on Monday.", "sender": case.owner},
        case=case,
        owner=case.owner,
        to_client=True,
        hand_now=False,
    )
    dovecot.deliver(make_email(body="Monday works.", headers={"In-Reply-To": sent.message_id}))
    dovecot.deliver(make_email(sender="Nina Park <nina@example.org>", subject="Kettle leaks"))
    dovecot.deliver(make_email(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))

    with _worker(queue, tmp_path):
        wait_for(lambda: InboundMessage.objects.count() == 3, timeout=40)

    reply = InboundMessage.objects.get(subject="About my oven")
    assert (reply.state, reply.case, reply.threaded_by) == (MessageState.ON_CASE, case, "reply")
    assert InboundMessage.objects.get(subject="Kettle leaks").state == MessageState.TRIAGE
    auto = InboundMessage.objects.get(subject="Out of office")
    assert (auto.kind, auto.state) == (MessageKind.AUTOMATIC, MessageState.IGNORED)
    assert OutgoingEmail.objects.count() == 1  # ours; nothing answered anyone
    assert all("$CasebookStored" in flags for flags in dovecot.flags("INBOX").values())
    with imap_session(imap_account(mailbox)) as session:
        assert session.pending_uids() == []


def test_a_worker_killed_mid_fetch_loses_and_doubles_nothing(dovecot, team, manager, case, tmp_path):
    queue = _services()
    mailbox = _mailbox(team, manager, dovecot)
    total = 300
    dovecot.deliver_many([make_email(subject=f"Message {n}", body=f"Note number {n}.") for n in range(total)])

    with _worker(queue, tmp_path) as worker:
        wait_for(lambda: InboundMessage.objects.count() >= 40, timeout=60, interval=0.05)
        kill_worker(worker)
    stored_at_kill = InboundMessage.objects.count()
    with _worker(queue, tmp_path):
        wait_for(lambda: InboundMessage.objects.count() == total, timeout=90)
        with imap_session(imap_account(mailbox)) as session:
            wait_for(lambda: session.pending_uids() == [], timeout=30)

    assert stored_at_kill < total, "the worker finished before it was killed: nothing was tested"
    subjects = list(InboundMessage.objects.values_list("subject", flat=True))
    assert sorted(subjects) == sorted(f"Message {n}" for n in range(total))
    assert Interaction.objects.filter(case=case).count() == total
