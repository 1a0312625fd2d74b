"""Office files (DOCX, XLSX, ODT, ODS): zip archives, checked without extracting anything.

Limits against zip bombs come from the central directory (entry count, declared sizes, ratio);
`zipfile` never inflates an entry past its declared size and checks its CRC, so reading every
entry to the end (in chunks) both proves the archive whole and stays within the declared total.

Refused as active content: VBA macros (vbaProject.bin, also in a file renamed from .docm),
ActiveX controls, embedded OLE objects (the "package" objects that carry executables), OpenDocument
Basic/scripts, and relationships that make Office fetch something when the file is opened (remote
templates, frames, OLE links). Hyperlinks stay.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from typing import IO
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from egov.uploads.errors import refuse
from egov.uploads.formats import DOCX, ODS, ODT, XLSX, Kind

MAX_ENTRIES = 2000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
# Office XML compresses 5-30x; deflate cannot exceed about 1030x. The ratio is only looked at
# for entries big enough to matter.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
MAX_XML_PART = 4 * 1024 * 1024
CHUNK = 64 * 1024

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
}
_ACTIVE_ENTRY = re.compile(
    r"(^|/)(vbaproject\.bin|vbadata\.xml|activex[^/]*|oleobject[^/]*)$|^(basic|scripts)/",
    re.IGNORECASE,
)
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
# The one external relationship an ordinary document has.
_HYPERLINK = "/hyperlink"


def inspect_zip(stream: IO[bytes]) -> Kind | None:
    """The kind of office file in `stream`, or None if it is some other zip. Refuses bombs,
    broken archives and active content."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = _checked_entries(archive)
            kind = _kind(archive, entries)
            if kind is None:
                return None
            _check_active_content(archive, entries, kind)
            _check_whole(archive)
            return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError):
        refuse("malformed", _("Tệp bị hỏng hoặc không đầy đủ."))
    except ElementTree.ParseError:
        refuse("malformed", _("Tệp bị hỏng hoặc không đầy đủ."))


def _checked_entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        refuse("zip_bomb", _("Tệp nén chứa quá nhiều thành phần."))
    total = 0
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in entries:
            # Two entries with one name: readers disagree on which is used.
            refuse("malformed", _("Tệp bị hỏng hoặc không đầy đủ."))
        entries[info.filename] = info
        if info.flag_bits & 0x1:
            refuse("encrypted", _("Tệp có mật khẩu. Vui lòng gửi bản không đặt mật khẩu."))
        total += info.file_size
        big = info.file_size > RATIO_FLOOR
        if total > MAX_TOTAL_UNCOMPRESSED or (
            big and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            refuse("zip_bomb", _("Tệp nén có tỷ lệ nén bất thường (nghi là bom nén)."))
    return entries


def _kind(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> Kind | None:
    if "mimetype" in entries:
        kind = _ODF_MIMETYPES.get(_read(archive, "mimetype", 200).strip())
        return kind if kind and "content.xml" in entries else None
    if "[Content_Types].xml" not in entries:
        return None
    types = _xml(archive, "[Content_Types].xml")
    content_types = [el.get("ContentType", "") for el in types.iter()]
    if any("macroenabled" in ct.lower() or "vbaproject" in ct.lower() for ct in content_types):
        refuse("active_content", _("Tệp chứa macro (mã lệnh VBA), không được chấp nhận."))
    kinds = {
        _OOXML_MAIN[el.get("ContentType", "")]: el.get("PartName", "").lstrip("/")
        for el in types.iter(f"{_CT_NS}Override")
        if el.get("ContentType", "") in _OOXML_MAIN
    }
    if len(kinds) != 1:
        return None
    ((kind, main_part),) = kinds.items()
    return kind if main_part in entries else None


def _check_active_content(
    archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], kind: Kind
) -> None:
    for name in entries:
        if _ACTIVE_ENTRY.search(name):
            refuse(
                "active_content",
                _("Tệp chứa macro, điều khiển ActiveX hoặc đối tượng nhúng, không được chấp nhận."),
            )
    if kind in (ODT, ODS):
        manifest = (
            _read(archive, "META-INF/manifest.xml", MAX_XML_PART)
            if ("META-INF/manifest.xml" in entries)
            else b""
        )
        if b"encryption-data" in manifest:
            refuse("encrypted", _("Tệp có mật khẩu. Vui lòng gửi bản không đặt mật khẩu."))
        return
    for name in entries:
        if not name.endswith(".rels"):
            continue
        for rel in _xml(archive, name).iter(f"{_RELS_NS}Relationship"):
            external = rel.get("TargetMode", "").lower() == "external"
            if external and not rel.get("Type", "").endswith(_HYPERLINK):
                refuse(
                    "active_content",
                    _("Tệp tải nội dung từ bên ngoài khi mở (%(kind)s), không được chấp nhận.")
                    % {"kind": posixpath.basename(rel.get("Type", ""))},
                )


def _check_whole(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        with archive.open(info) as entry:
            while entry.read(CHUNK):
                pass


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as entry:
        data = entry.read(limit + 1)
    if len(data) > limit:
        refuse("malformed", _("Tệp bị hỏng hoặc không đầy đủ."))
    return data


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    data = _read(archive, name, MAX_XML_PART)
    # Office never writes a DTD; without one there are no entities to expand or fetch.
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        refuse("malformed", _("Tệp bị hỏng hoặc không đầy đủ."))
    return ElementTree.fromstring(data)  # noqa: S314 - no DTD, see above
