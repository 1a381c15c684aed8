"""CSV exports: streamed, safe to open in a spreadsheet, and limited to the user's teams."""

import csv
import io

import pytest
from django.urls import reverse

from clients.models import CaseStatus
from clients.tests.factories import CaseFactory, ClientFactory
from core.export import neutralise
from interactions.tests.factories import InteractionFactory


def _rows(response) -> list[list[str]]:
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("value", ["=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_a_spreadsheet_would_run_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_ordinary_cells_are_left_alone():
    assert (neutralise("Oven visit"), neutralise(12), neutralise(None)) == ("Oven visit", "12", "")


def test_the_case_export_streams_the_filtered_cases_of_the_users_teams(agent_client, agent, team, other_team):
    CaseFactory(client=ClientFactory(team=team), owner=agent, title="=cmd|'/c calc'!A1", status=CaseStatus.NEW)
    CaseFactory(client=ClientFactory(team=team), owner=agent, title="In progress", status=CaseStatus.IN_PROGRESS)
    CaseFactory(client=ClientFactory(team=other_team), title="Not yours", status=CaseStatus.NEW)
    rows = _rows(agent_client.get(reverse("cases:export"), {"status": CaseStatus.NEW}))
    assert rows[0][:2] == ["id", "title"]
    assert [row[1] for row in rows[1:]] == ["'=cmd|'/c calc'!A1"]


def test_the_interaction_export_lists_the_case_interactions_oldest_first(agent_client, case):
    first = InteractionFactory(case=case, summary="-minus first")
    InteractionFactory(case=case, summary="Second")
    rows = _rows(agent_client.get(reverse("cases:export_interactions", args=[case.pk])))
    assert [row[5] for row in rows[1:]] == ["'-minus first", "Second"]
    assert rows[1][0] == str(first.pk)


def test_the_interaction_export_of_another_team_is_404(outsider_client, case):
    assert outsider_client.get(reverse("cases:export_interactions", args=[case.pk])).status_code == 404
