"""Staff pages for the audit trail: a filtered list and one event. No rules here: the scope comes
from `egov.audit.selectors` and the access policy."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from egov.accounts.policy import Perm, get_for_user, has_any_scope, units_for_choice
from egov.audit.chain import event_hash
from egov.audit.models import AuditEvent
from egov.audit.selectors import audit_events_for
from egov.core import vntext

PAGE_SIZE = 50
_MIN_DATE, _MAX_DATE = date(2000, 1, 1), date(2999, 12, 31)


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Hành động"),
        max_length=64,
        required=False,
        help_text=_("Ví dụ: unit.create, hoặc unit. để xem mọi hành động về đơn vị."),
    )
    actor = forms.CharField(label=_("Tài khoản người thực hiện"), max_length=150, required=False)
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=None, required=False, empty_label=_("Tất cả")
    )
    date_from = forms.DateField(
        label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Tìm kiếm"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(user, Perm.AUDIT_VIEW).only("id", "name")

    def _clean_text(self, name: str) -> str:
        return vntext.clean(self.cleaned_data.get(name) or "")

    def clean_action(self) -> str:
        return self._clean_text("action")

    def clean_actor(self) -> str:
        return self._clean_text("actor")

    def clean_q(self) -> str:
        return self._clean_text("q")

    def _clean_date(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not (_MIN_DATE <= value <= _MAX_DATE):
            raise forms.ValidationError(_("Ngày phải nằm trong khoảng năm 2000 đến năm 2999."))
        return value

    def clean_date_from(self) -> date | None:
        return self._clean_date("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_date("date_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("“Đến ngày” không được trước “Từ ngày”."))
        return data


def _require_audit_view(request: HttpRequest) -> None:
    if not has_any_scope(request.user, Perm.AUDIT_VIEW):
        raise PermissionDenied


@require_safe
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_audit_view(request)
    form = AuditFilterForm(request.GET or None, user=request.user)
    status = 200
    if not form.is_bound:
        events = audit_events_for(request.user)
    elif form.is_valid():
        events = audit_events_for(request.user, **form.cleaned_data)
    else:
        events, status = AuditEvent.objects.none(), 400
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "office/audit/list.html", {"form": form, "page": page}, status=status)


@require_safe
@login_required
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    _require_audit_view(request)
    event = get_for_user(
        request.user,
        AuditEvent.objects.select_related("content_type"),
        Perm.AUDIT_VIEW,
        seq=seq,
    )
    return render(
        request,
        "office/audit/detail.html",
        {"event": event, "hash_ok": event.hash == event_hash(event)},
    )
