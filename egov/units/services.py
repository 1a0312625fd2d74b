"""Every change to the unit tree: one function, one transaction, one audit event.

Paths and anchors (see `egov.units.models`) are kept right here, for the changed unit and for
everything found below it: `refresh_path` computes one unit; `_relocate` moves a whole subtree
with two set-based UPDATEs; `rebuild_paths` recomputes many units in Python in bulk (importers).

`actor=None` means the system itself (management commands, data migrations): no permission check.
Any other actor must hold `Perm.UNIT_MANAGE` on the units concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Conflict, Forbidden, ValidationFailed
from egov.units.models import EDID_RE, Unit, UnitKind, UnitSuccession

PATH_MAX_LENGTH = Unit._meta.get_field("path").max_length
_BULK_BATCH = 1000
# Three parameters a row; SQLite builds may allow as few as 999 parameters a statement.
_VALUES_BATCH = 300


def _scope_parent(unit: Unit) -> Unit | None:
    return unit.merged_into if unit.merged_into_id else unit.parent


def refresh_path(unit: Unit) -> None:
    """Recompute the scope path and anchor of `unit` (not of its descendants)."""
    holder = _scope_parent(unit)
    prefix = holder.path if holder is not None else "/"
    unit.path = f"{prefix}{unit.pk}/"
    if unit.merged_into_id:
        unit.anchor_id = unit.merged_into.anchor_id or unit.merged_into_id
    else:
        unit.anchor_id = unit.pk


def validate_unit_fields(*, name: str, kind: str, code: str, edid: str) -> None:
    if not name.strip():
        raise ValidationFailed(_("Tên đơn vị không được để trống."), field="name")
    if kind not in UnitKind.values:
        raise ValidationFailed(_("Loại đơn vị không hợp lệ."), field="kind")
    if edid and not EDID_RE.match(edid):
        raise ValidationFailed(
            _("Mã định danh điện tử phải có dạng AAA.BB.CC.Xnn (Quyết định 20/2020/QĐ-TTg)."),
            field="edid",
        )
    if code and not (code.isascii() and code.isdigit() and len(code) in (2, 3, 5)):
        raise ValidationFailed(_("Mã thống kê phải gồm 2, 3 hoặc 5 chữ số."), field="code")


def _require_manage(actor: Any, unit: Unit | None) -> None:
    if actor is None:
        return
    from egov.accounts.policy import Perm, has_perm_on

    if not has_perm_on(actor, Perm.UNIT_MANAGE, unit):
        raise Forbidden(_("Bạn không có quyền quản lý đơn vị này."), field="unit")


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    parent: Unit | None = None,
    code: str = "",
    edid: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    audit: bool = True,
    **extra: Any,
) -> Unit:
    name = vntext.clean(name)
    validate_unit_fields(name=name, kind=kind, code=code, edid=edid)
    unit = Unit(
        name=name,
        kind=kind,
        parent=parent,
        code=code,
        edid=edid,
        valid_from=valid_from,
        valid_to=valid_to,
        search_key=vntext.search_key(name),
        **extra,
    )
    unit.save()
    refresh_path(unit)
    unit.save(update_fields=["path", "anchor"])
    if audit:
        audit_record(
            actor=actor,
            action="unit.create",
            target=unit,
            unit=unit,
            summary={
                "name": name,
                "kind": kind,
                "code": code,
                "parent": parent.pk if parent else None,
            },
        )
    return unit


# --- Paths ----------------------------------------------------------------------------------------


def _relocate(unit_pk: int) -> None:
    """Recompute the path and anchor of one unit from its (saved) parent / merged_into, and move
    everything found below it: one UPDATE rewrites the path prefix of the whole subtree, one
    more hands the unit's records (units anchored on it) to its new anchor. Portable SQL."""
    unit = Unit.objects.select_related("parent", "merged_into").get(pk=unit_pk)
    old_path, old_anchor = unit.path, unit.anchor_id
    refresh_path(unit)
    if old_path and old_path != unit.path:
        deepest = Unit.objects.filter(path__startswith=old_path).aggregate(n=Max(Length("path")))[
            "n"
        ] or len(old_path)
        if deepest - len(old_path) + len(unit.path) > PATH_MAX_LENGTH:
            raise ValidationFailed(
                _("Cây đơn vị quá sâu: không thể chuyển đơn vị này."), field="parent"
            )
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(
                Value(unit.path), Substr("path", len(old_path) + 1), output_field=CharField()
            )
        )
    else:
        Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    if old_anchor is not None and old_anchor != unit.anchor_id:
        # Units merged into this one (directly or through others) followed its anchor.
        Unit.objects.filter(anchor_id=old_anchor, path__startswith=unit.path).update(
            anchor_id=unit.anchor_id
        )
    Unit.objects.filter(pk=unit.pk).update(anchor_id=unit.anchor_id)


