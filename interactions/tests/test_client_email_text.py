"""Client emails carry one greeting and one sign-off, whatever the agent typed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from interactions.emails import client_email_text
from interactions.models import FollowUp, FollowUpKind, OutgoingEmail
from interactions.outbox import outbox_deliver
from interactions.services import client_summary_send, follow_up_schedule, follow_ups_sweep

BODY = "The engineer comes on Friday at 9."


@pytest.mark.parametrize(
    "greeting",
    ["Dear Greta,", "Dear Mrs. Holm,", "Hi Greta,", "Hello Greta,", "hello,", "Good morning Greta,", "Good afternoon!"],
)
def test_a_greeting_line_is_left_to_the_template(greeting):
    assert client_email_text(f"{greeting}\n\n{BODY}") == BODY


def test_a_greeting_that_opens_the_first_sentence_is_taken_out_of_it():
    assert client_email_text(f"Hello Greta, {BODY}") == BODY
    assert client_email_text("Hi, thanks for your patience today.") == "Thanks for your patience today."


@pytest.mark.parametrize(
    "sign_off",
    [
        "Kind regards,\nBob",
        "Kind regards,\n\nBob Smith\nCustomer Care",
        "Best regards",
        "Regards,",
        "Thanks,\nBob",
        "Thanks!\nBob",
        "Best wishes,\nBob",
        "Sincerely,\nBob Smith",
        "Cheers",
        "Cheers, Bob",
        "Many thanks,",
    ],
)
def test_a_sign_off_and_its_signature_lines_are_left_to_the_template(sign_off):
    assert client_email_text(f"{BODY}\n\n{sign_off}") == BODY


def test_both_go_and_the_message_stays_whole():
    text = "Dear Greta,\n\nThe engineer comes on Friday at 9.\nHe brings the new part.\n\nKind regards,\nBob"
    assert client_email_text(text) == "The engineer comes on Friday at 9.\nHe brings the new part."


def test_the_agents_own_name_closing_the_text_is_left_to_the_template():
    assert client_email_text(f"{BODY}\n\nAlice Martin", sender="Alice Martin") == BODY
    assert client_email_text(f"Hello Greta, {BODY} Alice Martin", sender="Alice Martin") == BODY
    assert client_email_text(f"{BODY}\n\nAlice Martin") == f"{BODY}\n\nAlice Martin"  # not known as the sender


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        "The part arrived. Thank you.",  # a last sentence, not a sign-off
        "The part arrived.\nCheers, see you on Friday",  # "see you" is no name
        "Hi I wanted to ask whether the part arrived",  # a sentence that starts like a greeting
        "Please call the bakery.\n\nRegards,\nBob\nCustomer Care\nHolm Bakery Ltd",  # three lines: a letter
    ],
)
def test_text_without_a_greeting_or_sign_off_is_kept_as_written(text):
    assert client_email_text(text) == text


@pytest.mark.parametrize("text", ["Dear Greta,", "Kind regards,\nBob", "Hi Greta,\n\nThanks,\nBob", "  "])
def test_text_that_is_only_a_greeting_or_a_sign_off_is_never_emptied(text):
    assert client_email_text(text) == text.strip()


# --- The emails the client receives ----------------------------------------------------------


def _delivered(email: OutgoingEmail):
    assert outbox_deliver(ids=[email.pk]) == 1
    (message,) = mail.outbox
    (html, _type) = message.alternatives[0]
    return message.body, html


def _one_greeting_and_one_sign_off(text: str, html: str) -> None:
    for body in (text, html):
        assert body.count("Dear") == 1 and body.count("Kind regards") == 1, body
        assert "Hi Greta" not in body and "Cheers" not in body


def test_a_summary_greets_and_signs_once(agent, case):
    typed = "Hi Greta,\n\nWe agreed the engineer comes on Friday at 9.\n\nKind regards,\nAlice"
    email = client_summary_send(actor=agent, case=case, subject="Our call", body=typed)
    text, html = _delivered(email)
    _one_greeting_and_one_sign_off(text, html)
    assert "We agreed the engineer comes on Friday at 9." in text and "Dear Greta Holm," in text


def test_a_promised_email_greets_and_signs_once(agent, case):
    note = "Dear Greta,\n\nThe refund of 40 EUR is on its way.\n\nCheers,\nAlice"
    follow_up = follow_up_schedule(
        actor=agent, case=case, kind=FollowUpKind.EMAIL_CLIENT, due_at=timezone.now() + timedelta(minutes=5), note=note
    )
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    assert follow_ups_sweep()["carried_out"] == 1
    text, html = _delivered(OutgoingEmail.objects.get(to_client=True))
    _one_greeting_and_one_sign_off(text, html)
    assert "The refund of 40 EUR is on its way." in text
    follow_up.refresh_from_db()
    assert follow_up.note == note  # the promise on record stays as the agent wrote it
