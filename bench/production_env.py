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
            **extra,
        }
    )
