"""Pure partials (casebook/fragments.py): drawn once per set of values, never stale."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from casebook import fragments


@pytest.fixture(autouse=True)
def _empty_memory():
    fragments.forget_all()
    yield
    fragments.forget_all()


@pytest.fixture
def draws(monkeypatch, settings):
    """How many times a partial was really drawn (not read from memory)."""
    settings.CASEBOOK_FRAGMENT_VERIFY = False  # it would draw every piece found again
    count = {"n": 0}
    real = fragments.get_template

    def counting(name):
        count["n"] += 1
        return real(name)

    monkeypatch.setattr(fragments, "get_template", counting)
    return count


VALUES = {"pk": 7, "title": "Oven <visit>", "client_name": "Greta", "temperament": "Calm", "status": "new"}


def _row(**changes):
    values = {
        **VALUES,
        "status_label": "New",
        "priority": 2,
        "priority_label": "Normal",
        "owner": "alice",
        "last_activity_at": datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.UTC),
        "now": datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC),
    }
    return {**values, **changes}


def test_the_same_values_are_drawn_once_and_give_the_same_html(draws):
    first = fragments.render_pure("clients/_case_row.html", _row())
    second = fragments.render_pure("clients/_case_row.html", _row())
    assert first == second
    assert draws["n"] == 1
    assert "Oven &lt;visit&gt;" in first
    assert "30\xa0minutes ago" in first


def test_any_change_in_the_values_draws_again(draws):
    fragments.render_pure("clients/_case_row.html", _row())
    changed = fragments.render_pure("clients/_case_row.html", _row(status="resolved", status_label="Resolved"))
    assert draws["n"] == 2
    assert "Resolved" in changed


def test_language_and_time_zone_are_part_of_the_key(draws):
    fragments.render_pure("clients/_case_row.html", _row())
    with timezone.override("America/New_York"):
        in_new_york = fragments.render_pure("clients/_case_row.html", _row())
    with translation.override("fr"):
        fragments.render_pure("clients/_case_row.html", _row())
    assert draws["n"] == 3
    assert "04:30" in in_new_york  # 09:30 UTC, shown in the reader's zone


def test_equal_but_different_values_do_not_share_html(draws):
    """1 == 1.0 == True in Python; each is drawn as itself."""
    for value in (1, 1.0, True):
        assert str(value) in fragments.render_pure("clients/_case_row.html", _row(owner=value))
    assert draws["n"] == 3


def test_trusted_markup_and_models_are_refused(case):
    with pytest.raises(TypeError):
        fragments.render_pure("clients/_case_row.html", _row(title=mark_safe("<b>x</b>")))
    with pytest.raises(TypeError):
        fragments.render_pure("clients/_case_row.html", _row(owner=case.owner))


def test_the_memory_keeps_the_latest_entries_up_to_its_size(settings, draws):
    settings.CASEBOOK_FRAGMENT_CACHE_SIZE = 2
    for pk in (1, 2, 3):
        fragments.render_pure("clients/_case_row.html", _row(pk=pk))
    assert len(fragments._memory) == 2
    fragments.render_pure("clients/_case_row.html", _row(pk=3))  # still there
    fragments.render_pure("clients/_case_row.html", _row(pk=1))  # was dropped
    assert draws["n"] == 4


def test_size_zero_keeps_nothing(settings, draws):
    settings.CASEBOOK_FRAGMENT_CACHE_SIZE = 0
    fragments.render_pure("clients/_case_row.html", _row())
    fragments.render_pure("clients/_case_row.html", _row())
    assert draws["n"] == 2
    assert len(fragments._memory) == 0


def test_verification_catches_a_piece_that_reads_more_than_its_values(settings):
    """The tests draw every remembered piece again: HTML that depends on something outside
    its values fails loudly instead of being served stale."""
    settings.CASEBOOK_FRAGMENT_VERIFY = True
    outside = {"text": "first"}
    assert fragments.remember("leaky", {"pk": 1}, lambda: outside["text"]) == "first"
    assert fragments.remember("leaky", {"pk": 1}, lambda: outside["text"]) == "first"
    outside["text"] = "second"
    with pytest.raises(AssertionError, match="leaky"):
        fragments.remember("leaky", {"pk": 1}, lambda: outside["text"])
