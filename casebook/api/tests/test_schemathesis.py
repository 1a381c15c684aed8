"""Schemathesis against the live server: every operation, valid and invalid input, with a token.

Each operation gets a bounded number of generated requests (positive and negative data),
and every response must be a non-5xx that matches the schema. Derandomized, so CI runs
the same requests every time; a few hundred requests in all.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from casebook.api.services import api_token_create
from clients.models import EscalationReason
from clients.services import case_escalate
from interactions.services import interaction_log

EXAMPLES_PER_OPERATION_AND_MODE = 12
CHECKS = [not_a_server_error, response_schema_conformance]


def _fuzz(operation, mode, *, headers, path_parameters):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
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
    real_ids = {
        "/api/v1/clients/{id}/": case.client_id,
        "/api/v1/cases/{id}/": case.pk,
        "/api/v1/cases/{id}/status/": case.pk,
        "/api/v1/cases/{id}/escalate/": case.pk,
        "/api/v1/interactions/{id}/": interaction.pk,
        "/api/v1/escalations/{id}/": escalation.pk,
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
                try:
                    _fuzz(operation, mode, headers=headers, path_parameters=path_parameters)
                except Exception as failure:
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {failure}")

    assert operations >= 15
    assert not failures, "\n\n".join(failures)
