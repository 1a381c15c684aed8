"""Create the PostgreSQL database named by DATABASE_URL when it does not exist yet.

    python manage.py ensure_database      # `make migrate` (and so `make run`) runs it first

`migrate` cannot create the database it connects to, so a fresh PostgreSQL server stopped
`make run` there. This connects to the server's `postgres` maintenance database with the
same credentials and runs CREATE DATABASE if needed. Running it again changes nothing.
SQLite needs nothing: it creates its file on first use.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Create the PostgreSQL database named by DATABASE_URL if it does not exist (SQLite: nothing to do)."
    # The database may not exist yet: no check may try to reach it.
    requires_system_checks = []

    def handle(self, *args, **options):
        db = connection.settings_dict
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.vendor}: nothing to create (the database is made on first use).")
            return
        import psycopg2
        from psycopg2 import sql

        try:
            admin = psycopg2.connect(
                dbname="postgres",
                user=db["USER"] or None,
                password=db["PASSWORD"] or None,
                host=db["HOST"] or "127.0.0.1",
                port=db["PORT"] or 5432,
            )
        except psycopg2.OperationalError as error:
            lines = str(error).strip().splitlines()
            raise CommandError(f"Cannot reach PostgreSQL: {lines[0] if lines else error}") from error
        # CREATE DATABASE cannot run inside a transaction.
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
                if cursor.fetchone():
                    self.stdout.write(f"Database {db['NAME']} exists already.")
                    return
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        except psycopg2.Error as error:
            raise CommandError(f"Cannot create database {db['NAME']}: {str(error).strip()}") from error
        finally:
            admin.close()
        self.stdout.write(self.style.SUCCESS(f"Created database {db['NAME']}."))
