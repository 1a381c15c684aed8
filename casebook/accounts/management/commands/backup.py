"""Back up the database to one file, or restore such a file into an empty database.

PostgreSQL: `pg_dump --format=custom` / `pg_restore` (consistent while the app runs).
SQLite: SQLite's own online backup API (consistent while the app runs), restored by copy.

    python manage.py backup create var/backups/casebook.dump
    python manage.py backup restore var/backups/casebook.dump --into postgres://.../casebook_restored
    python manage.py backup verify --into postgres://.../casebook_restored   # counts vs the live DB
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import environ
from django.apps import apps
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


def table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # table names come from the models
        counts[table] = cursor.fetchone()[0]
    return counts


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
        if action == "create":
            self._create(db, Path(path))
        elif action == "restore":
            self._restore(db, target, Path(path))
        else:
            self._verify(target)

    def _create(self, db, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "postgresql":
            subprocess.run(
                ["pg_dump", "--format=custom", "--file", str(path), *_pg_args(db), db["NAME"]],
                check=True,
                env=_pg_env(db),
            )
        else:
            with sqlite3.connect(db["NAME"]) as source, sqlite3.connect(path) as copy:
                source.backup(copy)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({path.stat().st_size} bytes)."))

    def _restore(self, db, target, path: Path):
        if not path.exists():
            raise CommandError(f"No backup at {path}.")
        if target["ENGINE"] != db["ENGINE"]:
            raise CommandError("Restore into the same kind of database the backup came from.")
        if connection.vendor == "postgresql":
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    *_pg_args(target),
                    "--dbname",
                    target["NAME"],
                    str(path),
                ],
                check=True,
                env=_pg_env(target),
            )
        else:
            if Path(target["NAME"]).exists():
                raise CommandError(f"{target['NAME']} exists already: restore into a new file.")
            shutil.copyfile(path, target["NAME"])
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target['NAME']}."))

    def _verify(self, target):
        tables = sorted({model._meta.db_table for model in apps.get_models()})
        with connection.cursor() as cursor:
            live = table_counts(cursor, tables)
        if target["ENGINE"].endswith("sqlite3"):
            with sqlite3.connect(target["NAME"]) as restored:
                copy = table_counts(restored.cursor(), tables)
        else:
            import psycopg2

            with psycopg2.connect(
                dbname=target["NAME"],
                user=target.get("USER") or None,
                password=target.get("PASSWORD") or None,
                host=target.get("HOST") or "127.0.0.1",
                port=target.get("PORT") or 5432,
            ) as restored:
                copy = table_counts(restored.cursor(), tables)
        different = {t: (live[t], copy[t]) for t in tables if live[t] != copy[t]}
        if different:
            raise CommandError(f"Row counts differ (live, restored): {different}")
        self.stdout.write(self.style.SUCCESS(f"All {len(tables)} tables match: {sum(live.values())} rows."))
