"""Whether an uploaded file may be kept: `inspect_upload`, the one gate every upload goes through.

    inspected = inspect_upload(request.FILES["file"], request.FILES["file"].name, allowed={"pdf"})
    default_storage.save(inspected.storage_name("dossiers/2026"), inspected.file)
    # or, with a FileField(upload_to=...):  row.file.save(inspected.storage_name(), inspected.file)

Checks, cheapest first: the name, the size (from the upload's own size, then counted while
hashing, chunk by chunk, never more than the limit plus one chunk read), the type from the
content, the extension against that type, the type's own deep check (PDF objects, zip limits and
macros, image dimensions), and last the virus scanner. Any failure raises `ValidationFailed` with
one of the codes in `egov.uploads.errors.CODES` and a Vietnamese message; nothing is written
anywhere by this module, so a refused file is simply not kept by the caller.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from egov.uploads import formats, names
from egov.uploads.errors import refuse
from egov.uploads.formats import KINDS, Kind
from egov.uploads.images import check_image
from egov.uploads.office import inspect_zip
from egov.uploads.pdf import check_pdf
from egov.uploads.scan import scan

CHUNK = 64 * 1024


@dataclass(frozen=True)
class InspectedFile:
    safe_name: str  # for display and Content-Disposition only, never a storage path
    kind: str  # a key of egov.uploads.formats.KINDS: pdf, jpeg, png, docx, xlsx, odt, ods
    content_type: str  # from the kind, never from the browser
    size: int
    sha256: str  # hex
    file: File = field(repr=False, compare=False)  # rewound, ready for storage.save

    @property
    def extension(self) -> str:
        return "." + self.safe_name.rpartition(".")[2]

    def storage_name(self, folder: str = "") -> str:
        """A fresh name (under `folder`, if given) that owes nothing to what the user typed.
        With a FileField whose `upload_to` is the folder, pass no folder."""
        name = f"{uuid.uuid4().hex}{self.extension}"
        return f"{folder.strip('/')}/{name}" if folder.strip("/") else name


def max_upload_bytes() -> int:
    return settings.EGOV_UPLOAD_MAX_BYTES


def inspect_upload(
    file: IO[bytes], declared_name: str, *, allowed: Iterable[str] | None = None
) -> InspectedFile:
    """Inspect `file` (a Django UploadedFile or any binary file-like) named `declared_name`.

    `allowed` narrows the kinds (e.g. {"pdf"} for a component that must be a PDF); by default
    every kind in KINDS is allowed."""
    allowed_kinds = _allowed(allowed)
    name = names.clean_name(declared_name)
    by_extension = formats.kinds_for_extension(name.extension)
    if not any(kind in allowed_kinds for kind in by_extension):
        refuse(
            "forbidden_type",
            _("Loại tệp này không được nhận. Chỉ nhận: %(list)s.")
            % {"list": formats.allowed_extensions(allowed_kinds)},
        )
    limit = max_upload_bytes()
    declared_size = getattr(file, "size", None)
    if isinstance(declared_size, int) and declared_size > limit:
        _refuse_too_large(limit)
    stream, size, digest = _measure(file, limit)
    try:
        return _inspect_content(stream, size, digest, name, by_extension[0])
    except BaseException:
        if stream is not file:
            stream.close()
        raise


def _inspect_content(
    stream: IO[bytes], size: int, digest: str, name: names.CleanName, expected: Kind
) -> InspectedFile:
    if size == 0:
        refuse("empty", _("Tệp rỗng (0 byte)."))

    stream.seek(0)
    family = formats.family(stream.read(formats.SNIFF_BYTES))
    kind = KINDS.get(family) if family != "zip" else None
    if family == "zip" and expected in formats.ZIP_KINDS:
        kind = inspect_zip(stream)
    if kind is not expected:
        refuse(
            "type_mismatch",
            _("Nội dung tệp không phải là %(kind)s như phần mở rộng %(ext)s cho biết.")
            % {"kind": expected.label, "ext": name.extension},
        )
    if kind is formats.PDF:
        check_pdf(stream)
    elif kind in (formats.JPEG, formats.PNG):
        check_image(stream, kind)
    scan(stream, label=digest)
    stream.seek(0)
    return InspectedFile(
        safe_name=f"{name.stem}{name.extension}",
        kind=kind.code,
        content_type=kind.content_type,
        size=size,
        sha256=digest,
        file=stream if isinstance(stream, File) else File(stream, name=f"upload{name.extension}"),
    )


def _allowed(allowed: Iterable[str] | None) -> list[Kind]:
    if allowed is None:
        return list(KINDS.values())
    unknown = set(allowed) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown upload kinds: {sorted(unknown)}")
    return [KINDS[code] for code in KINDS if code in set(allowed)]


def _measure(file: IO[bytes], limit: int) -> tuple[IO[bytes], int, str]:
    """A seekable stream with the file's bytes, their count and SHA-256, reading in chunks and
    stopping one chunk past the limit. A stream that cannot seek is copied to a temporary file
    (kept in memory while small) as it is read."""
    seekable = getattr(file, "seekable", None)
    if callable(seekable) and seekable():
        file.seek(0)
        copy = None
    else:
        # Closed by the caller with the returned stream, or here when refused.
        copy = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    while chunk := file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            if copy is not None:
                copy.close()
            _refuse_too_large(limit)
        digest.update(chunk)
        if copy is not None:
            copy.write(chunk)
    stream = file if copy is None else copy
    stream.seek(0)
    return stream, size, digest.hexdigest()


def _refuse_too_large(limit: int) -> None:
    refuse(
        "too_large",
        _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": f"{limit / (1024 * 1024):.3g}"},
    )
