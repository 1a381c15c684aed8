"""Mail from clients: the team mailboxes Casebook reads, and every message it took in."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    TLS = "tls", _("TLS from the start (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (only for a server on this machine)")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Mailbox(models.Model):
    """A team's mailbox: where clients' mail arrives, read over IMAP and/or posted to the webhook.

    `address` is the team's address: client emails are sent from it, with a Reply-To that
    threads the answer back (`address` plus a signed token, see interactions/reply_tokens.py). The
    password is never shown back; `password_env` names an environment variable to read it
    from instead of storing it.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="mailboxes")
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address clients write to"), unique=True)
    # New cases from people with no open case go to this person (who hands them on).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new cases go to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("read it"), default=True)
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("port"), default=993)
    imap_security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    imap_user = models.CharField(_("user name"), max_length=255, blank=True)
    imap_password = models.CharField(_("password"), max_length=255, blank=True)
    imap_password_env = models.CharField(
        _("or the environment variable holding the password"), max_length=100, blank=True
    )
    imap_folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    # Where a stored message is moved on the server; blank: it is flagged and left in place.
    imap_done_folder = models.CharField(_("move stored mail to"), max_length=255, blank=True)
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret, editable=False)
    # What the last poll saw, for the settings page ("read 2 minutes ago", or the error).
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    # One poll at a time per mailbox: a worker holds this lease while it reads the server.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["team_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    @property
    def reads_imap(self) -> bool:
        return bool(self.is_active and self.imap_host and self.imap_user)


class MessageKind(models.TextChoices):
    PERSONAL = "personal", _("From a person")
    AUTOMATIC = "automatic", _("Automatic reply")
    BOUNCE = "bounce", _("Delivery failure")
    LIST = "list", _("Mailing list or bulk mail")


class MessageState(models.TextChoices):
    ON_CASE = "on_case", _("On a case")
    TRIAGE = "triage", _("Waiting for an agent to place it")
    IGNORED = "ignored", _("Not for a case")


class InboundMessage(models.Model):
    """One message taken in from a mailbox, stored before it is acknowledged on the server.

    Stored once: by (mailbox, Message-ID), and by (mailbox, UID validity, UID) for mail
    read over IMAP. The raw bytes are kept (up to CASEBOOK_INBOX_MAX_BYTES; larger mail
    is kept as its headers with a note) so the full original is always one click away.
    """

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    # As the sender gave it, or one made from the bytes' hash when there is none.
    message_id = models.CharField(max_length=998)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    from_email = models.EmailField(max_length=320, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    state = models.CharField(max_length=20, choices=MessageState.choices)
    # The text as the timeline shows it (quoted history and signature trimmed) and the
    # whole text, decoded; the HTML part only ever stored sanitised.
    text = models.TextField(blank=True)
    full_text = models.TextField(blank=True)
    safe_html = models.TextField(blank=True)
    raw = models.BinaryField(editable=False)
    size = models.PositiveBigIntegerField()
    truncated = models.BooleanField(default=False)
    # Files that were not stored, with why ("invoice.exe: programs are not accepted").
    refused_files = models.JSONField(default=list, blank=True)
    mood_suggested = models.CharField(max_length=20, blank=True)
    case = models.ForeignKey(
        "clients.Case", on_delete=models.PROTECT, related_name="inbound_messages", null=True, blank=True
    )
    interaction = models.OneToOneField(
        "interactions.Interaction",
        on_delete=models.PROTECT,
        related_name="inbound_message",
        null=True,
        blank=True,
    )
    # How it found its case: "in-reply-to", "token", "sender", "new case", "triage" ...
    threaded_by = models.CharField(max_length=30, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    placed_at = models.DateTimeField(null=True, blank=True)
    # The agent's check of the suggested mood (a different mood is logged as a correction).
    mood_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    mood_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The triage list: messages waiting to be placed, newest first.
            models.Index(
                fields=["mailbox", "-received_at"], condition=models.Q(state="triage"), name="inbound_triage_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="inbound_once_per_message_id"),
            models.UniqueConstraint(
                fields=["mailbox", "imap_uidvalidity", "imap_uid"],
                condition=models.Q(imap_uid__isnull=False),
                name="inbound_once_per_uid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_email or 'unknown'}"
