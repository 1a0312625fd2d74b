"""Import the national tree of 1 July 2025 and the units it replaced (Cục Thống kê data).

Reads `units-2025.csv` and `mapping-2025.csv` (see shared/data/units/README.md):

- the tree in force since 2025-07-01: 34 provinces and 3,321 communes, `valid_from=2025-07-01`;
- the units it replaced, as history (`valid_to=2025-06-30`): the old provinces, the old
  districts and the old communes, each under its old parent;
- one `UnitSuccession` per row of the conversion table (and one per old province), with the
  table's partial flag and note;
- `merged_into` (hence `path` and `anchor`): an old commune goes to its primary new commune
  (the one that took it whole, else the lowest code: `services.primary_successor`'s rule); an
  old district to the new unit that took it whole if there is one (the five special zones made
  of whole districts), else to the new province most of its communes went to; an old province
  to the new province it went to.

Codes were reused, so a unit is keyed by (code, in force) for the new tree and by
(code, valid_to=2025-06-30) for history. Running the import again changes nothing; names are
brought up to date. Everything is read and written in bulk, in one transaction, with one audit
event for the whole run. The conversion table's one row without a code (coastal land, not a
registered unit) is counted as skipped.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.units.models import Unit, UnitKind, UnitSuccession
from egov.units.services import rebuild_paths

NEW_FROM = date(2025, 7, 1)
OLD_TO = date(2025, 6, 30)
UNITS_FILE = "units-2025.csv"
MAPPING_FILE = "mapping-2025.csv"

NEW_TYPE_KIND = {
    "tỉnh": UnitKind.PROVINCE,
    "thành phố trực thuộc trung ương": UnitKind.CENTRAL_CITY,
    "xã": UnitKind.COMMUNE,
    "phường": UnitKind.WARD,
    "đặc khu": UnitKind.SPECIAL_ZONE,
}
OLD_LEVEL_KIND = {
    "Xã": UnitKind.COMMUNE,
    "Phường": UnitKind.WARD,
    "Thị trấn": UnitKind.TOWNSHIP,
    "Huyện": UnitKind.DISTRICT,
}
# The conversion table's land without a registered unit (no code): nothing to import.
UNCODED_LEVEL = "khu vực chưa có mã"

UNITS_COLUMNS = {"code", "name", "type", "parent_code", "old_units"}
MAPPING_COLUMNS = {
    "new_code",
    "new_name",
    "new_province_code",
    "old_code",
    "old_name",
    "old_level",
    "old_district_code",
    "old_district_name",
    "old_province_code",
    "old_province_name",
    "partial",
    "merge_note",
}

Key = tuple[str, str]  # ("new" | "old", code)


def default_data_dir() -> Path:
    """EGOV_UNITS_DATA_DIR, else `shared/data/units` beside the checkout."""
    configured = os.environ.get("EGOV_UNITS_DATA_DIR", "").strip()
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "units"


@dataclass
class Spec:
    code: str
    name: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    parent: Key | None = None
    merged_into: Key | None = None


@dataclass
class Plan:
    units: dict[Key, Spec] = field(default_factory=dict)
    # (predecessor, successor) -> (partial, note)
    successions: dict[tuple[Key, Key], tuple[bool, str]] = field(default_factory=dict)
    skipped_rows: int = 0


@dataclass
class ImportResult:
    provinces: list[str]
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    paths_updated: int = 0
    skipped_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _read(path: Path, columns: set[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise ValidationFailed(
            _("Không tìm thấy tệp dữ liệu %(path)s.") % {"path": path}, field="data_dir"
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = columns - set(reader.fieldnames or ())
        if missing:
            raise ValidationFailed(
                _("Tệp %(file)s thiếu cột: %(columns)s.")
                % {"file": path.name, "columns": ", ".join(sorted(missing))},
                field="data_dir",
            )
        return [{k: vntext.clean(v or "") for k, v in row.items() if k} for row in reader]


def _old_province_kind(name: str) -> str:
    return UnitKind.CENTRAL_CITY if name.startswith("Thành phố") else UnitKind.PROVINCE


def build_plan(data_dir: Path, provinces: Iterable[str] | None = None) -> Plan:
    """What the files say, limited to the given new provinces (all when None)."""
    units_rows = _read(data_dir / UNITS_FILE, UNITS_COLUMNS)
    mapping_rows = _read(data_dir / MAPPING_FILE, MAPPING_COLUMNS)
    known = {r["code"] for r in units_rows if not r["parent_code"]}
    wanted = set(provinces) if provinces else set(known)
    unknown = wanted - known
    if unknown:
        raise ValidationFailed(
            _("Không có tỉnh mã %(codes)s trong dữ liệu.") % {"codes": ", ".join(sorted(unknown))},
            field="province",
        )

    plan = Plan()
    for row in units_rows:
        province = row["parent_code"] or row["code"]
        if province not in wanted:
            continue
        kind = NEW_TYPE_KIND.get(row["type"])
        if kind is None:
            raise ValidationFailed(
                _("Loại đơn vị không rõ: %(type)r (%(code)s).")
                % {"type": row["type"], "code": row["code"]}
            )
        plan.units[("new", row["code"])] = Spec(
            code=row["code"],
            name=row["name"],
            kind=kind,
            valid_from=NEW_FROM,
            valid_to=None,
            parent=("new", row["parent_code"]) if row["parent_code"] else None,
        )

    district_targets: dict[str, Counter[str]] = defaultdict(Counter)
    province_targets: dict[str, Counter[str]] = defaultdict(Counter)
    commune_rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in mapping_rows:
        if row["new_province_code"] not in wanted:
            continue
        old_code, level = row["old_code"], row["old_level"]
        if not old_code:
            if level != UNCODED_LEVEL:
                raise ValidationFailed(
                    _("Dòng chuyển đổi thiếu mã đơn vị cũ: %(name)r.") % {"name": row["old_name"]}
                )
            plan.skipped_rows += 1
            continue
        if level not in OLD_LEVEL_KIND:
            raise ValidationFailed(
                _("Cấp đơn vị cũ không rõ: %(level)r (%(code)s).")
                % {"level": level, "code": old_code}
            )
        province_code, district_code = row["old_province_code"], row["old_district_code"]
        plan.units.setdefault(
            ("old", province_code),
            Spec(
                code=province_code,
                name=row["old_province_name"],
                kind=_old_province_kind(row["old_province_name"]),
                valid_from=None,
                valid_to=OLD_TO,
            ),
        )
        plan.units.setdefault(
            ("old", district_code),
            Spec(
                code=district_code,
                name=row["old_district_name"],
                kind=UnitKind.DISTRICT,
                valid_from=None,
                valid_to=OLD_TO,
                parent=("old", province_code),
            ),
        )
        if old_code != district_code:  # a whole district became a special zone: same unit
            plan.units.setdefault(
                ("old", old_code),
                Spec(
                    code=old_code,
                    name=row["old_name"],
                    kind=OLD_LEVEL_KIND[level],
                    valid_from=None,
                    valid_to=OLD_TO,
                    parent=("old", district_code),
                ),
            )
        commune_rows[old_code].append(row)
        district_targets[district_code][row["new_province_code"]] += 1
        province_targets[province_code][row["new_province_code"]] += 1
        plan.successions[(("old", old_code), ("new", row["new_code"]))] = (
            row["partial"] == "1",
            row["merge_note"][:255],
        )

    # Old provinces → new provinces (the units file lists them for each new province).
    for row in units_rows:
        if row["parent_code"] or row["code"] not in wanted:
            continue
        for entry in filter(None, (e.strip() for e in row["old_units"].split(";"))):
            old_code = entry.split(" ", 1)[0]
            if ("old", old_code) in plan.units:
                plan.successions[(("old", old_code), ("new", row["code"]))] = (False, "")

    def most_common(counter: Counter[str]) -> str:
        return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]

    for old_code, rows in commune_rows.items():
        whole = [r for r in rows if r["partial"] != "1"]
        primary = whole[0] if whole else min(rows, key=lambda r: r["new_code"])
        plan.units[("old", old_code)].merged_into = ("new", primary["new_code"])
    for district_code, counter in district_targets.items():
        spec = plan.units[("old", district_code)]
        if spec.merged_into is None:  # not one of the whole districts handled above
            spec.merged_into = ("new", most_common(counter))
    for province_code, counter in province_targets.items():
        plan.units[("old", province_code)].merged_into = ("new", most_common(counter))

    for key, spec in plan.units.items():
        for ref in (spec.parent, spec.merged_into):
            if ref is not None and ref not in plan.units:
                raise ValidationFailed(
                    _("Đơn vị %(code)s tham chiếu mã không có: %(ref)s.")
                    % {"code": key[1], "ref": ref[1]}
                )
    return plan


def _depths(plan: Plan) -> dict[Key, int]:
    depth: dict[Key, int] = {}

    def of(key: Key, trail: tuple[Key, ...] = ()) -> int:
        if key in depth:
            return depth[key]
        if key in trail:
            raise ValidationFailed(_("Dữ liệu bị vòng lặp tại mã %(code)s.") % {"code": key[1]})
        spec = plan.units[key]
        refs = [r for r in (spec.parent, spec.merged_into) if r is not None]
        depth[key] = 1 + max((of(r, (*trail, key)) for r in refs), default=-1)
        return depth[key]

    for key in plan.units:
        of(key)
    return depth


_UNIT_FIELDS = ["name", "kind", "search_key", "valid_from", "valid_to", "parent", "merged_into"]


@transaction.atomic
def import_national(
    *, actor: Any = None, data_dir: Path | str | None = None, provinces: Iterable[str] | None = None
) -> ImportResult:
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    wanted = sorted(set(provinces)) if provinces else []
    plan = build_plan(data_dir, wanted or None)
    result = ImportResult(provinces=wanted or ["*"], skipped_rows=plan.skipped_rows)

    # What is already there, read in two queries (no huge IN lists).
    existing: dict[Key, Unit] = {}
    for unit in Unit.objects.select_for_update().filter(valid_to__isnull=True).exclude(code=""):
        existing[("new", unit.code)] = unit
    for unit in Unit.objects.select_for_update().filter(valid_to=OLD_TO).exclude(code=""):
        existing[("old", unit.code)] = unit

    resolved: dict[Key, Unit] = {}
    to_update: list[Unit] = []
    depth = _depths(plan)
    for level in sorted(set(depth.values())):
        fresh: list[Unit] = []
        for key, spec in plan.units.items():
            if depth[key] != level:
                continue
            values = {
                "name": spec.name,
                "kind": spec.kind,
                "search_key": vntext.search_key(spec.name),
                "valid_from": spec.valid_from,
                "valid_to": spec.valid_to,
                "parent_id": resolved[spec.parent].pk if spec.parent else None,
                "merged_into_id": resolved[spec.merged_into].pk if spec.merged_into else None,
            }
            unit = existing.get(key)
            if unit is None:
                unit = Unit(code=spec.code, **values)
                fresh.append(unit)
            elif any(getattr(unit, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(unit, k, v)
                to_update.append(unit)
            else:
                result.units_unchanged += 1
            resolved[key] = unit
        # Parents and successors sit at lower levels, so they already have ids.
        Unit.objects.bulk_create(fresh, batch_size=500)
        result.units_created += len(fresh)
    if to_update:
        Unit.objects.bulk_update(to_update, _UNIT_FIELDS, batch_size=500)
    result.units_updated = len(to_update)

    by_pair = {
        (s.predecessor_id, s.successor_id): s
        for s in UnitSuccession.objects.filter(effective_date=NEW_FROM)
    }
    new_successions: list[UnitSuccession] = []
    changed_successions: list[UnitSuccession] = []
    for (pred_key, succ_key), (is_partial, note) in plan.successions.items():
        pred, succ = resolved[pred_key], resolved[succ_key]
        current = by_pair.get((pred.pk, succ.pk))
        if current is None:
            new_successions.append(
                UnitSuccession(
                    predecessor=pred,
                    successor=succ,
                    effective_date=NEW_FROM,
                    partial=is_partial,
                    note=note,
                )
            )
        elif (current.partial, current.note) != (is_partial, note):
            current.partial, current.note = is_partial, note
            changed_successions.append(current)
    UnitSuccession.objects.bulk_create(new_successions, batch_size=500)
    if changed_successions:
        UnitSuccession.objects.bulk_update(changed_successions, ["partial", "note"], batch_size=500)
    result.successions_created = len(new_successions)
    result.successions_updated = len(changed_successions)

    result.paths_updated = rebuild_paths([u.pk for u in resolved.values()])

    audit_record(
        actor=actor,
        action="unit.import_national",
        summary={"source": "Cục Thống kê, 01/07/2025", **result.as_dict()},
    )
    return result
