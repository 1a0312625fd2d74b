"""JPEG and PNG: Pillow must agree on the format, the dimensions must be sane, the data whole.

The pixel limit is checked from the header before any decoding, so a small file that claims a
huge canvas (a decompression bomb) is refused without allocating it. 80 megapixels is above an
A3 page scanned at 600 dpi (about 70 MP). JPEG data is decoded at 1/8 scale (`draft`), which still
reads every byte, to find truncation cheaply. For PNG, Pillow's check verifies every chunk's CRC
but not that the pixel data is all there, so the compressed data is inflated here in chunks,
counted and thrown away: it must come to exactly what the header's dimensions need.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageFile, UnidentifiedImageError

from egov.uploads.errors import refuse
from egov.uploads.formats import JPEG, PNG, Kind

MAX_PIXELS = 80_000_000
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


def check_image(stream: IO[bytes], kind: Kind) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _check(stream, kind)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _refuse_bomb()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
            refuse("malformed", _("Tệp ảnh bị hỏng hoặc không đầy đủ."))


def _check(stream: IO[bytes], kind: Kind) -> None:
    # Pillow's switch is process-wide and WeasyPrint turns it on when imported (the printed
    # forms): a truncated image must still be refused here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    stream.seek(0)
    with Image.open(stream, formats=[_PIL_FORMATS[kind]]) as image:
        width, height = image.size
        if width < 1 or height < 1:
            raise ValueError("empty image")
        if width * height > MAX_PIXELS:
            _refuse_bomb()
        image.verify()
    if kind is PNG:
        _check_png_data(stream)
    if kind is JPEG:
        stream.seek(0)
        with Image.open(stream, formats=["JPEG"]) as image:
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by PNG colour type
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_INFLATE_STEP = 256 * 1024


def _check_png_data(stream: IO[bytes]) -> None:
    stream.seek(8)
    inflater = zlib.decompressobj()
    expected = produced = 0
    while True:
        length, chunk_type = struct.unpack(">I4s", stream.read(8))
        data = stream.read(length)
        stream.read(4)  # CRC, already verified
        if chunk_type == b"IHDR":
            expected = _png_data_size(data)
        elif chunk_type == b"IDAT":
            while data:
                produced += len(inflater.decompress(data, _INFLATE_STEP))
                if produced > expected:
                    raise ValueError("more pixel data than the header says")
                data = inflater.unconsumed_tail
        elif chunk_type == b"IEND":
            break
    if produced != expected or not inflater.eof or inflater.unused_data:
        raise ValueError("pixel data missing")


def _png_data_size(header: bytes) -> int:
    """Bytes of filtered scanlines that a PNG with this IHDR decompresses to."""
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    bits = depth * _CHANNELS[colour]

    def size(w: int, h: int) -> int:
        return h * (1 + (w * bits + 7) // 8) if w and h else 0

    if not interlace:
        return size(width, height)
    return sum(
        size(-(-max(width - x0, 0) // dx), -(-max(height - y0, 0) // dy))
        for x0, y0, dx, dy in _ADAM7
    )


def _refuse_bomb() -> None:
    refuse(
        "decompression_bomb",
        _("Ảnh có kích thước quá lớn (tối đa %(mp)s triệu điểm ảnh).")
        % {"mp": MAX_PIXELS // 1_000_000},
    )
