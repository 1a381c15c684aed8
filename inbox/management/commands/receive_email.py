"""Take in an email from a file, as if it had arrived in a team mailbox.

The way to try mail from clients without a mail server (`make run` with nothing
configured): save a message as .eml (most mail programs can), then
    python manage.py receive_email message.eml [--mailbox care@casebook.localhost]
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inbox.models import Mailbox
from inbox.services import message_take_in


class Command(BaseCommand):
    help = "Take in an email (.eml file, or - for standard input) as if it arrived in a team mailbox."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="RFC 822 message files (.eml), or - for standard input")
        parser.add_argument("--mailbox", help="the mailbox's address (default: the first mailbox)")

    def handle(self, *args, paths, mailbox=None, **options):
        mailboxes = Mailbox.objects.select_related("team", "owner").order_by("pk")
        box = mailboxes.filter(address__iexact=mailbox).first() if mailbox else mailboxes.first()
        if box is None:
            raise CommandError(
                f"No mailbox {mailbox}." if mailbox else "No mailbox yet: add one in the admin, or run seed_demo."
            )
        for path in paths:
            try:
                raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}") from None
            message, new = message_take_in(mailbox=box, raw=raw)
            where = f"case #{message.case_id}" if message.case_id else message.get_state_display().lower()
            verb = "Stored" if new else "Already stored"
            self.stdout.write(f"{verb}: email #{message.pk} ({message.get_kind_display().lower()}) -> {where}")
