"""A 403 or a 404 is an expected answer: one line in the log, no traceback. A 500 keeps its."""

import io
import logging

import pytest


@pytest.fixture
def server_log():
    """What the configured console handler writes (settings.LOGGING), as text."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def _lines(log: io.StringIO) -> list[str]:
    return [line for line in log.getvalue().splitlines() if "AXES" not in line]


def test_a_403_is_one_line_without_a_traceback(agent_client, server_log):
    assert agent_client.get("/playbooks/").status_code == 403
    assert _lines(server_log) == ["Forbidden (Permission denied): /playbooks/"]


def test_a_404_is_one_line_without_a_traceback(outsider_client, case, server_log):
    assert outsider_client.get(case.get_absolute_url()).status_code == 404
    assert _lines(server_log) == [f"Not Found: {case.get_absolute_url()}"]


@pytest.mark.urls("casebook.tests.error_urls")
def test_a_500_keeps_its_traceback(agent_client, server_log):
    agent_client.raise_request_exception = False
    assert agent_client.get("/test-only/boom/").status_code == 500
    assert "Traceback" in server_log.getvalue() and "a bug in a view" in server_log.getvalue()
