"""Staff pages for dossiers: work queues, counter reception, the dossier page and its actions.

No rules here: lists come from `egov.dossiers.selectors` (scoped in the query), every action goes
through `egov.dossiers.services`, which checks the right, the state and the version again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from egov.accounts.models import User
from egov.accounts.policy import Perm, has_any_scope, has_perm_on, units_for_choice
from egov.core.errors import DomainError
from egov.core.forms import add_domain_error, clean_lines, clean_text
from egov.dossiers import selectors, services
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.models import ApplicantKind, Delivery, State, SubmissionChannel
from egov.dossiers.services import ComponentInput, CounterOutcome
from egov.procedures.models import CODE_PATTERN, Procedure

PAGE_SIZE = 50
MAX_PAGE = 100_000  # as the API; a larger page number is read as this one
QUEUE_LABELS = {
    "to_receive": _lazy("Chờ tiếp nhận"),
    "to_process": _lazy("Chờ tôi xử lý"),
    "mine": _lazy("Được giao cho tôi"),
    "due_soon": _lazy("Sắp đến hạn"),
    "overdue": _lazy("Quá hạn"),
    "to_return": _lazy("Chờ trả kết quả"),
    "all": _lazy("Tất cả hồ sơ"),
}


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_official or not any(
        has_any_scope(request.user, p) for p in selectors.DOSSIER_PERMS
    ):
        raise PermissionDenied


class QueueForm(forms.Form):
    queue = forms.ChoiceField(
        label=_lazy("Hàng đợi"), choices=list(QUEUE_LABELS.items()), required=False
    )
    q = forms.CharField(
        label=_lazy("Tìm theo mã hồ sơ, tên hoặc số định danh"), max_length=100, required=False
    )
    state = forms.ChoiceField(
        label=_lazy("Trạng thái"), choices=[("", _lazy("Tất cả"))] + list(State.choices),
        required=False,
    )  # fmt: skip

    def clean_q(self) -> str:
        return clean_text(self.cleaned_data.get("q") or "")


@dataclass
class QueuePage:
    """One page of a work queue. `total` is the exact number of rows when it is known: counted
    up to `selectors.COUNT_CAP`, or found on the last page. Otherwise the page says how many
    there are at least (`more_than`: "more than 1.000", "more than 50") and pages on by
    fetching one row more than it shows."""

    rows: list[Any]
    number: int
    has_next: bool
    total: int | None = None
    more_than: int | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    @property
    def more_than_label(self) -> str:
        return _grouped(self.more_than or 0)

    @property
    def num_pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def queue_page(rows: Callable[[int, int], list[Any]], total: int | None, number: Any) -> QueuePage:
    """Page `number` of a list whose rows `start` to `stop` are `rows(start, stop)`. `total`:
    their number as counted (capped: more than COUNT_CAP when above it), or None when not
    counted. A page number that is not one is the first page; past the end, the last page when
    the total is known."""
    try:
        number = min(max(int(number), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    if total is not None and total <= selectors.COUNT_CAP:
        number = min(number, max(1, -(-total // PAGE_SIZE)))
        start = (number - 1) * PAGE_SIZE
        shown = rows(start, start + PAGE_SIZE) if total else []
        return QueuePage(shown, number, has_next=start + PAGE_SIZE < total, total=total)
    start = (number - 1) * PAGE_SIZE
    shown = rows(start, start + PAGE_SIZE + 1)
    if len(shown) > PAGE_SIZE:
        at_least = start + PAGE_SIZE
        if total is not None:  # counted: more than COUNT_CAP
            at_least = max(at_least, selectors.COUNT_CAP)
        return QueuePage(shown[:PAGE_SIZE], number, has_next=True, more_than=at_least)
    if shown or number == 1:  # the last page: now the total is known
        return QueuePage(shown, number, has_next=False, total=start + len(shown))
    return QueuePage([], number, has_next=False)  # past the end of an uncounted list


@dataclass(frozen=True)
class QueueRow:
    """A line of the work queue, formatted once here: 50 lines of template filters and URL
    reversing cost more than the page's queries."""

    url: str
    code: str
    applicant_name: str
    procedure: str
    state_label: str
    unit_name: str
    due_iso: str
    due_text: str


_PK_MARK = "987654321"


