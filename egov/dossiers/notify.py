"""What the applicant is told, and when: one message per change they need to know about, by
e-mail and by SMS where they gave an address or a number. Messages go through the outbox of
`egov.notifications` inside the service's transaction, so a rolled-back change sends nothing
and a sender that fails is retried (and then shown as failed), never lost."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from egov.core.errors import ValidationFailed
from egov.dossiers.models import Dossier
from egov.workcalendar.deadlines import to_vietnam_time


def _when(value) -> str:
    return to_vietnam_time(value).strftime("%H:%M ngày %d/%m/%Y") if value else ""


def _message(dossier: Dossier, event: str, detail: str) -> tuple[str, str] | None:
    code = dossier.code or ""
    messages = {
        "submit": (
            _("Đã nhận hồ sơ trực tuyến %(code)s") % {"code": code},
            _(
                "Hồ sơ %(code)s đã được nộp và đang chờ bộ phận một cửa kiểm tra. "
                "Mã tra cứu: %(lookup)s."
            )
            % {"code": code, "lookup": dossier.lookup_code},
        ),
        "accept": (
            _("Hồ sơ %(code)s đã được tiếp nhận") % {"code": code},
            _("Hồ sơ %(code)s đã được tiếp nhận. Hẹn trả kết quả: %(due)s.")
            % {"code": code, "due": _when(dossier.due_at)},
        ),
        "request_supplement": (
            _("Hồ sơ %(code)s cần bổ sung") % {"code": code},
            _("Hồ sơ %(code)s cần bổ sung, hoàn thiện: %(items)s")
            % {"code": code, "items": detail},
        ),
        "refuse": (
            _("Hồ sơ %(code)s không được tiếp nhận") % {"code": code},
            _("Hồ sơ %(code)s không được tiếp nhận. Lý do: %(reason)s")
            % {"code": code, "reason": detail},
        ),
        "extend": (
            _("Hồ sơ %(code)s được hẹn lại ngày trả kết quả") % {"code": code},
            _("Xin lỗi vì hồ sơ %(code)s chậm so với hẹn. Hẹn mới: %(due)s. Lý do: %(reason)s")
            % {"code": code, "due": _when(dossier.due_at), "reason": detail},
        ),
        "request_payment": (
            _("Hồ sơ %(code)s chờ thực hiện nghĩa vụ tài chính") % {"code": code},
            _("Hồ sơ %(code)s cần nộp %(amount)s đồng trước khi trả kết quả.")
            % {"code": code, "amount": f"{dossier.obligation_vnd or 0:,}".replace(",", ".")},
        ),
        "result_ready": (
            _("Hồ sơ %(code)s đã có kết quả") % {"code": code},
            _("Hồ sơ %(code)s đã có kết quả (%(delivery)s).")
            % {"code": code, "delivery": dossier.get_delivery_display()},
        ),
        "deliver": (
            _("Đã trả kết quả hồ sơ %(code)s") % {"code": code},
            _("Đã trả kết quả hồ sơ %(code)s. Mời bạn đánh giá mức độ hài lòng.") % {"code": code},
        ),
        "stop": (
            _("Hồ sơ %(code)s bị dừng giải quyết") % {"code": code},
            _("Hồ sơ %(code)s bị dừng giải quyết. Lý do: %(reason)s")
            % {"code": code, "reason": detail},
        ),
    }
    return messages.get(event)


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
