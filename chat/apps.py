from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Live chat"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (the "chat with us" link in client emails)
