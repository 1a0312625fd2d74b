"""The printed forms of the one-stop dossier: A4 PDFs for the counter, one function per form.

| Form | Function | Title (Circular 03/2025/TT-VPCP, Appendix I, as DOMAIN.md 2.4 lists it) |
|------|----------|-------------------------------------------------------------------------|
| 01 | `receipt` | Giấy tiếp nhận hồ sơ và hẹn trả kết quả (with a QR code to `lookup_url`) |
| 02 | `supplement_request` | Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ |
| 03 | `refusal` | Phiếu từ chối tiếp nhận giải quyết hồ sơ |
| 04 | `extension_request` | Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết |
| 05 | `stop_notice` | Thông báo dừng giải quyết hồ sơ |
| 06 | `control_slip` | Phiếu kiểm soát quá trình giải quyết hồ sơ |
| 07 | `tracking_book` | Sổ theo dõi hồ sơ, for a period, of the dossiers the user may see |

The layout follows the national-form conventions (agency header on the left, the national motto
on the right, the "Mẫu số" marker, title, body fields, place and date line, signature block) with
the fields DOMAIN.md 2.4 records from implemented templates. THE WORDING IS NOT VERIFIED: the
titles, labels and signature captions must be checked against the text of Circular 03/2025/TT-VPCP
(Appendix I) before these forms are used as official documents; no legal text beyond those fields
is printed. The forms are Vietnamese documents whatever the interface language, so they render
under the Vietnamese locale and their wording is not offered for translation.

Rendering: forms 02–07 are Django templates under `dossiers/forms/` and one print stylesheet,
laid out by WeasyPrint. Form 01, printed at the counter while the applicant waits, is laid out by
ReportLab (`receipt_pdf`, 5–10 times faster: bench/README.md "printed forms"), with its QR code
drawn as vectors; its WeasyPrint template stays as the layout's reference
(`render_receipt_html`). Fonts come from the machine (Debian's fonts-liberation2: "Liberation
Serif", the metrics of Times New Roman, with every Vietnamese letter) and are embedded as
subsets. Nothing is fetched: WeasyPrint's fetcher refuses every URL but inline data URIs.
"""

from __future__ import annotations

import base64
import io
import threading
from datetime import date, datetime
from typing import Any

import qrcode
from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from egov.core.compiled import CompiledQuery
from egov.core.errors import ValidationFailed
from egov.dossiers import selectors
from egov.dossiers.models import (
    Decision,
    Dossier,
    DossierComponent,
    DossierEvent,
    SupplementRequest,
)
from egov.units.models import ADMINISTRATIVE_KINDS, Unit
from egov.workcalendar.deadlines import VN_TZ

LOOKUP_PATH = "/tra-cuu-ho-so/"

TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}


# --- dates in the forms' words ------------------------------------------------------------------


def _local(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime):
        return timezone.localtime(value, VN_TZ)
    return value


def date_words(value: datetime | date | None) -> str:
    """The date as "ngày 05 tháng 01 năm 2026": days under 10 and months 1–2 zero-padded
    (DOMAIN.md 7.3)."""
    if value is None:
        return ""
    d = _local(value)
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def datetime_words(value: datetime | None) -> str:
    """The moment as "09 giờ 30 phút, ngày 30 tháng 11 năm 2026", in Vietnam time."""
    if value is None:
        return ""
    t = _local(value)
    return f"{t.hour:02d} giờ {t.minute:02d} phút, {date_words(t)}"


def short_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    d = _local(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


# --- lookup URL and QR code ---------------------------------------------------------------------


def lookup_url(dossier: Dossier) -> str:
    """The absolute address of the public lookup page for this dossier (code and lookup code)."""
    base = settings.EGOV_PUBLIC_URL.rstrip("/")
    query = urlencode({"ma": dossier.code or "", "mtc": dossier.lookup_code})
    return f"{base}{LOOKUP_PATH}?{query}"


# One fixed mask pattern: choosing the best of the 8 (ISO/IEC 18004's penalty score) costs about
# 15 ms per code in pure Python, more than the rest of the receipt's QR code; any mask decodes
# (the tests decode the printed page with zbarimg).
QR_MASK = 2


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR modules of `text` as form 01 prints them, quiet zone included: the `qrcode`
    module's segments, version and module placement, with the codewords (and the version's
    bit count) computed here in whole bytes, not bit by bit (`_qr_codewords`; `qrcode` spent
    about 1 ms of the receipt on them)."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=1,
        border=4,
        mask_pattern=QR_MASK,
    )
    code.add_data(text)
    code.version, code.data_cache = _qr_codewords(code.error_correction, code.data_list)
    code.makeImpl(False, QR_MASK)
    return code.get_matrix()


