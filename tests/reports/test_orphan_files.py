"""A photo's files are written by the worker before its row names them, so a worker killed in
between leaves files without a row. The worker removes them once they are an hour old; files a
row names, and files young enough to belong to a photo still being made, are kept."""

import os
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.reports.test_images import gps_jpeg
from torget.lib import images
from torget.reports import actions, photos
from torget.reports.jobs import JOBS
from torget.reports.models import Photo, PhotoState, Report

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """Stands for the worker's process dying: nothing after it runs."""


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Photos on the file system, as in production, instead of the tests' in-memory storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def upload() -> images.CheckedUpload:
    return images.check_upload(SimpleUploadedFile("lys.jpg", gps_jpeg()))


def killed_while_making(report: Report, monkeypatch: pytest.MonkeyPatch) -> Photo:
    """The worker writes the photo's three files, then dies before the row names them."""
    (photo,) = actions.save_photos(report, [upload()])

    def die(*args: object, **kwargs: object) -> str:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(photos, "finish", die)
        with pytest.raises(Killed):
            photos.make_ready(photo.pk)
    return photo


def files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file())


def make_old(paths: list[Path], hours: float = 2) -> None:
    then = time.time() - hours * 3600
    for path in paths:
        os.utime(path, (then, then))


def run_job(name: str) -> str:
    (job,) = [job for job in JOBS if job.name == name]
    return job.run()


def test_the_files_a_killed_worker_left_are_removed_by_the_worker(
    media, public_report, monkeypatch
):
    photo = killed_while_making(public_report, monkeypatch)
    left = files(media)
    assert len(left) == 3
    photo.refresh_from_db()
    assert photo.state == PhotoState.PENDING and not photo.image, "to be made again"
    make_old(left)

    assert run_job("orphan photo files") == "3 photo files without a row removed"

    assert files(media) == []


def test_the_files_of_ready_photos_are_kept(media, public_report):
    (photo,) = actions.save_photos(public_report, [upload()])
    photos.make_ready(photo.pk)
    make_old(files(media))

    run_job("orphan photo files")

    row = Photo.objects.get()
    kept = {Path(field.path) for field in (row.image, row.medium, row.thumbnail)}
    assert len(kept) == 3
    assert set(files(media)) == kept


def test_files_under_an_hour_old_are_kept(media, public_report, monkeypatch):
    """Their photo may still be being made."""
    killed_while_making(public_report, monkeypatch)

    run_job("orphan photo files")

    assert len(files(media)) == 3


def test_the_command_lists_without_removing_unless_told_to_commit(
    media, public_report, capsys, monkeypatch
):
    killed_while_making(public_report, monkeypatch)
    make_old(files(media))

    call_command("sweep_photo_files")
    listed = capsys.readouterr().out
    assert "Would remove (dry run; --commit removes) 3 photo files without a row." in listed
    assert all(path.name in listed for path in files(media))
    assert len(files(media)) == 3

    call_command("sweep_photo_files", "--commit")
    assert "Removed 3 photo files" in capsys.readouterr().out
    assert files(media) == []


def test_older_months_are_swept_only_with_all(media):
    old = media / "photos" / "2020" / "01" / "0123abcd.jpg"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"jpeg")
    make_old([old])

    call_command("sweep_photo_files", "--commit")
    assert old.exists()

    call_command("sweep_photo_files", "--commit", "--all")
    assert not old.exists()
