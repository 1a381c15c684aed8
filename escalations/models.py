"""Escalations: a request for a manager to step in on a case, raised by a person or a rule.

The table keeps the name it had when the model lived in `clients` (clients_escalation), so
moving the model moved no row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Case


class EscalationReason(models.TextChoices):
    ABUSIVE_CLIENT = "abusive_client", _("Abusive client")
    CANNOT_RESOLVE = "cannot_resolve", _("Agent cannot resolve it")
    CONCESSION_OVER_LIMIT = "concession_over_limit", _("Concession over the agent's limit")
    CLIENT_ASKS_FOR_MANAGER = "client_asks_for_manager", _("Client asks for a manager")
    STALLED = "stalled", _("No progress after several contacts")
    OVERDUE = "overdue", _("Past its due time")
    MISSED_FOLLOW_UP = "missed_follow_up", _("A follow-up was missed")
    LOW_SATISFACTION = "low_satisfaction", _("Low satisfaction rating")
    OTHER = "other", _("Other")


# The reasons an agent can pick by hand; the others are raised by rules.
MANUAL_ESCALATION_REASONS = [
    EscalationReason.ABUSIVE_CLIENT,
    EscalationReason.CANNOT_RESOLVE,
    EscalationReason.CONCESSION_OVER_LIMIT,
    EscalationReason.CLIENT_ASKS_FOR_MANAGER,
    EscalationReason.OTHER,
]


class Escalation(models.Model):
    """A request for a manager to look at a case: raised by a person or by a rule.

    A rule passes a `cause_key` (e.g. "concession:12") so that one cause escalates a case
    once, however often the rule runs.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    reason = models.CharField(max_length=40, choices=EscalationReason.choices)
    note = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    raised_at = models.DateTimeField()
    cause_key = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision = models.CharField(max_length=40, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        db_table = "clients_escalation"
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "cause_key"], condition=~models.Q(cause_key=""), name="escalation_once_per_cause"
            ),
        ]
        indexes = [
            # The review queue: open escalations, oldest first.
            models.Index(fields=["raised_at"], condition=models.Q(decided_at__isnull=True), name="escalation_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None

    @property
    def decision_label(self) -> str:
        try:
            return EscalationDecision(self.decision).label
        except ValueError:
            return self.decision


class EscalationDecision(models.TextChoices):
    TAKE_OVER = "take_over", _("Taken over by the manager")
    REASSIGN = "reassign", _("Reassigned to another agent")
    CONCESSION_APPROVED = "concession_approved", _("Concession approved")
    CONCESSION_REFUSED = "concession_refused", _("Concession refused")
    HAND_BACK = "hand_back", _("Handed back with guidance")
