"""Every URL pattern, walked from the resolver: hostile ids and a NUL anywhere are a 4xx,
never a 5xx, and store nothing. A new page is covered the day it is added."""

import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from core.converters import MAX_ID

# Beyond PostgreSQL's bigint, far beyond it, and the largest id that exists in range.
TOO_BIG = [str(MAX_ID + 1), "9" * 25]


def _routes(resolver=None, prefix=""):
    """(route text, pattern) for every URL pattern, with its includes' prefixes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _ours(route: str) -> bool:
    # Django's admin has its own (tested) id handling: `<path:object_id>` ids it validates itself.
    return not route.startswith("admin/")


ROUTES = sorted(route for route, _ in _routes() if _ours(route))
ID_ROUTES = [route for route in ROUTES if "<id:" in route or "(?P<pk>" in route]


def _url(route: str, id_value: str) -> str:
    """A concrete path for a route: ids as given, other segments a plain word."""
    url = re.sub(r"<id:\w+>", id_value, route)
    url = re.sub(r"<drf_format_suffix:\w+>", ".json", url)
    url = re.sub(r"<\w+:\w+>", "word", url)
    # The API router's regular expressions.
    url = re.sub(r"\(\?P<pk>[^)]*\)", id_value, url)
    url = re.sub(r"\\\.\(\?P<format>[^)]*\)/\?\$", ".json", url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + url


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def admin_client(client, admin, case):
    """Everything in scope: an admin, with a case in the database."""
    cache.clear()  # the API's throttle counts live in the cache
    client.force_login(admin)
    return client


def test_no_route_uses_the_built_in_int_converter():
    """<int:...> lets any number through to the database; <id:...> stops at bigint's maximum."""
    offenders = [route for route, entry in _routes() if _ours(route) and _uses_int(entry)]
    assert not offenders


def _uses_int(entry: URLPattern) -> bool:
    return any(isinstance(converter, IntConverter) for converter in getattr(entry.pattern, "converters", {}).values())


def test_the_walk_finds_the_pages_it_should():
    assert len(ID_ROUTES) >= 40
    assert "cases/<id:pk>/" in ROUTES and "contacts/log/clients/<id:client_pk>/cases/" in ROUTES


@pytest.mark.parametrize("route", ID_ROUTES)
def test_an_id_beyond_bigint_is_a_404_and_changes_nothing(admin_client, route):
    before = _row_counts()
    for value in TOO_BIG:
        url = _url(route, value)
        for method in (admin_client.get, admin_client.post):
            # 405 where the page takes only the other method: the id never reaches a view.
            assert method(url).status_code in (404, 405), (method.__name__, url)
    assert _row_counts() == before


@pytest.mark.parametrize("route", ID_ROUTES)
def test_the_largest_id_in_range_is_no_server_error(admin_client, route):
    before = _row_counts()
    for method in (admin_client.get, admin_client.post):
        response = method(_url(route, str(MAX_ID)))
        assert response.status_code < 500, route
    assert _row_counts() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_nul_anywhere_in_a_request_is_refused_and_stores_nothing(admin_client, case, route):
    url = _url(route, str(case.pk))
    before = _row_counts()
    queries = [admin_client.get(url, {"q": "before\x00after"}), admin_client.get(url, {"x\x00": "1"})]
    if route.startswith("api/"):
        # JSON bodies: the serializers' text fields refuse a NUL (or the endpoint takes no body).
        sent = admin_client.post(url, {"title": "\x00", "note": "\x00"}, content_type="application/json")
        assert 400 <= sent.status_code < 500, url
        assert [answer.status_code for answer in queries] == [400, 400], url
    else:
        sent = admin_client.post(url, {"note": "before\x00after", "summary": "\x00"})
        assert [answer.status_code for answer in [*queries, sent]] == [422, 422, 422], url
    assert "NUL character" in queries[0].content.decode()
    assert _row_counts() == before
