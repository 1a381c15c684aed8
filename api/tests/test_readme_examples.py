"""The API guide's examples (docs/api.md) run as written, against a live server on the demo data.

Every fenced block after an `<!-- api-example -->` comment is run, in order, in one bash
(as a reader pastes them into one terminal), with `set -euo pipefail`: each `curl` in them
has `--fail-with-body`, so any answer but a 2xx fails the run. Only what the examples read
from the environment is set: `CASEBOOK` (the live server) and, for the token the first
block creates with `manage.py api_token create`, the test database's DATABASE_URL.
"""

import os
import re
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command

from clients.models import OPEN_STATUSES
from core.testing import database_url_for_subprocess
from interactions.models import FollowUp, FollowUpStatus, Interaction

README = settings.BASE_DIR / "docs" / "api.md"  # the API guide, where the examples live
MARKER = "<!-- api-example -->"


def api_examples(text: str) -> list[str]:
    """The code of each fenced block that directly follows the marker comment (on a line of its own)."""
    return re.findall(rf"^{re.escape(MARKER)}\n```[a-z]*\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def test_the_marked_examples_are_found():
    text = README.read_text()
    examples = api_examples(text)
    # Every marker is followed by its block: a marker set apart from its block would silently skip it.
    assert len(examples) == len(re.findall(rf"^{re.escape(MARKER)}$", text, flags=re.MULTILINE)) >= 2
    assert all("curl" in example for example in examples)


@pytest.mark.django_db(transaction=True)
def test_the_readme_api_examples_run_as_written(live_server):
    call_command("seed_demo")
    assert (settings.BASE_DIR / ".venv" / "bin" / "python").exists(), "the examples use .venv/bin/python (make setup)"
    before = Interaction.objects.count()
    script = "\n".join(api_examples(README.read_text()))
    result = subprocess.run(
        ["bash", "-x", "-euo", "pipefail", "-c", script],
        cwd=settings.BASE_DIR,
        env={**os.environ, "CASEBOOK": live_server.url, "DATABASE_URL": database_url_for_subprocess()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-6000:]}"

    # They did what they say: a call logged on an open case of the agent's team, and a
    # call-back scheduled for the future, then logged and marked done with that call-back.
    call = Interaction.objects.get(summary__startswith="Asked when the technician comes.")
    call_back = Interaction.objects.get(summary__startswith="Called back:")
    assert Interaction.objects.count() == before + 2
    assert call.case.status in OPEN_STATUSES and call.case.client.team.name == "Customer Care"
    assert f"Logged contact {call.pk} on case {call.case_id}" in result.stdout
    follow_up = FollowUp.objects.get(note="Confirm the technician's visit on Friday morning.")
    assert follow_up.case_id == call.case_id == call_back.case_id
    assert follow_up.status == FollowUpStatus.DONE and follow_up.fulfilled_by_id == call_back.pk
    assert follow_up.due_at > call.occurred_at and call_back.occurred_at >= follow_up.created_at
