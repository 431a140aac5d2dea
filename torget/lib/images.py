"""Photos from citizens, in two halves: checked from their header in the web request
(check_upload), then decoded, turned upright by their EXIF orientation, stripped of all
metadata (GPS included) by re-encoding, and resized in the worker (make_sizes).

Decoding is what costs: up to seconds and 100 MB for a picture at the limit. The web request
decodes nothing, so a post of photos cannot hold a web worker (reports/photos.py keeps the
upload until the worker has made it ready).

Nothing of the uploaded file survives but its pixels: each size is a new JPEG written from a
fresh image, so EXIF, XMP, ICC profiles and comments are never copied across.
"""

import io
import logging
import math
import uuid
from dataclasses import dataclass

import pillow_heif
from django.core.files.base import File
from django.utils.translation import gettext
from PIL import ExifTags, Image, ImageCms

MAX_UPLOAD_BYTES = 12 * 1024 * 1024
# Recent phones take 48-megapixel photos. Far more than that is more likely a decompression
# bomb: a small file that would take gigabytes of memory once decoded.
MAX_PIXELS = 50_000_000
# What is decoded is bounded as well, in pixels and so in memory (at most 4 bytes a pixel,
# 100 MB) and in time. JPEG decodes at 1/2, 1/4 or 1/8 scale, so a 48-megapixel JPEG decodes
# as 12; PNG, WebP and HEIC decode only in full, so for them this is the limit. It holds the
# 24 megapixels of current iPhones' HEIC photos, and refuses the 49-megapixel RGBA PNG of
# 200 KB that took over 4 s and 200 MB each (docs/performance.md). Now the worker decodes,
# this bounds the worker's memory and time per photo.
MAX_DECODED_PIXELS = 25_000_000
FULL_SIZE = 2048
MEDIUM_SIZE = 1024
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
# Only these decoders are ever tried, so a file cannot reach Pillow's rarer, riskier plugins.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
# How each EXIF orientation is undone; 1 (or none) is already upright.
UNDO_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# 16-bit and 32-bit grey (PNG, TIFF-like data) hold values up to 65535; these bring them to 8.
WIDE_GREY_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
SRGB = ImageCms.createProfile("sRGB")
# Pillow's own guard, for every image opened in the process: it warns above this and refuses
# above twice this, at the header, before anything is decoded.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(Exception):
    """The upload is not a photo Torget accepts; the message is for the user."""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed what a web request checks: its size in bytes, and its format and
    dimensions as its header gives them. Not one pixel of it has been decoded, and it still
    carries whatever metadata it came with (GPS included): it is stored as received, never
    served, and made into a photo by the worker (make_sizes)."""

    file: File
    format: str  # JPEG, PNG, WEBP or HEIF, read from the header, whatever the file is called
    width: int
    height: int

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read(MAX_UPLOAD_BYTES + 1)


@dataclass(frozen=True)
class ProcessedImage:
    name: str  # a random file stem, never the uploader's file name
    full: bytes  # JPEG, longest side at most FULL_SIZE
    medium: bytes
    thumbnail: bytes


def check_upload(upload: File) -> CheckedUpload:
    """What a web request may afford to check, in about a millisecond whatever the upload:
    ImageRejected with a message for the user unless it is a JPEG, PNG, WebP or HEIC of at
    most MAX_UPLOAD_BYTES whose header promises a picture the worker can decode within the
    limits. Pillow's Image.open reads the header only; decoding is make_sizes', in the worker.
    """
    data = read_upload(upload)
    image = open_within_limits(data)
    return CheckedUpload(
        file=upload, format=str(image.format), width=image.width, height=image.height
    )


def make_sizes(data: bytes) -> ProcessedImage:
    """The upload as three clean JPEGs, for the worker: the same limits as check_upload, then
    the pixels decoded (at most MAX_DECODED_PIXELS of them), turned upright, converted to
    sRGB and resized. ImageRejected if the file turns out damaged once decoded."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message())
    image = decode(data)
    try:
        full = upright_rgb(image)
    # An unusual pixel format can fail to convert; the log keeps the error, and the photo is
    # marked failed rather than tried again and again.
    except Exception:
        logger.warning("Could not convert an uploaded %s image", image.format, exc_info=True)
        raise ImageRejected(damaged_message()) from None
    return ProcessedImage(
        name=uuid.uuid4().hex,
        full=encode(full, FULL_SIZE),
        medium=encode(full, MEDIUM_SIZE),
        thumbnail=encode(full, THUMBNAIL_SIZE),
    )


def read_upload(upload: File) -> bytes:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message())
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message())
    return data


