"""Real files, made on the spot: PDFs with pikepdf or by hand, images with Pillow, office files with
zipfile/openpyxl. Each hostile one differs from a good one by the one thing under test."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl
import pikepdf
from PIL import Image

# --- PDF --------------------------------------------------------------------------------------


def pdf_bytes(build=None, *, object_streams: bool = True, **save_options) -> bytes:
    """A one-page PDF with a line of text; `build(pdf)` may add to it before saving."""
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
        )
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 770 Td (Giay khai sinh - ban sao) Tj ET")
    if build:
        build(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, **save_options)
    return out.getvalue()


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand, byte for byte, with a correct cross-reference table: objects are
    numbered from 1; object 1 must be the catalog. Lets a test use spellings that pikepdf would
    normalise when saving (name escapes, unreferenced objects)."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


RAW_PAGES = (
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
)


# --- images -----------------------------------------------------------------------------------


def image_bytes(fmt: str, size=(64, 48), mode: str = "RGB") -> bytes:
    image = Image.new("RGB", size, (200, 30, 40)).convert(mode)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


# --- office files -----------------------------------------------------------------------------

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_parts(
    *, main_type: str = DOCX_MAIN, document_rels: str = "", extra_types: str = ""
) -> dict[str, bytes]:
    """The parts of a minimal WordprocessingML package, as Word writes them."""
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'
            f"{extra_types}</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{RELS_NS}">'
            f'<Relationship Id="rId1" Type="{OFFICE_REL}/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ).encode(),
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}">'
            "<w:body><w:p><w:r><w:t>Đơn đề nghị cấp bản sao trích lục khai sinh</w:t></w:r></w:p>"
            "</w:body></w:document>"
        ).encode(),
        "word/_rels/document.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{RELS_NS}">'
            f"{document_rels}</Relationships>"
        ).encode(),
    }


def zip_bytes(parts: dict[str, bytes], *, first: tuple[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF asks
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bytes(**options) -> bytes:
    return zip_bytes(docx_parts(**options))


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Số hồ sơ"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


ODT_MIME = b"application/vnd.oasis.opendocument.text"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def odf_bytes(mimetype: bytes = ODT_MIME, extra: dict[str, bytes] | None = None) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype.decode()}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    ).encode()
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="1.2"><office:body/></office:document-content>'
    )
    parts = {"content.xml": content, "META-INF/manifest.xml": manifest, **(extra or {})}
    return zip_bytes(parts, first=("mimetype", mimetype))
