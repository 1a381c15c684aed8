from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the client"
    OUTBOUND = "outbound", "To the client"
    INTERNAL = "internal", "Internal"


class Mood(models.TextChoices):
    CALM = "calm", "Calm"
    FRUSTRATED = "frustrated", "Frustrated"
    ANGRY = "angry", "Angry"
    ABUSIVE = "abusive", "Abusive"


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
    mood = models.CharField("client's mood", max_length=20, choices=Mood.choices)
    summary = models.TextField()
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # A client's history, newest first (client page).
            models.Index(fields=["client", "-occurred_at", "-id"], name="interaction_client_time_idx"),
            # A case's contacts in time order.
            models.Index(fields=["case", "occurred_at"], name="interaction_case_time_idx"),
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
