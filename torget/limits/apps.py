from django.apps import AppConfig


class LimitsConfig(AppConfig):
    """Rate-limit counters that every web process shares (counters.py)."""

    name = "torget.limits"
