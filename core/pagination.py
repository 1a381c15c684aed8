"""Keyset ("cursor") pagination: pages of a big table without COUNT(*) or deep OFFSETs.

A cursor records the ordering values of the row at the edge of a page; the next page is
the rows that sort after it. The cost of a page does not depend on how far in it is, and
no request counts the whole table.
"""

import base64
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet


def query_without_page(request) -> str:
    """The request's query string without its page or cursor: for the links to other pages."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("cursor", None)
    return params.urlencode()


def page_of(request, queryset, per_page: int | None = None) -> Page:
    """The numbered page (?page=) of a short list; a bad or too-high number gives a page."""
    return Paginator(queryset, per_page or settings.CASEBOOK_PAGE_SIZE).get_page(request.GET.get("page"))


@dataclass
class KeysetPage:
    object_list: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __bool__(self):
        return bool(self.object_list)


def _encode(direction: str, values: list) -> str:
    raw = json.dumps([direction, values], default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, fields: list[tuple[str, bool]], model) -> tuple[str, list] | None:
    """(direction, values) from a cursor, or None when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        direction, raw_values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if direction not in ("next", "previous") or len(raw_values) != len(fields):
            return None
        values = [
            model._meta.get_field(name).to_python(value) for (name, _), value in zip(fields, raw_values, strict=True)
        ]
    # ValidationError: a forged value the field cannot read (a 500 before, found by a test).
    except (ValueError, TypeError, FieldDoesNotExist, ValidationError, json.JSONDecodeError):
        return None
    return direction, values


def _after(fields: list[tuple[str, bool]], values: list) -> Q:
    """Rows that sort strictly after `values` in the order given by `fields`."""
    condition = Q()
    for i, (name, descending) in enumerate(fields):
        equal_before = Q(**{f: v for (f, _), v in zip(fields[:i], values[:i], strict=True)})
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        condition |= equal_before & step
    return condition


def keyset_page(queryset: QuerySet, ordering: tuple[str, ...], cursor: str | None, per_page: int) -> KeysetPage:
    """One page of `queryset` in `ordering` (whose last field must be unique, e.g. id).

    An unreadable cursor gives the first page rather than an error.
    """
    fields = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
    decoded = _decode(cursor, fields, queryset.model) if cursor else None
    backwards = decoded is not None and decoded[0] == "previous"
    if decoded is not None:
        walk = [(name, descending != backwards) for name, descending in fields]
        queryset = queryset.filter(_after(walk, decoded[1]))
    order = [f"-{name}" if descending != backwards else name for name, descending in fields]
    rows = list(queryset.order_by(*order)[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    def edge(row) -> list:
        return [getattr(row, name) for name, _ in fields]

    has_next = more if not backwards else decoded is not None
    has_previous = decoded is not None if not backwards else more
    return KeysetPage(
        object_list=rows,
        next_cursor=_encode("next", edge(rows[-1])) if rows and has_next else None,
        previous_cursor=_encode("previous", edge(rows[0])) if rows and has_previous else None,
    )
