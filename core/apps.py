from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    """Plumbing with no domain knowledge, shared by every app."""

    name = "core"

    def ready(self):
        from .converters import IdConverter

        # Registered before any URLconf is loaded, so every app's urls.py can use <id:pk>.
        register_converter(IdConverter, "id")
