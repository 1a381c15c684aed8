"""Querysets built once per process."""

import functools
from collections.abc import Callable

from django.db.models import QuerySet


def built_once(make: Callable[[], QuerySet]) -> Callable[[], QuerySet]:
    """`make()` built the first time it is asked for, then a copy of it each time.

    For the querysets every page runs whose annotations (subqueries) cost more to build than
    to run. The built one is never evaluated: each caller filters or reads its own copy.
    """
    built = functools.cache(make)
    return lambda: built().all()
