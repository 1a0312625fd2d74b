"""The printed forms 01–07, read back by poppler as a counter printer would get them: the
Vietnamese text exactly, every font embedded, A4 pages, a QR code that leads to the lookup page,
and a tracking book that lists only what its reader may see."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from PIL import Image

from egov.core.errors import NotFound, ValidationFailed
from egov.dossiers import printing, services
from egov.dossiers.codes import new_lookup_code
from egov.dossiers.models import Decision, Dossier, DossierComponent, SupplementRequest
from egov.dossiers.services import ComponentInput, CounterOutcome
from egov.dossiers.tests.fixtures import vn

MON = vn(2026, 11, 30, 9)  # Monday 30 November 2026, 09:00
NAME = "Lê Văn Hùng"

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils is not installed (make test installs it)"
)


# --- reading a PDF back ---------------------------------------------------------------------------


def _write(tmp_path: Path, pdf: bytes, name: str = "form.pdf") -> Path:
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(tmp_path: Path, pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace (line wraps) folded to single spaces."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(_write(tmp_path, pdf)), "-"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    return " ".join(out.split())


def fonts_of(tmp_path: Path, pdf: bytes) -> list[tuple[str, str]]:
    """(name, embedded) of every font pdffonts lists."""
    out = subprocess.run(
        ["pdffonts", str(_write(tmp_path, pdf))], check=True, capture_output=True, text=True
    ).stdout
    rows = out.splitlines()[2:]  # header and rule
    # name type... encoding emb sub uni object ID: emb is the 5th column from the end
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def page_sizes(tmp_path: Path, pdf: bytes) -> list[str]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(_write(tmp_path, pdf))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.findall(r"Page\s+\d+\s+size:\s+(.*)", out)


def assert_printable(tmp_path: Path, pdf: bytes, *, landscape: bool = False) -> None:
    fonts = fonts_of(tmp_path, pdf)
    assert fonts, "no font in the PDF"
    assert all(emb == "yes" for _, emb in fonts), fonts
    # the serif with Times New Roman's metrics, never a fallback that lacks Vietnamese letters
    assert all(re.search(r"Liberation-?Serif|TimesNewRoman", name) for name, _ in fonts), fonts
    sizes = page_sizes(tmp_path, pdf)
    assert sizes
    expected = "841.89 x 595.276 pts" if landscape else "595.276 x 841.89 pts (A4)"
    assert all(size.startswith(expected) for size in sizes), sizes


# --- dossiers built through the services ----------------------------------------------------------


@pytest.fixture
def hung(applicant):
    return replace(applicant, name=NAME, address="Thôn Phước Lộc, Xã An Hòa")


def _counter(world, applicant, at=MON, **kw):
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    return services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=components, at=at, **kw,
    )  # fmt: skip


def _fwd(d, actor, at, **kw):
    d.refresh_from_db()
    return services.forward(
        actor=actor, dossier_id=d.pk, expected_version=d.row_version, at=at, **kw
    )


# --- dates --------------------------------------------------------------------------------------


def test_dates_in_the_forms_words():
    assert printing.date_words(date(2020, 1, 5)) == "ngày 05 tháng 01 năm 2020"
    assert printing.date_words(date(2019, 6, 29)) == "ngày 29 tháng 6 năm 2019"
    assert printing.date_words(date(2026, 2, 10)) == "ngày 10 tháng 02 năm 2026"
    # 20:30 UTC is 03:30 the next morning in Hanoi
    late = datetime(2026, 11, 30, 20, 30, tzinfo=ZoneInfo("UTC"))
    assert printing.datetime_words(late) == "03 giờ 30 phút, ngày 01 tháng 12 năm 2026"
    assert printing.short_date(late) == "01/12/2026"
    assert printing.datetime_words(None) == "" and printing.date_words(None) == ""


# --- form 01 ------------------------------------------------------------------------------------


def test_receipt_reads_back_in_vietnamese_with_the_appointment(world, hung, tmp_path, settings):
    settings.EGOV_PUBLIC_URL = "https://dichvucong.example.gov.vn"
    d = _counter(world, hung)
    pdf = printing.receipt(d)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 01" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert NAME in text and "Thôn Phước Lộc, Xã An Hòa" in text
    assert f"Mã hồ sơ: {d.code}" in text and d.code == "99001-261130-0001"
    assert f"Mã tra cứu: {d.lookup_code}" in text
    assert world.procedure.current.name in text
    assert "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    # 3 working days from Monday 09:00: Thursday 17:00
    assert "trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 03 tháng 12 năm 2026" in text
    for component in world.procedure.current.components.all():
        assert " ".join(component.name.split()) in text
    assert world.commune.name.upper() in text and world.province.name.upper() in text
    assert f"{world.commune.name}, ngày 30 tháng 11 năm 2026" in text
    assert world.staff["officer"].full_name in text
    # (a long address may wrap: compare without the line breaks)
    assert printing.lookup_url(d) in text.replace(" ", "")
    assert printing.lookup_url(d).startswith("https://dichvucong.example.gov.vn/tra-cuu-ho-so/?")
    assert_printable(tmp_path, pdf)


def test_receipt_lists_only_the_papers_handed_in(world, tmp_path):
    draft = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    draft.components.update(provided=True)
    optional = draft.components.filter(originals=0, copies=0).order_by("position").first()
    optional.provided = False
    optional.save()
    d = services.submit(
        actor=world.citizen, dossier_id=draft.pk, expected_version=draft.row_version, at=MON
    )
    d = services.accept(
        actor=world.staff["officer"], dossier_id=d.pk, expected_version=d.row_version, at=MON
    )
    text = text_of(tmp_path, printing.receipt(d))
    assert "Nguyễn Thị Lan" in text
    for paper in d.components.exclude(pk=optional.pk):
        assert " ".join(paper.name.split()) in text
    assert " ".join(optional.name.split()) not in text


def test_receipt_reads_papers_officer_and_agency_in_one_query(
    world, hung, tmp_path, django_assert_num_queries
):
    d = Dossier.objects.select_related("receiving_unit").get(pk=_counter(world, hung).pk)
    # its query, compiled once (ADR 0005), run with the dossier's id: the queryset's rows
    fields = ("name", "originals", "copies", "officer", *printing._PARENTS)
    rows = [[getattr(r, f) for f in fields] for r in printing._RECEIPT_PAPERS.fetch(d.pk)]
    query = printing._RECEIPT_PAPERS._build(d.pk)
    assert rows and rows == [[getattr(r, f) for f in fields] for r in query]
    assert rows[0][3:] == [
        world.staff["officer"].full_name,
        world.province.name,
        "province",
        None,
        None,
    ]
    assert len(rows) == d.components.filter(provided=True).count()
    assert printing._RECEIPT_PAPERS.fetch(d.pk + 1) == []
    with django_assert_num_queries(1):
        pdf = printing.receipt(d)
    text = text_of(tmp_path, pdf)
    assert world.staff["officer"].full_name in text
    assert world.commune.name.upper() in text and world.province.name.upper() in text
    # no paper handed in: one more query for the officer and the agency
    d.components.update(provided=False)
    with django_assert_num_queries(2):
        pdf = printing.receipt(d)
    text = text_of(tmp_path, pdf)
    assert "STT Tên giấy tờ Bản chính Bản sao –" in text
    assert world.staff["officer"].full_name in text and world.province.name.upper() in text


def test_receipt_agency_read_with_the_papers_is_the_units_own(world):
    """The agency header and the place of the date line, from the receiving unit's parent and
    grandparent read with the papers, are what `_agency` finds walking up the tree (and
    `_agency` itself when the nearest administrative unit is further up)."""
    from egov.units.models import Unit, UnitKind
    from egov.units.services import unit_create

    office = unit_create(
        actor=None, name="Phòng Một Cửa", kind=UnitKind.OFFICE, parent=world.department,
        audit=False,
    )  # fmt: skip
    desk = unit_create(
        actor=None, name="Quầy Số 1", kind=UnitKind.OFFICE, parent=office, audit=False
    )
    for unit in (world.province, world.commune, world.department, office, desk):
        unit = Unit.objects.get(pk=unit.pk)
        parent = unit.parent
        grand = parent.parent if parent else None
        read = [
            parent and parent.name,
            parent and parent.kind,
            grand and grand.name,
            grand and grand.kind,
        ]
        assert printing._agency_of(unit, *read) == printing._agency(unit), unit.name
    assert printing._agency(desk)["place"] == world.province.name


def test_lookup_url_carries_both_codes_to_the_portal_lookup_page(world, hung, settings):
    settings.EGOV_PUBLIC_URL = "https://dvc.example.gov.vn"
    d = _counter(world, hung)
    assert printing.lookup_url(d) == (
        f"https://dvc.example.gov.vn/tra-cuu-ho-so/?ma={d.code}&mtc={d.lookup_code}"
    )
    assert reverse("portal:dossier-lookup") == printing.LOOKUP_PATH


def _drawn_qr(tmp_path: Path, pdf: bytes) -> list[list[bool]]:
    """The QR code as drawn on page 1: no raster image, vector squares in module units (the
    receipt writes `s 0 0 s 0 0 cm` and then one `x y w 1 re` per run of dark modules)."""
    import pikepdf

    subprocess.run(
        ["pdfimages", "-list", str(_write(tmp_path, pdf))], check=True, capture_output=True
    )
    with pikepdf.open(tmp_path / "form.pdf") as doc:
        assert not doc.pages[0].get_images(), "the QR code is drawn, not an image"
        ops = pikepdf.parse_content_stream(doc.pages[0])
    start = next(
        i
        for i, (operands, op) in enumerate(ops[:-1])
        if str(op) == "cm"
        and [float(v) for v in operands[4:]] == [0, 0]
        and str(ops[i + 1][1]) == "re"
    )
    runs = []
    for operands, op in ops[start + 1 :]:
        if str(op) == "f":
            break
        assert str(op) == "re"
        runs.append([int(v) for v in operands])
    n = max(x + w for x, _y, w, _h in runs) + 4  # the quiet zone on the right
    shown = [[False] * n for _ in range(n)]
    for x, y, w, h in runs:
        assert h == 1
        for i in range(x, x + w):
            shown[n - 1 - y][i] = True
    return shown


def test_receipt_qr_code_leads_to_the_lookup_page(world, hung, tmp_path):
    d = _counter(world, hung)
    pdf = printing.receipt(d)
    url = printing.lookup_url(d)
    # the drawn squares are, module for module, the QR code of the lookup URL
    shown = _drawn_qr(tmp_path, pdf)
    assert shown == printing.qr_matrix(url)
    assert shown != printing.qr_matrix(url.replace(d.lookup_code, "AAAAAA"))


def _decode_page(tmp_path: Path, pdf: bytes) -> str:
    path = _write(tmp_path, pdf, "decode.pdf")
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    page = next(tmp_path.glob("page*.png"))
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], check=True, capture_output=True, text=True
    ).stdout.strip()
    page.unlink()
    return out


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools is not installed")
def test_receipt_qr_code_decodes_from_the_printed_page(world, hung, tmp_path):
    d = _counter(world, hung)
    assert _decode_page(tmp_path, printing.receipt(d)) == printing.lookup_url(d)


@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools is not installed")
def test_the_fixed_mask_decodes_for_many_lookup_urls(tmp_path, settings):
    """One mask pattern for every code (printing.QR_MASK), not the best of 8: it must still
    decode whatever the dossier's codes make of the pattern."""
    settings.EGOV_PUBLIC_URL = "https://dichvucong.thanhhoa.gov.vn"
    rng = random.Random(5)
    urls, files = [], []
    for i in range(24):
        code = f"{rng.randint(10000, 99999)}-26{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{i:04d}"
        urls.append(printing.lookup_url(Dossier(code=code, lookup_code=new_lookup_code())))
        matrix = printing.qr_matrix(urls[-1])
        image = Image.new("L", (len(matrix), len(matrix)), 255)
        image.putdata([0 if dark else 255 for row in matrix for dark in row])
        files.append(tmp_path / f"qr{i}.png")
        image.resize((len(matrix) * 6,) * 2, Image.NEAREST).save(files[-1])
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert out == urls