def _queue_rows(rows: list[dict[str, Any]]) -> list[QueueRow]:
    """The lines of `selectors.work_queue_rows`, formatted."""
    detail = reverse("office:dossier-detail", args=[int(_PK_MARK)])
    zone = timezone.get_current_timezone()
    procedures: dict[tuple[str, str], str] = {}  # a page shows a few procedures many times
    lines = []
    for d in rows:
        due = d["due_at"].astimezone(zone) if d["due_at"] else None
        names = (d["procedure__code"], d["version__name"])
        if names not in procedures:
            procedures[names] = f"{names[0]} — {Truncator(names[1]).chars(90)}"
        lines.append(
            QueueRow(
                url=detail.replace(_PK_MARK, str(d["id"])),
                code=d["code"] or "",
                applicant_name=d["applicant_name"],
                procedure=procedures[names],
                state_label=State(d["state"]).label,
                unit_name=d["current_unit__name"] or "",
                due_iso=due.isoformat() if due else "",
                due_text=due.strftime("%d/%m/%Y %H:%M") if due else "",
            )
        )
    return lines


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = QueueForm(request.GET or None)
    filters = selectors.QueueFilter(queue="to_process")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.QueueFilter(
            queue=data["queue"] or "to_process", search=data["q"], state=data["state"]
        )
    counts = selectors.queue_counts(request.user)
    if not filters.search and not filters.state:
        total = counts[filters.queue]  # known already: saves a COUNT query
    elif filters.queue == "all":
        # every dossier the user may see, filtered: not counted (it would read every match in
        # the unit's tens of thousands of dossiers); the page tells "more than 50" and pages on
        total = None
    else:  # open dossiers only: a few rows to count
        total = selectors.capped_count(selectors.work_queue(request.user, filters))

    def rows(start: int, stop: int) -> list[Any]:
        return selectors.work_queue_rows(request.user, filters, start, stop)

    page = queue_page(rows, total, request.GET.get("page"))
    page.rows = _queue_rows(page.rows)
    keep = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "office/dossiers/queue.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "queues": [
                {"key": k, "label": v, "count": _count_label(counts.get(k, 0))}
                for k, v in QUEUE_LABELS.items()
            ],
            "querystring": urlencode(keep),
            "may_receive": has_any_scope(request.user, Perm.DOSSIER_RECEIVE),
        },
    )


def _grouped(n: int) -> str:
    """`n` with its thousands grouped as the language writes them ("1.000" in Vietnamese; the
    Vietnamese formats of Django set the separator but no grouping)."""
    return f"{n:,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))


def _count_label(n: int) -> str:
    """A queue's count as its tab shows it: "1.000+" past the cap."""
    if n > selectors.COUNT_CAP:
        return _grouped(selectors.COUNT_CAP) + "+"
    return _grouped(n)


# --- counter reception ------------------------------------------------------------------------------


