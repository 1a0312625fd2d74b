"""Shapes of the dossier API: what a request may carry (checked here for type and size; the
rules are the services') and what a dossier looks like to its applicant, its officials and the
public lookup."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from egov.dossiers import rights, selectors
from egov.dossiers.models import (
    ApplicantKind,
    Delivery,
    Dossier,
    Satisfaction,
    SubmissionChannel,
)
from egov.dossiers.services import MAX_REASON, CounterOutcome

MAX_ID = 2**63 - 1
_TEXT = {"max_length": MAX_REASON, "allow_blank": True, "trim_whitespace": False}


def _reason(required: bool = True, **kw: Any) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=MAX_REASON, **kw)
    return serializers.CharField(required=False, default="", **_TEXT, **kw)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="row_version của hồ sơ mà người dùng đã xem (khóa lạc quan).",
    )


# --- action bodies ----------------------------------------------------------------------------------


class AcceptSerializer(VersionSerializer):
    due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Ngày hẹn trả do cán bộ nhập, chỉ khi thời hạn của thủ tục không có dạng số.",
    )


class ReasonSerializer(VersionSerializer):
    reason = _reason()


class SupplementRequestSerializer(VersionSerializer):
    items = _reason(help_text="Giấy tờ cần bổ sung, hoàn thiện.")
    reason = _reason()


class NoteSerializer(VersionSerializer):
    note = _reason(required=False)


class AssignSerializer(VersionSerializer):
    assignee = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ForwardSerializer(VersionSerializer):
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    note = _reason(required=False)
    result_number = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=64,
        help_text="Số, ký hiệu văn bản kết quả (ở bước ký).",
    )  # fmt: skip


class SendBackSerializer(VersionSerializer):
    note = _reason()


class PaymentSerializer(VersionSerializer):
    amount_vnd = serializers.IntegerField(min_value=1, max_value=10**15)
    note = _reason(required=False)


class ExtendSerializer(VersionSerializer):
    new_due_at = serializers.DateTimeField()
    reason = _reason()


class DeliverSerializer(VersionSerializer):
    delivery = serializers.ChoiceField(
        choices=Delivery.choices, required=False, allow_null=True, default=None
    )
    tracking_number = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=64
    )


ACTION_BODIES: dict[str, type[serializers.Serializer]] = {
    "submit": VersionSerializer,
    "accept": AcceptSerializer,
    "refuse": ReasonSerializer,
    "request_supplement": SupplementRequestSerializer,
    "supplement": NoteSerializer,
    "assign": AssignSerializer,
    "forward": ForwardSerializer,
    "send_back": SendBackSerializer,
    "request_payment": PaymentSerializer,
    "confirm_payment": VersionSerializer,
    "extend": ExtendSerializer,
    "withdraw": ReasonSerializer,
    "stop": ReasonSerializer,
    "deliver": DeliverSerializer,
}


class ApplicantFieldsSerializer(serializers.Serializer):
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, required=False)
    applicant_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    applicant_id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    applicant_tax_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    applicant_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    applicant_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    applicant_email = serializers.CharField(max_length=254, required=False, allow_blank=True)


class DraftCreateSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=20, help_text="Mã thủ tục, ví dụ 1.004837.")
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Nơi nộp hồ sơ.")


class DraftUpdateSerializer(VersionSerializer, ApplicantFieldsSerializer):
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ComponentInputSerializer(serializers.Serializer):
    component_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="Giấy tờ trong danh mục của thủ tục; bỏ trống để ghi tên giấy tờ khác.",
    )  # fmt: skip
    name = serializers.CharField(
        max_length=MAX_REASON, required=False, default="", allow_blank=True
    )
    provided = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class CounterReceptionSerializer(DraftCreateSerializer, ApplicantFieldsSerializer):
    applicant_name = serializers.CharField(max_length=255)
    components = ComponentInputSerializer(many=True, max_length=200)
    outcome = serializers.ChoiceField(
        choices=[CounterOutcome.ACCEPT, CounterOutcome.SUPPLEMENT, CounterOutcome.REFUSE],
        default=CounterOutcome.ACCEPT,
    )
    channel = serializers.ChoiceField(
        choices=[SubmissionChannel.DIRECT, SubmissionChannel.POSTAL],
        default=SubmissionChannel.DIRECT,
    )
    sets = serializers.IntegerField(min_value=1, max_value=50, default=1)
    delivery = serializers.ChoiceField(choices=Delivery.choices, default=Delivery.COUNTER)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    reason = _reason(required=False)
    items = _reason(required=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class RatingInputSerializer(serializers.Serializer):
    overall = serializers.ChoiceField(choices=Satisfaction.choices)
    criteria = serializers.DictField(
        child=serializers.ChoiceField(choices=Satisfaction.choices),
        required=False,
        default=dict,
        help_text="Tiêu chí 1–9 → mức độ hài lòng.",
    )
    comment = _reason(required=False)

    def validate_criteria(self, value: dict) -> dict:
        if len(value) > 9:
            raise serializers.ValidationError("Tối đa 9 tiêu chí.")
        return value


class ResultFileSerializer(VersionSerializer):
    file = serializers.FileField(help_text="Văn bản kết quả đã ký, định dạng PDF.")


class ComponentFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="Bản điện tử của giấy tờ: PDF, ảnh JPEG/PNG, Word, Excel (kiểm tra theo nội dung)."
    )


# --- representations --------------------------------------------------------------------------------


def _user(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.full_name or user.get_username()}


def _unit(unit: Any) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


class DossierRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DossierProcedureRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DossierCurrentStepSerializer(serializers.Serializer):
    kind = serializers.CharField()
    unit = DossierRefSerializer(allow_null=True)
    role = serializers.CharField()
    assignee = DossierRefSerializer(allow_null=True, help_text="Chỉ cán bộ thấy.")
    step_due_at = serializers.DateTimeField(allow_null=True)


class DossierFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class DossierComponentSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id giấy tờ của hồ sơ: tải tệp lên theo id này.")
    position = serializers.IntegerField()
    component_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    originals = serializers.IntegerField()
    copies = serializers.IntegerField()
    provided = serializers.BooleanField()
    note = serializers.CharField()
    files = DossierFileSerializer(many=True)


class DossierStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.CharField()
    role = serializers.CharField()
    unit = DossierRefSerializer()
    hours = serializers.CharField()
    transfer_id = serializers.IntegerField(allow_null=True)
    assignee = DossierRefSerializer(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    handed_by = DossierRefSerializer(allow_null=True)
    timing = serializers.CharField()
    note = serializers.CharField()


class DossierEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    state_from = serializers.CharField()
    state_to = serializers.CharField()
    state_label = serializers.CharField()
    actor = serializers.CharField(required=False, help_text="Chỉ cán bộ thấy.")
    unit = DossierRefSerializer(required=False, allow_null=True, help_text="Chỉ cán bộ thấy.")
    note = serializers.CharField(required=False, help_text="Chỉ cán bộ thấy.")


class DossierSupplementSerializer(serializers.Serializer):
    requested_at = serializers.DateTimeField()
    items = serializers.CharField()
    reason = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_note = serializers.CharField()


class DossierDecisionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    new_due_at = serializers.DateTimeField(allow_null=True)


class DossierActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()


class DossierRatingSerializer(serializers.Serializer):
    overall = serializers.CharField()
    criteria = serializers.DictField(child=serializers.CharField())
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class DossierItemSerializer(serializers.Serializer):
    """One dossier of a list (an applicant's own, an official's queue)."""

    id = serializers.IntegerField()
    code = serializers.CharField(allow_null=True)
    state = serializers.CharField()
    state_label = serializers.CharField()
    national_status = serializers.IntegerField(allow_null=True)
    procedure = DossierProcedureRefSerializer()
    applicant_name = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    step_due_at = serializers.DateTimeField(allow_null=True)
    current_kind = serializers.CharField()
    current_role = serializers.CharField()
    current_unit = DossierRefSerializer(allow_null=True)
    row_version = serializers.IntegerField()


class DossierDetailSerializer(DossierItemSerializer):
    """A dossier as its applicant or an official taking part sees it."""

    lookup_code = serializers.CharField()
    channel = serializers.ChoiceField(choices=SubmissionChannel.choices, help_text="KenhThucHien")
    receiving_unit = DossierRefSerializer()
    applicant_kind = serializers.CharField()
    applicant_id_number = serializers.CharField()
    applicant_tax_code = serializers.CharField()
    applicant_address = serializers.CharField()
    applicant_phone = serializers.CharField()
    applicant_email = serializers.CharField()
    subject = serializers.CharField()
    sets = serializers.IntegerField()
    delivery = serializers.CharField()
    delivery_address = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    first_due_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    timing = serializers.CharField()
    supplement_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    obligation_vnd = serializers.IntegerField(allow_null=True)
    result_number = serializers.CharField()
    has_result_file = serializers.BooleanField()
    post_tracking_number = serializers.CharField()
    current_step = DossierCurrentStepSerializer(allow_null=True)
    components = DossierComponentSerializer(many=True)
    steps = DossierStepSerializer(
        many=True, allow_null=True, help_text="Phiếu kiểm soát; chỉ cán bộ."
    )
    events = DossierEventSerializer(many=True)
    supplements = DossierSupplementSerializer(many=True)
    decisions = DossierDecisionSerializer(many=True)
    rating = DossierRatingSerializer(allow_null=True)
    actions = DossierActionSerializer(
        many=True, help_text="Thao tác người đang xem được làm lúc này."
    )


def _dt(value: Any) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def item(dossier: Dossier) -> dict[str, Any]:
    """A list row; reads only the fields `selectors.work_queue` loads."""
    return {
        "id": dossier.pk,
        "code": dossier.code,
        "state": dossier.state,
        "state_label": str(dossier.get_state_display()),
        "national_status": dossier.national_status,
        "procedure": {"code": dossier.procedure.code, "name": dossier.version.name},
        "applicant_name": dossier.applicant_name,
        "received_at": _dt(dossier.received_at),
        "due_at": _dt(dossier.due_at),
        "step_due_at": _dt(dossier.step_due_at),
        "current_kind": dossier.current_kind,
        "current_role": dossier.current_role,
        "current_unit": _unit(dossier.current_unit) if dossier.current_unit_id else None,
        "row_version": dossier.row_version,
    }


def _event(event: Any, as_staff: bool) -> dict[str, Any]:
    row = {
        "at": _dt(event.at),
        "action": event.action,
        "action_label": event.action_label,
        "state_from": event.state_from,
        "state_to": event.state_to,
        "state_label": str(event.state_label),
    }
    if as_staff:
        row.update(actor=event.actor_label, unit=_unit(event.unit), note=event.note)
    return row


def _step(step: Any) -> dict[str, Any]:
    return {
        "position": step.position,
        "kind": step.kind,
        "role": step.role,
        "unit": _unit(step.unit),
        "hours": str(step.hours),
        "transfer_id": step.transfer_id,
        "assignee": _user(step.assignee),
        "started_at": _dt(step.started_at),
        "due_at": _dt(step.due_at),
        "finished_at": _dt(step.finished_at),
        "handed_by": _user(step.handed_by),
        "timing": step.timing,
        "note": step.note,
    }


def detail(access: selectors.DossierAccess, user: Any) -> dict[str, Any]:
    d, as_staff = access.dossier, access.as_staff
    rating = getattr(d, "rating", None)  # None when not rated (the reverse one-to-one raises)
    body = item(d)
    body.update(
        lookup_code=d.lookup_code,
        channel=d.channel,
        receiving_unit=_unit(d.receiving_unit),
        applicant_kind=d.applicant_kind,
        applicant_id_number=d.applicant_id_number,
        applicant_tax_code=d.applicant_tax_code,
        applicant_address=d.applicant_address,
        applicant_phone=d.applicant_phone,
        applicant_email=d.applicant_email,
        subject=d.subject,
        sets=d.sets,
        delivery=d.delivery,
        delivery_address=d.delivery_address,
        submitted_at=_dt(d.submitted_at),
        first_due_at=_dt(d.first_due_at),
        finished_at=_dt(d.finished_at),
        returned_at=_dt(d.returned_at),
        timing=d.timing,
        supplement_count=d.supplement_count,
        extension_count=d.extension_count,
        obligation_vnd=d.obligation_vnd,
        result_number=d.result_number,
        has_result_file=bool(d.result_file),
        post_tracking_number=d.post_tracking_number,
        current_step=(
            {
                "kind": d.current_kind,
                "unit": _unit(d.current_unit),
                "role": d.current_role,
                "assignee": _user(d.current_assignee) if as_staff else None,
                "step_due_at": _dt(d.step_due_at),
            }
            if d.current_kind
            else None
        ),
        components=[
            {
                "id": c.pk,
                "position": c.position,
                "component_id": c.component_id,
                "name": c.name,
                "originals": c.originals,
                "copies": c.copies,
                "provided": c.provided,
                "note": c.note,
                "files": [
                    {
                        "id": f.pk,
                        "name": f.name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                    }
                    for f in c.files.all()
                ],
            }
            for c in d.components.all()
        ],
        steps=[_step(s) for s in d.steps.all()] if as_staff else None,
        events=[_event(e, as_staff) for e in d.events.all() if as_staff or e.public],
        supplements=[
            {
                "requested_at": _dt(s.requested_at),
                "items": s.items,
                "reason": s.reason,
                "answered_at": _dt(s.answered_at),
                "answer_note": s.answer_note,
            }
            for s in d.supplements.all()
        ],
        decisions=[
            {
                "kind": x.kind,
                "at": _dt(x.at),
                "reason": x.reason,
                "new_due_at": _dt(x.new_due_at),
            }
            for x in d.decisions.all()
        ],
        rating=(
            {
                "overall": rating.overall,
                "criteria": rating.criteria,
                "comment": rating.comment,
                "created_at": _dt(rating.created_at),
            }
            if rating is not None
            else None
        ),
        actions=[
            {"action": t.action, "label": str(t.label)} for t in rights.available_actions(user, d)
        ],
    )
    return body


class DossierPublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    state_to = serializers.CharField()
    state_label = serializers.CharField()


class PublicDossierSerializer(serializers.Serializer):
    """What anyone holding the dossier code and the lookup code sees."""

    code = serializers.CharField()
    procedure_name = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    national_status = serializers.IntegerField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    events = DossierPublicEventSerializer(many=True)
    can_rate = serializers.BooleanField()


def public(view: selectors.PublicView) -> dict[str, Any]:
    return {
        "code": view.code,
        "procedure_name": view.procedure_name,
        "state": view.state,
        "state_label": str(view.state_label),
        "national_status": view.national_status,
        "received_at": _dt(view.received_at),
        "due_at": _dt(view.due_at),
        "returned_at": _dt(view.returned_at),
        "events": [
            {
                "at": _dt(e.at),
                "action": e.action,
                "action_label": e.action_label,
                "state_to": e.state_to,
                "state_label": str(e.state_label),
            }
            for e in view.events
        ],
        "can_rate": view.can_rate,
    }