def test_qr_codewords_are_the_qrcode_modules_own():
    """printing computes the QR version and codewords itself (in whole bytes): the same as the
    `qrcode` module's best fit and Reed–Solomon coding, for URLs, digits and upper-case text of
    many lengths (several versions and block layouts), so the printed matrix is too."""
    import qrcode
    from qrcode import util

    rng = random.Random(7)
    texts = [
        "https://dichvucong.example.gov.vn/tra-cuu-ho-so/?ma="
        + "".join(rng.choice("0123456789-") for _ in range(n))
        + f"&mtc={new_lookup_code()}"
        for n in range(0, 120, 7)
    ]
    texts += ["".join(rng.choice("0123456789") for _ in range(n)) for n in (1, 2, 3, 50, 400)]
    texts += ["".join(rng.choice(util.ALPHA_NUM.decode()) for _ in range(n)) for n in (1, 77, 300)]
    for text in texts:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(text)
        version = code.best_fit()
        expected = util.create_data(version, code.error_correction, code.data_list)
        assert printing._qr_codewords(code.error_correction, code.data_list) == (version, expected)
        assert printing.qr_matrix(text) == printing._qr(text, printing.QR_MASK).get_matrix()


# Real checklists list 24–33 papers, some of several thousand characters (procedures.json).
MANY = [
    f"Bản sao giấy tờ số {i}: Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản"
    f" khác gắn liền với đất của người được ủy quyền (đối với trường hợp ủy quyền) – lần {i}"
    for i in range(1, 34)
]
LONG = " ".join(
    ["Một trong những giấy tờ hợp pháp về đất đai chứng minh sự phù hợp mục đích sử dụng đất"]
    + [
        f"+ Giấy tờ thứ {i} theo quy định tại Điều 53 của Nghị định số 175/2024/NĐ-CP;"
        for i in range(90)
    ]
)


