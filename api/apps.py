from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API's plumbing: tokens, authentication, idempotency, throttling, errors, router.

    Each app keeps its own endpoints in `<app>/api.py`; this app only wires them together.
    """

    name = "api"
    label = "api"
    verbose_name = "REST API"
