"""Rate-limit counters in the database, for a site without a shared cache (see counters.py)."""

import datetime

from django.db import connections, models

# Parameters: the digest, the end of a new window, and now (twice). In the UPDATE both CASEs
# read the row as it was, so a window that has ended restarts its count and its end together.
COUNT_HIT = """
    INSERT INTO limits_counter (digest, hits, window_end) VALUES (%s, 1, %s)
    ON CONFLICT (digest) DO UPDATE SET
        hits = CASE WHEN limits_counter.window_end <= %s
            THEN 1 ELSE limits_counter.hits + 1 END,
        window_end = CASE WHEN limits_counter.window_end <= %s
            THEN excluded.window_end ELSE limits_counter.window_end END
    RETURNING hits
"""


class CounterQuerySet(models.QuerySet["Counter"]):
    def count_hit(self, digest: str, now: datetime.datetime, window: datetime.timedelta) -> int:
        """Add a hit to `digest`'s counter and return its hits in the current window; a
        counter whose window has ended starts a new one with this hit.

        One statement, so hits from any number of processes at once are each counted: the
        primary key turns a second insert of a new counter into the update, and the update
        reads and writes the row under its lock. Django's DatabaseCache.incr reads, adds and
        writes back in separate statements, so two processes can both write the same count.
        PostgreSQL and SQLite (from 3.35, older than Django's minimum) both accept it.
        """
        connection = connections[self.db]
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(COUNT_HIT, [digest, adapt(now + window), adapt(now), adapt(now)])
            (hits,) = cursor.fetchone()
        return int(hits)

    def expired(self, now: datetime.datetime) -> "CounterQuerySet":
        return self.filter(window_end__lte=now)


class Counter(models.Model):
    # The SHA-256 of the limit's key: keys hold e-mail and client addresses, which have no
    # business lying here in clear text.
    digest = models.CharField(max_length=64, primary_key=True)
    hits = models.PositiveIntegerField()
    window_end = models.DateTimeField()

    objects = CounterQuerySet.as_manager()

    class Meta:
        db_table = "limits_counter"  # named in COUNT_HIT
        indexes = [
            # The periodic job deletes the counters whose window has ended.
            models.Index(fields=["window_end"], name="limits_counter_window_end"),
        ]

    def __str__(self) -> str:
        return f"{self.digest[:12]}: {self.hits} until {self.window_end:%Y-%m-%d %H:%M:%S}"
