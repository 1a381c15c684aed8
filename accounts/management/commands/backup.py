"""Back up the database to one file, restore such a file into an empty database, or verify a restore.

PostgreSQL: `pg_dump --format=custom` / `pg_restore` (consistent while the app runs).
SQLite: SQLite's own online backup API (consistent while the app runs), restored by copy.

    python manage.py backup create var/backups/casebook.dump
    python manage.py backup restore var/backups/casebook.dump --into postgres://.../casebook_restored
    python manage.py backup verify --into postgres://.../casebook_restored   # every table vs the live DB

`verify` compares every table of both databases (the many-to-many tables and django_migrations
included, not only the models' own tables): the same tables, the same number of rows and the
same content (a SHA-256 over each table's rows in primary-key order).
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import environ
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db: dict) -> list[str]:
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _is_sqlite(db: dict) -> bool:
    return db["ENGINE"].endswith("sqlite3")


def open_database(db: dict):
    """A plain DB-API connection to `db` (a Django settings dict); CommandError when it is not there.

    Both sides of `verify` are read through the same kind of connection, so a value is
    turned into the same Python object on both sides and the checksums can be compared.
    """
    if _is_sqlite(db):
        if not Path(db["NAME"]).is_file():
            raise CommandError(f"No SQLite database at {db['NAME']}.")
        # Read-only: verifying must never change (or create) either file.
        return sqlite3.connect(f"file:{db['NAME']}?mode=ro", uri=True)
    import psycopg2

    try:
        conn = psycopg2.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
        )
    except psycopg2.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "cannot connect"
        raise CommandError(f"Cannot open database {db['NAME']}: {first_line}") from error
    with conn.cursor() as cursor:
        # Times are read in one zone on both sides, whatever the server's default.
        cursor.execute("SET TIME ZONE 'UTC'")
    return conn


def table_names(conn, sqlite: bool) -> list[str]:
    """Every table of the database, the same way Django's introspection lists them."""
    cursor = conn.cursor()
    if sqlite:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'")
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'pg_toast', 'information_schema') "
            "AND pg_catalog.pg_table_is_visible(c.oid)"
        )
    return sorted(row[0] for row in cursor.fetchall())


def _order_columns(conn, sqlite: bool, table: str) -> list[str]:
    """The table's primary-key columns, or all its columns when it has no primary key."""
    cursor = conn.cursor()
    if sqlite:
        cursor.execute(f'PRAGMA table_info("{table}")')
        columns = cursor.fetchall()  # (cid, name, type, notnull, default, pk position)
        key = [name for _, name, _, _, _, pk in sorted(columns, key=lambda c: c[5]) if pk]
        return key or [column[1] for column in columns]
    cursor.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
        [f'"{table}"'],
    )
    key = [row[0] for row in cursor.fetchall()]
    if key:
        return key
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum",
        [f'"{table}"'],
    )
    return [row[0] for row in cursor.fetchall()]


def _row_bytes(row) -> bytes:
    # bytea comes back as a memoryview, whose repr is its address: hash its bytes instead.
    return repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode() + b"\n"


def table_digest(conn, sqlite: bool, table: str) -> tuple[int, str]:
    """(row count, SHA-256 of the rows in primary-key order) of one table, read in batches."""
    order = ", ".join(f'"{column}"' for column in _order_columns(conn, sqlite, table))
    # Table and column names come from the database's own catalog, quoted.
    cursor = conn.cursor() if sqlite else conn.cursor(name="backup_verify")  # a server-side cursor: rows stream
    cursor.execute(f'SELECT * FROM "{table}" ORDER BY {order}')
    digest, count = hashlib.sha256(), 0
    while rows := cursor.fetchmany(2000):
        for row in rows:
            digest.update(_row_bytes(row))
        count += len(rows)
    cursor.close()
    return count, digest.hexdigest()


def database_digests(db: dict) -> dict[str, tuple[int, str]]:
    """{table: (row count, checksum)} for every table of `db`."""
    sqlite = _is_sqlite(db)
    conn = open_database(db)
    try:
        return {table: table_digest(conn, sqlite, table) for table in table_names(conn, sqlite)}
    finally:
        conn.close()


class Command(BaseCommand):
    help = "Back up the database to a file, restore a backup into an empty database, or compare the two."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "restore", "verify"])
        parser.add_argument("path", nargs="?", help="the backup file")
        parser.add_argument("--into", help="DATABASE_URL of the (empty) database to restore into or compare")

    def handle(self, action, path=None, into=None, **options):
        db = connection.settings_dict
        if action in ("create", "restore") and not path:
            raise CommandError("Name the backup file.")
        if action in ("restore", "verify") and not into:
            raise CommandError("Say where to restore or compare with --into DATABASE_URL.")
        target = environ.Env.db_url_config(into) if into else None
        if target and target["ENGINE"] != db["ENGINE"]:
            raise CommandError("Restore into (or compare with) the same kind of database the backup came from.")
        if action == "create":
            self._create(db, Path(path))
        elif action == "restore":
            self._restore(target, Path(path))
        else:
            self._verify(db, target)

    def _create(self, db, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            self._run(["pg_dump", "--format=custom", "--file", str(path), *_pg_args(db), db["NAME"]], db)
        else:
            with sqlite3.connect(db["NAME"]) as source, sqlite3.connect(path) as copy:
                source.backup(copy)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({path.stat().st_size} bytes)."))

    def _restore(self, target, path: Path):
        if not path.exists():
            raise CommandError(f"No backup at {path}.")
        if _is_sqlite(target):
            restored = Path(target["NAME"])
            if restored.exists():
                raise CommandError(f"{restored} exists already: restore into a new file.")
            if not restored.parent.is_dir():
                raise CommandError(f"No directory {restored.parent}: create it first.")
            shutil.copyfile(path, restored)
        else:
            # Checked first: pg_restore into a missing or used database fails half-way, with a traceback.
            conn = open_database(target)
            try:
                tables = table_names(conn, sqlite=False)
            finally:
                conn.close()
            if tables:
                raise CommandError(
                    f"Database {target['NAME']} is not empty ({len(tables)} tables): restore into an empty one."
                )
            self._run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    *_pg_args(target),
                    "--dbname",
                    target["NAME"],
                    str(path),
                ],
                target,
            )
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target['NAME']}."))

    def _run(self, command: list[str], db: dict) -> None:
        result = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True)
        if result.returncode:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise CommandError(f"{command[0]} failed: {lines[0] if lines else f'exit status {result.returncode}'}")

    def _verify(self, db, target):
        live = database_digests(db)
        copy = database_digests(target)
        problems = []
        if missing := sorted(live.keys() - copy.keys()):
            problems.append(f"missing from the restored database: {', '.join(missing)}")
        if extra := sorted(copy.keys() - live.keys()):
            problems.append(f"only in the restored database: {', '.join(extra)}")
        shared = sorted(live.keys() & copy.keys())
        counts = [f"{t} ({live[t][0]} live, {copy[t][0]} restored)" for t in shared if live[t][0] != copy[t][0]]
        if counts:
            problems.append(f"row counts differ: {', '.join(counts)}")
        contents = [t for t in shared if live[t][0] == copy[t][0] and live[t][1] != copy[t][1]]
        if contents:
            problems.append(f"contents differ (same row count): {', '.join(contents)}")
        if problems:
            raise CommandError("The restored database does not match: " + "; ".join(problems) + ".")
        rows = sum(count for count, _ in live.values())
        self.stdout.write(self.style.SUCCESS(f"All {len(live)} tables match (row counts and contents): {rows} rows."))
