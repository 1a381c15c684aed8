"""The outbox: one message per cause, claims and leases, retries, failure, the crash window,
escaping and header injection. Delivery goes to a real SMTP server (aiosmtpd) in-process."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casebook.accounts.models import Notice
from casebook.testing import RecordingHandler, smtp_server
from clients.models import CaseEvent, CaseEventKind
from interactions.models import EmailStatus, OutgoingEmail
from interactions.outbox import _claim, outbox_deliver, outbox_dispatch_due, outbox_enqueue
from interactions.services import client_summary_send


@pytest.fixture
def smtp(settings):
    with smtp_server() as (port, handler):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield handler


def _summary(agent, case, body="We agreed on a visit on Friday.", subject="Our call today"):
    return client_summary_send(actor=agent, case=case, subject=subject, body=body)


def test_one_cause_can_never_produce_two_messages(agent, case):
    first, created = outbox_enqueue(
        cause_key="test:1", to_email="a@example.com", template="client_summary",
        context={"client": case.client, "case": case, "subject": "S", "message": "M", "sender": agent},
    )  # fmt: skip
    again, created_again = outbox_enqueue(
        cause_key="test:1", to_email="b@example.com", template="client_summary",
        context={"client": case.client, "case": case, "subject": "S", "message": "M", "sender": agent},
    )  # fmt: skip
    assert created and not created_again and first == again
    assert OutgoingEmail.objects.count() == 1


def test_a_summary_sent_twice_with_one_request_key_is_one_email(agent, case):
    import uuid

    key = uuid.uuid4()
    client_summary_send(actor=agent, case=case, subject="S", body="B", request_key=key)
    client_summary_send(actor=agent, case=case, subject="S", body="B", request_key=key)
    assert OutgoingEmail.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLIENT_EMAIL).count() == 1


def test_delivery_sends_once_with_a_stable_message_id_and_marks_the_row_sent(agent, case, smtp):
    email = _summary(agent, case)
    assert outbox_deliver(ids=[email.pk]) == 1
    assert outbox_deliver(ids=[email.pk]) == 0
    assert len(smtp.messages) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.handed_to_smtp_at and email.sent_at
    assert smtp.messages[0]["Message-ID"] == email.message_id == f"<casebook.outbox.{email.pk}@127.0.0.1>"
    assert smtp.messages[0].envelope_to == ["greta@example.com"]


def test_a_row_claimed_by_another_worker_is_left_alone_until_its_lease_runs_out(agent, case, smtp, settings):
    email = _summary(agent, case)
    claimed, _ = _claim([email.pk], timezone.now())
    assert claimed == [email.pk]
    assert _claim([email.pk], timezone.now())[0] == []
    assert outbox_deliver(ids=[email.pk]) == 0 and smtp.messages == []
    # The other worker died: once the lease has run out the row is claimed again.
    later = timezone.now() + timedelta(seconds=settings.CASEBOOK_OUTBOX_LEASE_SECONDS + 1)
    assert _claim([email.pk], later)[0] == [email.pk]


def test_the_lease_outlives_the_task_hard_time_limit(settings):
    assert settings.CASEBOOK_OUTBOX_LEASE_SECONDS > settings.CELERY_TASK_TIME_LIMIT


def test_the_sweep_hands_a_row_again_only_after_the_requeue_period(agent, case, settings):
    email = _summary(agent, case)
    assert outbox_dispatch_due() == []  # just handed to the broker by the service
    later = timezone.now() + timedelta(seconds=settings.CASEBOOK_OUTBOX_REQUEUE_SECONDS + 1)
    assert outbox_dispatch_due(now=later) == [[email.pk]]
    assert outbox_dispatch_due(now=later) == []


def test_the_sweep_hands_a_row_again_as_soon_as_its_claims_lease_runs_out(agent, case, settings):
    """A worker killed mid-batch: its claimed rows go to another worker at the first sweep
    after the lease, not after the (longer) requeue period; rows still under a live lease,
    and rows handed out but never claimed, wait as before."""
    settings.CASEBOOK_OUTBOX_REQUEUE_SECONDS = 300
    dead, alive, queued = (_summary(agent, case, subject=f"Our call {n}") for n in range(3))
    now = timezone.now()
    OutgoingEmail.objects.filter(pk__in=[dead.pk, alive.pk, queued.pk]).update(enqueued_at=now - timedelta(seconds=10))
    OutgoingEmail.objects.filter(pk=dead.pk).update(claimed_until=now - timedelta(seconds=1))
    OutgoingEmail.objects.filter(pk=alive.pk).update(claimed_until=now + timedelta(seconds=400))
    assert outbox_dispatch_due(now=now) == [[dead.pk]]
    dead.refresh_from_db()
    assert dead.enqueued_at == now and dead.claimed_until is None  # handed again, the dead claim cleared
    assert outbox_dispatch_due(now=now + timedelta(seconds=30)) == []  # not handed again at every sweep
    # A never-claimed row (its task lost with Redis) still waits for the requeue period.
    assert outbox_dispatch_due(now=now + timedelta(seconds=289)) == []
    assert outbox_dispatch_due(now=now + timedelta(seconds=291)) == [[queued.pk]]
    alive.refresh_from_db()  # a live lease is never touched
    assert alive.claimed_until == now + timedelta(seconds=400) and alive.enqueued_at == now - timedelta(seconds=10)


def test_after_a_crash_between_smtp_and_commit_the_email_is_resent_with_the_same_message_id(agent, case, smtp):
    email = _summary(agent, case)
    # What a worker killed after the server accepted leaves behind: handed over, still pending,
    # its lease expired.
    OutgoingEmail.objects.filter(pk=email.pk).update(
        handed_to_smtp_at=timezone.now() - timedelta(minutes=5),
        claimed_until=timezone.now() - timedelta(seconds=1),
        attempts=1,
    )
    assert outbox_deliver(ids=[email.pk]) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 2
    assert "interrupted" in email.last_error
    assert smtp.messages[0]["Message-ID"] == email.message_id


class RefusingHandler(RecordingHandler):
    def __init__(self, code: str):
        super().__init__()
        self.code = code

    async def handle_DATA(self, server, session, envelope):
        return self.code


@pytest.fixture
def refusing_smtp(settings, request):
    with smtp_server(RefusingHandler(request.param)) as (port, handler):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield handler


@pytest.mark.parametrize("refusing_smtp", ["451 Try again later"], indirect=True)
def test_a_temporary_smtp_error_is_retried_later_with_backoff(agent, case, refusing_smtp, settings):
    settings.CASEBOOK_OUTBOX_RETRY_BASE_SECONDS = 60
    email = _summary(agent, case)
    outbox_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING and email.attempts == 1
    assert email.claimed_until is None and email.handed_to_smtp_at is None
    assert "451" in email.last_error
    assert timedelta(seconds=55) < email.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert outbox_deliver(ids=[email.pk]) == 0  # not due yet
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    outbox_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert email.attempts == 2
    assert timedelta(seconds=115) < email.next_attempt_at - timezone.now() <= timedelta(seconds=120)


@pytest.mark.parametrize("refusing_smtp", ["550 No such mailbox"], indirect=True)
def test_a_permanent_failure_is_marked_failed_and_shown_to_the_owner(agent, case, refusing_smtp):
    email = _summary(agent, case)
    outbox_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED and "550" in email.last_error
    assert Notice.objects.filter(user=agent, message__startswith="Not delivered").count() == 1
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.EMAIL_FAILED).count() == 1


@pytest.mark.parametrize("refusing_smtp", ["451 Try again later"], indirect=True)
def test_after_the_last_attempt_a_temporary_error_becomes_a_failure(agent, case, refusing_smtp, settings):
    settings.CASEBOOK_OUTBOX_MAX_ATTEMPTS = 2
    email = _summary(agent, case)
    for _ in range(2):
        OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        outbox_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED and email.attempts == 2


def test_user_written_text_is_escaped_in_the_html_body(agent, case, smtp):
    case.client.name = "<b>Greta</b>"
    email = _summary(agent, case, body='<script>alert("x")</script>\nSecond line')
    assert "<script>" not in email.body_html
    assert "&lt;script&gt;" in email.body_html and "&lt;b&gt;Greta&lt;/b&gt;" in email.body_html
    assert '<script>alert("x")</script>' in email.body_text  # plain text stays as written


def test_no_header_injection_from_a_subject_or_a_name(agent, case, smtp):
    case.client.name = "Greta\r\nBcc: victim@example.net"
    email = _summary(agent, case, subject="Hello\r\nBcc: evil@example.net\nX-Injected: yes")
    assert "\n" not in email.subject and "\r" not in email.subject
    outbox_deliver(ids=[email.pk])
    message = smtp.messages[0]
    assert message.envelope_to == ["greta@example.com"]
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "Hello Bcc: evil@example.net X-Injected: yes"


def test_an_unreachable_server_is_retried_not_lost(agent, case, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    email = _summary(agent, case)
    outbox_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert email.status == EmailStatus.PENDING and email.attempts == 1 and email.last_error
    assert email.handed_to_smtp_at is None  # never reached a server: not in the crash window


def test_a_long_unbroken_paragraph_reaches_the_server_intact(agent, case, smtp):
    paragraph = "word " * 800  # 4,000 characters on one line: over SMTP's 1,000-byte line limit
    email = _summary(agent, case, body=paragraph)
    assert outbox_deliver(ids=[email.pk]) == 1
    text = smtp.messages[0].get_payload(0).get_payload(decode=True).decode()
    assert paragraph.strip() in text


def test_a_batch_is_sent_over_one_connection_and_every_row_is_recorded(agent, case, smtp):
    emails = [_summary(agent, case, subject=f"Summary {n}") for n in range(5)]
    assert outbox_deliver(ids=[e.pk for e in emails]) == 5
    assert OutgoingEmail.objects.filter(status=EmailStatus.SENT, claimed_until=None).count() == 5
    assert sorted(m["Subject"] for m in smtp.messages) == [f"Summary {n}" for n in range(5)]


def test_a_task_near_its_time_limit_releases_the_rest_of_its_batch(agent, case, smtp, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0  # already past half of it
    emails = [_summary(agent, case, subject=f"Summary {n}") for n in range(3)]
    assert outbox_deliver(ids=[e.pk for e in emails]) == 0
    assert OutgoingEmail.objects.filter(status=EmailStatus.PENDING, claimed_until=None, enqueued_at=None).count() == 3
    assert outbox_dispatch_due() == [[e.pk for e in emails]]  # the next sweep hands them out again
