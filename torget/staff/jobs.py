"""The staff workspace's periodic job, run by `torget worker`."""

from torget.lib.jobs import Job, daily
from torget.staff.targets import send_overdue_lists

# Local time: the list is waiting when the managers start their working day.
OVERDUE_HOUR = 7


def mail_overdue_lists() -> str:
    return f"{send_overdue_lists()} lists of overdue reports sent to managers"


JOBS: list[Job] = [daily("overdue reports", OVERDUE_HOUR, mail_overdue_lists)]
