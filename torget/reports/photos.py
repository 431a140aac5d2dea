"""Making photos ready, in the worker: the sizes of each upload, without its metadata.

A photo is recorded `pending` in the transaction of its report or update, with its upload as
received (PhotoUpload), by actions.save_photos; once that commits, a task (tasks.py) makes it
ready here. The web request decoded nothing (lib/images.check_upload), so however large the
photos, the post answers at once, and no web worker is held while they are decoded.

A worker claims a photo with a conditional UPDATE that counts the attempt and holds the photo
until CLAIM_FOR has passed, so two workers (or the task and the sweep's task) never make the
same photo at once. A worker killed while it decodes leaves the claim to run out; the sweep
(jobs.py, every minute) then queues the photo again, as it does a photo whose task was lost.
A photo claimed MAX_ATTEMPTS times without finishing is failed: a picture that kills the
worker each time must not do so for ever.

The sizes are written before the row names them, so a worker killed in between leaves files
without a row (orphan_files.py removes them), never a row naming files that are not there.
A photo the worker cannot decode is failed and its upload deleted; it is never shown or sent.
"""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from torget.lib import images
from torget.reports.models import Photo, PhotoState, PhotoUpload

log = logging.getLogger(__name__)

# Far longer than making one photo takes (seconds, at the decoding limit).
CLAIM_FOR = datetime.timedelta(minutes=5)
# How long a queued task may wait before the sweep takes it for lost and queues another; a
# duplicate is harmless, as only one task gets the claim.
REQUEUE_AFTER = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 3
# Per sweep; the sweep runs every minute.
BATCH = 200


def make_ready(photo_id: int, now: datetime.datetime | None = None) -> str:
    """Claim the photo and make its sizes; says what became of it, for the worker's log."""
    photo = claim(photo_id, now or timezone.now())
    if photo is None:
        return "not pending, or another worker has it"
    if photo.attempts > MAX_ATTEMPTS:
        return give_up(photo, f"not finished in {MAX_ATTEMPTS} tries")
    data = PhotoUpload.objects.filter(photo_id=photo.pk).values_list("data", flat=True).first()
    if data is None:
        return give_up(photo, "its upload is missing")
    try:
        sizes = images.make_sizes(bytes(data))
    except images.ImageRejected as rejected:
        return give_up(photo, str(rejected))
    photo.image.save(f"{sizes.name}.jpg", ContentFile(sizes.full), save=False)
    photo.medium.save(f"{sizes.name}-m.jpg", ContentFile(sizes.medium), save=False)
    photo.thumbnail.save(f"{sizes.name}-t.jpg", ContentFile(sizes.thumbnail), save=False)
    names = {field: getattr(photo, field).name for field in ("image", "medium", "thumbnail")}
    return finish(photo, PhotoState.READY, **names)


def claim(photo_id: int, now: datetime.datetime) -> Photo | None:
    """The photo, if it is pending, no other worker holds it, and this one got it first."""
    claimed = (
        Photo.objects.pending()
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=photo_id)
        .update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1, queued_until=None)
    )
    return Photo.objects.get(pk=photo_id) if claimed else None


def give_up(photo: Photo, reason: str) -> str:
    log.warning("Photo %s of report %s cannot be used: %s", photo.pk, photo.report_id, reason)
    return finish(photo, PhotoState.FAILED)


@transaction.atomic
def finish(photo: Photo, state: PhotoState, **files: str) -> str:
    """Record the outcome and forget the upload, if this worker's claim still stands: the
    attempts it counted are the row's, so no worker took the photo over after the claim ran
    out. If one did, this one's files are left to the orphan sweep."""
    finished = Photo.objects.pending().filter(pk=photo.pk, attempts=photo.attempts)
    if not finished.update(state=state, claimed_until=None, **files):
        return "taken over by another worker"
    PhotoUpload.objects.filter(photo_id=photo.pk).delete()
    return str(state)


def take_owed(now: datetime.datetime | None = None) -> list[int]:
    """The pending photos whose task was lost or whose worker died, marked as queued again:
    the sweep queues a task for each."""
    now = now or timezone.now()
    not_queued = Q(queued_until__isnull=True) | Q(queued_until__lt=now)
    not_held = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    owed = Photo.objects.pending().filter(not_queued, not_held).order_by("pk")
    ids = list(owed.values_list("pk", flat=True)[:BATCH])
    Photo.objects.filter(pk__in=ids).update(queued_until=now + REQUEUE_AFTER)
    return ids
