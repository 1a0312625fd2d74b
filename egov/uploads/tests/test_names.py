"""The user's file name: hostile ones refused, ordinary Vietnamese ones kept (tidied), and never
used to store the file."""

from __future__ import annotations

import io
import unicodedata

import pytest

from egov.uploads.services import inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import pdf_bytes

PDF = pdf_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\..\\Windows\\win.ini.pdf",
        "/etc/cron.d/job.pdf",
        "C:\\Users\\dan\\giay-to.pdf",
        "hồ sơ/../../app/settings.pdf",
        "giay\x00.pdf",
        "giay\x00.exe",
        "giay\n.pdf",
        "hoadon\u202efdp.exe",  # right-to-left override: shows as "hoadonexe.pdf"
        "to\u200bkhai.pdf",
        "",
        "   ",
        "a" * 252 + ".pdf",
    ],
)
def test_hostile_or_broken_names_are_refused(name):
    assert refusal(PDF, name).code == "bad_name"


def test_a_vietnamese_name_is_kept_composed():
    decomposed = unicodedata.normalize("NFD", "Giấy khai sinh – bản sao.pdf")
    inspected = inspect_upload(io.BytesIO(PDF), decomposed)
    assert inspected.safe_name == "Giấy khai sinh – bản sao.pdf"
    assert unicodedata.is_normalized("NFC", inspected.safe_name)


@pytest.mark.parametrize(
    ("declared", "safe"),
    [
        ("SCAN_0001.PDF", "SCAN_0001.pdf"),
        ("  tờ   khai .pdf", "tờ khai.pdf"),
        ('bao:cao*"moi"?.pdf', "bao_cao__moi__.pdf"),
        (".an.pdf", "an.pdf"),
        ("ban sao.pdf.pdf", "ban sao.pdf.pdf"),
        ("..pdf.pdf", "pdf.pdf"),
    ],
)
def test_names_are_tidied_for_display(declared, safe):
    assert inspect_upload(io.BytesIO(PDF), declared).safe_name == safe


def test_a_long_name_is_shortened_keeping_its_extension():
    inspected = inspect_upload(io.BytesIO(PDF), "đ" * 200 + ".pdf")
    assert inspected.safe_name == "đ" * 120 + ".pdf"


@pytest.mark.parametrize("name", ["pdf", ".pdf", "..pdf", "giay-khai-sinh", "giay.", "anh.exe"])
def test_a_name_without_an_allowed_extension_is_refused(name):
    assert refusal(PDF, name).code == "forbidden_type"


def test_the_storage_name_owes_nothing_to_the_user():
    inspected = inspect_upload(io.BytesIO(PDF), "Giấy tờ ..pdf")
    first = inspected.storage_name("ho-so/2026/")
    second = inspected.storage_name("ho-so/2026")
    assert first.startswith("ho-so/2026/") and second.startswith("ho-so/2026/")
    assert first.endswith(".pdf") and first != second
    assert first.removeprefix("ho-so/2026/").removesuffix(".pdf").isalnum()
    bare = inspected.storage_name()
    assert "/" not in bare and bare.endswith(".pdf") and len(bare) == 32 + 4
