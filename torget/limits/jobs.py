"""The rate limits' periodic job, run by `torget worker`."""

import datetime

from torget.lib.jobs import Job, periodic
from torget.limits.counters import delete_expired

# Windows last an hour at most, so the table holds about two hours' keys.
DELETE_EVERY = datetime.timedelta(hours=1)


def delete_expired_counters() -> str:
    return f"{delete_expired()} expired rate-limit counters deleted"


JOBS: list[Job] = [periodic("expired rate-limit counters", DELETE_EVERY, delete_expired_counters)]
