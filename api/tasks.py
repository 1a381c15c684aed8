from celery import shared_task

from api.keys import idempotency_keys_purge


@shared_task
def idempotency_keys_purge_task() -> int:
    """Hourly: forget idempotency keys past their expiry."""
    return idempotency_keys_purge()
