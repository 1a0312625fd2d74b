"""Which procedures a unit handles: set, bulk set and remove, within the administrator's scope."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import IntegrityError, transaction

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.core.errors import Forbidden, ValidationFailed
from egov.procedures import templates_services as svc
from egov.procedures.models import (
    Assignment,
    Channel,
    OnlineLevel,
    ProcedureVersion,
    ProcessTemplate,
    StepKind,
    StepRole,
    VersionAction,
)
from egov.procedures.tests.test_templates_data import make_procedure

# Real commune procedures (shared/data/tthc/procedures.json).
CODES = ["1.004837", "1.000419", "1.004845", "1.001193"]


@pytest.fixture
def procedures(db):
    return [make_procedure(code) for code in CODES]


@pytest.fixture
def admin_a(make_official, commune_a):
    return make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)


def state():
    return (
        sorted(
            Assignment.objects.values_list(
                "unit_id", "procedure__code", "online_level", "full_process_eligible", "cutoff"
            )
        ),
        AuditEvent.objects.count(),
    )


def test_assignment_set_creates_then_updates_and_audits(admin_a, commune_a, procedures):
    first = svc.assignment_set(
        actor=admin_a,
        unit=commune_a,
        procedure=procedures[0],
        online_level=OnlineLevel.PARTIAL,
        channels=[Channel.ONLINE, Channel.DIRECT, Channel.DIRECT],
        cutoff=time(15),
    )
    assert first.channels == ["direct", "online"]
    assert AuditEvent.objects.order_by("-seq").first().action == "procedures.assignment_create"
    again = svc.assignment_set(
        actor=admin_a,
        unit=commune_a,
        procedure=procedures[0],
        online_level=OnlineLevel.FULL,
        full_process_eligible=True,
        channels=[Channel.ONLINE],
        cutoff=time(15),
    )
    assert again.pk == first.pk and again.online_level == "full"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "procedures.assignment_update"
    assert event.summary["online_level"] == ["partial", "full"]
    # the same values again: nothing changes, nothing is recorded
    before = state()
    svc.assignment_set(
        actor=admin_a,
        unit=commune_a,
        procedure=procedures[0],
        online_level=OnlineLevel.FULL,
        full_process_eligible=True,
        channels=[Channel.ONLINE],
        cutoff=time(15),
    )
    assert state() == before


def test_bulk_assignment_within_scope_is_one_audit_event_with_counts(
    admin_a, commune_a, procedures
):
    before = AuditEvent.objects.count()
    result = svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures[:3])
    assert result.as_dict()["created"] == 3
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "procedures.assignment_bulk_set"
    assert event.summary["created"] == 3 and event.unit_id == commune_a.pk
    result = svc.assignments_bulk_set(
        actor=admin_a,
        unit=commune_a,
        procedures=procedures,
        online_level=OnlineLevel.PARTIAL,
        channels=[Channel.DIRECT, Channel.ONLINE],
    )
    assert (result.created, result.updated, result.unchanged) == (1, 3, 0)
    assert set(Assignment.objects.values_list("online_level", flat=True)) == {"partial"}
    result = svc.assignments_bulk_set(
        actor=admin_a,
        unit=commune_a,
        procedures=procedures + procedures,  # duplicates count once
        online_level=OnlineLevel.PARTIAL,
        channels=[Channel.DIRECT, Channel.ONLINE],
    )
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)


def test_bulk_assignment_outside_scope_is_refused(make_official, commune_a, commune_b, procedures):
    admin_b = make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True)
    leader_a = make_official(Role.LEADER, commune_a, include_subtree=True)
    before = state()
    for user in (admin_b, leader_a):
        with pytest.raises(Forbidden):
            svc.assignments_bulk_set(actor=user, unit=commune_a, procedures=procedures)
        with pytest.raises(Forbidden):
            svc.assignment_set(actor=user, unit=commune_a, procedure=procedures[0])
    assert state() == before


def test_full_online_level_needs_eligibility(admin_a, commune_a, procedures):
    before = state()
    with pytest.raises(ValidationFailed, match="toàn trình"):
        svc.assignments_bulk_set(
            actor=admin_a,
            unit=commune_a,
            procedures=procedures,
            online_level=OnlineLevel.FULL,
            full_process_eligible=False,
            channels=[Channel.ONLINE],
        )
    assert state() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            unit=commune_a,
            procedure=procedures[0],
            online_level="full",
            full_process_eligible=False,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(unit=commune_a, procedure=procedures[0], online_level="max")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"online_level": "level4"},
        {"online_level": "<script>"},
        {"channels": ["fax"]},
        {"channels": "direct"},
        {"channels": ["direct'; DROP TABLE procedures_assignment; --"]},
        {"online_level": OnlineLevel.PARTIAL, "channels": [Channel.DIRECT]},
        {"online_level": OnlineLevel.NONE, "channels": [Channel.ONLINE]},
        {"cutoff": "15:00"},
    ],
)
def test_bad_values_are_refused_whole(admin_a, commune_a, procedures, kwargs):
    before = state()
    with pytest.raises(ValidationFailed):
        svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures, **kwargs)
    assert state() == before


def test_too_many_or_no_procedures_are_refused(admin_a, commune_a, procedures, monkeypatch):
    with pytest.raises(ValidationFailed, match="Chưa chọn"):
        svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=[])
    monkeypatch.setattr(svc, "MAX_BULK", 3)
    with pytest.raises(ValidationFailed, match="tối đa 3"):
        svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures)
    assert not Assignment.objects.exists()


def test_a_rescinded_procedure_is_not_assigned_and_the_batch_is_refused(
    admin_a, commune_a, procedures
):
    rescinded = procedures[1]
    ProcedureVersion.objects.filter(pk=rescinded.current_id).update(action=VersionAction.RESCINDED)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures)
    assert exc.value.errors == [
        {
            "row": 2,
            "column": "code",
            "message": f"Thủ tục {rescinded.code} không có phiên bản đang hiệu lực.",
        }
    ]
    assert state() == before


def test_a_dissolved_unit_gets_no_assignment(admin_a, commune_a, procedures):
    from datetime import date

    commune_a.valid_to = date(2025, 6, 30)
    commune_a.save(update_fields=["valid_to"])
    with pytest.raises(ValidationFailed, match="hết hiệu lực"):
        svc.assignment_set(actor=admin_a, unit=commune_a, procedure=procedures[0])


def test_remove_retires_the_template(admin_a, commune_a, procedures):
    svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures[:2])
    template = svc.process_template_save(
        actor=admin_a,
        unit=commune_a,
        procedure=procedures[0],
        steps=[svc.StepInput(StepKind.APPRAISE, StepRole.SPECIALIST, commune_a, "20")],
    )
    svc.assignment_remove(actor=admin_a, unit=commune_a, procedure=procedures[0])
    template.refresh_from_db()
    assert not template.is_active
    assert AuditEvent.objects.order_by("-seq").first().summary["templates_retired"] == 1
    with pytest.raises(ValidationFailed):
        svc.assignment_remove(actor=admin_a, unit=commune_a, procedure=procedures[0])
    result = svc.assignments_bulk_remove(actor=admin_a, unit=commune_a, procedures=procedures)
    assert (result.removed, result.unchanged) == (1, 3)
    assert not Assignment.objects.exists()
    assert ProcessTemplate.objects.filter(is_active=True).count() == 0


def test_remove_outside_scope_is_refused(make_official, admin_a, commune_a, commune_b, procedures):
    svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures)
    admin_b = make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True)
    before = state()
    with pytest.raises(Forbidden):
        svc.assignments_bulk_remove(actor=admin_b, unit=commune_a, procedures=procedures)
    with pytest.raises(Forbidden):
        svc.assignment_remove(actor=admin_b, unit=commune_a, procedure=procedures[0])
    assert state() == before
