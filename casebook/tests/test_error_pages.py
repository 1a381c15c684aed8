"""The 400, 403, 404 and 500 pages: in the app's style, kind, and telling nothing about
records the visitor may not see. Django's test client runs with DEBUG off."""

import pytest
from django.test import RequestFactory
from django.views.defaults import bad_request, server_error

STYLESHEET = "/static/css/casebook.css"


def test_the_500_page_needs_no_request_context_nor_database():
    # No `db` fixture: any query here would fail the test.
    response = server_error(RequestFactory().get("/cases/1/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert STYLESHEET in body and '<main id="main"' in body
    assert "Traceback" not in body and "RuntimeError" not in body


def test_the_400_page_is_styled_without_a_request_context():
    response = bad_request(RequestFactory().get("/"), exception=ValueError("bad"))
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()
    assert STYLESHEET in response.content.decode()


@pytest.mark.urls("casebook.tests.error_urls")
def test_a_crashing_view_shows_the_500_page(agent_client):
    agent_client.raise_request_exception = False
    response = agent_client.get("/test-only/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "a bug in a view" not in body


def test_an_unknown_address_shows_the_styled_404_page(agent_client):
    response = agent_client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    assert STYLESHEET in body and 'aria-label="Main"' in body  # the app's own page, with its menu
    assert "no-such-page" not in body


def test_another_teams_case_gives_the_same_404_page_and_leaks_nothing(outsider_client, case):
    unknown = outsider_client.get("/cases/999999/")
    response = outsider_client.get(case.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    for private in (case.title, case.client.name, case.client.email, case.owner.username, "Customer Care"):
        assert private not in body
    # Word for word the page of a case that does not exist, apart from the per-request csrf token.
    assert _without_csrf(body) == _without_csrf(unknown.content.decode())


def test_a_manager_page_shows_the_styled_403_page_to_an_agent(agent_client):
    response = agent_client.get("/playbooks/")
    assert response.status_code == 403
    assert "not open to your role" in response.content.decode()
    assert STYLESHEET in response.content.decode()


def _without_csrf(body: str) -> str:
    import re

    body = re.sub(r'"X-CSRFToken": "[^"]*"', "", body)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
