"""The name a person gave their file: checked, tidied, and only ever shown back to people.

A name that carries a path (`../`, `/etc/`, `C:\\`), a NUL, a control character or a bidi override
(`hoadon\u202efdp.exe` shows as `hoadonexe.pdf`) is refused outright rather than repaired: no
browser sends one, so it is hostile or broken. The file is stored under a generated name
(`InspectedFile.storage_name`); this one is for display and downloads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from egov.uploads.errors import refuse

MAX_DECLARED_LENGTH = 255
MAX_STEM_LENGTH = 120
# Characters Windows refuses in a file name; harmless here, replaced so a download saves anywhere.
_AWKWARD = re.compile(r'[<>:"|?*]')
# Cc: controls (NUL, tab, DEL...); Cf: invisible format characters (bidi overrides, zero-width);
# Cs: lone surrogates; Co: private use; Cn: unassigned.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
FALLBACK_STEM = "tệp"


@dataclass(frozen=True)
class CleanName:
    stem: str
    extension: str  # lower case, with the dot; "" when the name has none


def clean_name(declared: str) -> CleanName:
    name = unicodedata.normalize("NFC", declared or "")
    if not name.strip():
        refuse("bad_name", _("Tệp chưa có tên."))
    if len(name) > MAX_DECLARED_LENGTH:
        refuse("bad_name", _("Tên tệp quá dài (tối đa 255 ký tự)."))
    if "/" in name or "\\" in name:
        refuse("bad_name", _("Tên tệp không được chứa đường dẫn thư mục."))
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in name):
        refuse("bad_name", _("Tên tệp chứa ký tự không hợp lệ."))
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem.strip(". "):
        # "baocao", ".pdf", "..pdf": no usable extension, or nothing before it.
        stem, extension = name, ""
    stem = _AWKWARD.sub("_", stem).strip(". ")[:MAX_STEM_LENGTH].rstrip(". ")
    return CleanName(
        stem=stem or FALLBACK_STEM, extension=f".{extension.lower()}" if extension else ""
    )
