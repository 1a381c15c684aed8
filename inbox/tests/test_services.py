"""Taking mail in: stored once, threaded onto the right case, or waiting in triage."""

import email

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notice
from accounts.services import team_settings_update
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client
from clients.services import case_change_status
from clients.tests.factories import CaseFactory, ClientFactory
from escalations.models import Escalation
from inbox.models import InboundMessage, MessageKind, MessageState
from inbox.services import message_ignore, message_place, message_take_in
from interactions.models import Attachment, Channel, Direction, EmailStatus, Interaction, Mood, OutgoingEmail
from interactions.outbox import outbox_enqueue
from interactions.reply_tokens import reply_token

from .conftest import make_email
from .factories import MailboxFactory


def _client_email(case) -> OutgoingEmail:
    """An email Casebook sent the client about `case` (as a promised email would be)."""
    email_row, _created = outbox_enqueue(
        cause_key=f"test:{case.pk}:{timezone.now().timestamp()}",
        to_email=case.client.email,
        to_name=case.client.name,
        template="follow_up_client",
        context={"client": case.client, "case": case, "message": "We will call you on Monday.", "sender": case.owner},
        case=case,
        owner=case.owner,
        to_client=True,
    )
    return email_row


def test_client_email_comes_from_the_team_address_with_a_reply_to_that_threads_back(mailbox, case):
    sent = _client_email(case)

    message = email.message_from_bytes(bytes(sent.raw_message))
    assert message["From"] == "care@casebook.example"
    assert message["Reply-To"] == f"care+{reply_token(case.pk)}@casebook.example"
    assert f"[ref {reply_token(case.pk)}]" in message["Subject"]


def test_client_email_of_a_team_without_mailbox_keeps_the_default_sender(case, settings):
    sent = _client_email(case)

    message = email.message_from_bytes(bytes(sent.raw_message))
    assert message["Reply-To"] is None
    assert message["From"] == settings.DEFAULT_FROM_EMAIL


def test_reply_threads_onto_its_case_by_in_reply_to(mailbox, case, agent):
    sent = _client_email(case)
    case_waiting = Case.objects.get(pk=case.pk)
    from clients.services import case_wait_on_client

    case_wait_on_client(actor=agent, case=case_waiting, waiting=True)

    message, new = message_take_in(
        mailbox=mailbox,
        raw=make_email(
            subject="Re: About your case",
            body=(
                "Monday is fine, thank you.\n\n"
                "On Mon, 7 Dec 2026 at 10:00, Care <care@casebook.example> wrote:\n> We will call you on Monday."
            ),
            headers={"In-Reply-To": sent.message_id, "References": sent.message_id},
        ),
    )

    assert new and message.state == MessageState.ON_CASE and message.case == case
    assert message.threaded_by == "reply"
    contact = message.interaction
    assert (contact.channel, contact.direction, contact.logged_by) == (Channel.EMAIL, Direction.INBOUND, None)
    assert "Monday is fine" in contact.summary and "We will call you" not in contact.summary
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.INTERACTION_LOGGED, target_id=contact.pk).exists()
    case.refresh_from_db()
    assert case.waiting_on_client_since is None
    assert Notice.objects.filter(user=agent, message__contains="New email from Greta Holm").exists()


def test_reply_threads_by_the_reference_in_the_reply_to_address(mailbox, case):
    message, _new = message_take_in(
        mailbox=mailbox, raw=make_email(to=f"care+{reply_token(case.pk)}@casebook.example", subject="Hello")
    )
    assert (message.case, message.threaded_by) == (case, "reference")


def test_reply_threads_by_the_reference_in_the_subject(mailbox, case):
    message, _new = message_take_in(
        mailbox=mailbox,
        raw=make_email(sender="someone.else@example.net", subject=f"Re: visit [ref {reply_token(case.pk)}]"),
    )
    assert (message.case, message.threaded_by) == (case, "reference")


def test_a_made_up_reference_threads_nothing(mailbox, case):
    forged = f"c{case.pk}-0000000000"
    message, _new = message_take_in(
        mailbox=mailbox, raw=make_email(sender="stranger@example.net", subject=f"[ref {forged}]")
    )
    assert message.state == MessageState.TRIAGE and message.case is None


