from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = "Escalations"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the managers' and owners' notices, and the hooks)
