"""Durations in words: days and hours people read at a glance, never "962.0 hours"."""

import pytest
from django.template import Context, Template

from core.durations import hours_in_words


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        (None, ""),
        (0, "under an hour"),
        (0.9, "under an hour"),
        (1, "1 hour"),
        (1.4, "1 hour"),
        (1.5, "2 hours"),
        (2.5, "3 hours"),  # half an hour rounds up, also from an even hour
        (5, "5 hours"),
        (23.4, "23 hours"),
        (23.6, "1 day"),
        (24, "1 day"),
        (25, "1 day 1 hour"),
        (49, "2 days 1 hour"),
        (76, "3 days 4 hours"),
        (167, "6 days 23 hours"),
        (168, "7 days"),
        (180, "8 days"),  # from a week on, whole days: 7.5 days rounds up
        (225.6, "9 days"),
        (962.0, "40 days"),
    ],
)
def test_hours_in_words(hours, words):
    assert hours_in_words(hours) == words


def test_the_template_filter_reads_the_reports_hours():
    rendered = Template("{% load casebook %}{{ median|hours_in_words }} / {{ p90|hours_in_words }}").render(
        Context({"median": 76.2, "p90": 962.0})
    )
    assert rendered == "3 days 4 hours / 40 days"
