"""Which procedures a unit handles (assignments), and how it processes them (process templates).

Every write checks `Perm.CATALOGUE_ASSIGN` on the unit (`actor=None` is the system itself: data
migrations and management commands), runs in one transaction and ends with one audit event.

Legal time of a procedure (`legal_hours`)
    The template of a procedure at a unit is checked against the processing time of the
    procedure's *current* version, read from its `Method` rows of the direct and online channels
    that have a structured time (amount + unit). A template serves dossiers of every channel, so
    the shortest of these times is the limit. Times are compared in working hours:

    - ``working_day``: amount × `HOURS_PER_WORKING_DAY` (8), fractions included (0.5 day = 4 h);
    - ``hour``: the amount;
    - ``day`` (calendar days): only the working days such a period is *sure* to hold count: the
      fewest Monday–Friday days in any run of N consecutive days, ``N // 7 × 5 + max(0, N % 7 −
      2)`` (a fraction of a day is dropped), × 8 h. Public holidays can shorten a given period
      further; the deadline of each dossier is computed on the calendar when it is received;
    - ``month``: as calendar days, a month counted as 28 days (the shortest month).

    A procedure without any structured time (only a free text, or no method at all) has no limit
    that can be checked: its templates are refused, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.accounts.policy import Perm, has_perm_on
from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Forbidden, ValidationFailed
from egov.procedures.models import (
    Assignment,
    Channel,
    Method,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
    StepKind,
    StepRole,
    TimeUnit,
    VersionAction,
)
from egov.units.models import Unit
from egov.workcalendar.deadlines import HOURS_PER_WORKING_DAY

MAX_STEPS = 30
MAX_BULK = 2000
MAX_NOTE = ProcessStep._meta.get_field("note").max_length
MAX_STEP_HOURS = Decimal("99999.99")
_CENT = Decimal("0.01")
_HOURS = Decimal(HOURS_PER_WORKING_DAY)
_LEGAL_CHANNELS = (Channel.DIRECT, Channel.ONLINE)


# --- Legal time -----------------------------------------------------------------------------------


def _sure_working_days(calendar_days: int) -> int:
    """The fewest Monday–Friday days in any `calendar_days` consecutive days."""
    weeks, rest = divmod(calendar_days, 7)
    return weeks * 5 + max(0, rest - 2)


def method_hours(method: Method) -> Decimal | None:
    """The working hours a method's structured time is sure to give (see the module docstring)."""
    amount, unit = method.time_amount, method.time_unit
    if amount is None or not unit or amount <= 0:
        return None
    amount = Decimal(amount)
    if unit == TimeUnit.WORKING_DAY:
        return (amount * _HOURS).quantize(_CENT)
    if unit == TimeUnit.HOUR:
        return amount.quantize(_CENT)
    if unit == TimeUnit.DAY:
        days = int(amount.to_integral_value(rounding=ROUND_DOWN))
        return Decimal(_sure_working_days(days)) * _HOURS
    if unit == TimeUnit.MONTH:
        days = int((amount * 28).to_integral_value(rounding=ROUND_DOWN))
        return Decimal(_sure_working_days(days)) * _HOURS
    return None


@dataclass(frozen=True)
class LegalTime:
    hours: Decimal | None  # None: no structured time to check against
    method: Method | None  # the method that sets the limit
    version: ProcedureVersion | None

    @property
    def label(self) -> str:
        if self.method is None:
            return ""
        amount = self.method.time_amount.normalize()
        return f"{amount:f} {self.method.get_time_unit_display()}"


def legal_time(procedure: Procedure) -> LegalTime:
    """The legal processing time of the procedure's current version, in working hours."""
    version = procedure.current
    if version is None:
        return LegalTime(None, None, None)
    best: tuple[Decimal, Method] | None = None
    for method in Method.objects.filter(version=version, channel__in=_LEGAL_CHANNELS).order_by(
        "pk"
    ):
        hours = method_hours(method)
        if hours is not None and (best is None or hours < best[0]):
            best = (hours, method)
    if best is None:
        return LegalTime(None, None, version)
    return LegalTime(best[0], best[1], version)


# --- Checks shared by the writers -------------------------------------------------------------------


