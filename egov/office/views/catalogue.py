"""Staff pages: which procedures a unit handles (bulk assignment) and its process templates.

No rules here: the units offered are the user's scope for `catalogue.assign`, writes go through
`egov.procedures.templates_services`, which checks the right again and refuses bad values.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from egov.accounts.policy import Perm, get_for_user, has_any_scope, units_for_choice
from egov.core import vntext
from egov.core.errors import DomainError
from egov.core.forms import clean_text
from egov.procedures import templates_services as services
from egov.procedures.models import (
    CODE_PATTERN,
    Assignment,
    Channel,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    StepKind,
    StepRole,
)
from egov.units.models import ADMINISTRATIVE_KINDS, Unit, subtree_q

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200
_CODE_RE = re.compile(CODE_PATTERN)


class UnitChoiceForm(forms.Form):
    unit = forms.ModelChoiceField(label=_lazy("Đơn vị"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            units_for_choice(user, Perm.CATALOGUE_ASSIGN)
            .filter(merged_into__isnull=True)
            .only("id", "name", "path")
            .order_by("path")
        )


class CatalogueFilterForm(UnitChoiceForm):
    q = forms.CharField(
        label=_lazy("Tìm thủ tục"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        help_text=_lazy("Tên thủ tục (không cần dấu) hoặc mã thủ tục."),
    )
    field = forms.ModelChoiceField(
        label=_lazy("Lĩnh vực"),
        queryset=Field.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_lazy("Tất cả"),
    )
    level = forms.ChoiceField(
        label=_lazy("Cấp thực hiện"),
        choices=[("", _lazy("Tất cả"))] + list(Level.choices),
        required=False,
    )
    assigned = forms.ChoiceField(
        label=_lazy("Phân công"),
        choices=[
            ("", _lazy("Tất cả")),
            ("yes", _lazy("Đơn vị đang thực hiện")),
            ("no", _lazy("Chưa phân công")),
        ],
        required=False,
    )

    def clean_q(self) -> str:
        return clean_text(self.cleaned_data.get("q") or "")


class BulkAssignForm(UnitChoiceForm):
    action = forms.ChoiceField(
        label=_lazy("Thao tác"),
        choices=[("assign", _lazy("Phân công")), ("unassign", _lazy("Bỏ phân công"))],
    )
    online_level = forms.ChoiceField(
        label=_lazy("Mức độ trực tuyến"),
        choices=OnlineLevel.choices,
        required=False,
        initial=OnlineLevel.NONE,
    )
    full_process_eligible = forms.BooleanField(
        label=_lazy("Đủ điều kiện trực tuyến toàn trình"), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_lazy("Hình thức tiếp nhận"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=[Channel.DIRECT],
    )
    cutoff = forms.TimeField(
        label=_lazy("Giờ tiếp nhận trong ngày"),
        required=False,
        help_text=_lazy("Ví dụ 15:00; để trống nếu thủ tục không quy định."),
    )

    def __init__(self, *args: Any, codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes
        self.procedures: list[Procedure] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.codes:
            raise forms.ValidationError(_("Chưa chọn thủ tục nào."))
        if len(self.codes) > services.MAX_BULK:
            raise forms.ValidationError(
                _("Mỗi lần chỉ được chọn tối đa %(max)d thủ tục (đã chọn %(n)d).")
                % {"max": services.MAX_BULK, "n": len(self.codes)}
            )
        bad = [c for c in self.codes if not _CODE_RE.fullmatch(c)]
        if bad:
            raise forms.ValidationError(
                _("Mã thủ tục không hợp lệ: %(codes)s.")
                % {"codes": ", ".join(repr(c[:20]) for c in bad[:5])}
            )
        found = {p.code: p for p in Procedure.objects.filter(code__in=set(self.codes))}
        unknown = sorted(set(self.codes) - set(found))
        if unknown:
            raise forms.ValidationError(
                _("Không có thủ tục mã %(codes)s trong danh mục.")
                % {"codes": ", ".join(unknown[:5])}
            )
        self.procedures = list(found.values())
        return data


def _require_any(request: HttpRequest) -> None:
    if not has_any_scope(request.user, Perm.CATALOGUE_ASSIGN):
        raise PermissionDenied


def _procedures(unit: Unit, data: dict[str, Any]) -> QuerySet[Procedure]:
    qs = Procedure.objects.filter(current__isnull=False).select_related("current__field")
    q = data.get("q") or ""
    if q:
        key = vntext.search_key(q)
        cond = Q(code__startswith=q) if re.fullmatch(r"[0-9.]+", q) else Q(pk__in=[])
        if key:
            cond |= Q(current__name_key__contains=key)
        qs = qs.filter(cond)
    if data.get("field"):
        qs = qs.filter(current__field=data["field"])
    if data.get("level"):
        qs = qs.filter(current__levels__icontains=f'"{data["level"]}"')
    assigned = Assignment.objects.filter(unit=unit).values("procedure_id")
    if data.get("assigned") == "yes":
        qs = qs.filter(pk__in=assigned)
    elif data.get("assigned") == "no":
        qs = qs.exclude(pk__in=assigned)
    return qs.order_by("code")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def catalogue_assignments(request: HttpRequest) -> HttpResponse:
    _require_any(request)
    status = 200
    message = ""
    errors: list[dict] = []
    bulk = None
    if request.method == "POST":
        bulk = BulkAssignForm(request.POST, user=request.user, codes=request.POST.getlist("code"))
        if bulk.is_valid():
            data = bulk.cleaned_data
            unit = data["unit"]
            try:
                if data["action"] == "assign":
                    result = services.assignments_bulk_set(
                        actor=request.user,
                        unit=unit,
                        procedures=bulk.procedures,
                        online_level=data["online_level"] or OnlineLevel.NONE,
                        full_process_eligible=data["full_process_eligible"],
                        channels=data["channels"],
                        cutoff=data["cutoff"],
                    )
                    text = _(
                        "Đã phân công: %(created)d thủ tục mới, %(updated)d cập nhật, "
                        "%(unchanged)d không đổi."
                    )
                else:
                    result = services.assignments_bulk_remove(
                        actor=request.user, unit=unit, procedures=bulk.procedures
                    )
                    text = _("Đã bỏ phân công %(removed)d thủ tục.")
            except DomainError as exc:
                message, errors, status = str(exc.message), list(exc.errors), exc.status
            else:
                messages.success(request, text % result.as_dict())
                query = urlencode({"unit": unit.pk})
                return redirect(f"{reverse('office:catalogue-assignments')}?{query}")
        else:
            status = 400
        params: Any = {"unit": request.POST.get("unit", "")}
    else:
        params = request.GET
    form = CatalogueFilterForm(params or None, user=request.user)
    unit = None
    page = None
    assignments: dict[int, Assignment] = {}
    if form.is_bound and form.is_valid():
        unit = form.cleaned_data["unit"]
        page = Paginator(_procedures(unit, form.cleaned_data), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        assignments = {
            a.procedure_id: a
            for a in Assignment.objects.filter(
                unit=unit, procedure_id__in=[p.pk for p in page.object_list]
            )
        }
        for procedure in page.object_list:
            procedure.assignment = assignments.get(procedure.pk)
        if bulk is None:
            bulk = BulkAssignForm(initial={"unit": unit.pk}, user=request.user, codes=[])
    elif form.is_bound and request.method == "GET":
        status = 400
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "bulk": bulk,
        "unit": unit,
        "page": page,
        "query": query.urlencode(),
        "message": message,
        "errors": errors,
    }
    return render(request, "office/catalogue/assignments.html", context, status=status)


# --- Process template of one procedure at one unit -------------------------------------------------


def _step_units(unit: Unit) -> QuerySet[Unit]:
    """Units a step may name: the unit's subtree, the levels above it and their own agencies
    (inter-level processing goes up the tree), never a sibling's inner offices."""
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    return (
        Unit.objects.filter(
            subtree_q(unit.path)
            | Q(pk__in=ancestors)
            | (Q(parent_id__in=ancestors) & ~Q(kind__in=ADMINISTRATIVE_KINDS))
        )
        .filter(merged_into__isnull=True)
        .only("id", "name", "path")
        .order_by("path")
    )


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Bước"), choices=StepKind.choices)
    role = forms.ChoiceField(label=_lazy("Vai trò"), choices=StepRole.choices)
    unit = forms.ModelChoiceField(
        label=_lazy("Đơn vị thực hiện / nhận liên thông"), queryset=Unit.objects.none()
    )
    hours = forms.DecimalField(
        label=_lazy("Giờ làm việc"),
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    note = forms.CharField(label=_lazy("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data.get("note") or "")


StepFormSet = forms.formset_factory(
    StepForm,
    extra=2,
    can_delete=True,
    max_num=services.MAX_STEPS,
    validate_max=True,
    absolute_max=services.MAX_STEPS,
)


def _form_hours(form: StepForm) -> Decimal | None:
    if not form.is_bound:
        return form.initial.get("hours")
    if not form.is_valid() or not form.has_changed() or form.cleaned_data.get("DELETE"):
        return None
    return form.cleaned_data.get("hours")


def _running(rows: list[dict[str, Any]]) -> Decimal:
    total = Decimal(0)
    for row in rows:
        total += row["hours"]
        row["running"] = total
    return total


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def catalogue_template(request: HttpRequest, unit_id: int, code: str) -> HttpResponse:
    unit = get_for_user(
        request.user,
        Unit.objects.all(),
        Perm.UNIT_VIEW,
        write_perm=Perm.CATALOGUE_ASSIGN,
        field="",
        pk=unit_id,
    )
    if not _CODE_RE.fullmatch(code):
        raise Http404
    procedure = Procedure.objects.filter(code=code).select_related("current").first()
    if procedure is None or procedure.current is None:
        raise Http404
    assigned = Assignment.objects.filter(unit=unit, procedure=procedure).first()
    template = services.active_template(unit=unit, procedure=procedure)
    legal = services.legal_time(procedure)
    units = _step_units(unit)
    status = 200
    message = ""
    if request.method == "POST":
        formset = StepFormSet(request.POST, form_kwargs={"units": units}, prefix="steps")
        if formset.is_valid():
            steps = [
                services.StepInput(
                    kind=f.cleaned_data["kind"],
                    role=f.cleaned_data["role"],
                    unit=f.cleaned_data["unit"],
                    hours=f.cleaned_data["hours"],
                    note=f.cleaned_data["note"],
                )
                for f in formset.forms
                if f.has_changed() and not f.cleaned_data.get("DELETE")
            ]
            try:
                services.process_template_save(
                    actor=request.user, unit=unit, procedure=procedure, steps=steps
                )
            except DomainError as exc:
                message, status = str(exc.message), exc.status
            else:
                messages.success(request, _("Đã lưu quy trình nội bộ."))
                return redirect("office:catalogue-template", unit_id=unit.pk, code=code)
        else:
            status = 400
            message = _("Vui lòng sửa các ô được đánh dấu.")
            if formset.non_form_errors():
                message = " ".join(str(e) for e in formset.non_form_errors())
    else:
        initial = [
            {
                "kind": s.kind,
                "role": s.role,
                "unit": s.unit_id,
                "hours": s.hours,
                "note": s.note,
            }
            for s in (template.steps.all() if template else [])
        ]
        formset = StepFormSet(initial=initial, form_kwargs={"units": units}, prefix="steps")
    rows = [{"form": f, "hours": _form_hours(f)} for f in formset.forms]
    total = _running([r for r in rows if r["hours"] is not None])
    context = {
        "unit": unit,
        "procedure": procedure,
        "version": procedure.current,
        "assigned": assigned,
        "template": template,
        "legal": legal,
        "formset": formset,
        "rows": rows,
        "total": total,
        "over": legal.hours is not None and total > legal.hours,
        "message": message,
    }
    return render(request, "office/catalogue/template.html", context, status=status)
