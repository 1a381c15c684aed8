"""Loading many rows fast, for seed_bench: COPY, ids from the sequences, indexes built after.

On PostgreSQL rows go in with COPY: no model instance and no INSERT statement per row, and
the server parses one chunk while Python makes the next. Any other database gets
bulk_create with the same rows, which is enough for a small try.

Rows are tuples in the order of the columns given; None is NULL, and JSON columns hold
JSON text (what COPY takes).
"""

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.db.models import Max

COPY_NULL = r"\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Big enough that a COPY is a few hundred round trips to the socket, not tens of thousands.
COPY_CHUNK = 1 << 16


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """n fresh primary keys for `model`.

    On PostgreSQL they come from the table's own sequence, so the app's next insert
    carries on after them without a setval, even with other writers about.
    """
    if n <= 0:
        return []
    if connection.vendor != "postgresql":
        # A small try on SQLite: the ids after the highest; explicit ids move its counter along.
        top = model.objects.aggregate(top=Max("pk"))["top"] or 0
        return list(range(top + 1, top + 1 + n))
    with connection.cursor() as cursor:
        # The sequence's name first: inside the nextval() it would be looked up for every id.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> list[tuple]:
    """Write the rows into the model's table and return them (as a list, for what refers to them).

    `rows` may be a generator: on PostgreSQL it is consumed while the server takes in
    what came before, so making the rows and storing them overlap.
    """
    if connection.vendor != "postgresql":
        return _bulk_create(model, columns, rows)
    written = []
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", CopyStream(rows, written), COPY_CHUNK)
    return written


def copy_line(row: tuple) -> str:
    """One row in COPY's text format.

    The plain join is right for almost every row (the seed's texts have no tab, newline
    or backslash); a row for which it is not, seen by counting, is escaped field by field.
    """
    line = "\t".join([COPY_NULL if value is None else str(value) for value in row])
    plain = line.count("\t") == len(row) - 1 and line.count("\\") == row.count(None)
    if plain and "\n" not in line and "\r" not in line:
        return line + "\n"
    return "\t".join([COPY_NULL if value is None else str(value).translate(COPY_ESCAPES) for value in row]) + "\n"


class CopyStream:
    """The file copy_expert reads from: makes the lines only when asked, and keeps the rows."""

    def __init__(self, rows: Iterable[tuple], written: list):
        self._rows = iter(rows)
        self._written = written

    def read(self, size: int = -1) -> str:
        chunk, length = [], 0
        for row in self._rows:
            self._written.append(row)
            line = copy_line(row)
            chunk.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(chunk)


def _bulk_create(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> list[tuple]:
    rows = list(rows)
    json_columns = {field.column for field in model._meta.concrete_fields if isinstance(field, models.JSONField)}
    objects = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for column in json_columns & values.keys():
            values[column] = json.loads(values[column])
        objects.append(model(**values))
    model.objects.bulk_create(objects, batch_size=1000)
    return rows


@contextmanager
def indexes_built_after(*tables: type[models.Model], report=None) -> Iterator[None]:
    """Load empty tables without their secondary indexes and foreign keys, then build them again.

    Building an index once over all rows is much cheaper than updating it row by row, and
    one check per foreign key (a join) is cheaper than a trigger per row. Primary keys and
    unique indexes stay: they guard the rows as they go in. Each index and constraint is built again
    from the definition PostgreSQL gives for it before the drop, so nothing changes name or
    shape. Only on PostgreSQL and only when every table is empty (a fresh database), and
    only inside a transaction (checked): DDL is transactional there, so an interrupted or
    failed load rolls back to the tables as they were, indexes included. `report(seconds)`
    is told how long building them again took.
    """
    if connection.vendor != "postgresql" or any(model.objects.exists() for model in tables):
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_after must run inside a transaction")
    names = [model._meta.db_table for model in tables]
    indexes, foreign_keys = _secondary_indexes(names), _foreign_keys(names)
    with connection.cursor() as cursor:
        _run_pending_checks(cursor)
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {_quote(name)}")
    # No try/finally: after an error the transaction is aborted and rolls back the drops.
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        # For this transaction only: room to sort and to collect the GIN entries in memory.
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        _run_pending_checks(cursor)
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
    if report is not None:
        report(time.monotonic() - started)


def _run_pending_checks(cursor) -> None:
    """Run now the foreign key checks that wait for the commit: PostgreSQL refuses to drop a
    foreign key or build an index on a table that has such checks pending (rows of the
    transaction, like the seed's clients, or a test's own rows).

    Django makes every foreign key DEFERRABLE INITIALLY DEFERRED: the mode is set back.
    """
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each index that is neither unique nor behind a constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_class tc ON tc.oid = i.indrelid
            WHERE tc.relname = ANY(%s) AND tc.relnamespace = current_schema()::regnamespace
              AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY tc.relname, ic.relname
            """,
            [tables],
        )
        return cursor.fetchall()


def _foreign_keys(tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of each foreign key the tables hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tc.relname, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            JOIN pg_class tc ON tc.oid = c.conrelid
            WHERE tc.relname = ANY(%s) AND tc.relnamespace = current_schema()::regnamespace AND c.contype = 'f'
            ORDER BY tc.relname, c.conname
            """,
            [tables],
        )
        return cursor.fetchall()