class ReceptionStartForm(forms.Form):
    unit = forms.ModelChoiceField(label=_lazy("Nơi tiếp nhận"), queryset=None)
    code = forms.RegexField(
        label=_lazy("Mã thủ tục"),
        regex=CODE_PATTERN,
        max_length=8,
        help_text=_lazy("Ví dụ 1.004837. Tra mã trên trang Thủ tục hành chính."),
        error_messages={"invalid": _lazy("Mã thủ tục có dạng d.dddddd.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (
            units_for_choice(user, Perm.DOSSIER_RECEIVE)
            .filter(merged_into__isnull=True)
            .order_by("path")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("code")
        if code:
            procedure = Procedure.objects.select_related("current").filter(code=code).first()
            if procedure is None or procedure.current is None:
                self.add_error("code", _("Không có thủ tục với mã này."))
            data["procedure"] = procedure
        return data


class ReceptionForm(forms.Form):
    applicant_kind = forms.ChoiceField(
        label=_lazy("Đối tượng"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN
    )
    applicant_name = forms.CharField(label=_lazy("Họ tên người nộp / tên tổ chức"), max_length=255)
    applicant_id_number = forms.CharField(
        label=_lazy("Số định danh cá nhân"), max_length=20, required=False
    )
    applicant_tax_code = forms.CharField(label=_lazy("Mã số thuế"), max_length=20, required=False)
    applicant_address = forms.CharField(label=_lazy("Địa chỉ"), max_length=500, required=False)
    applicant_phone = forms.CharField(label=_lazy("Điện thoại"), max_length=20, required=False)
    applicant_email = forms.CharField(label=_lazy("Thư điện tử"), max_length=254, required=False)
    channel = forms.TypedChoiceField(
        label=_lazy("Kênh tiếp nhận"),
        coerce=int,
        choices=[
            (SubmissionChannel.DIRECT, SubmissionChannel.DIRECT.label),
            (SubmissionChannel.POSTAL, SubmissionChannel.POSTAL.label),
        ],
    )
    sets = forms.IntegerField(label=_lazy("Số bộ hồ sơ"), min_value=1, max_value=50, initial=1)
    delivery = forms.ChoiceField(label=_lazy("Hình thức nhận kết quả"), choices=Delivery.choices)
    delivery_address = forms.CharField(
        label=_lazy("Địa chỉ nhận kết quả (qua bưu chính)"), max_length=500, required=False
    )
    provided = forms.MultipleChoiceField(
        label=_lazy("Giấy tờ đã nộp"), required=False, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(
        label=_lazy("Kết quả kiểm tra"),
        widget=forms.RadioSelect,
        choices=[
            (CounterOutcome.ACCEPT, _lazy("Đủ giấy tờ: tiếp nhận, hẹn trả kết quả")),
            (CounterOutcome.SUPPLEMENT, _lazy("Thiếu giấy tờ: yêu cầu bổ sung (mẫu 02)")),
            (CounterOutcome.REFUSE, _lazy("Từ chối tiếp nhận (mẫu 03)")),
        ],
        initial=CounterOutcome.ACCEPT,
    )
    items = forms.CharField(
        label=_lazy("Giấy tờ cần bổ sung, hoàn thiện"), widget=forms.Textarea, required=False,
        max_length=4000,
    )  # fmt: skip
    reason = forms.CharField(
        label=_lazy("Lý do"), widget=forms.Textarea, required=False, max_length=4000
    )
    due_at = forms.DateTimeField(
        label=_lazy("Ngày hẹn trả (chỉ khi thủ tục không có thời hạn rõ ràng)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, components: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provided"].choices = [(str(c.pk), c.name[:300]) for c in components]
        self.components = components

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("applicant_name", "applicant_address", "items", "reason", "delivery_address"):
            if data.get(name):
                try:
                    clean = clean_lines if name == "items" else clean_text
                    data[name] = clean(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


def _reception_units(request: HttpRequest):
    return units_for_choice(request.user, Perm.DOSSIER_RECEIVE)


@login_required
@require_http_methods(["GET", "POST"])
def reception(request: HttpRequest) -> HttpResponse:
    """Counter reception: first the unit and the procedure, then the applicant and the papers."""
    if not request.user.is_official or not has_any_scope(request.user, Perm.DOSSIER_RECEIVE):
        raise PermissionDenied
    start = ReceptionStartForm(request.GET or None, user=request.user)
    if not (start.is_bound and start.is_valid()):
        return render(request, "office/dossiers/reception_start.html", {"form": start})
    unit, procedure = start.cleaned_data["unit"], start.cleaned_data["procedure"]
    components = list(procedure.current.components.all())
    form = ReceptionForm(request.POST or None, components=components)
    message = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["provided"])
        try:
            dossier = services.counter_receive(
                actor=request.user,
                unit=unit,
                procedure=procedure,
                applicant=ApplicantData(
                    name=data["applicant_name"],
                    kind=data["applicant_kind"],
                    id_number=data["applicant_id_number"],
                    tax_code=data["applicant_tax_code"],
                    address=data["applicant_address"],
                    phone=data["applicant_phone"],
                    email=data["applicant_email"],
                ),
                components=[
                    ComponentInput(component_id=c.pk, provided=str(c.pk) in chosen)
                    for c in components
                ],
                outcome=data["outcome"],
                channel=data["channel"],
                sets=data["sets"],
                delivery=data["delivery"],
                delivery_address=data["delivery_address"],
                reason=data["reason"],
                items=data["items"],
                due_at=data["due_at"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            message = str(exc.message)
        else:
            messages.success(
                request,
                _("Đã ghi nhận hồ sơ %(code)s (mã tra cứu %(lookup)s).")
                % {"code": dossier.code, "lookup": dossier.lookup_code},
            )
            return redirect("office:dossier-detail", pk=dossier.pk)
    return render(
        request,
        "office/dossiers/reception.html",
        {
            "form": form,
            "unit": unit,
            "procedure": procedure,
            "version": procedure.current,
            "message": message,
            "start_query": urlencode({"unit": unit.pk, "code": procedure.code}),
        },
    )


# --- the dossier page and its actions ---------------------------------------------------------------


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_lazy("Ghi chú / lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )  # fmt: skip
    items = forms.CharField(
        label=_lazy("Giấy tờ cần bổ sung"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
    )  # fmt: skip
    assignee = forms.ModelChoiceField(
        label=_lazy("Giao cho"), queryset=User.objects.none(), required=False
    )
    result_number = forms.CharField(
        label=_lazy("Số, ký hiệu kết quả"), max_length=64, required=False
    )
    new_due_at = forms.DateTimeField(
        label=_lazy("Ngày hẹn mới"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    amount_vnd = forms.IntegerField(label=_lazy("Số tiền (đồng)"), min_value=1, required=False)
    delivery = forms.ChoiceField(
        label=_lazy("Hình thức trả"), choices=Delivery.choices, required=False
    )
    tracking_number = forms.CharField(label=_lazy("Số hiệu bưu gửi"), max_length=64, required=False)

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("note", "items", "result_number", "tracking_number"):
            if data.get(name):
                try:
                    clean = clean_lines if name == "items" else clean_text
                    data[name] = clean(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


def _call(action: str, user: Any, dossier_id: int, data: dict[str, Any]):
    common = {"actor": user, "dossier_id": dossier_id, "expected_version": data["version"]}
    note = data.get("note") or ""
    match action:
        case "accept":
            return services.accept(**common, due_at=data.get("new_due_at"))
        case "refuse":
            return services.refuse(**common, reason=note)
        case "request_supplement":
            return services.request_supplement(**common, items=data.get("items") or "", reason=note)
        case "supplement":
            return services.supplement(**common, note=note)
        case "assign":
            if data.get("assignee") is None:
                raise forms.ValidationError(_("Hãy chọn người được giao."))
            return services.assign(**common, assignee=data["assignee"])
        case "forward":
            return services.forward(
                **common, assignee=data.get("assignee"), note=note,
                result_number=data.get("result_number") or "",
            )  # fmt: skip
        case "send_back":
            return services.send_back(**common, note=note)
        case "request_payment":
            if not data.get("amount_vnd"):
                raise forms.ValidationError(_("Hãy nhập số tiền."))
            return services.request_payment(**common, amount_vnd=data["amount_vnd"], note=note)
        case "confirm_payment":
            return services.confirm_payment(**common)
        case "extend":
            if data.get("new_due_at") is None:
                raise forms.ValidationError(_("Hãy nhập ngày hẹn mới."))
            return services.extend(**common, new_due_at=data["new_due_at"], reason=note)
        case "withdraw":
            return services.withdraw(**common, reason=note)
        case "stop":
            return services.stop(**common, reason=note)
        case "deliver":
            return services.deliver(
                **common, delivery=data.get("delivery") or None,
                tracking_number=data.get("tracking_number") or "",
            )  # fmt: skip
    raise Http404


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    dossier = selectors.dossier_for_staff(request.user, pk)
    return _render_detail(request, dossier)


def _render_detail(
    request: HttpRequest, dossier: Any, *, failed: str = "", form: Any = None, error: str = ""
) -> HttpResponse:
    context = selectors.dossier_page(request.user, dossier)
    context["error"] = error
    context["may_scan"] = has_perm_on(request.user, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
    context["may_attach_result"] = context["may_scan"] or has_perm_on(
        request.user, Perm.DOSSIER_ISSUE, dossier.current_unit or dossier.receiving_unit
    )
    actions = []
    for action in context["actions"]:
        assignees = None
        if action.action in ("assign", "forward"):
            assignees = selectors.possible_assignees(dossier, next_step=action.action == "forward")
        bound = form if action.action == failed else None
        actions.append(
            {
                "action": action.action,
                "label": action.label,
                "form": bound
                or ActionForm(initial={"version": dossier.row_version}, assignees=assignees),
                "fields": ACTION_FIELDS.get(action.action, ()),
            }
        )
    context["action_forms"] = actions
    context["rating_open"] = (
        selectors.counter_rating_status(request.user, dossier) == selectors.CounterRating.OPEN
    )
    status = 400 if failed else 200
    return render(request, "office/dossiers/detail.html", context, status=status)


ACTION_FIELDS = {
    "accept": ("new_due_at",),
    "refuse": ("note",),
    "request_supplement": ("items", "note"),
    "supplement": ("note",),
    "assign": ("assignee",),
    "forward": ("assignee", "result_number", "note"),
    "send_back": ("note",),
    "request_payment": ("amount_vnd", "note"),
    "extend": ("new_due_at", "note"),
    "withdraw": ("note",),
    "stop": ("note",),
    "deliver": ("delivery", "tracking_number"),
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require_staff(request)
    # The service reads the dossier under its lock; here only whether the user sees it.
    pk = selectors.require_staff_sight(request.user, pk)
    if action not in ACTION_FIELDS and action != "confirm_payment":
        raise Http404
    assignees = None
    if action in ("assign", "forward") and request.POST.get("assignee"):
        # Only a posted assignee needs the choices (two queries); the page on error recomputes.
        dossier = selectors.dossier_for_staff(request.user, pk)
        assignees = selectors.possible_assignees(dossier, next_step=action == "forward")
    form = ActionForm(request.POST, assignees=assignees)
    if form.is_valid():
        try:
            _call(action, request.user, pk, form.cleaned_data)
        except forms.ValidationError as exc:
            form.add_error(None, exc)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Đã cập nhật hồ sơ."))
            return redirect(reverse("office:dossier-detail", args=[pk]))
    dossier = selectors.dossier_for_staff(request.user, pk)
    return _render_detail(request, dossier, failed=action, form=form)


class ScanForm(forms.Form):
    component = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    file = forms.FileField(label=_lazy("Tệp"))


@login_required
@require_POST
def upload(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    """A scanned paper of the dossier (`target` = "tep"), or the signed result ("ket-qua")."""
    _require_staff(request)
    dossier = selectors.dossier_for_staff(request.user, pk)
    form = ScanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(
            request, dossier, failed="upload", form=None, error=_("Hãy chọn tệp.")
        )
    upload_file = form.cleaned_data["file"]
    try:
        if target == "ket-qua":
            services.attach_result(
                actor=request.user, dossier_id=dossier.pk, expected_version=None,
                file=upload_file, name=upload_file.name,
            )  # fmt: skip
        else:
            services.component_attach(
                actor=request.user, dossier_id=dossier.pk,
                component_id=form.cleaned_data["component"], upload=upload_file,
                declared_name=upload_file.name,
            )  # fmt: skip
    except DomainError as exc:
        return _render_detail(request, dossier, failed="upload", form=None, error=str(exc.message))
    messages.success(request, _("Đã tải tệp lên."))
    return redirect("office:dossier-detail", pk=pk)


# --- printed forms -------------------------------------------------------------------------------------

PRINTED_FORMS = {
    "01": ("receipt", "giay-tiep-nhan"),
    "02": ("supplement_request", "phieu-yeu-cau-bo-sung"),
    "03": ("refusal", "phieu-tu-choi"),
    "04": ("extension_request", "van-ban-xin-loi-gia-han"),
    "05": ("stop_notice", "thong-bao-dung-giai-quyet"),
    "06": ("control_slip", "phieu-kiem-soat"),
}


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def print_form(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    """A printed form of the dossier (PDF, A4) for the counter."""
    from egov.dossiers import printing

    _require_staff(request)
    if form not in PRINTED_FORMS:
        raise Http404
    dossier = selectors.dossier_for_staff(request.user, pk)
    function, slug = PRINTED_FORMS[form]
    try:
        content = getattr(printing, function)(dossier)
    except DomainError as exc:
        # e.g. no refusal to print for a dossier that was not refused
        raise Http404(str(exc.message)) from exc
    return pdf_response(content, f"{slug}-{dossier.code}.pdf")


class TrackingBookForm(forms.Form):
    unit = forms.ModelChoiceField(label=_lazy("Đơn vị tiếp nhận"), queryset=None)
    date_from = forms.DateField(
        label=_lazy("Từ ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_lazy("Đến ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_for_choice(user, Perm.DOSSIER_RECEIVE).order_by("path")


@login_required
def tracking_book(request: HttpRequest) -> HttpResponse:
    """The dossier tracking book (form 07) of a unit for a period, as a PDF."""
    from egov.dossiers import printing

    _require_staff(request)
    form = TrackingBookForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            content = printing.tracking_book(
                data["unit"], data["date_from"], data["date_to"], request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return pdf_response(content, f"so-theo-doi-ho-so-{data['date_from']}.pdf")
    return render(
        request,
        "office/dossiers/tracking_book.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
