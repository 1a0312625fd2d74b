"""Every change to the working-day calendar: one function, one transaction, one audit event.

Each change also invalidates the cached calendars (`caching.invalidate`), in this process at once
and in the others within a second. Permission checks are the caller's (pages and the admin ask
`egov.accounts.policy` for `calendar.manage` on the row's unit; a global row needs a system-wide
grant), as for the other services of the foundation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Conflict, ValidationFailed
from egov.units.models import Unit
from egov.workcalendar import caching
from egov.workcalendar.deadlines import MAX_YEAR, MIN_YEAR, OfficeSchedule
from egov.workcalendar.models import CalendarException, ExceptionKind, OfficeHours

NAME_MAX = CalendarException._meta.get_field("name").max_length
NOTE_MAX = CalendarException._meta.get_field("note").max_length


def validate_exception_fields(
    *, day: Any, kind: Any, name: Any, note: Any = ""
) -> tuple[date, str, str, str]:
    """The cleaned (date, kind, name, note) of an exception, or ValidationFailed."""
    if not isinstance(day, date) or not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(
            _("Ngày phải trong khoảng năm %(min)s–%(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR},
            field="date",
        )
    if kind not in ExceptionKind.values:
        raise ValidationFailed(_("Loại ngoại lệ không hợp lệ."), field="kind")
    name = vntext.clean(name if isinstance(name, str) else "")
    note = vntext.clean(note if isinstance(note, str) else "")
    if not name:
        raise ValidationFailed(_("Tên không được để trống."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(_("Tên tối đa %(n)s ký tự.") % {"n": NAME_MAX}, field="name")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("Ghi chú tối đa %(n)s ký tự.") % {"n": NOTE_MAX}, field="note")
    if "\x00" in name or "\x00" in note:
        raise ValidationFailed(_("Văn bản chứa ký tự không hợp lệ."), field="name")
    return day, kind, name, note


def _summary(row: CalendarException) -> dict[str, Any]:
    return {
        "date": row.date.isoformat(),
        "kind": row.kind,
        "name": row.name,
        "note": row.note,
        "unit": row.unit_id,
    }


def _save(row: CalendarException) -> None:
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise Conflict(
            _("Đã có ngày nghỉ hoặc ngày làm bù khác cho ngày này ở cùng phạm vi."), field="date"
        ) from exc


@transaction.atomic
def exception_create(
    *,
    actor: Any,
    day: date,
    kind: str,
    name: str,
    unit: Unit | None = None,
    note: str = "",
) -> CalendarException:
    """Add an extra day off, a working day (ngày làm bù) or a Tết-schedule day for `unit` (None:
    for every unit)."""
    day, kind, name, note = validate_exception_fields(day=day, kind=kind, name=name, note=note)
    row = CalendarException(date=day, kind=kind, name=name, note=note, unit=unit)
    _save(row)
    audit_record(
        actor=actor,
        action="calendar.exception_create",
        target=row,
        unit=unit,
        summary=_summary(row),
    )
    caching.invalidate()
    return row


@transaction.atomic
def exception_update(
    *,
    actor: Any,
    exception: CalendarException,
    day: date,
    kind: str,
    name: str,
    unit: Unit | None,
    note: str = "",
) -> CalendarException:
    day, kind, name, note = validate_exception_fields(day=day, kind=kind, name=name, note=note)
    row = CalendarException.objects.select_for_update().get(pk=exception.pk)
    before = _summary(row)
    row.date, row.kind, row.name, row.note, row.unit = day, kind, name, note, unit
    after = _summary(row)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return row
    _save(row)
    audit_record(
        actor=actor,
        action="calendar.exception_update",
        target=row,
        unit=unit,
        summary={"date": after["date"], "changes": changes, "old_unit": before["unit"]},
    )
    caching.invalidate()
    return row


@transaction.atomic
def exception_delete(*, actor: Any, exception: CalendarException) -> None:
    row = CalendarException.objects.select_for_update().get(pk=exception.pk)
    audit_record(
        actor=actor,
        action="calendar.exception_delete",
        target=row,
        unit=row.unit,
        summary=_summary(row),
    )
    row.delete()
    caching.invalidate()


def _hours_summary(row: OfficeHours) -> dict[str, Any]:
    return {
        "unit": row.unit_id,
        "morning": [f"{row.morning_start:%H:%M}", f"{row.morning_end:%H:%M}"],
        "afternoon": [f"{row.afternoon_start:%H:%M}", f"{row.afternoon_end:%H:%M}"],
    }


def validate_office_hours(
    *, morning_start: Any, morning_end: Any, afternoon_start: Any, afternoon_end: Any
) -> OfficeSchedule:
    if not all(
        isinstance(t, time) for t in (morning_start, morning_end, afternoon_start, afternoon_end)
    ):
        raise ValidationFailed(_("Giờ làm việc không hợp lệ."), field="morning_start")
    return OfficeSchedule(morning_start, morning_end, afternoon_start, afternoon_end)


@transaction.atomic
def office_hours_set(
    *,
    actor: Any,
    unit: Unit | None,
    morning_start: time,
    morning_end: time,
    afternoon_start: time,
    afternoon_end: time,
) -> OfficeHours:
    """Set the office hours of `unit` (None: the default for units without their own)."""
    validate_office_hours(
        morning_start=morning_start,
        morning_end=morning_end,
        afternoon_start=afternoon_start,
        afternoon_end=afternoon_end,
    )
    qs = OfficeHours.objects.select_for_update()
    row = (qs.filter(unit__isnull=True) if unit is None else qs.filter(unit=unit)).first()
    created = row is None
    if row is None:
        row = OfficeHours(unit=unit)
    before = None if created else _hours_summary(row)
    row.morning_start, row.morning_end = morning_start, morning_end
    row.afternoon_start, row.afternoon_end = afternoon_start, afternoon_end
    after = _hours_summary(row)
    if before == after:
        return row
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise Conflict(_("Đơn vị này đã có giờ làm việc."), field="unit") from exc
    audit_record(
        actor=actor,
        action="calendar.office_hours_set",
        target=row,
        unit=unit,
        summary={"before": before, "after": after},
    )
    caching.invalidate()
    return row


@transaction.atomic
def office_hours_delete(*, actor: Any, office_hours: OfficeHours) -> None:
    """Remove a unit's own office hours (it then follows the unit above it or the default)."""
    row = OfficeHours.objects.select_for_update().get(pk=office_hours.pk)
    audit_record(
        actor=actor,
        action="calendar.office_hours_delete",
        target=row,
        unit=row.unit,
        summary=_hours_summary(row),
    )
    row.delete()
    caching.invalidate()


