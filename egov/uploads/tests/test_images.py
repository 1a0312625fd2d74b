"""JPEG and PNG: the content decides, the dimensions are bounded before decoding, damage shows."""

from __future__ import annotations

import hashlib
import io
import zlib

import pytest

from egov.uploads.services import inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import image_bytes, png_chunk, png_claiming


@pytest.mark.parametrize(
    ("fmt", "name", "kind", "content_type"),
    [
        ("JPEG", "CCCD mặt trước.jpg", "jpeg", "image/jpeg"),
        ("JPEG", "chan-dung.JPEG", "jpeg", "image/jpeg"),
        ("PNG", "so-do-thua-dat.png", "png", "image/png"),
    ],
)
def test_real_images_are_accepted(fmt, name, kind, content_type):
    data = image_bytes(fmt)
    inspected = inspect_upload(io.BytesIO(data), name)
    assert (inspected.kind, inspected.content_type) == (kind, content_type)
    assert inspected.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("mode", ["1", "L", "P", "LA", "RGBA", "I;16"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (333, 17)])
def test_pngs_of_every_pixel_layout_are_accepted(mode, size):
    inspected = inspect_upload(io.BytesIO(image_bytes("PNG", size, mode)), "anh.png")
    assert inspected.kind == "png"


def test_a_png_with_extra_pixel_data_is_refused():
    good = image_bytes("PNG", (10, 10))
    end = good.index(b"IEND") - 4
    extra = png_chunk(b"IDAT", zlib.compress(b"\x00" * 500))
    assert refusal(good[:end] + extra + good[end:], "anh.png").code == "malformed"


def test_a_png_named_jpg_is_refused():
    assert refusal(image_bytes("PNG"), "anh.jpg").code == "type_mismatch"


def test_a_jpeg_named_png_is_refused():
    assert refusal(image_bytes("JPEG"), "anh.png").code == "type_mismatch"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_other_image_formats_behind_an_allowed_extension_are_refused(fmt):
    assert refusal(image_bytes(fmt), "anh.jpg").code == "type_mismatch"


def test_an_image_claiming_a_huge_canvas_is_refused_before_decoding():
    data = png_claiming(100_000, 100_000)
    assert len(data) < 200
    assert refusal(data, "anh.png").code == "decompression_bomb"


def test_an_image_just_under_the_pixel_limit_is_not_called_a_bomb():
    # 8000 x 10000 = 80 MP, the limit itself: refused only because its pixel data is missing.
    assert refusal(png_claiming(8000, 10000), "anh.png").code == "malformed"
    assert refusal(png_claiming(8001, 10000), "anh.png").code == "decompression_bomb"


def test_a_truncated_jpeg_is_refused():
    data = image_bytes("JPEG", size=(400, 300))
    assert refusal(data[: len(data) // 2], "anh.jpg").code == "malformed"


def test_a_png_with_a_damaged_chunk_is_refused():
    data = bytearray(image_bytes("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # the chunk's CRC no longer matches
    assert refusal(bytes(data), "anh.png").code == "malformed"


def test_a_png_signature_over_nothing_is_refused():
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IEND", b"")
    assert refusal(data, "anh.png").code == "malformed"


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_was_imported():
    import weasyprint  # noqa: F401 - it turns Pillow's LOAD_TRUNCATED_IMAGES on
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True
    data = image_bytes("JPEG", size=(200, 150))
    assert refusal(data[: len(data) // 2], "anh.jpg").code == "malformed"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
