"""Citizen pages for dossiers: start and submit online, follow one's dossiers, supplement,
withdraw, download the electronic result, rate; and the public lookup by code + lookup code.

No rules here: every change goes through `egov.dossiers.services`, every read through
`egov.dossiers.selectors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from egov.core.errors import DomainError, NotFound
from egov.core.forms import clean_text
from egov.dossiers import lookup_limit, selectors, services
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.forms import RatingForm
from egov.dossiers.models import ApplicantKind, Delivery, State
from egov.dossiers.rights import available_actions
from egov.procedures.models import Assignment, OnlineLevel, Procedure


def _applicant_only(request: HttpRequest) -> None:
    if request.user.is_official:
        raise PermissionDenied


# --- starting online ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose where to submit a procedure online (the units that offer it online)."""
    _applicant_only(request)
    procedure = Procedure.objects.select_related("current").filter(code=code).first()
    if procedure is None or procedure.current is None:
        raise Http404
    offers = list(
        Assignment.objects.filter(procedure=procedure)
        .exclude(online_level=OnlineLevel.NONE)
        .select_related("unit")
        .order_by("unit__name")
    )
    error = ""
    if request.method == "POST":
        chosen = next((a for a in offers if str(a.unit_id) == request.POST.get("unit")), None)
        if chosen is None:
            error = _("Hãy chọn nơi nộp hồ sơ trong danh sách.")
        else:
            try:
                dossier = services.draft_create(
                    actor=request.user, procedure=procedure, unit=chosen.unit
                )
            except DomainError as exc:
                error = str(exc.message)
            else:
                return redirect("portal:dossier-detail", pk=dossier.pk)
    return render(
        request,
        "portal/dossiers/start.html",
        {"procedure": procedure, "version": procedure.current, "offers": offers, "error": error},
        status=400 if error else 200,
    )


# --- my dossiers -----------------------------------------------------------------------------------


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    _applicant_only(request)
    rows = selectors.dossiers_of_applicant(request.user).select_related("version")[:200]
    return render(request, "portal/dossiers/list.html", {"dossiers": rows})