def rebuild_paths(unit_ids: Iterable[int] | None = None) -> int:
    """Recompute path and anchor, in Python and in bulk, of the given units and of everything
    found below them today (every unit when `unit_ids` is None). Returns the number of units
    whose path or anchor changed. Used by the importers; a province (about 10,000 units) takes
    a few bulk UPDATEs."""
    rows_qs = Unit.objects.all()
    if unit_ids is not None:
        ids = set(unit_ids)
        if not ids:
            return 0
        if len(ids) <= 64:
            prefixes = sorted(
                p for p in Unit.objects.filter(pk__in=ids).values_list("path", flat=True) if p
            )
            minimal: list[str] = []
            for prefix in prefixes:
                if not minimal or not prefix.startswith(minimal[-1]):
                    minimal.append(prefix)
            cond = Q(pk__in=ids)
            for prefix in minimal:
                cond |= Q(path__startswith=prefix)
            rows_qs = rows_qs.filter(cond)
        # Otherwise read every unit: cheaper than thousands of prefix conditions.
    rows = {
        pk: (parent_id, merged_id, path, anchor_id)
        for pk, parent_id, merged_id, path, anchor_id in rows_qs.values_list(
            "id", "parent_id", "merged_into_id", "path", "anchor_id"
        )
    }
    fixed: dict[int, tuple[str, int | None]] = {}
    missing = {(m or p) for p, m, _path, _a in rows.values() if (m or p) and (m or p) not in rows}
    if missing:
        for pk, path, anchor_id in Unit.objects.filter(pk__in=missing).values_list(
            "id", "path", "anchor_id"
        ):
            fixed[pk] = (path, anchor_id or pk)

    computed: dict[int, tuple[str, int]] = {}

    def compute(start: int) -> tuple[str, int]:
        chain: list[int] = []
        seen: set[int] = set()
        node: int | None = start
        base: tuple[str, int | None] = ("/", None)
        while node is not None:
            if node in computed:
                base = computed[node]
                break
            if node in fixed:
                base = fixed[node]
                break
            if node in seen:
                raise ValidationFailed(
                    _("Cấu trúc đơn vị bị vòng lặp (đơn vị nằm trong chính nó)."), field="parent"
                )
            seen.add(node)
            chain.append(node)
            parent_id, merged_id, _path, _anchor = rows[node]
            node = merged_id or parent_id
        # `base` is the holder of chain[-1] (or the root); walk back down.
        path, anchor = base
        for pk in reversed(chain):
            parent_id, merged_id, _p, _a = rows[pk]
            path = f"{path}{pk}/"
            anchor = (anchor or merged_id) if merged_id else pk
            if len(path) > PATH_MAX_LENGTH:
                raise ValidationFailed(_("Cây đơn vị quá sâu."), field="parent")
            computed[pk] = (path, anchor)
        return computed[start]

    changed: list[tuple[int, str, int]] = []
    for pk, (_parent, _merged, path, anchor_id) in rows.items():
        new_path, new_anchor = compute(pk)
        if new_path != path or new_anchor != anchor_id:
            changed.append((pk, new_path, new_anchor))
    if changed:
        _write_paths(changed)
    return len(changed)


