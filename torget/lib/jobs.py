"""Periodic jobs: what each app declares in its `jobs.py` (a list named JOBS) and
`torget worker` runs. A job runs once per period across all workers (see the worker)."""

import dataclasses
import datetime
from collections.abc import Callable

from django.utils import timezone


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    # The period `now` falls in, as a key, or None when the job is not due at all now.
    period_of: Callable[[datetime.datetime], str | None]
    period_length: datetime.timedelta
    # Runs the job once and says what it did, in a few words for the worker's log.
    run: Callable[[], str]

    def every(self, length: datetime.timedelta) -> "Job":
        """The same job on another fixed period (the worker's --fetch-interval)."""
        return dataclasses.replace(self, period_of=every(length), period_length=length)


def every(length: datetime.timedelta) -> Callable[[datetime.datetime], str]:
    return lambda now: str(int(now.timestamp() // length.total_seconds()))


def daily_from(hour: int) -> Callable[[datetime.datetime], str | None]:
    """Once a day, from `hour` local time on."""

    def period_of(now: datetime.datetime) -> str | None:
        local = timezone.localtime(now)
        return local.date().isoformat() if local.hour >= hour else None

    return period_of


def periodic(name: str, length: datetime.timedelta, run: Callable[[], str]) -> Job:
    return Job(name, every(length), length, run)


def daily(name: str, hour: int, run: Callable[[], str]) -> Job:
    return Job(name, daily_from(hour), datetime.timedelta(days=1), run)
