"""Statements: querysets compiled to SQL once per process, prepared on PostgreSQL."""

import datetime
import functools
import itertools
import re
import weakref
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import Http404

# Stand-ins for the values a statement is compiled with: whole numbers no id or count here
# reaches, within a 32-bit column's range (Django drops a filter on a value outside it).
_MARKER_BASE = 2_147_480_000
# ...and moments no row holds, a microsecond apart.
_MARKER_TIME = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)


class PreparedSQL:
    """SQL with `%s` parameters, prepared on each PostgreSQL connection that runs it
    (CASEBOOK_PREPARED_STATEMENTS): the server then skips parsing it and, once it has seen
    that one plan suits every value, planning it too. Elsewhere it runs as it is."""

    def __init__(self, sql: str, param_count: int) -> None:
        self.sql, self.param_count = sql, param_count
        self.name = f"casebook_{next(_names)}"
        numbers = iter(range(1, param_count + 1))
        numbered = re.sub(r"%%|%s", lambda found: "%" if found[0] == "%%" else f"${next(numbers)}", sql)
        self.prepare_sql = f"PREPARE {self.name} AS {numbered}"
        arguments = f"({', '.join(['%s'] * param_count)})" if param_count else ""
        # The SQL itself follows as a comment, for the query logs and the tests that read them.
        self.execute_sql = f"EXECUTE {self.name}{arguments} /* {sql.replace('%', '%%')} */"

    def sql_for(self, connection) -> str:
        """What to run on this connection: EXECUTE of the prepared statement on PostgreSQL
        (preparing it first if this connection has not yet), the SQL itself elsewhere."""
        if connection.vendor != "postgresql" or not settings.CASEBOOK_PREPARED_STATEMENTS:
            return self.sql
        connection.ensure_connection()
        prepared = _prepared_on.setdefault(connection.connection, set())
        if self.name not in prepared:
            # Straight on the driver's cursor: not one of the page's queries (a page's count
            # stays the same whether or not its connection had prepared this already).
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute(self.prepare_sql)
            prepared.add(self.name)
        return self.execute_sql


# The names of the statements prepared on each open database connection (a prepared
# statement lives as long as its connection, through commits and rollbacks).
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_names = itertools.count(1)


class _Compiled:
    """One shape of a statement: its SQL, where each argument goes among its parameters, and
    a compiler that has run once (it knows how to turn rows into objects)."""

    def __init__(self, queryset: QuerySet, markers: dict[int, tuple[int, int | None]]) -> None:
        self.queryset, self.query = queryset, queryset.query
        self.compiler = self.query.get_compiler(using=queryset.db)
        try:
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet:  # an empty tuple of ids: nothing to run
            self.sql, params = None, ()
        # (argument, item of a tuple argument, constant): the argument is None for a constant.
        self.slots = [
            (*markers[value], None) if type(value) in _MARKED and value in markers else (None, None, value)
            for value in params
        ]
        self.prepared = None if self.sql is None else PreparedSQL(self.sql, len(self.slots))
        self.afresh = False  # built again on every call (see Statement._compile)

    def bind(self, args: tuple) -> list:
        return [
            value if arg is None else args[arg] if item is None else args[arg][item] for arg, item, value in self.slots
        ]


