import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.text import phrase_list


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def default_time_zone() -> str:
    """A new user's time zone: the site's TIME_ZONE (read when the user is made, not at import)."""
    return settings.TIME_ZONE


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Access:
    permissions: frozenset[str]
    team_ids: list[int]


class User(AbstractUser):
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    teams = models.ManyToManyField(Team, related_name="members", blank=True)

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def access(self) -> Access:
        """What the user may do and in which teams: one query, kept on this user object.

        Every page checks a permission and applies the team scope; reading both together (a
        UNION of the permission rows and the team rows) saves a query on each. The
        authentication backend (`accounts.backends`) and the team scope read it from here.
        Like Django's own permission cache it lasts as long as the object: code that changes
        a user's permissions or teams and checks them again reads the user again (or runs
        `del user.access`).
        """
        permissions, team_ids = set(), []
        for kind, first, second in access_rows(self):
            if kind == "perm":
                permissions.add(f"{first}.{second}")
            else:
                team_ids.append(int(first))
        return Access(permissions=frozenset(permissions), team_ids=sorted(team_ids))


def access_rows(user: User):
    """("perm", app label, codename) for each permission the user has (as Django's
    ModelBackend reads them: their own and their groups', all for a superuser, none when
    inactive) and ("team", team id, "") for each of their teams, in one query."""
    teams = User.teams.through.objects.filter(user_id=user.pk).values_list(
        Value("team"), Cast("team_id", CharField()), Value("")
    )
    if not user.is_active:
        return teams
    permissions = Permission.objects.order_by()
    if not user.is_superuser:
        permissions = permissions.filter(Q(user=user) | Q(group__user=user)).distinct()
    return permissions.values_list(Value("perm"), "content_type__app_label", "codename").union(teams, all=True)


class Notice(models.Model):
    """An in-app message to one user (a reminder, a warning, a failed email)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The unread badge in the navigation, on every page.
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notice_unread_idx"),
            # The notices page, newest first.
            models.Index(fields=["user", "-created_at"], name="notice_user_created_idx"),
        ]

    def __str__(self) -> str:
        return self.message


def validate_working_days(value: str) -> None:
    if not value or any(day not in "0123456" for day in value) or len(set(value)) != len(value):
        raise ValidationError(_("Working days are digits 0 (Monday) to 6 (Sunday), each at most once."))


def validate_currency(value: str) -> None:
    if len(value) != 3 or not (value.isascii() and value.isalpha() and value.isupper()):
        raise ValidationError(_("Use a three-letter currency code in capitals, such as EUR."))


MAX_HOSTILE_PHRASES = 200
HOSTILE_PHRASE_LENGTH = (2, 100)


def validate_hostile_phrases(value: str) -> None:
    """At most MAX_HOSTILE_PHRASES phrases (once tidied), each of a length in HOSTILE_PHRASE_LENGTH."""
    phrases = phrase_list(value)
    if len(phrases) > MAX_HOSTILE_PHRASES:
        raise ValidationError(
            _("At most %(limit)s phrases, please; this list has %(count)s."),
            params={"limit": MAX_HOSTILE_PHRASES, "count": len(phrases)},
        )
    shortest, longest = HOSTILE_PHRASE_LENGTH
    errors = []
    for phrase in phrases:
        if len(phrase) < shortest:
            errors.append(
                ValidationError(
                    _("“%(phrase)s” is too short: a phrase needs at least %(shortest)s characters."),
                    params={"phrase": phrase, "shortest": shortest},
                )
            )
        elif len(phrase) > longest:
            errors.append(
                ValidationError(
                    _("“%(start)s…” is too long: a phrase can have at most %(longest)s characters."),
                    params={"start": phrase[:40], "longest": longest},
                )
            )
        elif not any(c.isalnum() for c in phrase):
            # Messages are searched for the phrase's words: one without any would match every message.
            errors.append(ValidationError(_("“%(phrase)s” has no word in it."), params={"phrase": phrase}))
    if errors:
        raise ValidationError(errors)


class TeamSettings(models.Model):
    """A team's own rules: targets, thresholds, its calendar and hostile phrases. Managers change them in the app.

    Every team has one (created on first use with these defaults).
    """

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="settings")
    # Targets, counted in business hours (the calendar below).
    response_target_hours = models.DecimalField(
        _("respond to an escalation within (business hours)"), max_digits=6, decimal_places=2, default=4
    )
    resolution_target_hours = models.DecimalField(
        _("resolve a case within (business hours)"), max_digits=7, decimal_places=2, default=40
    )
    # A case with this many client contacts and no playbook progress has stalled.
    stall_contacts = models.PositiveSmallIntegerField(
        _("client contacts without progress before escalating"), default=3
    )
    # Hostile (angry or abusive) contacts in one day after which an agent is offered a break.
    hostile_contacts_per_day = models.PositiveSmallIntegerField(
        _("hostile contacts a day before suggesting a break"), default=3
    )
    # Clients asked too often stop answering: after one satisfaction check, none for a while.
    satisfaction_quiet_days = models.PositiveSmallIntegerField(
        _("days before a client is asked about their satisfaction again"),
        default=30,
        help_text=_("One check per resolved case at most; 0 asks after every resolution."),
    )
    # Money limits (concession limits) are set and checked in this currency.
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[validate_currency],
        help_text=_("A three-letter code such as EUR or GBP: the currency of the team's concession limits."),
    )
    # The team calendar.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    working_days = models.CharField(
        _("working days"),
        max_length=7,
        default="01234",
        validators=[validate_working_days],
        help_text=_("0 = Monday ... 6 = Sunday"),
    )
    workday_starts = models.TimeField(_("workday starts"), default="09:00")
    workday_ends = models.TimeField(_("workday ends"), default="17:00")
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=10,
        blank=True,
        help_text=_("A country code such as FR or DE; empty for none."),
    )
    # One phrase a line; read through accounts.selectors.hostile_phrases_of.
    hostile_phrases = models.TextField(
        _("hostile phrases"),
        blank=True,
        validators=[validate_hostile_phrases],
        help_text=_(
            "One phrase a line, such as “you people are useless”. A message from a client that contains one "
            "is suggested as abusive; the agent still confirms the mood. Capitals, spaces and punctuation do "
            "not matter, and only whole words match. Up to 200 phrases of 2 to 100 characters."
        ),
    )

    class Meta:
        verbose_name = _("team settings")
        verbose_name_plural = _("team settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workday_ends__gt=models.F("workday_starts")), name="teamsettings_day_has_hours"
            ),
            models.CheckConstraint(
                condition=models.Q(response_target_hours__gt=0), name="teamsettings_response_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_target_hours__gt=0), name="teamsettings_resolution_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Settings of {self.team}"


class TeamClosedDay(models.Model):
    """A day the team does not work beyond public holidays (a company event, a site closure)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["team", "date"], name="teamcloseday_once_per_date")]

    def __str__(self) -> str:
        return f"{self.team} closed on {self.date}"