def _check_actor(actor: Any, unit: Unit) -> None:
    if actor is not None and not has_perm_on(actor, Perm.CATALOGUE_ASSIGN, unit):
        raise Forbidden(_("Bạn không có quyền phân công thủ tục cho đơn vị này."))


def _check_unit_in_force(unit: Unit, field: str = "unit") -> None:
    today = timezone.localdate()
    if unit.merged_into_id or (unit.valid_to is not None and unit.valid_to < today):
        raise ValidationFailed(
            _("Đơn vị “%(name)s” đã hết hiệu lực hoặc đã sáp nhập.") % {"name": unit.name},
            field=field,
        )


def _check_procedure_open(procedure: Procedure) -> None:
    current = procedure.current
    if current is None or current.action == VersionAction.RESCINDED:
        raise ValidationFailed(
            _("Thủ tục %(code)s không có phiên bản đang hiệu lực (chưa công bố hoặc đã bãi bỏ).")
            % {"code": procedure.code},
            field="procedure",
        )


# --- Assignments ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentValues:
    online_level: str
    full_process_eligible: bool
    channels: list[str]
    cutoff: time | None


def _assignment_values(
    *, online_level: str, full_process_eligible: bool, channels: Iterable[str], cutoff: Any
) -> AssignmentValues:
    if online_level not in OnlineLevel.values:
        raise ValidationFailed(_("Mức độ trực tuyến không hợp lệ."), field="online_level")
    if online_level == OnlineLevel.FULL and not full_process_eligible:
        raise ValidationFailed(
            _("Chỉ thủ tục đủ điều kiện mới được cung cấp trực tuyến toàn trình."),
            field="online_level",
        )
    if isinstance(channels, str):
        raise ValidationFailed(_("Hình thức tiếp nhận không hợp lệ."), field="channels")
    chosen = list(dict.fromkeys(channels or []))
    if any(c not in Channel.values for c in chosen):
        raise ValidationFailed(_("Hình thức tiếp nhận không hợp lệ."), field="channels")
    if online_level != OnlineLevel.NONE and Channel.ONLINE not in chosen:
        raise ValidationFailed(
            _("Thủ tục cung cấp trực tuyến phải nhận hồ sơ qua hình thức trực tuyến."),
            field="channels",
        )
    if online_level == OnlineLevel.NONE and Channel.ONLINE in chosen:
        raise ValidationFailed(
            _("Thủ tục không cung cấp trực tuyến thì không nhận hồ sơ trực tuyến."),
            field="channels",
        )
    if cutoff is not None and not isinstance(cutoff, time):
        raise ValidationFailed(_("Giờ tiếp nhận trong ngày không hợp lệ."), field="cutoff")
    ordered = [c for c in Channel.values if c in chosen]
    return AssignmentValues(online_level, bool(full_process_eligible), ordered, cutoff)


def _apply(assignment: Assignment, values: AssignmentValues) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in ("online_level", "full_process_eligible", "channels", "cutoff"):
        old, new = getattr(assignment, name), getattr(values, name)
        if old != new:
            changes[name] = [old, new]
            setattr(assignment, name, new)
    return changes


@transaction.atomic
def assignment_set(
    *,
    actor: Any,
    unit: Unit,
    procedure: Procedure,
    online_level: str = OnlineLevel.NONE,
    full_process_eligible: bool = False,
    channels: Iterable[str] = (Channel.DIRECT,),
    cutoff: time | None = None,
) -> Assignment:
    """`unit` handles `procedure` with these settings (created, or updated in place)."""
    _check_actor(actor, unit)
    _check_unit_in_force(unit)
    values = _assignment_values(
        online_level=online_level,
        full_process_eligible=full_process_eligible,
        channels=channels,
        cutoff=cutoff,
    )
    _check_procedure_open(procedure)
    assignment = (
        Assignment.objects.select_for_update().filter(unit=unit, procedure=procedure).first()
    )
    if assignment is None:
        assignment = Assignment(unit=unit, procedure=procedure)
        _apply(assignment, values)
        assignment.save()
        action, summary = (
            "procedures.assignment_create",
            {
                "code": procedure.code,
                "online_level": values.online_level,
                "channels": values.channels,
                "cutoff": values.cutoff,
            },
        )
    else:
        changes = _apply(assignment, values)
        if not changes:
            return assignment
        assignment.save()
        action, summary = "procedures.assignment_update", {"code": procedure.code, **changes}
    audit_record(actor=actor, action=action, target=assignment, unit=unit, summary=summary)
    return assignment


