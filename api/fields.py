from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class AwareDateTimeField(serializers.DateTimeField):
    """A time sent to the API must carry its offset: a machine has no "local time" we could guess.

    (A token request has no browser and so no user time zone; the pages read typed times in
    the user's zone, and refuse ones a clock change makes ambiguous, which an offset avoids.)
    """

    default_error_messages = {
        "naive": _("Give the time with its offset, e.g. 2026-11-25T09:30:00+01:00 or 2026-11-25T08:30:00Z."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # out of range: the parent reports it
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related record's id: a whole number only (1.5 or "1e2" would otherwise be truncated to an id)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and data.isascii() and data.isdigit())
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