def test_receipt_with_many_papers_reads_back_over_several_pages(world, hung, tmp_path):
    d = _counter(world, hung)
    papers = [DossierComponent(name=name, originals=i % 2, copies=1) for i, name in enumerate(MANY)]
    papers.insert(7, DossierComponent(name=LONG, originals=1, copies=0))  # longer than a page
    pdf = printing.render_receipt(d, papers, "Trần Thị Ngọc Ánh")
    assert_printable(tmp_path, pdf)
    pages = page_sizes(tmp_path, pdf)
    assert len(pages) >= 4
    text = text_of(tmp_path, pdf)
    for name in MANY:
        assert name in text
    # the paper longer than a page goes on over two page breaks (pdftotext reads the pieces
    # with the next page's number and header between them): every piece of it is there
    for i in range(90):
        assert f"+ Giấy tờ thứ {i} " in text
    assert f"{MANY[6]} 0 1 2 STT Tên giấy tờ Bản chính Bản sao 8 {LONG[:80]}" in text
    # numbered in order, the table's header repeated on every page of it
    assert text.index(MANY[0]) < text.index(LONG[:80]) < text.index(MANY[7]) < text.index(MANY[-1])
    assert f"34 {MANY[-1]} 0 1" in text
    assert text.count("STT Tên giấy tờ Bản chính Bản sao") >= 3
    # after the table: the appointment and the signatures
    rest = text[text.index(MANY[-1]) :]
    assert (
        "Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 03 tháng 12 năm 2026" in rest
    )
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in rest and "Trần Thị Ngọc Ánh" in rest
    # pages after the first carry their number at the top
    for number in range(2, len(pages) + 1):
        page = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-enc", "UTF-8",
             str(tmp_path / "form.pdf"), "-"], check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert page.split()[0] == str(number)
    if shutil.which("zbarimg"):
        assert _decode_page(tmp_path, pdf) == printing.lookup_url(d)


