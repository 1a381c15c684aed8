"""The chat in two real browsers (Chromium contexts: the client and the agent) against a
real ASGI server: the client writes, the agent's queue marks the new chat, the agent takes
it, answers with an inflaming phrase and is held back by the coach, sends a better answer,
the client reloads and sees everything once, the agent ends it and the transcript is on the
case."""

import os

import pytest
from django.conf import settings
from django.test import Client

from chat.models import Chat, ChatMessage
from core.testing import require_chromium
from interactions.models import Channel, Interaction

from .servers import daphne_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
    executable = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are
    # still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.usefixtures("customer")
def test_client_and_agent_chat_in_two_browsers(chromium, team_chat, case, agent):
    signed_in = Client()
    signed_in.force_login(agent)
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value

    with daphne_server() as port:
        base = f"http://127.0.0.1:{port}"
        visitor = chromium.new_context(base_url=base).new_page()
        staff_context = chromium.new_context(base_url=base)
        staff_context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
        staff = staff_context.new_page()
        errors = []
        for page in (visitor, staff):
            page.set_default_timeout(10_000)
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

        # The agent's queue is open before anyone writes.
        staff.goto("/chats/")
        staff.get_by_text("Nobody is waiting.").wait_for()
        assert not staff.title().startswith("(")

        # The client introduces themselves and writes before anyone answers.
        visitor.goto("/chat/start/")
        visitor.get_by_label("Your name").fill("Greta Holm")
        visitor.get_by_label("Your email").fill("greta@example.com")
        visitor.get_by_role("button", name="Start the chat").click()
        visitor.get_by_text("Connected.").wait_for()
        visitor.get_by_label("Your message").fill("I am still waiting for the technician. <b>Help</b>")
        visitor.keyboard.press("Enter")
        visitor.locator('#chat-log li[data-seq="1"]').wait_for()

        # The queue's next refresh (every 10 s; asked for at once here) marks the new chat.
        staff.evaluate("htmx.ajax('GET', '/chats/rows/', {target: '#chat-queue', swap: 'innerHTML'})")
        staff.locator("tr[data-new-chat].table-warning").wait_for()
        assert staff.title().startswith("(1) ")
        assert staff.locator("nav [data-chats-badge]").inner_text() == "1"

        # The agent takes it from the queue and answers.
        staff.get_by_role("button", name="Take").click()
        first = staff.locator('#chat-log li[data-seq="1"]')
        first.get_by_text("I am still waiting for the technician. <b>Help</b>").wait_for()
        assert staff.locator('#chat-log li[data-seq="1"] .badge').inner_text().endswith("frustrated")

        # An inflaming phrase: the coach flags it as it is typed, and Enter does not send it.
        staff.get_by_label("Your message").fill("Calm down, a technician comes tomorrow.")
        coach = staff.locator("#chat-coach")
        coach.get_by_text("I can hear this has been really frustrating.").wait_for()
        assert "I agree that" in coach.inner_text()
        staff.keyboard.press("Enter")
        coach.get_by_text("Not sent yet").wait_for()
        assert staff.get_by_role("button", name="Send anyway").is_visible()
        assert staff.get_by_label("Your message").input_value() == "Calm down, a technician comes tomorrow."

        # A better wording goes out at the first Enter.
        staff.get_by_label("Your message").fill("I am sorry. A technician comes tomorrow at 9.")
        staff.keyboard.press("Enter")
        visitor.get_by_text("A technician comes tomorrow at 9.").wait_for()
        assert visitor.locator("#chat-log b").count() == 0  # shown as text, never as markup
        assert visitor.get_by_text("Calm down").count() == 0

        # Abuse: the boundary protocol beside the message; its prepared message in one click.
        visitor.get_by_label("Your message").fill("You are idiots, all of you")
        visitor.keyboard.press("Enter")
        abusive = staff.locator('#chat-log li[data-seq="4"]')
        abusive.get_by_role("button", name="Use the boundary message").click()
        assert "keep this respectful" in staff.get_by_label("Your message").input_value()
        assert abusive.get_by_role("button", name="End the chat and escalate").is_visible()
        staff.keyboard.press("Enter")
        visitor.get_by_text("keep this respectful").wait_for()

        # A reload (as after a lost connection) shows every message once.
        visitor.reload()
        visitor.get_by_text("Connected.").wait_for()
        visitor.locator('#chat-log li[data-seq="5"]').wait_for()
        seqs = visitor.locator("#chat-log li[data-seq]").evaluate_all("items => items.map(i => i.dataset.seq)")
        assert seqs == ["1", "2", "3", "4", "5"]

        # The agent ends it: the client is told, and the transcript is on the case.
        staff.get_by_role("button", name="End the chat", exact=True).click()
        visitor.get_by_text("The chat has ended.").wait_for()
        assert visitor.get_by_label("Your message").is_disabled()
        assert errors == []

    chat = Chat.objects.get()
    assert ChatMessage.objects.filter(chat=chat).count() == 6
    assert not ChatMessage.objects.filter(chat=chat, text__icontains="calm down").exists()
    contact = Interaction.objects.get(case=case, channel=Channel.CHAT)
    assert "Greta Holm: I am still waiting for the technician. <b>Help</b>" in contact.summary
