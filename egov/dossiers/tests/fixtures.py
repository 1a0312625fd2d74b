"""Dossier test fixtures (registered for every test in the root conftest): a commune and a
provincial department that both handle a real procedure (đăng ký giám hộ, 3 working days), with their staff, their process templates (the commune's sends the dossier to
the department and back) and a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from egov.accounts.models import Role, UserKind
from egov.dossiers.applicants import ApplicantData
from egov.procedures import templates_services as tsvc
from egov.procedures.models import Channel, Component, OnlineLevel, StepKind, StepRole
from egov.procedures.templates_services import StepInput
from egov.procedures.tests.test_templates_data import make_procedure, real
from egov.units.models import UnitKind
from egov.units.services import unit_create
from egov.workcalendar.deadlines import VN_TZ

GIAM_HO = "1.004837"  # Thủ tục đăng ký giám hộ — 3 ngày làm việc


def vn(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


@dataclass
class World:
    province: Any
    commune: Any
    other_commune: Any
    department: Any
    procedure: Any
    staff: dict[str, Any]
    dept: dict[str, Any]
    other: dict[str, Any]
    citizen: Any
    stranger: Any


def _steps(unit, plan):
    return [StepInput(kind=k, role=r, unit=u or unit, hours=h) for k, r, u, h in plan]


@pytest.fixture
def world(province, commune_a, commune_b, make_official, make_user) -> World:
    department = unit_create(
        actor=None,
        name="Sở Thử Nghiệm",
        kind=UnitKind.DEPARTMENT,
        parent=province,
        audit=False,
    )
    procedure = make_procedure(GIAM_HO)
    for i, c in enumerate(real(GIAM_HO).get("components", [])):
        Component.objects.create(
            version=procedure.current,
            position=i,
            case=c.get("case", ""),
            name=c["name"],
            originals=c.get("originals", 0),
            copies=c.get("copies", 0),
        )
    for unit in (commune_a, commune_b, department):
        tsvc.assignment_set(
            actor=None,
            unit=unit,
            procedure=procedure,
            online_level=OnlineLevel.PARTIAL,
            channels=[Channel.DIRECT, Channel.ONLINE],
        )
    S, K = StepRole, StepKind
    tsvc.process_template_save(
        actor=None,
        unit=commune_a,
        procedure=procedure,
        steps=_steps(
            commune_a,
            [
                (K.RECEIVE, S.ONE_STOP_OFFICER, None, "1"),
                (K.APPRAISE, S.SPECIALIST, None, "6"),
                (K.TRANSFER, S.ONE_STOP_OFFICER, department, "1"),
                (K.APPRAISE, S.SPECIALIST, department, "4"),
                (K.TRANSFER, S.ONE_STOP_OFFICER, commune_a, "1"),
                (K.APPROVE, S.LEADER, commune_a, "2"),
                (K.SIGN, S.CLERK, commune_a, "1"),
                (K.RETURN, S.ONE_STOP_OFFICER, commune_a, "1"),
            ],
        ),
    )
    tsvc.process_template_save(
        actor=None,
        unit=department,
        procedure=procedure,
        steps=_steps(
            department,
            [
                (K.RECEIVE, S.ONE_STOP_OFFICER, None, "1"),
                (K.APPRAISE, S.SPECIALIST, None, "4"),
                (K.APPROVE, S.LEADER, None, "2"),
                (K.RETURN, S.ONE_STOP_OFFICER, None, "1"),
            ],
        ),
    )
    tsvc.process_template_save(
        actor=None,
        unit=commune_b,
        procedure=procedure,
        steps=tsvc.default_steps(commune_b, tsvc.legal_time(procedure).hours),
    )

    def staff_of(unit):
        return {
            "officer": make_official(Role.ONE_STOP_OFFICER, unit),
            "specialist": make_official(Role.SPECIALIST, unit),
            "leader": make_official(Role.LEADER, unit),
            "clerk": make_official(Role.CLERK, unit),
        }

    citizen = make_user(
        kind=UserKind.CITIZEN,
        full_name="Nguyễn Thị Lan",
        national_id="038190000123",
        phone="0912345678",
        email="lan@example.vn",
    )
    stranger = make_user(
        kind=UserKind.CITIZEN, full_name="Trần Văn Khác", national_id="038190000999"
    )
    return World(
        province=province,
        commune=commune_a,
        other_commune=commune_b,
        department=department,
        procedure=procedure,
        staff=staff_of(commune_a),
        dept=staff_of(department),
        other=staff_of(commune_b),
        citizen=citizen,
        stranger=stranger,
    )


@pytest.fixture
def applicant() -> ApplicantData:
    return ApplicantData(
        name="Lê Văn Hùng",
        id_number="038085001234",
        address="Thôn 1, Xã An Hòa",
        phone="0987654321",
        email="hung@example.vn",
    )
