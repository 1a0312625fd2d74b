"""The kinds of file a dossier may hold, and telling them apart by their first bytes.

Our own small sniffer instead of libmagic or the `filetype` package: only seven kinds are allowed,
each has a fixed signature at offset 0, and the zip-based ones (DOCX, XLSX, ODT, ODS) can only be
told apart by looking inside the archive, which `office.py` must do anyway. A general detector
would add a system library or an unmaintained dependency for no extra safety.

Not allowed, on purpose: executables and scripts of any kind, HTML and SVG (script runs in the
browser), legacy OLE2 Office files (.doc/.xls: macros hide in binary streams we cannot inspect
well; ask for DOCX/XLSX or PDF), macro-enabled OOXML (.docm/.xlsm), archives (.zip/.rar).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the one used when a name has none of them
    label: object  # lazy translated label, for messages


PDF = Kind("pdf", "application/pdf", (".pdf",), _("tài liệu PDF"))
JPEG = Kind("jpeg", "image/jpeg", (".jpg", ".jpeg"), _("ảnh JPEG"))
PNG = Kind("png", "image/png", (".png",), _("ảnh PNG"))
DOCX = Kind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    _("văn bản Word (DOCX)"),
)
XLSX = Kind(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    _("bảng tính Excel (XLSX)"),
)
ODT = Kind("odt", "application/vnd.oasis.opendocument.text", (".odt",), _("văn bản ODT"))
ODS = Kind("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",), _("bảng tính ODS"))

KINDS: dict[str, Kind] = {kind.code: kind for kind in (PDF, JPEG, PNG, DOCX, XLSX, ODT, ODS)}
ZIP_KINDS = (DOCX, XLSX, ODT, ODS)


def kinds_for_extension(extension: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if extension in kind.extensions]


def allowed_extensions(kinds: list[Kind]) -> str:
    """ ", ".pdf, .jpg, .jpeg" — for messages."""
    return ", ".join(ext for kind in kinds for ext in kind.extensions)


# Family by signature at offset 0. A PDF header anywhere later (readers tolerate junk before it)
# is not accepted: that tolerance is what PDF polyglots rely on.
SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"PK\x03\x04", "zip"),
)
SNIFF_BYTES = 8


def family(head: bytes) -> str | None:
    """ "pdf", "jpeg", "png", "zip" (to be opened to know which), or None for anything else."""
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    return None
