import json

import pytest
from django.utils import timezone

from casebook.health.models import WorkerHeartbeat
from casebook.health.services import heartbeat_record


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"]["status"] == "unknown"


def test_healthz_is_public_and_never_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_answers_503_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "degraded"
    assert body["broker"].startswith("down")
    assert body["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_database_is_down(client):
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = "1"
    else:
        connection.settings_dict["NAME"] = "/nonexistent-dir/casebook.sqlite3"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"].startswith("down")
    assert body["worker"]["status"] == "unknown"


def test_a_recent_heartbeat_shows_the_worker_as_ok(client, db):
    heartbeat_record(worker="celery@test")
    assert json.loads(client.get("/healthz").content)["worker"]["status"] == "ok"


def test_an_old_heartbeat_shows_the_worker_as_stale(client, db):
    WorkerHeartbeat.objects.create(worker="celery@test", beat_at=timezone.now() - timezone.timedelta(hours=1))
    assert json.loads(client.get("/healthz").content)["worker"]["status"] == "stale"