@dataclass(frozen=True)
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    templates_retired: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "templates_retired": self.templates_retired,
        }


def _bulk_procedures(procedures: Sequence[Procedure]) -> list[Procedure]:
    procedures = list(procedures)
    if not procedures:
        raise ValidationFailed(_("Chưa chọn thủ tục nào."), field="procedures")
    if len(procedures) > MAX_BULK:
        raise ValidationFailed(
            _("Mỗi lần chỉ được chọn tối đa %(max)d thủ tục (đã chọn %(n)d).")
            % {"max": MAX_BULK, "n": len(procedures)},
            field="procedures",
        )
    unique = list({p.pk: p for p in procedures}.values())
    return unique


@transaction.atomic
def assignments_bulk_set(
    *,
    actor: Any,
    unit: Unit,
    procedures: Sequence[Procedure],
    online_level: str = OnlineLevel.NONE,
    full_process_eligible: bool = False,
    channels: Iterable[str] = (Channel.DIRECT,),
    cutoff: time | None = None,
) -> BulkResult:
    """Assign many procedures to `unit` with the same settings: all or nothing, one audit event."""
    _check_actor(actor, unit)
    _check_unit_in_force(unit)
    values = _assignment_values(
        online_level=online_level,
        full_process_eligible=full_process_eligible,
        channels=channels,
        cutoff=cutoff,
    )
    chosen = _bulk_procedures(procedures)
    fresh = {
        p.pk: p
        for p in Procedure.objects.filter(pk__in=[p.pk for p in chosen]).select_related("current")
    }
    errors = []
    for index, procedure in enumerate(chosen):
        current = fresh.get(procedure.pk)
        if (
            current is None
            or current.current is None
            or (current.current.action == VersionAction.RESCINDED)
        ):
            errors.append(
                {
                    "row": index + 1,
                    "column": "code",
                    "message": _("Thủ tục %(code)s không có phiên bản đang hiệu lực.")
                    % {"code": procedure.code},
                }
            )
    if errors:
        raise ValidationFailed(
            _("Có thủ tục không thể phân công; chưa có thay đổi nào được lưu."),
            field="procedures",
            errors=errors,
        )
    existing = {
        a.procedure_id: a
        for a in Assignment.objects.select_for_update().filter(
            unit=unit, procedure_id__in=list(fresh)
        )
    }
    created: list[Assignment] = []
    updated: list[Assignment] = []
    for pk in fresh:
        assignment = existing.get(pk)
        if assignment is None:
            assignment = Assignment(unit=unit, procedure_id=pk)
            _apply(assignment, values)
            created.append(assignment)
        elif _apply(assignment, values):
            updated.append(assignment)
    Assignment.objects.bulk_create(created, batch_size=500)
    if updated:
        Assignment.objects.bulk_update(
            updated, ["online_level", "full_process_eligible", "channels", "cutoff"], batch_size=500
        )
    result = BulkResult(
        created=len(created),
        updated=len(updated),
        unchanged=len(fresh) - len(created) - len(updated),
    )
    codes = sorted(p.code for p in fresh.values())
    audit_record(
        actor=actor,
        action="procedures.assignment_bulk_set",
        target=unit,
        unit=unit,
        summary={
            **result.as_dict(),
            "online_level": values.online_level,
            "channels": values.channels,
            "cutoff": values.cutoff,
            "codes": codes[:200],
        },
    )
    return result


def _retire_templates(unit: Unit, procedure_ids: list[int]) -> int:
    return ProcessTemplate.objects.filter(
        unit=unit, procedure_id__in=procedure_ids, is_active=True
    ).update(is_active=False)


