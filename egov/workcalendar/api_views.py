"""Public JSON API of the working-day calendar (no login): the days off of a year, and due dates.

Thin views: parameters are parsed here, the rules live in `deadlines` and `selectors`. Every error
is an RFC 9457 problem (application/problem+json, 400 with `title`, `status`, `detail` and
`errors: [{"field", "message"}]`) through the project's DRF exception handler.

GET /api/v1/calendar/due-date/?received_at=2026-11-23T16:00%2B07:00&amount=2&unit=hour
    {"received_at": "2026-11-23T16:00:00+07:00", "counted_from": "2026-11-23T16:00:00+07:00",
     "due_at": "2026-11-25T08:30:00+07:00", "amount": "2", "unit": "hour", "unit_id": null,
     "cutoff": null}
    `unit` is working_day (default), day or hour; optional `unit_id` (an egov unit: its office
    hours and exceptions) and `cutoff` (HH:MM). Times without an offset are Vietnam time.

GET /api/v1/calendar/2026/[?unit_id=..]
    {"year": 2026, "unit_id": null, "weekly_rest_days": ["saturday", "sunday"],
     "days_off": [{"date": "2026-11-24", "weekday": "tuesday", "name": "Ngày Văn hóa Việt Nam",
                   "source": "holiday", "note": "", "unit_id": null}, ...],
     "working_days": [{"date": "2026-08-22", "weekday": "saturday", "name": "Làm bù ...",
                       "source": "working_day", "note": "...", "unit_id": null}],
     "working_day_count": 249, "national_holidays_available": true,
     "tet_schedule_replaced": false,
     "office_hours": {"morning": ["07:30", "11:30"], "afternoon": ["13:30", "17:00"],
                      "hours_per_day": 7.5}}
    `days_off` lists every named day off, holidays on a Saturday or Sunday included; ordinary
    Saturdays and Sundays are not listed (they are `weekly_rest_days`). `working_days` lists the
    rest days and holidays made working by an exception (ngày làm bù). `source` is "holiday" (the
    holidays package) or the exception kind (day_off, tet, working_day).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.errors import ValidationFailed
from egov.workcalendar import selectors
from egov.workcalendar.deadlines import MAX_DAYS, MAX_HOURS, AmountUnit
from egov.workcalendar.years import WEEKLY_REST_DAYS

_MAX_PARAM = 64
_AMOUNT_RE = re.compile(r"[+-]?[0-9]{1,12}(\.[0-9]{1,12})?", re.ASCII)
_CUTOFF_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
# "+07:00" typed unencoded in a query string arrives as " 07:00".
_SPACE_OFFSET_RE = re.compile(r"(T[0-9:.,]+) ([0-9]{2}(:?[0-9]{2})?)$", re.ASCII)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _param(request: Request, name: str, *, required: bool = False) -> str | None:
    values = request.query_params.getlist(name)
    if not values:
        if required:
            raise ValidationFailed(_("Thiếu tham số %(name)s.") % {"name": name}, field=name)
        return None
    if len(values) > 1:
        raise ValidationFailed(
            _("Tham số %(name)s chỉ được gửi một lần.") % {"name": name}, field=name
        )
    value = values[0]
    if len(value) > _MAX_PARAM:
        raise ValidationFailed(_("Tham số %(name)s quá dài.") % {"name": name}, field=name)
    if "\ufffd" in value or "\x00" in value or not value.isprintable():
        raise ValidationFailed(
            _("Tham số %(name)s chứa ký tự không hợp lệ.") % {"name": name}, field=name
        )
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("Thiếu tham số %(name)s.") % {"name": name}, field=name)
    return value


def parse_received_at(value: str) -> datetime:
    value = _SPACE_OFFSET_RE.sub(r"\1+\2", value)
    if not value.isascii() or len(value) < 16 or value[10] not in "Tt ":
        raise ValidationFailed(
            _("received_at phải là ngày giờ ISO 8601, ví dụ 2026-11-23T09:00:00+07:00."),
            field="received_at",
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("received_at phải là ngày giờ ISO 8601, ví dụ 2026-11-23T09:00:00+07:00."),
            field="received_at",
        ) from None
    return moment


def parse_amount(value: str) -> Decimal:
    if not _AMOUNT_RE.fullmatch(value):
        raise ValidationFailed(
            _("amount phải là một số thập phân, ví dụ 3 hoặc 0.5."), field="amount"
        )
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValidationFailed(_("amount không hợp lệ."), field="amount") from None


def parse_cutoff(value: str) -> time:
    match = _CUTOFF_RE.fullmatch(value)
    if not match:
        raise ValidationFailed(_("cutoff phải có dạng HH:MM, ví dụ 15:00."), field="cutoff")
    return time(int(match.group(1)), int(match.group(2)))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- OpenAPI shapes -----------------------------------------------------------------------------


class DueDateSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField(help_text="Thời điểm nhận, giờ Việt Nam (+07:00).")
    counted_from = serializers.DateTimeField(help_text="Thời điểm bắt đầu tính thời hạn.")
    due_at = serializers.DateTimeField(help_text="Hạn giải quyết.")
    amount = serializers.CharField()
    unit = serializers.ChoiceField(choices=[u.value for u in AmountUnit])
    unit_id = serializers.IntegerField(allow_null=True)
    cutoff = serializers.CharField(allow_null=True)


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    weekday = serializers.ChoiceField(choices=_WEEKDAYS)
    name = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["holiday", "day_off", "tet", "working_day"],
        help_text="holiday: ngày lễ theo gói holidays; day_off, tet, working_day: ngoại lệ do "
        "quản trị viên nhập.",
    )
    note = serializers.CharField()
    unit_id = serializers.IntegerField(allow_null=True)


class OfficeHoursSerializer(serializers.Serializer):
    morning = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    afternoon = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2)
    hours_per_day = serializers.FloatField()


class CalendarYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit_id = serializers.IntegerField(allow_null=True)
    weekly_rest_days = serializers.ListField(child=serializers.CharField())
    days_off = CalendarDaySerializer(many=True)
    working_days = CalendarDaySerializer(many=True)
    working_day_count = serializers.IntegerField()
    national_holidays_available = serializers.BooleanField()
    tet_schedule_replaced = serializers.BooleanField()
    office_hours = OfficeHoursSerializer()


_PROBLEM = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="application/problem+json (RFC 9457): type, title, status, detail, errors.",
)
_UNIT_ID = OpenApiParameter(
    "unit_id", OpenApiTypes.INT, description="Mã đơn vị egov (giờ làm việc, ngoại lệ riêng)."
)


class PublicCalendarView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


class DueDateView(PublicCalendarView):
    @extend_schema(
        operation_id="calendar_due_date",
        summary="Tính hạn giải quyết",
        description=(
            "Hạn giải quyết của hồ sơ nhận lúc `received_at` với thời hạn `amount` `unit`. "
            "working_day: số nguyên N kết thúc lúc hết giờ làm việc của ngày làm việc thứ N sau "
            "ngày bắt đầu tính; phần lẻ tính theo giờ làm việc (1 ngày = 8 giờ). day: ngày theo "
            "lịch, rơi vào ngày nghỉ thì lùi đến hết giờ ngày làm việc kế tiếp. hour: giờ làm "
            "việc. Hồ sơ nhận ngày nghỉ, ngoài giờ hoặc sau `cutoff` tính từ đầu giờ ngày làm "
            "việc kế tiếp. Thời điểm không kèm múi giờ được hiểu là giờ Việt Nam."
        ),
        parameters=[
            OpenApiParameter(
                "received_at",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601, ví dụ 2026-11-23T09:00:00+07:00 (mã hóa + thành %2B).",
            ),
            OpenApiParameter(
                "amount",
                OpenApiTypes.NUMBER,
                required=True,
                description=f"≥ 0; tối đa {MAX_DAYS} ngày hoặc {MAX_HOURS} giờ.",
            ),
            OpenApiParameter(
                "unit", OpenApiTypes.STR, enum=[u.value for u in AmountUnit], default="working_day"
            ),
            _UNIT_ID,
            OpenApiParameter(
                "cutoff", OpenApiTypes.STR, description="Giờ chốt nhận trong ngày, HH:MM."
            ),
        ],
        responses={200: DueDateSerializer, 400: _PROBLEM},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        received_at = parse_received_at(_param(request, "received_at", required=True))
        amount = parse_amount(_param(request, "amount", required=True))
        unit_value = _param(request, "unit") or AmountUnit.WORKING_DAY.value
        if unit_value not in {u.value for u in AmountUnit}:
            raise ValidationFailed(_("unit phải là working_day, day hoặc hour."), field="unit")
        cutoff_value = _param(request, "cutoff")
        cutoff = parse_cutoff(cutoff_value) if cutoff_value else None
        unit = selectors.unit_for_calendar(_param(request, "unit_id"))
        result = selectors.due_date_for(
            received_at=received_at,
            amount=amount,
            amount_unit=unit_value,
            unit=unit,
            cutoff=cutoff,
        )
        return Response(
            {
                "received_at": _iso(result.received_at),
                "counted_from": _iso(result.counted_from),
                "due_at": _iso(result.due_at),
                "amount": str(amount),
                "unit": unit_value,
                "unit_id": unit.pk if unit else None,
                "cutoff": f"{cutoff:%H:%M}" if cutoff else None,
            }
        )


def _day(day: Any, info: Any) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "weekday": _WEEKDAYS[day.weekday()],
        "name": info.name,
        "source": info.source,
        "note": info.note,
        "unit_id": info.unit_id,
    }


class CalendarYearView(PublicCalendarView):
    @extend_schema(
        operation_id="calendar_year",
        summary="Ngày nghỉ trong năm",
        description=(
            "Các ngày nghỉ có tên trong năm (ngày lễ, Tết, ngày nghỉ thêm; kể cả ngày lễ rơi vào "
            "thứ Bảy, Chủ nhật) và, riêng, các ngày thứ Bảy/Chủ nhật hoặc ngày lễ được chuyển "
            "thành ngày làm việc (ngày làm bù). Thứ Bảy, Chủ nhật là ngày nghỉ hằng tuần và không "
            "được liệt kê từng ngày."
        ),
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, OpenApiParameter.PATH, description="1900–2200"
            ),
            _UNIT_ID,
        ],
        responses={200: CalendarYearSerializer, 400: _PROBLEM},
        auth=[],
    )
    def get(self, request: Request, year: str) -> Response:
        if len(year) > 4 or not year.isascii() or not year.isdigit():
            raise ValidationFailed(_("Năm không hợp lệ."), field="year")
        unit = selectors.unit_for_calendar(_param(request, "unit_id"))
        listing = selectors.year_listing(year=int(year), unit=unit)
        spec, sch = listing.spec, listing.schedule
        return Response(
            {
                "year": listing.year,
                "unit_id": unit.pk if unit else None,
                "weekly_rest_days": [_WEEKDAYS[d] for d in sorted(WEEKLY_REST_DAYS)],
                "days_off": [_day(d, info) for d, info in spec.days_off.items()],
                "working_days": [_day(d, info) for d, info in spec.extra_working.items()],
                "working_day_count": len(spec.working_ordinals),
                "national_holidays_available": spec.national_available,
                "tet_schedule_replaced": spec.tet_replaced,
                "office_hours": {
                    "morning": [f"{sch.morning_start:%H:%M}", f"{sch.morning_end:%H:%M}"],
                    "afternoon": [f"{sch.afternoon_start:%H:%M}", f"{sch.afternoon_end:%H:%M}"],
                    "hours_per_day": sch.hours_per_day,
                },
            }
        )
