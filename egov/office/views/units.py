"""Staff pages for the unit tree: list, detail, CSV export and import. No rules here: scope and
rights come from `egov.units.selectors`, `egov.units.services` and the access policy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_safe

from egov.accounts.policy import Perm, has_any_scope, has_perm_on
from egov.core import vntext
from egov.core.errors import DomainError
from egov.units import csvio, selectors
from egov.units.models import Unit, UnitKind

PAGE_SIZE = 50
# Room for the multipart envelope and the CSRF token around the file itself.
_FORM_OVERHEAD = 64 * 1024


class UnitFilterForm(forms.Form):
    q = forms.CharField(
        label=_lazy("Tìm kiếm"),
        max_length=selectors.MAX_QUERY_LENGTH,
        required=False,
        help_text=_lazy("Tên (không cần dấu), mã thống kê hoặc mã định danh điện tử."),
    )
    kind = forms.ChoiceField(
        label=_lazy("Loại đơn vị"),
        choices=[("", _lazy("Tất cả"))] + list(UnitKind.choices),
        required=False,
    )
    history = forms.BooleanField(label=_lazy("Gồm cả đơn vị đã hết hiệu lực"), required=False)

    def clean_q(self) -> str:
        value = self.cleaned_data.get("q") or ""
        if "\x00" in value or vntext.has_invalid_unicode(value):
            raise forms.ValidationError(_("Từ khóa chứa ký tự không hợp lệ."))
        return vntext.clean(value)


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_lazy("Tệp CSV"),
        help_text=_lazy(
            "Mã UTF-8 (có hoặc không có BOM), tối đa 5 MB và 50.000 dòng; "
            "cùng các cột như tệp xuất."
        ),
    )


def _require(request: HttpRequest, perm: str) -> None:
    if not has_any_scope(request.user, perm):
        raise PermissionDenied


@require_safe
@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.UNIT_VIEW)
    form = UnitFilterForm(request.GET or None)
    status = 200
    if not form.is_bound:
        units = selectors.unit_list(user=request.user)
    elif form.is_valid():
        data = form.cleaned_data
        units = selectors.unit_list(
            user=request.user,
            q=data["q"] or None,
            kind=data["kind"] or None,
            include_history=data["history"],
        )
    else:
        units, status = Unit.objects.none(), 400
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "can_import": has_any_scope(request.user, Perm.UNIT_MANAGE),
    }
    return render(request, "office/units/list.html", context, status=status)


@require_safe
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Perm.UNIT_VIEW)
    unit = selectors.unit_get(user=request.user, pk=pk)
    context = {
        "unit": unit,
        "today": timezone.localdate(),
        "children": selectors.unit_children(user=request.user, unit=unit, include_history=True),
        "history": selectors.unit_history(unit),
        "successors": selectors.unit_successors(unit),
        "can_manage": has_perm_on(request.user, Perm.UNIT_MANAGE, unit),
    }
    return render(request, "office/units/detail.html", context)


@require_safe
@login_required
def unit_export(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.UNIT_VIEW)
    root = None
    root_pk = request.GET.get("root", "")
    if root_pk:
        if not root_pk.isascii() or not root_pk.isdigit():
            return HttpResponse(_("Tham số root không hợp lệ."), status=400)
        root = selectors.unit_get(user=request.user, pk=int(root_pk))
    data = csvio.units_export_csv(user=request.user, root=root)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="don-vi-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unit_import(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.UNIT_MANAGE)
    errors: list[dict] = []
    message = ""
    status = 200
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > csvio.MAX_BYTES + _FORM_OVERHEAD:
            # Refused before the body is read: nothing that large is even stored.
            context = {
                "form": UnitImportForm(),
                "errors": [],
                "message": _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": csvio.MAX_BYTES // 2**20},
                "columns": csvio.COLUMNS,
            }
            return render(request, "office/units/import.html", context, status=413)
        form = UnitImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                summary = csvio.units_import_csv(
                    actor=request.user, fileobj=form.cleaned_data["file"], within=None
                )
            except DomainError as exc:
                message, errors, status = str(exc.message), list(exc.errors), 400
            else:
                messages.success(
                    request,
                    _(
                        "Đã nhập tệp: %(created)d đơn vị mới, %(updated)d đơn vị cập nhật, "
                        "%(unchanged)d không đổi."
                    )
                    % summary.as_dict(),
                )
                return redirect("office:unit-list")
        else:
            status = 400
    else:
        form = UnitImportForm()
    context = {"form": form, "errors": errors, "message": message, "columns": csvio.COLUMNS}
    return render(request, "office/units/import.html", context, status=status)
