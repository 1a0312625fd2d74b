"""CSV export and import of the unit tree, for administrators.

File format
-----------
- UTF-8. The export starts with a byte-order mark (BOM) so that Excel opens it as UTF-8, and
  uses CRLF line ends; the import accepts UTF-8 with or without the BOM, CRLF or LF.
- One header row, then one row per unit. Columns (`COLUMNS`):
  `code, edid, name, kind, parent_code, parent_name, valid_from, valid_to, merged_into_code,
  merged_into_name, address, email, phone`. `code`, `name`, `kind` and `parent_code` are
  required in the header; a missing optional column leaves that field unchanged (blank for a
  new unit). Unknown or repeated columns are refused.
- `kind`: a `UnitKind` value (`commune`, `ward`, `province`, …) or its Vietnamese label
  (`Xã`, `Phường`, `Tỉnh`, …). Dates: `YYYY-MM-DD` (export) or `DD/MM/YYYY`.
- References. `parent_code` is the statistical code of the parent. Codes were reused in 2025,
  so a code is read *on the row's date*: the unit with that code in force on `valid_to` (for
  an ended unit), else today (or `valid_from` if later). `merged_into_code` is read on the day
  after `valid_to`. A parent without a code (an office inside a People's Committee) is named
  by `parent_name`: the names of the uncoded units below the `parent_code` unit, joined by
  " / " (and likewise `merged_into_name`). References may point to rows earlier or later in
  the same file, or to units already in the database.
- Keys. A unit with a code is the same unit as the row with that code in force (`valid_to`
  empty), or, for an ended unit, with that code and `valid_to` (or the unit in force with that
  code, which the row then ends). A unit without a code is keyed by (parent, name).
- Row numbers in errors count the header as row 1, as a spreadsheet shows them.

Import is all or nothing: every row is checked (format, references, cycles, duplicates,
permissions) before anything is written, in one transaction; any error and nothing is written,
and every error comes back as {"row", "column", "message"} in Vietnamese.
On export every cell that starts with = + - @ (or a tab / carriage return) gets a leading
apostrophe, so that a spreadsheet does not run it as a formula; the import removes it again.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.accounts.policy import Perm, has_perm_on
from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Conflict, ValidationFailed
from egov.units.models import EDID_RE, Unit, UnitKind
from egov.units.services import rebuild_paths

COLUMNS = (
    "code",
    "edid",
    "name",
    "kind",
    "parent_code",
    "parent_name",
    "valid_from",
    "valid_to",
    "merged_into_code",
    "merged_into_name",
    "address",
    "email",
    "phone",
)
REQUIRED = ("code", "name", "kind", "parent_code")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 500
NAME_SEPARATOR = " / "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIMITS = {
    "name": 255,
    "kind": 64,
    "parent_name": 1000,
    "merged_into_name": 1000,
    "address": 255,
    "email": 254,
    "phone": 32,
}
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CODE_RE = re.compile(r"^([0-9]{2}|[0-9]{3}|[0-9]{5})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VN_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PHONE_CHARS = set("0123456789 +-.()/")
_BATCH = 500

Node = tuple[str, int]  # ("row", index in rows) | ("db", unit id)


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append({"row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if not self.total:
            return
        items = list(self.items)
        if self.total > len(items):
            items.append(
                {
                    "row": None,
                    "column": None,
                    "message": _("… và %(n)d lỗi khác.") % {"n": self.total - len(items)},
                }
            )
        raise ValidationFailed(
            _("Tệp CSV có %(n)d lỗi; chưa có thay đổi nào được ghi.") % {"n": self.total},
            code="csv_invalid",
            errors=items,
        )


@dataclass
class _Row:
    row: int
    present: set[str]
    code: str = ""
    edid: str = ""
    name: str = ""
    kind: str = ""
    parent_code: str = ""
    parent_names: list[str] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None
    merged_code: str = ""
    merged_names: list[str] = field(default_factory=list)
    address: str = ""
    email: str = ""
    phone: str = ""
    ok: bool = True
    match: Unit | None = None
    parent: Node | None = None
    merged: Node | None = None


# --- Export ---------------------------------------------------------------------------------------


def _safe_cell(value: Any) -> str:
    text = "" if value is None else (value.isoformat() if isinstance(value, date) else str(value))
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def units_export_csv(*, user: Any, root: Unit | None = None) -> bytes:
    """The units the user may see (history included), under `root` if given, as CSV bytes."""
    from egov.units.selectors import unit_list

    fields = [
        "id",
        "code",
        "edid",
        "name",
        "kind",
        "parent_id",
        "merged_into_id",
        "valid_from",
        "valid_to",
        "address",
        "email",
        "phone",
    ]
    rows = list(
        unit_list(user=user, include_history=True, root=root).select_related(None).values(*fields)
    )
    known: dict[int, tuple[str, str, int | None]] = {
        r["id"]: (r["code"], r["name"], r["parent_id"]) for r in rows
    }
    pending = {r[k] for r in rows for k in ("parent_id", "merged_into_id") if r[k]} - set(known)
    while pending:  # references outside the export, and the uncoded ancestors of those
        batch = sorted(pending)[:_BATCH]
        pending -= set(batch)
        for pk, code, name, parent_id in Unit.objects.filter(pk__in=batch).values_list(
            "id", "code", "name", "parent_id"
        ):
            known[pk] = (code, name, parent_id)
            if not code and parent_id and parent_id not in known:
                pending.add(parent_id)

    def ref(pk: int | None) -> tuple[str, str]:
        names: list[str] = []
        seen: set[int] = set()
        while pk is not None and pk in known and pk not in seen:
            seen.add(pk)
            code, name, parent_id = known[pk]
            if code:
                return code, NAME_SEPARATOR.join(reversed(names))
            names.append(name)
            pk = parent_id
        return "", NAME_SEPARATOR.join(reversed(names))

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        parent_code, parent_name = ref(r["parent_id"])
        merged_code, merged_name = ref(r["merged_into_id"])
        writer.writerow(
            [
                _safe_cell(v)
                for v in (
                    r["code"],
                    r["edid"],
                    r["name"],
                    r["kind"],
                    parent_code,
                    parent_name,
                    r["valid_from"],
                    r["valid_to"],
                    merged_code,
                    merged_name,
                    r["address"],
                    r["email"],
                    r["phone"],
                )
            ]
        )
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --- Import: reading and checking each row --------------------------------------------------------


def _kind_lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for kind in UnitKind:
        table[vntext.search_key(kind.value)] = kind.value
        table[vntext.search_key(str(kind.label))] = kind.value
    aliases = {
        "huyen": UnitKind.DISTRICT,
        "quan": UnitKind.DISTRICT,
        "thi xa": UnitKind.DISTRICT,
        "thi tran": UnitKind.TOWNSHIP,
        "dac khu": UnitKind.SPECIAL_ZONE,
        "thanh pho": UnitKind.CENTRAL_CITY,
        "ubnd": UnitKind.PEOPLES_COMMITTEE,
    }
    for alias, kind in aliases.items():
        table.setdefault(alias, kind.value)
    return table


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    m = _ISO_DATE.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = _VN_DATE.match(text)
        if not m:
            raise ValueError(text)
        day, month, year = (int(g) for g in m.groups())
    if not 1900 <= year <= 2999:
        raise ValueError(text)
    return date(year, month, day)


def _decode(fileobj: Any, errors: _Errors) -> str | None:
    data = fileobj.read(MAX_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        errors.add(None, None, _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": MAX_BYTES // 2**20})
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        errors.add(
            line,
            None,
            _(
                "Tệp không phải mã UTF-8 (byte không hợp lệ ở dòng %(line)d). "
                "Hãy lưu tệp dạng “CSV UTF-8”."
            )
            % {"line": line},
        )
        return None


def _read_rows(text: str, errors: _Errors) -> list[_Row]:
    kinds = _kind_lookup()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[_Row] = []
    header: list[str] = []
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used after the loop
            if number == 1:
                header = [vntext.clean(h).lower() for h in record]
                seen: set[str] = set()
                for col in header:
                    if col not in COLUMNS:
                        errors.add(1, col, _("Cột không được hỗ trợ."))
                    elif col in seen:
                        errors.add(1, col, _("Cột bị lặp lại."))
                    seen.add(col)
                for col in REQUIRED:
                    if col not in seen:
                        errors.add(1, col, _("Thiếu cột bắt buộc."))
                if errors:
                    return []
                continue
            if number - 1 > MAX_ROWS:
                errors.add(number, None, _("Tệp có quá %(n)d dòng.") % {"n": MAX_ROWS})
                return rows
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                errors.add(
                    number,
                    None,
                    _("Dòng có %(got)d cột, tiêu đề có %(want)d cột.")
                    % {"got": len(record), "want": len(header)},
                )
                continue
            rows.append(_parse_row(number, dict(zip(header, record, strict=True)), kinds, errors))
    except csv.Error as exc:
        errors.add(
            number + 1,
            None,
            _("Không đọc được dòng CSV (dấu ngoặc kép hoặc ô không hợp lệ): %(e)s") % {"e": exc},
        )
    if number == 0:
        errors.add(None, None, _("Tệp trống."))
    return rows


def _cell(raw: str, row: _Row, column: str, errors: _Errors) -> str:
    if not raw:
        return ""
    if "\x00" in raw:
        errors.add(row.row, column, _("Ô chứa ký tự NUL."))
        row.ok = False
        return ""
    if _CONTROL.search(raw):
        errors.add(row.row, column, _("Ô chứa ký tự điều khiển không hợp lệ."))
        row.ok = False
        return ""
    if raw.startswith("'") and raw[1:2] and raw[1] in "".join(FORMULA_START):
        raw = raw[1:]  # written by our export to stop spreadsheet formulas
    value = vntext.clean(raw)
    limit = LIMITS.get(column)
    if limit and len(value) > limit:
        errors.add(row.row, column, _("Quá dài (tối đa %(n)d ký tự).") % {"n": limit})
        row.ok = False
        return ""
    return value


def _names(value: str, row: _Row, column: str, errors: _Errors) -> list[str]:
    names = [vntext.clean(n) for n in value.split(NAME_SEPARATOR)] if value else []
    if any(not n for n in names):
        errors.add(row.row, column, _("Tên đơn vị cấp trên bị trống."))
        row.ok = False
    return names


def _parse_row(number: int, cells: dict[str, str], kinds: dict[str, str], errors: _Errors) -> _Row:
    row = _Row(row=number, present=set(cells))
    v = {col: _cell(raw, row, col, errors) for col, raw in cells.items()}

    def bad(column: str, message: str) -> None:
        errors.add(number, column, message)
        row.ok = False

    row.name = v.get("name", "")
    if not row.name and "name" not in {e["column"] for e in errors.items if e["row"] == number}:
        bad("name", _("Tên đơn vị không được để trống."))
    raw_kind = v.get("kind", "")
    row.kind = kinds.get(vntext.search_key(raw_kind), "")
    if not row.kind:
        bad("kind", _("Loại đơn vị không hợp lệ: “%(v)s”.") % {"v": raw_kind[:40]})
    for column in ("code", "parent_code", "merged_into_code"):
        code = v.get(column, "").replace(" ", "")
        if code and not _CODE_RE.match(code):
            hint = (
                _(" (Excel có thể đã xoá số 0 ở đầu)") if code.isdigit() and len(code) < 5 else ""
            )
            bad(column, _("Mã thống kê phải gồm 2, 3 hoặc 5 chữ số.") + hint)
            code = ""
        setattr(row, {"merged_into_code": "merged_code"}.get(column, column), code)
    row.edid = v.get("edid", "").replace(" ", "")
    if row.edid and not EDID_RE.match(row.edid):
        bad("edid", _("Mã định danh điện tử phải có dạng AAA.BB.CC.Xnn (ví dụ 000.00.00.H30)."))
        row.edid = ""
    for column in ("valid_from", "valid_to"):
        try:
            setattr(row, column, _parse_date(v.get(column, "")))
        except ValueError:
            bad(column, _("Ngày không hợp lệ (dùng dạng YYYY-MM-DD hoặc DD/MM/YYYY)."))
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        bad("valid_to", _("Ngày hết hiệu lực trước ngày bắt đầu hiệu lực."))
    row.parent_names = _names(v.get("parent_name", ""), row, "parent_name", errors)
    row.merged_names = _names(v.get("merged_into_name", ""), row, "merged_into_name", errors)
    if (row.merged_code or row.merged_names) and row.valid_to is None:
        bad(
            "merged_into_code", _("Đơn vị còn hiệu lực thì không thể đã sáp nhập (thiếu valid_to).")
        )
    if not row.code and NAME_SEPARATOR in row.name:
        bad("name", _("Tên đơn vị không có mã không được chứa “ / ”."))
    row.address = v.get("address", "")
    row.email = v.get("email", "")
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            bad("email", _("Địa chỉ thư điện tử không hợp lệ."))
    row.phone = v.get("phone", "")
    if row.phone and not set(row.phone) <= _PHONE_CHARS:
        bad("phone", _("Số điện thoại chỉ gồm chữ số, khoảng trắng và các dấu + - . ( ) /."))
    return row


# --- Import: keys, references, cycles -------------------------------------------------------------


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


def _in_force(valid_from: date | None, valid_to: date | None, on: date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or valid_to >= on)


class _Resolver:
    def __init__(self, rows: list[_Row], errors: _Errors) -> None:
        self.rows = rows
        self.errors = errors
        self.today = timezone.localdate()
        codes = (
            {r.code for r in rows} | {r.parent_code for r in rows} | {r.merged_code for r in rows}
        )
        codes.discard("")
        names = {r.name for r in rows if not r.code}
        names |= {n for r in rows for n in (*r.parent_names, *r.merged_names)}
        self.db: dict[int, Unit] = {}
        self.db_by_code: dict[str, list[Unit]] = defaultdict(list)
        self.db_uncoded: dict[tuple[int | None, str], list[Unit]] = defaultdict(list)
        for chunk in _chunks(sorted(codes)):
            for unit in Unit.objects.filter(code__in=chunk).order_by("pk"):
                self.db[unit.pk] = unit
                self.db_by_code[unit.code].append(unit)
        for chunk in _chunks(sorted(names)):
            for unit in Unit.objects.filter(code="", name__in=chunk).order_by("pk"):
                self.db[unit.pk] = unit
                self.db_uncoded[(unit.parent_id, unit.name)].append(unit)
        self.rows_by_code: dict[str, list[int]] = defaultdict(list)
        self.uncoded_by_name: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            if r.code:
                self.rows_by_code[r.code].append(i)
            else:
                self.uncoded_by_name[r.name].append(i)
        self.claimed: dict[int, int] = {}  # db unit id -> row index
        self.parent_done: dict[int, Node | None] = {}
        self.in_progress: set[int] = set()

    # Keys -------------------------------------------------------------------------------------

    def claim(self, i: int, unit: Unit, column: str) -> None:
        other = self.claimed.get(unit.pk)
        if other is not None and other != i:
            self.fail(i, column, _("Trùng đơn vị với dòng %(n)d.") % {"n": self.rows[other].row})
            return
        self.claimed[unit.pk] = i
        self.rows[i].match = unit

    def fail(self, i: int, column: str | None, message: str) -> None:
        self.errors.add(self.rows[i].row, column, message)
        self.rows[i].ok = False

    def match_coded(self) -> None:
        keys: dict[tuple[str, date | None], int] = {}
        for i, r in enumerate(self.rows):
            if not r.code:
                continue
            key = (r.code, r.valid_to)
            if key in keys:
                first = self.rows[keys[key]].row
                if r.valid_to is None:
                    msg = _("Mã %(code)s đang có hiệu lực đã có ở dòng %(n)d.")
                else:
                    msg = _("Mã %(code)s hết hiệu lực cùng ngày đã có ở dòng %(n)d.")
                self.fail(i, "code", msg % {"code": r.code, "n": first})
                continue
            keys[key] = i
        by_code: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.rows):
            if r.code and r.ok:
                by_code[r.code].append(i)
        for code, indexes in by_code.items():
            units = self.db_by_code.get(code, [])
            db_live = next((u for u in units if u.valid_to is None), None)
            ended = {u.valid_to: u for u in units if u.valid_to is not None}
            live_row = next((i for i in indexes if self.rows[i].valid_to is None), None)
            open_ended: list[int] = []
            for i in indexes:
                r = self.rows[i]
                if r.valid_to is not None and r.valid_to in ended:
                    self.claim(i, ended[r.valid_to], "code")
                elif r.valid_to is not None:
                    open_ended.append(i)
            if db_live is None:
                continue
            # Rows that may end the unit in force: it had started by their end date.
            enders = sorted(
                (
                    i
                    for i in open_ended
                    if db_live.valid_from is None or db_live.valid_from <= self.rows[i].valid_to  # type: ignore[operator]
                ),
                key=lambda i: self.rows[i].valid_to,  # type: ignore[arg-type,return-value]
            )
            if live_row is not None:
                start = self.rows[live_row].valid_from
                # The code is reused: the file ends the current unit and starts a new one.
                reused = [
                    i
                    for i in enders
                    if start is not None
                    and start != db_live.valid_from
                    and self.rows[i].valid_to < start  # type: ignore[operator]
                ]
                if reused:
                    self.claim(reused[-1], db_live, "code")
                else:
                    self.claim(live_row, db_live, "code")
            elif enders:
                self.claim(enders[-1], db_live, "code")

    # References -------------------------------------------------------------------------------

    def dates(self, node: Node) -> tuple[date | None, date | None]:
        if node[0] == "row":
            r = self.rows[node[1]]
            return r.valid_from, r.valid_to
        u = self.db[node[1]]
        return u.valid_from, u.valid_to

    def node_of_db(self, unit_id: int) -> Node:
        i = self.claimed.get(unit_id)
        return ("row", i) if i is not None else ("db", unit_id)

    def db_id(self, node: Node | None) -> int | None:
        if node is None:
            return None
        if node[0] == "db":
            return node[1]
        match = self.rows[node[1]].match
        return match.pk if match is not None else None

    def by_code(self, i: int, code: str, on: date, column: str) -> Node | None:
        cands: list[Node] = [("row", j) for j in self.rows_by_code.get(code, [])]
        cands += [("db", u.pk) for u in self.db_by_code.get(code, []) if u.pk not in self.claimed]
        if not cands:
            self.fail(i, column, _("Không có đơn vị mã %(code)s.") % {"code": code})
            return None
        on_date = [c for c in cands if _in_force(*self.dates(c), on)]
        if len(on_date) == 1:
            return on_date[0]
        if not on_date:
            if len(cands) == 1:
                return cands[0]
            live = [c for c in cands if self.dates(c)[1] is None]
            if len(live) == 1:
                return live[0]
        self.fail(
            i,
            column,
            _("Mã %(code)s chỉ nhiều đơn vị vào ngày %(d)s; hãy ghi rõ ngày hiệu lực.")
            % {"code": code, "d": on.strftime("%d/%m/%Y")},
        )
        return None

    def child(self, i: int, parent: Node | None, name: str, column: str) -> Node | None:
        cands = [
            ("row", j)
            for j in self.uncoded_by_name.get(name, [])
            if j not in self.in_progress and self.parent_of(j) == parent
        ]
        if cands:
            return cands[0]
        parent_db = self.db_id(parent)
        if parent is None or parent_db is not None:
            units = [
                u for u in self.db_uncoded.get((parent_db, name), []) if u.pk not in self.claimed
            ]
            units.sort(key=lambda u: u.valid_to is not None)
            if units:
                return ("db", units[0].pk)
        self.fail(i, column, _("Không tìm thấy đơn vị cấp trên “%(name)s”.") % {"name": name})
        return None

    def ref(
        self, i: int, code: str, names: list[str], on: date, columns: tuple[str, str]
    ) -> Node | None:
        node: Node | None = None
        if code:
            node = self.by_code(i, code, on, columns[0])
            if node is None:
                return None
        for name in names:
            node = self.child(i, node, name, columns[1])
            if node is None:
                return None
        return node

    def as_of(self, r: _Row) -> date:
        if r.valid_to is not None:
            return r.valid_to
        return max(self.today, r.valid_from or self.today)

    def parent_of(self, i: int) -> Node | None:
        if i in self.parent_done:
            return self.parent_done[i]
        self.in_progress.add(i)
        r = self.rows[i]
        node = None
        if r.ok and (r.parent_code or r.parent_names):
            node = self.ref(
                i, r.parent_code, r.parent_names, self.as_of(r), ("parent_code", "parent_name")
            )
        self.in_progress.discard(i)
        self.parent_done[i] = node
        r.parent = node
        if r.ok and not r.code:  # key of a unit without a code: (parent, name)
            parent_db = self.db_id(node)
            if node is None or parent_db is not None:
                units = [
                    u
                    for u in self.db_uncoded.get((parent_db, r.name), [])
                    if u.pk not in self.claimed
                ]
                units.sort(key=lambda u: (u.valid_to != r.valid_to, u.valid_to is not None))
                if units:
                    self.claim(i, units[0], "name")
        return node

    def resolve(self) -> None:
        self.match_coded()
        for i in range(len(self.rows)):
            self.parent_of(i)
        seen_uncoded: dict[tuple[Node | None, str, date | None], int] = {}
        for i, r in enumerate(self.rows):
            if not r.ok:
                continue
            if not r.code:
                key = (r.parent, r.name, r.valid_to)
                if key in seen_uncoded:
                    self.fail(
                        i,
                        "name",
                        _("Đơn vị “%(name)s” cùng cấp trên đã có ở dòng %(n)d.")
                        % {"name": r.name, "n": self.rows[seen_uncoded[key]].row},
                    )
                    continue
                seen_uncoded[key] = i
            if r.merged_code or r.merged_names:
                assert r.valid_to is not None
                r.merged = self.ref(
                    i,
                    r.merged_code,
                    r.merged_names,
                    r.valid_to + timedelta(days=1),
                    ("merged_into_code", "merged_into_name"),
                )
                if r.merged == ("row", i):
                    self.fail(i, "merged_into_code", _("Đơn vị không thể sáp nhập vào chính nó."))
            if r.parent == ("row", i):
                self.fail(i, "parent_code", _("Đơn vị không thể là cấp trên của chính nó."))

    # Cycles -----------------------------------------------------------------------------------

    def check_cycles(self) -> None:
        db_links: dict[int, tuple[int | None, int | None]] = {
            u.pk: (u.parent_id, u.merged_into_id) for u in self.db.values()
        }

        def links(node: Node) -> tuple[Node | None, Node | None]:
            if node[0] == "row":
                r = self.rows[node[1]]
                return r.parent, r.merged
            pk = node[1]
            if pk not in db_links:
                for u_pk, p, m in Unit.objects.filter(pk=pk).values_list(
                    "id", "parent_id", "merged_into_id"
                ):
                    db_links[u_pk] = (p, m)
            p, m = db_links.get(pk, (None, None))
            return (
                self.node_of_db(p) if p else None,
                self.node_of_db(m) if m else None,
            )

        for relation, column in (("parent", "parent_code"), ("holder", "merged_into_code")):
            safe: set[Node] = set()
            for i, r in enumerate(self.rows):
                if not r.ok:
                    continue
                trail: list[Node] = []
                on_trail: set[Node] = set()
                node: Node | None = ("row", i)
                while node is not None and node not in safe:
                    if node in on_trail:
                        self.fail(
                            i,
                            column if relation == "holder" and r.merged else "parent_code",
                            _("Cấu trúc đơn vị bị vòng lặp (đơn vị nằm trong chính nó)."),
                        )
                        break
                    on_trail.add(node)
                    trail.append(node)
                    parent, merged = links(node)
                    node = parent if relation == "parent" else (merged or parent)
                else:
                    safe.update(trail)


# --- Import: writing ------------------------------------------------------------------------------

_FIELDS = ("edid", "name", "kind", "valid_from", "valid_to", "address", "email", "phone")


@transaction.atomic
def units_import_csv(*, actor: Any, fileobj: Any, within: Unit | None = None) -> ImportSummary:
    """Create or update units from a CSV file (see the module docstring for the format).

    An administrator may only create or change units inside their own scope: every changed
    unit, its new parent and the unit it was merged into must satisfy
    `has_perm_on(actor, Perm.UNIT_MANAGE, …)`; a unit at the top of the tree needs a system
    administrator. With `within`, every change must also lie under that unit.
    """
    errors = _Errors()
    text = _decode(fileobj, errors)
    rows = _read_rows(text, errors) if text is not None else []
    errors.raise_if_any()

    resolver = _Resolver(rows, errors)
    resolver.resolve()
    resolver.check_cycles()
    errors.raise_if_any()

    # Edid unique among units in force.
    edids: dict[str, int] = {}
    for i, r in enumerate(rows):
        if r.edid and r.valid_to is None:
            if r.edid in edids:
                resolver.fail(
                    i,
                    "edid",
                    _("Mã định danh đã có ở dòng %(n)d.") % {"n": rows[edids[r.edid]].row},
                )
            edids[r.edid] = i
    for chunk in _chunks(sorted(edids)):
        for unit in Unit.objects.filter(edid__in=chunk, valid_to__isnull=True):
            i = edids[unit.edid]
            if unit.pk not in resolver.claimed and rows[i].match != unit:
                resolver.fail(i, "edid", _("Mã định danh đã được dùng cho %(u)s.") % {"u": unit})

    def nearest_db(node: Node | None) -> Unit | None:
        seen: set[Node] = set()
        while node is not None and node not in seen:
            seen.add(node)
            if node[0] == "db":
                return resolver.db.get(node[1]) or Unit.objects.get(pk=node[1])
            r = rows[node[1]]
            if r.match is not None:
                return r.match
            node = r.parent
        return None

    def allowed(unit: Unit | None) -> bool:
        if within is not None and (unit is None or not unit.path.startswith(within.path)):
            return False
        return actor is None or has_perm_on(actor, Perm.UNIT_MANAGE, unit)

    summary = ImportSummary(rows=len(rows))
    creates: list[int] = []
    updates: dict[int, set[str]] = {}
    for i, r in enumerate(rows):
        new_parent_db = resolver.db_id(r.parent)
        new_merged_db = resolver.db_id(r.merged)
        if r.match is None:
            creates.append(i)
            if not allowed(nearest_db(r.parent)):
                resolver.fail(i, "parent_code", _("Bạn không có quyền tạo đơn vị ở đây."))
            if r.merged and not allowed(nearest_db(r.merged)):
                resolver.fail(i, "merged_into_code", _("Bạn không có quyền với đơn vị này."))
            continue
        unit = r.match
        changed = {f for f in _FIELDS if f in r.present and getattr(r, f) != getattr(unit, f)}
        if (r.parent is not None and new_parent_db is None) or new_parent_db != unit.parent_id:
            changed.add("parent")
        if _merge_columns(r) and (
            (r.merged is not None and new_merged_db is None) or new_merged_db != unit.merged_into_id
        ):
            changed.add("merged_into")
        if not changed:
            summary.unchanged += 1
            continue
        updates[i] = changed
        if not allowed(unit):
            resolver.fail(i, "code" if r.code else "name", _("Bạn không có quyền sửa đơn vị này."))
        if "parent" in changed and not allowed(nearest_db(r.parent)):
            resolver.fail(i, "parent_code", _("Bạn không có quyền chuyển đơn vị đến đây."))
        if "merged_into" in changed and r.merged and not allowed(nearest_db(r.merged)):
            resolver.fail(i, "merged_into_code", _("Bạn không có quyền với đơn vị này."))
    errors.raise_if_any()

    try:
        with transaction.atomic():
            _write(rows, resolver, creates, updates, summary)
    except IntegrityError as exc:
        raise Conflict(
            _("Dữ liệu xung đột với đơn vị đã có (mã trùng); chưa có thay đổi nào được ghi."),
            code="csv_conflict",
        ) from exc

    audit_record(
        actor=actor,
        action="unit.import_csv",
        unit=within,
        summary={**summary.as_dict(), "within": within.pk if within else None},
    )
    return summary


def _merge_columns(r: _Row) -> bool:
    return bool(r.present & {"merged_into_code", "merged_into_name"})


def _write(
    rows: list[_Row],
    resolver: _Resolver,
    creates: list[int],
    updates: dict[int, set[str]],
    summary: ImportSummary,
) -> None:
    now = timezone.now()
    # Changed units first (an ended unit frees its code for a new one), then new units, then
    # the links to rows that were new.
    changed_units: list[Unit] = []
    fields: set[str] = {"updated_at"}
    for i, changed in updates.items():
        r, unit = rows[i], rows[i].match
        assert unit is not None
        for f in changed & set(_FIELDS):
            setattr(unit, f, getattr(r, f))
        if "name" in changed:
            unit.search_key = vntext.search_key(r.name)
            fields.add("search_key")
        if "parent" in changed:
            unit.parent_id = resolver.db_id(r.parent)
        if "merged_into" in changed:
            unit.merged_into_id = resolver.db_id(r.merged)
        unit.updated_at = now
        fields |= changed
        changed_units.append(unit)
    if changed_units:
        Unit.objects.bulk_update(changed_units, sorted(fields), batch_size=_BATCH)
    summary.updated = len(changed_units)

    fresh: list[Unit] = []
    for i in creates:
        r = rows[i]
        unit = Unit(
            code=r.code,
            edid=r.edid,
            name=r.name,
            kind=r.kind,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            address=r.address,
            email=r.email,
            phone=r.phone,
            search_key=vntext.search_key(r.name),
            parent_id=resolver.db_id(r.parent),
            merged_into_id=resolver.db_id(r.merged),
        )
        fresh.append(unit)
    Unit.objects.bulk_create(fresh, batch_size=_BATCH)
    for i, unit in zip(creates, fresh, strict=True):
        rows[i].match = unit
    summary.created = len(fresh)

    relink: list[Unit] = []
    created = set(creates)
    for i in [*creates, *updates]:
        r, unit = rows[i], rows[i].match
        assert unit is not None
        parent_id = resolver.db_id(r.parent)
        merged_id = (
            resolver.db_id(r.merged)
            if i in created or "merged_into" in updates[i]
            else unit.merged_into_id
        )
        if (unit.parent_id, unit.merged_into_id) != (parent_id, merged_id):
            unit.parent_id, unit.merged_into_id = parent_id, merged_id
            relink.append(unit)
    if relink:
        Unit.objects.bulk_update(relink, ["parent", "merged_into"], batch_size=_BATCH)

    moved = [rows[i].match.pk for i in creates]  # type: ignore[union-attr]
    moved += [
        rows[i].match.pk  # type: ignore[union-attr]
        for i, changed in updates.items()
        if changed & {"parent", "merged_into"}
    ]
    rebuild_paths(moved)
