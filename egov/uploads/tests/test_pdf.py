"""PDFs: what runs, launches or hides a file is refused wherever it sits in the file; ordinary
documents (links, a page to open at, an edit-only password) are kept; damaged ones are refused."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest

from egov.uploads.services import inspect_upload
from egov.uploads.tests.conftest import refusal
from egov.uploads.tests.samples import RAW_PAGES, pdf_bytes, raw_pdf

N = pikepdf.Name


def test_a_plain_pdf_is_accepted_with_its_digest():
    data = pdf_bytes()
    inspected = inspect_upload(io.BytesIO(data), "Tờ khai.pdf")
    assert (inspected.kind, inspected.content_type) == ("pdf", "application/pdf")
    assert inspected.size == len(data)
    assert inspected.sha256 == hashlib.sha256(data).hexdigest()
    assert inspected.file.read() == data


def _open_action_js(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=N.JavaScript, JS=pikepdf.String("app.alert(1)"))


def test_javascript_open_action_is_refused_even_inside_an_object_stream():
    data = pdf_bytes(_open_action_js, object_streams=True)
    assert b"JavaScript" not in data  # compressed away: a grep would have let it through
    assert refusal(data, "don.pdf").code == "active_content"


def test_javascript_open_action_is_refused_uncompressed():
    data = pdf_bytes(_open_action_js, object_streams=False)
    assert refusal(data, "don.pdf").code == "active_content"


def test_javascript_spelled_with_name_escapes_is_refused():
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>",
        *RAW_PAGES,
    )
    assert b"/JavaScript" not in data and b"/JS" not in data
    assert refusal(data, "don.pdf").code == "active_content"


def test_javascript_in_an_object_nothing_refers_to_is_refused():
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *RAW_PAGES,
        b"<< /S /JavaScript /JS (app.launchURL('http://example.invalid')) >>",
    )
    assert refusal(data, "don.pdf").code == "active_content"


def test_the_raw_builder_makes_pdfs_that_are_accepted():
    data = raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", *RAW_PAGES)
    assert inspect_upload(io.BytesIO(data), "don.pdf").kind == "pdf"


def _link(pdf, action):
    pdf.pages[0].Annots = pdf.make_indirect(
        [
            pikepdf.Dictionary(
                Type=N.Annot, Subtype=N.Link, Rect=[72, 700, 300, 720], Border=[0, 0, 0], A=action
            )
        ]
    )


@pytest.mark.parametrize(
    ("action", "label"),
    [
        (pikepdf.Dictionary(S=N.Launch, F=pikepdf.String("cmd.exe")), "Launch"),
        (pikepdf.Dictionary(S=N.GoToR, F=pikepdf.String("\\\\10.0.0.1\\share\\a.pdf")), "GoToR"),
        (pikepdf.Dictionary(S=N.SubmitForm, F=pikepdf.String("http://example.invalid/")), "Submit"),
        (pikepdf.Dictionary(S=N.ImportData, F=pikepdf.String("data.fdf")), "ImportData"),
    ],
)
def test_actions_that_leave_the_document_are_refused(action, label):
    data = pdf_bytes(lambda pdf: _link(pdf, action))
    assert refusal(data, f"{label}.pdf").code == "active_content"


def test_a_web_link_is_kept():
    action = pikepdf.Dictionary(S=N.URI, URI=pikepdf.String("https://dichvucong.gov.vn/"))
    data = pdf_bytes(lambda pdf: _link(pdf, action))
    assert inspect_upload(io.BytesIO(data), "co-lien-ket.pdf").kind == "pdf"


def test_opening_at_a_page_is_kept_but_any_other_open_action_is_refused():
    def at_page(pdf):
        pdf.Root.OpenAction = [pdf.pages[0].obj, N.Fit]

    def goto(pdf):
        pdf.Root.OpenAction = pikepdf.Dictionary(S=N.GoTo, D=[pdf.pages[0].obj, N.Fit])

    def uri(pdf):
        pdf.Root.OpenAction = pikepdf.Dictionary(S=N.URI, URI=pikepdf.String("http://x.invalid"))

    assert inspect_upload(io.BytesIO(pdf_bytes(at_page)), "a.pdf").kind == "pdf"
    assert inspect_upload(io.BytesIO(pdf_bytes(goto)), "a.pdf").kind == "pdf"
    assert refusal(pdf_bytes(uri), "a.pdf").code == "active_content"


def test_additional_actions_on_a_page_are_refused():
    def page_aa(pdf):
        pdf.pages[0].AA = pikepdf.Dictionary(
            O=pikepdf.Dictionary(S=N.Named, N=N.NextPage)  # harmless itself; /AA is refused whole
        )

    assert refusal(pdf_bytes(page_aa), "a.pdf").code == "active_content"


def test_an_attached_file_is_refused():
    def attach(pdf):
        pdf.attachments["setup.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00" + b"\x00" * 60)

    assert refusal(pdf_bytes(attach), "a.pdf").code == "active_content"


def test_an_xfa_form_is_refused():
    def xfa(pdf):
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[], XFA=pdf.make_stream(b"<xdp:xdp/>"))

    assert refusal(pdf_bytes(xfa), "a.pdf").code == "active_content"


def test_a_pdf_needing_a_password_is_refused():
    data = pdf_bytes(encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    assert refusal(data, "a.pdf").code == "encrypted"


def test_a_pdf_locked_only_against_editing_is_inspected_and_kept():
    locked = pikepdf.Encryption(
        user="", owner="chu-so-huu", allow=pikepdf.Permissions(modify_other=False)
    )
    data = pdf_bytes(encryption=locked)
    assert inspect_upload(io.BytesIO(data), "a.pdf").kind == "pdf"
    data = pdf_bytes(_open_action_js, encryption=locked)
    assert refusal(data, "a.pdf").code == "active_content"


@pytest.mark.parametrize("keep", [0.5, 0.9, -20])
def test_a_truncated_pdf_is_refused(keep):
    data = pdf_bytes()
    cut = int(len(data) * keep) if keep > 0 else len(data) + keep
    assert refusal(data[:cut], "a.pdf").code == "malformed"


def test_a_pdf_header_over_garbage_is_refused():
    assert refusal(b"%PDF-1.7\n" + b"\x00garbage" * 100, "a.pdf").code == "malformed"


def test_a_pdf_without_pages_is_refused():
    data = raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>")
    assert refusal(data, "a.pdf").code == "malformed"


def test_a_pdf_header_after_leading_junk_is_not_a_pdf():
    # Readers tolerate it; polyglots (a file that is HTML and PDF at once) rely on it.
    data = b"<html><script>alert(1)</script></html>\n" + pdf_bytes()
    assert refusal(data, "a.pdf").code == "type_mismatch"


def test_a_pdf_missing_its_cross_reference_table_is_refused_not_repaired():
    # qpdf could rebuild the table by scanning for objects; a guessed structure is not accepted.
    data = pdf_bytes(object_streams=False)
    cut = data[: data.rindex(b"xref")]
    assert pikepdf.Pdf.open(io.BytesIO(cut)).pages  # repairable...
    assert refusal(cut, "a.pdf").code == "malformed"  # ...but refused
