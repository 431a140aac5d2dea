"""accounts' periodic job, run by `torget worker`: data exports whose time is up go."""

import datetime

from django.utils import timezone

from torget.accounts.actions import forget_exports
from torget.lib.jobs import Job, periodic

EXPORTS_EVERY = datetime.timedelta(hours=1)
# A download that started is given this long to finish before its file goes.
DOWNLOAD_GRACE = datetime.timedelta(hours=1)


def remove_used_exports() -> str:
    removed = forget_exports(timezone.now(), grace=DOWNLOAD_GRACE)
    return f"{removed} data exports downloaded or expired removed"


JOBS: list[Job] = [periodic("data exports", EXPORTS_EVERY, remove_used_exports)]
