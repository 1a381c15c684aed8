import re

import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


def _schema():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_valid_openapi_3(db):
    schema = _schema()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema


def test_every_operation_is_described_by_a_person(db):
    operations = [
        (path, method, operation) for path, item in _schema()["paths"].items() for method, operation in item.items()
    ]
    assert {path for path, _, _ in operations} >= {
        "/api/v1/clients/",
        "/api/v1/cases/",
        "/api/v1/cases/{id}/status/",
        "/api/v1/cases/{id}/escalate/",
        "/api/v1/interactions/",
        "/api/v1/escalations/",
        "/api/v1/follow-ups/",
        "/api/v1/follow-ups/{id}/done/",
        "/api/v1/follow-ups/{id}/reschedule/",
        "/api/v1/follow-ups/{id}/cancel/",
        "/api/v1/playbook-progress/{id}/",
    }
    for path, method, operation in operations:
        assert operation.get("summary") and len(operation.get("description", "")) > 20, (method, path)
        if method in ("post", "patch"):
            examples = operation["requestBody"]["content"]["application/json"].get("examples")
            assert examples, f"{method} {path} has no example"


def test_creates_document_the_idempotency_key(db):
    paths = _schema()["paths"]
    creates = ["/api/v1/clients/", "/api/v1/cases/", "/api/v1/interactions/", "/api/v1/follow-ups/"]
    for path in [*creates, "/api/v1/cases/{id}/escalate/"]:
        names = [p["name"] for p in paths[path]["post"]["parameters"] if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path


def test_interactions_have_no_update_or_delete(db):
    item = _schema()["paths"]["/api/v1/interactions/{id}/"]
    assert set(item) == {"get"}


def test_the_docs_work_offline(db, client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            # Vendored by drf-spectacular-sidecar and served with the other static files.
            assert finders.find(source.removeprefix("/static/")), source
        else:
            assert client.get(source).status_code == 200, source


def test_the_api_root_lists_the_endpoints(agent_api):
    body = agent_api.get("/api/v1/").json()
    # Playbook progress is read per case (/api/v1/playbook-progress/{case id}/), so it has no list here.
    assert set(body) == {"clients", "cases", "interactions", "escalations", "follow-ups"}


def test_an_unknown_api_path_is_a_json_404(agent_api):
    for path in ["/api/v1/nothing/", "/api/v1/cases", "/api/v2/cases/"]:
        response = agent_api.get(path)
        assert response.status_code == 404
        assert "No such endpoint" in response.json()["detail"]
