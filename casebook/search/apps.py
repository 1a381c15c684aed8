from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "casebook.search"
    label = "search"
    verbose_name = "Search"