def test_a_paragraph_moved_whole_to_the_next_page_is_printed(world, hung, tmp_path):
    """A paragraph of several lines that finds room for one line only at the foot of a page
    goes whole to the next page (no orphan line), broken into lines again there: with one
    more paper at a time, the delivery address meets the foot of page 1 (with 6 papers)."""
    d = _counter(world, hung)
    d.delivery_address = ", ".join(
        f"Thôn Phước Lộc {i}, Xã An Hòa, Tỉnh Thử Nghiệm" for i in range(6)
    )
    printed = f"({d.delivery_address})".split()
    for count in range(4, 10):
        papers = [DossierComponent(name=name, originals=1, copies=1) for name in MANY[:count]]
        words = iter(text_of(tmp_path, printing.render_receipt(d, papers, "Trần Văn Bình")).split())
        # every word, in order (a page break may put the next page's number between two lines)
        assert all(word in words for word in printed), count


@pytest.mark.parametrize(
    ("runs", "markup"),
    [
        (("Ông/Bà (tổ chức): ", "Bold:Lê Văn Hùng"), "Ông/Bà (tổ chức): <b>Lê Văn Hùng</b>"),
        (("  Địa chỉ:  ", "\n Thôn  Phước\tLộc \n"), "  Địa chỉ:  \n Thôn  Phước\tLộc \n"),
        (("Mã: ", "Bold:  X  Y ", " sau "), "Mã: <b>  X  Y </b> sau "),
        (("x: ", "Bold:"), "x: <b></b>"),
        (("Bold: a ", "b & <c> "), "<b> a </b>b &amp; &lt;c&gt; "),
        (("Số: 1\xa0\xa0 Thư: ", "—"), "Số: 1&nbsp;&nbsp; Thư: —"),
    ],
)
def test_receipt_paragraphs_are_made_as_the_markup_parser_makes_them(runs, markup):
    """Form 01 builds its paragraphs' fragments without writing and parsing markup: the same
    runs of text in the same fonts, white space cleaned the same way, the same lines."""
    from reportlab.platypus import Paragraph

    from egov.dossiers import receipt_pdf

    receipt_pdf.register_fonts()
    style = receipt_pdf.STYLES_OF_FORM.body
    made = receipt_pdf.Para.of(
        style,
        *(receipt_pdf.Bold(r[5:]) if r.startswith("Bold:") else r for r in runs),
    )
    parsed = Paragraph(markup, style)

    def runs_of(para):
        merged = []
        for frag in para.frags:
            if merged and merged[-1][0] == frag.fontName:
                merged[-1][1] += frag.text
            else:
                merged.append([frag.fontName, frag.text])
        return merged

    assert runs_of(made) == runs_of(parsed)
    for width in (60, 400):
        assert made.wrap(width, 1000) == parsed.wrap(width, 1000)


