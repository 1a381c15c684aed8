"""Celery tasks of the inbox: beat asks for a poll of every mailbox; one task per mailbox."""

from celery import shared_task

from .models import Mailbox
from .services import mailbox_poll


@shared_task
def poll_mailboxes() -> int:
    """Hand each active IMAP mailbox to a worker (beat, every CASEBOOK_INBOX_POLL_SECONDS).

    A mailbox already being read is skipped by its lease (see `mailbox_poll`)."""
    ids = list(Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True))
    for pk in ids:
        poll_mailbox.delay(pk)
    return len(ids)


@shared_task
def poll_mailbox(mailbox_id: int) -> dict:
    """Read one mailbox's new mail (`inbox.services.mailbox_poll`)."""
    return mailbox_poll(mailbox_id=mailbox_id)