class DraftForm(forms.Form):
    # The version the page showed: saving over a change made since (another tab, an upload) is
    # refused instead of silently undoing it.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    applicant_kind = forms.ChoiceField(label=_lazy("Đối tượng"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(label=_lazy("Họ tên / tên tổ chức"), max_length=255)
    applicant_id_number = forms.CharField(
        label=_lazy("Số định danh cá nhân"), max_length=20, required=False
    )
    applicant_tax_code = forms.CharField(label=_lazy("Mã số thuế"), max_length=20, required=False)
    applicant_address = forms.CharField(label=_lazy("Địa chỉ"), max_length=500, required=False)
    applicant_phone = forms.CharField(label=_lazy("Điện thoại"), max_length=20, required=False)
    applicant_email = forms.CharField(label=_lazy("Thư điện tử"), max_length=254, required=False)
    delivery = forms.ChoiceField(label=_lazy("Nhận kết quả"), choices=Delivery.choices)
    delivery_address = forms.CharField(
        label=_lazy("Địa chỉ nhận kết quả qua bưu chính"), max_length=500, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("applicant_name", "applicant_address", "delivery_address"):
            if data.get(name):
                try:
                    data[name] = clean_text(data[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_lazy("Ghi chú"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def clean_note(self) -> str:
        return clean_text(self.cleaned_data.get("note") or "")


def _draft_form(dossier: Any, data: Any = None) -> DraftForm:
    initial = {
        "version": dossier.row_version,
        "applicant_kind": dossier.applicant_kind,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_tax_code": dossier.applicant_tax_code,
        "applicant_address": dossier.applicant_address,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "delivery": dossier.delivery,
        "delivery_address": dossier.delivery_address,
    }
    return DraftForm(data, initial=initial)


def _render_mine(request: HttpRequest, dossier: Any, **extra: Any) -> HttpResponse:
    status = extra.pop("status", 200)
    context = {
        "dossier": dossier,
        "components": list(dossier.components.prefetch_related("files")),
        "events": list(dossier.events.filter(public=True).order_by("at", "id")),
        "open_supplement": dossier.supplements.filter(answered_at__isnull=True).first(),
        "actions": {t.action for t in available_actions(request.user, dossier)},
        "can_rate": dossier.state == State.RETURNED and not hasattr(dossier, "rating"),
        "supplement_form": NoteForm(
            initial={"version": dossier.row_version}, auto_id="supplement_%s"
        ),
        "withdraw_form": NoteForm(initial={"version": dossier.row_version}, auto_id="withdraw_%s"),
        "rating_form": RatingForm(),
        "may_upload": dossier.state in (State.DRAFT, State.AWAITING_SUPPLEMENT),
        **extra,
    }
    context["rating_posted"] = context["rating_form"].is_bound
    if dossier.state == State.DRAFT and "draft_form" not in context:
        context["draft_form"] = _draft_form(dossier)
    return render(request, "portal/dossiers/detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _applicant_only(request)
    dossier = selectors.dossier_of_applicant(request.user, pk)
    return _render_mine(request, dossier)


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _applicant_only(request)
    dossier = None
    if action not in ("save", "submit"):
        dossier = selectors.dossier_of_applicant(request.user, pk)
    try:
        if action == "save" or action == "submit":
            # The service locks and checks the dossier (another's: not found); the page reads it
            # only to show it again.
            form = DraftForm(request.POST)
            if not form.is_valid():
                dossier = selectors.dossier_of_applicant(request.user, pk)
                return _render_mine(request, dossier, draft_form=form, status=400)
            data = form.cleaned_data
            changes = services.DraftChanges(
                applicant=ApplicantData(
                    name=data["applicant_name"],
                    kind=data["applicant_kind"],
                    id_number=data["applicant_id_number"],
                    tax_code=data["applicant_tax_code"],
                    address=data["applicant_address"],
                    phone=data["applicant_phone"],
                    email=data["applicant_email"],
                ),
                delivery=data["delivery"],
                delivery_address=data["delivery_address"],
            )
            if action == "submit":
                # Saved and submitted in one transaction (one audit event); a draft that cannot
                # be submitted yet keeps the data just saved.
                dossier = services.submit(
                    actor=request.user,
                    dossier_id=pk,
                    expected_version=data["version"],
                    changes=changes,
                )
                messages.success(
                    request,
                    _("Đã nộp hồ sơ %(code)s. Mã tra cứu: %(lookup)s.")
                    % {"code": dossier.code, "lookup": dossier.lookup_code},
                )
            else:
                services.draft_update(
                    actor=request.user,
                    dossier_id=pk,
                    expected_version=data["version"],
                    applicant=changes.applicant,
                    delivery=changes.delivery,
                    delivery_address=changes.delivery_address,
                )
                messages.success(request, _("Đã lưu bản nháp."))
        elif action in ("supplement", "withdraw"):
            form = NoteForm(request.POST, auto_id=f"{action}_%s")
            if not form.is_valid():
                return _render_mine(request, dossier, **{f"{action}_form": form}, status=400)
            call = services.supplement if action == "supplement" else services.withdraw
            kwargs = {"note": form.cleaned_data["note"]}
            if action == "withdraw":
                kwargs = {"reason": form.cleaned_data["note"]}
            call(
                actor=request.user,
                dossier_id=dossier.pk,
                expected_version=form.cleaned_data["version"],
                **kwargs,
            )
            messages.success(request, _("Đã cập nhật hồ sơ."))
        elif action == "rate":
            form = RatingForm(request.POST)
            if not form.is_valid():
                return _render_mine(request, dossier, rating_form=form, status=400)
            services.rate(
                actor=request.user,
                dossier_id=dossier.pk,
                overall=form.cleaned_data["overall"],
                criteria=form.criteria(),
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, _("Cảm ơn bạn đã đánh giá."))
        else:
            raise Http404
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        dossier = selectors.dossier_of_applicant(request.user, pk)
        return _render_mine(request, dossier, error=str(exc.message), status=400)
    return redirect("portal:dossier-detail", pk=pk)


class UploadForm(forms.Form):
    component = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    file = forms.FileField(label=_lazy("Chọn tệp (PDF, ảnh JPEG/PNG, Word, Excel)"))


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file to one paper of the applicant's dossier (draft or supplement)."""
    _applicant_only(request)
    dossier = selectors.dossier_of_applicant(request.user, pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            services.component_attach(
                actor=request.user,
                dossier_id=dossier.pk,
                component_id=form.cleaned_data["component"],
                upload=upload_file,
                declared_name=upload_file.name,
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            return _render_mine(request, dossier, error=str(exc.message), status=400)
        messages.success(request, _("Đã tải tệp lên."))
        return redirect("portal:dossier-detail", pk=pk)
    return _render_mine(request, dossier, error=_("Hãy chọn tệp để tải lên."), status=400)


@login_required
@require_POST
def remove_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    _applicant_only(request)
    dossier = selectors.dossier_of_applicant(request.user, pk)
    try:
        services.component_file_remove(actor=request.user, dossier_id=dossier.pk, file_id=file_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _render_mine(request, dossier, error=str(exc.message), status=400)
    return redirect("portal:dossier-detail", pk=pk)


@login_required
def result_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The electronic result, to its applicant only, once returned."""
    _applicant_only(request)
    dossier = selectors.dossier_of_applicant(request.user, pk)
    if dossier.state != State.RETURNED or not dossier.result_file:
        raise Http404
    response = FileResponse(
        dossier.result_file.open("rb"),
        as_attachment=True,
        filename=f"ket-qua-{dossier.code}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- public lookup -------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    ma = forms.CharField(label=_lazy("Mã hồ sơ"), max_length=40)
    mtc = forms.CharField(label=_lazy("Mã tra cứu"), max_length=8)


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Status of a dossier by its code and lookup code (printed on the receipt, or in its QR
    code), without login; the applicant may rate from here once the result is returned."""
    form = LookupForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound:
        if not lookup_limit.allow(request):
            context["error"] = _("Bạn đã tra cứu quá nhiều lần. Hãy thử lại sau một phút.")
            return render(request, "portal/dossiers/lookup.html", context, status=429)
        if form.is_valid():
            code, lookup_code = form.cleaned_data["ma"], form.cleaned_data["mtc"]
            try:
                context["view"] = selectors.lookup(code, lookup_code)
            except NotFound as exc:
                context["error"] = str(exc.message)
            else:
                posted = request.method == "POST" and context["view"].can_rate
                # the empty form is rendered once per process (the template's memo): built lazily
                rating_form = RatingForm(request.POST) if posted else SimpleLazyObject(RatingForm)
                if posted and rating_form.is_valid():
                    try:
                        services.rate_by_lookup(
                            code=code,
                            lookup_code=lookup_code,
                            overall=rating_form.cleaned_data["overall"],
                            criteria=rating_form.criteria(),
                            comment=rating_form.cleaned_data["comment"],
                        )
                    except DomainError as exc:
                        context["error"] = str(exc.message)
                    else:
                        messages.success(request, _("Cảm ơn bạn đã đánh giá."))
                        return redirect(request.get_full_path())
                context["rating_form"] = rating_form
                context["rating_posted"] = posted
    status = 404 if context.get("error") else 200
    return render(request, "portal/dossiers/lookup.html", context, status=status)
