"""The reports app's task: make a photo ready once the report or update it came with has
committed (reports/photos.py)."""

from django.tasks import task

from torget.reports import photos

# Below the default (0) of e-mails and deliveries: a queue of large photos, seconds of work
# each, must not hold up a login link or a confirmation. A delivery waits for its report's
# photos (Delivery.wait_for_photos), so they still go with it.
PHOTO_PRIORITY = -10


@task
def make_photo_ready(photo_id: int) -> str:
    return photos.make_ready(photo_id)


def queue_photo(photo_id: int) -> None:
    """Queue the photo's task, behind other work where the task backend has priorities (the
    database backend has; a backend without them refuses any but the default)."""
    queued = make_photo_ready
    if queued.get_backend().supports_priority:
        queued = queued.using(priority=PHOTO_PRIORITY)
    queued.enqueue(photo_id)
