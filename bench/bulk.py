"""Loading many rows fast, for seed_bench: COPY, ids from the sequences, indexes built after.

On PostgreSQL rows go in with COPY: no model instance and no INSERT statement per row, and
the server parses one chunk while Python makes the next (inside copying_alongside, the
COPYs run in a thread of their own, so neither side waits for the other between tables).
Any other database gets plain INSERTs of the same rows (the same values stored, as with
COPY: no field's pre_save runs), which is enough for a small try.

Rows are tuples in the order of the columns given; None is NULL, and JSON columns hold
JSON text (what COPY takes).
"""

import json
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import psycopg2
from django.db import connection, models
from django.db.models import Max

COPY_NULL = r"\N"
# Big enough that a COPY is a few hundred round trips to the socket, not tens of thousands.
COPY_CHUNK = 1 << 16


def reserve_ids(model: type[models.Model], n: int) -> Sequence[int]:
    """n fresh primary keys for `model`, in increasing order.

    On PostgreSQL they come from the table's own sequence, so the app's next insert
    carries on after them without a setval, even with other writers about.
    """
    if n <= 0:
        return []
    if connection.vendor != "postgresql":
        # A small try on SQLite: the ids after the highest; explicit ids move its counter along.
        top = model.objects.aggregate(top=Max("pk"))["top"] or 0
        return range(top + 1, top + 1 + n)
    # While COPYs run beside (copying_alongside), the transaction's connection is theirs: the
    # sequences are read on a connection of their own (nextval is never rolled back anyway).
    with connection.cursor() if _writer is None else _writer.ids.cursor() as cursor:
        # The sequence's name first: inside the nextval() it would be looked up for every id.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        # Nobody else took ids meanwhile (the usual case): they are one run, sent as its ends
        # rather than as n rows. Otherwise every id taken is sent.
        cursor.execute(
            """
            SELECT min(id), max(id),
                   CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL ELSE array_agg(id ORDER BY id) END
            FROM (SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)) AS taken
            """,
            [sequence, n],
        )
        low, high, scattered = cursor.fetchone()
        return range(low, high + 1) if scattered is None else scattered


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple], line: Callable[[tuple], str] | None = None
) -> list[tuple]:
    """Write the rows into the model's table and return them (as a list, for what refers to them).

    `rows` may be a generator: on PostgreSQL it is consumed while the server takes in
    what came before, so making the rows and storing them overlap. `line` writes a row
    in COPY's text format when the caller knows a faster way than `copy_line` for its rows.
    """
    if connection.vendor != "postgresql":
        return _insert_rows(model, columns, rows)
    written = []
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    stream = CopyStream(rows, written, line or copy_line)
    statement = f"COPY {table} ({names}) FROM STDIN"
    if _writer is not None:
        _writer.copy(statement, stream)
        return written
    with connection.cursor() as cursor:
        cursor.copy_expert(statement, stream, COPY_CHUNK)
    return written


def copy_line(row: tuple) -> str:
    """One row in COPY's text format.

    The plain join is right for most rows (the seed's texts have no tab, newline or
    backslash); a row for which it is not (JSON text with an escaped newline, say), seen
    by counting, is escaped field by field.
    """
    line = "\t".join([COPY_NULL if value is None else str(value) for value in row])
    plain = line.count("\t") == len(row) - 1 and line.count("\\") == row.count(None)
    if plain and "\n" not in line and "\r" not in line:
        return line + "\n"
    return "\t".join([COPY_NULL if value is None else escape(str(value)) for value in row]) + "\n"


