"""The reports app's periodic jobs, run by `torget worker`."""

import datetime

from torget.lib.jobs import Job, periodic
from torget.reports import photos, tasks
from torget.reports.orphan_files import ORPHAN_AGE, sweep_orphan_files

PHOTOS_EVERY = datetime.timedelta(minutes=1)


def queue_owed_photos(now: datetime.datetime | None = None) -> str:
    """Photos still pending whose task was lost or whose worker died (reports/photos.py)."""
    owed = photos.take_owed(now)
    for photo_id in owed:
        tasks.queue_photo(photo_id)
    return f"queued {len(owed)} photos to make ready"


def remove_orphan_photo_files() -> str:
    removed = sweep_orphan_files(commit=True)
    return f"{len(removed)} photo files without a row removed"


JOBS: list[Job] = [
    periodic("photos owed", PHOTOS_EVERY, queue_owed_photos),
    # As often as files become old enough to be sure of.
    periodic("orphan photo files", ORPHAN_AGE, remove_orphan_photo_files),
]
