"""Rows drawn from plain values and cached by them (core/rows.py)."""

import datetime

import pytest
from django.core.cache import cache, caches
from django.utils import timezone

from core import rows
from core.rows import render_rows

ROW = "clients/_case_row.html"


def values(**changes):
    row = {
        "pk": 7,
        "title": "Oven <visit>",
        "client_name": "Ada",
        "temperament": "Angry",
        "status": "new",
        "status_label": "New",
        "priority": 2,
        "priority_label": "Normal",
        "owner": "Sam Agent",
        "last_activity_at": datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC),
        "age": "2 days",
    }
    return {**row, **changes}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    caches["rows"].clear()


def test_a_row_is_drawn_once_then_read_from_the_cache(monkeypatch):
    drawn = []
    real_get_template = rows.get_template

    def counting_get_template(name):
        drawn.append(name)
        return real_get_template(name)

    render_rows([(ROW, values(pk=1))])  # the template's digest is taken once per process
    monkeypatch.setattr(rows, "get_template", counting_get_template)
    first = render_rows([(ROW, values())])[0]
    assert "Oven &lt;visit&gt;" in first and "2 days ago" in first
    assert drawn == [ROW]
    assert render_rows([(ROW, values())]) == [first]
    assert drawn == [ROW]


def test_any_changed_value_draws_the_row_again():
    before = render_rows([(ROW, values())])[0]
    after = render_rows([(ROW, values(owner="Kim Manager"))])[0]
    assert "Kim Manager" in after and "Kim Manager" not in before


def test_the_readers_time_zone_is_part_of_the_key():
    with timezone.override("America/New_York"):
        new_york = render_rows([(ROW, values())])[0]
    with timezone.override("Asia/Tokyo"):
        tokyo = render_rows([(ROW, values())])[0]
    assert "2026-01-05T04:30:00-05:00" in new_york and "2026-01-05T18:30:00+09:00" in tokyo


def test_a_list_keeps_its_order_and_mixes_templates():
    rows = render_rows([(ROW, values(pk=1, title="First")), (ROW, values(pk=2, title="Second"))])
    assert "First" in rows[0] and "Second" in rows[1]


def test_rows_are_kept_in_the_processs_own_memory_not_the_shared_cache(monkeypatch):
    first = render_rows([(ROW, values())])[0]
    cache.clear()  # the shared cache (Redis) plays no part: a row's key is its content
    monkeypatch.setattr(rows, "get_template", lambda name: pytest.fail(f"{name} drawn again"))
    assert render_rows([(ROW, values())]) == [first]


def test_values_must_be_plain(agent):
    with pytest.raises(TypeError, match="owner is a User"):
        render_rows([(ROW, values(owner=agent))])
    with pytest.raises(TypeError):
        render_rows([(ROW, values(age=[{"nested": object()}]))])
