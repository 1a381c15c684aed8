import socket

from celery import shared_task

from .services import heartbeat_record


@shared_task
def heartbeat() -> str:
    """Periodic proof that a worker takes tasks from the broker and writes to the database."""
    name = f"celery@{socket.gethostname()}"
    heartbeat_record(worker=name)
    return name
