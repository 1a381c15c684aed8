"""Schemathesis against the live server: every operation, valid and invalid input, with a token.

Each operation gets a bounded number of generated requests (positive and negative data),
and every response must be a non-5xx that matches the schema. Derandomized, so CI runs
the same requests every time; a few hundred requests in all.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import api_token_create
from escalations.models import EscalationReason
from escalations.services import case_escalate
from interactions.services import follow_up_schedule, interaction_log
from playbooks.defaults import install_defaults
from playbooks.models import Playbook, PlaybookVersion, Step

EXAMPLES_PER_OPERATION_AND_MODE = 12
# A random id on a detail path is a 404 before any body is read: a few tries show that, and
# keep the whole run under a minute.
EXAMPLES_AT_RANDOM_IDS = 4
CHECKS = [not_a_server_error, response_schema_conformance]


def _fuzz(operation, mode, *, headers, path_parameters, examples):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.integration
def test_no_request_breaks_the_api_or_its_schema(live_server, settings, transactional_db, agent, case):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/min"}}
    interaction = interaction_log(
        actor=agent, case=case, channel="call", direction="inbound", mood="calm", summary="First call."
    )
    escalation = case_escalate(case=case, reason=EscalationReason.OTHER, note="Needs a manager.", actor=agent)
    install_defaults(Playbook, PlaybookVersion, Step)  # a transactional test before may have flushed them
    # A call-back: "done" then needs a real call id, the hardest body the generator must get right.
    follow_up = follow_up_schedule(
        actor=agent, case=case, kind="call_back", due_at=timezone.now() + timedelta(days=1), note="Call back."
    )
    real_ids = {
        "/api/v1/clients/{id}/": case.client_id,
        "/api/v1/cases/{id}/": case.pk,
        "/api/v1/cases/{id}/status/": case.pk,
        "/api/v1/cases/{id}/escalate/": case.pk,
        "/api/v1/interactions/{id}/": interaction.pk,
        "/api/v1/escalations/{id}/": escalation.pk,
        "/api/v1/follow-ups/{id}/": follow_up.pk,
        "/api/v1/follow-ups/{id}/done/": follow_up.pk,
        "/api/v1/follow-ups/{id}/reschedule/": follow_up.pk,
        "/api/v1/follow-ups/{id}/cancel/": follow_up.pk,
        "/api/v1/playbook-progress/{id}/": case.pk,
    }
    _, raw = api_token_create(user=agent, name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")

    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # Half the runs aim at a real record (so updates and actions get past the 404), half at random ids.
        id_choices = [None, {"id": real_ids[operation.path]}] if operation.path in real_ids else [None]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in id_choices:
                at_random_ids = path_parameters is None and len(id_choices) > 1
                examples = EXAMPLES_AT_RANDOM_IDS if at_random_ids else EXAMPLES_PER_OPERATION_AND_MODE
                try:
                    _fuzz(operation, mode, headers=headers, path_parameters=path_parameters, examples=examples)
                except Exception as failure:
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {failure}")

    assert operations >= 22
    assert not failures, "\n\n".join(failures)
