from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone

from inbox.tests.dovecot import dovecot_server

from .factories import MailboxFactory


@pytest.fixture
def mailbox(team, manager):
    return MailboxFactory(team=team, owner=manager, address="care@casebook.example")


def make_email(
    *,
    sender="Greta Holm <greta@example.com>",
    to="care@casebook.example",
    subject="About my oven",
    body="Hello, the engineer did not come again.",
    headers=None,
    attachments=(),
) -> bytes:
    """A message as a mail program would write it (each with a fresh Message-ID)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.fixture
def dovecot():
    """A real Dovecot of this test's own (see inbox/tests/dovecot.py), stopped after it."""
    with dovecot_server() as server:
        yield server
