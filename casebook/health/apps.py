from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "casebook.health"
    label = "health"
    verbose_name = "Health"
