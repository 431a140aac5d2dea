"""Photos are turned upright, stripped of every piece of metadata, resized, or refused."""

import io
import struct
import zlib

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageFile

from torget.lib import images
from torget.lib.images import ImageRejected, ProcessedImage, check_upload, make_sizes


@pytest.fixture(autouse=True)
def in_english():
    """The messages are asserted in English, the source language."""
    with translation.override("en"):
        yield


pillow_heif.register_heif_opener()


def encoded(image: Image.Image, format: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **params)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def made(data: bytes, name: str = "photo.jpg") -> ProcessedImage:
    """What becomes of an upload: checked in the request, made into sizes by the worker."""
    return make_sizes(check_upload(upload(data, name)).read())


def gps_jpeg(width: int = 400, height: int = 200, orientation: int = 6) -> bytes:
    """A landscape JPEG that says "rotate me 90°" and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Telefon"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (60.0, 11.0, 25.8),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (11.0, 59.0, 51.7),
    }
    image = Image.new("RGB", (width, height), "red")
    return encoded(image, "JPEG", exif=exif, comment=b"taken at home")


def truncated_jpeg() -> bytes:
    """The first half of a photo, as a broken upload leaves it."""
    whole = encoded(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    return whole[: len(whole) // 2]


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header claims width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_rgba_png(side: int = 7000) -> bytes:
    """A real, valid side x side RGBA PNG of one colour: about 200 KB for 7000 x 7000, which
    decodes to 196 MB. Written row by row, so making it costs the test little."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * (side * 4)  # filter type 0, then transparent black pixels
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def declaring(data: bytes, marker: bytes, offset: int, packed: bytes) -> bytes:
    """A small encoded picture whose header is changed to claim another size."""
    at = data.index(marker) + offset
    return data[:at] + packed + data[at + len(packed) :]


def heic_declaring(width: int, height: int) -> bytes:
    """A HEIC whose 'ispe' box (the image's spatial extent) claims width x height."""
    small = encoded(Image.new("RGB", (64, 64)), "HEIF")
    return declaring(small, b"ispe", 8, struct.pack(">II", width, height))


def webp_declaring(width: int, height: int) -> bytes:
    """A lossy WebP whose VP8 frame header claims width x height."""
    small = encoded(Image.new("RGB", (64, 64)), "WEBP")
    return declaring(small, b"\x9d\x01\x2a", 3, struct.pack("<HH", width, height))


def test_a_photo_carrying_gps_and_orientation_comes_out_upright_and_without_exif():
    original = gps_jpeg()
    assert b"Exif" in original
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    processed = made(original)

    for variant in (processed.full, processed.medium, processed.thumbnail):
        image = Image.open(io.BytesIO(variant))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        assert b"Exif" not in variant
        assert b"GPS" not in variant
        assert b"taken at home" not in variant
    full = Image.open(io.BytesIO(processed.full))
    assert full.size == (200, 400), "orientation 6 means the camera was held upright"


def test_the_three_sizes_have_the_promised_longest_sides():
    processed = made(encoded(Image.new("RGB", (3000, 1500), "blue"), "JPEG"))

    sizes = [Image.open(io.BytesIO(v)).size for v in (processed.full, processed.medium)]
    thumbnail = Image.open(io.BytesIO(processed.thumbnail)).size
    assert sizes == [(2048, 1024), (1024, 512)]
    assert thumbnail == (320, 160)


def test_the_file_name_is_random_and_never_the_uploaders():
    first = made(gps_jpeg(), name="kari-nordmann-home.jpg")
    second = made(gps_jpeg(), name="kari-nordmann-home.jpg")

    assert "kari" not in first.name
    assert len(first.name) == 32
    assert first.name != second.name


@pytest.mark.parametrize(
    ("format", "mode"),
    [("PNG", "RGBA"), ("PNG", "P"), ("WEBP", "RGB"), ("HEIF", "RGB"), ("JPEG", "L")],
)
def test_png_webp_heic_and_grey_jpeg_are_accepted(format, mode):
    processed = made(encoded(Image.new(mode, (64, 48)), format), "x")

    image = Image.open(io.BytesIO(processed.full))
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (64, 48))


def test_transparent_parts_become_white_not_black():
    transparent = encoded(Image.new("RGBA", (10, 10), (0, 0, 0, 0)), "PNG")

    image = Image.open(io.BytesIO(made(transparent).full))

    assert image.getpixel((5, 5)) == (255, 255, 255)


def test_a_text_file_is_refused_with_a_message():
    with pytest.raises(ImageRejected, match="not a photo"):
        check_upload(upload(b"Dette er ikke et bilde.\n", "notes.txt"))


def test_a_gif_is_refused_even_though_pillow_could_read_it():
    with pytest.raises(ImageRejected, match="JPEG, PNG, WebP or HEIC"):
        check_upload(upload(encoded(Image.new("RGB", (8, 8)), "GIF"), "anim.gif"))


def test_a_truncated_jpeg_passes_the_header_check_and_is_refused_as_damaged_when_decoded():
    """The request reads the header only, which is whole; the worker finds the rest missing."""
    checked = check_upload(upload(truncated_jpeg()))
    assert (checked.format, checked.width, checked.height) == ("JPEG", 400, 400)

    with pytest.raises(ImageRejected, match="damaged or incomplete"):
        make_sizes(checked.read())


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_the_requests_check_reads_the_header_and_decodes_no_pixel(format, monkeypatch):
    data = encoded(Image.new("RGB", (640, 480), "red"), format)
    plugin = type(Image.open(io.BytesIO(data)))

    def decode(self):
        raise AssertionError("a pixel was decoded in the request")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    monkeypatch.setattr(plugin, "load", decode)

    checked = check_upload(upload(data, "x"))

    assert (checked.format, checked.width, checked.height) == (format, 640, 480)
    assert checked.read() == data, "kept as received, for the worker"


