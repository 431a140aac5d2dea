"""The site's own periodic job, run by `torget worker`: the database's upkeep."""

from django.db import connection

from torget.lib.jobs import Job, daily
from torget.site.retention import run_daily

# Local time; the quiet of the night.
STATISTICS_HOUR = 3
# Before the statistics, which then count what is left.
RETENTION_HOUR = 2


def refresh_statistics() -> str:
    """SQLite plans by the statistics ANALYZE gathered, and never gathers them itself: without
    them a filtered /around took 86 ms instead of 21 (docs/performance.md). `PRAGMA optimize`
    analyses only the tables that changed enough. PostgreSQL's autovacuum does this already."""
    if connection.vendor != "sqlite":
        return "nothing to do on " + connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    return "SQLite statistics refreshed"


JOBS: list[Job] = [
    daily("database statistics", STATISTICS_HOUR, refresh_statistics),
    daily("retention", RETENTION_HOUR, run_daily),
]
