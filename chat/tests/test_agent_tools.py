"""The agent's tools in a chat: the coach on the message being written (and held back when
it inflames), the boundary protocol's end (warning, transcript, one escalation), the case's
open chat and whom a chat can be handed to."""

import pytest
from django.core.exceptions import ValidationError

from accounts.tests.factories import UserFactory
from chat.models import ChatMessage, ChatStatus, Side
from chat.selectors import hand_over_choices, message_advice, open_chat_on_case
from chat.services import AdviceFirst, chat_close, chat_end_for_abuse, chat_post, chat_take
from clients.models import BoundaryWarning, Case, CaseStatus
from escalations.models import Escalation, EscalationReason
from interactions.models import Channel, Interaction, Mood

pytestmark = pytest.mark.django_db


# --- The coach -----------------------------------------------------------------------------


def test_an_inflaming_phrase_is_flagged_with_a_better_wording_and_agree_then_object():
    advice = message_advice("Please calm down, the technician came.")

    assert advice["flagged"] is True
    assert [w["phrase"] for w in advice["warnings"]] == ["calm down"]
    assert advice["warnings"][0]["suggestion"] == "I can hear this has been really frustrating."
    assert "I agree that …, and at the same time …" in advice["agree"]


def test_a_head_on_objection_gets_agree_then_object_without_holding_the_message():
    advice = message_advice("Yes, but the invoice was right.")

    assert advice["flagged"] is False and advice["warnings"] == []
    assert "I agree that" in advice["agree"]


def test_a_calm_message_gets_no_advice():
    assert message_advice("A technician comes tomorrow at 9.") == {"flagged": False, "warnings": [], "agree": ""}


def test_a_flagged_agent_message_is_not_stored_until_confirmed(chat, agent):
    chat_take(chat=chat, agent=agent)

    with pytest.raises(AdviceFirst) as held:
        chat_post(chat=chat, side=Side.AGENT, client_message_id="a-1", text="Calm down, please.", author=agent)
    assert held.value.advice["warnings"][0]["phrase"] == "Calm down"
    assert not ChatMessage.objects.filter(chat=chat, sender=Side.AGENT).exists()

    message, created = chat_post(
        chat=chat, side=Side.AGENT, client_message_id="a-1", text="Calm down, please.", author=agent, confirmed=True
    )
    assert created and message.text == "Calm down, please."
    # A resend of the stored message is acknowledged, not held back again.
    again, created = chat_post(chat=chat, side=Side.AGENT, client_message_id="a-1", text="Calm down.", author=agent)
    assert (again.pk, created) == (message.pk, False)


def test_a_client_message_is_never_held_back_by_the_coach(chat):
    message, created = chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="Calm down yourself!")
    assert created and message.mood_suggested


# --- The boundary protocol's end -------------------------------------------------------------


def test_ending_an_abusive_chat_warns_closes_and_escalates_once(chat, agent, case):
    chat_take(chat=chat, agent=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="You are idiots, all of you")

    chat, closing, escalation = chat_end_for_abuse(chat=chat, actor=agent)

    assert chat.status == ChatStatus.CLOSED and closing.sender == Side.SYSTEM
    contact = Interaction.objects.get(case=case, channel=Channel.CHAT)
    assert contact.mood == Mood.ABUSIVE and chat.interaction == contact
    warning = BoundaryWarning.objects.get(case=case)
    assert warning.given_by == agent
    # The abusive transcript escalated the case by itself; asking again finds that escalation.
    assert list(Escalation.objects.filter(case=case)) == [escalation]
    assert escalation.reason == EscalationReason.ABUSIVE_CLIENT
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ESCALATED


def test_ending_for_abuse_escalates_even_when_no_message_was_suggested_abusive(chat, agent, case):
    chat_take(chat=chat, agent=agent)
    chat_post(chat=chat, side=Side.CLIENT, client_message_id="c-1", text="I know where your office is.")

    chat, _closing, escalation = chat_end_for_abuse(chat=chat, actor=agent)

    assert escalation.raised_by == agent and escalation.reason == EscalationReason.ABUSIVE_CLIENT
    assert Escalation.objects.filter(case=case).count() == 1
    assert BoundaryWarning.objects.filter(case=case).count() == 1


def test_only_the_chats_agent_or_a_manager_ends_it_for_abuse_and_not_twice(chat, agent, teammate, manager, case):
    chat_take(chat=chat, agent=agent)

    with pytest.raises(ValidationError, match="Only the agent of this chat"):
        chat_end_for_abuse(chat=chat, actor=teammate)
    assert not BoundaryWarning.objects.exists() and not Escalation.objects.exists()

    chat_end_for_abuse(chat=chat, actor=manager)
    with pytest.raises(ValidationError, match="closed"):
        chat_end_for_abuse(chat=chat, actor=manager)
    assert Escalation.objects.filter(case=case).count() == 1


def test_a_closed_chat_cannot_be_ended_for_abuse(chat, agent):
    chat_take(chat=chat, agent=agent)
    chat_close(chat=chat, actor=agent)

    with pytest.raises(ValidationError):
        chat_end_for_abuse(chat=chat, actor=agent)
    assert not Escalation.objects.exists()


# --- Reads -------------------------------------------------------------------------------------


def test_the_case_knows_its_open_chat_and_forgets_it_when_closed(chat, agent, case):
    def annotated():
        return Case.objects.annotate(open_chat=open_chat_on_case()).get(pk=case.pk).open_chat

    assert annotated() == chat.pk
    chat_take(chat=chat, agent=agent)
    assert annotated() == chat.pk
    chat_close(chat=chat, actor=agent)
    assert annotated() is None


def test_hand_over_choices_are_the_teams_active_members_but_the_agent_with_managers_marked(
    chat, agent, teammate, manager, outsider, team
):
    chat, _joined = chat_take(chat=chat, agent=agent)
    UserFactory(teams=[team], is_active=False)

    choices = dict(hand_over_choices(chat))

    assert set(choices) == {teammate.pk, manager.pk}
    assert choices[manager.pk] == f"{manager} (manager)"
    assert choices[teammate.pk] == str(teammate)