def escape(text: str) -> str:
    """A value in COPY's text format: backslash first, then the characters it escapes (str.replace
    is many times faster than str.translate, which looks every character up in a dict)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyStream:
    """The file copy_expert reads from: makes the lines only when asked, and keeps the rows."""

    def __init__(self, rows: Iterable[tuple], written: list, line: Callable[[tuple], str] = copy_line):
        self._rows = iter(rows)
        self._written = written
        self._line = line

    def read(self, size: int = -1) -> str:
        chunk, length = [], 0
        for row in self._rows:
            self._written.append(row)
            line = self._line(row)
            chunk.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(chunk)


# --- COPYs beside the making of the rows ------------------------------------------------

_writer: "_Writer | None" = None
_END, _ABORT = object(), object()


@contextmanager
def copying_alongside() -> Iterator[None]:
    """Run the COPYs of copy_rows in a thread of their own, in order, on the transaction's
    connection, while this thread goes on making the next rows.

    Without it Python waits while PostgreSQL takes in the end of each COPY, and PostgreSQL
    waits while Python makes the rows of the next: with it each works all the time (psycopg2
    lets go of the GIL while it sends). copy_rows returns once its rows are made (they are
    written soon after, in order); reserve_ids reads the sequences on a connection of its
    own meanwhile. Nothing else may use the database connection inside the block. Leaving
    waits for the last COPY; an error on either side stops both and is raised. Only on
    PostgreSQL (elsewhere the rows go in as before).
    """
    global _writer
    if connection.vendor != "postgresql" or _writer is not None:
        yield
        return
    writer = _Writer()
    _writer = writer
    # The thread that makes the rows lets go of the GIL every 5 ms by default: the COPY thread
    # would often wait that long to hand a chunk on while PostgreSQL has nothing to read.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        yield
    except BaseException:
        writer.stop(abort=True)
        raise
    else:
        writer.stop(abort=False)
    finally:
        _writer = None
        sys.setswitchinterval(switch_interval)


class _Writer:
    def __init__(self):
        connection.ensure_connection()
        self.session = connection.connection  # psycopg2's, inside the transaction
        self.ids = psycopg2.connect(**connection.get_connection_params())
        self.ids.autocommit = True
        # Bounded: the rows made ahead wait here (a few MB), not in a list of the whole batch.
        self.items = queue.Queue(maxsize=64)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="seed_bench COPY", daemon=True)
        self.thread.start()

    def copy(self, statement: str, stream: "CopyStream") -> None:
        """Hand a COPY to the thread, then make its rows (here) and pass them on in chunks."""
        self._put(statement)
        while chunk := stream.read(COPY_CHUNK):
            self._put(chunk)
        self._put(_END)

    def _put(self, item) -> None:
        while True:
            if self.failure is not None:
                raise RuntimeError("COPY failed") from self.failure
            try:
                self.items.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            with self.session.cursor() as cursor:
                while (statement := self.items.get()) is not None and statement is not _ABORT:
                    cursor.copy_expert(statement, _Chunks(self.items), COPY_CHUNK)
        except BaseException as error:  # handed to the other thread
            self.failure = error

    def stop(self, *, abort: bool) -> None:
        try:
            while self.thread.is_alive():
                try:
                    self.items.put(_ABORT if abort else None, timeout=0.2)
                    break
                except queue.Full:
                    if abort:  # make room: what is left is not wanted
                        self._drain()
            self.thread.join()
        finally:
            self.ids.close()
        if self.failure is not None and not abort:
            raise RuntimeError("COPY failed") from self.failure

    def _drain(self) -> None:
        try:
            while True:
                self.items.get_nowait()
        except queue.Empty:
            pass


class _Chunks:
    """The file copy_expert reads in the COPY thread: the chunks handed over, up to the end."""

    def __init__(self, items: queue.Queue):
        self._items = items

    def read(self, size: int = -1) -> str:
        item = self._items.get()
        if item is _END:
            return ""
        if item is _ABORT or item is None:
            raise RuntimeError("the load stopped")
        return item


def _insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> list[tuple]:
    """The rows as INSERTs, storing exactly the values given, as COPY does.

    Not bulk_create: it runs each field's pre_save, and an auto_now_add field (a follow-up's
    or a solution option's created_at, a timeline entry's recorded_at) would get the current
    time instead of the time the seed drew for it. A column left out gets what bulk_create
    would give it (its default, or now for auto_now and auto_now_add).
    """
    rows = list(rows)
    if not rows:
        return rows
    given = set(columns)
    fields = model._meta.concrete_fields
    json_columns = {field.column for field in fields if isinstance(field, models.JSONField)}
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    params = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for column in json_columns & values.keys():
            values[column] = json.loads(values[column])
        obj = model(**values)
        params.append(
            [
                field.get_db_prep_save(
                    getattr(obj, field.attname) if field.column in given else field.pre_save(obj, add=True),
                    connection,
                )
                for field in fields
            ]
        )
    with connection.cursor() as cursor:
        for start in range(0, len(params), 1000):
            cursor.executemany(statement, params[start : start + 1000])
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
