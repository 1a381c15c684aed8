"""A real Celery worker takes a task from Redis and writes its result to the database."""

import uuid

import pytest

from casebook.health.models import WorkerHeartbeat
from casebook.health.tasks import heartbeat
from core.testing import celery_worker, require_postgres, require_redis, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_from_redis_and_writes_to_postgres():
    require_redis()
    require_postgres()
    queue = f"it-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue=queue):
        heartbeat.apply_async(queue=queue)
        beat = wait_for(lambda: WorkerHeartbeat.objects.filter(worker__startswith="celery@").first())
    assert beat.beat_at is not None
