"""Saved replies that are sent automatically: their trigger phrases, the service and the page."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from playbooks.models import SavedReply
from playbooks.services import saved_reply_save


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _form(team, **changes):
    data = {
        "team": team.pk,
        "title": "Opening hours",
        "body": "We are open from 9 to 5, {client_name}.",
        "temperament": "",
        "step_kind": "",
        "trigger_phrases": "",
    }
    return {**data, **changes}


def test_phrases_are_tidied_and_repeats_dropped(manager, team):
    reply = saved_reply_save(
        actor=manager,
        team=team,
        title="Hours",
        body="b",
        is_automatic=True,
        trigger_phrases="  opening   hours \n\nWhen are you OPEN\nOpening Hours\n\twhen are you open ",
    )

    reply.refresh_from_db()
    assert reply.is_automatic
    assert reply.trigger_phrases == "opening hours\nWhen are you OPEN"


def test_an_automatic_reply_needs_a_phrase(manager, team):
    with pytest.raises(ValidationError) as error:
        saved_reply_save(actor=manager, team=team, title="Hours", body="b", is_automatic=True, trigger_phrases=" \n ")

    assert "at least one trigger phrase" in error.value.message_dict["trigger_phrases"][0]
    assert not SavedReply.objects.exists()


@pytest.mark.parametrize(
    ("phrases", "says"),
    [
        ("ok", "too short"),
        ("x" * 101, "too long"),
        ("\n".join(f"phrase {n}" for n in range(51)), "51 phrases"),
    ],
)
def test_phrases_out_of_bounds_are_refused(manager, team, phrases, says):
    with pytest.raises(ValidationError) as error:
        saved_reply_save(actor=manager, team=team, title="Hours", body="b", is_automatic=True, trigger_phrases=phrases)

    assert says in " ".join(error.value.message_dict["trigger_phrases"])
    assert not SavedReply.objects.exists()


def test_fifty_phrases_of_three_to_a_hundred_characters_are_fine(manager, team):
    phrases = ["abc", "y" * 100, *(f"phrase {n}" for n in range(48))]

    reply = saved_reply_save(
        actor=manager, team=team, title="Hours", body="b", is_automatic=True, trigger_phrases="\n".join(phrases)
    )

    assert reply.trigger_phrases.splitlines() == phrases


def test_a_reply_that_is_not_automatic_may_keep_its_phrases(manager, team):
    reply = saved_reply_save(actor=manager, team=team, title="Hours", body="b", trigger_phrases="opening hours")

    assert not reply.is_automatic and reply.trigger_phrases == "opening hours"


def test_the_database_refuses_an_automatic_reply_without_phrases(manager, team):
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedReply.objects.create(team=team, title="t", body="b", is_automatic=True, updated_by=manager)


def test_manager_makes_a_reply_automatic_on_the_page(manager_client, team):
    page = manager_client.get(reverse("playbooks:reply_create")).content.decode()
    assert "Send it automatically" in page and "Trigger phrases (one per line)" in page
    assert "the case stays open for a person" in page

    response = manager_client.post(
        reverse("playbooks:reply_create"),
        _form(team, is_automatic="on", trigger_phrases="opening hours\nwhen are you open"),
    )

    assert response.status_code == 302
    reply = SavedReply.objects.get()
    assert reply.is_automatic and reply.trigger_phrases == "opening hours\nwhen are you open"
    page = manager_client.get(reverse("playbooks:reply_edit", args=[reply.pk])).content.decode()
    assert "when are you open" in page and "checked" in page


def test_the_page_refuses_automatic_without_phrases_and_saves_nothing(manager_client, team):
    response = manager_client.post(reverse("playbooks:reply_create"), _form(team, is_automatic="on"))

    # The page answers bad input as its other refusals do (422, the form shown again).
    assert response.status_code == 422
    assert "give at least one trigger phrase" in response.content.decode()
    assert not SavedReply.objects.exists()


def test_editing_keeps_the_page_and_the_reply_when_phrases_are_too_short(manager_client, manager, team):
    reply = saved_reply_save(
        actor=manager, team=team, title="Hours", body="b", is_automatic=True, trigger_phrases="opening hours"
    )

    response = manager_client.post(
        reverse("playbooks:reply_edit", args=[reply.pk]), _form(team, is_automatic="on", trigger_phrases="hi")
    )

    assert response.status_code == 422 and "too short" in response.content.decode()
    reply.refresh_from_db()
    assert reply.trigger_phrases == "opening hours" and reply.title == "Hours"


def test_agents_cannot_make_or_change_automatic_replies(agent_client, manager, team):
    reply = saved_reply_save(actor=manager, team=team, title="Hours", body="b")

    created = agent_client.post(
        reverse("playbooks:reply_create"), _form(team, is_automatic="on", trigger_phrases="opening hours")
    )
    edited = agent_client.post(
        reverse("playbooks:reply_edit", args=[reply.pk]),
        _form(team, is_automatic="on", trigger_phrases="opening hours"),
    )

    assert (created.status_code, edited.status_code) == (403, 403)
    reply.refresh_from_db()
    assert SavedReply.objects.count() == 1 and not reply.is_automatic


def test_the_service_refuses_an_agent(agent, team):
    with pytest.raises(ValidationError):
        saved_reply_save(actor=agent, team=team, title="t", body="b", is_automatic=True, trigger_phrases="hours")
    assert not SavedReply.objects.exists()
