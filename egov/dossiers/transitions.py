"""The dossier lifecycle as a table: which action is legal from which state, and who may take it.

`perm` is the permission the actor needs on the unit the action concerns (the receiving unit for
reception and return, the current step's unit for processing); None means the applicant acts on
their own dossier. A target of `SAME` keeps the state; `RESUME` and `NEXT` are decided by the
service (the state the dossier was in before a pause; the state implied by the next step).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from egov.accounts.policy import Perm
from egov.core.workflow import SAME, Transition, TransitionTable
from egov.dossiers.models import State

RESUME = "<resume>"
NEXT = "<next>"

_OPEN = {State.SUBMITTED, State.RECEIVED, State.PROCESSING}
_RUNNING = {State.RECEIVED, State.PROCESSING, State.AWAITING_SUPPLEMENT, State.AWAITING_PAYMENT}


def _t(action, sources, target, perm, label) -> Transition:
    return Transition(action, frozenset(sources), target, perm, label)


TRANSITIONS = TransitionTable(
    [
        _t("submit", {State.DRAFT}, State.SUBMITTED, None, _("Nộp hồ sơ")),
        _t("accept", {State.SUBMITTED}, NEXT, Perm.DOSSIER_RECEIVE, _("Tiếp nhận hồ sơ")),
        _t(
            "refuse",
            {State.SUBMITTED, State.RECEIVED},
            State.REFUSED,
            Perm.DOSSIER_RECEIVE,
            _("Từ chối tiếp nhận"),
        ),
        _t(
            "request_supplement",
            _OPEN,
            State.AWAITING_SUPPLEMENT,
            Perm.DOSSIER_RECEIVE,
            _("Yêu cầu bổ sung hồ sơ"),
        ),
        _t("supplement", {State.AWAITING_SUPPLEMENT}, RESUME, None, _("Bổ sung hồ sơ")),
        _t(
            "assign", {State.RECEIVED, State.PROCESSING}, SAME, Perm.DOSSIER_APPROVE, _("Phân công")
        ),
        _t("forward", {State.RECEIVED, State.PROCESSING}, NEXT, None, _("Chuyển bước tiếp theo")),
        _t("send_back", {State.PROCESSING}, SAME, None, _("Trả lại bước trước")),
        _t(
            "request_payment",
            {State.PROCESSING},
            State.AWAITING_PAYMENT,
            Perm.DOSSIER_PROCESS,
            _("Yêu cầu thực hiện nghĩa vụ tài chính"),
        ),
        _t(
            "confirm_payment",
            {State.AWAITING_PAYMENT},
            State.PROCESSING,
            Perm.DOSSIER_RECEIVE,
            _("Xác nhận đã thực hiện nghĩa vụ tài chính"),
        ),
        _t(
            "extend",
            _RUNNING,
            SAME,
            Perm.DOSSIER_APPROVE,
            _("Xin lỗi và gia hạn thời gian giải quyết"),
        ),
        _t(
            "withdraw",
            {State.SUBMITTED} | _RUNNING,
            State.WITHDRAWN,
            Perm.DOSSIER_RECEIVE,
            _("Rút hồ sơ"),
        ),
        _t("stop", _RUNNING, State.STOPPED, Perm.DOSSIER_APPROVE, _("Dừng xử lý hồ sơ")),
        _t(
            "deliver",
            {State.RESULT_READY},
            State.RETURNED,
            Perm.DOSSIER_RECEIVE,
            _("Trả kết quả"),
        ),
    ]
)