def test_receipt_shortcuts_change_no_byte(world, hung, monkeypatch):
    """Form 01 encodes its text and breaks its lines by shortcuts of its own (FormFont,
    Para.breakLines): the PDF is byte for byte the one ReportLab's own code makes, for long
    and odd papers (a word wider than the column, white space, markup characters)."""
    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph

    from egov.dossiers import receipt_pdf

    monkeypatch.setattr(rl_config, "invariant", 1)  # no dates or random ids in the PDF
    d = _counter(world, hung)
    d.applicant_name, d.applicant_phone = "  Đỗ   Thị\tÁnh & <b>co</b> ", "09\xa012"
    # (Greek and Cyrillic: more than the 256 characters of one font subset)
    alphabets = " ".join(
        map(chr, [*range(0x391, 0x3AA), *range(0x3B1, 0x3CA), *range(0x410, 0x450)])
    )
    names = [*MANY[:9], LONG, "x" * 300, " Tờ  khai\n(bản\xa0chính) ", "A & B < C", alphabets] * 2
    papers = [DossierComponent(name=name, originals=1, copies=i) for i, name in enumerate(names)]
    ours = printing.render_receipt(d, papers, "Trần Văn Bình")
    monkeypatch.setattr(receipt_pdf.FormFont, "splitString", TTFont.splitString)
    monkeypatch.setattr(receipt_pdf.Para, "breakLines", Paragraph.breakLines)
    assert printing.render_receipt(d, papers, "Trần Văn Bình") == ours


