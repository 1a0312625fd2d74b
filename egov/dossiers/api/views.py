"""JSON API of the one-stop dossier. Thin views: bodies and parameters are checked for type and
size here; every rule is `egov.dossiers.services` (changes) and `egov.dossiers.selectors` (reads,
scoped by the access policy). Errors are RFC 9457 problems (egov/api/problems.py).

Applicants (citizens, businesses) and officials, logged in (session):
  GET  /api/v1/dossiers/                 an applicant's own dossiers; an official's work queue
                                         (?queue=all|to_receive|mine|to_process|to_return|due_soon|
                                         overdue, &search=, &state=, &procedure=), page/page_size
  POST /api/v1/dossiers/                 {"procedure": "1.004837", "unit": 12} → a draft (201)
  GET  /api/v1/dossiers/{id}/            the dossier; 404 unless it is yours or your units'
  PATCH /api/v1/dossiers/{id}/           {"version": 1, "applicant_phone": "…", …} draft only
  POST /api/v1/dossiers/{id}/actions/{action}/   {"version": 3, …}: every transition of
                                         egov.dossiers.transitions.TRANSITIONS
  POST /api/v1/dossiers/{id}/components/{component}/files/   multipart: file (a paper's scan
                                         or electronic copy, inspected by the upload gate; 201)
  DELETE /api/v1/dossiers/{id}/files/{file}/   the applicant takes a file back out (draft)
  POST /api/v1/dossiers/{id}/result/     multipart: version, file (the signed result, PDF)
  GET  /api/v1/dossiers/{id}/result/     that file (officials; the applicant once returned)
  POST /api/v1/dossiers/{id}/rating/     {"overall": "satisfied", "criteria": {"1": …}}
  POST /api/v1/counter-receptions/       an officer records papers brought to the counter (201)
Anyone, throttled per client address (EGOV_LOOKUP_RATE):
  GET  /api/v1/dossier-lookup/?code=…&lookup_code=…

Unsafe methods carry the CSRF token (X-CSRFToken header), as every form of the site does. Files
of the dossier's papers are checked by content as on the pages (egov.uploads). Every change
answers with the dossier as the actor now sees it, `row_version` included; a body
whose `version` is not the dossier's current one is refused with 409 `stale_version`.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as drf
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.accounts.models import UserKind
from egov.core.errors import NotFound, ValidationFailed
from egov.dossiers import selectors, services
from egov.dossiers.api import serializers as s
from egov.dossiers.api.throttling import DossierLookupThrottle
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.transitions import TRANSITIONS

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_PARAM = 200

_PROBLEM = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="application/problem+json (RFC 9457): type, title, status, detail, errors.",
)
_ERRORS = {400: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM, 409: _PROBLEM}
_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id hồ sơ.")


def _param(request: Request, name: str) -> str:
    values = request.query_params.getlist(name)
    if not values:
        return ""
    value = values[-1]
    if len(values) > 1 or len(value) > MAX_PARAM or not value.isprintable():
        raise ValidationFailed(_("Tham số %(name)s không hợp lệ.") % {"name": name}, field=name)
    return value.strip()


def _positive(request: Request, name: str, default: int, maximum: int) -> int:
    value = _param(request, name)
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise ValidationFailed(
            _("Tham số %(name)s phải là số nguyên dương.") % {"name": name}, field=name
        )
    return min(int(value), maximum)


def _valid(serializer_class: type[drf.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _detail(request: Request, pk: Any, status: int = 200) -> Response:
    access = selectors.dossier_access(request.user, pk)
    return Response(s.detail(access, request.user), status=status)


def _applicant(data: dict[str, Any], base: ApplicantData | None = None) -> ApplicantData:
    base = base or ApplicantData(name="")
    return ApplicantData(
        name=data.get("applicant_name", base.name),
        kind=data.get("applicant_kind", base.kind),
        id_number=data.get("applicant_id_number", base.id_number),
        tax_code=data.get("applicant_tax_code", base.tax_code),
        address=data.get("applicant_address", base.address),
        phone=data.get("applicant_phone", base.phone),
        email=data.get("applicant_email", base.email),
    )


# A count goes no further than this: counting every dossier of a province (a million rows) for
# each page would cost more than the page; the rows of the page do not depend on it. The office
# page's cap: at 10,000, an officer's first page of "all" took 74 ms at a busy commune, 12 ms at
# 1,000 (bench/README, fourteenth run).
API_COUNT_CAP = selectors.COUNT_CAP

_PAGE = inline_serializer(
    "DossierPage",
    {
        "count": drf.IntegerField(
            allow_null=True,
            help_text=f"Số hồ sơ, đếm chính xác đến {API_COUNT_CAP:,}; quá số đó là "
            f"{API_COUNT_CAP + 1:,} và count_exact = false. Cán bộ tìm kiếm trong mọi hồ sơ "
            "(queue=all có search): không đếm (null), như trang hàng đợi; `next` cho biết "
            "còn trang sau.",
        ),
        "count_exact": drf.BooleanField(),
        "next": drf.URLField(allow_null=True),
        "previous": drf.URLField(allow_null=True),
        "results": s.DossierItemSerializer(many=True),
    },
)


class DossierListView(APIView):
    @extend_schema(
        operation_id="dossiers_list",
        summary="Hồ sơ của tôi / hàng đợi xử lý",
        description=(
            "Công dân, tổ chức: hồ sơ của mình, mới nhất trước. Cán bộ: hồ sơ của các đơn vị "
            "mình có quyền (queue=all, mặc định) hoặc một hàng đợi công việc, hạn sớm nhất trước."
        ),
        parameters=[
            OpenApiParameter("queue", OpenApiTypes.STR, enum=list(selectors.QUEUES)),
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Mã hồ sơ, tên, số định danh."
            ),
            OpenApiParameter("state", OpenApiTypes.STR),
            OpenApiParameter("procedure", OpenApiTypes.STR, description="Mã thủ tục."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1–{MAX_PAGE_SIZE}."),
        ],
        responses={200: _PAGE, 400: _PROBLEM, 403: _PROBLEM, 404: _PROBLEM},
    )
    def get(self, request: Request) -> Response:
        page = _positive(request, "page", 1, MAX_PAGE)
        size = _positive(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        filters = selectors.QueueFilter(
            queue=_param(request, "queue") or "all",
            search=_param(request, "search"),
            state=_param(request, "state"),
            procedure_code=_param(request, "procedure"),
        )
        start, stop = (page - 1) * size, page * size + 1  # one more: is there a next?
        if request.user.kind == UserKind.OFFICIAL:
            total = selectors.queue_total(request.user, filters, cap=API_COUNT_CAP)
            rows = selectors.work_queue_page(request.user, filters, start, stop)
        else:
            queryset = selectors.dossiers_of_applicant(request.user).select_related(
                "procedure", "version", "current_unit"
            )
            if filters.state:
                queryset = queryset.filter(state=filters.state)
            total = selectors.capped_count(queryset, API_COUNT_CAP)
            rows = list(queryset[start:stop])
        more = len(rows) > size
        rows = rows[:size]
        if page > 1 and not rows:
            raise NotFound(_("Trang không tồn tại."), code="page_not_found")
        params = {k: v for k, v in request.query_params.items() if k != "page"}

        def link(number: int) -> str:
            query = urlencode({**params, "page": number})
            return request.build_absolute_uri(f"{request.path}?{query}")

        return Response(
            {
                "count": total,
                "count_exact": total is not None and total <= API_COUNT_CAP,
                "next": link(page + 1) if more else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": [s.item(d) for d in rows],
            }
        )

    @extend_schema(
        operation_id="dossiers_create",
        summary="Tạo hồ sơ trực tuyến (bản nháp)",
        description="Công dân, tổ chức bắt đầu hồ sơ; thông tin người nộp lấy từ tài khoản.",
        request=s.DraftCreateSerializer,
        responses={201: s.DossierDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.DraftCreateSerializer, request)
        procedure, unit = selectors.reception_target(data["procedure"], data["unit"])
        dossier = services.draft_create(actor=request.user, procedure=procedure, unit=unit)
        return _detail(request, dossier.pk, status=201)


class DossierDetailView(APIView):
    @extend_schema(
        operation_id="dossiers_detail",
        summary="Chi tiết hồ sơ",
        description=(
            "Người nộp thấy hồ sơ của mình (sự kiện công khai, không có phiếu kiểm soát); cán bộ "
            "của đơn vị tham gia giải quyết thấy toàn bộ. Không có quyền: 404."
        ),
        parameters=[_ID],
        responses={200: s.DossierDetailSerializer, 403: _PROBLEM, 404: _PROBLEM},
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, pk)

    @extend_schema(
        operation_id="dossiers_update_draft",
        summary="Sửa thông tin hồ sơ nháp",
        description="Chỉ người nộp, chỉ khi hồ sơ còn là bản nháp. Trường không gửi giữ nguyên.",
        parameters=[_ID],
        request=s.DraftUpdateSerializer,
        responses={200: s.DossierDetailSerializer, **_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        data = _valid(s.DraftUpdateSerializer, request)
        current = ApplicantData(
            name=dossier.applicant_name,
            kind=dossier.applicant_kind,
            id_number=dossier.applicant_id_number,
            tax_code=dossier.applicant_tax_code,
            address=dossier.applicant_address,
            phone=dossier.applicant_phone,
            email=dossier.applicant_email,
        )
        services.draft_update(
            actor=request.user,
            dossier_id=dossier.pk,
            expected_version=data["version"],
            applicant=_applicant(data, current),
            delivery=data.get("delivery", dossier.delivery),
            delivery_address=data.get("delivery_address", dossier.delivery_address),
        )
        return _detail(request, pk)


def _take(action: str, actor: Any, pk: int, data: dict[str, Any]) -> None:
    common = {"actor": actor, "dossier_id": pk, "expected_version": data.pop("version")}
    if data.get("assignee") is not None:  # assign, forward
        data["assignee"] = selectors.official_by_id(data["assignee"])
    getattr(services, action)(**common, **data)


_ACTION_BODY = PolymorphicProxySerializer(
    component_name="DossierActionBody",
    serializers=list(dict.fromkeys(s.ACTION_BODIES.values())),
    resource_type_field_name=None,
)


class DossierActionView(APIView):
    @extend_schema(
        operation_id="dossiers_action",
        summary="Thực hiện một thao tác trên hồ sơ",
        description=(
            "submit, accept, refuse, request_supplement, supplement, assign, forward, send_back, "
            "request_payment, confirm_payment, extend, withdraw, stop, deliver. Mỗi thao tác gửi "
            "`version` (row_version đã xem); hồ sơ đã đổi: 409 stale_version; thao tác không hợp "
            "lệ ở trạng thái hiện tại: 409 illegal_transition; không có quyền: 403."
        ),
        parameters=[
            _ID,
            OpenApiParameter(
                "action", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(s.ACTION_BODIES)
            ),
        ],
        request=_ACTION_BODY,
        responses={200: s.DossierDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        body = s.ACTION_BODIES.get(action)
        if body is None:
            TRANSITIONS.get(action[:64])  # raises NotFound "unknown_action"
            raise NotFound(_("Không có thao tác này."), code="unknown_action")
        _take(action, request.user, dossier.pk, _valid(body, request))
        return _detail(request, pk)


class DossierComponentFilesView(APIView):
    @extend_schema(
        operation_id="dossiers_component_file_upload",
        summary="Tải lên tệp của một giấy tờ trong hồ sơ",
        description=(
            "Người nộp khi khai hồ sơ hoặc khi được yêu cầu bổ sung; cán bộ một cửa khi tiếp nhận "
            "(bản quét). Tệp được kiểm tra theo nội dung (loại, dung lượng, mã độc, nội dung chủ "
            "động); tệp bị từ chối không được lưu: 400 với mã lỗi (type_mismatch, too_large, "
            "active_content, zip_bomb, …)."
        ),
        parameters=[
            _ID,
            OpenApiParameter(
                "component", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id giấy tờ."
            ),
        ],
        request={"multipart/form-data": s.ComponentFileSerializer},
        responses={201: s.DossierDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request, pk: int, component: int) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        data = _valid(s.ComponentFileSerializer, request)
        services.component_attach(
            actor=request.user,
            dossier_id=dossier.pk,
            component_id=component,
            upload=data["file"],
            declared_name=data["file"].name,
        )
        return _detail(request, pk, status=201)


class DossierFileView(APIView):
    @extend_schema(
        operation_id="dossiers_component_file_remove",
        summary="Gỡ một tệp khỏi hồ sơ nháp",
        description="Chỉ người nộp, khi khai hồ sơ hoặc bổ sung.",
        parameters=[
            _ID,
            OpenApiParameter(
                "file", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id tệp."
            ),
        ],
        request=None,
        responses={200: s.DossierDetailSerializer, **_ERRORS},
    )
    def delete(self, request: Request, pk: int, file: int) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        services.component_file_remove(actor=request.user, dossier_id=dossier.pk, file_id=file)
        return _detail(request, pk)


class DossierResultView(APIView):
    @extend_schema(
        operation_id="dossiers_result_download",
        summary="Tải văn bản kết quả",
        description="Cán bộ: khi đã có tệp; người nộp: sau khi hồ sơ đã trả kết quả.",
        parameters=[_ID],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 403: _PROBLEM, 404: _PROBLEM},
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        dossier = selectors.dossier_with_result(request.user, pk)
        return FileResponse(
            dossier.result_file.open("rb"),
            as_attachment=True,
            filename=f"ket-qua-{dossier.code}.pdf",
            content_type="application/pdf",
        )

    @extend_schema(
        operation_id="dossiers_attach_result",
        summary="Đính kèm văn bản kết quả (PDF)",
        description="Văn thư hoặc cán bộ một cửa; dùng để trả kết quả điện tử.",
        parameters=[_ID],
        request={"multipart/form-data": s.ResultFileSerializer},
        responses={200: s.DossierDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        data = _valid(s.ResultFileSerializer, request)
        services.attach_result(  # the upload gate inspects the file (egov.uploads)
            actor=request.user,
            dossier_id=dossier.pk,
            expected_version=data["version"],
            file=data["file"],
            name=data["file"].name,
        )
        return _detail(request, pk)


class DossierRatingView(APIView):
    @extend_schema(
        operation_id="dossiers_rate",
        summary="Đánh giá mức độ hài lòng",
        description="Người nộp, một lần, sau khi đã nhận kết quả. Đã đánh giá: 409 already_rated.",
        parameters=[_ID],
        request=s.RatingInputSerializer,
        responses={201: s.DossierDetailSerializer, **_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        dossier = selectors.dossier_access(request.user, pk).dossier
        data = _valid(s.RatingInputSerializer, request)
        services.rate(actor=request.user, dossier_id=dossier.pk, **data)
        return _detail(request, pk, status=201)


class CounterReceptionView(APIView):
    @extend_schema(
        operation_id="counter_receptions_create",
        summary="Tiếp nhận hồ sơ tại bộ phận một cửa",
        description=(
            "Cán bộ một cửa ghi nhận hồ sơ giấy (trực tiếp hoặc qua bưu chính) và tiếp nhận, yêu "
            "cầu bổ sung hoặc từ chối; hồ sơ được cấp mã trong mọi trường hợp."
        ),
        request=s.CounterReceptionSerializer,
        responses={201: s.DossierDetailSerializer, 400: _PROBLEM, 403: _PROBLEM},
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CounterReceptionSerializer, request)
        procedure, unit = selectors.reception_target(data["procedure"], data["unit"])
        dossier = services.counter_receive(
            actor=request.user,
            unit=unit,
            procedure=procedure,
            applicant=_applicant(data),
            components=[services.ComponentInput(**c) for c in data["components"]],
            outcome=data["outcome"],
            channel=data["channel"],
            sets=data["sets"],
            delivery=data["delivery"],
            delivery_address=data.get("delivery_address", ""),
            reason=data["reason"],
            items=data["items"],
            due_at=data["due_at"],
        )
        return _detail(request, dossier.pk, status=201)


class DossierLookupView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [DossierLookupThrottle]

    @extend_schema(
        operation_id="dossier_lookup",
        summary="Tra cứu hồ sơ bằng mã hồ sơ và mã tra cứu",
        description=(
            "Không cần đăng nhập. Cặp mã sai: 404 (như nhau dù mã hồ sơ có tồn tại hay không). "
            "Giới hạn số lần tra cứu theo địa chỉ máy (429)."
        ),
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, required=True),
            OpenApiParameter("lookup_code", OpenApiTypes.STR, required=True),
        ],
        responses={200: s.PublicDossierSerializer, 404: _PROBLEM, 429: _PROBLEM},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        code = request.query_params.get("code", "")[:MAX_PARAM]
        lookup_code = request.query_params.get("lookup_code", "")[:MAX_PARAM]
        if not (code + lookup_code).isprintable():
            code = lookup_code = ""  # answered like any wrong pair
        return Response(s.public(selectors.lookup(code, lookup_code)))
