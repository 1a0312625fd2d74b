"""Every change of a dossier: one function, one transaction, one history row, one audit event.

Actors: the applicant acts on their own dossier (draft, submit, supplement, withdraw, rate);
officials act where the access policy gives them the right (reception and return at the receiving
unit, each processing step at the step's unit with the step's role). Each transition is checked
against `transitions.TRANSITIONS` and against the version of the dossier the actor saw
(`expected_version`): of two officers acting at once, the second is told to reload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.accounts.models import UserKind
from egov.accounts.policy import Perm, has_perm_on
from egov.audit.services import audit_record
from egov.core import rows, vntext
from egov.core.compiled import CompiledQuery
from egov.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from egov.core.workflow import Transition, lock_query, locked_for_transition
from egov.dossiers import clock
from egov.dossiers.applicants import ApplicantData, applicant_from_profile, clean_applicant
from egov.dossiers.codes import new_lookup_code, next_dossier_code
from egov.dossiers.models import (
    CLOSED_STATES,
    Decision,
    Delivery,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierFile,
    DossierStep,
    DossierUnit,
    Rating,
    Satisfaction,
    State,
    SubmissionChannel,
    SupplementRequest,
    Timing,
)
from egov.dossiers.notify import notify_applicant
from egov.dossiers.rights import STEP_PERM, is_applicant, is_leader_of, may_act_on_step
from egov.dossiers.transitions import TRANSITIONS
from egov.procedures.models import (
    Assignment,
    OnlineLevel,
    Procedure,
    ProcessTemplate,
    StepKind,
    StepRole,
    VersionAction,
)
from egov.procedures.templates_services import active_template
from egov.units.models import Unit
from egov.workcalendar.deadlines import to_vietnam_time

MAX_REASON = 4000
MAX_STEPS = 200


def _now(at: datetime | None) -> datetime:
    return at if at is not None else timezone.now()


def _reason(
    value: str, field: str = "reason", *, required: bool = True, lines: bool = False
) -> str:
    """User text for a reason or note, cleaned; with `lines`, one item per line (the papers a
    supplement asks for), line breaks kept and blank lines dropped."""
    value = (vntext.clean_lines if lines else vntext.clean)(value or "")
    if vntext.has_invalid_unicode(value) or "\x00" in value:
        raise ValidationFailed(_("Có ký tự không hợp lệ."), field=field)
    if required and not value:
        raise ValidationFailed(_("Hãy ghi rõ lý do."), field=field)
    if len(value) > MAX_REASON:
        raise ValidationFailed(_("Tối đa %(limit)d ký tự.") % {"limit": MAX_REASON}, field=field)
    return value


_is_applicant = is_applicant


def _require(actor: Any, perm: str, unit: Unit) -> None:
    if not has_perm_on(actor, perm, unit):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này đối với hồ sơ."))


def _label(actor: Any) -> str:
    if actor is None:
        return ""
    return getattr(actor, "full_name", "") or actor.get_username()


_LOCK_QUERIES: dict[tuple[str, ...], CompiledQuery] = {}


def _lock(dossier_id: Any, expected_version: int | None, *related: str) -> Dossier:
    """The dossier locked for a change, with what every transition reads (the receiving unit,
    the procedure's version, the current step and its unit) in the same query, plus `related`."""
    query = _LOCK_QUERIES.get(related)
    if query is None:
        query = _LOCK_QUERIES.setdefault(
            related,
            lock_query(
                Dossier.objects.select_related(
                    "receiving_unit", "version", "current_step__unit", *related
                )
            ),
        )
    return locked_for_transition(
        query, dossier_id, expected_version=expected_version, version_field="row_version"
    )


# The states' labels, translated only when a refusal names one (get_state_display() rebuilt the
# choices and translated the label on every transition checked).
_STATE_LABELS = dict(State.choices)


def _check(dossier: Dossier, action: str) -> Transition:
    return TRANSITIONS.check(dossier.state, action, state_label=_STATE_LABELS.get(dossier.state))


def _history_row(
    dossier: Dossier,
    *,
    actor: Any,
    action: str,
    state_from: str,
    at: datetime,
    note: str = "",
    public: bool = True,
    step: DossierStep | None = None,
    unit: Unit | None = None,
) -> rows.Also:
    """The change's history row, not yet written: its INSERT, for `_audit(also=[...])`."""
    return rows.insertion(
        DossierEvent(
            dossier=dossier,
            at=at,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_label(actor),
            action=action,
            state_from=state_from,
            state_to=dossier.state,
            unit=unit,
            step=step,
            note=note,
            public=public,
        )
    )


def _save(dossier: Dossier, *fields: str) -> None:
    dossier.row_version += 1
    also = [_copy_search_key(dossier)] if "search_key" in fields else []
    rows.update(dossier, [*fields, "row_version", "updated_at"], also=also)
    if "due_at" in fields:
        # the participants' copy, in whose order the queues read a unit's dossiers
        DossierUnit.objects.filter(dossier=dossier).update(due_at=dossier.due_at)


def _audit(
    actor: Any,
    action: str,
    dossier: Dossier,
    unit: Unit,
    *,
    also: Sequence[rows.Also] = (),
    **summary: Any,
) -> None:
    """The change's audit event, its last write; `also`: the change's history row (`_history_row`),
    written with it (one statement on PostgreSQL)."""
    audit_record(
        actor=actor,
        action=f"dossiers.{action}",
        target=dossier,
        unit=unit,
        summary={"code": dossier.code, "state": dossier.state, **summary},
        also=also,
    )


def _search_key(dossier: Dossier) -> str:
    parts = [dossier.code or "", dossier.applicant_name, dossier.applicant_id_number]
    parts.append(dossier.applicant_tax_code)
    return vntext.search_key(" ".join(p for p in parts if p))[:600]


def _set_search_key(dossier: Dossier) -> None:
    """Computes the dossier's search key; `_save` with "search_key" stores it with its copy on
    the participants (DossierUnit), where the queues search it unit by unit. A new dossier's
    participants are created with its key."""
    dossier.search_key = _search_key(dossier)


def _copy_search_key(dossier: Dossier) -> rows.Also:
    connection = connections[router.db_for_write(DossierUnit)]
    table = connection.ops.quote_name(DossierUnit._meta.db_table)
    key = dossier.search_key
    return (
        f"UPDATE {table} SET search_key = %s WHERE dossier_id = %s AND search_key <> %s",  # noqa: S608
        [key, dossier.pk, key],
    )


def _participate(dossier: Dossier, units: Sequence[Unit], *, new: bool = False) -> None:
    """Record the units taking part in the dossier (`new`: a dossier created in this
    transaction, which has none yet)."""
    known = set()
    if not new:
        known = set(DossierUnit.objects.filter(dossier=dossier).values_list("unit_id", flat=True))
    fresh = {u.pk for u in units} - known
    DossierUnit.objects.bulk_create(
        [
            DossierUnit(
                dossier=dossier, unit_id=pk, search_key=dossier.search_key, due_at=dossier.due_at
            )
            for pk in fresh
        ]
    )


# --- opening a dossier ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentInput:
    """A paper of a counter reception: the catalogue component (or a free name) and whether the
    officer found it in the papers brought."""

    component_id: int | None = None
    name: str = ""
    provided: bool = True
    note: str = ""


def _assignment_for(unit: Unit, procedure: Procedure) -> Assignment:
    assignment = Assignment.objects.filter(unit=unit, procedure=procedure).first()
    if assignment is None:
        raise ValidationFailed(
            _("Đơn vị “%(unit)s” không giải quyết thủ tục này.") % {"unit": unit.name},
            field="procedure",
            code="not_handled_here",
        )
    return assignment


def _version_in_force(procedure: Procedure):
    version = procedure.current
    if version is None or version.action == VersionAction.RESCINDED:
        raise ValidationFailed(
            _("Thủ tục này đã bị bãi bỏ hoặc chưa có hiệu lực."),
            field="procedure",
            code="procedure_not_in_force",
        )
    return version


def _copy_checklist(dossier: Dossier, provided: Sequence[ComponentInput] | None) -> None:
    components = list(dossier.version.components.all())
    by_id = {c.pk: c for c in components}
    papers: list[DossierComponent] = []
    if provided is None:
        papers = [
            DossierComponent(
                dossier=dossier,
                position=i,
                component=c,
                name=c.name,
                originals=c.originals,
                copies=c.copies,
            )
            for i, c in enumerate(components)
        ]
    else:
        seen: set[int] = set()
        for i, item in enumerate(provided):
            if item.component_id is not None:
                c = by_id.get(item.component_id)
                if c is None or item.component_id in seen:
                    raise ValidationFailed(
                        _("Giấy tờ thứ %(n)d không thuộc thủ tục này.") % {"n": i + 1},
                        field="components",
                    )
                seen.add(item.component_id)
                name, originals, copies = c.name, c.originals, c.copies
            else:
                name = _reason(item.name, "components", required=True)
                originals, copies, c = 0, 0, None
            papers.append(
                DossierComponent(
                    dossier=dossier,
                    position=i,
                    component=c,
                    name=name,
                    originals=originals,
                    copies=copies,
                    provided=bool(item.provided),
                    note=_reason(item.note, "components", required=False)[:500],
                )
            )
    DossierComponent.objects.bulk_create(papers)


def _fill_applicant(dossier: Dossier, applicant: ApplicantData) -> None:
    data = clean_applicant(applicant)
    dossier.applicant_kind = data.kind
    dossier.applicant_name = data.name
    dossier.applicant_id_number = data.id_number
    dossier.applicant_tax_code = data.tax_code
    dossier.applicant_address = data.address
    dossier.applicant_phone = data.phone
    dossier.applicant_email = data.email


def _delivery(delivery: str, address: str) -> tuple[str, str]:
    if delivery not in Delivery.values:
        raise ValidationFailed(_("Hình thức nhận kết quả không hợp lệ."), field="delivery")
    address = _reason(address, "delivery_address", required=delivery == Delivery.POST)[:500]
    return delivery, address


def draft_create(
    *, actor: Any, procedure: Procedure, unit: Unit, at: datetime | None = None
) -> Dossier:
    """A citizen or business starts an online dossier; their data is prefilled from the
    profile and stays editable until they submit."""
    if actor is None or actor.kind not in (UserKind.CITIZEN, UserKind.BUSINESS):
        raise Forbidden(_("Chỉ công dân, tổ chức đăng nhập mới nộp hồ sơ trực tuyến."))
    assignment = _assignment_for(unit, procedure)
    if assignment.online_level == OnlineLevel.NONE:
        raise ValidationFailed(
            _("Thủ tục này chưa được cung cấp trực tuyến tại đơn vị đã chọn."),
            field="procedure",
            code="not_online",
        )
    version = _version_in_force(procedure)
    profile = applicant_from_profile(actor)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            version=version,
            receiving_unit=unit,
            channel=SubmissionChannel.ONLINE,
            state=State.DRAFT,
            applicant=actor,
            applicant_kind=profile.kind,
            applicant_name=profile.name,
            applicant_id_number=profile.id_number,
            applicant_tax_code=profile.tax_code,
            applicant_phone=profile.phone,
            applicant_email=profile.email,
            subject=version.name,
        )
        _copy_checklist(dossier, None)
        _participate(dossier, [unit], new=True)
        history = _history_row(
            dossier, actor=actor, action="draft", state_from="", at=_now(at), unit=unit
        )
        _audit(actor, "draft_create", dossier, unit, procedure=procedure.code, also=[history])
    return dossier


