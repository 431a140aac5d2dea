"""The reports app's periodic jobs, run by `torget worker`."""

from torget.lib.jobs import Job, periodic
from torget.reports.orphan_files import ORPHAN_AGE, sweep_orphan_files


def remove_orphan_photo_files() -> str:
    removed = sweep_orphan_files(commit=True)
    return f"{len(removed)} photo files without a row removed"


JOBS: list[Job] = [
    # As often as files become old enough to be sure of.
    periodic("orphan photo files", ORPHAN_AGE, remove_orphan_photo_files),
]