def too_large_message() -> str:
    return gettext("The photo is too large: at most %(megabytes)d MB.") % {
        "megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def decode(data: bytes) -> Image.Image:
    """The first frame of the picture, decoded at no more than MAX_DECODED_PIXELS: its size is
    read from the header and checked before a single pixel is decoded."""
    image = open_within_limits(data)
    try:
        image.load()
    # A crafted file can make a decoder raise almost anything; all of it means "not usable".
    except Exception:
        raise ImageRejected(damaged_message()) from None
    return image


def open_within_limits(data: bytes) -> Image.Image:
    """The image with its header read, set to decode at the smallest size the format allows,
    and nothing decoded yet; ImageRejected if that would still be too many pixels."""
    image = open_header(data)
    if image.width * image.height > MAX_PIXELS:
        raise ImageRejected(bomb_message())
    # For JPEG this only chooses the decoder's scale; other formats ignore it.
    image.draft("RGB", draft_size(image.size))
    if image.width * image.height > MAX_DECODED_PIXELS:
        raise ImageRejected(too_many_to_decode_message())
    return image


def open_header(data: bytes) -> Image.Image:
    """The image with its header read and nothing decoded yet."""
    try:
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    # Pillow refuses more than twice MAX_IMAGE_PIXELS itself, and between that and the limit
    # only warns, unless warnings are made errors. Both are bombs here.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(bomb_message()) from None
    except Exception:
        raise ImageRejected(
            gettext("This file is not a photo Torget can use. Send a JPEG, PNG, WebP or HEIC.")
        ) from None


def draft_size(size: tuple[int, int]) -> tuple[int, int]:
    """The smallest size to decode at with the longest side still FULL_SIZE, in the picture's
    own proportions: JPEG then picks the largest reduction that keeps both sides above it
    (a square request would keep a long, narrow photo at full size)."""
    width, height = size
    scale = min(1.0, FULL_SIZE / max(width, height, 1))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def damaged_message() -> str:
    return gettext("The photo is damaged or incomplete. Please try another copy of it.")


def bomb_message() -> str:
    return gettext("The photo has too many pixels: at most %(megapixels)d megapixels.") % {
        "megapixels": MAX_PIXELS // 1_000_000
    }


def too_many_to_decode_message() -> str:
    return gettext(
        "The photo has too many pixels: at most %(megapixels)d megapixels for PNG, WebP or "
        "HEIC (%(jpeg)d for JPEG). Send a smaller copy, or the photo as a JPEG."
    ) % {"megapixels": MAX_DECODED_PIXELS // 1_000_000, "jpeg": MAX_PIXELS // 1_000_000}


def upright_rgb(image: Image.Image) -> Image.Image:
    """The picture as the camera held it, in sRGB, on white where it was transparent.

    It is made small before anything else, so that turning and converting it cost little
    whatever the size of the upload."""
    orientation = exif_orientation(image)
    icc_profile = image.info.get("icc_profile")
    small = resizable(image)
    small.thumbnail((FULL_SIZE, FULL_SIZE))
    if orientation in UNDO_ORIENTATION:
        small = small.transpose(UNDO_ORIENTATION[orientation])
    if small.mode in ("RGBA", "LA"):
        rgb = Image.new("RGB", small.size, "white")
        rgb.paste(small.convert("RGBA"), mask=small.getchannel("A"))
    else:
        rgb = small.convert("RGB")
    return in_srgb(rgb, icc_profile)


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation; 1 (upright) when there is none or it cannot be read, since a
    photo with broken EXIF is still a photo."""
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:
        return 1


def resizable(image: Image.Image) -> Image.Image:
    """The image in a mode that resizes smoothly (RGB, RGBA, L or LA), its transparency
    kept: palettes resize only by picking pixels, and wider-than-8-bit grey would clip."""
    transparent = "transparency" in image.info
    if image.mode in ("RGBA", "LA") or (image.mode in ("RGB", "L") and not transparent):
        return image
    if image.mode in WIDE_GREY_MODES:
        # Pillow reads 16-bit PNG grey as I;16 (or I): values up to 65535, brought to 8 bits.
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if transparent or image.mode in ("PA", "RGBa", "La"):
        return image.convert("RGBA")
    return image.convert("L" if image.mode == "1" else "RGB")


def in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours converted from the photo's own profile (e.g. an iPhone's Display P3), so they
    still look right once the profile itself is dropped."""
    if not icc_profile:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def encode(image: Image.Image, longest_side: int) -> bytes:
    """A new JPEG from the pixels alone: a fresh image carries no info, EXIF or profile."""
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.thumbnail((longest_side, longest_side))
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