_DRAFT_FIELDS = (
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_tax_code",
    "applicant_address",
    "applicant_phone",
    "applicant_email",
    "delivery",
    "delivery_address",
)


def _edit_draft(
    actor: Any, dossier: Dossier, applicant: ApplicantData, delivery: str, delivery_address: str
) -> list[str]:
    """Check and apply the applicant's changes to their locked draft (not saved); answers the
    names of the fields that changed."""
    if not _is_applicant(actor, dossier):
        raise NotFound(_("Không tìm thấy hồ sơ."))
    if dossier.state != State.DRAFT:
        raise Conflict(_("Hồ sơ đã nộp không sửa được nữa."), code="illegal_transition")
    before = {name: getattr(dossier, name) for name in _DRAFT_FIELDS}
    _fill_applicant(dossier, applicant)
    dossier.delivery, dossier.delivery_address = _delivery(delivery, delivery_address)
    return [name for name in _DRAFT_FIELDS if getattr(dossier, name) != before[name]]


def draft_update(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    applicant: ApplicantData,
    delivery: str = Delivery.ELECTRONIC,
    delivery_address: str = "",
) -> Dossier:
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _edit_draft(actor, dossier, applicant, delivery, delivery_address)
        _set_search_key(dossier)
        _save(dossier, *_DRAFT_FIELDS, "search_key")
        _audit(actor, "draft_update", dossier, dossier.receiving_unit)
    return dossier


@dataclass(frozen=True)
class DraftChanges:
    """What the draft page sends with "Nộp hồ sơ": the applicant's data and how the result is
    to be delivered, saved together with the submission."""

    applicant: ApplicantData
    delivery: str = Delivery.ELECTRONIC
    delivery_address: str = ""


