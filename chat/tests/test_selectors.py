"""Reading chats: the queues in team scope, one chat or 404, the messages after a number,
and which websites may open a client's chat."""

import pytest
from django.http import Http404

from chat.models import Side, TeamChat
from chat.selectors import chats_for_user, get_chat_for_user, messages_after, origin_allowed
from chat.services import chat_post, chat_start, chat_take

from .conftest import SITE


def test_queues_show_waiting_mine_and_the_teams_open_chats(chat, team_chat, agent, teammate, outsider, admin):
    second = chat_start(team=team_chat.team, name="Otto", email="otto@example.com")
    chat_take(chat=second, agent=teammate)

    assert list(chats_for_user(agent, "waiting")) == [chat]
    assert list(chats_for_user(agent, "mine")) == []
    assert list(chats_for_user(teammate, "mine")) == [second]
    assert list(chats_for_user(agent, "team")) == [chat, second]
    assert list(chats_for_user(outsider, "team")) == []
    assert list(chats_for_user(admin, "team")) == [chat, second]


def test_other_teams_chats_answer_404(chat, agent, outsider):
    assert get_chat_for_user(agent, chat.pk) == chat
    with pytest.raises(Http404):
        get_chat_for_user(outsider, chat.pk)


def test_messages_after_a_number_are_the_later_ones_in_order(chat):
    for n in range(1, 5):
        chat_post(chat=chat, side=Side.CLIENT, client_message_id=str(n), text=f"message {n}")

    assert [m.text for m in messages_after(chat, 2)] == ["message 3", "message 4"]
    assert list(messages_after(chat, 4)) == []


def test_origin_must_be_ours_or_one_the_team_allows(chat, other_team, manager, settings):
    settings.CASEBOOK_BASE_URL = "https://casebook.example.org/app"
    TeamChat.objects.create(team=other_team, owner=manager, allowed_origins="https://other.example")

    assert origin_allowed(chat, SITE)
    assert origin_allowed(chat, "HTTPS://SHOP.example:8443")
    assert origin_allowed(chat, "https://casebook.example.org")
    assert not origin_allowed(chat, "https://other.example")
    assert not origin_allowed(chat, "https://www.holm-bakery.example.evil.example")
    assert not origin_allowed(chat, "http://www.holm-bakery.example")
    assert not origin_allowed(chat, "")
    assert not origin_allowed(chat, "null")
