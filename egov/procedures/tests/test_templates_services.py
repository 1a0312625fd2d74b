"""Process templates: steps within the legal time are kept, anything else is refused whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.core.errors import Forbidden, ValidationFailed
from egov.procedures import templates_services as svc
from egov.procedures.models import (
    Channel,
    Method,
    ProcessStep,
    ProcessTemplate,
    StepKind,
    StepRole,
    TimeUnit,
)
from egov.procedures.templates_services import StepInput
from egov.procedures.tests.test_templates_data import make_procedure
from egov.units.models import UnitKind
from egov.units.services import unit_create

# Real procedures (shared/data/tthc/procedures.json) and their published times.
GIAM_HO = "1.004837"  # Thủ tục đăng ký giám hộ — 3 ngày làm việc = 24 h
KHAI_TU_LUU_DONG = "1.000419"  # Thủ tục đăng ký khai tử lưu động — 5 ngày làm việc = 40 h
NHAN_CHA_ME_CON_NN = "2.000779"  # ... có yếu tố nước ngoài — 10 ngày (lịch)
KHAI_SINH = "1.001193"  # Thủ tục đăng ký khai sinh — no time in the dataset


@pytest.fixture
def admin_a(make_official, commune_a):
    return make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)


def assigned(code, unit, **kwargs):
    procedure = make_procedure(code, **kwargs)
    svc.assignment_set(actor=None, unit=unit, procedure=procedure, channels=[Channel.DIRECT])
    return procedure


def standard_steps(unit, hours=("4", "12", "4", "2", "2")):
    kinds = [
        (StepKind.RECEIVE, StepRole.ONE_STOP_OFFICER),
        (StepKind.APPRAISE, StepRole.SPECIALIST),
        (StepKind.APPROVE, StepRole.LEADER),
        (StepKind.SIGN, StepRole.CLERK),
        (StepKind.RETURN, StepRole.ONE_STOP_OFFICER),
    ]
    return [
        StepInput(kind=k, role=r, unit=unit, hours=h)
        for (k, r), h in zip(kinds, hours, strict=True)
    ]


def counts():
    return (
        ProcessTemplate.objects.count(),
        ProcessStep.objects.count(),
        AuditEvent.objects.count(),
    )


def test_step_roles_are_account_roles():
    assert set(StepRole.values) <= set(Role.values)
    assert set(StepRole.values) == {"one_stop_officer", "specialist", "leader", "clerk"}


def test_template_within_the_legal_time_is_saved_and_audited(admin_a, commune_a):
    procedure = assigned(GIAM_HO, commune_a)
    template = svc.process_template_save(
        actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
    )
    assert template.is_active and template.revision == 1
    assert template.legal_hours == Decimal("24.00")
    assert template.total_hours == Decimal("24.00")
    steps = list(template.steps.order_by("position"))
    assert [s.kind for s in steps] == ["receive", "appraise", "approve", "sign", "return"]
    assert [s.position for s in steps] == [1, 2, 3, 4, 5]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "procedures.process_template_save"
    assert event.unit_id == commune_a.pk
    assert event.summary["code"] == GIAM_HO


def test_template_over_the_legal_time_is_refused_and_nothing_is_written(admin_a, commune_a):
    procedure = assigned(GIAM_HO, commune_a)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=standard_steps(commune_a, ("4", "12.5", "4", "2", "2")),
        )
    message = str(exc.value.message)
    assert "24,5" in message and "vượt 0,5 giờ" in message and "3 ngày làm việc" in message
    assert counts() == before


def test_saving_again_replaces_the_steps_and_keeps_one_active(admin_a, commune_a):
    procedure = assigned(KHAI_TU_LUU_DONG, commune_a)
    first = svc.process_template_save(
        actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
    )
    second = svc.process_template_save(
        actor=admin_a,
        unit=commune_a,
        procedure=procedure,
        steps=standard_steps(commune_a, ("8", "16", "8", "4", "4")),
    )
    first.refresh_from_db()
    assert not first.is_active and second.is_active and second.revision == 2
    assert ProcessTemplate.objects.filter(is_active=True).count() == 1
    assert svc.active_template(unit=commune_a, procedure=procedure) == second
    assert second.total_hours == Decimal("40.00") == second.legal_hours
    # a refused save leaves the active template as it was
    with pytest.raises(ValidationFailed):
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=standard_steps(commune_a, ("8", "16", "8", "4", "4.01")),
        )
    assert svc.active_template(unit=commune_a, procedure=procedure) == second


def test_the_shortest_channel_time_is_the_limit(admin_a, commune_a):
    procedure = assigned(
        GIAM_HO,
        commune_a,
        methods=[
            (Channel.DIRECT, "3", TimeUnit.WORKING_DAY),
            (Channel.ONLINE, "2.5", TimeUnit.WORKING_DAY),
            (Channel.POSTAL, "1", TimeUnit.WORKING_DAY),  # postal is not a limit
        ],
    )
    assert svc.legal_time(procedure).hours == Decimal("20.00")
    with pytest.raises(ValidationFailed, match="vượt 4 giờ"):
        svc.process_template_save(
            actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
        )


def test_calendar_days_count_only_the_working_days_they_surely_hold(admin_a, commune_a):
    procedure = assigned(NHAN_CHA_ME_CON_NN, commune_a)  # 10 ngày: at least 6 working days
    assert svc.legal_time(procedure).hours == Decimal("48")
    svc.process_template_save(
        actor=admin_a,
        unit=commune_a,
        procedure=procedure,
        steps=standard_steps(commune_a, ("4", "30", "8", "4", "2")),
    )
    with pytest.raises(ValidationFailed, match="vượt 0,01 giờ"):
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=standard_steps(commune_a, ("4", "30", "8", "4", "2.01")),
        )


@pytest.mark.parametrize(
    ("amount", "unit", "hours"),
    [
        ("3", TimeUnit.WORKING_DAY, "24"),
        ("0.5", TimeUnit.WORKING_DAY, "4"),
        ("8", TimeUnit.HOUR, "8"),
        ("2", TimeUnit.DAY, "0"),  # a weekend may take both days
        ("7", TimeUnit.DAY, "40"),
        ("10", TimeUnit.DAY, "48"),
        ("15", TimeUnit.DAY, "80"),
        ("20", TimeUnit.DAY, "112"),
        ("1", TimeUnit.MONTH, "160"),  # 28 days
    ],
)
def test_method_hours(amount, unit, hours):
    method = Method(channel=Channel.DIRECT, time_amount=Decimal(amount), time_unit=unit)
    assert svc.method_hours(method) == Decimal(hours)


def test_a_procedure_without_a_structured_time_cannot_get_a_template(admin_a, commune_a):
    procedure = assigned(KHAI_SINH, commune_a)
    assert svc.legal_time(procedure).hours is None
    before = counts()
    with pytest.raises(ValidationFailed, match="chưa có thời hạn giải quyết xác định"):
        svc.process_template_save(
            actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
        )
    assert counts() == before


def test_a_template_needs_the_procedure_assigned_to_the_unit(admin_a, commune_a):
    procedure = make_procedure(GIAM_HO)
    with pytest.raises(ValidationFailed, match="chưa được phân công"):
        svc.process_template_save(
            actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
        )
    assert not ProcessTemplate.objects.exists()


def test_transfer_steps_need_a_receiving_unit(admin_a, commune_a, province):
    procedure = assigned(KHAI_TU_LUU_DONG, commune_a)
    department = unit_create(
        actor=None, name="Sở Tư pháp", kind=UnitKind.DEPARTMENT, parent=province, audit=False
    )
    receive = StepInput(StepKind.RECEIVE, StepRole.ONE_STOP_OFFICER, commune_a, "4")
    before = counts()
    bad_cases = [
        ([receive, StepInput(StepKind.TRANSFER, StepRole.CLERK, None, "4")], "đơn vị nhận"),
        ([receive, StepInput(StepKind.TRANSFER, StepRole.CLERK, commune_a, "4")], "phải khác"),
        # acting at another unit without a transfer first
        ([receive, StepInput(StepKind.APPRAISE, StepRole.SPECIALIST, department, "4")], "liên"),
    ]
    for steps, text in bad_cases:
        with pytest.raises(ValidationFailed, match=text):
            svc.process_template_save(
                actor=admin_a, unit=commune_a, procedure=procedure, steps=steps
            )
    assert counts() == before
    good = [
        receive,
        StepInput(StepKind.TRANSFER, StepRole.ONE_STOP_OFFICER, department, "2"),
        StepInput(StepKind.APPRAISE, StepRole.SPECIALIST, department, "16"),
        StepInput(StepKind.APPROVE, StepRole.LEADER, department, "8"),
        StepInput(StepKind.TRANSFER, StepRole.CLERK, commune_a, "2"),
        StepInput(StepKind.RETURN, StepRole.ONE_STOP_OFFICER, commune_a, "4"),
    ]
    template = svc.process_template_save(
        actor=admin_a, unit=commune_a, procedure=procedure, steps=good
    )
    assert [s.unit_id for s in template.steps.order_by("position")] == [
        commune_a.pk,
        department.pk,
        department.pk,
        department.pk,
        commune_a.pk,
        commune_a.pk,
    ]


def test_a_merged_unit_cannot_receive_a_transfer(admin_a, commune_a, commune_b):
    procedure = assigned(GIAM_HO, commune_a)
    commune_b.merged_into = commune_a
    commune_b.save(update_fields=["merged_into"])
    steps = [
        StepInput(StepKind.RECEIVE, StepRole.ONE_STOP_OFFICER, commune_a, "4"),
        StepInput(StepKind.TRANSFER, StepRole.CLERK, commune_b, "4"),
    ]
    with pytest.raises(ValidationFailed, match="hết hiệu lực hoặc đã sáp nhập"):
        svc.process_template_save(actor=admin_a, unit=commune_a, procedure=procedure, steps=steps)


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (StepKind.APPRAISE, "unit_admin"),
        (StepKind.APPRAISE, "system_admin"),
        (StepKind.APPRAISE, "<script>alert(1)</script>"),
        (StepKind.APPRAISE, "specialist' OR '1'='1"),
        (StepKind.APPRAISE, ""),
        ("delete", StepRole.SPECIALIST),
        ("", StepRole.SPECIALIST),
    ],
)
def test_kinds_and_roles_are_validated(admin_a, commune_a, kind, role):
    procedure = assigned(GIAM_HO, commune_a)
    before = counts()
    with pytest.raises(ValidationFailed):
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=[StepInput(kind=kind, role=role, unit=commune_a, hours="4")],
        )
    assert counts() == before


@pytest.mark.parametrize(
    "hours", ["0", "-1", "abc", "NaN", "Infinity", "1e400", "1.001", "", None, "１２"]
)
def test_step_hours_are_validated(admin_a, commune_a, hours):
    procedure = assigned(GIAM_HO, commune_a)
    with pytest.raises(ValidationFailed):
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=[StepInput(StepKind.RECEIVE, StepRole.ONE_STOP_OFFICER, commune_a, hours)],
        )
    assert not ProcessTemplate.objects.exists()


def test_empty_and_oversized_templates_are_refused(admin_a, commune_a):
    procedure = assigned(KHAI_TU_LUU_DONG, commune_a)
    one = StepInput(StepKind.APPRAISE, StepRole.SPECIALIST, commune_a, "0.5")
    for steps in ([], [one] * (svc.MAX_STEPS + 1)):
        with pytest.raises(ValidationFailed):
            svc.process_template_save(
                actor=admin_a, unit=commune_a, procedure=procedure, steps=steps
            )
    with pytest.raises(ValidationFailed, match="ghi chú"):
        svc.process_template_save(
            actor=admin_a,
            unit=commune_a,
            procedure=procedure,
            steps=[StepInput(StepKind.RECEIVE, StepRole.CLERK, commune_a, "1", "x" * 501)],
        )
    assert not ProcessTemplate.objects.exists()


def test_only_an_administrator_of_the_unit_may_save(make_official, commune_a, commune_b):
    procedure = assigned(GIAM_HO, commune_a)
    for user in (
        make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True),
        make_official(Role.LEADER, commune_a, include_subtree=True),
    ):
        with pytest.raises(Forbidden):
            svc.process_template_save(
                actor=user, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
            )
    assert not ProcessTemplate.objects.exists()


def test_database_refuses_bad_steps_and_two_active_templates(admin_a, commune_a):
    procedure = assigned(GIAM_HO, commune_a)
    template = svc.process_template_save(
        actor=admin_a, unit=commune_a, procedure=procedure, steps=standard_steps(commune_a)
    )
    bad_steps = [
        {"position": 1, "kind": "receive", "role": "clerk", "hours": Decimal("1")},  # dup
        {"position": 9, "kind": "receive", "role": "clerk", "hours": Decimal("0")},
        {"position": 9, "kind": "receive", "role": "clerk", "hours": Decimal("-2")},
        {"position": 9, "kind": "explode", "role": "clerk", "hours": Decimal("1")},
        {"position": 9, "kind": "receive", "role": "unit_admin", "hours": Decimal("1")},
    ]
    for fields in bad_steps:
        with pytest.raises(IntegrityError), transaction.atomic():
            ProcessStep.objects.create(template=template, unit=commune_a, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessTemplate.objects.create(
            unit=commune_a,
            procedure=procedure,
            revision=2,
            legal_hours=Decimal("24"),
            total_hours=Decimal("20"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessTemplate.objects.create(
            unit=commune_a,
            procedure=procedure,
            revision=3,
            is_active=False,
            legal_hours=Decimal("24"),
            total_hours=Decimal("25"),
        )
