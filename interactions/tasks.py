"""Celery tasks: they take ids, re-read the database, and call services."""

from celery import shared_task

# Importing outbox also registers its deliver_emails task with the worker.
from .outbox import outbox_dispatch_due
from .services import follow_ups_sweep


@shared_task
def sweep() -> dict:
    """Beat's periodic pass: act on due follow-ups, then hand due emails to workers."""
    counts = follow_ups_sweep()
    counts["email_batches"] = len(outbox_dispatch_due())
    return counts
