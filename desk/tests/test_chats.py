"""The agents' chats queue and a chat's page: team scope, taking a chat, escaping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat.models import ChatStatus, TeamChat
from chat.services import chat_start, chat_take


@pytest.fixture
def team_chat(team, manager):
    return TeamChat.objects.create(team=team, owner=manager)


@pytest.fixture
def chat(team_chat, customer, case):
    return chat_start(team=team_chat.team, name="Greta <b>Holm</b>", email="greta@example.com")


def test_queue_lists_waiting_mine_and_the_teams_chats(agent_client, chat, team_chat, teammate):
    other = chat_start(team=team_chat.team, name="Otto", email="otto@example.com")
    chat_take(chat=other, agent=teammate)

    response = agent_client.get(reverse("chats"))

    assert response.status_code == 200
    assert [c.pk for c in response.context["waiting"]] == [chat.pk]
    assert response.context["mine"] == []
    assert [c.pk for c in response.context["team"]] == [chat.pk, other.pk]
    html = response.content.decode()
    assert "Greta &lt;b&gt;Holm&lt;/b&gt;" in html and "<b>Holm</b>" not in html


def test_queue_costs_the_same_queries_for_one_chat_or_many(agent_client, chat, team_chat):
    agent_client.get(reverse("chats"))  # the signed-in user and the notices badge, cached
    with CaptureQueriesContext(connection) as one:
        agent_client.get(reverse("chats"))
    for n in range(5):
        chat_start(team=team_chat.team, name=f"Client {n}", email=f"client{n}@example.com")
    agent_client.get(reverse("chats"))
    with CaptureQueriesContext(connection) as six:
        agent_client.get(reverse("chats"))

    assert len(six) == len(one)


def test_taking_a_chat_gives_it_to_the_agent_and_opens_its_page(agent_client, agent, chat):
    response = agent_client.post(reverse("chat_take", kwargs={"pk": chat.pk}))

    assert response.url == reverse("chat", kwargs={"pk": chat.pk})
    chat.refresh_from_db()
    assert (chat.status, chat.agent) == (ChatStatus.ACTIVE, agent)
    page = agent_client.get(response.url).content.decode()
    assert f'data-chat-socket="/ws/chat/agent/{chat.pk}/"' in page
    assert 'id="chat-form"' in page
    assert "Greta &lt;b&gt;Holm&lt;/b&gt;" in page and "<b>Holm</b>" not in page


def test_a_chat_someone_else_has_cannot_be_taken_and_is_followed_read_only(agent_client, chat, teammate):
    chat_take(chat=chat, agent=teammate)

    response = agent_client.post(reverse("chat_take", kwargs={"pk": chat.pk}), follow=True)

    assert f"{teammate} has taken this chat already." in response.content.decode()
    page = agent_client.get(reverse("chat", kwargs={"pk": chat.pk})).content.decode()
    assert 'id="chat-form"' not in page
    assert "you can follow it here" in page
