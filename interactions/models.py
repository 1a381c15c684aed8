from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the client")
    OUTBOUND = "outbound", _("To the client")
    INTERNAL = "internal", _("Internal")


class Mood(models.TextChoices):
    CALM = "calm", _("Calm")
    FRUSTRATED = "frustrated", _("Frustrated")
    ANGRY = "angry", _("Angry")
    ABUSIVE = "abusive", _("Abusive")


HOSTILE_MOODS = [Mood.ANGRY, Mood.ABUSIVE]


class Interaction(models.Model):
    """One contact with a client (or a note about one), written once and never changed.

    A mistake is fixed by logging a correction that points at the entry it corrects;
    both stay on the record. The database refuses UPDATE and DELETE (see migrations).
    """

    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="interactions")
    # The case's client, kept on the row so the client's history is one indexed query.
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="interactions")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    direction = models.CharField(max_length=20, choices=Direction.choices)
    occurred_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    mood = models.CharField(_("client's mood"), max_length=20, choices=Mood.choices)
    summary = models.TextField()
    # Nobody for a contact that arrived by itself (a client's email taken in by the inbox).
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # A client's history, newest first (client page).
            models.Index(fields=["client", "-occurred_at", "-id"], name="interaction_client_time_idx"),
            # A case's contacts in time order.
            models.Index(fields=["case", "occurred_at"], name="interaction_case_time_idx"),
            # Wellbeing (My day, the dashboard) and the team load report: the hostile contacts
            # a person logged in a period. Only those rows: an agent's calm contacts, however
            # many, cost the count nothing.
            models.Index(
                fields=["logged_by", "occurred_at"],
                # OR rather than IN: PostgreSQL prints it back the same way, so seed_bench's
                # rebuild of the index (from its printed definition) is the same index.
                condition=models.Q(mood=Mood.ANGRY) | models.Q(mood=Mood.ABUSIVE),
                name="interaction_hostile_logger_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__isnull=True) | models.Q(duration_minutes__lte=24 * 60),
                name="interaction_duration_at_most_a_day",
            ),
            models.CheckConstraint(
                condition=~models.Q(channel="note") | models.Q(direction="internal"),
                name="interaction_note_is_internal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on case {self.case_id} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_hostile(self) -> bool:
        return self.mood in HOSTILE_MOODS

    @property
    def files(self):
        """The contact's attachments. Most contacts have none: a row read knowing that
        (`has_attachments` False, see interactions.selectors.case_timeline) answers
        without a query."""
        if getattr(self, "has_attachments", True) is False:
            return []
        return self.attachments.all()


class Attachment(models.Model):
    """A file attached to a contact when it was logged (a screenshot, an email, a contract).

    Written once, like the contact itself. The bytes live in the "attachments" storage
    under `stored_name` (random, no extension); the name the user gave is only shown.
    """

    interaction = models.ForeignKey(Interaction, on_delete=models.PROTECT, related_name="attachments")
    # As uploaded (Django keeps only the last path part); shown escaped, sent encoded.
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True, editable=False)
    size = models.PositiveBigIntegerField()
    # Found by reading the bytes (interactions/attachments.py), never taken from the browser.
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    # Nobody for a file that came with a client's email.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name


class FollowUpKind(models.TextChoices):
    CALL_BACK = "call_back", _("Call back")
    EMAIL_CLIENT = "email_client", _("Email the client")
    INTERNAL_CHECK = "internal_check", _("Internal check")
    SATISFACTION_CHECK = "satisfaction_check", _("Satisfaction check")


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed")


# Kinds the system carries out itself at the due time (it sends the email).
AUTOMATIC_KINDS = [FollowUpKind.EMAIL_CLIENT, FollowUpKind.SATISFACTION_CHECK]


class FollowUp(models.Model):
    """A promise on a case with a due time and an owner: call back, email, check.

    For "email the client" the note is the text of the promised email; the sweep sends it
    at the due time. Reminder, overdue warning and missed marks are set once each by the
    sweep, so a reminder is never sent twice for the same due time (rescheduling clears them).
    """

    case = models.ForeignKey(
        "clients.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(_("due"))
    note = models.TextField(_("note"), blank=True, max_length=20000)
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # When the owner was told "due now" (the sweep's mark, so it is told once per due time).
    due_noticed_at = models.DateTimeField(_("told it is due at"), null=True, blank=True)
    overdue_warned_at = models.DateTimeField(_("overdue warned at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    fulfilled_by = models.ForeignKey(
        Interaction,
        verbose_name=_("fulfilled by"),
        on_delete=models.PROTECT,
        related_name="fulfils",
        null=True,
        blank=True,
    )
    # Set by rules (the automatic satisfaction check) so one cause schedules one follow-up.
    cause_key = models.CharField(_("cause key"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep and "My day": pending follow-ups by due time.
            models.Index(fields=["due_at"], condition=models.Q(status="pending"), name="followup_pending_due_idx"),
            # The case panel: a case's follow-ups.
            models.Index(fields=["case", "due_at"], name="followup_case_due_idx"),
            # "My day" and the promises-kept rate: an owner's follow-ups by due time.
            models.Index(fields=["owner", "status", "due_at"], name="followup_owner_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cause_key"], condition=~models.Q(cause_key=""), name="followup_once_per_cause"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(completed_at__isnull=False),
                name="followup_done_has_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (FollowUpStatus.PENDING, FollowUpStatus.MISSED)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.status == FollowUpStatus.PENDING and self.due_at <= timezone.now()


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingEmail(models.Model):
    """One outgoing email (the outbox), written in the same transaction as its cause.

    Delivery is driven by this row, never by the broker: see interactions/outbox.py for
    the claim, lease, retry and crash-window policy.
    """

    # "followup:12:reminder", "summary:<request key>" ...: one cause, one message, ever.
    cause_key = models.CharField(max_length=200, unique=True)
    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="emails", null=True, blank=True)
    # Who is told when it cannot be delivered.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_name = models.CharField(max_length=200, blank=True)
    to_email = models.EmailField()
    # For a client: the team's address, and a Reply-To that threads the answer to the case
    # (interactions/reply_tokens.py). Blank: DEFAULT_FROM_EMAIL and no Reply-To.
    from_email = models.CharField(max_length=320, blank=True)
    reply_to = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    # The exact bytes sent, built once when the row is written: every attempt sends the
    # same message (same Message-ID, same Date), and a send is a plain SMTP transaction.
    raw_message = models.BinaryField(editable=False, default=b"")
    to_client = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # When a sweep last handed the id to the broker; a lost task is handed again later.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker that claimed it; longer than the task's hard time limit.
    claimed_until = models.DateTimeField(null=True, blank=True)
    handed_to_smtp_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: pending rows whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status="pending"), name="email_pending_due_idx"
            ),
            # Failed emails shown to their owner.
            models.Index(fields=["owner", "status"], name="email_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False), name="email_sent_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} to {self.to_email}"

    @property
    def message_id(self) -> str:
        """Stable for the row: a resend carries the same Message-ID, so receivers can drop it."""
        from urllib.parse import urlparse

        domain = urlparse(settings.CASEBOOK_BASE_URL).hostname or "casebook.localhost"
        return f"<casebook.outbox.{self.pk}@{domain}>"


class SatisfactionSurvey(models.Model):
    """The satisfaction check sent for one resolution of a case, and the client's answer."""

    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="satisfaction_surveys")
    follow_up = models.OneToOneField(FollowUp, on_delete=models.PROTECT, related_name="survey")
    sent_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Satisfaction check on case {self.case_id}"
