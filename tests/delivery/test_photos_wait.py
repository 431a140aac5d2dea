"""A report reaches its body once, so its delivery waits a while for photos the worker is
still making: checked again every half minute, for ten minutes at most, then it goes with the
photos that are ready. A photo that could not be used never holds it up, and an unprocessed
upload is never what the body gets."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import default_task_backend
from django.utils import timezone
from PIL import Image

from tests.delivery.test_email_delivery import a_photo, text_of
from tests.reports.test_images import encoded
from torget.delivery import actions as delivery_actions
from torget.delivery import tasks
from torget.delivery.models import PHOTOS_RECHECK, PHOTOS_WAIT, Delivery, DeliveryState
from torget.lib.images import check_upload
from torget.reports import actions, photos
from torget.reports.models import Photo, PhotoState

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks_wait(settings):
    """Tasks are queued and not run: the photo's task has not been got to yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def time_passes(delivery: Delivery, **fields: datetime.datetime) -> None:
    """Move the delivery's times into the past, as if the wait had gone by."""
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


def test_a_report_whose_photo_is_being_made_waits_for_it_and_then_goes_with_it(
    mailers, report_pothole, tasks_wait
):
    report = report_pothole(photos=[a_photo("hol")])
    delivery = Delivery.objects.get(report=report)
    before = timezone.now()

    assert delivery_actions.send(delivery.pk) == DeliveryState.PENDING

    assert mailers.messages == []
    delivery.refresh_from_db()
    assert delivery.attempts == 0, "waiting is not a failed try"
    assert before + PHOTOS_RECHECK <= delivery.next_attempt_at <= timezone.now() + PHOTOS_RECHECK
    assert delivery.photos_wait_until is not None
    assert delivery.photos_wait_until >= before + PHOTOS_WAIT
    assert delivery.queued_until is None, "the sweep queues it again once it is due"
    assert delivery_actions.queue_due_deliveries() == 0
    assert delivery_actions.queue_due_deliveries(delivery.next_attempt_at) == 1

    photos.make_ready(report.photos.get().pk)
    time_passes(delivery, next_attempt_at=timezone.now())
    assert delivery_actions.send(delivery.pk) == DeliveryState.SENT

    photo = report.photos.get()
    assert f"{settings.BASE_URL}{photo.image.url}" in text_of(mailers.messages[0])


def test_after_ten_minutes_the_report_goes_without_the_photo_still_being_made(
    mailers, report_pothole, tasks_wait
):
    report = report_pothole(photos=[a_photo("hol")])
    delivery = Delivery.objects.get(report=report)
    delivery_actions.send(delivery.pk)
    past = timezone.now() - datetime.timedelta(seconds=1)
    time_passes(delivery, next_attempt_at=past, photos_wait_until=past)

    assert delivery_actions.send(delivery.pk) == DeliveryState.SENT

    assert report.photos.get().state == PhotoState.PENDING
    text = text_of(mailers.messages[0])
    assert "/media/" not in text and "photos/" not in text


def test_a_photo_that_could_not_be_used_does_not_hold_the_report_up(
    mailers, report_pothole, tasks_wait
):
    whole = encoded(Image.effect_noise((64, 64), 50), "PNG")
    broken = check_upload(SimpleUploadedFile("half.png", whole[: len(whole) // 2]))
    report = report_pothole(photos=[broken, a_photo("hol")])
    for photo in report.photos.all():
        photos.make_ready(photo.pk)
    assert sorted(report.photos.values_list("state", flat=True)) == ["failed", "ready"]

    assert delivery_actions.send(Delivery.objects.get(report=report).pk) == DeliveryState.SENT

    text = text_of(mailers.messages[0])
    assert text.count("/media/photos/") == 1
    assert f"{settings.BASE_URL}{report.photos.ready().get().image.url}" in text


def test_a_delivery_taken_again_after_its_worker_died_does_not_wait(
    mailers, report_pothole, tasks_wait
):
    """Its first try may have reached the body already; the retry goes as soon as it can."""
    report = report_pothole(photos=[a_photo("hol")])
    delivery = Delivery.objects.get(report=report)
    past = timezone.now() - datetime.timedelta(seconds=1)
    time_passes(delivery, state=DeliveryState.SENDING, claimed_until=past)

    assert delivery_actions.send(delivery.pk) == DeliveryState.SENT


def test_a_citizens_update_waits_for_its_photo_too(
    mailers, report_pothole, kari, settings, django_capture_on_commit_callbacks
):
    report = report_pothole()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        update = actions.add_update(
            report=report, author=kari, text="Større no.", photos=[a_photo("hol")]
        )
    delivery = Delivery.objects.get(report=report)
    default_task_backend.clear()

    assert tasks.send_update_to_body.call(delivery.pk, update.pk) == "waiting for its photo"

    (again,) = default_task_backend.results
    assert again.args == [delivery.pk, update.pk, 1, 1]
    assert again.task.run_after is not None
    assert len(mailers.messages) == 1

    photos.make_ready(Photo.objects.get(update=update).pk)
    assert tasks.send_update_to_body.call(*again.args) == "sent"
    assert len(mailers.messages) == 2
