"""Availability decides what a visitor gets: a live chat, or a message form whose message
lands on the client's case as an inbound email does."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from accounts.tests.factories import UserFactory
from chat.availability import availability_seen, availability_set, chat_available
from chat.models import Chat, ChatAvailability, TeamChat
from clients.models import Case, Client
from interactions.models import Channel, Direction, Interaction, Mood


@pytest.fixture
def quiet_team_chat(team, manager):
    """The team offers chat, but nobody is available."""
    return TeamChat.objects.create(team=team, owner=manager)


def test_a_team_offers_chat_while_an_active_member_is_available_and_seen_lately(team, agent, outsider, settings):
    assert not chat_available(team)
    availability_set(user=outsider, available=True)
    assert not chat_available(team)  # another team's agent

    availability_set(user=agent, available=True)
    assert chat_available(team)

    ChatAvailability.objects.filter(user=agent).update(
        seen_at=timezone.now() - timedelta(seconds=settings.CASEBOOK_CHAT_AWAY_AFTER_SECONDS + 1)
    )
    assert not chat_available(team)  # the page was closed: away by itself
    availability_seen(user=agent)
    assert chat_available(team)

    agent.is_active = False
    agent.save()
    assert not chat_available(team)


def test_away_is_away_however_recently_seen(team, agent):
    availability_set(user=agent, available=True)
    availability_set(user=agent, available=False)
    availability_seen(user=agent)

    assert not chat_available(team)


def test_the_agent_sets_it_with_a_plain_form_or_htmx(client, agent, team):
    client.force_login(agent)
    url = reverse("chat:availability")
    page = client.get(url)
    assert page.status_code == 200 and "Set me available for chat" in page.content.decode()

    response = client.post(url, {"available": "1"})
    assert response.status_code == 302 and response.url == url
    assert chat_available(team)

    swapped = client.post(url, {"available": "0"}, headers={"HX-Request": "true"})
    html = swapped.content.decode()
    assert swapped.status_code == 200
    assert 'id="chat-availability"' in html and "<nav" not in html  # the partial alone
    assert "Set me available for chat" in html
    assert not chat_available(team)


def test_the_control_polls_seen_every_minute(client, agent):
    client.force_login(agent)
    availability_set(user=agent, available=True)
    ChatAvailability.objects.filter(user=agent).update(seen_at=timezone.now() - timedelta(minutes=5))

    html = client.get(reverse("chat:availability")).content.decode()
    assert 'hx-trigger="every 60s"' in html and """hx-vals='{"seen": "1"}'""" in html
    response = client.post(reverse("chat:availability"), {"seen": "1"}, headers={"HX-Request": "true"})

    assert response.status_code == 200 and "Set me away" in response.content.decode()
    assert ChatAvailability.objects.get(user=agent).seen_at > timezone.now() - timedelta(seconds=5)


def test_a_post_without_a_choice_is_a_clear_400_that_changes_nothing(client, agent):
    client.force_login(agent)

    response = client.post(reverse("chat:availability"), {"available": "maybe"})

    assert response.status_code == 400 and b"available=1 or 0" in response.content
    assert not ChatAvailability.objects.exists()


def test_availability_needs_a_signed_in_agent(client, db):
    response = client.post(reverse("chat:availability"), {"available": "1"})

    assert response.status_code == 302 and "login" in response.url
    assert not ChatAvailability.objects.exists()


def test_the_start_page_offers_chat_only_while_someone_is_available(client, quiet_team_chat, agent):
    page = client.get(reverse("chat:start")).content.decode()
    assert "Nobody can chat at the moment" in page and "Your message" in page
    assert "Start the chat" not in page

    availability_set(user=agent, available=True)
    page = client.get(reverse("chat:start")).content.decode()
    assert "Start the chat" in page and "Nobody can chat" not in page


def test_a_message_lands_on_the_clients_case_as_an_inbound_email(client, quiet_team_chat, customer, case, agent):
    url = reverse("chat:start")
    text = "Third time I write: the oven is STILL broken and nobody calls back. This is unacceptable."

    response = client.post(url, {"leave-name": "Greta", "leave-email": "GRETA@example.com", "leave-message": text})

    assert response.status_code == 302
    assert response.url == f"{url}?team={quiet_team_chat.team_id}&sent=1"
    contact = Interaction.objects.get(case=case)
    assert (contact.channel, contact.direction, contact.logged_by) == (Channel.EMAIL, Direction.INBOUND, None)
    assert text in contact.summary and "Greta <GRETA@example.com>" in contact.summary
    assert contact.mood != Mood.CALM  # suggested from the words, as for an email
    assert Notice.objects.filter(user=case.owner, message__contains="left a message").exists()
    assert not Chat.objects.exists()
    thanks = client.get(response.url).content.decode()
    assert "your message has arrived" in thanks


def test_a_message_from_someone_new_opens_a_client_and_a_case(client, quiet_team_chat, manager):
    client.post(
        reverse("chat:start"),
        {"leave-name": "Ann Berg", "leave-email": "ann@example.com", "leave-message": "Do you deliver on Sundays?"},
    )

    new = Client.objects.get(email="ann@example.com")
    assert (new.name, new.team_id) == ("Ann Berg", quiet_team_chat.team_id)
    new_case = Case.objects.get(client=new)
    assert new_case.owner == manager
    assert "Do you deliver on Sundays?" in Interaction.objects.get(case=new_case).summary


def test_a_bad_message_says_what_is_wrong_and_stores_nothing(client, quiet_team_chat):
    response = client.post(reverse("chat:start"), {"leave-name": "", "leave-email": "nope", "leave-message": "  "})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Interaction.objects.exists() and not Client.objects.filter(email="nope").exists()


def test_too_many_messages_from_one_address_get_a_clear_429(client, settings, quiet_team_chat):
    settings.CASEBOOK_CHAT_STARTS_PER_HOUR = 1
    data = {"leave-name": "Ann", "leave-email": "ann@example.com", "leave-message": "Hello?"}
    assert client.post(reverse("chat:start"), data).status_code == 302

    response = client.post(reverse("chat:start"), data)

    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert Interaction.objects.count() == 1


def test_an_available_agent_of_another_team_does_not_open_the_chat(client, quiet_team_chat, other_team):
    availability_set(user=UserFactory(teams=[other_team]), available=True)

    assert "Nobody can chat at the moment" in client.get(reverse("chat:start")).content.decode()
