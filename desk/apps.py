from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The pages that combine the apps: reports, the dashboard and the demo data."""

    name = "desk"
    verbose_name = "Desk"
