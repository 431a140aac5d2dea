"""Delivery's periodic jobs, run by `torget worker`."""

import datetime

from torget.delivery import actions
from torget.delivery.digest import send_daily_digest
from torget.delivery.updates import fetch_all_updates
from torget.lib.jobs import Job, daily, periodic

SWEEP_EVERY = datetime.timedelta(minutes=1)
# The worker's --fetch-interval changes it; the job is found by this name.
FETCH_UPDATES = "updates from bodies"
FETCH_EVERY = datetime.timedelta(minutes=10)
# Local time. The digest is for people who start their working day by fixing what failed.
DIGEST_HOUR = 7


def sweep_deliveries() -> str:
    return f"queued {actions.queue_due_deliveries()} due deliveries"


def fetch_updates() -> str:
    return f"{fetch_all_updates()} updates fetched from bodies' systems"


def send_digest() -> str:
    count = send_daily_digest()
    return f"digest sent, naming {count} deliveries" if count else "nothing to report"


JOBS: list[Job] = [
    periodic("deliveries due", SWEEP_EVERY, sweep_deliveries),
    periodic(FETCH_UPDATES, FETCH_EVERY, fetch_updates),
    daily("delivery digest", DIGEST_HOUR, send_digest),
]
