"""The widget on another website, in Chromium: a host page on its own origin, under a
strict Content-Security-Policy, shows the button; the client opens the chat by keyboard,
writes, and the message is stored. A website the team does not allow cannot frame it."""

import contextlib
import http.server
import os
import threading

import pytest

from chat.models import ChatMessage
from core.testing import require_chromium

from .servers import daphne_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextlib.contextmanager
def host_site(casebook: str, team_id: int):
    """A tiny website of its own (another origin) with the widget's one tag and a strict policy."""
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Holm Bakery</title></head>"
        f"<body><h1>Holm Bakery</h1><script src='{casebook}/static/js/chat-widget.js' data-team='{team_id}' defer>"
        "</script></body></html>"
    ).encode()
    policy = f"default-src 'self'; script-src {casebook}; frame-src {casebook}"

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def chromium():
    executable = require_chromium()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs a loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.usefixtures("customer", "case")
def test_widget_on_an_allowed_website_opens_the_chat_and_the_message_is_stored(chromium, team_chat):
    with daphne_server() as port:
        casebook = f"http://127.0.0.1:{port}"
        with host_site(casebook, team_chat.team_id) as site, host_site(casebook, team_chat.team_id) as other:
            team_chat.allowed_origins = site
            team_chat.save()
            page = chromium.new_context(viewport={"width": 390, "height": 800}).new_page()
            page.set_default_timeout(10_000)
            console = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(site)

            # Keyboard only: Tab to the button, Enter opens, focus is in the panel.
            button = page.get_by_role("button", name="Chat with us")
            button.focus()
            page.keyboard.press("Enter")
            panel = page.get_by_role("dialog", name="Chat with us")
            panel.wait_for()
            assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Close the chat"
            box = panel.bounding_box()
            assert (box["width"], box["height"]) == (390, 800)  # full screen on a phone
            frame = page.frame_locator("iframe[title='Chat with us']")
            frame.get_by_label("Your name").fill("Greta Holm")
            frame.get_by_label("Your email").fill("greta@example.com")
            frame.get_by_role("button", name="Start the chat").click()
            frame.get_by_text("Connected.").wait_for()
            frame.get_by_label("Your message").fill("Is my oven part in yet?")
            frame.get_by_label("Your message").press("Enter")
            frame.locator('#chat-log li[data-seq="1"]').wait_for()

            # Escape inside the frame closes the panel and gives the focus back to the button.
            frame.get_by_label("Your message").press("Escape")
            panel.wait_for(state="hidden")
            assert page.evaluate("document.activeElement.id") == "casebook-chat-button"
            assert button.get_attribute("aria-expanded") == "false"
            assert not [text for text in console if "Content Security Policy" in text]

            # A website the team does not allow: the browser refuses to show our page in its frame.
            stranger = chromium.new_context().new_page()
            refused = []
            stranger.on("console", lambda message: refused.append(message.text))
            stranger.goto(other)
            stranger.get_by_role("button", name="Chat with us").click()
            stranger.wait_for_timeout(1000)
            assert stranger.frame_locator("iframe[title='Chat with us']").get_by_label("Your name").count() == 0
            assert any("frame-ancestors" in text for text in refused)

    message = ChatMessage.objects.get()
    assert (message.text, message.sender, message.chat.name) == ("Is my oven part in yet?", "client", "Greta Holm")
