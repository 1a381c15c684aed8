"""The mail pages and the webhook: team scope, clear refusals, nothing changed by bad input."""

import pytest
from django.urls import reverse

from clients.models import Client
from inbox.models import InboundMessage, Mailbox, MessageState
from inbox.services import message_take_in
from interactions.models import Interaction

from .conftest import make_email


@pytest.fixture
def stranger_mail(mailbox):
    message, _new = message_take_in(
        mailbox=mailbox,
        raw=make_email(sender="Nina Park <nina@example.org>", subject="Broken kettle", body="<b>It leaks.</b>"),
    )
    return message


def test_triage_lists_the_teams_waiting_mail_only(client, agent, outsider, stranger_mail):
    client.force_login(agent)
    page = client.get(reverse("inbox:triage"))
    assert page.status_code == 200 and "Broken kettle" in page.text and "Nina Park" in page.text

    client.force_login(outsider)
    page = client.get(reverse("inbox:triage"))
    assert "Broken kettle" not in page.text and "No email is waiting" in page.text


def test_a_message_outside_the_users_teams_is_404_everywhere(client, outsider, stranger_mail):
    client.force_login(outsider)
    pk = stranger_mail.pk
    for name in ("inbox:message", "inbox:raw"):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    for name in ("inbox:place", "inbox:ignore", "inbox:confirm_mood"):
        assert client.post(reverse(name, args=[pk]), {"new_client_name": "X"}).status_code == 404
    stranger_mail.refresh_from_db()
    assert stranger_mail.state == MessageState.TRIAGE


def test_the_message_page_shows_the_text_escaped_and_offers_the_original(agent_client, stranger_mail):
    page = agent_client.get(reverse("inbox:message", args=[stranger_mail.pk]))
    assert page.status_code == 200
    assert "&lt;b&gt;It leaks.&lt;/b&gt;" in page.text and "<b>It leaks.</b>" not in page.text
    assert "Put it on a case" in page.text

    raw = agent_client.get(reverse("inbox:raw", args=[stranger_mail.pk]))
    assert raw["Content-Type"] == "message/rfc822" and "attachment" in raw["Content-Disposition"]
    assert raw.content == bytes(stranger_mail.raw)


def test_placing_on_a_new_client_goes_to_the_new_case(agent_client, stranger_mail):
    response = agent_client.post(reverse("inbox:place", args=[stranger_mail.pk]), {"new_client_name": "Nina Park"})

    contact = Interaction.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#interaction-{contact.pk}")
    assert contact.case.client.name == "Nina Park"


def test_placing_with_nothing_chosen_says_what_to_do_and_changes_nothing(agent_client, stranger_mail):
    response = agent_client.post(reverse("inbox:place", args=[stranger_mail.pk]), {})

    assert response.status_code == 400 and "Choose a client, or give the new client a name" in response.text
    assert not Client.objects.filter(email="nina@example.org").exists()


def test_placing_twice_is_refused_clearly(agent_client, stranger_mail):
    agent_client.post(reverse("inbox:place", args=[stranger_mail.pk]), {"new_client_name": "Nina Park"})
    again = agent_client.post(reverse("inbox:place", args=[stranger_mail.pk]), {"new_client_name": "Nina Park"})

    assert again.status_code == 400
    assert Interaction.objects.count() == 1


def test_set_aside(agent_client, stranger_mail):
    response = agent_client.post(reverse("inbox:ignore", args=[stranger_mail.pk]))
    stranger_mail.refresh_from_db()
    assert response.status_code == 302 and stranger_mail.state == MessageState.IGNORED


def test_the_timeline_card_links_to_the_email_and_the_agent_confirms_the_mood(agent_client, mailbox, case, agent):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="Thanks, all good."))

    page = agent_client.get(case.get_absolute_url())
    assert "arrived by email" in page.text and reverse("inbox:original", args=[message.interaction_id]) in page.text
    original = agent_client.get(reverse("inbox:original", args=[message.interaction_id]))
    assert original.status_code == 302 and original["Location"] == reverse("inbox:message", args=[message.pk])

    agent_client.post(reverse("inbox:confirm_mood", args=[message.pk]))
    message.refresh_from_db()
    assert message.mood_checked_by == agent


def test_webhook_takes_a_raw_message_with_the_mailboxs_secret(client, mailbox, case):
    url = reverse("inbox:webhook", args=[mailbox.pk])
    raw = make_email()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {mailbox.webhook_secret}"}

    first = client.post(url, raw, content_type="message/rfc822", **auth)
    again = client.post(url, raw, content_type="message/rfc822", **auth)

    assert first.status_code == 202 and first.json()["new"] is True
    assert again.status_code == 200 and again.json() == {**first.json(), "new": False}
    assert InboundMessage.objects.get().case == case


