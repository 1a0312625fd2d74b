"""RFC 9457 problem details for every API error, from one handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from egov.core.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột dữ liệu",
    413: "Dữ liệu quá lớn",
    415: "Kiểu dữ liệu không được hỗ trợ",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi máy chủ",
}


def problem_body(
    status: int, detail: str, *, code: str = "", instance: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"about:blank#{code}" if code else "about:blank",
        "title": _(_TITLES.get(status, "Lỗi")),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v not in (None, [], "")})
    return body


def problem_response(status: int, detail: str, **kwargs: Any) -> JsonResponse:
    """A problem+json response for plain Django views (outside DRF)."""
    return JsonResponse(
        problem_body(status, detail, **kwargs),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out += _flatten(item, prefix)
        return out
    return [{"field": prefix or "non_field_errors", "message": str(detail)}]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, DomainError):
        errors = list(exc.errors)
        if exc.field and not errors:
            errors = [{"field": exc.field, "message": str(exc.message)}]
        body = problem_body(
            exc.status, str(exc.message), code=exc.code, instance=instance, errors=errors
        )
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(exc, drf_exceptions.ValidationError):
        body = problem_body(
            status,
            _("Dữ liệu gửi lên không hợp lệ."),
            code="validation",
            instance=instance,
            errors=_flatten(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
        body = problem_body(
            status, str(detail), code=getattr(exc, "default_code", ""), instance=instance
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
