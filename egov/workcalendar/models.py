"""The administrators' part of the working-day calendar.

National public holidays come from the `holidays` package (see `years.py`); what the government or a
unit decides on top of them is stored here:

- `CalendarException`: one row per date and scope (global when `unit` is empty, otherwise for a
  unit and the units below it): an extra day off, a working day on a rest day (ngày làm bù), or a
  day of the civil-service Tết schedule (when a scope has any Tết row in a year, those rows replace
  the package's Tết days for that year).
- `OfficeHours`: the morning and afternoon office periods of a unit (empty unit = the default).

Rows are changed only through `services.py`, which writes the audit event and invalidates the
cached calendars.
"""

from __future__ import annotations

from datetime import date, time

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from egov.units.models import Unit
from egov.workcalendar.years import SOURCE_DAY_OFF, SOURCE_TET, SOURCE_WORKING_DAY

# The default office hours (07:30-11:30, 13:30-17:00) when no row says otherwise.
DEFAULT_MORNING_START = time(7, 30)
DEFAULT_MORNING_END = time(11, 30)
DEFAULT_AFTERNOON_START = time(13, 30)
DEFAULT_AFTERNOON_END = time(17, 0)


# Callables, not the times themselves: Django's check fields.W161 warns of a fixed time default
# whenever the check runs within ten seconds of that time of day (UTC), which made
# `check --deploy --fail-level WARNING` fail at 07:30, 11:30, 13:30 and 17:00.
def default_morning_start() -> time:
    return DEFAULT_MORNING_START


def default_morning_end() -> time:
    return DEFAULT_MORNING_END


def default_afternoon_start() -> time:
    return DEFAULT_AFTERNOON_START


def default_afternoon_end() -> time:
    return DEFAULT_AFTERNOON_END


class ExceptionKind(models.TextChoices):
    DAY_OFF = SOURCE_DAY_OFF, _("Ngày nghỉ thêm")
    WORKING_DAY = SOURCE_WORKING_DAY, _("Ngày làm việc (làm bù)")
    TET = SOURCE_TET, _("Ngày nghỉ Tết (lịch nghỉ Tết của công chức, viên chức)")


class CalendarException(models.Model):
    date = models.DateField(_("ngày"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calendar_exceptions",
        help_text=_(
            "Để trống: áp dụng cho mọi đơn vị. Chọn đơn vị: áp dụng cho đơn vị đó "
            "và các đơn vị trực thuộc."
        ),
    )
    kind = models.CharField(_("loại"), max_length=16, choices=ExceptionKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    note = models.CharField(
        _("ghi chú, căn cứ"),
        max_length=500,
        blank=True,
        help_text=_("Văn bản hoặc nguồn công bố ngày nghỉ, ngày làm bù."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "unit"],
                condition=Q(unit__isnull=False),
                name="workcalendar_exception_unique_unit_date",
                violation_error_message=_("Đơn vị này đã có ngoại lệ cho ngày này."),
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(unit__isnull=True),
                name="workcalendar_exception_unique_global_date",
                violation_error_message=_("Đã có ngoại lệ chung cho ngày này."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ExceptionKind]),
                name="workcalendar_exception_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="workcalendar_exception_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(date__gte=date(1900, 1, 1)) & Q(date__lte=date(2200, 12, 31)),
                name="workcalendar_exception_date_range",
                violation_error_message=_("Ngày phải trong khoảng năm 1900–2200."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.name}"


class OfficeHours(models.Model):
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="office_hours",
        help_text=_(
            "Để trống: giờ làm việc mặc định. Chọn đơn vị: áp dụng cho đơn vị đó và các "
            "đơn vị trực thuộc chưa có giờ làm việc riêng."
        ),
    )
    morning_start = models.TimeField(_("sáng từ"), default=default_morning_start)
    morning_end = models.TimeField(_("sáng đến"), default=default_morning_end)
    afternoon_start = models.TimeField(_("chiều từ"), default=default_afternoon_start)
    afternoon_end = models.TimeField(_("chiều đến"), default=default_afternoon_end)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        ordering = ["unit_id"]
        constraints = [
            # One row per unit, and one default row (unit empty): NULLs are not equal in a
            # unique index, so the unit id is coalesced to 0, which no unit has.
            models.UniqueConstraint(
                Coalesce(F("unit"), Value(0), output_field=models.BigIntegerField()),
                name="workcalendar_office_hours_one_per_unit",
                violation_error_message=_("Đơn vị này đã có giờ làm việc."),
            ),
            models.CheckConstraint(
                condition=Q(morning_start__lt=F("morning_end")),
                name="workcalendar_office_hours_morning_ordered",
                violation_error_message=_("Giờ bắt đầu buổi sáng phải trước giờ kết thúc."),
            ),
            models.CheckConstraint(
                condition=Q(morning_end__lte=F("afternoon_start")),
                name="workcalendar_office_hours_morning_before_afternoon",
                violation_error_message=_("Buổi sáng phải kết thúc trước khi buổi chiều bắt đầu."),
            ),
            models.CheckConstraint(
                condition=Q(afternoon_start__lt=F("afternoon_end")),
                name="workcalendar_office_hours_afternoon_ordered",
                violation_error_message=_("Giờ bắt đầu buổi chiều phải trước giờ kết thúc."),
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit_id else str(_("Mặc định"))
        return (
            f"{scope}: {self.morning_start:%H:%M}–{self.morning_end:%H:%M}, "
            f"{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}"
        )
