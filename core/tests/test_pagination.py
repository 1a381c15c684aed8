from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import Case
from clients.tests.factories import CaseFactory
from core.pagination import keyset_page

ORDER = ("-last_activity_at", "-id")


@pytest.fixture
def cases(customer, agent):
    now = timezone.now()
    # Pairs share a time, so the tie-breaking id matters.
    return [
        CaseFactory(client=customer, owner=agent, title=f"case {i}", last_activity_at=now - timedelta(hours=i // 2))
        for i in range(11)
    ]


def titles(page):
    return [case.title for case in page]


def expected_order():
    return list(Case.objects.order_by(*ORDER).values_list("title", flat=True))


def test_walking_forward_visits_every_row_once_in_order(cases):
    seen, cursor = [], None
    while True:
        page = keyset_page(Case.objects.all(), ORDER, cursor, per_page=4)
        seen += titles(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected_order()


def test_walking_back_returns_the_same_pages(cases):
    first = keyset_page(Case.objects.all(), ORDER, None, per_page=4)
    second = keyset_page(Case.objects.all(), ORDER, first.next_cursor, per_page=4)
    third = keyset_page(Case.objects.all(), ORDER, second.next_cursor, per_page=4)
    assert third.next_cursor is None and len(third) == 3
    back = keyset_page(Case.objects.all(), ORDER, third.previous_cursor, per_page=4)
    assert titles(back) == titles(second)
    assert back.next_cursor and back.previous_cursor
    start = keyset_page(Case.objects.all(), ORDER, back.previous_cursor, per_page=4)
    assert titles(start) == titles(first)
    assert start.previous_cursor is None


def test_a_bad_cursor_gives_the_first_page(cases):
    for junk in ["", "not-base64!", "W10", "WyJuZXh0IiwgWzFdXQ"]:
        page = keyset_page(Case.objects.all(), ORDER, junk, per_page=4)
        assert titles(page) == expected_order()[:4]


def test_an_empty_result_has_no_cursors(db):
    page = keyset_page(Case.objects.all(), ORDER, None, per_page=4)
    assert not page and page.next_cursor is None and page.previous_cursor is None