# One query, compiled once: the papers not marked provided, and whether each has a file.
_PENDING_PAPERS = CompiledQuery(
    lambda dossier_id: (
        DossierComponent.objects.filter(dossier_id=dossier_id, provided=False)
        .order_by()
        .annotate(has_files=Exists(DossierFile.objects.filter(component=OuterRef("pk"))))
        .only("pk", "name", "originals", "copies")
    )
)


def _check_submission(dossier: Dossier, *, applicant_checked: bool) -> list[int]:
    """Refuse a draft that cannot be submitted yet; answers the papers that have files but are
    not marked provided (marked when the submission is written)."""
    _check(dossier, "submit")
    if not applicant_checked:
        clean_applicant(_applicant_of(dossier))
    if dossier.delivery == Delivery.POST and not dossier.delivery_address:
        raise ValidationFailed(
            _("Hãy ghi địa chỉ nhận kết quả qua bưu chính."), field="delivery_address"
        )
    _version_in_force(dossier.procedure)
    pending = _PENDING_PAPERS.fetch(dossier.pk)
    required = [c for c in pending if not c.has_files and (c.originals or c.copies)]
    if required:
        raise ValidationFailed(
            _("Còn thiếu tệp của giấy tờ: %(name)s") % {"name": required[0].name[:200]},
            field="components",
            code="component_missing",
        )
    return [c.pk for c in pending if c.has_files]


def submit(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    changes: DraftChanges | None = None,
    at: datetime | None = None,
) -> Dossier:
    """The applicant submits their draft: it gets its code and lookup code (status 1).

    With `changes` (the draft page's "save and submit"), the draft's data are saved first, as
    `draft_update` does, in the same transaction: one lock, one history row, one audit event.
    If the data are valid but the draft cannot be submitted yet (a paper without its file ...),
    the data are still saved (with their `draft_update` event) before the refusal is raised."""
    now = _now(at)
    refusal: DomainError | None = None
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version, "procedure__current")
        if not _is_applicant(actor, dossier):
            raise NotFound(_("Không tìm thấy hồ sơ."))
        saved: list[str] = []
        if changes is not None:
            saved = _edit_draft(
                actor, dossier, changes.applicant, changes.delivery, changes.delivery_address
            )
        try:
            with_files = _check_submission(dossier, applicant_checked=changes is not None)
        except DomainError as exc:
            if changes is None:
                raise
            refusal = exc
        if refusal is not None:
            _set_search_key(dossier)
            _save(dossier, *_DRAFT_FIELDS, "search_key")
            _audit(actor, "draft_update", dossier, dossier.receiving_unit)
        else:
            if with_files:
                DossierComponent.objects.filter(pk__in=with_files).update(provided=True)
            dossier.code = next_dossier_code(dossier.receiving_unit, now)
            dossier.lookup_code = new_lookup_code()
            dossier.submitted_at = now
            dossier.state = State.SUBMITTED
            _set_search_key(dossier)
            fields = ("code", "lookup_code", "submitted_at", "state", "search_key")
            _save(dossier, *fields, *(_DRAFT_FIELDS if changes is not None else ()))
            history = _history_row(
                dossier, actor=actor, action="submit", state_from=State.DRAFT, at=now
            )
            notify_applicant(dossier, "submit")
            extra = {"saved": saved} if saved else {}
            _audit(actor, "submit", dossier, dossier.receiving_unit, **extra, also=[history])
    if refusal is not None:
        raise refusal
    return dossier


def _applicant_of(dossier: Dossier) -> ApplicantData:
    return ApplicantData(
        name=dossier.applicant_name,
        kind=dossier.applicant_kind,
        id_number=dossier.applicant_id_number,
        tax_code=dossier.applicant_tax_code,
        address=dossier.applicant_address,
        phone=dossier.applicant_phone,
        email=dossier.applicant_email,
    )


# --- files --------------------------------------------------------------------------------------------

MAX_FILES_PER_COMPONENT = 10
_UPLOAD_STATES = {State.DRAFT, State.AWAITING_SUPPLEMENT}
_COUNTER_UPLOAD_STATES = {
    State.SUBMITTED,
    State.RECEIVED,
    State.PROCESSING,
    State.AWAITING_SUPPLEMENT,
    State.AWAITING_PAYMENT,
}


def component_attach(
    *, actor: Any, dossier_id: Any, component_id: Any, upload: Any, declared_name: str
) -> DossierFile:
    """Keep an uploaded or scanned file of one paper of the dossier. The file is inspected first
    (type by content, size, active content, virus scan); a refused file is never stored.
    The applicant uploads while drafting or supplementing; the one-stop officer scans papers
    brought to the counter while the dossier is open."""
    from egov.uploads.services import inspect_upload

    inspected = inspect_upload(upload, declared_name)
    with transaction.atomic():
        dossier = _lock(dossier_id, None)
        if _is_applicant(actor, dossier):
            if dossier.state not in _UPLOAD_STATES:
                raise Conflict(
                    _("Chỉ tải tệp lên khi khai hồ sơ hoặc khi được yêu cầu bổ sung."),
                    code="illegal_transition",
                )
        elif getattr(actor, "kind", None) == UserKind.OFFICIAL:
            _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
            if dossier.state not in _COUNTER_UPLOAD_STATES:
                raise Conflict(_("Hồ sơ đã đóng."), code="illegal_transition")
        else:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        component = (
            DossierComponent.objects.select_for_update()
            .filter(dossier=dossier, pk=_int_or_none(component_id))
            .first()
        )
        if component is None:
            raise ValidationFailed(_("Giấy tờ không thuộc hồ sơ này."), field="component")
        if component.files.count() >= MAX_FILES_PER_COMPONENT:
            raise ValidationFailed(
                _("Mỗi giấy tờ có tối đa %(n)d tệp.") % {"n": MAX_FILES_PER_COMPONENT},
                field="file",
            )
        row = DossierFile(
            component=component,
            name=inspected.safe_name,
            content_type=inspected.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            uploaded_by=actor,
        )
        row.file.save(inspected.storage_name(), inspected.file, save=False)
        stored = row.file.name
        try:
            row.save()
            component.provided = True
            component.save(update_fields=["provided"])
            _save(dossier)
            _audit(
                actor, "component_attach", dossier, dossier.receiving_unit,
                component=component.pk, file=inspected.safe_name, sha256=inspected.sha256,
            )  # fmt: skip
        except BaseException:
            row.file.storage.delete(stored)
            raise
    return row


