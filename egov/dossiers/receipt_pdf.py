"""Form 01 (receipt and appointment slip) laid out by ReportLab, not WeasyPrint.

Why: the receipt is printed at the counter while the applicant waits, and WeasyPrint's CSS
cascade and Pango layout cost 170 ms to 1 s for it (bench/README.md, "printed forms"). ReportLab
places the same content with explicit geometry in a few tens of milliseconds. The other forms stay
on WeasyPrint (`printing.render_pdf`): they are printed rarely.

The layout follows `dossiers/forms/01_receipt.html` and `print.css` (A4, margins 20/15/20/30 mm,
13 pt body, "Mẫu số 01", agency header and national motto with their rules, date line, title,
the code, the QR code beside the applicant, the numbered papers table with its header repeated on
every page, the appointment, the signatures kept together) and prints every field that template
prints. Pages after the first carry their number at the top (DOMAIN.md 7.8).

Fonts: the serif with Times New Roman's metrics that WeasyPrint gets from fontconfig ("Times New
Roman", else Debian's fonts-liberation2 "Liberation Serif"), found with `fc-match` (or in the usual
Debian folder), checked to hold Vietnamese letters, and embedded as subsets. ReportLab does no
shaping, so every text is composed to NFC first (precomposed letters, no combining marks).

The QR code is drawn as vector rectangles from the `qrcode` module matrix (`printing.qr_matrix`),
one rectangle per horizontal run of dark modules.

Speed (issue 5: the receipt within 6 times a trivial one-line PDF of the same engine,
bench/README.md "form 01, faster"): the paragraphs are made from their runs of text
(`Para.of`), not written as markup and parsed; plain paragraphs are broken into lines measuring
each word once (`Para.breakLines`); a line's text is encoded with one `str.translate` once its
characters are known (`FormFont.splitString`); the papers table (`PapersTable`) and the
side-by-side blocks (`Columns`) are drawn directly with the geometry ReportLab's `Table` gave
them. The tests hold the PDF byte for byte to ReportLab's own line breaking and encoding. What
is left is mostly ReportLab's own per-document work: subsetting, compressing and describing the
three font faces (about half of the time), then laying out and drawing the paragraphs.
"""

from __future__ import annotations

import glob
import io
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    paragraph,
)

FAMILY = "FormSerif"
STYLES = {
    FAMILY: "Regular",
    f"{FAMILY}-Bold": "Bold",
    f"{FAMILY}-Italic": "Italic",
    f"{FAMILY}-BoldItalic": "Bold Italic",
}
ACCEPTED_FAMILIES = ("Times New Roman", "Liberation Serif")
VIETNAMESE_PROBE = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯ"
DEBIAN_FOLDER = "/usr/share/fonts/truetype/liberation2"

MARGINS = {"top": 20 * mm, "right": 15 * mm, "bottom": 20 * mm, "left": 30 * mm}
BODY = 13
LEADING = 1.25
RULE = 0.6
QR_SIZE = 30 * mm

_lock = threading.Lock()
_registered = False


# --- fonts --------------------------------------------------------------------------------------


