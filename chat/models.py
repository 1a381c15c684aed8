"""Live chat: a team's chat settings, each chat with a client, and every message in it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamChat(models.Model):
    """A team's live chat: where its widget may run, and who gets the cases it opens.

    A team without one does not offer chat. Managers set it up (in the admin for now).
    """

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="chat_settings")
    # One origin a line ("https://www.example.com"): the websites whose pages may open a
    # client's chat socket. Casebook's own host (CASEBOOK_BASE_URL) is always allowed.
    allowed_origins = models.TextField(
        _("websites that may show the chat"),
        blank=True,
        help_text=_("One address a line, such as https://www.example.com (scheme, host and port, no path)."),
    )
    # A chat from someone with no open case opens one owned by this person (who hands it on).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("new cases go to"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("team chat settings")
        verbose_name_plural = _("team chat settings")

    def __str__(self) -> str:
        return f"Chat of {self.team}"

    def origins(self) -> set[str]:
        return {line.strip().rstrip("/").lower() for line in self.allowed_origins.splitlines() if line.strip()}


class ChatStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    ACTIVE = "active", _("With an agent")
    CLOSED = "closed", _("Closed")


OPEN_CHAT_STATUSES = [ChatStatus.WAITING, ChatStatus.ACTIVE]


class Chat(models.Model):
    """One live conversation with a client, on one of the client's cases.

    `last_seq` is the number of the newest message: storing a message raises it by one
    under the chat's row lock, which gives every message its place (`ChatMessage.seq`).
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="chats")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="chats")
    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="chats")
    status = models.CharField(max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="chats", null=True, blank=True
    )
    started_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # As the client gave them in the chat's form (the client record may say otherwise).
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=320)
    # The page the chat was opened from (the widget's site, or our own link).
    origin = models.CharField(max_length=500, blank=True)
    last_seq = models.PositiveIntegerField(default=0)
    # The transcript on the case, written once when the chat is closed.
    interaction = models.OneToOneField(
        "interactions.Interaction", on_delete=models.PROTECT, related_name="chat", null=True, blank=True
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The queue: a team's waiting and active chats, oldest first (chats_for_user).
            models.Index(
                fields=["team", "status", "started_at"],
                condition=models.Q(status__in=["waiting", "active"]),
                name="chat_queue_idx",
            ),
            # "Mine": an agent's open chats.
            models.Index(
                fields=["agent", "started_at"], condition=models.Q(status="active"), name="chat_agent_open_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="waiting") | models.Q(agent__isnull=False) | models.Q(status="closed"),
                name="chat_active_has_agent",
            ),
            models.CheckConstraint(
                condition=models.Q(status="closed", closed_at__isnull=False) | ~models.Q(status="closed"),
                name="chat_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Chat #{self.pk} with {self.name}"

    @property
    def is_closed(self) -> bool:
        return self.status == ChatStatus.CLOSED


class Side(models.TextChoices):
    CLIENT = "client", _("Client")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("Casebook")


class ChatMessage(models.Model):
    """One message of a chat, stored before it is delivered. Append-only: never changed.

    `seq` orders a chat's messages (1, 2, 3 ... with no gaps); a side that reconnects asks
    for everything after the last one it saw. `client_message_id` is the sender's own id
    for the message: a resend after a lost acknowledgement finds the stored one.
    """

    chat = models.ForeignKey(Chat, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveIntegerField()
    sender = models.CharField(max_length=10, choices=Side.choices)
    client_message_id = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    text = models.TextField()
    created_at = models.DateTimeField()
    # A client's message only: the mood Casebook suggests (interactions/mood.py).
    mood_suggested = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["chat_id", "seq"]
        constraints = [
            # Also the index of "messages after seq" (messages_after): chat, then seq.
            models.UniqueConstraint(fields=["chat", "seq"], name="chat_message_seq_once"),
            # A resend is found, never stored twice.
            models.UniqueConstraint(fields=["chat", "sender", "client_message_id"], name="chat_message_sender_id_once"),
        ]

    def __str__(self) -> str:
        return f"{self.chat_id}#{self.seq} ({self.sender})"


class ChatAvailability(models.Model):
    """Whether an agent takes chats now: "Available for chat" or "Away", and when their
    Chats page last said they are still there (it asks every minute while open). A team
    offers chat while one of its agents is available and was seen lately
    (chat/availability.py); otherwise its visitors get a message form."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_availability")
    available = models.BooleanField(default=False)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat availability")
        verbose_name_plural = _("chat availabilities")
        indexes = [
            # chat_available(): the available agents seen lately.
            models.Index(fields=["seen_at"], condition=models.Q(available=True), name="chat_available_seen_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {'available' if self.available else 'away'}"
