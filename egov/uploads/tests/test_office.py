"""Office files: real OOXML/ODF packages kept; macros, remote content, zip bombs, impostors and
broken archives refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from egov.uploads import office
from egov.uploads.services import inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import (
    DOCM_MAIN,
    ODS_MIME,
    OFFICE_REL,
    docx_bytes,
    docx_parts,
    odf_bytes,
    xlsx_bytes,
    zip_bytes,
)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (docx_bytes(), "Đơn đề nghị.docx", "docx"),
        (xlsx_bytes(), "Danh sách hộ.xlsx", "xlsx"),
        (odf_bytes(), "Tờ trình.odt", "odt"),
        (odf_bytes(ODS_MIME), "Bảng kê.ods", "ods"),
    ],
)
def test_real_office_files_are_accepted(data, name, kind):
    inspected = inspect_upload(io.BytesIO(data), name)
    assert inspected.kind == kind
    assert inspected.file.read() == data


def test_a_hyperlink_to_the_web_is_kept():
    link = (
        f'<Relationship Id="rId9" Type="{OFFICE_REL}/hyperlink" '
        'Target="https://dichvucong.gov.vn/" TargetMode="External"/>'
    )
    assert inspect_upload(io.BytesIO(docx_bytes(document_rels=link)), "a.docx").kind == "docx"


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt", "ods"])
def test_an_office_file_behind_another_office_extension_is_refused(kind):
    data = {"docx": docx_bytes, "xlsx": xlsx_bytes, "odt": odf_bytes}.get(
        kind, lambda: odf_bytes(ODS_MIME)
    )()
    other = {"docx": "xlsx", "xlsx": "docx", "odt": "ods", "ods": "odt"}[kind]
    assert refusal(data, f"a.{other}").code == "type_mismatch"


def test_a_macro_project_is_refused():
    parts = docx_parts()
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert refusal(zip_bytes(parts), "a.docx").code == "active_content"


def test_a_macro_enabled_document_renamed_docx_is_refused():
    assert refusal(docx_bytes(main_type=DOCM_MAIN), "a.docx").code == "active_content"


@pytest.mark.parametrize("name", ["a.docm", "a.xlsm", "a.doc", "a.xls", "a.zip", "a.pptx"])
def test_office_extensions_outside_the_list_are_refused(name):
    assert refusal(docx_bytes(), name).code == "forbidden_type"


@pytest.mark.parametrize(
    "entry",
    ["word/activeX/activeX1.xml", "word/embeddings/oleObject1.bin", "xl/VBAProject.bin"],
)
def test_activex_and_embedded_ole_objects_are_refused(entry):
    parts = docx_parts()
    parts[entry] = b"<x/>"
    assert refusal(zip_bytes(parts), "a.docx").code == "active_content"


def test_a_printer_settings_part_is_not_mistaken_for_a_macro():
    parts = docx_parts()
    parts["word/printerSettings/printerSettings1.bin"] = b"\x00" * 128
    assert inspect_upload(io.BytesIO(zip_bytes(parts)), "a.docx").kind == "docx"


@pytest.mark.parametrize("relation", ["attachedTemplate", "oleObject", "frame", "subDocument"])
def test_content_fetched_from_outside_when_opened_is_refused(relation):
    rel = (
        f'<Relationship Id="rId9" Type="{OFFICE_REL}/{relation}" '
        'Target="http://example.invalid/template.dotm" TargetMode="External"/>'
    )
    assert refusal(docx_bytes(document_rels=rel), "a.docx").code == "active_content"


def test_opendocument_macros_are_refused():
    data = odf_bytes(extra={"Basic/Standard/Module1.xml": b"<script:module/>"})
    assert refusal(data, "a.odt").code == "active_content"


def test_an_encrypted_opendocument_file_is_refused():
    manifest = (
        b'<manifest:manifest><manifest:encryption-data manifest:checksum="x"/></manifest:manifest>'
    )
    data = odf_bytes(extra={"META-INF/manifest.xml": manifest})
    assert refusal(data, "a.odt").code == "encrypted"


def test_a_highly_compressed_entry_is_a_zip_bomb():
    parts = docx_parts()
    parts["word/media/blank.xml"] = b"\x00" * (20 * 1024 * 1024)  # deflates about 1000 to 1
    data = zip_bytes(parts)
    assert len(data) < 100_000
    assert refusal(data, "a.docx").code == "zip_bomb"


def test_too_many_entries_is_a_zip_bomb():
    parts = docx_parts()
    parts.update({f"word/media/p{i}.xml": b"<p/>" for i in range(office.MAX_ENTRIES)})
    assert refusal(zip_bytes(parts), "a.docx").code == "zip_bomb"


def test_a_declared_size_that_lies_is_caught():
    data = bytearray(docx_bytes())
    # Claim in the central directory that word/document.xml is 10 bytes: zipfile stops there
    # and the CRC no longer matches.
    name = b"word/document.xml"
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    assert refusal(bytes(data), "a.docx").code == "malformed"


def test_duplicate_entry_names_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in docx_parts().items():
            archive.writestr(name, content)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("word/document.xml", b"<w:document/>")
    assert refusal(out.getvalue(), "a.docx").code == "malformed"


def test_a_dtd_in_a_package_part_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="x" Type="&b;" Target="a"/></Relationships>'
    )
    parts = docx_parts()
    parts["word/_rels/document.xml.rels"] = laughs
    assert refusal(zip_bytes(parts), "a.docx").code == "malformed"


def test_a_truncated_office_file_is_refused():
    data = docx_bytes()
    assert refusal(data[: len(data) // 2], "a.docx").code == "malformed"


def test_a_plain_zip_named_docx_is_refused():
    data = zip_bytes({"readme.txt": b"not a document"})
    assert refusal(data, "a.docx").code == "type_mismatch"


def test_a_package_without_its_main_part_is_refused():
    parts = docx_parts()
    del parts["word/document.xml"]
    assert refusal(zip_bytes(parts), "a.docx").code == "type_mismatch"


def test_a_legacy_word_file_renamed_docx_is_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4088
    assert refusal(ole, "a.docx").code == "type_mismatch"