def _fc_match(style: str) -> str | None:
    """The file fontconfig gives for the forms' family in `style`, if it is one we accept."""
    for family in ACCEPTED_FAMILIES:
        try:
            out = subprocess.run(
                ["fc-match", "--format=%{family}\t%{file}", f"{family}:style={style}"],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        found, _, path = out.partition("\t")
        if family in found.split(",") and path.lower().endswith(".ttf"):
            return path
    return None


def _font_file(style: str) -> str:
    path = _fc_match(style)
    if path is None:
        name = "LiberationSerif-" + style.replace(" ", "")
        found = glob.glob(f"{DEBIAN_FOLDER}/{name}.ttf")
        path = found[0] if found else None
    if path is None:
        raise ImproperlyConfigured(
            f"No 'Times New Roman' or 'Liberation Serif' {style} font for the printed forms "
            "(on Debian: apt-get install fonts-liberation2)."
        )
    return path


class FormFont(TTFont):
    """A TrueType font whose text encoding (`splitString`, called for every line drawn) maps a
    text of characters already met in the document with one `str.translate`; ReportLab loops
    over every character in Python. Anything new goes through ReportLab, which assigns it its
    code in the document's subset, and is remembered."""

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802 (ReportLab's name)
        state = self.state.get(doc)
        known = getattr(state, "egov_known", None)
        if known is not None and text and isinstance(text, str) and known.issuperset(text):
            return [(0, text.translate(state.egov_codes).encode("latin-1"))]
        pieces = super().splitString(text, doc, encoding)
        state = self.state[doc]
        assignments = state.assignments
        if known is None:  # the characters ReportLab has put in the first subset beforehand
            known = state.egov_known = set()
            state.egov_codes = {}
            chars = {chr(code) for code in assignments} | {"\xa0"}
        else:
            chars = set(text if isinstance(text, str) else text.decode("utf-8"))
        for char in chars:
            code = assignments.get(32 if char == "\xa0" else ord(char))
            if code is not None and code < 256:
                known.add(char)
                state.egov_codes[ord(char)] = code
        return pieces


def register_fonts() -> None:
    """Register the four styles once per process (reading a TrueType file costs milliseconds)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, style in STYLES.items():
            font = FormFont(name, _font_file(style))
            missing = [ch for ch in VIETNAMESE_PROBE if ord(ch) not in font.face.charToGlyph]
            if missing:
                raise ImproperlyConfigured(
                    f"The font {font.face.name!r} lacks Vietnamese letters {''.join(missing)!r} "
                    "(the old fonts-liberation; install fonts-liberation2)."
                )
            pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            FAMILY,
            normal=FAMILY,
            bold=f"{FAMILY}-Bold",
            italic=f"{FAMILY}-Italic",
            boldItalic=f"{FAMILY}-BoldItalic",
        )
        # Binary (Flate only) streams: ReportLab's default ASCII85 layer over them is pure Python
        # and costs more time than it saves anything (process-wide; only these forms use it).
        rl_config.useA85 = 0
        _registered = True


# --- styles -------------------------------------------------------------------------------------


def _style(name: str, size: float = BODY, **kw) -> ParagraphStyle:
    kw.setdefault("fontName", FAMILY)
    kw.setdefault("leading", size * LEADING)
    kw.setdefault("spaceAfter", 1.2 * mm)
    return ParagraphStyle(name, fontSize=size, **kw)


class _Styles:
    def __init__(self) -> None:
        self.body = _style("body")
        self.form_no = _style(
            "form_no", 12, fontName=f"{FAMILY}-Bold", alignment=TA_RIGHT, spaceAfter=2 * mm
        )
        self.header = _style("header", 12, alignment=TA_CENTER, spaceAfter=0)
        self.dated = _style(
            "dated",
            fontName=f"{FAMILY}-Italic",
            alignment=TA_RIGHT,
            spaceBefore=1 * mm,
            spaceAfter=4 * mm,
        )
        self.title = _style(
            "title",
            14,
            fontName=f"{FAMILY}-Bold",
            alignment=TA_CENTER,
            spaceBefore=4 * mm,
            spaceAfter=1 * mm,
        )
        self.code = _style("code", alignment=TA_CENTER, spaceAfter=4 * mm)
        self.caption = _style("caption", 9, alignment=TA_CENTER, spaceAfter=0)
        self.cell = _style("cell", 12, spaceAfter=0)
        self.small = _style("small", 11)
        self.sign = _style("sign", alignment=TA_CENTER, spaceAfter=0)
        self.sign_hint = _style(
            "sign_hint", 12, fontName=f"{FAMILY}-Italic", alignment=TA_CENTER, spaceAfter=0
        )


STYLES_OF_FORM = _Styles()


# --- flowables ----------------------------------------------------------------------------------


def text(value: object) -> str:
    """Plain text composed to NFC (ReportLab does no shaping: precomposed letters only)."""
    return unicodedata.normalize("NFC", str(value if value is not None else ""))


class Bold(str):
    """A run of a paragraph printed in bold."""


_WHITESPACE = frozenset(paragraph._wsc)
_prototypes: dict[tuple[int, bool], tuple[ParagraphStyle, Any]] = {}


def _prototype(style: ParagraphStyle, bold: bool) -> Any:
    """The fragment ReportLab's markup parser makes for a plain or bold run in `style`."""
    key = (id(style), bold)
    known = _prototypes.get(key)
    if known is None or known[0] is not style:
        known = _prototypes[key] = (style, Paragraph("<b>x</b>" if bold else "x", style).frags[0])
    return known[1]


def _collapse(run: str, *, starts: bool, ends: bool) -> str:
    """`run` as ReportLab's markup cleaning leaves the text between two tags: every run of
    white space one space (no-break spaces kept), none at the start or end of the paragraph
    (`starts`, `ends`)."""
    inner = " ".join(word for word in paragraph.split(run) if word)
    lead = " " if run[:1] in _WHITESPACE and not starts else ""
    trail = " " if run[-1:] in _WHITESPACE and not ends and inner else ""
    return f"{lead}{inner}{trail}"


# Words' widths by font and size, kept in the process (checklists repeat their words from one
# dossier to the next; measuring one costs about 2 µs, looking it up a tenth of that).
WORD_WIDTHS_KEPT = 20_000  # by font and size: a few MB at most
_widths: dict[tuple[str, float], dict[str, float]] = {}


def _word_widths(font: Any, size: float, words: list[str]) -> list[float]:
    known = _widths.setdefault((font.fontName, size), {})
    found = []
    for word in words:
        width = known.get(word)
        if width is None:
            width = font.stringWidth(word, size)
            if len(known) < WORD_WIDTHS_KEPT:
                known[word] = width
        found.append(width)
    return found


class Para(Paragraph):
    """A paragraph that keeps its line breaking for the width it was made for (it depends on
    nothing else): tables wrap their cells more than once, and the papers table wraps every
    remaining row again at each page break (a 33-paper receipt broke each name 4–5 times)."""

    @classmethod
    def of(cls, style: ParagraphStyle, *runs: str) -> Para:
        """The paragraph of these runs of plain text (`Bold` ones in bold), made without
        writing and parsing markup (ReportLab's parser costs about as much as breaking the
        lines): the fragments the parser would make, whitespace cleaned as it cleans it."""
        merged: list[tuple[bool, str]] = []
        for run in runs:
            bold = isinstance(run, Bold)
            if merged and merged[-1][0] == bold:
                merged[-1] = (bold, merged[-1][1] + text(run))
            else:
                merged.append((bold, text(run)))
        frags = []
        for index, (bold, run) in enumerate(merged):
            cleaned = _collapse(
                run,
                starts=index == 0 and not bold,
                ends=index == len(merged) - 1 and not bold,
            )
            if cleaned:
                frags.append(_prototype(style, bold).clone(text=cleaned, link=[], us_lines=[]))
        return cls(None, style, frags=frags)

    def breakLines(self, width):  # noqa: N802 (ReportLab's name)
        """ReportLab's line breaking for the plain case (one fragment, no hyphenation, no word
        wider than a line), with each word measured by one call to the font (ReportLab goes
        through three layers of lookups a word); anything else is left to ReportLab."""
        widths = list(width) if isinstance(width, (tuple, list)) else [width]
        style, frags = self.style, self.frags
        if (
            len(frags) != 1
            or not hasattr(frags[0], "text")
            or "\xad" in frags[0].text
            or style.endDots
            or style.wordWrap
            or style.shaping
            or style.hyphenationLang
            or style.uriWasteReduce
            or style.embeddedHyphenation
            or getattr(self, "bulletText", None)
            or hasattr(frags[0], "cbDefn")
            or hasattr(frags[0], "backColor")
            or paragraph._processed_frags(frags)
        ):
            return super().breakLines(width)
        frag = frags[0]
        size, font = frag.fontSize, pdfmetrics.getFont(frag.fontName)
        ascent, descent = pdfmetrics.getAscentDescent(frag.fontName, size)
        words = paragraph.split(paragraph.strip(frag.text))
        if not words or words == [""]:
            return super().breakLines(width)
        sizes = _word_widths(font, size, words)
        if max(sizes) > min(widths):
            return super().breakLines(width)  # a word to split over lines
        self._width_max = self.height = 0
        self._splitLongWordCount = self._hyphenations = 0
        space = font.stringWidth(" ", size)
        shrink = style.spaceShrinkage * space
        lines: list[tuple[float, list[str]]] = []
        line: list[str] = []
        used, number, room = -space, 0, widths[0]
        for word, word_width in zip(words, sizes, strict=True):
            wider = used + space + word_width
            if wider <= room + shrink * len(line) or not line:
                line.append(word)
                used = wider
            else:
                self._width_max = max(self._width_max, used)
                lines.append((room - used, line))
                line, used = [word], word_width
                number += 1
                room = widths[min(len(widths) - 1, number)]
        self._width_max = max(self._width_max, used)
        lines.append((room - used, line))
        return frag.clone(kind=0, lines=lines, ascent=ascent, descent=descent, fontSize=size)

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        # (`split` drops the line breaking when the paragraph does not fit and goes whole to
        # the next page: then it is broken again)
        if availWidth == getattr(self, "_wrapped_at", None) and hasattr(self, "blPara"):
            return self.width, self.height
        self._wrapped_at = availWidth
        return super().wrap(availWidth, availHeight)


class QRCode(Flowable):
    """A QR module matrix (quiet zone included) drawn as filled rectangles, `size` square."""

    def __init__(self, matrix: list[list[bool]], size: float) -> None:
        super().__init__()
        self.matrix, self.size = matrix, size
        self.width = self.height = size

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        return self.size, self.size

    def draw(self) -> None:
        # In module units, so that every coordinate is a small integer written as is (ReportLab's
        # pure-Python number formatting would cost more than the rest of the code).
        n = len(self.matrix)
        ops = ["q", "0 g", f"{self.size / n:.6f} 0 0 {self.size / n:.6f} 0 0 cm"]
        for y, row in enumerate(self.matrix):
            bottom = n - 1 - y
            x = 0
            while x < n:
                if row[x]:
                    start = x
                    while x < n and row[x]:
                        x += 1
                    ops.append(f"{start} {bottom} {x - start} 1 re")
                else:
                    x += 1
        ops += ["f", "Q"]
        self.canv.addLiteral("\n".join(ops))


class Rule(Flowable):
    """A centred horizontal rule, `fraction` of the available width, under a header block."""

    def __init__(self, fraction: float) -> None:
        super().__init__()
        self.fraction = fraction

    def wrap(self, availWidth, availHeight):  # noqa: N803
        self.width = availWidth
        return availWidth, 1 * mm + RULE

    def draw(self) -> None:
        length = self.width * self.fraction
        start = (self.width - length) / 2
        self.canv.setLineWidth(RULE)
        self.canv.line(start, RULE / 2, start + length, RULE / 2)


# --- the document -------------------------------------------------------------------------------


def _document(buffer: io.BytesIO, title: str) -> BaseDocTemplate:
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=MARGINS["top"],
        rightMargin=MARGINS["right"],
        bottomMargin=MARGINS["bottom"],
        leftMargin=MARGINS["left"],
        title=title,
        lang="vi",
        creator="egov",
        # the canvas's own initial font would otherwise be an unembedded Helvetica
        initialFontName=FAMILY,
        initialFontSize=BODY,
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates(
        [
            PageTemplate("first", [frame], autoNextPageTemplate="later"),
            PageTemplate("later", [frame], onPage=_page_number),
        ]
    )
    return doc


def _page_number(canvas, doc) -> None:
    """Pages after the first: the number centred in the top margin (DOMAIN.md 7.8)."""
    canvas.saveState()
    canvas.setFont(FAMILY, BODY)
    centre = A4[0] / 2 + (MARGINS["left"] - MARGINS["right"]) / 2
    canvas.drawCentredString(centre, A4[1] - 12 * mm, str(doc.page))
    canvas.restoreState()


def trivial_pdf() -> bytes:
    """The ReportLab baseline B_pdf: one line ("Hồ sơ") on an A4 page in the forms' font,
    through the same document template as form 01."""
    register_fonts()
    buffer = io.BytesIO()
    _document(buffer, "Hồ sơ").build([Para("Hồ sơ", STYLES_OF_FORM.body)])
    return buffer.getvalue()


@dataclass(frozen=True)
class Paper:
    name: str
    originals: int | str
    copies: int | str


@dataclass(frozen=True)
class ReceiptContent:
    """Everything form 01 prints, as text (`printing.render_receipt` fills it)."""

    title: str
    agency_parent: str
    agency_name: str
    place: str
    dated: str
    code: str
    receiving_unit: str
    applicant_name: str
    applicant_id_number: str
    applicant_tax_code: str
    applicant_address: str
    applicant_phone: str
    applicant_email: str
    subject: str
    papers: list[Paper]
    sets: int | str
    received_at: str
    due_at: str
    delivery: str
    lookup_code: str
    lookup_url: str
    officer: str
    qr: list[list[bool]]


class Columns(Flowable):
    """Flowables side by side, each column's from its top, with the geometry of a one-row
    `Table` whose cells have no padding but `indents` on the left (VALIGN TOP, ALIGN LEFT), as
    the header, the applicant beside the QR code and the signatures were laid out: a `Table`
    costs about as much again as its paragraphs in style commands and cell bookkeeping. It is
    not split: it goes whole to the next page."""

    def __init__(self, columns: list[list[Flowable]], widths: list[float], *,
                 indents: list[float] | None = None, space_before: float = 0) -> None:  # fmt: skip
        super().__init__()
        self.columns, self.widths = columns, widths
        self.indents = indents or [0.0] * len(widths)
        self.spaceBefore = space_before
        self.width = sum(widths)
        self._sizes: list[list[tuple[float, float]]] = []

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        self._sizes, heights = [], [0.0]
        for flowables, width, indent in zip(self.columns, self.widths, self.indents, strict=True):
            sizes = [f.wrapOn(self.canv, width - indent, 72000) for f in flowables]
            self._sizes.append(sizes)
            if flowables:
                spaces = sum(f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)
                edges = flowables[0].getSpaceBefore() + flowables[-1].getSpaceAfter()
                heights.append(sum(h for _, h in sizes) + spaces - edges)
        self.height = max(heights)
        return self.width, self.height

    def split(self, availWidth, availHeight):  # noqa: N803
        return []

    def draw(self) -> None:
        left = 0.0
        for flowables, sizes, width, indent in zip(
            self.columns, self._sizes, self.widths, self.indents, strict=True
        ):
            y = self.height + (flowables[0].getSpaceBefore() if flowables else 0)
            for flowable, (_, height) in zip(flowables, sizes, strict=True):
                y -= flowable.getSpaceBefore() + height
                flowable.drawOn(self.canv, left + indent, y)
                y -= flowable.getSpaceAfter()
            left += width


def _header(c: ReceiptContent, s: _Styles, width: float) -> list:
    agency = []
    if c.agency_parent:
        agency.append(Para.of(s.header, c.agency_parent))
    agency += [Para.of(s.header, Bold(c.agency_name)), Rule(0.35)]
    motto = [
        Para.of(s.header, Bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")),
        Para.of(s.header, Bold("Độc lập - Tự do - Hạnh phúc")),
        Rule(0.35),
    ]
    columns = Columns([agency, motto], [width * 0.42, width * 0.58])
    return [Para.of(s.form_no, "Mẫu số 01"), columns, Spacer(0, 4 * mm)]


FRAME_HEIGHT = A4[1] - MARGINS["top"] - MARGINS["bottom"]

# The papers table's geometry: 12 pt cells, 1 mm above and below, 1.5 mm either side (0.5 mm in
# the 10 mm number column, "STT" without wrapping), every cell aligned to the top, a 0.6 pt grid.
CELL_SIZE = 12
CELL_LEADING = CELL_SIZE * LEADING
CELL_PADDING = 1 * mm
PAPERS_HEADER = ("STT", "Tên giấy tờ", "Bản\nchính", "Bản\nsao")
PAPERS_FIXED_COLUMNS = (10 * mm, 16 * mm, 14 * mm)
SPLIT_IN_ROW = 3 * CELL_LEADING  # at least 3 lines of a paper on each side of a break


class _Row:
    """One row of the papers table: the number, the paper's name (a paragraph, or None for the
    header and the "no papers" row), the originals and the copies, and its height. A row cut
    by a page break has no rule across the cut (`goes_on`: on the next page; `went_on`: from the
    previous one)."""

    __slots__ = ("bold", "cells", "goes_on", "height", "name", "span", "went_on")

    def __init__(self, cells: tuple[str, str, str, str], name: Para | None = None, *,
                 bold: bool = False, span: bool = False) -> None:  # fmt: skip
        self.cells, self.name, self.bold, self.span = cells, name, bold, span
        self.height = 0.0
        self.goes_on = self.went_on = False

    def content_height(self, strings_at: float) -> float:
        """The tallest cell without its padding: strings at `strings_at` a line."""
        lines = max(len(cell.split("\n")) for cell in self.cells)
        return max(lines * strings_at, self.name.height if self.name else 0)


class PapersTable(Flowable):
    """The numbered papers table, drawn directly (a ReportLab `Table` costs about as much again
    as its paragraphs, in its style commands and cell bookkeeping), with the geometry that
    `Table` gave it: header repeated on every page, split between rows, each row kept whole on its
    page (as the stylesheet's `page-break-inside: avoid`), except a row taller than a whole page
    (real checklists have entries of several thousand characters), which goes on over the page
    break from the top of a page instead of failing the layout, as `Table(splitInRow=...)` did.
    """

    def __init__(self, rows: list[_Row], widths: list[float], *, first: bool = True,
                 last: bool = True) -> None:  # fmt: skip
        super().__init__()
        self.rows, self.widths = rows, widths
        self.width = sum(widths)
        self.height = sum(row.height for row in rows)
        # the space before the table stays with its first piece, the space after with its last
        self.spaceBefore = 2 * mm if first else 0
        self.spaceAfter = 4 * mm if last else 0
        self.first, self.last = first, last

    @staticmethod
    def paddings(column: int) -> tuple[float, float]:
        return (0.5 * mm, 0.5 * mm) if column == 0 else (1.5 * mm, 1.5 * mm)

    @classmethod
    def of(cls, rows: list[_Row], widths: list[float]) -> PapersTable:
        header = _Row(PAPERS_HEADER, bold=True)
        left, right = cls.paddings(1)
        for row in [header, *rows]:
            if row.name is not None:
                row.name.wrap(widths[1] - left - right, FRAME_HEIGHT)
            row.height = row.content_height(CELL_LEADING) + 2 * CELL_PADDING
        return cls([header, *rows], widths)

    def wrap(self, availWidth, availHeight):  # noqa: N803 (ReportLab's names)
        return self.width, self.height

    def _piece(self, rows: list[_Row], *, first: bool, last: bool) -> PapersTable:
        return PapersTable(rows, self.widths, first=first, last=last)

    def split(self, availWidth, availHeight):  # noqa: N803
        header, body = self.rows[0], self.rows[1:]
        used, fit = header.height, 0
        for row in body:
            if used + row.height > availHeight:
                break
            used += row.height
            fit += 1
        if fit == len(body):
            return [self]
        if fit:
            return [
                self._piece([header, *body[:fit]], first=self.first, last=False),
                self._piece([header, *body[fit:]], first=False, last=self.last),
            ]
        # Not one whole row: a row may go on over the break only from the top of a page.
        if availHeight < FRAME_HEIGHT - 1:
            return []
        halves = self._split_row(body[0], availHeight - header.height)
        if not halves:
            return []
        return [
            self._piece([header, halves[0]], first=self.first, last=False),
            self._piece([header, halves[1], *body[1:]], first=False, last=self.last),
        ]

    def _split_row(self, row: _Row, room: float) -> tuple[_Row, _Row] | None:
        """The row cut at `room` (as `Table._splitRows(doInRowSplit=1)`): its name's first lines
        and the one-line cells above, the rest of its name below."""
        string_line = 1.2 * CELL_SIZE  # what Table counts for a string line when it splits
        padding = 2 * CELL_PADDING
        tallest = row.content_height(string_line) + padding
        edge = string_line + CELL_PADDING  # no cut through a string cell's first or last line
        if 2 * edge > row.height or edge > room:
            return None
        at = min(room, tallest - edge)
        if at + 1 < SPLIT_IN_ROW or self.height - self.rows[0].height - at < SPLIT_IN_ROW:
            return None
        if row.name is None or any(len(cell.split("\n")) * CELL_LEADING > at - CELL_PADDING
                                   for cell in row.cells):  # fmt: skip
            return None
        pieces = row.name.split(self.widths[1], at - CELL_PADDING)
        if len(pieces) != 2:
            return None
        left, right = self.paddings(1)
        for piece in pieces:
            piece.wrap(self.widths[1] - left - right, FRAME_HEIGHT)
        top = _Row(row.cells, pieces[0])
        bottom = _Row(("", "", "", ""), pieces[1])
        top.went_on, top.goes_on = row.went_on, True
        bottom.went_on, bottom.goes_on = True, row.goes_on
        top_height = top.content_height(string_line) + padding
        bottom_height = bottom.content_height(string_line) + padding
        top.height = min(at, top_height)
        bottom.height = max(bottom_height, row.height - top.height)
        return top, bottom

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        x = [0.0]
        for width in self.widths:
            x.append(x[-1] + width)
        # row boundaries from the top (y = self.height) down to 0
        y = [self.height]
        for row in self.rows:
            y.append(y[-1] - row.height)
        y[-1] = 0.0
        # the one-line cells, centred, in one text object (not one each, as drawCentredString)
        cells = canv.beginText()
        font = None
        for row, top in zip(self.rows, y[:-1], strict=True):
            wanted = pdfmetrics.getFont(f"{FAMILY}-Bold" if row.bold else FAMILY)
            for column, cell in enumerate(row.cells):
                if not cell:
                    continue
                if wanted is not font:
                    cells.setFont(wanted.fontName, CELL_SIZE, CELL_LEADING)
                    font = wanted
                left, right = self.paddings(column)
                centre = x[column] + (self.widths[column] + left - right) * 0.5
                line_y = top - CELL_PADDING - CELL_SIZE
                for line in cell.split("\n"):
                    cells.setTextOrigin(centre - font.stringWidth(line, CELL_SIZE) * 0.5, line_y)
                    cells.textOut(line)
                    line_y -= CELL_LEADING
            if row.name is not None:
                left, _ = self.paddings(1)
                row.name.drawOn(canv, x[1] + left, top - CELL_PADDING - row.name.height)
        canv.drawText(cells)
        canv.restoreState()
        canv.saveState()
        canv.setLineCap(1)  # round caps and joins, as Table drew its grid
        canv.setLineJoin(1)
        canv.setStrokeColor(colors.black)
        canv.setLineWidth(RULE)
        for index, top in enumerate(y):
            above = self.rows[index - 1] if index else None
            below = self.rows[index] if index < len(self.rows) else None
            if not ((above and above.goes_on) or (below and below.went_on)):
                canv.line(0, top, self.width, top)
        for column, left in enumerate(x):
            if column in (2, 3) and self.rows[-1].span:
                # the "no papers" row spans the last three columns
                canv.line(left, y[-2], left, y[0])
            else:
                canv.line(left, 0, left, self.height)
        canv.restoreState()


def _papers(c: ReceiptContent, s: _Styles, width: float) -> PapersTable:
    # Only the paper's name is a paragraph (it wraps); the other cells are one-line strings,
    # drawn without a paragraph's parsing and line breaking.
    rows = [
        _Row(
            (
                str(number),
                "",
                unicodedata.normalize("NFC", str(paper.originals)),
                unicodedata.normalize("NFC", str(paper.copies)),
            ),
            Para.of(s.cell, paper.name),
        )
        for number, paper in enumerate(c.papers, start=1)
    ]
    if not rows:
        rows.append(_Row(("–", "", "", ""), span=True))
    fixed = PAPERS_FIXED_COLUMNS
    return PapersTable.of(rows, [fixed[0], width - sum(fixed), fixed[1], fixed[2]])


def _signatures(c: ReceiptContent, s: _Styles, width: float) -> Columns:
    def column(role: str, name: str) -> list:
        return [
            Para.of(s.sign, Bold(role)),
            Para.of(s.sign_hint, "(Ký và ghi rõ họ tên)"),
            Spacer(0, 18 * mm),
            Para.of(s.sign, Bold(name)),
        ]

    return Columns(
        [column("NGƯỜI NỘP HỒ SƠ", c.applicant_name), column("NGƯỜI TIẾP NHẬN HỒ SƠ", c.officer)],
        [width / 2, width / 2],
        space_before=6 * mm,
    )


def receipt(c: ReceiptContent) -> bytes:
    """Form 01 as PDF bytes."""
    register_fonts()
    s = STYLES_OF_FORM
    buffer = io.BytesIO()
    doc = _document(buffer, c.title)
    width = doc.width

    def p(*runs: str, style: ParagraphStyle = s.body) -> Para:
        return Para.of(style, *runs)

    applicant = [
        p(c.receiving_unit, " tiếp nhận hồ sơ của:"),
        p("Ông/Bà (tổ chức): ", Bold(c.applicant_name)),
    ]
    if c.applicant_id_number:
        applicant.append(p("Số định danh cá nhân: ", c.applicant_id_number))
    if c.applicant_tax_code:
        applicant.append(p("Mã số thuế: ", c.applicant_tax_code))
    applicant += [
        p("Địa chỉ: ", c.applicant_address or "……………………"),
        p(
            f"Số điện thoại: {text(c.applicant_phone or '……………')}\xa0\xa0 "
            f"Thư điện tử: {text(c.applicant_email or '……………')}"
        ),
    ]
    qr = [QRCode(c.qr, QR_SIZE), Para.of(s.caption, "Quét mã để tra cứu hồ sơ")]
    beside = Columns(
        [applicant, qr], [width - QR_SIZE - 4 * mm, QR_SIZE + 4 * mm], indents=[0, 4 * mm]
    )

    story = [
        *_header(c, s, width),
        p(f"{text(c.place)}, {text(c.dated)}", style=s.dated),
        p(c.title, style=s.title),
        p("Mã hồ sơ: ", Bold(c.code), style=s.code),
        beside,
        p("Nội dung yêu cầu giải quyết: ", c.subject),
        p("Thành phần hồ sơ:"),
        _papers(c, s, width),
        p(f"Số lượng hồ sơ: {text(c.sets)} bộ"),
        p("Thời gian nhận hồ sơ: ", c.received_at),
        p("Thời gian trả kết quả giải quyết hồ sơ: ", Bold(c.due_at or "……………………")),
        p("Nhận kết quả tại: ", c.delivery),
        p("Mã tra cứu: ", Bold(c.lookup_code)),
        p("Tra cứu hồ sơ: ", c.lookup_url, style=s.small),
        KeepTogether(_signatures(c, s, width)),
    ]
    doc.build(story)
    return buffer.getvalue()
