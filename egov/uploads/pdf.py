"""PDF: parsed with pikepdf (qpdf), never grepped.

A grep for "/JavaScript" misses names written with escapes (`/J#61vaScript`) and anything inside
compressed object streams; qpdf decodes both. Every object in the cross-reference table is walked,
referenced or not, with the dictionaries nested inside it.

Refused: anything that runs, launches, fetches or hides a file when the PDF is opened —
JavaScript, Launch/GoToR/GoToE/SubmitForm/ImportData actions, additional actions (/AA),
an /OpenAction other than going to a page, embedded files and file attachments, RichMedia, XFA
forms. Links to web pages (/URI) are kept: ordinary documents have them.

A PDF that needs a password to open cannot be inspected and is refused; one encrypted only
against editing (no password to open, common for issued documents) is inspected like any other.
A damaged PDF (truncated, broken cross-reference table) is refused rather than repaired:
repairing means guessing, and guessing is what the attacks rely on.
"""

from __future__ import annotations

from typing import IO

import pikepdf
from django.utils.translation import gettext as _

from egov.uploads.errors import refuse

FORBIDDEN_KEYS = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/AA", "/EmbeddedFile", "/EmbeddedFiles", "/EF"}
    | {"/RichMedia", "/RichMediaContent", "/XFA"}
)
FORBIDDEN_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/GoToR", "/GoToE", "/SubmitForm", "/ImportData"}
    | {"/RichMediaExecute", "/Rendition", "/Movie", "/Sound"}
)
FORBIDDEN_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})
_NAME_KEYS = (
    ("/S", FORBIDDEN_ACTIONS),
    ("/Subtype", FORBIDDEN_SUBTYPES),
    ("/Type", {"/EmbeddedFile"}),
)


def check_pdf(stream: IO[bytes]) -> None:
    stream.seek(0)
    try:
        with pikepdf.Pdf.open(stream, attempt_recovery=False) as pdf:
            if len(pdf.pages) == 0:
                refuse("malformed", _("Tệp PDF không có trang nào."))
            _check_objects(pdf)
    except pikepdf.PasswordError:
        refuse("encrypted", _("Tệp PDF có mật khẩu. Vui lòng gửi bản không đặt mật khẩu."))
    except (pikepdf.PdfError, RecursionError, ValueError):
        refuse("malformed", _("Tệp PDF bị hỏng hoặc không đầy đủ."))


def _check_objects(pdf: pikepdf.Pdf) -> None:
    for obj in [pdf.trailer, *pdf.objects]:
        for found in _active_parts(obj):
            refuse(
                "active_content",
                _("Tệp PDF chứa mã lệnh hoặc tệp đính kèm ẩn (%(part)s), không được chấp nhận.")
                % {"part": found.lstrip("/")},
            )


def _active_parts(top: pikepdf.Object):
    """The forbidden names in `top` and the direct objects nested in it (indirect ones are
    walked on their own, as members of `pdf.objects`)."""
    stack = [top]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in obj:
                if key in FORBIDDEN_KEYS:
                    yield key
                value = obj.get(key)
                if (
                    key == "/OpenAction"
                    and isinstance(value, pikepdf.Dictionary)
                    and value.get("/S") != pikepdf.Name.GoTo
                ):
                    yield "/OpenAction"
                for name_key, forbidden in _NAME_KEYS:
                    if (
                        key == name_key
                        and isinstance(value, pikepdf.Name)
                        and str(value) in forbidden
                    ):
                        yield str(value)
                if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
                    stack.append(value)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(
                item
                for item in obj
                if isinstance(item, pikepdf.Dictionary | pikepdf.Array) and not item.is_indirect
            )
