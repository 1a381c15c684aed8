from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core.links import record_url


class Temperament(models.TextChoices):
    UNKNOWN = "unknown", _("Not known yet")
    COMPLAINER = "complainer", _("Complainer")
    DEMANDER = "demander", _("Demander")
    ANGRY = "angry", _("Angry")
    SILENT = "silent", _("Silent")
    INDECISIVE = "indecisive", _("Indecisive")


class RootCause(models.TextChoices):
    UNKNOWN = "unknown", _("Not known yet")
    UNREALISTIC_EXPECTATIONS = "unrealistic_expectations", _("Unrealistic expectations")
    COMMUNICATION_BREAKDOWN = "communication_breakdown", _("Communication breakdown")
    PERSONAL_CIRCUMSTANCES = "personal_circumstances", _("Personal circumstances")
    BAD_PAST_EXPERIENCE = "bad_past_experience", _("Bad earlier experience")
    NEED_FOR_CONTROL = "need_for_control", _("Need for control")
    OTHER = "other", _("Other")


class Priority(models.IntegerChoices):
    # Stored as numbers so that "most urgent first" is a plain ORDER BY.
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.ESCALATED]


class Client(models.Model):
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="clients")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    temperament = models.CharField(
        _("temperament"), max_length=20, choices=Temperament.choices, default=Temperament.UNKNOWN
    )
    notes = models.TextField(
        _("preferences and boundaries"),
        blank=True,
        help_text=_("How this client likes to be treated, and the limits agreed with them."),
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
    updated_at = models.DateTimeField(auto_now=True)
    # Set by a manager after abuse: only email and letters from now on.
    written_contact_only = models.BooleanField(_("written contact only"), default=False)
    # The form token of the request that created the row: a resubmitted form finds it.

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        indexes = [
            # The client list: one team's clients in name order.
            models.Index(fields=["team", "name"], name="client_team_name_idx"),
            # Mail from clients: who wrote, by address in any case (inbox.services._find_case).
            models.Index("team", Upper("email"), name="client_team_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("clients:detail", self.pk)


class Case(models.Model):
    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="cases")
    # Always the client's team (set by case_open); kept on the row so scoping needs no join.
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(_("title"), max_length=200)
    problem_statement = models.TextField(_("problem statement"), blank=True)
    root_cause = models.CharField(_("root cause"), max_length=30, choices=RootCause.choices, default=RootCause.UNKNOWN)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    # Nobody for a case opened by a client's email (see inbox.services).
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    opened_at = models.DateTimeField(_("opened at"))
    last_activity_at = models.DateTimeField()
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # While set, the case waits on the client and its resolution clock is paused. Past waits
    # are kept on the row as [[start, end], ...] (ISO times) so the clock needs no query.
    waiting_on_client_since = models.DateTimeField(_("waiting on client since"), null=True, blank=True)
    waiting_periods = models.JSONField(_("waiting periods"), default=list, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-last_activity_at", "-id"]
        permissions = [("review_case", "Can review and decide on the team's escalated cases")]
        indexes = [
            # The case list: a team's cases, most recently active first.
            models.Index(fields=["team", "-last_activity_at", "-id"], name="case_team_activity_idx"),
            # The same for people in several teams (and admins): walk by activity, filter teams.
            models.Index(fields=["-last_activity_at", "-id"], name="case_activity_idx"),
            # The case list filtered by status and the dashboard's counts.
            models.Index(fields=["team", "status", "-last_activity_at"], name="case_team_status_idx"),
            # "My cases": an owner's cases by activity.
            models.Index(fields=["owner", "-last_activity_at"], name="case_owner_activity_idx"),
            # The case list filtered by owner and status (an agent's open work): read in order.
            models.Index(fields=["owner", "status", "-last_activity_at", "-id"], name="case_owner_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="case_resolved_has_resolved_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="case_closed_has_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return record_url("cases:detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def pauses(self, now) -> list[tuple]:
        """The intervals the case waited on the client (the current wait ends at `now`)."""
        periods = [(datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in self.waiting_periods]
        if self.waiting_on_client_since is not None:
            periods.append((self.waiting_on_client_since, max(now, self.waiting_on_client_since)))
        return periods


class BoundaryWarning(models.Model):
    """The agent told an abusive client where the line is; a second abusive contact escalates."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="boundary_warnings")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["given_at", "id"]

    def __str__(self) -> str:
        return f"Boundary warning on case {self.case_id} at {self.given_at:%Y-%m-%d %H:%M}"


class CaseEventKind(models.TextChoices):
    """Every kind of timeline entry. Apps add theirs here; each has timeline/<kind>.html (a
    contact is shown as its card instead: see timeline_values in desk/templatetags/casebook.py)."""

    OPENED = "opened", _("Case opened")
    UPDATED = "updated", _("Case details changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    ESCALATED = "escalated", _("Escalated to a manager")
    WAITING_STARTED = "waiting_started", _("Waiting on the client")
    WAITING_ENDED = "waiting_ended", _("No longer waiting on the client")
    INTERACTION_LOGGED = "interaction_logged", _("Contact logged")
    PLAYBOOK_CHOSEN = "playbook_chosen", _("Playbook chosen")
    STEP_COMPLETED = "step_completed", _("Playbook step completed")
    STEP_SKIPPED = "step_skipped", _("Playbook step skipped")
    OPTION_ADDED = "option_added", _("Solution option added")
    CONCESSION_RECORDED = "concession_recorded", _("Concession recorded")
    CONCESSION_DECIDED = "concession_decided", _("Concession decided")
    FAULT_RECORDED = "fault_recorded", _("Fault and apology recorded")
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled", _("Follow-up scheduled")
    FOLLOW_UP_DONE = "follow_up_done", _("Follow-up done")
    FOLLOW_UP_RESCHEDULED = "follow_up_rescheduled", _("Follow-up rescheduled")
    FOLLOW_UP_CANCELLED = "follow_up_cancelled", _("Follow-up cancelled")
    FOLLOW_UP_MISSED = "follow_up_missed", _("Follow-up missed")
    CLIENT_EMAIL = "client_email", _("Email to the client")
    EMAIL_FAILED = "email_failed", _("Email could not be delivered")
    SATISFACTION_RATED = "satisfaction_rated", _("Satisfaction rated")
    ESCALATION_DECIDED = "escalation_decided", _("Escalation decided")
    BOUNDARY_WARNING = "boundary_warning", _("Boundary warning given")
    WRITTEN_CONTACT_ONLY = "written_contact_only", _("Written contact only")


class CaseEvent(models.Model):
    """One entry of a case's append-only timeline; every service that changes a case adds one.

    `target` points at the record the event concerns (an interaction, later a step, a
    follow-up or an escalation) without this app depending on the apps that own them.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    # No `choices` on the column: adding a kind must not need a migration in this app.
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # When it happened (a call logged afterwards happened earlier) ...
    occurred_at = models.DateTimeField()
    # ... and when it was written down.
    recorded_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # The case timeline, read in one query in time order.
            models.Index(fields=["case", "occurred_at", "id"], name="caseevent_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} on case {self.case_id}"

    @property
    def kind_label(self) -> str:
        try:
            return CaseEventKind(self.kind).label
        except ValueError:
            return self.kind

    @property
    def template_name(self) -> str:
        return f"timeline/{self.kind}.html"
