"""What the applicant is told, and when: one message per change they need to know about, by
e-mail and by SMS where they gave an address or a number. Messages go through the outbox of
`egov.notifications` inside the service's transaction, so a rolled-back change sends nothing
and a sender that fails is retried (and then shown as failed), never lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.errors import ValidationFailed
from egov.dossiers.models import Dossier
from egov.workcalendar.deadlines import to_vietnam_time


def _when(value) -> str:
    return to_vietnam_time(value).strftime("%H:%M ngày %d/%m/%Y") if value else ""


def _amount(dossier: Dossier) -> str:
    return f"{dossier.obligation_vnd or 0:,}".replace(",", ".")


# For each event: the subject, the text, and the values the text names besides the code (from
# the dossier and the change's detail). Only the message asked for is translated and filled: the
# submission paid for all nine (18 translations and two dates) on every change.
_MESSAGES: dict[str, tuple[Any, Any, Callable[[Dossier, str], dict[str, str]]]] = {
    "submit": (
        gettext_lazy("Đã nhận hồ sơ trực tuyến %(code)s"),
        gettext_lazy(
            "Hồ sơ %(code)s đã được nộp và đang chờ bộ phận một cửa kiểm tra. "
            "Mã tra cứu: %(lookup)s."
        ),
        lambda d, detail: {"lookup": d.lookup_code},
    ),
    "accept": (
        gettext_lazy("Hồ sơ %(code)s đã được tiếp nhận"),
        gettext_lazy("Hồ sơ %(code)s đã được tiếp nhận. Hẹn trả kết quả: %(due)s."),
        lambda d, detail: {"due": _when(d.due_at)},
    ),
    "request_supplement": (
        gettext_lazy("Hồ sơ %(code)s cần bổ sung"),
        gettext_lazy("Hồ sơ %(code)s cần bổ sung, hoàn thiện: %(items)s"),
        lambda d, detail: {"items": detail},
    ),
    "refuse": (
        gettext_lazy("Hồ sơ %(code)s không được tiếp nhận"),
        gettext_lazy("Hồ sơ %(code)s không được tiếp nhận. Lý do: %(reason)s"),
        lambda d, detail: {"reason": detail},
    ),
    "extend": (
        gettext_lazy("Hồ sơ %(code)s được hẹn lại ngày trả kết quả"),
        gettext_lazy(
            "Xin lỗi vì hồ sơ %(code)s chậm so với hẹn. Hẹn mới: %(due)s. Lý do: %(reason)s"
        ),
        lambda d, detail: {"due": _when(d.due_at), "reason": detail},
    ),
    "request_payment": (
        gettext_lazy("Hồ sơ %(code)s chờ thực hiện nghĩa vụ tài chính"),
        gettext_lazy("Hồ sơ %(code)s cần nộp %(amount)s đồng trước khi trả kết quả."),
        lambda d, detail: {"amount": _amount(d)},
    ),
    "result_ready": (
        gettext_lazy("Hồ sơ %(code)s đã có kết quả"),
        gettext_lazy("Hồ sơ %(code)s đã có kết quả (%(delivery)s)."),
        lambda d, detail: {"delivery": d.get_delivery_display()},
    ),
    "deliver": (
        gettext_lazy("Đã trả kết quả hồ sơ %(code)s"),
        gettext_lazy("Đã trả kết quả hồ sơ %(code)s. Mời bạn đánh giá mức độ hài lòng."),
        lambda d, detail: {},
    ),
    "stop": (
        gettext_lazy("Hồ sơ %(code)s bị dừng giải quyết"),
        gettext_lazy("Hồ sơ %(code)s bị dừng giải quyết. Lý do: %(reason)s"),
        lambda d, detail: {"reason": detail},
    ),
}


def _message(dossier: Dossier, event: str, detail: str) -> tuple[str, str] | None:
    found = _MESSAGES.get(event)
    if found is None:
        return None
    subject, text, values = found
    code = dossier.code or ""
    return str(subject) % {"code": code}, str(text) % {"code": code, **values(dossier, detail)}


def notify_applicant(dossier: Dossier, event: str, detail: str = "") -> int:
    """Queue the message for `event` to the applicant's e-mail and phone; answers how many."""
    from egov.dossiers.printing import lookup_url
    from egov.notifications.models import Channel
    from egov.notifications.services import enqueue_all, message

    with translation.override("vi"):
        found = _message(dossier, event, detail[:500])
        if found is None:
            return 0
        subject, text = found
        link = lookup_url(dossier) if dossier.code and dossier.lookup_code else ""
        body = f"{text}\n{_('Tra cứu')}: {link}" if link else text
    queued = []
    for channel, recipient in (
        (Channel.EMAIL, dossier.applicant_email),
        (Channel.SMS, dossier.applicant_phone),
    ):
        if not recipient:
            continue
        try:
            queued.append(
                message(
                    channel=channel,
                    recipient=recipient,
                    subject=subject,
                    body=body,
                    ref=f"dossier:{dossier.pk}",
                )
            )
        except ValidationFailed:
            # The address was checked when the dossier was lodged; a number the SMS channel
            # cannot reach (a landline) is simply not texted.
            continue
    return len(enqueue_all(queued))  # one INSERT for the e-mail and the SMS