@transaction.atomic
def assignment_remove(*, actor: Any, unit: Unit, procedure: Procedure) -> None:
    """`unit` no longer handles `procedure`; its active process template is retired too."""
    _check_actor(actor, unit)
    assignment = (
        Assignment.objects.select_for_update().filter(unit=unit, procedure=procedure).first()
    )
    if assignment is None:
        raise ValidationFailed(
            _("Đơn vị không được phân công thủ tục %(code)s.") % {"code": procedure.code},
            field="procedure",
        )
    retired = _retire_templates(unit, [procedure.pk])
    assignment.delete()
    audit_record(
        actor=actor,
        action="procedures.assignment_remove",
        target=unit,
        unit=unit,
        summary={"code": procedure.code, "templates_retired": retired},
    )


@transaction.atomic
def assignments_bulk_remove(
    *, actor: Any, unit: Unit, procedures: Sequence[Procedure]
) -> BulkResult:
    """Unassign many procedures from `unit` at once; one audit event with the counts."""
    _check_actor(actor, unit)
    chosen = _bulk_procedures(procedures)
    ids = [p.pk for p in chosen]
    found = list(
        Assignment.objects.select_for_update()
        .filter(unit=unit, procedure_id__in=ids)
        .values_list("pk", "procedure__code", "procedure_id")
    )
    retired = _retire_templates(unit, [row[2] for row in found])
    Assignment.objects.filter(pk__in=[row[0] for row in found]).delete()
    result = BulkResult(
        removed=len(found), unchanged=len(ids) - len(found), templates_retired=retired
    )
    audit_record(
        actor=actor,
        action="procedures.assignment_bulk_remove",
        target=unit,
        unit=unit,
        summary={**result.as_dict(), "codes": sorted(row[1] for row in found)[:200]},
    )
    return result


# --- Process templates --------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    kind: str
    role: str
    unit: Unit | None
    hours: Any
    note: str = ""


def _hours(value: Any, position: int) -> Decimal:
    try:
        if isinstance(value, Decimal):
            hours = value
        elif isinstance(value, (int, str)) and str(value).strip().isascii():
            hours = Decimal(str(value).strip())
        else:
            hours = None
    except (InvalidOperation, ValueError, TypeError):
        hours = None
    if hours is None or not hours.is_finite():
        raise ValidationFailed(
            _("Bước %(n)d: thời gian phải là một số giờ làm việc.") % {"n": position},
            field="hours",
        )
    if hours <= 0 or hours > MAX_STEP_HOURS:
        raise ValidationFailed(
            _("Bước %(n)d: thời gian phải lớn hơn 0 giờ.") % {"n": position}
            if hours <= 0
            else _("Bước %(n)d: thời gian quá lớn.") % {"n": position},
            field="hours",
        )
    if hours != hours.quantize(_CENT):
        raise ValidationFailed(
            _("Bước %(n)d: thời gian lấy tối đa hai chữ số thập phân.") % {"n": position},
            field="hours",
        )
    return hours.quantize(_CENT)


