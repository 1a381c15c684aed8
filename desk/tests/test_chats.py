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


# --- The chat workspace ------------------------------------------------------------------


def test_the_chat_page_is_a_workspace_with_the_case_coaching_step_and_history(agent_client, agent, chat, case):
    from interactions.services import interaction_log

    interaction_log(
        actor=agent, case=case, channel="call", direction="inbound", mood="angry", summary="Called <i>twice</i>."
    )
    chat_take(chat=chat, agent=agent)

    response = agent_client.get(reverse("chat", kwargs={"pk": chat.pk}))

    page = response.content.decode()
    assert 'id="case-badges"' in page  # the case's compact header
    assert 'id="coaching"' in page and "Coaching:" in page
    assert "The client&#x27;s last contacts" in page or "The client's last contacts" in page
    assert "Called &lt;i&gt;twice&lt;/i&gt;." in page and "<i>twice</i>" not in page
    assert 'id="chat-coach"' in page and 'id="chat-boundary-tools"' in page
    assert 'href="#chat-text"' in page  # the composer without the mouse
    assert "Hand over the chat" in page


def test_the_case_page_links_to_its_open_chat_at_no_extra_query(agent_client, agent, chat, case):
    from chat.services import chat_close
    from clients.tests.factories import CaseFactory
    from clients.tests.test_query_counts import count_queries
    from playbooks.defaults import install_defaults
    from playbooks.models import Playbook, PlaybookVersion, Step

    install_defaults(Playbook, PlaybookVersion, Step)
    page = agent_client.get(case.get_absolute_url()).content.decode()
    assert f'href="{reverse("chat", kwargs={"pk": chat.pk})}">Live chat in progress: open it</a>' in page
    # The open chat is read with the case (one annotation), not by a query of its own: the
    # page costs what the same page of a case without a chat costs.
    no_chat = CaseFactory(client=case.client, owner=agent)
    assert count_queries(agent_client, case.get_absolute_url()) == count_queries(
        agent_client, no_chat.get_absolute_url()
    )

    chat_take(chat=chat, agent=agent)
    chat_close(chat=chat, actor=agent)
    assert "Live chat in progress" not in agent_client.get(case.get_absolute_url()).content.decode()


def test_the_queue_rows_fragment_lists_the_chats_for_the_polling_page(agent_client, chat):
    page = agent_client.get(reverse("chats")).content.decode()
    assert 'hx-get="/chats/rows/"' in page and 'hx-trigger="every 10s"' in page

    response = agent_client.get(reverse("chats_rows"))

    fragment = response.content.decode()
    assert "<html" not in fragment
    assert f'data-waiting-chat="{chat.pk}"' in fragment and 'data-waiting-count="1"' in fragment


# --- Handing over -----------------------------------------------------------------------------


def test_handing_over_gives_the_chat_to_a_colleague_who_is_told(agent_client, agent, chat, teammate):
    from accounts.models import Notice
    from chat.models import ChatMessage

    chat_take(chat=chat, agent=agent)

    response = agent_client.post(reverse("chat_hand_over", kwargs={"pk": chat.pk}), {"to_user": teammate.pk})

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.agent == teammate
    assert Notice.objects.filter(user=teammate, message__contains="handed you a live chat").exists()
    assert ChatMessage.objects.filter(chat=chat, text=f"{teammate} has taken over the chat.").exists()
    page = agent_client.get(reverse("chat", kwargs={"pk": chat.pk})).content.decode()
    assert 'id="chat-form"' not in page


@pytest.mark.parametrize("to_user", ["", "abc", "999999", "outsider"])
def test_a_hand_over_to_nobody_or_an_outsider_is_refused_and_changes_nothing(
    agent_client, agent, chat, outsider, to_user
):
    chat_take(chat=chat, agent=agent)
    value = str(outsider.pk) if to_user == "outsider" else to_user

    response = agent_client.post(reverse("chat_hand_over", kwargs={"pk": chat.pk}), {"to_user": value})

    assert response.status_code == 422
    chat.refresh_from_db()
    assert chat.agent == agent


def test_a_colleague_who_does_not_have_the_chat_cannot_hand_it_over(client, agent, teammate, manager, chat):
    chat_take(chat=chat, agent=agent)
    client.force_login(teammate)

    response = client.post(reverse("chat_hand_over", kwargs={"pk": chat.pk}), {"to_user": manager.pk}, follow=True)

    assert "Only the agent of this chat or a manager" in response.content.decode()
    chat.refresh_from_db()
    assert chat.agent == agent


def test_the_chats_page_lets_the_agent_say_whether_they_take_chats(agent_client):
    page = agent_client.get(reverse("chats")).content.decode()
    assert 'id="chat-availability"' in page and "Set me available for chat" in page
    agent_client.post(reverse("chat:availability"), {"available": "1"})
    page = agent_client.get(reverse("chats")).content.decode()
    assert "Set me away" in page and "Available for chat" in page
