from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project as a whole, above every other app: `torget serve`, `torget worker` (which
    runs the jobs each app lists in its jobs.py), `torget demo` and the demo's outbox page."""

    name = "torget.site"
