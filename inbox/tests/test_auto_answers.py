"""Common questions answered automatically: the first email of a case that matches a team's
automatic saved reply gets it at once; nothing else ever does."""

import email

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from clients.models import Case, CaseEvent, CaseEventKind, CaseStatus, Client
from clients.services import client_set_written_contact_only
from inbox.auto_answers import auto_answer_send, matching_answer
from inbox.models import InboundMessage, MessageState
from inbox.services import message_place, message_take_in
from interactions.models import Channel, Direction, Mood, OutgoingEmail
from interactions.outbox import outbox_deliver
from interactions.services import interaction_log
from playbooks.services import saved_reply_save

from .conftest import make_email

QUESTION = "Hello,\nwhat are your Opening\n   Hours on Saturday?\nGreta"


@pytest.fixture
def hours(manager, team):
    return saved_reply_save(
        actor=manager,
        team=team,
        title="Opening hours",
        body="Dear {client_name},\n\nWe are open Monday to Saturday, 9:00 to 17:00.\n\nKind regards,\nMarcus",
        is_automatic=True,
        trigger_phrases="opening hours\nwhen are you open",
    )


def _answers() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(cause_key__startswith="auto-answer:"))


def test_a_new_cases_first_email_with_a_common_question_gets_the_answer_at_once(
    mailbox, customer, hours, agent_client, mailoutbox
):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="Saturday", body=QUESTION))

    case = message.case
    assert message.threaded_by == "new case"
    [answer] = _answers()
    assert (answer.case, answer.to_email, answer.to_client) == (case, "greta@example.com", True)
    assert answer.cause_key == f"auto-answer:{case.pk}:{timezone.localdate().isoformat()}"
    sent = email.message_from_bytes(bytes(answer.raw_message))
    assert sent["From"] == "care@casebook.example"
    assert sent["Reply-To"].startswith("care+")
    # The reply's own greeting and sign-off give way to the template's; placeholders are filled.
    assert answer.body_text.count("Dear Greta Holm,") == 1 and "Marcus" not in answer.body_text
    assert "We are open Monday to Saturday, 9:00 to 17:00." in answer.body_text
    assert "A person from our team will also read your message" in answer.body_text
    assert "A person from our team will also read your message" in answer.body_html
    assert outbox_deliver(ids=[answer.pk]) == 1
    assert mailoutbox[0].to == ["Greta Holm <greta@example.com>"]

    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.CLIENT_EMAIL)
    assert event.actor is None and event.data["subject"] == answer.subject
    assert event.data == {"template": "auto_answer", "to": "greta@example.com", "subject": answer.subject,
                           "reply": "Opening hours"}  # fmt: skip
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert "Casebook answered automatically with the saved reply “Opening hours”" in page

    case.refresh_from_db()
    assert case.is_open and case.status == CaseStatus.IN_PROGRESS  # left for a person, as any email
    assert message.interaction.direction == Direction.INBOUND


def test_the_first_email_on_an_open_case_without_contact_gets_it_too(mailbox, case, hours):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="When are you open?"))

    assert message.case == case and message.threaded_by == "sender"
    assert [answer.case for answer in _answers()] == [case]


def test_a_second_matching_email_the_same_day_gets_no_second_answer(mailbox, customer, hours):
    first, _new = message_take_in(mailbox=mailbox, raw=make_email(body=QUESTION))
    second, _new = message_take_in(mailbox=mailbox, raw=make_email(body="Sorry, again: your opening hours?"))

    assert second.case == first.case and second.state == MessageState.ON_CASE
    assert len(_answers()) == 1
    # Asked directly again the same day, the answer is not sent twice either.
    assert auto_answer_send(case=first.case, message=second) is False
    assert len(_answers()) == 1
    assert CaseEvent.objects.filter(case=first.case, kind=CaseEventKind.CLIENT_EMAIL).count() == 1


def test_an_email_on_a_case_with_earlier_contact_gets_none(mailbox, case, agent, hours):
    interaction_log(
        actor=agent, case=case, channel=Channel.CALL, direction=Direction.INBOUND, mood=Mood.CALM, summary="Call"
    )

    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="Re: Oven", body=QUESTION))

    assert message.case == case and message.state == MessageState.ON_CASE
    assert _answers() == []


@pytest.mark.parametrize(
    ("header", "value"), [("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"), ("Precedence", "bulk")]
)
def test_an_automatic_reply_or_list_mail_gets_none(mailbox, customer, hours, header, value):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body=QUESTION, headers={header: value}))

    assert message.case is None and not Case.objects.exists()
    assert _answers() == []


def test_an_email_that_matches_no_phrase_gets_none(mailbox, customer, hours):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="The engineer reopening hours late."))

    assert message.case is not None and message.threaded_by == "new case"
    assert _answers() == []
    assert not CaseEvent.objects.filter(kind=CaseEventKind.CLIENT_EMAIL).exists()


def test_another_teams_automatic_reply_is_never_used(mailbox, customer, other_team):
    saved_reply_save(
        actor=UserFactory(teams=[other_team], role=Role.MANAGER),
        team=other_team,
        title="Billing hours",
        body="We are open at night.",
        is_automatic=True,
        trigger_phrases="opening hours",
    )

    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body=QUESTION))

    assert message.case is not None
    assert _answers() == []
    assert matching_answer(mailbox.team_id, QUESTION) is None


def test_a_saved_reply_that_is_not_automatic_is_never_sent(mailbox, customer, manager, team):
    saved_reply_save(actor=manager, team=team, title="Hours", body="9 to 5", trigger_phrases="opening hours")

    message_take_in(mailbox=mailbox, raw=make_email(body=QUESTION))

    assert _answers() == []


def test_a_client_in_written_contact_only_still_gets_it(mailbox, customer, manager, hours):
    client_set_written_contact_only(actor=manager, client=customer, on=True)

    message_take_in(mailbox=mailbox, raw=make_email(body=QUESTION))

    assert len(_answers()) == 1


def test_mail_placed_from_triage_on_a_new_case_gets_it(mailbox, agent, hours):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(sender="Tom <tom@example.com>", body=QUESTION))
    assert message.state == MessageState.TRIAGE and _answers() == []

    message_place(actor=agent, message=message, new_client_name="Tom Berg")

    case = InboundMessage.objects.get(pk=message.pk).case
    [answer] = _answers()
    assert answer.case == case and answer.to_email == "tom@example.com"
    assert Client.objects.get(email="tom@example.com").name == "Tom Berg"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("What are your OPENING HOURS?", True),
        ("opening\n\t hours", True),
        ("(opening hours)", True),
        ("reopening hours", False),
        ("opening hoursx", False),
        ("opening-hours", True),  # punctuation between words counts as space, as for hostile phrases
        ("opening", False),
    ],
)
def test_phrases_match_whole_words_in_any_case_and_spacing(team, hours, text, found):
    assert (matching_answer(team.pk, text) == hours) is found


def test_the_first_matching_reply_by_title_wins_in_one_query(team, manager, hours, django_assert_num_queries):
    earlier = saved_reply_save(
        actor=manager, team=team, title="A hours", body="b", is_automatic=True, trigger_phrases="saturday"
    )
    saved_reply_save(actor=manager, team=team, title="Z hours", body="b", is_automatic=True, trigger_phrases="hours")

    with django_assert_num_queries(1):
        assert matching_answer(team.pk, QUESTION) == earlier
    with django_assert_num_queries(1):
        assert matching_answer(team.pk, "nothing to see") is None
