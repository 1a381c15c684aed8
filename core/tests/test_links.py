"""Record links are remembered per process, and follow the script prefix."""

from django.urls import clear_script_prefix, reverse, set_script_prefix

from core.links import record_url


def test_a_record_link_is_what_reverse_gives_under_any_script_prefix():
    assert record_url("cases:detail", 7) == reverse("cases:detail", args=[7]) == "/cases/7/"
    assert record_url("cases:detail", 7) == "/cases/7/"  # remembered
    try:
        set_script_prefix("/casebook/")
        assert record_url("cases:detail", 7) == "/casebook/cases/7/"
        assert record_url("clients:detail", 3) == reverse("clients:detail", args=[3])
    finally:
        clear_script_prefix()
    assert record_url("cases:detail", 7) == "/cases/7/"
