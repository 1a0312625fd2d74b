"""Import of the national catalogue shape (JSON): validation of the whole file first.

The shape is the one of ``shared/data/tthc/procedures.json`` (its README documents every key): a
JSON list of objects with ``code`` (``d.dddddd``), ``name``, ``field``, ``level`` (list of
``xa``/``tinh``/``bo``/``khac``) and optionally ``processing_time``, ``fees``, ``components``
(``name``, ``originals``, ``copies``, ``case``), ``result``, ``legal_bases`` (document numbers),
``agency``, ``ministry``, ``subjects``, ``decision_no``, ``portal_url``, ``source``
(``repo``, ``path``, ``commit``). Unknown keys are refused (nothing is silently dropped).

Every problem is reported with ``row`` (1-based position in the list) and ``column`` (the key,
``components[3].name`` for nested values), in Vietnamese; if there is any, nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.procedures.models import Level
from egov.procedures.services import RECORD_KEYS

MAX_BYTES = 20 * 1024 * 1024
MAX_RECORDS = 10_000
MAX_ERRORS = 200
MAX_COMPONENTS = 500
MAX_LEGAL_BASES = 300
CODE_RE = re.compile(r"[0-9]\.[0-9]{6}")
# key -> maximum length (characters) of the text values
TEXT_LIMITS = {
    "name": 2000,
    "field": 255,
    "processing_time": 2000,
    "fees": 10_000,
    "result": 10_000,
    "agency": 2000,
    "ministry": 255,
    "subjects": 2000,
    "decision_no": 64,
    "portal_url": 500,
}
REQUIRED = ("code", "name", "field", "level")
COMPONENT_LIMITS = {"name": 10_000, "case": 10_000}
SOURCE_KEYS = {"repo": 200, "path": 500, "commit": 64}
LEVELS = set(Level.values)
# The keys of the national shape (one list, shared with the export).
ALLOWED = frozenset(RECORD_KEYS)


def default_data_path() -> Path:
    """EGOV_TTHC_DATA, else shared/data/tthc/procedures.json beside the checkout."""
    env = os.environ.get("EGOV_TTHC_DATA", "").strip()
    if env:
        return Path(env)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "tthc" / "procedures.json"


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.total = 0

    def add(self, row: int | None, column: str, message: str, **extra: Any) -> None:
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append({"row": row, "column": column, "message": message, **extra})

    def raise_if_any(self) -> None:
        if self.total:
            more = ""
            if self.total > len(self.items):
                more = " " + _("(chỉ liệt kê %(n)d lỗi đầu tiên)") % {"n": len(self.items)}
            raise ValidationFailed(
                _("Tệp có %(n)d lỗi, không có dữ liệu nào được ghi.") % {"n": self.total} + more,
                errors=self.items,
            )


def _refuse(message: str) -> None:
    raise ValidationFailed(message, errors=[{"row": None, "column": "", "message": message}])


def _text(value: Any, row: int, column: str, limit: int, errors: _Errors) -> str | None:
    if not isinstance(value, str):
        errors.add(row, column, _("Phải là chuỗi ký tự."))
        return None
    if vntext.has_invalid_unicode(value):
        errors.add(row, column, _("Chứa ký tự Unicode không hợp lệ."))
        return None
    value = vntext.clean(value)
    if len(value) > limit:
        errors.add(row, column, _("Dài quá %(n)d ký tự.") % {"n": limit})
        return None
    return value


def _count(value: Any, row: int, column: str, errors: _Errors) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(row, column, _("Phải là số nguyên."))
        return None
    if not 0 <= value <= 99:
        errors.add(row, column, _("Phải từ 0 đến 99."))
        return None
    return value


def _component(item: Any, row: int, col: str, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        errors.add(row, col, _("Mỗi thành phần hồ sơ phải là một đối tượng."))
        return None
    for key in item:
        if key not in ("name", "originals", "copies", "case"):
            errors.add(row, f"{col}.{key}", _("Cột không được hỗ trợ."))
    out: dict[str, Any] = {}
    name = item.get("name")
    if name is None:
        errors.add(row, f"{col}.name", _("Thiếu tên giấy tờ."))
    else:
        name = _text(name, row, f"{col}.name", COMPONENT_LIMITS["name"], errors)
        if name == "":
            errors.add(row, f"{col}.name", _("Thiếu tên giấy tờ."))
        out["name"] = name
    for key in ("originals", "copies"):
        out[key] = _count(item.get(key, 0), row, f"{col}.{key}", errors)
    if "case" in item:
        case = _text(item["case"], row, f"{col}.case", COMPONENT_LIMITS["case"], errors)
        if case:
            out["case"] = case
    return out


def _validate_one(index: int, item: Any, errors: _Errors) -> dict[str, Any] | None:
    row = index + 1
    if not isinstance(item, dict):
        errors.add(row, "", _("Mỗi thủ tục phải là một đối tượng JSON."))
        return None
    before = errors.total
    for key in item:
        if key not in ALLOWED:
            errors.add(row, str(key)[:100], _("Cột không được hỗ trợ."))
    for key in REQUIRED:
        if item.get(key) in (None, "", []):
            errors.add(row, key, _("Thiếu giá trị bắt buộc."))
    rec: dict[str, Any] = {}
    code = item.get("code")
    if code not in (None, ""):
        if not isinstance(code, str) or not CODE_RE.fullmatch(code.strip()):
            errors.add(row, "code", _("Mã thủ tục phải có dạng d.dddddd (ví dụ 1.012566)."))
        else:
            rec["code"] = code.strip()
    for key, limit in TEXT_LIMITS.items():
        if key in item and item[key] is not None:
            value = _text(item[key], row, key, limit, errors)
            if value is None:
                continue
            if key in REQUIRED and not value:
                if item[key] != "":
                    errors.add(row, key, _("Thiếu giá trị bắt buộc."))
                continue
            if value:
                rec[key] = value
    url = rec.get("portal_url")
    if url and not re.fullmatch(r"https?://[^\s<>\"]+", url):
        errors.add(row, "portal_url", _("Địa chỉ phải bắt đầu bằng http:// hoặc https://."))
    level = item.get("level")
    if level not in (None, "", []):
        if not isinstance(level, list) or not all(isinstance(x, str) for x in level):
            errors.add(row, "level", _("Phải là danh sách cấp thực hiện."))
        elif bad := [x for x in level if x not in LEVELS]:
            errors.add(
                row,
                "level",
                _("Cấp thực hiện không hợp lệ: %(v)s (dùng %(ok)s).")
                % {"v": ", ".join(bad)[:100], "ok": ", ".join(sorted(LEVELS))},
            )
        else:
            rec["level"] = list(dict.fromkeys(level))
    comps = item.get("components")
    if comps is not None:
        if not isinstance(comps, list):
            errors.add(row, "components", _("Phải là danh sách thành phần hồ sơ."))
        elif len(comps) > MAX_COMPONENTS:
            errors.add(row, "components", _("Quá %(n)d thành phần hồ sơ.") % {"n": MAX_COMPONENTS})
        else:
            out = [_component(c, row, f"components[{i + 1}]", errors) for i, c in enumerate(comps)]
            if out:
                rec["components"] = out
    bases = item.get("legal_bases")
    if bases is not None:
        if not isinstance(bases, list):
            errors.add(row, "legal_bases", _("Phải là danh sách số hiệu văn bản."))
        elif len(bases) > MAX_LEGAL_BASES:
            errors.add(row, "legal_bases", _("Quá %(n)d văn bản.") % {"n": MAX_LEGAL_BASES})
        else:
            out = []
            for i, b in enumerate(bases):
                value = _text(b, row, f"legal_bases[{i + 1}]", 64, errors)
                if value == "":
                    errors.add(row, f"legal_bases[{i + 1}]", _("Thiếu số hiệu văn bản."))
                elif value:
                    out.append(value)
            if out:
                rec["legal_bases"] = out
    source = item.get("source")
    if source is not None:
        if not isinstance(source, dict):
            errors.add(row, "source", _("Phải là đối tượng {repo, path, commit}."))
        else:
            src = {}
            for key, value in source.items():
                if key not in SOURCE_KEYS:
                    errors.add(row, f"source.{str(key)[:50]}", _("Cột không được hỗ trợ."))
                    continue
                value = _text(value, row, f"source.{key}", SOURCE_KEYS[key], errors)
                if value:
                    src[key] = value
            if src:
                rec["source"] = src
    if errors.total > before:
        return None
    # Same key order as the source (and as exported).
    order = (
        "code",
        "name",
        "field",
        "level",
        "processing_time",
        "fees",
        "components",
        "result",
        "legal_bases",
        "agency",
        "ministry",
        "subjects",
        "decision_no",
        "portal_url",
        "source",
    )
    return {k: rec[k] for k in order if k in rec}


def validate_records(items: Any, *, row_of=None) -> list[dict[str, Any]]:
    """Check every record; raise `ValidationFailed` with all errors (row/column) or return the
    cleaned records. `row_of(index)` maps a list index to the row reported (XLSX rows)."""
    errors = _Errors()
    if not isinstance(items, list):
        _refuse(_("Tệp phải là một danh sách (mảng JSON) các thủ tục."))
    if len(items) > MAX_RECORDS:
        _refuse(_("Tệp có quá %(n)d thủ tục.") % {"n": MAX_RECORDS})
    if not items:
        _refuse(_("Tệp không có thủ tục nào."))
    out = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        sub = _Errors()
        rec = _validate_one(i, item, sub)
        for e in sub.items:
            if row_of is not None and e["row"] is not None:
                e["row"] = row_of(i)
            errors.add(**e)
        errors.total += sub.total - len(sub.items)
        row = row_of(i) if row_of is not None else i + 1
        code = rec.get("code") if rec else None
        if code is None and isinstance(item, dict) and isinstance(item.get("code"), str):
            code = item["code"].strip() if CODE_RE.fullmatch(item["code"].strip()) else None
        if code:
            if code in seen:
                errors.add(
                    row,
                    "code",
                    _("Mã thủ tục %(code)s trùng với dòng %(first)d.")
                    % {"code": code, "first": seen[code]},
                )
            else:
                seen[code] = row
        if rec is not None:
            out.append(rec)
    errors.raise_if_any()
    return out


def parse_json_bytes(data: bytes) -> list[dict[str, Any]]:
    """Decode and validate a whole JSON file of the national shape."""
    if len(data) > MAX_BYTES:
        _refuse(_("Tệp lớn quá %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse(
            _("Tệp không phải UTF-8 (byte không hợp lệ ở vị trí %(pos)d).") % {"pos": exc.start}
        )
    try:
        items = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        _refuse(
            _("Tệp JSON không hợp lệ (dòng %(line)d, cột %(col)d).") % {"line": line, "col": col}
        )
    return validate_records(items)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_limited(path: Path | str) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        _refuse(_("Không đọc được tệp %(path)s.") % {"path": str(path)[:300]})
    if size > MAX_BYTES:
        _refuse(_("Tệp lớn quá %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    return path.read_bytes()


def import_json_bytes(*, actor: Any, data: bytes, source_label: str = ""):
    from egov.procedures.services import catalogue_import

    records = parse_json_bytes(data)
    return catalogue_import(
        actor=actor, records=records, source_label=source_label, sha256=sha256_of(data)
    )


def import_file(*, actor: Any, path: Path | str):
    """Import a JSON or XLSX file (by extension)."""
    path = Path(path)
    data = read_limited(path)
    if path.suffix.lower() == ".xlsx":
        from egov.procedures.importers.xlsx import import_xlsx_bytes

        return import_xlsx_bytes(actor=actor, data=data, source_label=path.name)
    return import_json_bytes(actor=actor, data=data, source_label=path.name)