def _qr_bits(data_list: list[Any], version: int) -> tuple[int, int]:
    """The segments as one bit string (an int) and its length, as `qrcode.util.create_data`
    writes them for `version` before the terminator."""
    from qrcode import util

    sizes = util.mode_sizes_for_version(version)
    bits = length = 0

    def put(value: int, width: int) -> None:
        nonlocal bits, length
        bits, length = (bits << width) | value, length + width

    for segment in data_list:
        data = segment.data
        put(segment.mode, 4)
        put(len(data), sizes[segment.mode])
        if segment.mode == util.MODE_NUMBER:
            for i in range(0, len(data), 3):
                put(int(data[i : i + 3]), util.NUMBER_LENGTH[len(data[i : i + 3])])
        elif segment.mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(data) - 1, 2):
                put(
                    util.ALPHA_NUM.find(data[i : i + 1]) * 45
                    + util.ALPHA_NUM.find(data[i + 1 : i + 2]),
                    11,
                )
            if len(data) % 2:
                put(util.ALPHA_NUM.find(data[-1:]), 6)
        elif segment.mode == util.MODE_8BIT_BYTE:
            put(int.from_bytes(data, "big"), 8 * len(data))
        else:
            raise ValueError(f"QR segment mode {segment.mode} is not written here")
    return bits, length


