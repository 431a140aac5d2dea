"""Photos from citizens: checked, turned upright by their EXIF orientation, stripped of all
metadata (GPS included) by re-encoding, and resized. Written out in full by the photo issue's
helper; this module's interface is what reports/actions.py relies on."""

from dataclasses import dataclass


class ImageRejected(Exception):
    """The upload is not a photo Torget accepts; the message is for the user."""


@dataclass(frozen=True)
class ProcessedImage:
    name: str  # a random file stem, never the uploader's file name
    full: bytes  # JPEG, longest side at most FULL_SIZE
    medium: bytes
    thumbnail: bytes