def component_file_remove(*, actor: Any, dossier_id: Any, file_id: Any) -> None:
    """The applicant takes a file back out of their draft."""
    with transaction.atomic():
        dossier = _lock(dossier_id, None)
        if not _is_applicant(actor, dossier):
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if dossier.state not in _UPLOAD_STATES:
            raise Conflict(_("Hồ sơ đã nộp không sửa được nữa."), code="illegal_transition")
        row = (
            DossierFile.objects.select_related("component")
            .filter(component__dossier=dossier, pk=_int_or_none(file_id))
            .first()
        )
        if row is None:
            raise NotFound(_("Không tìm thấy tệp."))
        component = row.component
        name = row.file.name
        row.delete()
        if not component.files.exists():
            component.provided = False
            component.save(update_fields=["provided"])
        _save(dossier)
        _audit(actor, "component_file_remove", dossier, dossier.receiving_unit, file=row.name)
        transaction.on_commit(lambda: row.file.storage.delete(name))


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# --- reception ------------------------------------------------------------------------------------


def _template_for(dossier: Dossier, unit: Unit) -> ProcessTemplate:
    template = active_template(unit=unit, procedure=dossier.procedure)
    if template is None:
        raise Conflict(
            _("Đơn vị “%(unit)s” chưa có quy trình nội bộ cho thủ tục này.") % {"unit": unit.name},
            code="no_process_template",
        )
    return template


def _start_clock(
    dossier: Dossier, now: datetime, due_at: datetime | None, assignment: Assignment | None
) -> None:
    dossier.received_at = now
    computed = clock.appointment(
        dossier, now, cutoff=assignment.cutoff if assignment is not None else clock.UNKNOWN
    )
    if computed is None:
        dossier.counted_from = now
        dossier.due_at = clock.check_manual_appointment(due_at, to_vietnam_time(now))
    else:
        dossier.counted_from, dossier.due_at = computed
    dossier.first_due_at = dossier.due_at


def _start_step(step: DossierStep, now: datetime, assignee: Any = None) -> None:
    """The step starts now (not saved): its deadline, and the official it is given to."""
    step.started_at = now
    step.due_at = clock.step_due(step.unit, now, step.hours)
    if assignee is not None:
        _check_assignee(assignee, step)
        step.assignee = assignee


def _enter(
    dossier: Dossier,
    step: DossierStep | None,
    now: datetime,
    assignee: Any = None,
    *,
    started: bool = False,
) -> None:
    """Make `step` the current step (None: no step left) and set the state it implies.
    `started`: the step was started (`_start_step`) and saved already."""
    if step is None:
        dossier.current_step = None
        dossier.current_unit = dossier.receiving_unit
        dossier.current_role = StepRole.ONE_STOP_OFFICER
        dossier.current_kind = StepKind.RETURN
        dossier.current_assignee = None
        dossier.step_due_at = None
        dossier.state = State.RESULT_READY
        dossier.finished_at = now
        return
    if not started:
        _start_step(step, now, assignee)
        step.save(update_fields=["started_at", "due_at", "assignee"])
    dossier.current_step = step
    dossier.current_unit = step.unit
    dossier.current_role = step.role
    dossier.current_kind = step.kind
    dossier.current_assignee = step.assignee
    dossier.step_due_at = step.due_at
    if step.kind == StepKind.RETURN:
        dossier.state = State.RESULT_READY
        dossier.finished_at = now
    elif step.kind == StepKind.ASSIGN and dossier.state in (State.SUBMITTED, State.RECEIVED):
        dossier.state = State.RECEIVED
    else:
        dossier.state = State.PROCESSING


def _check_assignee(user: Any, step: DossierStep) -> None:
    if not has_perm_on(user, STEP_PERM[step.role], step.unit):
        raise ValidationFailed(
            _("Người được giao không có vai trò “%(role)s” tại “%(unit)s”.")
            % {"role": step.get_role_display(), "unit": step.unit.name},
            field="assignee",
        )


def _timing(finished: datetime, due: datetime | None) -> str:
    if due is None:
        return ""
    if finished > due:
        return Timing.LATE
    if to_vietnam_time(finished).date() < to_vietnam_time(due).date():
        return Timing.EARLY
    return Timing.ON_TIME


def _finish(
    step: DossierStep, actor: Any, now: datetime, note: str = "", *, save: bool = True
) -> None:
    step.finished_at = now
    step.handed_by = actor if getattr(actor, "pk", None) else None
    step.timing = _timing(now, step.due_at)
    step.note = note
    if save:
        step.save(update_fields=["finished_at", "handed_by", "timing", "note"])


def _accept(
    dossier: Dossier,
    actor: Any,
    now: datetime,
    due_at: datetime | None,
    assignment: Assignment | None = None,
) -> list[DossierStep]:
    """Reception proper: the appointment, the steps copied from the template, the first step.
    The steps are written in one INSERT, the reception step already finished and the next one
    started; answers them (the caller records the units taking part)."""
    template = _template_for(dossier, dossier.receiving_unit)
    _start_clock(dossier, now, due_at, assignment)
    steps = [
        DossierStep(
            dossier=dossier,
            position=s.position,
            kind=s.kind,
            role=s.role,
            unit=s.unit,
            hours=s.hours,
        )
        for s in template.steps.all()
    ]
    first = steps[0]
    if first.kind == StepKind.RECEIVE:
        _start_step(first, now)
        _finish(first, actor, now, save=False)
        following = steps[1] if len(steps) > 1 else None
    else:
        following = first
    if following is not None:
        _start_step(following, now)
    DossierStep.objects.bulk_create(steps)
    dossier.state = State.SUBMITTED  # _enter decides between received and processing
    _enter(dossier, following, now, started=True)
    return steps


_CLOCK_FIELDS = ("received_at", "counted_from", "due_at", "first_due_at")
_POSITION_FIELDS = (
    "current_step",
    "current_unit",
    "current_role",
    "current_kind",
    "current_assignee",
    "step_due_at",
    "finished_at",
)


def accept(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> Dossier:
    """The one-stop officer accepts an online dossier after checking it (status 2 / 4)."""
    now = _now(at)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "accept")
        _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        steps = _accept(dossier, actor, now, due_at)
        _participate(dossier, [dossier.receiving_unit, *(s.unit for s in steps)])
        _save(dossier, "state", *_CLOCK_FIELDS, *_POSITION_FIELDS)
        history = _history_row(
            dossier, actor=actor, action="accept", state_from=State.SUBMITTED, at=now
        )
        notify_applicant(dossier, "accept")
        _audit(
            actor,
            "accept",
            dossier,
            dossier.receiving_unit,
            due_at=str(dossier.due_at),
            also=[history],
        )
    return dossier


class CounterOutcome:
    ACCEPT = "accept"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"


