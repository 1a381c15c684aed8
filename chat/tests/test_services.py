"""Live chat services: who the chat is with, messages stored once and in order, the
limits, taking and handing over, the transcript on the case, and the signed tokens."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notice
from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, ChatStatus, Side
from chat.services import (
    chat_close,
    chat_from_token,
    chat_hand_over,
    chat_link_token,
    chat_post,
    chat_start,
    chat_take,
    chat_token,
    client_from_link_token,
)
from clients.models import Case, Client
from clients.tests.factories import CaseFactory, ClientFactory
from interactions.models import Channel, Direction, Interaction, Mood

from .conftest import SITE


def _messages(chat):
    return list(ChatMessage.objects.filter(chat=chat).order_by("seq").values_list("seq", "sender", "text"))


# --- Starting ------------------------------------------------------------------------


def test_known_client_is_matched_by_email_and_the_chat_goes_on_their_open_case(team_chat, customer, case):
    chat = chat_start(team=team_chat.team, name="Greta", email="GRETA@example.com", origin=SITE)

    assert chat.client == customer
    assert chat.case == case
    assert chat.status == ChatStatus.WAITING
    assert (chat.name, chat.email, chat.origin) == ("Greta", "GRETA@example.com", SITE)
    assert Client.objects.count() == 1
    assert Notice.objects.filter(user=case.owner, message__contains="started a live chat").exists()


def test_unknown_person_becomes_a_new_client_with_a_new_case_for_the_chat_owner(team_chat, manager):
    chat = chat_start(team=team_chat.team, name="  Otto   Brandt ", email="otto@example.com")

    assert chat.client.name == "Otto Brandt"
    assert chat.client.email == "otto@example.com"
    assert chat.client.created_by is None
    assert chat.case.owner == manager
    assert chat.case.title == "Live chat with Otto Brandt"


def test_client_of_another_team_with_the_same_email_is_not_used(team_chat, other_team):
    stranger = ClientFactory(team=other_team, email="otto@example.com")

    chat = chat_start(team=team_chat.team, name="Otto", email="otto@example.com")

    assert chat.client != stranger
    assert chat.client.team == team_chat.team


def test_client_without_open_case_gets_a_new_one_owned_by_their_last_agent(team_chat, customer, agent):
    CaseFactory(client=customer, owner=agent, status="closed", closed_at=timezone.now())

    chat = chat_start(team=team_chat.team, name="Greta", email="greta@example.com")

    assert chat.case.owner == agent
    assert Case.objects.filter(client=customer).count() == 2


def test_team_without_chat_and_bad_details_are_refused(team, team_chat, other_team):
    with pytest.raises(ValidationError, match="does not offer live chat"):
        chat_start(team=other_team, name="Otto", email="otto@example.com")
    with pytest.raises(ValidationError) as error:
        chat_start(team=team, name=" ", email="not an address")
    assert set(error.value.message_dict) == {"name", "email"}


def test_signed_link_from_an_email_starts_a_chat_as_that_client(team_chat, customer, case):
    client = client_from_link_token(chat_link_token(customer))

    chat = chat_start(team=client.team, client=client, origin="email")

    assert (chat.client, chat.case, chat.name, chat.email) == (customer, case, "Greta Holm", "greta@example.com")


# --- Messages ------------------------------------------------------------------------


def test_resent_message_is_stored_once_and_returned_as_a_duplicate(chat):
    first, created = chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="Hello?")
    again, created_again = chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="Hello?")

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert ChatMessage.objects.filter(chat=chat).count() == 1


def test_messages_are_numbered_in_order_across_both_sides(chat, agent):
    chat_take(chat=chat, agent=agent)  # seq 1: the system's "joined"
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="1", text="My oven")
    chat_post(chat=chat, side=Side.AGENT, client_message_id="1", text="I am looking", author=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="2", text="Thanks")

    assert _messages(chat) == [
        (1, Side.SYSTEM, f"{agent} has joined the chat."),
        (2, Side.CLIENT, "My oven"),
        (3, Side.AGENT, "I am looking"),
        (4, Side.CLIENT, "Thanks"),
    ]
    chat.refresh_from_db()
    assert chat.last_seq == 4


def test_closed_chat_refuses_new_messages_but_a_resend_finds_the_stored_one(chat, agent):
    stored, _ = chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="Hello")
    chat_close(chat=chat, actor=agent)

    with pytest.raises(ValidationError, match="This chat is closed"):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-2", text="Are you there?")
    again, created = chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="Hello")
    assert (again.pk, created) == (stored.pk, False)


def test_too_long_empty_and_idless_messages_are_refused_with_the_reason(chat, settings):
    settings.CASEBOOK_CHAT_MAX_CHARS = 10

    with pytest.raises(ValidationError, match="too long: 11 characters, at most 10"):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id="a", text="x" * 11)
    with pytest.raises(ValidationError, match="empty"):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id="b", text="  \n")
    with pytest.raises(ValidationError, match="its own id"):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id="", text="Hello")
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="c", text="x" * 10)
    assert ChatMessage.objects.filter(chat=chat).count() == 1


def test_one_side_sending_too_fast_is_stopped_and_the_other_side_is_not(chat, agent, settings):
    settings.CASEBOOK_CHAT_RATE_MESSAGES = 3
    chat_take(chat=chat, agent=agent)
    for n in range(3):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id=f"c{n}", text="Hello")

    with pytest.raises(ValidationError, match="too fast"):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id="c3", text="Hello")
    chat_post(chat=chat, side=Side.AGENT, client_message_id="a0", text="One moment", author=agent)
    # A resend of a stored message is answered, not counted.
    assert chat_post(chat=chat, side=Side.CLIENT, client_message_id="c0", text="Hello")[1] is False


def test_client_messages_get_a_suggested_mood_and_abuse_is_recorded(chat, agent):
    chat_take(chat=chat, agent=agent)
    calm, _ = chat_post(chat=chat, side=Side.CLIENT, client_message_id="1", text="Could you help me, please?")
    abusive, _ = chat_post(chat=chat, side=Side.CLIENT, client_message_id="2", text="You are idiots.")
    answer, _ = chat_post(chat=chat, side=Side.AGENT, client_message_id="1", text="You idiots", author=agent)

    assert (calm.mood_suggested, abusive.mood_suggested, answer.mood_suggested) == (Mood.CALM, Mood.ABUSIVE, "")


def test_an_agent_answers_only_a_chat_they_have(chat, agent, teammate):
    with pytest.raises(ValidationError, match="Take the chat"):
        chat_post(chat=chat, side=Side.AGENT, client_message_id="1", text="Hi", author=agent)
    chat_take(chat=chat, agent=agent)
    with pytest.raises(ValidationError, match=f"This chat is with {agent}"):
        chat_post(chat=chat, side=Side.AGENT, client_message_id="1", text="Hi", author=teammate)


# --- Taking and handing over -----------------------------------------------------------


def test_taking_a_chat_makes_it_active_once(chat, agent, teammate, outsider):
    with pytest.raises(ValidationError, match="your own teams"):
        chat_take(chat=chat, agent=outsider)
    taken, joined = chat_take(chat=chat, agent=agent)
    assert (taken.status, taken.agent, joined.sender) == (ChatStatus.ACTIVE, agent, Side.SYSTEM)
    assert chat_take(chat=chat, agent=agent)[1] is None
    with pytest.raises(ValidationError, match=f"{agent} has taken this chat already"):
        chat_take(chat=chat, agent=teammate)


def test_hand_over_goes_only_to_a_member_of_the_chats_team(chat, agent, teammate, manager, outsider):
    chat_take(chat=chat, agent=agent)
    with pytest.raises(ValidationError, match="not in the chat's team"):
        chat_hand_over(chat=chat, actor=agent, to_user=outsider)
    with pytest.raises(ValidationError, match="Only the agent of this chat or a manager"):
        chat_hand_over(chat=chat, actor=teammate, to_user=teammate)

    handed, note = chat_hand_over(chat=chat, actor=agent, to_user=teammate)

    assert handed.agent == teammate
    assert note.text == f"{teammate} has taken over the chat."
    assert Notice.objects.filter(user=teammate, message__contains="handed you a live chat").exists()
    # A manager of the team may move it on, here to themselves.
    assert chat_hand_over(chat=chat, actor=manager, to_user=manager)[0].agent == manager


def test_outsider_manager_cannot_hand_over(chat, agent, other_team):
    from accounts.roles import Role

    stranger = UserFactory(username="olga", teams=[other_team], role=Role.MANAGER)
    chat_take(chat=chat, agent=agent)
    with pytest.raises(ValidationError, match="Only the agent"):
        chat_hand_over(chat=chat, actor=stranger, to_user=stranger)


# --- Closing -----------------------------------------------------------------------------


def test_closing_puts_the_transcript_on_the_case_once(chat, agent, case):
    chat_take(chat=chat, agent=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="1", text="The oven is STILL broken")
    chat_post(chat=chat, side=Side.AGENT, client_message_id="1", text="A technician comes at 9.", author=agent)

    closed, note = chat_close(chat=chat, actor=agent)
    again, no_note = chat_close(chat=chat, actor=agent)

    assert closed.status == ChatStatus.CLOSED and closed.closed_at is not None
    assert note.text == f"{agent} has ended the chat." and no_note is None
    contact = Interaction.objects.get(case=case)
    assert again.interaction == contact
    assert (contact.channel, contact.direction, contact.occurred_at) == (
        Channel.CHAT,
        Direction.INBOUND,
        chat.started_at,
    )
    assert "Greta Holm: The oven is STILL broken" in contact.summary
    assert f"{agent}: A technician comes at 9." in contact.summary
    assert contact.summary.index("STILL broken") < contact.summary.index("technician")


def test_transcript_takes_the_worst_mood_of_the_clients_messages(chat, agent):
    chat_take(chat=chat, agent=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="1", text="Hello")
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="2", text="This is unacceptable and ridiculous!")

    closed, _ = chat_close(chat=chat, actor=None)

    assert closed.interaction.mood == Mood.ANGRY
    assert "Greta Holm has ended the chat." in closed.interaction.summary


def test_outsider_cannot_close(chat, outsider):
    with pytest.raises(ValidationError):
        chat_close(chat=chat, actor=outsider)


# --- Tokens --------------------------------------------------------------------------------


def test_chat_token_opens_its_chat_and_nothing_else(chat):
    token = chat_token(chat)

    assert chat_from_token(token) == chat
    for bad in (token[:-2] + "xx", "", "nonsense", chat_link_token(chat.client)):
        with pytest.raises(ValidationError, match="not valid"):
            chat_from_token(bad)


def test_chat_token_expires(chat, settings):
    settings.CASEBOOK_CHAT_TOKEN_MAX_AGE = 3600
    token = chat_token(chat)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=2)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        chat_from_token(token)


def test_chat_link_knows_its_client_and_expires(customer, settings):
    settings.CASEBOOK_CHAT_LINK_MAX_AGE = 3600
    token = chat_link_token(customer)

    assert client_from_link_token(token) == customer
    with pytest.raises(ValidationError, match="not valid"):
        client_from_link_token(token.replace(":", ":x", 1))
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=2)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        client_from_link_token(token)


def test_abusive_chat_ends_as_an_abusive_contact_that_escalates_the_case(chat, agent, case):
    from escalations.models import Escalation

    chat_take(chat=chat, agent=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="1", text="You are idiots, all of you.")

    closed, _ = chat_close(chat=chat, actor=agent)

    assert closed.interaction.mood == Mood.ABUSIVE
    assert Escalation.objects.filter(case=case).exists()
