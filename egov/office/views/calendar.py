"""Staff page: the days off and working rest days of a year, for calendar managers.

No rules here: the calendar comes from `egov.workcalendar.selectors`, the units offered and the
administrators' rows shown are those of the user's scope for `calendar.manage`. Changes are made
in the admin (through the calendar services).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from egov.accounts.policy import Perm, has_any_scope, units_for_choice
from egov.workcalendar import selectors
from egov.workcalendar.deadlines import MAX_YEAR, MIN_YEAR
from egov.workcalendar.models import ExceptionKind

WEEKDAYS = [
    _("Thứ Hai"),
    _("Thứ Ba"),
    _("Thứ Tư"),
    _("Thứ Năm"),
    _("Thứ Sáu"),
    _("Thứ Bảy"),
    _("Chủ nhật"),
]
SOURCES = {"holiday": _("Ngày lễ (Bộ luật Lao động)"), **dict(ExceptionKind.choices)}


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=None,
        required=False,
        empty_label=_("Lịch chung (mọi đơn vị)"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(user, Perm.CALENDAR_MANAGE).only(
            "id", "name", "path"
        )


def _days(mapping) -> list[dict]:
    return [
        {
            "date": day,
            "weekday": WEEKDAYS[day.weekday()],
            "name": info.name,
            "source": SOURCES.get(info.source, info.source),
            "note": info.note,
        }
        for day, info in mapping.items()
    ]


def _admin_url() -> str:
    try:
        return reverse("admin:workcalendar_calendarexception_changelist")
    except NoReverseMatch:
        return ""


@require_safe
@login_required
def calendar_year(request: HttpRequest) -> HttpResponse:
    if not has_any_scope(request.user, Perm.CALENDAR_MANAGE):
        raise PermissionDenied
    this_year = timezone.localdate().year
    form = CalendarYearForm(request.GET or {"year": this_year}, user=request.user)
    context = {"form": form, "admin_url": _admin_url()}
    if not form.is_valid():
        return render(request, "office/calendar/year.html", context, status=400)
    year, unit = form.cleaned_data["year"], form.cleaned_data["unit"]
    listing = selectors.year_listing(year=year, unit=unit)
    context.update(
        year=year,
        unit=unit,
        listing=listing,
        days_off=_days(listing.spec.days_off),
        working_days=_days(listing.spec.extra_working),
        rows=selectors.exceptions_for_user(request.user, year=year),
    )
    return render(request, "office/calendar/year.html", context)