def counter_receive(
    *,
    actor: Any,
    unit: Unit,
    procedure: Procedure,
    applicant: ApplicantData,
    components: Sequence[ComponentInput],
    outcome: str = CounterOutcome.ACCEPT,
    channel: int = SubmissionChannel.DIRECT,
    sets: int = 1,
    delivery: str = Delivery.COUNTER,
    delivery_address: str = "",
    reason: str = "",
    items: str = "",
    due_at: datetime | None = None,
    applicant_user: Any = None,
    at: datetime | None = None,
) -> Dossier:
    """A one-stop officer records papers brought to the counter (or arrived by post) and
    accepts them, asks for more, or refuses them. The dossier is registered (it has a code and
    a lookup code) in each case, so the slip the applicant takes away can be looked up."""
    now = _now(at)
    _require(actor, Perm.DOSSIER_RECEIVE, unit)
    if channel not in (SubmissionChannel.DIRECT, SubmissionChannel.POSTAL):
        raise ValidationFailed(_("Kênh tiếp nhận tại quầy không hợp lệ."), field="channel")
    if outcome not in (CounterOutcome.ACCEPT, CounterOutcome.SUPPLEMENT, CounterOutcome.REFUSE):
        raise ValidationFailed(_("Kết quả kiểm tra hồ sơ không hợp lệ."), field="outcome")
    if not isinstance(sets, int) or not 1 <= sets <= 50:
        raise ValidationFailed(_("Số bộ hồ sơ phải từ 1 đến 50."), field="sets")
    assignment = _assignment_for(unit, procedure)
    version = _version_in_force(procedure)
    delivery, delivery_address = _delivery(delivery, delivery_address)
    if outcome == CounterOutcome.REFUSE:
        reason = _reason(reason)
    if outcome == CounterOutcome.SUPPLEMENT:
        items = _reason(items, "items", lines=True)
        reason = _reason(reason)
    if len(components) > 200:
        raise ValidationFailed(_("Quá nhiều giấy tờ."), field="components")
    with transaction.atomic():
        dossier = Dossier(
            procedure=procedure,
            version=version,
            receiving_unit=unit,
            channel=channel,
            state=State.SUBMITTED,
            applicant=applicant_user,
            sets=sets,
            delivery=delivery,
            delivery_address=delivery_address,
            subject=version.name,
            submitted_at=now,
        )
        _fill_applicant(dossier, applicant)
        dossier.code = next_dossier_code(unit, now)
        dossier.lookup_code = new_lookup_code()
        _set_search_key(dossier)
        dossier.save()
        _copy_checklist(dossier, components)
        taking_part = [unit]
        if outcome == CounterOutcome.ACCEPT:
            missing = [c for c in components if not c.provided]
            if missing:
                raise ValidationFailed(
                    _("Hồ sơ còn thiếu giấy tờ: hãy yêu cầu bổ sung thay vì tiếp nhận."),
                    field="components",
                    code="component_missing",
                )
            steps = _accept(dossier, actor, now, due_at, assignment)
            taking_part += [s.unit for s in steps]
            dossier.save()
            history = _history_row(
                dossier, actor=actor, action="accept", state_from="", at=now, unit=unit
            )
        elif outcome == CounterOutcome.SUPPLEMENT:
            _open_supplement(dossier, actor, now, items, reason)
            dossier.save()
            history = _history_row(
                dossier, actor=actor, action="request_supplement", state_from="", at=now,
                note=items, unit=unit,
            )  # fmt: skip
        else:
            dossier.state = State.REFUSED
            dossier.closed_at = now
            Decision.objects.create(
                dossier=dossier, kind=Decision.Kind.REFUSAL, at=now, by=actor, reason=reason
            )
            dossier.save()
            history = _history_row(
                dossier, actor=actor, action="refuse", state_from="", at=now, note=reason,
                unit=unit,
            )  # fmt: skip
        _participate(dossier, taking_part, new=True)
        notify_applicant(
            dossier,
            {"accept": "accept", "supplement": "request_supplement", "refuse": "refuse"}[outcome],
            items or reason,
        )
        _audit(
            actor,
            "counter_receive",
            dossier,
            unit,
            outcome=outcome,
            channel=channel,
            also=[history],
        )
    return dossier


# --- supplements, payment, extension -------------------------------------------------------------


def _open_supplement(
    dossier: Dossier, actor: Any, now: datetime, items: str, reason: str
) -> SupplementRequest:
    resume_state = dossier.state
    request = SupplementRequest.objects.create(
        dossier=dossier,
        requested_at=now,
        requested_by=actor if getattr(actor, "pk", None) else None,
        items=items,
        reason=reason,
        resume_state=resume_state,
    )
    if dossier.received_at is not None:
        dossier.supplement_count += 1
        clock.pause(dossier, now)
    dossier.state = State.AWAITING_SUPPLEMENT
    return request


def _require_step_actor(actor: Any, dossier: Dossier) -> DossierStep:
    step = dossier.current_step
    if step is None or not may_act_on_step(actor, step):
        raise Forbidden(_("Bước xử lý hiện tại không thuộc phần việc của bạn."))
    return step


def request_supplement(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    items: str,
    reason: str,
    at: datetime | None = None,
) -> Dossier:
    """Ask the applicant for more papers (form 02). The legal clock stops until they come."""
    now = _now(at)
    items = _reason(items, "items", lines=True)
    reason = _reason(reason)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "request_supplement")
        if dossier.state == State.PROCESSING:
            _require_step_actor(actor, dossier)
        else:
            _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        state_from = dossier.state
        _open_supplement(dossier, actor, now, items, reason)
        _save(dossier, "state", "supplement_count", "paused_at", "paused_remaining_us")
        history = _history_row(
            dossier, actor=actor, action="request_supplement", state_from=state_from, at=now,
            note=items, step=dossier.current_step,
        )  # fmt: skip
        notify_applicant(dossier, "request_supplement", items)
        _audit(actor, "request_supplement", dossier, dossier.receiving_unit, also=[history])
    return dossier


def supplement(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    note: str = "",
    at: datetime | None = None,
) -> Dossier:
    """The papers asked for have come (online from the applicant, or at the counter)."""
    now = _now(at)
    note = _reason(note, "note", required=False)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "supplement")
        if not _is_applicant(actor, dossier):
            _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        request = SupplementRequest.objects.select_for_update().get(
            dossier=dossier, answered_at__isnull=True
        )
        request.answered_at = now
        request.answered_by = actor if getattr(actor, "pk", None) else None
        request.answer_note = note
        request.save(update_fields=["answered_at", "answered_by", "answer_note"])
        step = dossier.current_step
        clock.resume(dossier, now, step)
        if step is not None:
            step.save(update_fields=["due_at"])
        dossier.state = request.resume_state
        _save(dossier, "state", "due_at", "step_due_at", "paused_at", "paused_remaining_us")
        history = _history_row(
            dossier, actor=actor, action="supplement", state_from=State.AWAITING_SUPPLEMENT,
            at=now, note=note,
        )  # fmt: skip
        _audit(
            actor,
            "supplement",
            dossier,
            dossier.receiving_unit,
            due_at=str(dossier.due_at),
            also=[history],
        )
    return dossier


