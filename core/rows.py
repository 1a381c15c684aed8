"""Rows of a list drawn once and kept in the cache.

The rows of the lists (cases, follow-ups, contacts, timeline entries) cost most of a page to
draw, and most of them look the same from one request to the next. Each row template is
drawn from a dict of plain values alone (no request, no model objects), so the dict, the
template's source, the language and the time zone decide the HTML: they are the cache key.
A change to anything the row shows changes its values, hence its key; nothing has to be
forgotten. A list costs one cache read (`get_many`) however long it is.

The rows are kept in each process's own memory (the "rows" cache, bounded): a row's HTML
depends on its key alone, so no process can hold a stale one, and a read costs no round
trip to Redis.
"""

import datetime
import decimal
import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache

from django.core.cache import caches
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

ROW_SECONDS = 6 * 3600
_PLAIN = (str, int, float, bool, type(None), datetime.datetime, datetime.date, datetime.timedelta, decimal.Decimal)


def render_rows(rows: Iterable[tuple[str, dict]]) -> list[SafeString]:
    """Each (template name, values) of `rows` drawn, in order, taken from the cache when the
    same values were drawn by the same template before, in the same language and time zone."""
    rows = list(rows)
    context = f"{translation.get_language()}:{timezone.get_current_timezone_name()}"
    keys = [f"row:{_source_digest(name)}:{context}:{_values_digest(values, name)}" for name, values in rows]
    cache = caches["rows"]
    cached = cache.get_many(keys) if keys else {}
    drawn = {}
    for key, (name, values) in zip(keys, rows, strict=True):
        if key not in cached:
            cached[key] = drawn[key] = get_template(name).render(values)
    if drawn:
        cache.set_many(drawn, ROW_SECONDS)
    # The cache holds only what these templates drew, escaped when it was drawn.
    return [mark_safe(cached[key]) for key in keys]


_INCLUDE = re.compile(r"""{%\s*include\s+(?:"([^"]+)"|'([^']+)'|(\S+))""")


@lru_cache(maxsize=64)
def _source_digest(template_name: str) -> str:
    """A digest of the row template's source and of the templates it includes, so that a
    changed template (a new release) is drawn afresh rather than read from the cache."""
    with open(get_template(template_name).origin.name, encoding="utf-8") as file:
        source = file.read()
    if "{% extends" in source:
        raise ValueError(f"{template_name}: a row template extends nothing")
    digest = hashlib.blake2b(source.encode(), digest_size=8)
    for double, single, variable in _INCLUDE.findall(source):
        if variable:
            raise ValueError(f"{template_name}: a row template includes templates by their names only")
        digest.update(_source_digest(double or single).encode())
    return digest.hexdigest()


def _values_digest(values: dict, template_name: str) -> str:
    for name, value in values.items():
        _check_plain(value, f"{template_name}: {name}")
    return hashlib.blake2b(repr(sorted(values.items())).encode(), digest_size=16).hexdigest()


def _check_plain(value, where: str) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _check_plain(item, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key, where)
            _check_plain(item, where)
    elif not isinstance(value, _PLAIN):
        # A model object's repr does not show everything the template may read from it.
        raise TypeError(f"{where} is a {type(value).__name__}: a row's values are plain (str, numbers, dates)")
