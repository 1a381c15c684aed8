"""Links to a record's page, built once per process for each record.

`reverse()` walks the URL resolver's patterns each time (about 15 µs); a list shows dozens
of case and client links on every view, and a record's link never changes while the URL
configuration and script prefix stay the same (both are part of the key).
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse


def record_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]), remembered."""
    return _record_url(name, pk, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=20_000)
def _record_url(name: str, pk: int, prefix: str, urlconf) -> str:
    return reverse(name, args=[pk], urlconf=urlconf)


def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _record_url.cache_clear()


setting_changed.connect(_forget)