def request_payment(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    amount_vnd: int,
    note: str = "",
    at: datetime | None = None,
) -> Dossier:
    """The applicant must pay a financial obligation before the result; the clock stops."""
    now = _now(at)
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        raise ValidationFailed(_("Số tiền phải là số nguyên dương (đồng)."), field="amount_vnd")
    if amount_vnd > 10**15:
        raise ValidationFailed(_("Số tiền quá lớn."), field="amount_vnd")
    note = _reason(note, "note", required=False)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "request_payment")
        _require_step_actor(actor, dossier)
        dossier.obligation_vnd = amount_vnd
        dossier.state = State.AWAITING_PAYMENT
        clock.pause(dossier, now)
        _save(dossier, "state", "obligation_vnd", "paused_at", "paused_remaining_us")
        history = _history_row(
            dossier, actor=actor, action="request_payment", state_from=State.PROCESSING, at=now,
            note=note, step=dossier.current_step,
        )  # fmt: skip
        notify_applicant(dossier, "request_payment")
        _audit(
            actor,
            "request_payment",
            dossier,
            dossier.receiving_unit,
            amount_vnd=amount_vnd,
            also=[history],
        )
    return dossier


def confirm_payment(
    *, actor: Any, dossier_id: Any, expected_version: int | None, at: datetime | None = None
) -> Dossier:
    now = _now(at)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "confirm_payment")
        _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        step = dossier.current_step
        clock.resume(dossier, now, step)
        if step is not None:
            step.save(update_fields=["due_at"])
        dossier.state = State.PROCESSING
        _save(dossier, "state", "due_at", "step_due_at", "paused_at", "paused_remaining_us")
        history = _history_row(
            dossier, actor=actor, action="confirm_payment", state_from=State.AWAITING_PAYMENT,
            at=now,
        )  # fmt: skip
        _audit(actor, "confirm_payment", dossier, dossier.receiving_unit, also=[history])
    return dossier


def _require_leader(actor: Any, dossier: Dossier) -> None:
    if not is_leader_of(actor, dossier):
        raise Forbidden(_("Chỉ lãnh đạo đơn vị đang giải quyết hồ sơ mới làm được việc này."))


def extend(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    new_due_at: datetime,
    reason: str,
    at: datetime | None = None,
) -> Dossier:
    """Apology and request for more time (form 04): a new appointment; the dossier still counts
    as late in the indices."""
    now = _now(at)
    reason = _reason(reason)
    if not isinstance(new_due_at, datetime):
        raise ValidationFailed(_("Ngày hẹn mới không hợp lệ."), field="new_due_at")
    new_due_at = to_vietnam_time(new_due_at)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version, "current_unit")
        _check(dossier, "extend")
        _require_leader(actor, dossier)
        if dossier.due_at is None or new_due_at <= dossier.due_at or new_due_at <= now:
            raise ValidationFailed(
                _("Ngày hẹn mới phải sau ngày hẹn hiện tại và sau thời điểm này."),
                field="new_due_at",
            )
        Decision.objects.create(
            dossier=dossier,
            kind=Decision.Kind.EXTENSION,
            at=now,
            by=actor,
            reason=reason,
            new_due_at=new_due_at,
        )
        old = dossier.due_at
        dossier.due_at = new_due_at
        dossier.extension_count += 1
        _save(dossier, "due_at", "extension_count")
        history = _history_row(
            dossier, actor=actor, action="extend", state_from=dossier.state, at=now, note=reason
        )
        notify_applicant(dossier, "extend", reason)
        _audit(
            actor,
            "extend",
            dossier,
            dossier.receiving_unit,
            due_at=[str(old), str(new_due_at)],
            also=[history],
        )
    return dossier


# --- processing ----------------------------------------------------------------------------------


def assign(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    assignee: Any,
    at: datetime | None = None,
) -> Dossier:
    """A leader gives (or gives again) the current step to one official."""
    now = _now(at)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "assign")
        step = dossier.current_step
        if step is None:
            raise Conflict(_("Hồ sơ không ở bước nào để phân công."), code="illegal_transition")
        _require(actor, Perm.DOSSIER_APPROVE, step.unit)
        _check_assignee(assignee, step)
        previous = step.assignee_id
        step.assignee = assignee
        step.save(update_fields=["assignee"])
        dossier.current_assignee = assignee
        _save(dossier, "current_assignee")
        history = _history_row(
            dossier, actor=actor, action="assign", state_from=dossier.state, at=now,
            note=_label(assignee), public=False, step=step, unit=step.unit,
        )  # fmt: skip
        _audit(
            actor, "assign", dossier, step.unit, step=step.position,
            assignee=[previous, assignee.pk], also=[history],
        )  # fmt: skip
    return dossier


def _renumber_after(dossier: Dossier, position: int, by: int) -> None:
    """Make room for `by` steps after `position` (descending, so positions stay unique)."""
    later = DossierStep.objects.filter(dossier=dossier, position__gt=position).order_by("-position")
    for step in later:
        step.position += by
        step.save(update_fields=["position"])


def _insert_steps(dossier: Dossier, after: int, steps: list[DossierStep]) -> list[DossierStep]:
    if DossierStep.objects.filter(dossier=dossier).count() + len(steps) > MAX_STEPS:
        raise Conflict(_("Hồ sơ đã qua quá nhiều bước xử lý."), code="too_many_steps")
    _renumber_after(dossier, after, len(steps))
    for i, step in enumerate(steps, start=1):
        step.dossier = dossier
        step.position = after + i
    return DossierStep.objects.bulk_create(steps)


