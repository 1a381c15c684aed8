"""Health checks of the parts Casebook depends on."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from .models import WorkerHeartbeat

# Beat runs the heartbeat every 30 s: a worker silent for this long is not running it.
STALE_AFTER = timedelta(minutes=2)


def heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Record that a worker is alive and processing tasks."""
    beat, _ = WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": timezone.now()})
    return beat


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down", and the reason is reported
        return f"down: {exc.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"down: {exc.__class__.__name__}"
    return "ok"


def worker_status() -> dict:
    """Informational: a stopped worker delays work but loses nothing, so it is not a 503."""
    try:
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    except Exception:
        return {"status": "unknown", "last_heartbeat": None}
    if last is None:
        return {"status": "unknown", "last_heartbeat": None}
    status = "ok" if timezone.now() - last < STALE_AFTER else "stale"
    return {"status": status, "last_heartbeat": last.isoformat()}


def health_report() -> tuple[bool, dict]:
    database = database_status()
    broker = broker_status()
    healthy = database == "ok" and broker == "ok"
    report = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "worker": worker_status() if database == "ok" else {"status": "unknown", "last_heartbeat": None},
    }
    return healthy, report