def _write_paths(rows: list[tuple[int, str, int]]) -> None:
    """UPDATE path and anchor of many units, a few hundred rows per statement:
    `WITH v AS (VALUES …) UPDATE … FROM v` (PostgreSQL, SQLite ≥ 3.33), much faster than `bulk_update`'s
    CASE expressions or one statement per row."""
    quote = connection.ops.quote_name
    table = quote(Unit._meta.db_table)
    path_col = quote(Unit._meta.get_field("path").column)
    anchor_col = quote(Unit._meta.get_field("anchor").column)
    row_sql = f"(CAST(%s AS bigint), CAST(%s AS varchar({PATH_MAX_LENGTH})), CAST(%s AS bigint))"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _VALUES_BATCH):
            chunk = rows[start : start + _VALUES_BATCH]
            values = ", ".join([row_sql] * len(chunk))
            cursor.execute(
                f"WITH v(unit_id, new_path, new_anchor) AS (VALUES {values}) "  # noqa: S608
                f"UPDATE {table} SET {path_col} = v.new_path, {anchor_col} = v.new_anchor "
                f"FROM v WHERE {table}.id = v.unit_id",
                [value for row in chunk for value in row],
            )


# --- Merges ---------------------------------------------------------------------------------------


def primary_successor(unit: Unit, effective_date: date) -> Unit | None:
    """The one unit an old unit is found under after a reorganisation on `effective_date`:
    the successor that took it whole (partial=False) if there is one, otherwise the successor
    with the lowest statistical code (then the lowest id, for units without a code)."""
    successions = list(
        UnitSuccession.objects.filter(predecessor=unit, effective_date=effective_date)
        .select_related("successor")
        .order_by("pk")
    )
    if not successions:
        return None
    whole = [s.successor for s in successions if not s.partial]
    if whole:
        return whole[0]
    return min((s.successor for s in successions), key=lambda u: (u.code == "", u.code, u.pk))


@transaction.atomic
def unit_merge(
    *,
    actor: Any,
    sources: list[Unit],
    target: Unit,
    effective_date: date,
    partial: set[int] | None = None,
    note: str = "",
) -> list[UnitSuccession]:
    """Merge `sources` into `target` from `effective_date`.

    Each source stays as history: it ends the day before (`valid_to = effective_date - 1 day`),
    one `UnitSuccession` row records its part in `target` (`partial=True` for the ids in
    `partial`: only part of that source came in), and its path and anchor, and those of
    everything below it (its old communes, units merged into it earlier, its agencies), are
    recomputed in bulk so that all of it is now found under `target`.

    A source that is split across several new units is merged once per new unit, with the
    same `effective_date` and its id in `partial` (a later call may also name it as the one
    successor that took it whole). It has one *primary* successor, used for `merged_into` and
    therefore for its path: the successor that took it whole if any, otherwise the successor
    with the lowest statistical code (`primary_successor`). Every succession is kept.
    """
    partial = set(partial or ())
    if not sources:
        raise ValidationFailed(_("Chưa chọn đơn vị được sáp nhập."), field="sources")
    source_ids = [s.pk for s in sources]
    if len(set(source_ids)) != len(source_ids):
        raise ValidationFailed(_("Một đơn vị được chọn hai lần."), field="sources")
    if not partial <= set(source_ids):
        raise ValidationFailed(
            _("Đơn vị sáp nhập một phần phải là một trong các đơn vị được sáp nhập."),
            field="partial",
        )
    note = vntext.clean(note or "")
    if len(note) > UnitSuccession._meta.get_field("note").max_length:
        raise ValidationFailed(_("Ghi chú quá dài (tối đa 255 ký tự)."), field="note")
    if not isinstance(effective_date, date):
        raise ValidationFailed(_("Ngày hiệu lực không hợp lệ."), field="effective_date")
    day_before = effective_date - timedelta(days=1)

    locked = {
        u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=[*source_ids, target.pk])
    }
    target = locked.get(target.pk)  # type: ignore[assignment]
    if target is None or any(pk not in locked for pk in source_ids):
        raise ValidationFailed(_("Đơn vị không tồn tại."), field="sources")
    if target.pk in source_ids:
        raise ValidationFailed(_("Không thể sáp nhập một đơn vị vào chính nó."), field="target")
    if target.merged_into_id or not target.in_force_on(effective_date):
        raise ValidationFailed(
            _("Đơn vị nhận sáp nhập phải còn hiệu lực vào ngày sáp nhập."), field="target"
        )
    _require_manage(actor, target)
    sources = [locked[pk] for pk in source_ids]
    for source in sources:
        _require_manage(actor, source)
        if source.path and target.path.startswith(source.path):
            raise ValidationFailed(
                _("Không thể sáp nhập %(name)s vào một đơn vị nằm trong nó.")
                % {"name": source.name},
                field="target",
            )

    created: list[UnitSuccession] = []
    for source in sources:
        is_partial = source.pk in partial
        earlier = list(
            UnitSuccession.objects.filter(predecessor=source, effective_date=effective_date)
        )
        if source.valid_to is None:
            if source.valid_from is not None and source.valid_from > day_before:
                raise ValidationFailed(
                    _("%(name)s chưa có hiệu lực trước ngày sáp nhập.") % {"name": source.name},
                    field="sources",
                )
        elif not (source.valid_to == day_before and earlier):
            raise Conflict(
                _("%(name)s đã hết hiệu lực trước đó.") % {"name": source.name}, field="sources"
            )
        if any(s.successor_id == target.pk for s in earlier):
            raise Conflict(
                _("Đã ghi nhận %(name)s sáp nhập vào %(target)s.")
                % {"name": source.name, "target": target.name}
            )
        if not is_partial and any(not s.partial for s in earlier):
            raise Conflict(
                _("%(name)s đã được sáp nhập toàn bộ vào một đơn vị khác.") % {"name": source.name},
                field="partial",
            )
        created.append(
            UnitSuccession.objects.create(
                predecessor=source,
                successor=target,
                effective_date=effective_date,
                partial=is_partial,
                note=note,
            )
        )
        source.valid_to = day_before
        primary = primary_successor(source, effective_date)
        assert primary is not None
        moved = source.merged_into_id != primary.pk
        Unit.objects.filter(pk=source.pk).update(valid_to=day_before, merged_into_id=primary.pk)
        if moved:
            _relocate(source.pk)

    audit_record(
        actor=actor,
        action="unit.merge",
        target=target,
        unit=target,
        summary={
            "effective_date": effective_date.isoformat(),
            "target": {"id": target.pk, "code": target.code, "name": target.name},
            "sources": [
                {"id": s.pk, "code": s.code, "name": s.name, "partial": s.pk in partial}
                for s in sources
            ],
            "note": note,
        },
    )
    return created