def _open_transfer(dossier: Dossier, step: DossierStep) -> None:
    """The receiving unit of an inter-level transfer takes the dossier in.

    The sending unit's template lists what happens there up to the transfer back (the next
    transfer step). When the receiving unit has its own template for the procedure, its steps
    (without its own reception and return) replace that part: it works the dossier its way.
    Without a later transfer step, a transfer back to the sender is added after them."""
    later = list(
        DossierStep.objects.filter(dossier=dossier, position__gt=step.position)
        .select_related("unit")
        .order_by("position")
    )
    back = next((s for s in later if s.kind == StepKind.TRANSFER), None)
    between = later[: later.index(back)] if back is not None else []
    template = active_template(unit=step.unit, procedure=dossier.procedure)
    if template is None and back is None:
        _template_for(dossier, step.unit)  # raises: nothing says how the unit would work it
    if template is not None:
        DossierStep.objects.filter(pk__in=[s.pk for s in between]).delete()
        inserted = [
            DossierStep(kind=s.kind, role=s.role, unit=s.unit, hours=s.hours, transfer=step)
            for s in template.steps.all()
            if s.kind not in (StepKind.RECEIVE, StepKind.RETURN)
        ]
        if back is None:
            sender = (
                DossierStep.objects.filter(dossier=dossier, position__lt=step.position)
                .select_related("unit")
                .order_by("-position")
                .first()
            )
            inserted.append(
                DossierStep(
                    kind=StepKind.TRANSFER,
                    role=StepRole.ONE_STOP_OFFICER,
                    unit=sender.unit if sender is not None else dossier.receiving_unit,
                    hours=0,
                    transfer=step,
                )
            )
        _insert_steps(dossier, step.position, inserted)
        _participate(dossier, [s.unit for s in inserted])
    if back is not None:
        back.transfer = step
        back.save(update_fields=["transfer"])


def forward(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    assignee: Any = None,
    note: str = "",
    result_number: str = "",
    at: datetime | None = None,
) -> Dossier:
    """Finish the current step and hand the dossier to the next one (optionally to one named
    official). At a transfer step this is the other unit taking the dossier in."""
    now = _now(at)
    note = _reason(note, "note", required=False)
    result_number = _reason(result_number, "result_number", required=False)[:64]
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "forward")
        step = _require_step_actor(actor, dossier)
        state_from = dossier.state
        if step.kind == StepKind.TRANSFER and step.transfer_id is None:
            _open_transfer(dossier, step)
        if step.kind == StepKind.SIGN and result_number:
            dossier.result_number = result_number
        _finish(step, actor, now, note)
        following = (
            DossierStep.objects.filter(dossier=dossier, position__gt=step.position)
            .select_related("unit")
            .order_by("position")
            .first()
        )
        _enter(dossier, following, now, assignee)
        _save(dossier, "state", "result_number", *_POSITION_FIELDS)
        history = _history_row(
            dossier, actor=actor, action="forward", state_from=state_from, at=now, note=note,
            public=dossier.state != state_from, step=step, unit=step.unit,
        )  # fmt: skip
        if dossier.state == State.RESULT_READY:
            notify_applicant(dossier, "result_ready")
        _audit(
            actor, "forward", dossier, step.unit, step=step.position,
            to=following.position if following else None, also=[history],
        )  # fmt: skip
    return dossier


def send_back(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    note: str,
    at: datetime | None = None,
) -> Dossier:
    """A leader (or the signer) returns the dossier to the step before for more work; the two
    steps are run again, so the control slip keeps both rounds."""
    now = _now(at)
    note = _reason(note, "note")
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "send_back")
        step = _require_step_actor(actor, dossier)
        if step.kind not in (StepKind.APPROVE, StepKind.SIGN, StepKind.CONSULT):
            raise Conflict(_("Bước này không trả lại được."), code="illegal_transition")
        previous = (
            DossierStep.objects.filter(dossier=dossier, position__lt=step.position)
            .order_by("-position")
            .first()
        )
        if previous is None or previous.kind in (StepKind.RECEIVE, StepKind.TRANSFER):
            raise Conflict(_("Không có bước trước để trả lại."), code="illegal_transition")
        again = [
            DossierStep(
                kind=s.kind, role=s.role, unit=s.unit, hours=s.hours, transfer=s.transfer,
                assignee=s.assignee,
            )
            for s in (previous, step)
        ]  # fmt: skip
        _finish(step, actor, now, note)
        redo, _again_step = _insert_steps(dossier, step.position, again)
        _enter(dossier, redo, now)
        _save(dossier, "state", *_POSITION_FIELDS)
        history = _history_row(
            dossier, actor=actor, action="send_back", state_from=State.PROCESSING, at=now,
            note=note, public=False, step=step, unit=step.unit,
        )  # fmt: skip
        _audit(actor, "send_back", dossier, step.unit, step=step.position, also=[history])
    return dossier


# --- closing ----------------------------------------------------------------------------------------


def _close(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    action: str,
    kind: str,
    reason: str,
    at: datetime | None,
) -> Dossier:
    now = _now(at)
    reason = _reason(reason)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version, "current_unit")
        transition = _check(dossier, action)
        if action == "withdraw" and _is_applicant(actor, dossier):
            pass
        elif getattr(actor, "kind", None) != UserKind.OFFICIAL:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        elif action == "stop":
            _require_leader(actor, dossier)
        else:
            _require(actor, transition.perm, dossier.receiving_unit)
        if action == "refuse" and dossier.state == State.RECEIVED:
            started = DossierStep.objects.filter(
                dossier=dossier, finished_at__isnull=False
            ).exclude(kind=StepKind.RECEIVE)
            if started.exists():
                raise Conflict(_("Hồ sơ đã được xử lý, không từ chối tiếp nhận được nữa."))
        state_from = dossier.state
        Decision.objects.create(dossier=dossier, kind=kind, at=now, by=actor, reason=reason)
        dossier.state = transition.target
        dossier.closed_at = now
        if dossier.paused_at is not None:
            dossier.paused_at = None
            dossier.paused_remaining_us = None
        SupplementRequest.objects.filter(dossier=dossier, answered_at__isnull=True).update(
            answered_at=now, answer_note=reason
        )
        _save(dossier, "state", "closed_at", "paused_at", "paused_remaining_us")
        history = _history_row(
            dossier, actor=actor, action=action, state_from=state_from, at=now, note=reason
        )
        notify_applicant(dossier, action, reason)
        _audit(actor, action, dossier, dossier.receiving_unit, also=[history])
    return dossier


def refuse(*, actor, dossier_id, expected_version, reason, at=None) -> Dossier:
    """Refuse to take the dossier on (form 03), with the reasons."""
    return _close(
        actor=actor, dossier_id=dossier_id, expected_version=expected_version, action="refuse",
        kind=Decision.Kind.REFUSAL, reason=reason, at=at,
    )  # fmt: skip


def withdraw(*, actor, dossier_id, expected_version, reason, at=None) -> Dossier:
    """The applicant withdraws (online, or at the counter through the officer)."""
    return _close(
        actor=actor, dossier_id=dossier_id, expected_version=expected_version, action="withdraw",
        kind=Decision.Kind.WITHDRAWAL, reason=reason, at=at,
    )  # fmt: skip