def _under(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


def _validate_steps(unit: Unit, steps: Sequence[StepInput]) -> list[ProcessStep]:
    if not steps:
        raise ValidationFailed(_("Quy trình phải có ít nhất một bước."), field="steps")
    if len(steps) > MAX_STEPS:
        raise ValidationFailed(
            _("Quy trình có tối đa %(max)d bước.") % {"max": MAX_STEPS}, field="steps"
        )
    holder = unit  # the unit that holds the dossier: changes at each transfer
    out: list[ProcessStep] = []
    for position, step in enumerate(steps, start=1):
        if step.kind not in StepKind.values:
            raise ValidationFailed(
                _("Bước %(n)d: loại bước không hợp lệ.") % {"n": position}, field="kind"
            )
        if step.role not in StepRole.values:
            raise ValidationFailed(
                _("Bước %(n)d: vai trò thực hiện không hợp lệ.") % {"n": position}, field="role"
            )
        hours = _hours(step.hours, position)
        note = vntext.clean(step.note or "")
        if len(note) > MAX_NOTE or vntext.has_invalid_unicode(note) or "\x00" in note:
            raise ValidationFailed(
                _("Bước %(n)d: ghi chú không hợp lệ hoặc quá dài.") % {"n": position},
                field="note",
            )
        acting = step.unit
        if step.kind == StepKind.TRANSFER:
            if acting is None:
                raise ValidationFailed(
                    _("Bước %(n)d: bước chuyển liên thông phải chọn đơn vị nhận hồ sơ.")
                    % {"n": position},
                    field="unit",
                )
            if acting.pk == holder.pk:
                raise ValidationFailed(
                    _("Bước %(n)d: đơn vị nhận phải khác đơn vị đang giữ hồ sơ.") % {"n": position},
                    field="unit",
                )
            _check_unit_in_force(acting, field="unit")
            holder = acting
        else:
            if acting is None:
                acting = holder
            if not _under(acting, holder):
                raise ValidationFailed(
                    _(
                        "Bước %(n)d: đơn vị thực hiện phải là “%(holder)s” hoặc đơn vị trực "
                        "thuộc; muốn chuyển sang đơn vị khác, thêm bước chuyển liên thông."
                    )
                    % {"n": position, "holder": holder.name},
                    field="unit",
                )
            _check_unit_in_force(acting, field="unit")
        out.append(
            ProcessStep(
                position=position,
                kind=step.kind,
                role=step.role,
                unit=acting,
                hours=hours,
                note=note,
            )
        )
    return out


def _fmt(hours: Decimal) -> str:
    return f"{hours.normalize():f}".replace(".", ",")


@transaction.atomic
def process_template_save(
    *, actor: Any, unit: Unit, procedure: Procedure, steps: Sequence[StepInput]
) -> ProcessTemplate:
    """Replace the process template of `procedure` at `unit` by `steps` (a new revision).

    Refused whole when a step is invalid or when the steps take longer than the legal time of the
    procedure's current version (see the module docstring): nothing is written then.
    """
    _check_actor(actor, unit)
    _check_unit_in_force(unit)
    procedure = Procedure.objects.select_related("current").get(pk=procedure.pk)
    _check_procedure_open(procedure)
    if not Assignment.objects.filter(unit=unit, procedure=procedure).exists():
        raise ValidationFailed(
            _("Đơn vị chưa được phân công thủ tục %(code)s.") % {"code": procedure.code},
            field="procedure",
        )
    rows = _validate_steps(unit, steps)
    limit = legal_time(procedure)
    if limit.hours is None:
        raise ValidationFailed(
            _(
                "Thủ tục %(code)s chưa có thời hạn giải quyết xác định (số và đơn vị) cho hình "
                "thức trực tiếp hoặc trực tuyến, nên không thể kiểm tra quy trình."
            )
            % {"code": procedure.code},
            field="steps",
        )
    total = sum((r.hours for r in rows), Decimal(0))
    if total > limit.hours:
        raise ValidationFailed(
            _(
                "Tổng thời gian các bước là %(total)s giờ làm việc, vượt %(excess)s giờ so với "
                "thời hạn giải quyết %(legal)s giờ (%(label)s)."
            )
            % {
                "total": _fmt(total),
                "excess": _fmt(total - limit.hours),
                "legal": _fmt(limit.hours),
                "label": limit.label,
            },
            field="steps",
        )
    previous = (
        ProcessTemplate.objects.select_for_update()
        .filter(unit=unit, procedure=procedure, is_active=True)
        .first()
    )
    last = ProcessTemplate.objects.filter(unit=unit, procedure=procedure).aggregate(
        n=Max("revision")
    )["n"]
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    template = ProcessTemplate.objects.create(
        unit=unit,
        procedure=procedure,
        revision=(last or 0) + 1,
        is_active=True,
        checked_version=limit.version,
        legal_hours=limit.hours,
        total_hours=total,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for row in rows:
        row.template = template
    ProcessStep.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="procedures.process_template_save",
        target=template,
        unit=unit,
        summary={
            "code": procedure.code,
            "revision": template.revision,
            "replaces": previous.revision if previous is not None else None,
            "steps": [[r.kind, r.role, r.unit_id, str(r.hours)] for r in rows],
            "total_hours": str(total),
            "legal_hours": str(limit.hours),
        },
    )
    return template


def active_template(*, unit: Unit, procedure: Procedure) -> ProcessTemplate | None:
    return (
        ProcessTemplate.objects.filter(unit=unit, procedure=procedure, is_active=True)
        .prefetch_related("steps__unit")
        .first()
    )


# --- Default templates for common commune procedures --------------------------------------------

# The fields (lĩnh vực) of the commune procedures people use most, in order of priority: first
# those the commune People's Committee handles, then residence and identity cards (commune police).
COMMON_COMMUNE_FIELDS = (
    "Hộ tịch",
    "Chứng thực",
    "Giảm nghèo",
    "Đất đai",
    "Nuôi con nuôi",
    "Hòa giải ở cơ sở",
    "Người có công",
    "Thực hiện chính sách BHYT",
    "Đăng ký, quản lý cư trú",
    "Cấp, quản lý căn cước",
)

# OUR DEFAULT split of the legal time across the steps of a commune procedure; NOT a regulation.
# Each unit adjusts its own template. Shares of the legal time (working hours), in step order;
# rounding goes to the appraisal step so that the steps take exactly the legal time.
DEFAULT_SPLIT: tuple[tuple[str, str, Decimal], ...] = (
    (StepKind.RECEIVE, StepRole.ONE_STOP_OFFICER, Decimal("0.10")),
    (StepKind.APPRAISE, StepRole.SPECIALIST, Decimal("0.60")),
    (StepKind.APPROVE, StepRole.LEADER, Decimal("0.15")),
    (StepKind.SIGN, StepRole.CLERK, Decimal("0.10")),
    (StepKind.RETURN, StepRole.ONE_STOP_OFFICER, Decimal("0.05")),
)
DEFAULT_NOTE = "Phân bổ mặc định của egov, không phải quy định"


def default_steps(unit: Unit, legal_hours: Decimal) -> list[StepInput]:
    """The default split (DEFAULT_SPLIT) of `legal_hours`, every step acting at `unit`."""
    shares = [
        (legal_hours * share).quantize(_CENT, rounding=ROUND_DOWN)
        for _k, _r, share in DEFAULT_SPLIT
    ]
    appraise = [k for k, _r, _s in DEFAULT_SPLIT].index(StepKind.APPRAISE)
    shares[appraise] += legal_hours - sum(shares, Decimal(0))
    return [
        StepInput(kind=kind, role=role, unit=unit, hours=hours, note=DEFAULT_NOTE)
        for (kind, role, _share), hours in zip(DEFAULT_SPLIT, shares, strict=True)
    ]


@dataclass(frozen=True)
class DefaultLoad:
    created: list[str]
    kept: list[str]  # an active template was there already
    skipped: list[str]  # no structured legal time (never guessed), or too short to split


def common_commune_procedures(limit: int) -> list[Procedure]:
    """Up to `limit` procedures in force at commune level in COMMON_COMMUNE_FIELDS that have a
    structured legal time, by field priority then code."""
    rank = {name: i for i, name in enumerate(COMMON_COMMUNE_FIELDS)}
    candidates = (
        Procedure.objects.filter(
            current__isnull=False,
            current__field__name__in=COMMON_COMMUNE_FIELDS,
            current__levels__icontains='"xa"',
        )
        .exclude(current__action=VersionAction.RESCINDED)
        .select_related("current__field")
    )
    ordered = sorted(candidates, key=lambda p: (rank[p.current.field.name], p.code))
    chosen = [p for p in ordered if legal_time(p).hours is not None]
    return chosen[:limit]


def load_default_templates(
    *, unit: Unit, procedures: Sequence[Procedure], replace: bool = False
) -> DefaultLoad:
    """Assign `procedures` to `unit` (when not yet) and give each the default template, as the
    system (no actor). Procedures without a structured legal time are skipped, never guessed."""
    created, kept, skipped = [], [], []
    for procedure in procedures:
        limit = legal_time(procedure)
        if limit.hours is None or limit.hours < Decimal("0.05"):
            skipped.append(procedure.code)
            continue
        if not replace and active_template(unit=unit, procedure=procedure) is not None:
            kept.append(procedure.code)
            continue
        with transaction.atomic():
            if not Assignment.objects.filter(unit=unit, procedure=procedure).exists():
                assignment_set(actor=None, unit=unit, procedure=procedure)
            process_template_save(
                actor=None,
                unit=unit,
                procedure=procedure,
                steps=default_steps(unit, limit.hours),
            )
        created.append(procedure.code)
    return DefaultLoad(created, kept, skipped)