# --- Edits ----------------------------------------------------------------------------------------

_EDITABLE = {
    "name",
    "kind",
    "code",
    "edid",
    "parent",
    "valid_from",
    "valid_to",
    "address",
    "email",
    "phone",
}
_TEXT_LIMITS = {"name": 255, "address": 255, "email": 254, "phone": 32}


def _ancestors_by_parent(unit: Unit | None) -> set[int]:
    seen: set[int] = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        unit = unit.parent
    return seen


def validate_contact(*, email: str, phone: str) -> None:
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationFailed(_("Địa chỉ thư điện tử không hợp lệ."), field="email") from exc
    if phone and not all(c.isdigit() or c in " +-.()/" for c in phone):
        raise ValidationFailed(
            _("Số điện thoại chỉ gồm chữ số, khoảng trắng và các dấu + - . ( ) /."), field="phone"
        )


@transaction.atomic
def unit_update(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    """Change a unit's own fields (not `merged_into`: use `unit_merge`). A new parent must not
    lie inside the unit; the unit and everything found below it move with it."""
    unknown = set(fields) - _EDITABLE
    if unknown:
        raise ValidationFailed(
            _("Không thể sửa trường: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    unit = Unit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit.pk)
    _require_manage(actor, unit)
    for key in ("name", "address", "email", "phone", "code", "edid"):
        if key in fields:
            value = fields[key]
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValidationFailed(_("Giá trị không hợp lệ."), field=key)
            if "\x00" in value or vntext.has_invalid_unicode(value):
                raise ValidationFailed(_("Giá trị chứa ký tự không hợp lệ."), field=key)
            value = vntext.clean(value)
            if key in ("code", "edid"):
                value = value.replace(" ", "")
            if len(value) > _TEXT_LIMITS.get(key, 255):
                raise ValidationFailed(_("Giá trị quá dài."), field=key)
            fields[key] = value
    new = {k: fields.get(k, getattr(unit, k)) for k in _EDITABLE}
    validate_unit_fields(name=new["name"], kind=new["kind"], code=new["code"], edid=new["edid"])
    validate_contact(email=new["email"], phone=new["phone"])
    for key in ("valid_from", "valid_to"):
        if new[key] is not None and not isinstance(new[key], date):
            raise ValidationFailed(_("Ngày không hợp lệ."), field=key)
    if new["valid_from"] and new["valid_to"] and new["valid_to"] < new["valid_from"]:
        raise ValidationFailed(
            _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."), field="valid_to"
        )

    parent_changed = "parent" in fields and (
        (fields["parent"].pk if fields["parent"] else None) != unit.parent_id
    )
    if parent_changed:
        new_parent = fields["parent"]
        if new_parent is not None:
            new_parent = Unit.objects.select_related("parent").get(pk=new_parent.pk)
            if unit.pk in _ancestors_by_parent(new_parent) or (
                unit.path and new_parent.path.startswith(unit.path)
            ):
                raise ValidationFailed(
                    _("Không thể đặt đơn vị cấp trên là chính nó hoặc đơn vị trực thuộc nó."),
                    field="parent",
                )
        _require_manage(actor, new_parent)
        new["parent"] = new_parent

    live = new["valid_to"] is None
    others = Unit.objects.exclude(pk=unit.pk)
    if new["code"] and live and others.filter(code=new["code"], valid_to__isnull=True).exists():
        raise Conflict(
            _("Mã thống kê đã được dùng cho đơn vị khác đang có hiệu lực."), field="code"
        )
    if (
        new["code"]
        and not live
        and others.filter(code=new["code"], valid_to=new["valid_to"]).exists()
    ):
        raise Conflict(_("Đã có đơn vị cũ cùng mã thống kê, hết hiệu lực cùng ngày."), field="code")
    if new["edid"] and live and others.filter(edid=new["edid"], valid_to__isnull=True).exists():
        raise Conflict(_("Mã định danh điện tử đã được dùng cho đơn vị khác."), field="edid")

    changes: dict[str, list[Any]] = {}
    for key in _EDITABLE:
        old_value = getattr(unit, key)
        if key == "parent":
            old_value, new_value = unit.parent_id, (new["parent"].pk if new["parent"] else None)
        else:
            new_value = new[key]
        if old_value != new_value:
            changes[key] = [old_value, new_value]
            setattr(unit, key, new[key])
    if not changes:
        return unit
    unit.search_key = vntext.search_key(unit.name)
    unit.save()
    if "parent" in changes and not unit.merged_into_id:
        _relocate(unit.pk)
        unit.refresh_from_db(fields=["path", "anchor"])
    audit_record(
        actor=actor,
        action="unit.update",
        target=unit,
        unit=unit,
        summary={key: [_plain(a), _plain(b)] for key, (a, b) in changes.items()},
    )
    return unit


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def unit_close(*, actor: Any, unit: Unit, valid_to: date) -> Unit:
    """End a unit on `valid_to` (it stays as history, where it is)."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _require_manage(actor, unit)
    if not isinstance(valid_to, date):
        raise ValidationFailed(_("Ngày hết hiệu lực không hợp lệ."), field="valid_to")
    if unit.valid_from and valid_to < unit.valid_from:
        raise ValidationFailed(
            _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."), field="valid_to"
        )
    if (
        unit.code
        and Unit.objects.exclude(pk=unit.pk).filter(code=unit.code, valid_to=valid_to).exists()
    ):
        raise Conflict(_("Đã có đơn vị cũ cùng mã thống kê, hết hiệu lực cùng ngày."), field="code")
    old = unit.valid_to
    unit.valid_to = valid_to
    unit.save(update_fields=["valid_to", "updated_at"])
    audit_record(
        actor=actor,
        action="unit.close",
        target=unit,
        unit=unit,
        summary={"valid_to": [_plain(old), valid_to.isoformat()]},
    )
    return unit


# --- CSV (implemented in egov.units.csvio) ------------------------------------------------------


def units_import_csv(*, actor: Any, fileobj: Any, within: Unit | None = None) -> Any:
    from egov.units.csvio import units_import_csv as run

    return run(actor=actor, fileobj=fileobj, within=within)


def units_export_csv(*, user: Any, root: Unit | None = None) -> bytes:
    from egov.units.csvio import units_export_csv as run

    return run(user=user, root=root)
