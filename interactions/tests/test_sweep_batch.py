"""The sweep carries out due client emails a batch at a time: same rows, same guarantees."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clients.models import CaseEvent, CaseEventKind
from core.testing import smtp_server
from interactions import services
from interactions.models import EmailStatus, FollowUp, FollowUpKind, FollowUpStatus, OutgoingEmail
from interactions.outbox import outbox_deliver, outbox_enqueue
from interactions.services import follow_ups_sweep


def _due_emails(agent, case, count: int) -> list[FollowUp]:
    due = timezone.now() - timedelta(seconds=1)
    return FollowUp.objects.bulk_create(
        FollowUp(case=case, owner=agent, kind=FollowUpKind.EMAIL_CLIENT, due_at=due, note=f"Promise number {i}.")
        for i in range(count)
    )


def test_a_batch_writes_one_handed_out_email_one_timeline_entry_and_closes_each_follow_up(
    agent, case, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "SWEEP_BATCH", 3)
    follow_ups = _due_emails(agent, case, 7)
    with django_capture_on_commit_callbacks() as handed:
        assert follow_ups_sweep()["carried_out"] == 7
    assert len(handed) == 3  # each batch goes to the workers when its transaction commits
    for follow_up in follow_ups:
        email = OutgoingEmail.objects.get(cause_key=f"followup:{follow_up.pk}:client-email")
        assert email.to_client and email.to_email == "greta@example.com" and email.owner == agent
        assert f"Promise number {follow_ups.index(follow_up)}." in email.body_text
        assert email.enqueued_at is not None and email.status == EmailStatus.PENDING
        # The stored message carries the row's own Message-ID (ids are drawn before the INSERT).
        assert f"Message-ID: {email.message_id}".encode() in bytes(email.raw_message)
        follow_up.refresh_from_db()
        assert follow_up.status == FollowUpStatus.DONE and follow_up.completed_at is not None
        event = CaseEvent.objects.get(kind=CaseEventKind.CLIENT_EMAIL, target_id=follow_up.pk)
        assert event.target == follow_up and event.data == {"template": "follow_up_client", "to": "greta@example.com"}
    assert follow_ups_sweep()["carried_out"] == 0
    assert OutgoingEmail.objects.count() == 7


def test_a_cause_that_already_has_its_email_gets_no_second_one(agent, case):
    (follow_up,) = _due_emails(agent, case, 1)
    earlier, _ = outbox_enqueue(
        cause_key=f"followup:{follow_up.pk}:client-email",
        to_email="greta@example.com",
        template="follow_up_client",
        context={"client": case.client, "case": case, "message": "Already written.", "sender": agent},
    )
    assert follow_ups_sweep()["carried_out"] == 1
    assert list(OutgoingEmail.objects.all()) == [earlier]
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.DONE


def test_satisfaction_checks_in_the_same_batch_keep_their_own_path(agent, case):
    _due_emails(agent, case, 2)
    FollowUp.objects.create(
        case=case, owner=agent, kind=FollowUpKind.SATISFACTION_CHECK, due_at=timezone.now() - timedelta(seconds=1)
    )
    assert follow_ups_sweep()["carried_out"] == 3
    assert OutgoingEmail.objects.filter(cause_key__endswith=":satisfaction").count() == 1
    assert OutgoingEmail.objects.filter(cause_key__endswith=":client-email").count() == 2
    assert not FollowUp.objects.filter(status=FollowUpStatus.PENDING).exists()


def test_a_batch_written_email_is_delivered_byte_for_byte_with_its_message_id(agent, case, settings):
    _due_emails(agent, case, 2)
    follow_ups_sweep()
    with smtp_server() as (port, handler):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        assert outbox_deliver(ids=list(OutgoingEmail.objects.values_list("pk", flat=True))) == 2
    expected = sorted(email.message_id for email in OutgoingEmail.objects.all())
    assert sorted(message["Message-ID"] for message in handler.messages) == expected


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_write_exactly_one_email_per_follow_up(agent, case, monkeypatch):
    from core.testing import require_postgres

    require_postgres()
    monkeypatch.setattr(services, "SWEEP_BATCH", 4)
    follow_ups = _due_emails(agent, case, 30)
    start = threading.Barrier(2)
    counts, errors = [], []

    def sweep():
        try:
            start.wait(5)
            counts.append(follow_ups_sweep()["carried_out"])
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    # Locked rows are skipped, not waited for: a sweep may leave some to the next one.
    carried = sum(counts) + follow_ups_sweep()["carried_out"]
    assert carried == 30
    for follow_up in follow_ups:
        assert OutgoingEmail.objects.filter(cause_key=f"followup:{follow_up.pk}:client-email").count() == 1
        assert CaseEvent.objects.filter(kind=CaseEventKind.CLIENT_EMAIL, target_id=follow_up.pk).count() == 1
    assert OutgoingEmail.objects.count() == 30
