"""Photos are made by the worker, never in the web request. The post checks each upload from
its header and keeps it as received, its photo pending and not served; the worker decodes
it, strips its metadata, makes the sizes and marks it ready, or failed if it cannot be
decoded. A pending photo whose task was lost, or whose worker died, is queued again by the
sweep, and one that keeps killing the worker is given up on."""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import default_task_backend
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from tests.reports.test_images import encoded, gps_jpeg, huge_rgba_png
from torget.lib import images
from torget.reports import jobs, photos, tasks
from torget.reports.models import Photo, PhotoState, PhotoUpload, Report, State

pytestmark = pytest.mark.django_db

NEW = reverse("reports:new")
PENDING_TEXT = "This photo is being processed and will appear here shortly."


class Killed(BaseException):
    """Stands for the worker's process dying mid-photo: nothing after it runs."""


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def tasks_wait(settings):
    """Tasks are queued and not run, as when the worker has not got to them yet (or never
    will: a lost task)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def decoding(monkeypatch):
    """Counts the sizes made (lib/images.make_sizes, the worker's way in) and every picture
    Pillow decodes, wherever it happens."""
    seen = SimpleNamespace(sizes_made=0, pixels_decoded=0)
    make_sizes, load = images.make_sizes, ImageFile.ImageFile.load

    def counted_make_sizes(data: bytes) -> images.ProcessedImage:
        seen.sizes_made += 1
        return make_sizes(data)

    def counted_load(image: ImageFile.ImageFile):
        seen.pixels_decoded += 1
        return load(image)

    monkeypatch.setattr(images, "make_sizes", counted_make_sizes)
    monkeypatch.setattr(ImageFile.ImageFile, "load", counted_load)
    return seen


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def post_report(client: Client, category, photos: list[SimpleUploadedFile]):
    data = {
        "lat": "60.1905",
        "lon": "11.9977",
        "category": str(category.pk),
        "title": "Gatelyset er mørkt",
        "detail": "Lyset ved Rådhusplassen har vært mørkt i en uke.",
        "website": "",
        "photos": photos,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(NEW, data)


def corrupt_png() -> bytes:
    """A PNG whose header is whole and whose pixel data stops two thirds of the way."""
    whole = encoded(Image.effect_noise((256, 256), 60).convert("RGB"), "PNG")
    return whole[: len(whole) * 2 // 3]


def queued_photo_tasks() -> list[int]:
    return [
        result.args[0]
        for result in default_task_backend.results  # type: ignore[attr-defined]
        if result.task.name == tasks.make_photo_ready.name
    ]


def claim_runs_out(photo: Photo) -> None:
    """Time passes beyond the claim of the worker that died holding the photo."""
    Photo.objects.filter(pk=photo.pk).update(
        claimed_until=timezone.now() - datetime.timedelta(seconds=1)
    )


# The request


def test_five_pngs_at_the_limit_are_taken_without_decoding_a_pixel_in_the_request(
    client, citizen, kongsvinger_category, decoding, tasks_wait
):
    """4999 x 4999 RGBA, the largest PNG accepted: once 24 s of a web worker for five. The
    request reads their headers and stores them as received; their tasks are queued."""
    worst = huge_rgba_png(4999)
    client.force_login(citizen)

    response = post_report(
        client, kongsvinger_category, [upload(worst, f"{n}.png") for n in range(1, 6)]
    )

    assert response.status_code == 302
    assert (decoding.sizes_made, decoding.pixels_decoded) == (0, 0)
    saved = list(Photo.objects.order_by("position"))
    assert [photo.state for photo in saved] == [PhotoState.PENDING] * 5
    assert not any(photo.image or photo.medium or photo.thumbnail for photo in saved)
    assert all(bytes(photo.upload.data) == worst for photo in saved)
    assert sorted(queued_photo_tasks()) == sorted(photo.pk for photo in saved)


def test_the_worker_makes_the_sizes_without_metadata_and_the_photo_ready(
    client, citizen, kongsvinger_category, decoding, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()
    assert decoding.sizes_made == 0

    assert photos.make_ready(photo.pk) == "ready"

    assert decoding.sizes_made == 1
    photo.refresh_from_db()
    assert (photo.state, photo.attempts, photo.claimed_until) == (PhotoState.READY, 1, None)
    for field in (photo.image, photo.medium, photo.thumbnail):
        content = field.read()
        assert b"Exif" not in content and b"GPS" not in content
        assert not Image.open(io.BytesIO(content)).getexif()
    assert Image.open(photo.image).size == (200, 400), "turned upright by its EXIF"
    assert not PhotoUpload.objects.exists(), "the upload, GPS and all, is gone"
    page = client.get(photo.report.get_absolute_url()).content.decode()
    assert f'src="{photo.medium.url}"' in page
    assert PENDING_TEXT not in page


def test_a_photo_is_made_once_however_many_tasks_ask(client, citizen, kongsvinger_category):
    """The task queued on commit and one the sweep queued: the claim lets one of them."""
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()
    assert photo.state == PhotoState.READY

    assert photos.make_ready(photo.pk) == "not pending, or another worker has it"
    assert Photo.objects.get().attempts == 1


# Nothing pending is served


def test_a_pending_photo_is_a_placeholder_on_the_page_and_nowhere_else(
    client, citizen, kongsvinger_category, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    report = Report.objects.get()
    assert report.state == State.OPEN
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = visitor.get(report.get_absolute_url()).content.decode()
    assert PENDING_TEXT in page
    assert "/media/" not in page
    for url in (
        "/",
        reverse("reports:body", args=[kongsvinger_category.body.slug]),
        reverse("reports:around") + "?lat=60.1905&lon=11.9977",
        reverse("reports:geojson") + "?bbox=11.9,60.1,12.1,60.3",
        reverse("feeds:reports", args=["rss"]),
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{report.pk}.json?extensions=true",
    ):
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert b"/media/" not in response.content, url
        listed = (f"/report/{report.pk}", f'"service_request_id":"{report.pk}"')
        if url != "/":  # the front page lists only reports with a photo to show
            assert any(mark in response.content.decode() for mark in listed), url
    record = visitor.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert record["media_url"] is None

    photos.make_ready(Photo.objects.get().pk)

    photo = Photo.objects.get()
    page = visitor.get(report.get_absolute_url()).content.decode()
    assert f'src="{photo.medium.url}"' in page and PENDING_TEXT not in page
    record = visitor.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert record["media_url"].endswith(photo.medium.url)


def test_the_staff_view_of_a_report_leaves_a_pending_photo_out_until_it_is_ready(
    client, citizen, kongsvinger_category, kongsvinger_staff, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    report = Report.objects.get()
    client.force_login(kongsvinger_staff)
    staff_page = reverse("staff:report", args=[report.pk])

    response = client.get(staff_page)
    assert response.status_code == 200
    assert b"/media/" not in response.content

    photos.make_ready(Photo.objects.get().pk)
    assert Photo.objects.get().thumbnail.url in client.get(staff_page).content.decode()


def test_a_pending_photo_on_an_update_is_a_placeholder_in_the_timeline(
    client, public_report, other_citizen, tasks_wait
):
    client.force_login(other_citizen)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("reports:add_update", args=[public_report.pk]),
            {"update-text": "Se bildet", "update-photo": upload(gps_jpeg())},
        )
    photo = Photo.objects.get()
    assert (photo.state, photo.update is not None) == (PhotoState.PENDING, True)

    page = client.get(public_report.get_absolute_url()).content.decode()

    assert PENDING_TEXT in page and "/media/" not in page


# A photo the worker cannot use


def test_a_corrupt_image_passes_the_header_check_and_fails_in_the_worker_cleanly(
    client, citizen, kongsvinger_category, tasks_wait
):
    client.force_login(citizen)
    response = post_report(client, kongsvinger_category, [upload(corrupt_png(), "half.png")])
    assert response.status_code == 302
    photo = Photo.objects.get()

    assert photos.make_ready(photo.pk) == "failed"

    photo.refresh_from_db()
    assert photo.state == PhotoState.FAILED
    assert not (photo.image or photo.medium or photo.thumbnail)
    assert not PhotoUpload.objects.exists()
    page = client.get(photo.report.get_absolute_url()).content.decode()
    assert PENDING_TEXT not in page and "/media/" not in page
    assert Report.objects.get().state == State.OPEN, "the report stands without it"
    assert photos.take_owed(timezone.now() + datetime.timedelta(days=1)) == []


# Lost tasks and dead workers


def test_the_sweep_makes_a_pending_photo_whose_task_was_lost(
    client, citizen, kongsvinger_category, settings, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()
    assert jobs.queue_owed_photos() == "queued 0 photos to make ready", "its task may yet come"

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    later = timezone.now() + photos.REQUEUE_AFTER + datetime.timedelta(seconds=1)

    assert jobs.queue_owed_photos(later) == "queued 1 photos to make ready"

    photo.refresh_from_db()
    assert photo.state == PhotoState.READY and photo.image


def test_a_worker_killed_while_making_a_photo_leaves_it_pending_and_the_sweep_tries_again(
    client, citizen, kongsvinger_category, settings, monkeypatch, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()

    def killed(data: bytes) -> images.ProcessedImage:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(images, "make_sizes", killed)
        with pytest.raises(Killed):
            photos.make_ready(photo.pk)

    photo.refresh_from_db()
    assert (photo.state, photo.attempts) == (PhotoState.PENDING, 1)
    assert PhotoUpload.objects.filter(photo=photo).exists()
    assert photos.take_owed() == [], "its claim still holds"

    claim_runs_out(photo)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert jobs.queue_owed_photos() == "queued 1 photos to make ready"

    photo.refresh_from_db()
    assert (photo.state, photo.attempts) == (PhotoState.READY, 2)


def test_a_photo_that_kills_the_worker_every_time_is_given_up_after_three_tries(
    client, citizen, kongsvinger_category, monkeypatch, tasks_wait
):
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()

    def killed(data: bytes) -> images.ProcessedImage:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(images, "make_sizes", killed)
        for _ in range(photos.MAX_ATTEMPTS):
            with pytest.raises(Killed):
                photos.make_ready(photo.pk)
            claim_runs_out(photo)

    assert photos.make_ready(photo.pk) == "failed"
    assert Photo.objects.get().state == PhotoState.FAILED
    assert not PhotoUpload.objects.exists()


def test_a_worker_whose_claim_ran_out_does_not_overwrite_the_one_that_took_over(
    client, citizen, kongsvinger_category, monkeypatch, tasks_wait
):
    """The slow worker's files are left to the orphan sweep; the row keeps the other's."""
    client.force_login(citizen)
    post_report(client, kongsvinger_category, [upload(gps_jpeg())])
    photo = Photo.objects.get()
    make_sizes = images.make_sizes

    def slow(data: bytes) -> images.ProcessedImage:
        # Meanwhile the claim runs out and another worker makes the photo.
        claim_runs_out(photo)
        monkeypatch.setattr(images, "make_sizes", make_sizes)
        assert photos.make_ready(photo.pk) == "ready"
        return make_sizes(data)

    monkeypatch.setattr(images, "make_sizes", slow)

    assert photos.make_ready(photo.pk) == "taken over by another worker"

    made = Photo.objects.get()
    assert (made.state, made.attempts) == (PhotoState.READY, 2)
