"""Public JSON API of the procedure catalogue (no login). Thin views: parameters are parsed here;
search and reads are `egov.procedures.selectors`. Errors are RFC 9457 problems.

GET /api/v1/procedures/?search=dang+ky+khai+sinh&field=ho-tich&level=xa&page=1&page_size=20
    {"count": 44, "next": "http://…/api/v1/procedures/?search=…&page=2", "previous": null,
     "results": [{"code": "1.001193", "name": "Thủ tục đăng ký khai sinh",
                  "url": "/thu-tuc/1.001193/", "field": {"slug": "ho-tich", "name": "Hộ tịch"},
                  "levels": ["xa"], "agency": "…", "result": "…", "flags": []}, …]}
    Best match first (see egov.procedures.search); without `search`, every procedure in force
    by code. `page_size` 1–100 (larger values are capped). A page past the last one is 404.
GET /api/v1/procedures/suggest/?q=dang+ky+kh&limit=8
    {"query": "dang ky kh", "results": [{"code", "name", "field", "url"}, …]}  (limit ≤ 20)
GET /api/v1/procedures/1.001193/
    the version in force with methods, components and legal bases; 404 if none.
"""

from __future__ import annotations

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.errors import NotFound, ValidationFailed
from egov.procedures import selectors
from egov.procedures.api.serializers import (
    ProcedureDetailSerializer,
    ProcedureItemSerializer,
    SuggestionsSerializer,
    portal_url,
    search_item,
)
from egov.procedures.models import Level

PAGE_SIZE = 20
MAX_PAGE_SIZE = selectors.MAX_LIMIT
MAX_PAGE = 100_000
MAX_SEARCH_CHARS = 1000  # longer queries are cut (the engine keeps 200 folded characters)
_MAX_PARAM = 255

_PROBLEM = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="application/problem+json (RFC 9457): type, title, status, detail, errors.",
)


def _text(request: Request, name: str, *, max_chars: int = _MAX_PARAM) -> str:
    """A free-text parameter: never refused; cut to `max_chars`, NUL and invalid bytes dropped
    by the search fold."""
    return (request.query_params.get(name) or "")[:max_chars]


def _token(request: Request, name: str) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if len(value) > _MAX_PARAM or not value.isascii() or not value.isprintable():
        raise ValidationFailed(_("Tham số %(name)s không hợp lệ.") % {"name": name}, field=name)
    return value


def _positive(request: Request, name: str, *, default: int, maximum: int, cap: bool) -> int:
    value = _token(request, name)
    if value is None:
        return default
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        raise ValidationFailed(
            _("Tham số %(name)s phải là số nguyên dương.") % {"name": name}, field=name
        )
    number = int(value)
    if number > maximum:
        if not cap:
            raise ValidationFailed(_("Tham số %(name)s quá lớn.") % {"name": name}, field=name)
        number = maximum
    return number


def _level(request: Request) -> str | None:
    value = _token(request, "level")
    if value is not None and value not in Level.values:
        raise ValidationFailed(
            _("Tham số level phải là một trong: %(values)s.") % {"values": ", ".join(Level.values)},
            field="level",
        )
    return value


class PublicAPIView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []


_SEARCH_PARAMS = [
    OpenApiParameter(
        "search",
        OpenApiTypes.STR,
        description="Từ khóa: tên, mã hoặc từ khóa của thủ tục; không cần dấu, chấp nhận lỗi gõ nhỏ.",
    ),
    OpenApiParameter("field", OpenApiTypes.STR, description="Lĩnh vực (slug)."),
    OpenApiParameter(
        "level", OpenApiTypes.STR, enum=list(Level.values), description="Cấp thực hiện."
    ),
    OpenApiParameter("page", OpenApiTypes.INT, description="Trang, từ 1."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"Số kết quả mỗi trang, 1–{MAX_PAGE_SIZE}."
    ),
]


class ProcedureListView(PublicAPIView):
    @extend_schema(
        operation_id="procedures_search",
        summary="Tìm kiếm thủ tục hành chính",
        description=(
            "Thủ tục đang có hiệu lực khớp từ khóa, phù hợp nhất trước: mã thủ tục, tên trùng "
            "khớp, cụm từ trong tên, mọi từ trong tên, mọi từ trong nội dung, rồi khớp gần đúng. "
            "Không phân biệt hoa thường, dấu, kiểu bỏ dấu cũ/mới; chấp nhận lỗi gõ một ký tự."
        ),
        parameters=_SEARCH_PARAMS,
        responses={
            200: inline_serializer(
                "ProcedureSearchPage",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": ProcedureItemSerializer(many=True),
                },
            ),
            400: _PROBLEM,
            404: _PROBLEM,
        },
        auth=[],
    )
    def get(self, request: Request) -> Response:
        query = _text(request, "search", max_chars=MAX_SEARCH_CHARS)
        field = _token(request, "field")
        level = _level(request)
        page = _positive(request, "page", default=1, maximum=MAX_PAGE, cap=False)
        size = _positive(request, "page_size", default=PAGE_SIZE, maximum=MAX_PAGE_SIZE, cap=True)
        found = selectors.search_hits(
            query=query, field=field, level=level, limit=size, offset=(page - 1) * size
        )
        if page > 1 and not found.hits:
            raise NotFound(_("Trang không tồn tại."), code="page_not_found")
        params = {"search": query, "field": field, "level": level}
        params = {k: v for k, v in params.items() if v}
        if size != PAGE_SIZE:
            params["page_size"] = size

        def link(number: int) -> str:
            return request.build_absolute_uri(
                request.path + "?" + urlencode({**params, "page": number})
            )

        return Response(
            {
                "count": found.total,
                "next": link(page + 1) if page * size < found.total else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": [search_item(hit) for hit in found.hits],
            }
        )


class ProcedureSuggestView(PublicAPIView):
    @extend_schema(
        operation_id="procedures_suggest",
        summary="Gợi ý tên thủ tục khi gõ",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Phần đã gõ."),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"1–{selectors.MAX_SUGGESTIONS}, mặc định 8."
            ),
        ],
        responses={200: SuggestionsSerializer, 400: _PROBLEM},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        query = _text(request, "q", max_chars=MAX_SEARCH_CHARS)
        limit = _positive(request, "limit", default=8, maximum=selectors.MAX_SUGGESTIONS, cap=True)
        found = selectors.suggest(query, limit=limit)
        return Response(
            {
                "query": query[:200],
                "results": [
                    {"code": s.code, "name": s.name, "field": s.field, "url": portal_url(s.code)}
                    for s in found
                ],
            }
        )


class ProcedureDetailView(PublicAPIView):
    @extend_schema(
        operation_id="procedures_detail",
        summary="Chi tiết thủ tục hành chính",
        description="Phiên bản đang có hiệu lực của thủ tục, đầy đủ các trường công bố.",
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Mã d.dddddd"
            )
        ],
        responses={200: ProcedureDetailSerializer, 404: _PROBLEM},
        auth=[],
    )
    def get(self, request: Request, code: str) -> Response:
        version = selectors.procedure_get(code)
        return Response(ProcedureDetailSerializer(version).data)
