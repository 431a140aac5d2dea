"""Photos from citizens: checked, turned upright by their EXIF orientation, stripped of all
metadata (GPS included) by re-encoding, and resized.

Nothing of the uploaded file survives but its pixels: each size is a new JPEG written from a
fresh image, so EXIF, XMP, ICC profiles and comments are never copied across.
"""

import io
import logging
import uuid
from dataclasses import dataclass

import pillow_heif
from django.core.files.base import File
from django.utils.translation import gettext
from PIL import Image, ImageCms, ImageOps

MAX_UPLOAD_BYTES = 12 * 1024 * 1024
# Recent phones take 48-megapixel photos. Far more than that is more likely a decompression
# bomb: a small file that would take gigabytes of memory once decoded.
MAX_PIXELS = 50_000_000
FULL_SIZE = 2048
MEDIUM_SIZE = 1024
THUMBNAIL_SIZE = 320
JPEG_QUALITY = 85
# Only these decoders are ever tried, so a file cannot reach Pillow's rarer, riskier plugins.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(Exception):
    """The upload is not a photo Torget accepts; the message is for the user."""


@dataclass(frozen=True)
class ProcessedImage:
    name: str  # a random file stem, never the uploader's file name
    full: bytes  # JPEG, longest side at most FULL_SIZE
    medium: bytes
    thumbnail: bytes


def process_upload(upload: File) -> ProcessedImage:
    """The upload as three clean JPEGs; ImageRejected with a message for the user if it is
    not a JPEG, PNG, WebP or HEIC photo of a sensible size."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message())
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected(too_large_message())
    image = decode(data)
    try:
        full = upright_rgb(image)
    # An unusual pixel format (16-bit grey, CMYK with odd profiles) can fail to convert; the
    # log keeps the error, the user gets a message instead of a server error.
    except Exception:
        logger.warning("Could not convert an uploaded %s image", image.format, exc_info=True)
        raise ImageRejected(damaged_message()) from None
    return ProcessedImage(
        name=uuid.uuid4().hex,
        full=encode(full, FULL_SIZE),
        medium=encode(full, MEDIUM_SIZE),
        thumbnail=encode(full, THUMBNAIL_SIZE),
    )


def too_large_message() -> str:
    return gettext("The photo is too large: at most %(megabytes)d MB.") % {
        "megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def decode(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    # Pillow's own limit (about 180 megapixels) is an error; between half that and the limit
    # it only warns, unless warnings are made errors. Both are bombs here.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(bomb_message()) from None
    except Exception:
        raise ImageRejected(
            gettext("This file is not a photo Torget can use. Send a JPEG, PNG, WebP or HEIC.")
        ) from None
    if image.width * image.height > MAX_PIXELS:
        raise ImageRejected(bomb_message())
    # JPEG can decode at 1/2, 1/4 or 1/8 scale directly, which saves most of the memory.
    image.draft("RGB", (FULL_SIZE, FULL_SIZE))
    try:
        image.load()
    # A crafted file can make a decoder raise almost anything; all of it means "not usable".
    except Exception:
        raise ImageRejected(damaged_message()) from None
    return image


def damaged_message() -> str:
    return gettext("The photo is damaged or incomplete. Please try another copy of it.")


def bomb_message() -> str:
    return gettext("The photo has too many pixels: at most %(megapixels)d megapixels.") % {
        "megapixels": MAX_PIXELS // 1_000_000
    }


def upright_rgb(image: Image.Image) -> Image.Image:
    """The picture as the camera held it, in sRGB, on white where it was transparent."""
    upright = ImageOps.exif_transpose(image)
    upright.thumbnail((FULL_SIZE, FULL_SIZE))
    if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
        rgba = upright.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, "white")
        rgb.paste(rgba, mask=rgba.getchannel("A"))
    else:
        rgb = upright.convert("RGB")
    return in_srgb(rgb, image.info.get("icc_profile"))


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
