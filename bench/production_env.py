"""The production-like settings `make bench` and `make load` give themselves and gunicorn.

Set before django.setup(), in the script's own environment, so that the sessions it makes
in-process are valid in the gunicorn it starts (same SECRET_KEY).
"""

import os
import secrets


def configure(*, base_url: str, default_database: str, **extra: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL", default_database),
            "DJANGO_SETTINGS_MODULE": "casebook.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CASEBOOK_BASE_URL": base_url,
            # Plain HTTP over loopback: no HTTPS redirect, no secure-only cookies.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            # Logins made for the benchmark would log a line each.
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            **extra,
        }
    )


def ensure_database(url: str | None = None) -> None:
    """Create the PostgreSQL database `url` (default: DATABASE_URL) names when it does not
    exist yet (a new machine), so `make bench` and `make load` work from a fresh clone."""
    import environ
    import psycopg2
    from psycopg2 import sql

    config = environ.Env.db_url_config(url or os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        return
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        psycopg2.connect(dbname=config["NAME"], **params).close()
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        admin = psycopg2.connect(dbname="postgres", **params)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        admin.close()
        print(f"Created the database {config['NAME']}.")
