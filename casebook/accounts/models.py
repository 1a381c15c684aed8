import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not a known time zone.", params={"value": value})


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    teams = models.ManyToManyField(Team, related_name="members", blank=True)

    class Meta(AbstractUser.Meta):
        ordering = ["first_name", "last_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


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
