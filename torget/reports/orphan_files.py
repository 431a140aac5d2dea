"""Photo files that no row names, and their removal.

A photo's files are written by the worker before the row names them (reports/photos.py), so
a worker killed in between, or one whose claim ran out and whose photo another worker made,
leaves files without a row, never a row without its files. Such files are removed once they
are older than ORPHAN_AGE: by then no worker that wrote them can still be making the photo,
since its claim (minutes) has long run out.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.core.files.storage import Storage
from django.db.models import Q
from django.utils import timezone

from torget.reports.models import PHOTO_FOLDER, Photo

ORPHAN_AGE = datetime.timedelta(hours=1)
# How many names go into one query's IN list.
CHUNK = 500


def photo_storage() -> Storage:
    return Photo._meta.get_field("image").storage


def sweep_orphan_files(*, commit: bool, everything: bool = False) -> list[str]:
    """The photo files older than ORPHAN_AGE that no Photo names, removed when `commit`.
    Only this month's and last month's folders are looked at unless `everything`: a crash
    leaves its files in the month it happened, and the worker sweeps every hour."""
    storage = photo_storage()
    now = timezone.now()
    folders = all_folders(storage) if everything else recent_folders(now)
    old = [name for name in files_in(storage, folders) if is_old(storage, name, now)]
    orphans = sorted(unreferenced(old))
    if commit:
        for name in orphans:
            storage.delete(name)
    return orphans


def recent_folders(now: datetime.datetime) -> list[str]:
    """This month's and last month's folders, as reports.models.photo_path names them."""
    last_month = now.replace(day=1) - datetime.timedelta(days=1)
    return [f"{PHOTO_FOLDER}/{when:%Y/%m}" for when in (last_month, now)]


def all_folders(storage: Storage) -> list[str]:
    found, pending = [], [PHOTO_FOLDER]
    while pending:
        folder = pending.pop()
        found.append(folder)
        subfolders, _ = listdir(storage, folder)
        pending += [f"{folder}/{name}" for name in subfolders]
    return found


def files_in(storage: Storage, folders: Iterable[str]) -> Iterator[str]:
    for folder in folders:
        _, files = listdir(storage, folder)
        yield from (f"{folder}/{name}" for name in files)


def listdir(storage: Storage, folder: str) -> tuple[list[str], list[str]]:
    """(folders, files) in `folder`; none when it does not exist (no photo that month)."""
    try:
        return storage.listdir(folder)
    except FileNotFoundError:
        return [], []


def is_old(storage: Storage, name: str, now: datetime.datetime) -> bool:
    try:
        return storage.get_modified_time(name) < now - ORPHAN_AGE
    except FileNotFoundError:  # removed meanwhile
        return False


def unreferenced(names: list[str]) -> set[str]:
    orphans = set(names)
    for start in range(0, len(names), CHUNK):
        chunk = names[start : start + CHUNK]
        named = Q(image__in=chunk) | Q(medium__in=chunk) | Q(thumbnail__in=chunk)
        for row in Photo.objects.filter(named).values_list("image", "medium", "thumbnail"):
            orphans.difference_update(row)
    return orphans