def test_receipt_without_papers_still_prints(world, hung, tmp_path):
    d = _counter(world, hung)
    text = text_of(tmp_path, printing.render_receipt(d, [], ""))
    assert "STT Tên giấy tờ Bản chính Bản sao –" in text
    assert "Số lượng hồ sơ: 1 bộ" in text


def test_receipt_prints_what_the_weasyprint_template_printed(world, hung, tmp_path, settings):
    """Every word of the former WeasyPrint receipt (kept as the layout's reference) is on the
    ReportLab one, and the applicant's optional fields come and go the same way."""
    settings.EGOV_PUBLIC_URL = "https://dvc.example.gov.vn"
    d = _counter(world, replace(hung, tax_code="0100109106", phone="0912345678", email=""))
    papers = list(d.components.order_by("position"))
    new = text_of(tmp_path, printing.render_receipt(d, papers, "Trần Văn Bình"))
    old = text_of(tmp_path, printing.render_receipt_html(d, papers, "Trần Văn Bình"))
    assert set(old.split()) <= set(new.split())
    assert "Mã số thuế: 0100109106" in new and "Số điện thoại: 0912345678" in new
    assert "Thư điện tử: ……………" in new  # no e-mail given: the dotted blank
    assert "Nhận kết quả tại: Nhận tại bộ phận một cửa" in new


def test_receipt_needs_a_received_dossier(world, hung):
    d = _counter(world, hung, outcome=CounterOutcome.SUPPLEMENT, items="Tờ khai", reason="Thiếu")
    with pytest.raises(ValidationFailed) as exc:
        printing.receipt(d)
    assert exc.value.code == "not_received"
    draft = services.draft_create(
        actor=world.citizen, procedure=world.procedure, unit=world.commune
    )
    with pytest.raises(ValidationFailed) as exc:
        printing.receipt(draft)
    assert exc.value.code == "no_code"


def test_hostile_text_is_printed_as_text(world, hung, tmp_path):
    evil = '<img src="http://127.0.0.1:9/x.png"> Đỗ Thị Ánh'
    d = _counter(world, replace(hung, name=evil))
    text = text_of(tmp_path, printing.receipt(d))
    assert evil in text


