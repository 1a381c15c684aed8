"""Durations as people say them: "5 hours", "3 days 4 hours", "40 days", "under an hour".

The reports work out times in hours; "962.0 hours" has to be divided in the head before it
means anything, so every page and chart that shows a duration goes through here.
"""

import math

from django.utils.translation import gettext, ngettext

# From a week on, the hours no longer change how long it feels: "40 days", not "40 days 2 hours".
WHOLE_DAYS_FROM = 7


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _hours(count: int) -> str:
    return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}


def hours_in_words(hours: float | None) -> str:
    """A number of hours in words, rounded to the nearest hour ("" for no value)."""
    if hours is None:
        return ""
    if hours < 1:
        return gettext("under an hour")
    total = math.floor(hours + 0.5)  # half an hour rounds up (round() would round 2.5 down)
    if total < 24:
        return _hours(total)
    days, rest = divmod(total, 24)
    if days >= WHOLE_DAYS_FROM:
        return _days(math.floor(hours / 24 + 0.5))
    if not rest:
        return _days(days)
    # Translators: a duration such as "3 days 4 hours"; the words come already translated.
    return gettext("%(days)s %(hours)s") % {"days": _days(days), "hours": _hours(rest)}
