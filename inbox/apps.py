from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Mail from clients"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the team's address for client emails)
