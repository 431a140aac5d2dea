"""Retention: how long each kind of personal data is kept. Each app lists its rules in its
`retention.py` (a list named RULES); the daily job and `torget retention` run them all.

A rule says which rows are past their time at a given moment, and what to do with them:
remove them, or empty the fields that hold a person (a closed report keeps its problem and
loses its reporter). The higher apps' rules run first: removing an unconfirmed report can
leave an account that nothing points at, which accounts' rule then removes.

A dry run is the real run in a transaction that is rolled back: rules depend on each other
as above, so counting each rule alone would count less than a real run removes. Files
(photos, exports) are deleted only once a real run commits.
"""

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


@dataclasses.dataclass(frozen=True)
class Rule:
    # What is removed, for the log and the dry run: "unconfirmed reports".
    name: str
    # The period in words, from the settings in force: "older than 30 days".
    period: Callable[[], str]
    # The rows past their time at `now`; none() when the period is switched off.
    due: Callable[[datetime.datetime], "QuerySet[Any]"]
    # Acts on those rows in one transaction and returns how many it acted on.
    apply: Callable[["QuerySet[Any]"], int]
    # "removed" or "emptied", for the log.
    verb: str = "removed"

    def run(self, now: datetime.datetime) -> int:
        return self.apply(self.due(now))


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def years(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=365.25 * n)
