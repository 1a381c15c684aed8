"""The client's chat pages: the start form, the start from an emailed link, the chat page."""

import re

import pytest
from django.urls import resolve, reverse

from accounts.tests.factories import TeamFactory, UserFactory
from chat.models import Chat, ChatStatus, TeamChat
from chat.services import chat_from_token, chat_link_token, chat_token


def _room_of(url: str) -> Chat:
    """The chat a redirect leads to. (A token carries the second it was made, so one made
    here may differ from the view's: read the view's back instead of comparing.)"""
    match = resolve(url)
    assert match.view_name == "chat:room"
    return chat_from_token(match.kwargs["token"])


def test_start_form_opens_a_chat_and_sends_the_client_to_its_page(client, team_chat, customer, case):
    assert client.get(reverse("chat:start")).status_code == 200

    response = client.post(reverse("chat:start"), {"name": "Greta", "email": "greta@example.com"})

    chat = Chat.objects.get()
    assert (chat.client, chat.case, chat.status) == (customer, case, ChatStatus.WAITING)
    assert chat.origin.endswith("/chat/start/")
    assert response.status_code == 302
    assert _room_of(response.url) == chat


def test_start_form_says_what_is_wrong(client, team_chat):
    response = client.post(reverse("chat:start"), {"name": "", "email": "nope"})

    assert response.status_code == 422
    assert not Chat.objects.exists()
    assert "This field is required." in response.content.decode()


def test_start_needs_a_team_that_offers_chat(client, team_chat, other_team, manager):
    assert client.get(reverse("chat:start"), {"team": other_team.pk}).status_code == 404
    assert client.get(reverse("chat:start"), {"team": "x"}).status_code == 404
    assert client.get(reverse("chat:start"), {"team": team_chat.team_id}).status_code == 200
    TeamChat.objects.create(team=TeamFactory(), owner=UserFactory())
    # Two teams offer chat: the page must be told which.
    assert client.get(reverse("chat:start")).status_code == 404


def test_emailed_link_starts_the_chat_only_on_the_button(client, team_chat, customer, case):
    url = reverse("chat:link", kwargs={"token": chat_link_token(customer)})

    page = client.get(url)
    assert page.status_code == 200 and "Hello Greta Holm" in page.content.decode()
    assert not Chat.objects.exists()  # mail scanners open links
    response = client.post(url)

    chat = Chat.objects.get()
    assert (chat.client, chat.origin) == (customer, "email")
    assert _room_of(response.url) == chat


@pytest.mark.parametrize("name", ["chat:link", "chat:room"])
def test_bad_tokens_find_nothing(client, name):
    response = client.get(reverse(name, kwargs={"token": "forged:token"}))

    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_chat_page_connects_with_a_script_file_and_no_inline_script(client, chat):
    token = chat_token(chat)
    response = client.get(reverse("chat:room", kwargs={"token": token}))
    html = response.content.decode()

    assert f'data-chat-socket="/ws/chat/client/{token}/"' in html
    assert 'data-chat-side="client"' in html
    assert "/static/js/chat.js" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "Content-Security-Policy" in response.headers