def test_a_reference_to_another_teams_case_is_not_followed(mailbox, other_team, outsider):
    theirs = CaseFactory(client=ClientFactory(team=other_team), owner=outsider)
    message, _new = message_take_in(
        mailbox=mailbox, raw=make_email(sender="stranger@example.net", subject=f"[ref {reply_token(theirs.pk)}]")
    )
    assert message.state == MessageState.TRIAGE
    assert not Interaction.objects.filter(case=theirs).exists()


def test_a_known_client_writing_anew_lands_on_their_open_case(mailbox, case):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="Another thing"))
    assert (message.case, message.threaded_by) == (case, "sender")


def test_a_known_client_without_an_open_case_gets_a_new_one_owned_by_their_last_owner(mailbox, case, agent):
    case_change_status(actor=agent, case=case, status=CaseStatus.CLOSED, note="Done")

    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="Re: The new fridge is noisy"))

    new_case = message.case
    assert new_case != case and new_case.client == case.client
    assert (new_case.title, new_case.owner, new_case.opened_by) == ("The new fridge is noisy", agent, None)
    assert new_case.status == CaseStatus.IN_PROGRESS  # the email was the first contact
    assert "Subject: Re: The new fridge is noisy" in message.interaction.summary


def test_a_reply_to_a_resolved_case_reopens_it(mailbox, case, agent):
    sent = _client_email(case)
    case_change_status(actor=agent, case=case, status=CaseStatus.RESOLVED)

    message, _new = message_take_in(
        mailbox=mailbox, raw=make_email(body="It broke again.", headers={"In-Reply-To": sent.message_id})
    )

    case.refresh_from_db()
    assert message.case == case and case.status == CaseStatus.IN_PROGRESS


def test_a_reply_to_a_closed_case_opens_a_follow_on_case(mailbox, case, agent):
    sent = _client_email(case)
    case_change_status(actor=agent, case=case, status=CaseStatus.CLOSED, note="Done")

    message, _new = message_take_in(mailbox=mailbox, raw=make_email(headers={"In-Reply-To": sent.message_id}))

    assert message.case != case and f"after case #{case.pk}" in message.case.title


def test_unknown_sender_waits_in_triage_and_the_mailbox_owner_is_told(mailbox, manager):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="Nina Park <nina@example.org>"))

    assert (message.state, message.case, message.threaded_by) == (MessageState.TRIAGE, None, "unknown sender")
    assert Notice.objects.filter(user=manager, message__contains="Nina Park").exists()
    assert not Interaction.objects.exists()


def test_an_agent_places_triage_mail_on_a_new_client_in_one_step(mailbox, agent, team):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="Nina Park <nina@example.org>"))

    contact = message_place(actor=agent, message=message, new_client_name="Nina Park")

    client = Client.objects.get(email="nina@example.org")
    assert client.team == team and contact.case.client == client and contact.case.owner == agent
    message.refresh_from_db()
    assert (message.state, message.placed_by, message.interaction) == (MessageState.ON_CASE, agent, contact)
    with pytest.raises(ValidationError, match="already been placed"):
        message_place(actor=agent, message=message, new_client_name="Nina Park")
    assert Client.objects.filter(email="nina@example.org").count() == 1


def test_triage_mail_placed_on_an_existing_client_goes_to_their_open_case(mailbox, agent, case):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="greta.private@example.org"))

    contact = message_place(actor=agent, message=message, client=case.client)

    assert contact.case == case


def test_outsiders_cannot_place_or_set_aside_a_teams_mail(mailbox, outsider, customer):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="nina@example.org"))

    with pytest.raises(ValidationError):
        message_place(actor=outsider, message=message, new_client_name="Nina")
    with pytest.raises(ValidationError):
        message_ignore(actor=outsider, message=message)
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE


def test_a_client_of_another_team_cannot_receive_the_mail(mailbox, agent, other_team):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="nina@example.org"))
    with pytest.raises(ValidationError, match="mailbox's team"):
        message_place(actor=agent, message=message, client=ClientFactory(team=other_team))


def test_the_same_message_twice_is_stored_once(mailbox, case):
    raw = make_email()
    first, new_first = message_take_in(mailbox=mailbox, raw=raw)
    again, new_again = message_take_in(mailbox=mailbox, raw=raw)

    assert (new_first, new_again) == (True, False) and again == first
    assert InboundMessage.objects.count() == 1 and Interaction.objects.count() == 1


