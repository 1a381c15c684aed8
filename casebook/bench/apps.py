from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "casebook.bench"
    label = "bench"
    verbose_name = "Benchmark data and tools"