def _qr_codewords(error_correction: int, data_list: list[Any]) -> tuple[int, list[int]]:
    """The smallest version that holds the segments, and its codewords (data and Reed–Solomon
    error correction, interleaved), the same as `qrcode`'s `best_fit` and `create_data`."""
    from bisect import bisect_left

    from qrcode import base, util
    from qrcode.LUT import rsPoly_LUT

    version = 1
    while True:
        bits, length = _qr_bits(data_list, version)
        found = bisect_left(util.BIT_LIMIT_TABLE[error_correction], length, version)
        if found == 41:
            raise qrcode.exceptions.DataOverflowError()
        if util.mode_sizes_for_version(found) is util.mode_sizes_for_version(version):
            break
        version = found
    # (the bits depend on the version only through its length fields' sizes, the same here)
    version = found
    blocks = base.rs_blocks(version, error_correction)
    limit = sum(block.data_count * 8 for block in blocks)
    # terminator (up to 4 zero bits), then zeros to a whole byte, then the alternating pad bytes
    pad = min(limit - length, 4)
    pad += -(length + pad) % 8
    bits, length = bits << pad, length + pad
    data = list(bits.to_bytes(length // 8, "big"))
    data += [util.PAD0, util.PAD1] * ((limit // 8 - len(data)) // 2 + 1)
    data = data[: limit // 8]

    exp, log = base.EXP_TABLE, base.LOG_TABLE
    dc_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        dc = data[offset : offset + block.data_count]
        offset += block.data_count
        count = block.total_count - block.data_count
        generator = [(i, log[c]) for i, c in enumerate(rsPoly_LUT[count][1:]) if c]
        remainder = [0] * count
        for byte in dc:
            factor = byte ^ remainder[0]
            remainder = remainder[1:] + [0]
            if factor:
                f = log[factor]
                for i, g in generator:
                    remainder[i] ^= exp[(g + f) % 255]
        dc_blocks.append(dc)
        ec_blocks.append(remainder)
    codewords = []
    for group in (dc_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            codewords += [b[i] for b in group if i < len(b)]
    return version, codewords


def _qr(text: str, mask_pattern: int | None = None) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=1,
        border=4,
        mask_pattern=mask_pattern,
    )
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_data_uri(text: str) -> str:
    """A PNG with one pixel per module (best mask); the stylesheet scales it up without
    smoothing. Only the WeasyPrint receipt (`render_receipt_html`) uses it."""
    image = _qr(text).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- the header every form shares ---------------------------------------------------------------


def _agency(unit: Unit) -> dict[str, str]:
    """Agency header lines (parent above, the unit itself in bold) and the place of the date
    line: the official name of the nearest administrative unit (DOMAIN.md 7.3)."""
    parent = unit.parent
    place = unit
    while place is not None and not place.is_administrative:
        place = place.parent
    return {
        "parent": parent.name.upper() if parent else "",
        "name": unit.name.upper(),
        "place": (place or unit).name,
    }


def _people_label(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_username()


# --- rendering ---------------------------------------------------------------------------------


def _url_fetcher():
    from weasyprint.urls import URLFetcher

    # Only the inline data: URIs the templates build; never the network nor the file system.
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)


_renderer = threading.local()


def _stylesheet() -> tuple[Any, Any]:
    """The print stylesheet, parsed once per thread with its font configuration (parsing it and
    setting fonts up again for every form costs more than laying a short form out)."""
    if not hasattr(_renderer, "css"):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fonts = FontConfiguration()
        css = CSS(
            string=render_to_string("dossiers/forms/print.css"),
            font_config=fonts,
            url_fetcher=_url_fetcher(),
        )
        _renderer.fonts, _renderer.css = fonts, css
    return _renderer.css, _renderer.fonts


def _keep_pillow_strict() -> None:
    """WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported; the
    upload gate relies on it being off (it embeds only our own QR images here)."""
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render `dossiers/forms/<template>` with the print stylesheet to PDF bytes."""
    from weasyprint import HTML

    _keep_pillow_strict()

    with translation.override("vi"):
        html = render_to_string(f"dossiers/forms/{template}", context)
    css, fonts = _stylesheet()
    document = HTML(string=html, url_fetcher=_url_fetcher())
    return document.write_pdf(stylesheets=[css], font_config=fonts)


def _context(form: str, unit: Unit, dated: datetime | date | None, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "title": TITLES[form],
        "agency": _agency(unit),
        "dated": date_words(dated),
        **extra,
    }


# --- forms 01–06: one dossier ------------------------------------------------------------------


def _require_registered(dossier: Dossier) -> None:
    if not dossier.code:
        raise ValidationFailed(_("Hồ sơ chưa được đăng ký, chưa có phiếu để in."), code="no_code")


def receipt(dossier: Dossier) -> bytes:
    """Form 01: receipt and appointment slip, with the papers handed in, the lookup code and a QR
    code to the lookup page. Only for a dossier that was received (it has an appointment).

    Beyond the dossier it reads, in one query compiled once, the papers handed in, each with the
    officer who accepted the dossier and the receiving unit's parent and grandparent (a second
    query for these when no paper was handed in)."""
    from egov.dossiers import receipt_pdf

    _require_registered(dossier)
    if dossier.received_at is None:
        raise ValidationFailed(
            _("Hồ sơ chưa được tiếp nhận, chưa có giấy hẹn trả kết quả."), code="not_received"
        )
    rows = _RECEIPT_PAPERS.fetch(dossier.pk)
    if rows:
        first = rows[0]
        officer, *parents = (
            first.officer,
            first.parent,
            first.parent_kind,
            first.grand,
            first.grand_kind,
        )
    else:
        officer, *parents = (
            Dossier.objects.filter(pk=dossier.pk)
            .values_list(_accepted_by("pk"), *(f"receiving_unit__{p}" for p in _PARENTS.values()))
            .get()
        )
    papers = [receipt_pdf.Paper(row.name, row.originals, row.copies) for row in rows]
    return render_receipt(
        dossier, papers, officer or "", agency=_agency_of(dossier.receiving_unit, *parents)
    )


# The receiving unit's parent and grandparent, by the names form 01's query gives them.
_PARENTS = {
    "parent": "parent__name",
    "parent_kind": "parent__kind",
    "grand": "parent__parent__name",
    "grand_kind": "parent__parent__kind",
}

# One query, compiled once (ADR 0005: Django took ≈ 2.5 ms of CPU to build and compile it, five
# joins and a subquery, the database ≈ 0.2 ms to answer): the papers handed in (an online
# checklist also keeps the ones that did not apply), in order, each with the officer who
# accepted the dossier and the receiving unit's parent and grandparent.
_RECEIPT_PAPERS = CompiledQuery(
    lambda dossier_id: (
        DossierComponent.objects.filter(dossier_id=dossier_id, provided=True)
        .order_by("position")
        .only("name", "originals", "copies")
        .annotate(
            officer=_accepted_by("dossier_id"),
            **{name: F(f"dossier__receiving_unit__{path}") for name, path in _PARENTS.items()},
        )
    )
)


def _accepted_by(dossier_id: str) -> Subquery:
    """The officer who accepted the dossier (its latest accept event's actor), as a column of a
    query where `dossier_id` names the dossier's id."""
    return Subquery(
        DossierEvent.objects.filter(dossier=OuterRef(dossier_id), action="accept")
        .order_by("-at", "-id")
        .values("actor_label")[:1]
    )


def _agency_of(
    unit: Unit,
    parent: str | None,
    parent_kind: str | None,
    grand: str | None,
    grand_kind: str | None,
) -> dict[str, str]:
    """`_agency(unit)` from its parent's and grandparent's name and kind read with the dossier
    (no query), if the nearest administrative unit is one of these three; else `_agency`."""
    if unit.is_administrative:
        place = unit.name
    elif parent is not None and parent_kind in ADMINISTRATIVE_KINDS:
        place = parent
    elif grand is not None and grand_kind in ADMINISTRATIVE_KINDS:
        place = grand
    else:
        return _agency(unit)
    return {"parent": parent.upper() if parent else "", "name": unit.name.upper(), "place": place}


def render_receipt(
    dossier: Dossier, components: list[Any], officer: str, agency: dict[str, str] | None = None
) -> bytes:
    """Form 01 from what it shows, without reading anything more (also used by the bench), laid
    out by ReportLab (`receipt_pdf`: the counter waits for it, WeasyPrint takes 5–10 times as
    long)."""
    from egov.dossiers import receipt_pdf

    url = lookup_url(dossier)
    agency = agency or _agency(dossier.receiving_unit)
    with translation.override("vi"):
        delivery = str(dossier.get_delivery_display())
    if dossier.delivery_address:
        delivery += f" ({dossier.delivery_address})"
    content = receipt_pdf.ReceiptContent(
        title=TITLES["01"],
        agency_parent=agency["parent"],
        agency_name=agency["name"],
        place=agency["place"],
        dated=date_words(dossier.received_at),
        code=dossier.code or "",
        receiving_unit=dossier.receiving_unit.name,
        applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.applicant_id_number,
        applicant_tax_code=dossier.applicant_tax_code,
        applicant_address=dossier.applicant_address,
        applicant_phone=dossier.applicant_phone,
        applicant_email=dossier.applicant_email,
        subject=dossier.subject or dossier.version.name,
        papers=[receipt_pdf.Paper(c.name, c.originals, c.copies) for c in components],
        sets=dossier.sets,
        received_at=datetime_words(dossier.received_at),
        due_at=datetime_words(dossier.due_at),
        delivery=delivery,
        lookup_code=dossier.lookup_code,
        lookup_url=url,
        officer=officer,
        qr=qr_matrix(url),
    )
    return receipt_pdf.receipt(content)


def render_receipt_html(dossier: Dossier, components: list[Any], officer: str) -> bytes:
    """Form 01 by WeasyPrint from `01_receipt.html`, as it was rendered before ReportLab: kept as
    the layout's reference and for bench/forms_pdf.py's comparison, not served."""
    url = lookup_url(dossier)
    return render_pdf(
        "01_receipt.html",
        _context(
            "01",
            dossier.receiving_unit,
            dossier.received_at,
            dossier=dossier,
            components=components,
            officer=officer,
            lookup_url=url,
            qr=qr_data_uri(url),
        ),
    )


def _one_of_dossier(model: Any, dossier: Dossier, given: Any, **filters: Any) -> Any:
    if given is None:
        given = model.objects.filter(dossier=dossier, **filters).order_by("-pk").first()
        if given is None:
            raise ValidationFailed(_("Hồ sơ không có văn bản này để in."), code="nothing_to_print")
        return given
    if given.dossier_id != dossier.pk or any(getattr(given, k) != v for k, v in filters.items()):
        raise ValidationFailed(_("Văn bản không thuộc hồ sơ này."), code="not_of_dossier")
    return given


def supplement_request(dossier: Dossier, request: SupplementRequest | None = None) -> bytes:
    """Form 02 for `request` (default: the dossier's latest request)."""
    _require_registered(dossier)
    request = _one_of_dossier(SupplementRequest, dossier, request)
    return render_pdf(
        "02_supplement.html",
        _context(
            "02",
            dossier.receiving_unit,
            request.requested_at,
            dossier=dossier,
            request=request,
            signer=_people_label(request.requested_by),
        ),
    )


def _decision_form(
    form: str, template: str, kind: str, dossier: Dossier, decision: Decision | None
) -> bytes:
    _require_registered(dossier)
    decision = _one_of_dossier(Decision, dossier, decision, kind=kind)
    return render_pdf(
        template,
        _context(
            form,
            dossier.receiving_unit,
            decision.at,
            dossier=dossier,
            decision=decision,
            signer=_people_label(decision.by),
        ),
    )


def refusal(dossier: Dossier, decision: Decision | None = None) -> bytes:
    """Form 03 for a refusal decision (default: the dossier's latest)."""
    return _decision_form("03", "03_refusal.html", Decision.Kind.REFUSAL, dossier, decision)


def extension_request(dossier: Dossier, decision: Decision | None = None) -> bytes:
    """Form 04 for an extension decision (default: the dossier's latest)."""
    return _decision_form("04", "04_extension.html", Decision.Kind.EXTENSION, dossier, decision)


def stop_notice(dossier: Dossier, decision: Decision | None = None) -> bytes:
    """Form 05 for a stop decision (default: the dossier's latest)."""
    return _decision_form("05", "05_stop.html", Decision.Kind.STOP, dossier, decision)


def control_slip(dossier: Dossier) -> bytes:
    """Form 06: one row per step, who handed the dossier over to whom and when, and whether the
    step kept its time."""
    _require_registered(dossier)
    steps = list(dossier.steps.select_related("unit", "handed_by", "assignee").order_by("position"))
    rows = []
    for index, step in enumerate(steps):
        following = steps[index + 1] if index + 1 < len(steps) else None
        receiver = None
        if step.finished_at and following is not None:
            receiver = following.handed_by or following.assignee
        rows.append(
            {
                "step": step,
                "receiving_unit": following.unit.name if following else "",
                "giver": _people_label(step.handed_by),
                "receiver": _people_label(receiver),
            }
        )
    return render_pdf(
        "06_control_slip.html",
        _context("06", dossier.receiving_unit, dossier.received_at, dossier=dossier, rows=rows),
    )


# --- form 07: the tracking book -----------------------------------------------------------------


def tracking_book(unit: Unit, date_from: date, date_to: date, user: Any) -> bytes:
    """Form 07: the dossiers `unit` received from `date_from` to `date_to` (inclusive, Vietnam
    dates) that `user` may see. A user without a dossier right on `unit` gets NotFound."""
    dossiers = list(selectors.tracking_book_dossiers(user, unit, date_from, date_to))
    for dossier in dossiers:
        # the units an inter-level transfer sent it to (the transfer back home is not one)
        names = [t.unit.name for t in dossier.transfers if t.unit_id != dossier.receiving_unit_id]
        dossier.transferred_to = list(dict.fromkeys(names))
    return render_pdf(
        "07_tracking_book.html",
        _context(
            "07",
            unit,
            timezone.now(),
            dossiers=dossiers,
            date_from=short_date(date_from),
            date_to=short_date(date_to),
        ),
    )