class Statement:
    """A read whose queryset is built and compiled to SQL once per process for each *shape*
    of its arguments, then run with their values.

    On the busiest pages Django spends longer building a query's SQL than PostgreSQL spends
    running it (the case page's join of nine tables with three subqueries: about 1.4 ms to
    build, 0.2 ms to run). `build(*args, **options)` returns the queryset. Its positional
    arguments are whole numbers (ids), tuples of them, moments (aware datetimes) or None:
    the SQL may depend on which of those they are and on the tuples' lengths, never on the
    values themselves, each of which must reach the SQL as a parameter as it was given (the
    builder does no arithmetic on them; SQLite, which writes moments as text, builds a
    statement with a moment afresh on each call). Keyword options (a model, a limit) are part of
    the shape: each set of them is compiled on its own, so they may shape the SQL freely.
    Calling the statement returns the rows as a list (prefetches included); the queryset
    itself is never handed out, so nothing can filter it further and run stale SQL.

    On PostgreSQL the SQL is also prepared once per connection (`PreparedSQL`): planning the
    case page's join costs the server more than running it.

    With CASEBOOK_STATEMENT_VERIFY (on in the tests) every call also builds the queryset
    with the real values and checks that its SQL and parameters are the ones run.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._shapes: dict[tuple, _Compiled] = {}
        functools.update_wrapper(self, build)

    def __call__(self, *args, **options) -> list:
        shape = (tuple(_shape_of(arg) for arg in args), tuple(sorted(options.items())))
        compiled = self._shapes.get(shape)
        if compiled is None:
            compiled = self._shapes[shape] = self._compile(args, options)
        if compiled.sql is None:
            return []
        if compiled.afresh:
            return list(self._build(*args, **options))
        params = compiled.bind(args)
        if settings.CASEBOOK_STATEMENT_VERIFY:
            self._verify(args, options, compiled.sql, params)
        # Shallow copies, read and never changed: the compiled ones stay unread and shared.
        queryset, query = _shallow_copy(compiled.queryset), _shallow_copy(compiled.query)
        queryset._query = query  # not `.query =`: its setter would turn values_list() rows into dicts
        compiler = _shallow_copy(compiled.compiler)
        compiler.connection = connections[queryset.db]
        sql = compiled.prepared.sql_for(compiler.connection)
        compiler.as_sql = lambda *_args, **_kwargs: (sql, params)
        query.get_compiler = lambda *_args, **_kwargs: compiler
        return list(queryset)

    def _compile(self, args: tuple, options: dict) -> _Compiled:
        markers: dict[int, tuple[int, int | None]] = {}
        marked = []
        for position, arg in enumerate(args):
            if arg is None:
                marked.append(None)
            elif isinstance(arg, tuple):
                values = []
                for item in range(len(arg)):
                    marker = _stand_in(arg[item], len(markers))
                    markers[marker] = (position, item)
                    values.append(marker)
                marked.append(tuple(values))
            else:
                marker = _stand_in(arg, len(markers))
                markers[marker] = (position, None)
                marked.append(marker)
        queryset = self._build(*marked, **options)
        if queryset._result_cache is not None:
            raise TypeError(f"{self.__name__}: build a queryset, do not read it")
        compiled = _Compiled(queryset, markers)
        placed = {(arg, item) for arg, item, _ in compiled.slots if arg is not None}
        missing = [marker for marker, place in markers.items() if place not in placed]
        if compiled.sql is not None and missing:
            if any(type(marker) is int for marker in missing) or connections[queryset.db].vendor == "postgresql":
                raise TypeError(f"{self.__name__}: each argument must reach the SQL as a parameter, once or more")
            # SQLite writes moments as text: a shape with a moment is built afresh there.
            compiled.afresh = True
        return compiled

    def _verify(self, args: tuple, options: dict, sql: str, params: list) -> None:
        queryset = self._build(*args, **options)
        fresh_sql, fresh_params = queryset.query.get_compiler(using=queryset.db).as_sql()
        if (fresh_sql, list(fresh_params)) != (sql, params):
            raise AssertionError(
                f"{self.__name__}{args!r}: the compiled statement differs from the queryset built afresh:\n"
                f"{sql} {params!r}\n{fresh_sql} {list(fresh_params)!r}"
            )


def _shallow_copy(thing):
    # Not copy.copy(): pickling support makes it read a queryset's rows first.
    twin = object.__new__(type(thing))
    twin.__dict__ = thing.__dict__.copy()
    return twin


def _stand_in(value, number: int):
    if type(value) is int:
        return _MARKER_BASE + number
    return _MARKER_TIME + datetime.timedelta(microseconds=number)


_MARKED = (int, datetime.datetime)


def _shape_of(arg) -> str | int:
    if arg is None:
        return "none"
    if isinstance(arg, tuple):
        if not all(type(item) is int for item in arg):
            raise TypeError(f"A statement takes whole numbers, tuples of them, moments or None, not {arg!r}")
        return len(arg)
    if type(arg) is datetime.datetime and arg.tzinfo is not None:
        return "moment"
    if type(arg) is not int:
        raise TypeError(f"A statement takes whole numbers, tuples of them, moments or None, not {arg!r}")
    return "int"


def statement(build: Callable[..., QuerySet]) -> Statement:
    """Decorator: `build` as a `Statement`."""
    return Statement(build)


def id_or_404(value) -> int:
    """An id from a URL or a request as a whole number for a statement; 404 when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not a valid id.") from None


def one_or_404(rows: list, model: type[Model]) -> Model:
    """The row a statement found by id, or 404 (as `get_object_or_404` answers)."""
    if not rows:
        raise Http404(f"No {model._meta.object_name} matches the given query.")
    return rows[0]
