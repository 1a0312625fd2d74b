"""Every change to the unit tree: one function, one transaction, one audit event."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import ValidationFailed
from egov.units.models import EDID_RE, Unit, UnitKind


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
        raise ValidationFailed("Tên đơn vị không được để trống.", field="name")
    if kind not in UnitKind.values:
        raise ValidationFailed("Loại đơn vị không hợp lệ.", field="kind")
    if edid and not EDID_RE.match(edid):
        raise ValidationFailed(
            "Mã định danh điện tử phải có dạng AAA.BB.CC.Xnn (Quyết định 20/2020/QĐ-TTg).",
            field="edid",
        )
    if code and not (code.isdigit() and len(code) in (2, 3, 5)):
        raise ValidationFailed("Mã thống kê phải gồm 2, 3 hoặc 5 chữ số.", field="code")


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
            summary={"name": name, "kind": kind, "code": code, "parent": parent.pk if parent else None},
        )
    return unit