def test_the_same_imap_uid_twice_is_stored_once_even_without_message_id(mailbox, case):
    raw = b"From: greta@example.com\r\nSubject: no id\r\n\r\nHello\r\n"
    first, _new = message_take_in(mailbox=mailbox, raw=raw, uid=7, uidvalidity=1)
    again, new = message_take_in(mailbox=mailbox, raw=raw, uid=7, uidvalidity=1)
    also, new_also = message_take_in(mailbox=mailbox, raw=raw)  # same bytes: same made-up id

    assert first == again == also and not new and not new_also
    assert first.message_id.endswith("@casebook.invalid>")


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Auto-Submitted", "auto-replied"),
        ("X-Autoreply", "yes"),
        ("Precedence", "bulk"),
        ("List-Id", "<news.example.com>"),
    ],
)
def test_automatic_and_list_mail_is_kept_but_never_put_on_a_case(mailbox, case, header, value):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="Out of office", headers={header: value}))

    assert message.kind in (MessageKind.AUTOMATIC, MessageKind.LIST)
    assert message.state == MessageState.IGNORED and message.case is None
    assert not Interaction.objects.exists() and not OutgoingEmail.objects.exists()


def _bounce_of(sent: OutgoingEmail) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: care@casebook.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nThe mail system: <greta@example.com>: mailbox unavailable\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; greta@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {sent.message_id}\r\nSubject: x\r\n"
        "--b1--\r\n"
    ).encode()


def test_a_bounce_marks_our_email_failed_and_tells_its_owner(mailbox, case, agent):
    sent = _client_email(case)
    OutgoingEmail.objects.filter(pk=sent.pk).update(status=EmailStatus.SENT, sent_at=timezone.now())

    message, _new = message_take_in(mailbox=mailbox, raw=_bounce_of(sent))

    sent.refresh_from_db()
    assert message.kind == MessageKind.BOUNCE and message.state == MessageState.IGNORED
    assert sent.status == EmailStatus.FAILED and "Returned as undeliverable" in sent.last_error
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.EMAIL_FAILED).exists()
    assert Notice.objects.filter(user=agent, message__startswith="Not delivered").exists()
    assert not Interaction.objects.exists()


def test_over_size_mail_is_kept_as_a_stub_with_a_note(mailbox, case, settings):
    settings.CASEBOOK_INBOX_MAX_BYTES = 2000
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="x" * 5000))

    assert message.truncated and message.size > 5000 and len(bytes(message.raw)) < 2000
    assert message.case == case and "too large to take in" in message.interaction.summary


def test_files_pass_the_attachment_rules_and_refusals_are_listed(mailbox, case):
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    message, _new = message_take_in(
        mailbox=mailbox,
        raw=make_email(
            attachments=[
                ("invoice.pdf", pdf, "application", "pdf"),
                ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "application", "octet-stream"),
            ]
        ),
    )

    files = Attachment.objects.filter(interaction=message.interaction)
    assert [f.original_name for f in files] == ["invoice.pdf"] and files[0].uploaded_by is None
    assert len(message.refused_files) == 1 and "setup.exe" in message.refused_files[0]
    assert "Files not attached" in message.interaction.summary and "setup.exe" in message.interaction.summary


def test_an_abusive_email_is_flagged_and_escalates_as_a_logged_abusive_contact_does(mailbox, case, manager):
    team_settings_update(actor=manager, team=case.team, hostile_phrases="you people are useless")

    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="You people are useless. Fix it."))

    assert message.mood_suggested == Mood.ABUSIVE and message.interaction.mood == Mood.ABUSIVE
    assert Escalation.objects.filter(case=case, cause_key=f"abusive:{message.interaction.pk}").exists()


def test_a_calm_email_is_suggested_calm(mailbox, case):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="Thank you, that works for me."))
    assert message.mood_suggested == Mood.CALM


def test_receive_email_command_takes_in_a_file(mailbox, case, tmp_path, capsys):
    path = tmp_path / "reply.eml"
    path.write_bytes(make_email())

    call_command("receive_email", str(path))
    call_command("receive_email", str(path))

    out = capsys.readouterr().out
    assert "Stored: email #" in out and f"case #{case.pk}" in out and "Already stored" in out
    assert InboundMessage.objects.count() == 1


def test_another_teams_mailbox_does_not_thread_onto_this_teams_case(case, other_team, outsider):
    theirs = MailboxFactory(team=other_team, owner=outsider, address="billing@casebook.example")
    message, _new = message_take_in(
        mailbox=theirs, raw=make_email(to=f"billing+{reply_token(case.pk)}@casebook.example")
    )
    assert message.case is None and message.state == MessageState.TRIAGE