# --- Exceptions announced by the government, as far as they are cited in /work/shared ------------


@dataclass(frozen=True)
class CitedException:
    day: date
    kind: str
    name: str
    note: str


_SWAP_SOURCE = (
    "Hoán đổi ngày làm việc của công chức, viên chức do Chính phủ công bố; trích dẫn: "
    "DOMAIN.md §10 [V] ({}). Ngày nghỉ hoán đổi đã có trong gói holidays: {}."
)

# Only swaps cited in DOMAIN.md §10. The days off of these swaps (2 May 2025, 31 August 2026) are
# already in the holidays package; the Saturdays worked in exchange are not.
CITED_EXCEPTIONS: tuple[CitedException, ...] = (
    CitedException(
        date(2025, 4, 26),
        ExceptionKind.WORKING_DAY,
        "Làm bù cho ngày nghỉ 02/05/2025",
        _SWAP_SOURCE.format(
            "2025: nghỉ 2/5, làm bù thứ Bảy 26/4",
            "“Ngày nghỉ (thay cho ngày 26/04/2025)” ngày 02/05/2025",
        ),
    ),
    CitedException(
        date(2026, 8, 22),
        ExceptionKind.WORKING_DAY,
        "Làm bù cho ngày nghỉ 31/08/2026",
        _SWAP_SOURCE.format(
            "2026: nghỉ 31/8, hoán đổi với thứ Bảy 22/8",
            "“Ngày nghỉ (thay cho ngày 22/08/2026)” ngày 31/08/2026",
        ),
    ),
)


@transaction.atomic
def load_calendar_exceptions(*, actor: Any = None) -> list[CalendarException]:
    """Make sure the cited government swaps exist as global rows (idempotent: a date that
    already has a global row, whatever an administrator made of it, is left alone). Answers the
    rows created. The data migration 0002 stores the same rows on a new database."""
    created = []
    existing = set(
        CalendarException.objects.filter(
            unit__isnull=True, date__in=[c.day for c in CITED_EXCEPTIONS]
        ).values_list("date", flat=True)
    )
    for cited in CITED_EXCEPTIONS:
        if cited.day in existing:
            continue
        created.append(
            exception_create(
                actor=actor, day=cited.day, kind=cited.kind, name=cited.name, note=cited.note
            )
        )
    return created