def stop(*, actor, dossier_id, expected_version, reason, at=None) -> Dossier:
    """Stop processing (form 05), e.g. when the applicant never supplements."""
    return _close(
        actor=actor, dossier_id=dossier_id, expected_version=expected_version, action="stop",
        kind=Decision.Kind.STOP, reason=reason, at=at,
    )  # fmt: skip


def final_timing(dossier: Dossier) -> str:
    """Early, on time or late, fixed when the result is returned. A dossier that needed more
    time (form 04) or was asked to supplement more than once counts as late (DOMAIN.md 2.6)."""
    if dossier.extension_count or dossier.supplement_count > 1:
        return Timing.LATE
    return _timing(dossier.finished_at or dossier.returned_at, dossier.due_at)


def deliver(
    *,
    actor: Any,
    dossier_id: Any,
    expected_version: int | None,
    delivery: str | None = None,
    tracking_number: str = "",
    at: datetime | None = None,
) -> Dossier:
    """Return the result: at the counter, by post (tracking number), or electronically (the
    result file in the applicant's account). Closes the dossier."""
    now = _now(at)
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        _check(dossier, "deliver")
        _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        delivery = delivery or dossier.delivery
        if delivery not in Delivery.values:
            raise ValidationFailed(_("Hình thức trả kết quả không hợp lệ."), field="delivery")
        tracking_number = _reason(tracking_number, "tracking_number", required=False)[:64]
        if delivery == Delivery.POST and not tracking_number:
            raise ValidationFailed(_("Hãy nhập số hiệu bưu gửi."), field="tracking_number")
        if delivery == Delivery.ELECTRONIC and not dossier.result_file:
            raise ValidationFailed(
                _("Chưa có tệp kết quả điện tử để trả cho người nộp."), field="result_file"
            )
        if delivery == Delivery.ELECTRONIC and dossier.applicant_id is None:
            raise ValidationFailed(
                _("Người nộp không có tài khoản để nhận kết quả điện tử."), field="delivery"
            )
        step = dossier.current_step
        if step is not None:
            _finish(step, actor, now)
        dossier.delivery = delivery
        dossier.post_tracking_number = tracking_number
        dossier.state = State.RETURNED
        dossier.returned_at = now
        dossier.closed_at = now
        dossier.timing = final_timing(dossier)
        _save(
            dossier, "state", "delivery", "post_tracking_number", "returned_at", "closed_at",
            "timing",
        )  # fmt: skip
        history = _history_row(
            dossier, actor=actor, action="deliver", state_from=State.RESULT_READY, at=now
        )
        notify_applicant(dossier, "deliver")
        _audit(
            actor, "deliver", dossier, dossier.receiving_unit, timing=dossier.timing, also=[history]
        )
    return dossier


def attach_result(
    *, actor: Any, dossier_id: Any, expected_version: int | None, file: Any, name: str
) -> Dossier:
    """The signed result file (a PDF), kept for electronic return; inspected like any upload."""
    from egov.uploads.services import inspect_upload

    inspected = inspect_upload(file, name, allowed={"pdf"})
    with transaction.atomic():
        dossier = _lock(dossier_id, expected_version)
        if dossier.state in CLOSED_STATES or dossier.state == State.DRAFT:
            raise Conflict(_("Hồ sơ đã đóng."), code="illegal_transition")
        if not (
            has_perm_on(actor, Perm.DOSSIER_ISSUE, dossier.current_unit or dossier.receiving_unit)
            or has_perm_on(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        ):
            raise Forbidden(_("Bạn không có quyền cập nhật kết quả của hồ sơ này."))
        dossier.result_file.save(inspected.storage_name(), inspected.file, save=False)
        _save(dossier, "result_file")
        _audit(
            actor, "attach_result", dossier, dossier.receiving_unit,
            name=inspected.safe_name, sha256=inspected.sha256,
        )  # fmt: skip
    return dossier


# --- rating ----------------------------------------------------------------------------------------

CRITERIA = range(1, 10)  # the nine criteria of DOMAIN.md 5


def _rating_detail(overall: str, criteria: dict[str, str] | None) -> dict[str, str]:
    if overall not in Satisfaction.values:
        raise ValidationFailed(_("Hãy chọn mức độ hài lòng."), field="overall")
    detail: dict[str, str] = {}
    for key, value in (criteria or {}).items():
        if str(key) not in {str(n) for n in CRITERIA} or value not in Satisfaction.values:
            raise ValidationFailed(_("Tiêu chí đánh giá không hợp lệ."), field="criteria")
        detail[str(key)] = value
    return detail


def _record_rating(
    actor: Any, dossier: Dossier, overall: str, detail: dict[str, str], comment: str, **kw: Any
) -> Rating:
    if dossier.state != State.RETURNED:
        raise Conflict(_("Chỉ đánh giá được khi đã nhận kết quả."), code="illegal_transition")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=dossier, overall=overall, criteria=detail, comment=comment, **kw
            )
    except IntegrityError:
        raise Conflict(_("Hồ sơ này đã được đánh giá."), code="already_rated") from None
    _audit(actor, "rate", dossier, dossier.receiving_unit, overall=overall)
    return rating


def rate(
    *,
    actor: Any,
    dossier_id: Any,
    overall: str,
    criteria: dict[str, str] | None = None,
    comment: str = "",
    via_counter: bool = False,
) -> Rating:
    """The applicant rates the handling of their returned dossier, once (or on the counter's
    tablet, through the officer's session)."""
    detail = _rating_detail(overall, criteria)
    comment = _reason(comment, "comment", required=False)
    with transaction.atomic():
        dossier = _lock(dossier_id, None)
        if via_counter:
            _require(actor, Perm.DOSSIER_RECEIVE, dossier.receiving_unit)
        elif not _is_applicant(actor, dossier):
            raise NotFound(_("Không tìm thấy hồ sơ."))
        return _record_rating(actor, dossier, overall, detail, comment, via_counter=via_counter)


def rate_by_lookup(
    *,
    code: str,
    lookup_code: str,
    overall: str,
    criteria: dict[str, str] | None = None,
    comment: str = "",
) -> Rating:
    """Rating from the public lookup page (the QR code on the receipt): holding the dossier code
    and its lookup code together stands for the applicant."""
    import hmac

    detail = _rating_detail(overall, criteria)
    comment = _reason(comment, "comment", required=False)
    code = (code or "").strip()[:40]
    lookup_code = (lookup_code or "").strip().upper()[:8]
    with transaction.atomic():
        pk = Dossier.objects.filter(code=code).values_list("pk", flat=True).first()
        dossier = _lock(pk, None) if pk is not None else None
        if dossier is None or not hmac.compare_digest(dossier.lookup_code, lookup_code):
            raise NotFound(_("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này."))
        return _record_rating(None, dossier, overall, detail, comment)
