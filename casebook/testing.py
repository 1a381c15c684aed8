"""Helpers for tests that need a real service (PostgreSQL, Redis, Chromium).

Locally such a test skips when the service is not configured or not there; with
CASEBOOK_REQUIRE_SERVICES=1 (CI) it fails instead, so a broken setup cannot pass quietly.
"""

import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if settings.CASEBOOK_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


def require_redis() -> str:
    if not settings.REDIS_URL:
        _missing("needs Redis: set REDIS_URL=redis://...")
    url = urlparse(settings.REDIS_URL)
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2).close()
    except OSError as exc:
        _missing(f"Redis at {settings.REDIS_URL} is not answering: {exc}")
    return settings.REDIS_URL


def require_chromium() -> str:
    if not shutil.which(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
