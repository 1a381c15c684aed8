"""Client emails carry "Chat with us: <link>" when the client's team offers chat, and the
link opens the chat for that client; without chat, no such line."""

import re

from django.test import Client as Browser

from chat.availability import availability_set
from chat.models import Chat
from interactions.outbox import outbox_enqueue_many
from interactions.services import client_summary_send


def _summary(agent, case):
    return client_summary_send(actor=agent, case=case, subject="Our call today", body="The engineer comes on Friday.")


def _chat_link(text: str) -> str | None:
    found = re.search(r"Chat with us: (\S+)", text)
    return found.group(1) if found else None


def test_a_summary_to_a_client_of_a_chat_team_carries_a_working_link(team_chat, agent, customer, case, settings):
    email = _summary(agent, case)

    link = _chat_link(email.body_text)
    assert link and link.startswith(settings.CASEBOOK_BASE_URL.rstrip("/") + "/chat/start/")
    assert f'href="{link}"' in email.body_html
    assert email.body_text.index("The engineer comes on Friday.") < email.body_text.index("Chat with us:")
    browser = Browser()
    path = link.removeprefix(settings.CASEBOOK_BASE_URL.rstrip("/"))
    page = browser.get(path)
    assert page.status_code == 200 and "Hello Greta Holm" in page.content.decode()
    response = browser.post(path)
    assert response.status_code == 302
    assert Chat.objects.get().client == customer


def test_without_chat_a_client_email_carries_no_link(agent, customer, case):
    email = _summary(agent, case)

    assert "Chat with us" not in email.body_text and "/chat/" not in email.body_html
    assert email.body_text.rstrip().endswith(str(agent))


def test_the_many_at_once_path_carries_the_link_too(team_chat, agent, customer, case):
    rows = outbox_enqueue_many(
        emails=[
            {
                "cause_key": "test:many",
                "to_email": customer.email,
                "template": "follow_up_client",
                "context": {"client": customer, "case": case, "message": "Here is the part.", "sender": agent},
                "case": case,
                "to_client": True,
            }
        ],
        hand_now=False,
    )

    assert _chat_link(rows["test:many"].body_text)


def test_staff_emails_carry_no_chat_link(team_chat, agent, case):
    rows = outbox_enqueue_many(
        emails=[
            {
                "cause_key": "test:staff",
                "to_email": agent.email or "alice@example.com",
                "template": "follow_up_client",
                "context": {"client": case.client, "case": case, "message": "x", "sender": agent},
                "case": case,
            }
        ],
        hand_now=False,
    )

    assert not _chat_link(rows["test:staff"].body_text)


def test_the_link_starts_no_chat_while_nobody_is_available(team_chat, agent, manager, customer, case):
    link = _chat_link(_summary(agent, case).body_text)
    availability_set(user=manager, available=False)
    path = "/" + link.split("/", 3)[3]

    page = Browser().get(path)
    assert "can chat at the moment" in page.content.decode()
    assert Browser().post(path).status_code == 409
    assert not Chat.objects.exists()