@pytest.mark.parametrize("auth", ["", "Bearer wrong", "Basic abc", "Bearer "])
def test_webhook_refuses_a_wrong_secret_and_stores_nothing(client, mailbox, auth):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    response = client.post(
        reverse("inbox:webhook", args=[mailbox.pk]), make_email(), content_type="message/rfc822", **headers
    )
    assert response.status_code == 404 and not InboundMessage.objects.exists()


def test_webhook_refuses_an_empty_body_and_an_unknown_mailbox(client, mailbox):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {mailbox.webhook_secret}"}
    empty = client.post(reverse("inbox:webhook", args=[mailbox.pk]), b"", content_type="message/rfc822", **auth)
    unknown = client.post(reverse("inbox:webhook", args=[999999]), b"x", content_type="message/rfc822", **auth)
    huge_id = client.post("/mail/webhook/99999999999999999999999/", b"x", content_type="message/rfc822", **auth)
    assert (empty.status_code, unknown.status_code, huge_id.status_code) == (400, 404, 404)


def test_webhook_takes_garbage_bytes_without_error(client, mailbox):
    response = client.post(
        reverse("inbox:webhook", args=[mailbox.pk]),
        b"\xff\xfe\x00garbage\x00\r\n\r\n\x80\x81",
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {mailbox.webhook_secret}",
    )
    assert response.status_code == 202
    assert InboundMessage.objects.get().state == MessageState.TRIAGE


def test_a_manager_adds_a_mailbox_and_its_password_is_never_shown_back(client, manager, team):
    client.force_login(manager)
    form = {
        "team": team.pk,
        "name": "Care",
        "address": "care@casebook.example",
        "owner": manager.pk,
        "is_active": "on",
        "imap_host": "imap.example.com",
        "imap_port": 993,
        "imap_security": "tls",
        "imap_user": "care",
        "imap_password": "Very-secret-9",
        "imap_folder": "INBOX",
    }
    response = client.post(reverse("inbox:mailbox_new"), form)
    mailbox = Mailbox.objects.get()
    assert response.status_code == 302 and mailbox.imap_password == "Very-secret-9"

    page = client.get(reverse("inbox:mailbox_edit", args=[mailbox.pk]))
    assert page.status_code == 200 and "Very-secret-9" not in page.text and "A password is stored" in page.text
    assert mailbox.webhook_secret not in page.text

    client.post(reverse("inbox:mailbox_edit", args=[mailbox.pk]), {**form, "imap_password": "", "name": "Care 2"})
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password) == ("Care 2", "Very-secret-9")  # empty keeps it
    client.post(reverse("inbox:mailbox_edit", args=[mailbox.pk]), {**form, "imap_password": "", "clear_password": "on"})
    mailbox.refresh_from_db()
    assert mailbox.imap_password == ""


def test_a_mailbox_owner_outside_the_team_is_refused_clearly(client, manager, team, outsider):
    client.force_login(manager)
    response = client.post(
        reverse("inbox:mailbox_new"),
        {"team": team.pk, "name": "Care", "address": "care@casebook.example", "owner": outsider.pk,
         "imap_port": 993, "imap_security": "tls", "imap_folder": "INBOX"},
    )  # fmt: skip
    assert response.status_code == 422 and not Mailbox.objects.exists()


def test_agents_cannot_open_the_mailbox_settings(agent_client, mailbox):
    assert agent_client.get(reverse("inbox:mailboxes")).status_code == 403
    assert agent_client.get(reverse("inbox:mailbox_edit", args=[mailbox.pk])).status_code == 403


def test_a_new_webhook_secret_is_shown_once_and_the_old_one_stops_working(client, manager, mailbox):
    old = mailbox.webhook_secret
    client.force_login(manager)
    page = client.post(reverse("inbox:mailbox_webhook_secret", args=[mailbox.pk]))
    mailbox.refresh_from_db()
    assert mailbox.webhook_secret != old and mailbox.webhook_secret in page.text
    client.logout()
    refused = client.post(
        reverse("inbox:webhook", args=[mailbox.pk]),
        make_email(),
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {old}",
    )
    assert refused.status_code == 404


def test_answer_by_email_starts_from_the_clients_subject(agent_client, mailbox, case):
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(subject="RE: Oven [ref c1-0000000000]"))
    page = agent_client.get(reverse("inbox:message", args=[message.pk]))
    answer_url = reverse("cases:client_summary", args=[case.pk]) + "?subject=Re%3A%20Oven"
    assert answer_url in page.text
    form = agent_client.get(answer_url)
    assert 'value="Re: Oven"' in form.text


def test_the_email_page_says_why_its_mood_was_suggested(agent_client, mailbox, case, manager):
    from accounts.services import team_settings_update

    team_settings_update(actor=manager, team=case.team, hostile_phrases="you people are useless")
    message, _new = message_take_in(mailbox=mailbox, raw=make_email(body="You people are useless."))

    page = agent_client.get(reverse("inbox:message", args=[message.pk]))
    assert "Why:" in page.text and "you people are useless" in page.text and "Yes, confirm" in page.text
