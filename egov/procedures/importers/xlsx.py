"""The national shape as an XLSX workbook (export and import).

Layout (header row 1 holds the JSON key names, data from row 2):

* sheet ``thu_tuc``: one row per procedure — ``code``, ``name``, ``field``, ``level``
  (comma-separated), ``processing_time``, ``fees``, ``result``, ``legal_bases`` (one number per
  line), ``agency``, ``ministry``, ``subjects``, ``decision_no``, ``portal_url``, ``source_repo``,
  ``source_path``, ``source_commit``;
* sheet ``thanh_phan_ho_so``: one row per dossier component — ``code``, ``name``, ``originals``,
  ``copies``, ``case``, in the order of the procedure.

Import reads it back into the JSON shape and validates it the same way; errors give the sheet, the
spreadsheet row number and the column. Formula injection: a text cell starting with ``=``, ``+``,
``-``, ``@`` (or a tab / carriage return) is refused on import; on export such a text is written
with a leading apostrophe, which import removes again (only before those characters).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from egov.core.errors import ValidationFailed
from egov.procedures.importers.national import (
    MAX_BYTES,
    MAX_RECORDS,
    _refuse,
    sha256_of,
    validate_records,
)

SHEET_PROCEDURES = "thu_tuc"
SHEET_COMPONENTS = "thanh_phan_ho_so"
PROC_COLUMNS = [
    "code",
    "name",
    "field",
    "level",
    "processing_time",
    "fees",
    "result",
    "legal_bases",
    "agency",
    "ministry",
    "subjects",
    "decision_no",
    "portal_url",
    "source_repo",
    "source_path",
    "source_commit",
]
COMP_COLUMNS = ["code", "name", "originals", "copies", "case"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_ENTRIES = 200
MAX_COMPONENT_ROWS = 200_000


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and (value.startswith(DANGEROUS) or value.startswith("'")):
        return "'" + value
    return value


def records_to_xlsx(records: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_PROCEDURES)
    ws.append(PROC_COLUMNS)
    wc = wb.create_sheet(SHEET_COMPONENTS)
    wc.append(COMP_COLUMNS)
    for r in records:
        src = r.get("source") or {}
        row = {
            **r,
            "level": ",".join(r.get("level") or []),
            "legal_bases": "\n".join(r.get("legal_bases") or []),
            "source_repo": src.get("repo", ""),
            "source_path": src.get("path", ""),
            "source_commit": src.get("commit", ""),
        }
        ws.append([escape_cell(row.get(c, "")) for c in PROC_COLUMNS])
        for c in r.get("components") or []:
            wc.append(
                [
                    escape_cell(r["code"]),
                    escape_cell(c["name"]),
                    c["originals"],
                    c["copies"],
                    escape_cell(c.get("case", "")),
                ]
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _check_zip(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        _refuse(_("Tệp lớn quá %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        _refuse(_("Tệp không phải XLSX hợp lệ."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(_("Tệp không phải XLSX hợp lệ."))
    if len(infos) > MAX_ZIP_ENTRIES:
        _refuse(_("Tệp XLSX có quá nhiều thành phần."))
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1) + 1024 * 1024:
        _refuse(_("Tệp XLSX giải nén ra quá lớn, không xử lý."))


def _cell(value: Any, sheet: str, row: int, column: str, errors: list[dict[str, Any]]) -> Any:
    if isinstance(value, str):
        if value.startswith("'") and value[1:].startswith((*DANGEROUS, "'")):
            return value[1:]
        if value.startswith(DANGEROUS):
            errors.append(
                {
                    "row": row,
                    "column": column,
                    "sheet": sheet,
                    "message": _(
                        "Ô bắt đầu bằng = + - @ (có thể là công thức), không được chấp nhận."
                    ),
                }
            )
            return None
    return value


def _rows(ws, limit: int) -> list[tuple[int, tuple]]:
    out = []
    for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > limit + 1:
            _refuse(_("Tệp có quá %(n)d dòng.") % {"n": limit})
        out.append((n, row))
    return out


def parse_xlsx_bytes(data: bytes) -> list[dict[str, Any]]:
    _check_zip(data)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a broken file
        _refuse(_("Tệp không phải XLSX hợp lệ."))
    errors: list[dict[str, Any]] = []
    if SHEET_PROCEDURES not in wb.sheetnames:
        _refuse(_("Thiếu trang tính %(s)s.") % {"s": SHEET_PROCEDURES})
    sheets = {
        SHEET_PROCEDURES: (_rows(wb[SHEET_PROCEDURES], MAX_RECORDS), PROC_COLUMNS),
    }
    if SHEET_COMPONENTS in wb.sheetnames:
        sheets[SHEET_COMPONENTS] = (_rows(wb[SHEET_COMPONENTS], MAX_COMPONENT_ROWS), COMP_COLUMNS)
    wb.close()
    tables: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for sheet, (rows, columns) in sheets.items():
        if not rows:
            _refuse(_("Trang tính %(s)s trống.") % {"s": sheet})
        header = [str(h).strip() if h is not None else "" for h in rows[0][1]]
        while header and header[-1] == "":
            header.pop()
        for i, h in enumerate(header):
            if h not in columns:
                errors.append(
                    {
                        "row": 1,
                        "column": h or str(i + 1),
                        "sheet": sheet,
                        "message": _("Cột không được hỗ trợ."),
                    }
                )
        for required in ("code", "name"):
            if required not in header:
                errors.append(
                    {"row": 1, "column": required, "sheet": sheet, "message": _("Thiếu cột.")}
                )
        table = []
        for n, row in rows[1:]:
            if not any(v not in (None, "") for v in row):
                continue
            values = {}
            for h, v in zip(header, row, strict=False):
                if h in columns:
                    values[h] = _cell(v, sheet, n, h, errors)
            table.append((n, values))
        tables[sheet] = table
    if errors:
        raise ValidationFailed(
            _("Tệp có %(n)d lỗi, không có dữ liệu nào được ghi.") % {"n": len(errors)},
            errors=errors[:200],
        )
    comps: dict[str, list[dict[str, Any]]] = {}
    for _n, v in tables.get(SHEET_COMPONENTS, []):
        code = v.get("code")
        code = code.strip() if isinstance(code, str) else code
        item = {k: v[k] for k in ("name", "originals", "copies", "case") if v.get(k) is not None}
        item.setdefault("originals", 0)
        item.setdefault("copies", 0)
        comps.setdefault(code, []).append(item)
    items: list[dict[str, Any]] = []
    row_numbers: list[int] = []
    codes = set()
    for n, v in tables[SHEET_PROCEDURES]:
        item: dict[str, Any] = {}
        for key in PROC_COLUMNS:
            value = v.get(key)
            if value is None or value == "":
                continue
            if key == "level":
                item["level"] = (
                    [x.strip() for x in value.split(",") if x.strip()]
                    if isinstance(value, str)
                    else value
                )
            elif key == "legal_bases":
                item["legal_bases"] = (
                    [x.strip() for x in value.splitlines() if x.strip()]
                    if isinstance(value, str)
                    else value
                )
            elif key.startswith("source_"):
                item.setdefault("source", {})[key[len("source_") :]] = value
            elif key == "code" and isinstance(value, str):
                item["code"] = value.strip()
            else:
                item[key] = value
        code = item.get("code")
        if isinstance(code, str) and code in comps:
            item["components"] = comps[code]
        codes.add(code)
        items.append(item)
        row_numbers.append(n)
    orphan = [
        (n, v.get("code"))
        for n, v in tables.get(SHEET_COMPONENTS, [])
        if (v.get("code").strip() if isinstance(v.get("code"), str) else v.get("code")) not in codes
    ]
    if orphan:
        raise ValidationFailed(
            _("Có thành phần hồ sơ của mã thủ tục không có trong trang %(s)s.")
            % {"s": SHEET_PROCEDURES},
            errors=[
                {
                    "row": n,
                    "column": "code",
                    "sheet": SHEET_COMPONENTS,
                    "message": _("Không có thủ tục mã này."),
                }
                for n, _code in orphan[:200]
            ],
        )
    if not items:
        _refuse(_("Tệp không có thủ tục nào."))
    return _validate_with_sheet(items, row_numbers)


def _validate_with_sheet(items: list[dict[str, Any]], rows: list[int]) -> list[dict[str, Any]]:
    try:
        return validate_records(items, row_of=lambda i: rows[i])
    except ValidationFailed as exc:
        for e in exc.errors or []:
            col = str(e.get("column", ""))
            e["sheet"] = SHEET_COMPONENTS if col.startswith("components") else SHEET_PROCEDURES
        raise


def import_xlsx_bytes(*, actor: Any, data: bytes, source_label: str = ""):
    from egov.procedures.services import catalogue_import

    records = parse_xlsx_bytes(data)
    return catalogue_import(
        actor=actor, records=records, source_label=source_label, sha256=sha256_of(data)
    )
