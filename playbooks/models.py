"""Playbooks (versioned, per temperament), a case's progress through one, and what each step records."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clients.models import Temperament
from interactions.models import FollowUpKind

# What the playbook's last step can promise (a satisfaction check is scheduled on resolving).
FOLLOW_UP_STEP_KINDS = [FollowUpKind.CALL_BACK, FollowUpKind.EMAIL_CLIENT, FollowUpKind.INTERNAL_CHECK]


class StepKind(models.TextChoices):
    PINPOINT = "pinpoint", _("Pinpoint the problem")
    COMMON_GROUND = "common_ground", _("Find common ground")
    BRAINSTORM = "brainstorm", _("Brainstorm solutions")
    COMPROMISE = "compromise", _("Compromise fairly")
    DOCUMENT = "document", _("Document everything")
    FOLLOW_UP = "follow_up", _("Next step and follow-up")


# The general playbook suits clients whose temperament is not known yet.
GENERAL_TEMPERAMENT = "unknown"


class Playbook(models.Model):
    """A named playbook for some temperaments. `team` None: a built-in default.

    A team customises a built-in by editing it: the first edit copies it into the team
    (`based_on` points at the built-in), and from then on the team's copy is used.
    """

    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="playbooks",
    )
    # Temperament values (clients.models.Temperament); "unknown" marks the general one.
    temperaments = models.JSONField(_("temperaments"), default=list)
    based_on = models.ForeignKey(
        "self", verbose_name=_("based on"), on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        ordering = ["name", "id"]
        permissions = [("edit_playbook", "Can edit the team's playbooks, concession limits and saved replies")]
        constraints = [
            models.UniqueConstraint(fields=["team", "based_on"], name="playbook_one_copy_per_team"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.team_id is None


class PlaybookVersion(models.Model):
    """One published state of a playbook. Never changed: an edit publishes a new version,
    and a case keeps the version it started with."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["playbook", "-number"]
        constraints = [models.UniqueConstraint(fields=["playbook", "number"], name="playbookversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.playbook} v{self.number}"


class Step(models.Model):
    version = models.ForeignKey(PlaybookVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    title = models.CharField(max_length=200)
    guidance = models.TextField()
    # One phrase per line.
    phrasings = models.TextField(_("suggested phrasings"), blank=True)
    avoid = models.TextField(_("things to avoid"), blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def phrasing_list(self) -> list[str]:
        return [line.strip() for line in self.phrasings.splitlines() if line.strip()]

    @property
    def avoid_list(self) -> list[str]:
        return [line.strip() for line in self.avoid.splitlines() if line.strip()]


class CasePlaybook(models.Model):
    """The playbook version a case follows, pinned when work on it starts."""

    case = models.OneToOneField("clients.Case", on_delete=models.PROTECT, related_name="playbook")
    version = models.ForeignKey(PlaybookVersion, on_delete=models.PROTECT, related_name="+")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    chosen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.version} on case {self.case_id}"


class StepStatus(models.TextChoices):
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class StepRecord(models.Model):
    """What a step produced on a case: who finished (or skipped) it, when, and its outcome."""

    case_playbook = models.ForeignKey(CasePlaybook, on_delete=models.PROTECT, related_name="records")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=StepStatus.choices)
    # Per kind: pinpoint {problem, root_cause}, common_ground {points}, compromise
    # {option_id, option}, document {summary}, follow_up {next_step, due_at}.
    outcome = models.JSONField(default=dict, blank=True)
    skip_reason = models.TextField(blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case_playbook", "step"], name="steprecord_once_per_step"),
            models.CheckConstraint(
                condition=~models.Q(status="skipped") | ~models.Q(skip_reason=""), name="steprecord_skip_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} ({self.status}) on case {self.case_playbook.case_id}"


class ProposedBy(models.TextChoices):
    CLIENT = "client", _("The client")
    STAFF = "staff", _("Us")


class SolutionOption(models.Model):
    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="solution_options")
    description = models.TextField()
    estimated_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    proposed_by = models.CharField(max_length=10, choices=ProposedBy.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_cost__isnull=True) | models.Q(estimated_cost__gte=0),
                name="option_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class ConcessionKind(models.TextChoices):
    APOLOGY = "apology", _("Apology")
    DISCOUNT = "discount", _("Discount")
    FREE_HOURS = "free_hours", _("Free hours of service")
    REFUND = "refund", _("Refund")
    OTHER = "other", _("Other")


# Kinds measured in money (value + currency); free hours are a number of hours.
MONEY_KINDS = [ConcessionKind.DISCOUNT, ConcessionKind.REFUND, ConcessionKind.OTHER]


class ConcessionUnit(models.TextChoices):
    """What a concession's value (or a limit's most) counts."""

    PERCENT = "percent", _("% of the bill")
    AMOUNT = "amount", _("Amount of money")
    HOURS = "hours", _("Hours")


# The units each kind may be given in, the first being the usual one. Only a discount can be
# a percentage of the bill; an apology has no value.
KIND_UNITS = {
    ConcessionKind.APOLOGY: [],
    ConcessionKind.DISCOUNT: [ConcessionUnit.AMOUNT, ConcessionUnit.PERCENT],
    ConcessionKind.FREE_HOURS: [ConcessionUnit.HOURS],
    ConcessionKind.REFUND: [ConcessionUnit.AMOUNT],
    ConcessionKind.OTHER: [ConcessionUnit.AMOUNT],
}


def _plain_number(value: Decimal) -> str:
    """12.50 as "12.5" and 10.00 as "10": a percentage or hours, never money."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_text(value: Decimal | None, unit: str, currency: str = "", *, localized: bool = False) -> str:
    """A concession's value (or a limit) with its unit: "10 %", "50.00 EUR", "2 hours".

    `localized`: in the reader's number format (pages); otherwise plain, as kept in the
    case's timeline and summaries.
    """
    if value is None:
        return ""
    if unit == ConcessionUnit.AMOUNT:
        number = number_format(value, decimal_pos=2) if localized else f"{value:.2f}"
        return f"{number} {currency}".rstrip()
    number = number_format(Decimal(_plain_number(value))) if localized else _plain_number(value)
    if unit == ConcessionUnit.PERCENT:
        return f"{number} %"
    return ngettext("%(number)s hour", "%(number)s hours", 1 if value == 1 else 2) % {"number": number}


class ConcessionStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PENDING = "pending", _("Waiting for a manager")
    APPROVED = "approved", _("Approved by a manager")
    REFUSED = "refused", _("Refused by a manager")


class Concession(models.Model):
    case = models.ForeignKey("clients.Case", on_delete=models.PROTECT, related_name="concessions")
    # The case's client, kept on the row: the client's earlier concessions are one query.
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="concessions")
    kind = models.CharField(max_length=20, choices=ConcessionKind.choices)
    value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # What the value counts (KIND_UNITS); blank for an apology, which has no value.
    unit = models.CharField(max_length=10, choices=ConcessionUnit.choices, blank=True, default=ConcessionUnit.AMOUNT)
    # For an amount only.
    currency = models.CharField(max_length=3, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ConcessionStatus.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The compromise step: a client's earlier concessions, newest first.
            models.Index(fields=["client", "-created_at"], name="concession_client_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0), name="concession_value_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(unit=ConcessionUnit.PERCENT)
                | models.Q(kind=ConcessionKind.DISCOUNT, value__lte=100),
                name="concession_percent_discount_to_100",
            ),
        ]

    def __str__(self) -> str:
        if self.value is None:
            return self.get_kind_display()
        if self.unit == ConcessionUnit.PERCENT:
            return f"{self.get_kind_display()} {value_text(self.value, self.unit)}"
        # As before units existed: "Refund 50.00 EUR", "Free hours of service 2.00".
        return f"{self.get_kind_display()}{f' {self.value:.2f} {self.currency}'.rstrip()}"

    @property
    def value_display(self) -> str:
        """The value with its unit in the reader's number format ("10 %", "50.00 EUR", "2 hours")."""
        return value_text(self.value, self.unit, self.currency, localized=True)


class ConcessionLimit(models.Model):
    """The most an agent may concede of one kind, in one unit, without a manager. No row: no cap.

    A discount may have two: a percentage of the bill and an amount. A limit in money has
    the currency it was set in (the team's); a concession in another currency is not
    compared with it.
    """

    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="concession_limits"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConcessionKind.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=ConcessionUnit.choices, default=ConcessionUnit.AMOUNT)
    max_value = models.DecimalField(_("most an agent may give"), max_digits=10, decimal_places=2)
    # For an amount only.
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("concession limit")
        verbose_name_plural = _("concession limits")
        ordering = ["team", "kind", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["team", "kind", "unit"], name="concessionlimit_one_per_kind_unit"),
            models.CheckConstraint(condition=models.Q(max_value__gte=0), name="concessionlimit_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(unit=ConcessionUnit.PERCENT)
                | models.Q(kind=ConcessionKind.DISCOUNT, max_value__lte=100),
                name="concessionlimit_percent_discount_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} up to {value_text(self.max_value, self.unit, self.currency)}"

    @property
    def value_display(self) -> str:
        return value_text(self.max_value, self.unit, self.currency, localized=True)


class AtFault(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class FaultRecord(models.Model):
    """Whether the business was at fault on this case, and when it apologised."""

    case = models.OneToOneField("clients.Case", on_delete=models.PROTECT, related_name="fault_record")
    at_fault = models.CharField(max_length=10, choices=AtFault.choices)
    apology_given_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"At fault: {self.get_at_fault_display()} (case {self.case_id})"


class SavedReply(models.Model):
    """A reply template a team's managers keep; placeholders are filled for the case."""

    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="saved_replies",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))
    temperament = models.CharField(_("temperament"), max_length=20, choices=Temperament.choices, blank=True)
    step_kind = models.CharField(_("step"), max_length=20, choices=StepKind.choices, blank=True)
    # Sent by the inbox to a new case's first email that contains one of the trigger
    # phrases (one per line, kept normalised by saved_reply_save; see inbox/auto_answers.py).
    is_automatic = models.BooleanField(_("Send it automatically"), default=False)
    trigger_phrases = models.TextField(_("trigger phrases"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved reply")
        ordering = ["title", "id"]
        verbose_name_plural = _("saved replies")
        constraints = [
            # An automatic reply without a phrase would never be sent: the admin may not save one either.
            models.CheckConstraint(
                name="saved_reply_automatic_has_phrases",
                condition=models.Q(is_automatic=False) | ~models.Q(trigger_phrases=""),
                violation_error_message=_(
                    "To send this reply automatically, give at least one trigger phrase (one per line)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbooks:reply_edit", args=[self.pk])


class CaseReview(models.Model):
    """The short lessons-learned note written when a resolved case is closed.

    One per case: it is the outcome record the root-cause report and coaching read.
    """

    case = models.OneToOneField("clients.Case", on_delete=models.PROTECT, related_name="review")
    what_worked = models.TextField(max_length=5000)
    what_to_change = models.TextField(max_length=5000, blank=True)
    temperament_changed = models.BooleanField(default=False)
    # The client's temperament as the agent now sees it, when it changed (else blank).
    new_temperament = models.CharField(max_length=20, choices=Temperament.choices, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="review_new_temperament_iff_changed",
                condition=models.Q(temperament_changed=True, new_temperament__gt="")
                | models.Q(temperament_changed=False, new_temperament=""),
            ),
        ]

    def __str__(self):
        return f"Review of case {self.case_id}"