def test_the_largest_png_accepted_is_checked_without_decoding_it(monkeypatch):
    """4999 x 4999 RGBA: 100 MB and seconds to decode, which the request no longer does."""
    monkeypatch.setattr(images, "decode", lambda data: pytest.fail("decoded in the request"))
    side = 4999

    checked = check_upload(upload(huge_rgba_png(side), "big.png"))

    assert (checked.format, checked.width, checked.height) == ("PNG", side, side)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (png_declaring(20_000, 20_000), "too many pixels"),
        (png_declaring(7000, 7000), "at most 25 megapixels"),
        (b"\xff\xd8" + b"\x00" * (12 * 1024 * 1024), "too large"),
        (b"Dette er ikke et bilde.", "not a photo"),
    ],
    ids=["bomb", "over-decoding-limit", "over-12-mb", "not-a-photo"],
)
def test_the_worker_holds_to_the_same_limits_whatever_it_is_given(data, reason):
    with pytest.raises(ImageRejected, match=reason):
        make_sizes(data)


def test_a_file_over_12_mb_is_refused_before_it_is_read():
    with pytest.raises(ImageRejected, match="too large: at most 12 MB"):
        check_upload(upload(b"\xff\xd8" + b"\x00" * (12 * 1024 * 1024)))


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """20000 x 20000 is 400 megapixels: Pillow's own limit stops it at the header."""
    with pytest.raises(ImageRejected, match="too many pixels"):
        check_upload(upload(png_declaring(20_000, 20_000), "bomb.png"))


def test_a_picture_just_over_torgets_pixel_limit_is_refused():
    """Between Torget's limit and Pillow's, only Torget's own check stands in the way."""
    side = int(images.MAX_PIXELS**0.5) + 10

    with pytest.raises(ImageRejected, match="too many pixels"):
        check_upload(upload(png_declaring(side, side), "big.png"))


def test_a_huge_png_is_refused_from_its_header_before_any_pixel_is_decoded():
    """Its header claims 7000 x 7000 and the pixel data is not there: refused for its size,
    not as damaged, so nothing was decoded."""
    with pytest.raises(ImageRejected, match="at most 25 megapixels for PNG, WebP or HEIC"):
        check_upload(upload(png_declaring(7000, 7000), "huge.png"))


def test_a_png_decompression_bomb_of_200_kb_is_refused():
    """7000 x 7000 RGBA: 200 KB that would take 196 MB and seconds to decode."""
    bomb = huge_rgba_png(7000)
    assert len(bomb) < 300_000

    with pytest.raises(ImageRejected, match="too many pixels"):
        check_upload(upload(bomb, "bomb.png"))


@pytest.mark.parametrize("declaring", [webp_declaring, heic_declaring], ids=["webp", "heic"])
def test_webp_and_heic_over_the_decoding_limit_are_refused_from_the_header(declaring):
    data = declaring(6000, 5000)
    assert Image.open(io.BytesIO(data)).size == (6000, 5000)

    with pytest.raises(ImageRejected, match="at most 25 megapixels for PNG, WebP or HEIC"):
        check_upload(upload(data, "big"))


def test_a_48_megapixel_jpeg_is_accepted_and_decoded_at_a_quarter_of_its_pixels():
    data = encoded(Image.new("RGB", (8000, 6000), "green"), "JPEG")

    assert images.decode(data).size == (4000, 3000)
    full = Image.open(io.BytesIO(made(data).full))
    assert full.size == (2048, 1536)


def test_a_long_narrow_jpeg_is_decoded_reduced_too():
    """16000 x 2000: a square request would keep the short side, and so all 32 megapixels."""
    data = encoded(Image.new("L", (16000, 2000), 128), "JPEG")

    decoded = images.decode(data)

    assert decoded.width * decoded.height <= 16000 * 2000 // 16
    assert decoded.width >= images.FULL_SIZE


def test_decoding_never_exceeds_the_pixel_budget():
    """At the limit a PNG is decoded in full, one pixel over it is refused."""
    side = int(images.MAX_DECODED_PIXELS**0.5)
    with pytest.raises(ImageRejected, match="at most 25 megapixels"):
        images.decode(png_declaring(side + 1, side + 1))
    with pytest.raises(ImageRejected, match="damaged"):
        images.decode(png_declaring(side, side))


@pytest.mark.parametrize("format", ["PNG", "WEBP", "HEIF"], ids=["png", "webp", "heic"])
def test_a_truncated_png_webp_or_heic_is_refused_as_damaged(format):
    whole = encoded(Image.effect_noise((256, 256), 60).convert("RGB"), format)

    with pytest.raises(ImageRejected, match="damaged|not a photo"):
        made(whole[: len(whole) * 2 // 3], "half")


def test_only_the_first_frame_of_an_animation_is_used():
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue", "lime")]
    animated = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)

    image = Image.open(io.BytesIO(made(animated, "anim.webp").full))

    assert image.getpixel((32, 32)) == (254, 0, 0)


def test_sixteen_bit_grey_keeps_its_shades_instead_of_turning_white():
    ramp = Image.linear_gradient("L").convert("I").point(lambda v: v * 257).convert("I;16")
    assert Image.open(io.BytesIO(encoded(ramp, "PNG"))).mode == "I;16"

    image = Image.open(io.BytesIO(made(encoded(ramp, "PNG")).full))

    assert image.getpixel((0, 128))[0] in range(120, 136)
