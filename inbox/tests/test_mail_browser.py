"""In a real browser: a client's reply arrives (posted to the mailbox's webhook, as a mail
service would), the agent sees it on the case, reads it and answers it; the answer comes
from the team's address and the client's next reply threads back onto the same case."""

import email
import urllib.request

import pytest
from playwright.sync_api import expect

from inbox.models import InboundMessage
from interactions.models import OutgoingEmail
from interactions.reply_tokens import reply_token

from .conftest import make_email
from .factories import MailboxFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post_to_webhook(live_server, mailbox, raw: bytes) -> int:
    request = urllib.request.Request(
        f"{live_server.url}/mail/webhook/{mailbox.pk}/",
        data=raw,
        headers={"Authorization": f"Bearer {mailbox.webhook_secret}", "Content-Type": "message/rfc822"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_an_agent_sees_a_clients_reply_arrive_and_answers_it(browser_page, live_server, team, manager, case):
    page = browser_page
    mailbox = MailboxFactory(team=team, owner=manager, address="care@casebook.example")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(case.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)

    reply = make_email(
        to=f"care+{reply_token(case.pk)}@casebook.example",
        subject="Re: Oven visit missed [ref x]",
        body="The engineer still has not come. Can you send someone on Friday morning?\n\n"
        "On Mon, Care <care@casebook.example> wrote:\n> We are sorry about the missed visit.",
    )
    assert _post_to_webhook(live_server, mailbox, reply) == 202

    # The owner is told (the unread badge by their name), and the email is on the case.
    page.reload()
    expect(page.locator("#nav-user .badge")).to_contain_text("1")
    timeline = page.locator("#timeline")
    entry = timeline.locator(".interaction").first
    expect(entry).to_contain_text("Can you send someone on Friday morning?")
    expect(entry).not_to_contain_text("We are sorry about the missed visit")  # the quote is trimmed
    expect(entry).to_contain_text("arrived by email")

    # Its page has the whole email; the suggested mood is confirmed; then the answer.
    entry.get_by_role("link", name="The email as sent, and answer it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re: Oven visit missed [ref x]")
    page.get_by_text("Show the quoted history and signature").click()
    expect(page.get_by_text("We are sorry about the missed visit.")).to_be_visible()
    page.get_by_role("button", name="Yes, confirm").click()
    expect(page.get_by_text("Mood confirmed.")).to_be_visible()
    page.get_by_role("link", name="Answer by email").click()
    expect(page.get_by_label("Subject")).to_have_value("Re: Oven visit missed [ref x]")
    page.get_by_label("Summary").fill("An engineer comes on Friday between 8 and 10. I will call you on Thursday.")
    page.get_by_role("button", name="Send", exact=True).click()
    # An email cannot be taken back: the page asks first.
    page.locator("#confirm-dialog-yes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    expect(page.locator("#timeline")).to_contain_text("sent a written summary to greta@example.com")

    answer = OutgoingEmail.objects.get()
    sent = email.message_from_bytes(bytes(answer.raw_message))
    assert sent["From"] == "care@casebook.example"
    assert sent["Reply-To"] == f"care+{reply_token(case.pk)}@casebook.example"

    # The client answers that email from a mail program that keeps only the thread headers.
    again = make_email(
        subject="Friday is fine", body="Friday is fine, thanks.", headers={"In-Reply-To": sent["Message-ID"]}
    )
    assert _post_to_webhook(live_server, mailbox, again) == 202
    assert InboundMessage.objects.get(subject="Friday is fine").case == case
    page.reload()
    expect(page.locator("#timeline .interaction").first).to_contain_text("Friday is fine, thanks.")