def test_the_renderer_fetches_nothing():
    fetcher = printing._url_fetcher()
    for url in ("http://127.0.0.1:9/x.png", "https://example.com/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher(url)
    assert fetcher(printing.qr_data_uri("x")).read().startswith(b"\x89PNG")


# --- forms 02–05 --------------------------------------------------------------------------------


def test_supplement_request_form_02(world, hung, tmp_path):
    d = _counter(world, hung)
    d = services.request_supplement(
        actor=world.staff["specialist"], dossier_id=d.pk, expected_version=d.row_version,
        items="Bản sao giấy khai sinh của người được giám hộ; tờ khai đăng ký giám hộ",
        reason="Thiếu giấy tờ chứng minh", at=vn(2026, 11, 30, 11),
    )  # fmt: skip
    request = d.supplements.get()
    pdf = printing.supplement_request(d, request)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 02" in text and "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert f"Kính gửi: {NAME}" in text and d.code in text
    assert "Bản sao giấy khai sinh của người được giám hộ; tờ khai đăng ký giám hộ" in text
    assert "Lý do: Thiếu giấy tờ chứng minh" in text
    assert "ngày 30 tháng 11 năm 2026" in text
    assert world.staff["specialist"].full_name in text
    assert_printable(tmp_path, pdf)
    # the latest request by default
    assert text_of(tmp_path, printing.supplement_request(d)) == text


def test_refusal_form_03(world, hung, tmp_path):
    d = _counter(
        world, hung, outcome=CounterOutcome.REFUSE, reason="Không thuộc thẩm quyền giải quyết"
    )
    pdf = printing.refusal(d)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 03" in text and "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert NAME in text and d.code in text and world.procedure.current.name in text
    assert "Không thuộc thẩm quyền giải quyết" in text
    assert "Thời gian nộp hồ sơ: 09 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert_printable(tmp_path, pdf)


def test_extension_request_form_04(world, hung, tmp_path):
    d = _counter(world, hung)
    d = services.extend(
        actor=world.staff["leader"], dossier_id=d.pk, expected_version=d.row_version,
        new_due_at=vn(2026, 12, 10, 16, 30), reason="Cần xác minh thêm tại địa phương", at=MON,
    )  # fmt: skip
    decision = d.decisions.get(kind=Decision.Kind.EXTENSION)
    pdf = printing.extension_request(d, decision)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 04" in text
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert f"Kính gửi: {NAME}" in text and d.code in text
    assert "Cần xác minh thêm tại địa phương" in text
    assert "Thời gian hẹn trả kết quả mới: 16 giờ 30 phút, ngày 10 tháng 12 năm 2026" in text
    assert "Thời gian tiếp nhận hồ sơ: 09 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert world.procedure.current.field.name in text
    assert world.staff["leader"].full_name in text
    assert_printable(tmp_path, pdf)


def test_stop_notice_form_05(world, hung, tmp_path):
    d = _counter(world, hung)
    d = services.stop(
        actor=world.staff["leader"], dossier_id=d.pk, expected_version=d.row_version,
        reason="Người nộp không bổ sung hồ sơ đúng hạn", at=vn(2026, 12, 2, 8),
    )  # fmt: skip
    pdf = printing.stop_notice(d)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 05" in text and "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert NAME in text and d.code in text
    assert "Người nộp không bổ sung hồ sơ đúng hạn" in text
    assert "ngày 02 tháng 12 năm 2026" in text
    assert_printable(tmp_path, pdf)


def test_a_decision_of_another_dossier_or_kind_is_refused(world, hung):
    d = _counter(world, hung, outcome=CounterOutcome.REFUSE, reason="Không thuộc thẩm quyền")
    other = _counter(world, hung)
    with pytest.raises(ValidationFailed) as exc:
        printing.refusal(other, d.decisions.get())
    assert exc.value.code == "not_of_dossier"
    with pytest.raises(ValidationFailed) as exc:
        printing.stop_notice(d, d.decisions.get())  # a refusal is not a stop
    assert exc.value.code == "not_of_dossier"
    with pytest.raises(ValidationFailed) as exc:
        printing.stop_notice(other)
    assert exc.value.code == "nothing_to_print"
    foreign = SupplementRequest(dossier_id=d.pk, items="x", reason="y", requested_at=MON)
    with pytest.raises(ValidationFailed):
        printing.supplement_request(other, foreign)


# --- form 06 ------------------------------------------------------------------------------------


def test_control_slip_form_06_lists_every_hand_over(world, hung, tmp_path):
    s, dp = world.staff, world.dept
    d = _counter(world, hung)
    _fwd(d, s["specialist"], MON + timedelta(hours=2))
    _fwd(d, dp["officer"], MON + timedelta(hours=3))
    d.refresh_from_db()
    pdf = printing.control_slip(d)
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 06" in text and "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Kèm theo hồ sơ của: {NAME}" in text and d.code in text
    assert "Tên cơ quan" in text and "Thời gian giao, nhận hồ sơ" in text
    # reception at 09:00, appraisal handed over at 11:00, taken in by the department at 12:00
    assert "09 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert "11 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert "12 giờ 00 phút, ngày 30 tháng 11 năm 2026" in text
    assert f"Người giao: {s['specialist'].full_name}" in text
    assert f"Người nhận: {dp['officer'].full_name}" in text
    assert f"Nhận: {world.department.name}" in text
    assert "Trước hạn" in text or "Đúng hạn" in text
    assert_printable(tmp_path, pdf)


# --- form 07 ------------------------------------------------------------------------------------


def test_tracking_book_form_07_lists_only_what_the_user_may_see(world, hung, tmp_path):
    s, o = world.staff, world.other
    first = _counter(world, hung)
    second = _counter(world, replace(hung, name="Phạm Thị Ngọc Ánh"), at=vn(2026, 12, 1, 10))
    later = _counter(world, replace(hung, name="Hoàng Văn Sau"), at=vn(2026, 12, 8, 10))
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    elsewhere = services.counter_receive(
        actor=o["officer"], unit=world.other_commune, procedure=world.procedure,
        applicant=replace(hung, name="Trương Thị Khác"), components=components, at=MON,
    )  # fmt: skip
    _fwd(first, s["specialist"], MON + timedelta(hours=1))  # sent to the department

    pdf = printing.tracking_book(world.commune, date(2026, 11, 30), date(2026, 12, 7), s["clerk"])
    text = text_of(tmp_path, pdf)
    assert "Mẫu số 07" in text and "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 30/11/2026 đến ngày 07/12/2026" in text
    assert first.code in text and NAME in text
    assert second.code in text and "Phạm Thị Ngọc Ánh" in text
    assert text.index(first.code) < text.index(second.code)
    assert later.code not in text and "Hoàng Văn Sau" not in text  # outside the period
    assert elsewhere.code not in text and "Trương Thị Khác" not in text  # another commune
    assert world.department.name in text  # where the first one was transferred
    assert "03/12/2026" in text  # the first one's appointment
    assert_printable(tmp_path, pdf, landscape=True)

    # the other commune's book has its own dossier only
    theirs = text_of(
        tmp_path,
        printing.tracking_book(
            world.other_commune, date(2026, 11, 30), date(2026, 11, 30), o["leader"]
        ),
    )
    assert elsewhere.code in theirs and first.code not in theirs
    # nobody prints the book of a unit they hold no dossier right on: not even the department
    # that worked on one of its dossiers, nor a citizen
    for outsider in (o["officer"], world.dept["specialist"], world.citizen):
        with pytest.raises(NotFound):
            printing.tracking_book(world.commune, date(2026, 11, 30), date(2026, 12, 7), outsider)


def test_tracking_book_period_is_checked(world):
    clerk = world.staff["clerk"]
    with pytest.raises(ValidationFailed):
        printing.tracking_book(world.commune, date(2026, 12, 2), date(2026, 12, 1), clerk)
    with pytest.raises(ValidationFailed):
        printing.tracking_book(world.commune, date(2025, 1, 1), date(2026, 1, 2), clerk)
    with pytest.raises(ValidationFailed):
        printing.tracking_book(world.commune, MON, date(2026, 12, 1), clerk)


def test_empty_tracking_book_still_prints(world, tmp_path):
    pdf = printing.tracking_book(
        world.commune, date(2026, 1, 1), date(2026, 1, 31), world.staff["officer"]
    )
    text = text_of(tmp_path, pdf)
    assert "Không có hồ sơ trong thời gian này." in text
    assert "Từ ngày 01/01/2026 đến ngày 31/01/2026" in text
