"""Staff page to amend or rescind a procedure of the catalogue.

An edit is never made in place: it publishes a new version (a publication decision amends the
procedure from a date), so dossiers keep the version they were submitted under. Only holders of
`catalogue.manage` may do it; the services check it again and audit every change.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from egov.accounts.policy import Perm, has_perm_on
from egov.core.errors import DomainError
from egov.core.forms import clean_lines, clean_text
from egov.procedures import services
from egov.procedures.models import Level, Procedure, ProcedureVersion

_EXTRA = (
    "procedure_type",
    "steps",
    "competent_agency",
    "delegated_agency",
    "coordinating_agencies",
    "receiving_address",
    "conditions",
    "keywords",
    "description",
    "fee_exemptions",
)
# One paper per line: "name | originals | copies".
_COMPONENT_LINE = re.compile(r"^(?P<name>.+?)\s*\|\s*(?P<o>\d{1,2})\s*\|\s*(?P<c>\d{1,2})\s*$")


def _area(label: Any, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AmendForm(forms.Form):
    decision_no = forms.CharField(label=_lazy("Số quyết định công bố"), max_length=64)
    decision_date = forms.DateField(
        label=_lazy("Ngày quyết định"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    effective_from = forms.DateField(
        label=_lazy("Hiệu lực từ"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_lazy("Để trống: từ hôm nay."),
    )  # fmt: skip
    name = _area(_lazy("Tên thủ tục"), required=True, rows=2)
    field = forms.CharField(label=_lazy("Lĩnh vực"), max_length=255)
    level = forms.MultipleChoiceField(
        label=_lazy("Cấp thực hiện"), choices=Level.choices, widget=forms.CheckboxSelectMultiple
    )
    processing_time = forms.CharField(
        label=_lazy("Thời hạn giải quyết"), max_length=2000, required=False,
        help_text=_lazy("Như công bố, ví dụ “3 ngày làm việc”."),
    )  # fmt: skip
    fees = forms.CharField(label=_lazy("Phí, lệ phí"), max_length=2000, required=False)
    components = _area(
        _lazy("Thành phần hồ sơ (mỗi dòng: tên giấy tờ | số bản chính | số bản sao)"), rows=6
    )
    result = _area(_lazy("Kết quả thực hiện"))
    legal_bases = _area(_lazy("Căn cứ pháp lý (mỗi dòng một số ký hiệu văn bản)"))
    agency = _area(_lazy("Cơ quan thực hiện"), rows=2)
    subjects = _area(_lazy("Đối tượng thực hiện"), rows=2)
    procedure_type = forms.CharField(label=_lazy("Loại thủ tục"), max_length=255, required=False)
    steps = _area(_lazy("Trình tự thực hiện"), rows=5)
    competent_agency = _area(_lazy("Cơ quan có thẩm quyền"), rows=2)
    delegated_agency = _area(_lazy("Cơ quan được ủy quyền"), rows=2)
    coordinating_agencies = _area(_lazy("Cơ quan phối hợp"), rows=2)
    receiving_address = _area(_lazy("Địa chỉ tiếp nhận hồ sơ"), rows=2)
    conditions = _area(_lazy("Yêu cầu, điều kiện"))
    keywords = forms.CharField(label=_lazy("Từ khóa"), max_length=2000, required=False)
    description = _area(_lazy("Mô tả"))
    fee_exemptions = _area(_lazy("Miễn, giảm phí"), rows=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key, value in list(data.items()):
            if isinstance(value, str):
                multiline = key != "name" and isinstance(self.fields[key].widget, forms.Textarea)
                try:
                    data[key] = clean_lines(value) if multiline else clean_text(value)
                except forms.ValidationError as exc:
                    self.add_error(key, exc)
        components = []
        for n, line in enumerate((data.get("components") or "").splitlines(), 1):
            if not line.strip():
                continue
            match = _COMPONENT_LINE.match(line.strip())
            if match is None:
                self.add_error(
                    "components",
                    _("Dòng %(n)d: cần dạng “tên giấy tờ | bản chính | bản sao”.") % {"n": n},
                )
                continue
            components.append(
                {"name": match["name"], "originals": int(match["o"]), "copies": int(match["c"])}
            )
        data["component_rows"] = components
        data["legal_basis_rows"] = [
            line.strip() for line in (data.get("legal_bases") or "").splitlines() if line.strip()
        ]
        return data

    def record(self, code: str, previous: dict[str, Any]) -> dict[str, Any]:
        data = self.cleaned_data
        rec: dict[str, Any] = {
            "code": code,
            "name": data["name"],
            "field": data["field"],
            "level": list(data["level"]),
            "decision_no": data["decision_no"],
        }
        for key in ("processing_time", "fees", "result", "agency", "subjects"):
            if data.get(key):
                rec[key] = data[key]
        if data["component_rows"]:
            rec["components"] = data["component_rows"]
        if data["legal_basis_rows"]:
            rec["legal_bases"] = data["legal_basis_rows"]
        for key in ("ministry", "portal_url", "source"):
            if previous.get(key):
                rec[key] = previous[key]
        return rec


class RescindForm(forms.Form):
    rescind_decision_no = forms.CharField(label=_lazy("Số quyết định bãi bỏ"), max_length=64)
    rescind_from = forms.DateField(
        label=_lazy("Bãi bỏ từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_rescind_decision_no(self) -> str:
        return clean_text(self.cleaned_data["rescind_decision_no"])


def _initial(version: ProcedureVersion) -> dict[str, Any]:
    record = services.record_of(version)
    initial = {
        "name": version.name,
        "field": version.field.name,
        "level": list(version.levels or []),
        "processing_time": version.processing_time_text,
        "fees": version.fees_text,
        "result": version.result,
        "agency": version.agency,
        "subjects": version.subjects,
        "components": "\n".join(
            f"{c['name']} | {c['originals']} | {c['copies']}" for c in record.get("components", [])
        ),
        "legal_bases": "\n".join(record.get("legal_bases", [])),
    }
    initial.update({key: getattr(version, key) for key in _EXTRA})
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def procedure_edit(request: HttpRequest, code: str) -> HttpResponse:
    if not has_perm_on(request.user, Perm.CATALOGUE_MANAGE, None):
        raise PermissionDenied
    procedure = Procedure.objects.filter(code=code).first()
    version = services.latest_version(procedure) if procedure else None
    if version is None:
        raise Http404
    version = services.with_children(ProcedureVersion.objects.filter(pk=version.pk)).get()
    amend = AmendForm(
        request.POST if request.POST.get("do") == "amend" else None, initial=_initial(version)
    )
    rescind = RescindForm(request.POST if request.POST.get("do") == "rescind" else None)
    if request.method == "POST":
        try:
            if amend.is_bound and amend.is_valid():
                data = amend.cleaned_data
                services.procedure_amend(
                    actor=request.user,
                    data=amend.record(code, services.record_of(version)),
                    effective_from=data["effective_from"],
                    decision_date=data["decision_date"],
                    extra={key: data.get(key) or "" for key in _EXTRA},
                )
                messages.success(request, _("Đã công bố phiên bản mới của thủ tục."))
                return redirect("office:catalogue-procedure-edit", code=code)
            if rescind.is_bound and rescind.is_valid():
                services.procedure_rescind(
                    actor=request.user,
                    code=code,
                    decision_no=rescind.cleaned_data["rescind_decision_no"],
                    effective_from=rescind.cleaned_data["rescind_from"],
                )
                messages.success(request, _("Đã bãi bỏ thủ tục."))
                return redirect("office:catalogue-procedure-edit", code=code)
        except DomainError as exc:
            form = amend if amend.is_bound else rescind
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
    versions = procedure.versions.order_by("-effective_from", "-id")[:20]
    bound = amend.is_bound or rescind.is_bound
    return render(
        request,
        "office/catalogue/procedure_edit.html",
        {
            "procedure": procedure,
            "version": version,
            "amend": amend,
            "rescind": rescind,
            "versions": versions,
        },
        status=400 if bound else 200,
    )
