"""The dossier's legal clock: the appointment at reception, pauses and step deadlines.

The appointment is computed by the working-day calendar of the receiving unit from the processing
time of the procedure version for the dossier's channel (`Method`), with the same-day cutoff of the
unit's assignment. While the applicant supplements papers or pays a financial obligation the
clock stops: the office time left at the pause is added again from the moment it resumes.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from egov.core.errors import ValidationFailed
from egov.dossiers.models import Dossier, DossierStep, SubmissionChannel
from egov.procedures.models import Assignment, Channel, Method, TimeUnit
from egov.units.models import Unit
from egov.workcalendar.deadlines import (
    VN_TZ,
    add_office_time,
    office_time_between,
    to_vietnam_time,
)
from egov.workcalendar.selectors import calendar_for, due_date_for

_HOUR_US = 3600 * 1_000_000

_METHOD_OF_CHANNEL = {
    SubmissionChannel.DIRECT: Channel.DIRECT,
    SubmissionChannel.ONLINE: Channel.ONLINE,
    SubmissionChannel.POSTAL: Channel.POSTAL,
}


def method_for(dossier: Dossier) -> Method | None:
    """The method (time and fee) of the dossier's channel with a structured time; the direct
    channel's when its own has none (the national data often gives the time once)."""
    methods = [
        m for m in dossier.version.methods.all() if m.time_amount is not None and m.time_unit
    ]
    wanted = _METHOD_OF_CHANNEL[SubmissionChannel(dossier.channel)]
    for channel in (wanted, Channel.DIRECT, Channel.ONLINE, Channel.POSTAL):
        for m in methods:
            if m.channel == channel:
                return m
    return None


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


# `appointment`'s cutoff when the caller has not read the unit's assignment.
UNKNOWN: Any = object()


def appointment(
    dossier: Dossier, received_at: datetime, *, cutoff: Any = UNKNOWN
) -> tuple[datetime, datetime] | None:
    """(counted_from, due_at) for a dossier received at `received_at`, or None when the
    procedure has no structured time for it (the officer then sets the appointment).
    `cutoff`: the receiving unit's cutoff for the procedure, when the caller read it already."""
    method = method_for(dossier)
    if method is None:
        return None
    unit = dossier.receiving_unit
    if cutoff is UNKNOWN:
        cutoff = (
            Assignment.objects.filter(unit=unit, procedure_id=dossier.procedure_id)
            .values_list("cutoff", flat=True)
            .first()
        )
    amount: Decimal = method.time_amount
    if method.time_unit == TimeUnit.MONTH:
        if amount != amount.to_integral_value():
            return None  # a fraction of a month has no defined length: never guessed
        start = due_date_for(received_at=received_at, amount=0, unit=unit, cutoff=cutoff)
        target = _add_months(start.counted_from.date(), int(amount))
        cal = calendar_for(unit)
        last_day = cal.working_day_on_or_after(target)
        due = datetime.combine(last_day, cal.schedule.afternoon_end, tzinfo=VN_TZ)
        return start.counted_from, due
    result = due_date_for(
        received_at=received_at,
        amount=amount,
        amount_unit=method.time_unit,
        unit=unit,
        cutoff=cutoff,
    )
    return result.counted_from, result.due_at


def check_manual_appointment(due_at: datetime | None, received_at: datetime) -> datetime:
    if due_at is None:
        raise ValidationFailed(
            _(
                "Thủ tục không có thời hạn giải quyết rõ ràng: hãy nhập ngày hẹn trả kết quả "
                "theo văn bản quy định."
            ),
            field="due_at",
            code="appointment_required",
        )
    due_at = to_vietnam_time(due_at)
    if due_at <= received_at:
        raise ValidationFailed(_("Ngày hẹn trả phải sau thời điểm tiếp nhận."), field="due_at")
    return due_at


def step_due(unit: Unit, started_at: datetime, hours: Decimal) -> datetime:
    return add_office_time(calendar_for(unit), started_at, int(hours * _HOUR_US))


def pause(dossier: Dossier, at: datetime) -> None:
    """Stop the legal clock (only once the dossier has been received)."""
    if dossier.due_at is None or dossier.paused_at is not None:
        return
    cal = calendar_for(dossier.receiving_unit)
    if at < dossier.due_at:
        remaining = office_time_between(cal, at, dossier.due_at)
    else:
        remaining = -office_time_between(cal, dossier.due_at, at)
    dossier.paused_at = at
    dossier.paused_remaining_us = remaining


def resume(dossier: Dossier, at: datetime, step: DossierStep | None) -> None:
    """Restart the clock: what was left at the pause counts again from `at`."""
    if dossier.paused_at is None:
        return
    remaining = dossier.paused_remaining_us or 0
    if remaining > 0:
        dossier.due_at = add_office_time(calendar_for(dossier.receiving_unit), at, remaining)
    if step is not None and step.due_at is not None:
        cal = calendar_for(step.unit)
        left = office_time_between(cal, dossier.paused_at, step.due_at)
        if left > 0:
            step.due_at = add_office_time(cal, at, left)
            dossier.step_due_at = step.due_at
    dossier.paused_at = None
    dossier.paused_remaining_us = None
