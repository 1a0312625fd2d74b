"""Amending and rescinding a procedure from the office: a new version each time, audited, only
for catalogue managers; bad input changes nothing."""

from __future__ import annotations

import pytest

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.office.tests.test_home import login_verified
from egov.procedures.models import ProcedureVersion
from egov.procedures.tests.test_templates_data import make_procedure

CODE = "1.004837"  # Thủ tục đăng ký giám hộ (real)


@pytest.fixture
def manager(make_official, province):
    return make_official(Role.SYSTEM_ADMIN, None)


def _form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return {
        "do": "amend",
        "decision_no": "999/QĐ-THU",
        "name": "Thủ tục đăng ký giám hộ (sửa đổi)",
        "field": "Hộ tịch",
        "level": ["xa"],
        "processing_time": "3 ngày làm việc",
        "components": "Tờ khai đăng ký giám hộ | 1 | 0\nVăn bản cử người giám hộ | 1 | 0",
        "legal_bases": "60/2014/QH13\n123/2015/NĐ-CP",
    }


def test_manager_amends_and_the_new_version_is_in_force(client, manager):
    procedure = make_procedure(CODE)
    login_verified(client, manager)
    url = f"/office/catalogue/thu-tuc/{CODE}/"
    data = _form(client, url)
    response = client.post(url, data)
    assert response.status_code == 302
    procedure.refresh_from_db()
    current = procedure.current
    assert current.name == "Thủ tục đăng ký giám hộ (sửa đổi)"
    assert current.action == "amended" and current.decision_no == "999/QĐ-THU"
    assert [c.name for c in current.components.order_by("position")] == [
        "Tờ khai đăng ký giám hộ",
        "Văn bản cử người giám hộ",
    ]
    assert list(current.legal_bases.order_by("position").values_list("number", flat=True)) == [
        "60/2014/QH13",
        "123/2015/NĐ-CP",
    ]
    assert AuditEvent.objects.filter(action="procedures.amend").count() == 1
    assert ProcedureVersion.objects.filter(procedure=procedure).count() == 2
    portal = client.get(f"/thu-tuc/{CODE}/").content.decode()
    assert "(sửa đổi)" in portal


@pytest.mark.parametrize(
    "override",
    [
        {"components": "Tờ khai không có số bản"},
        {"name": ""},
        {"level": []},
        {"decision_no": "x" * 70},
        {"name": "A\x00B"},
    ],
)
def test_bad_amendment_changes_nothing(client, manager, override):
    make_procedure(CODE)
    login_verified(client, manager)
    url = f"/office/catalogue/thu-tuc/{CODE}/"
    data = {**_form(client, url), **override}
    before = (ProcedureVersion.objects.count(), AuditEvent.objects.count())
    response = client.post(url, data)
    assert response.status_code == 400
    assert (ProcedureVersion.objects.count(), AuditEvent.objects.count()) == before


def test_rescind_keeps_the_versions_and_the_portal_says_gone(client, manager):
    procedure = make_procedure(CODE)
    login_verified(client, manager)
    url = f"/office/catalogue/thu-tuc/{CODE}/"
    response = client.post(url, {"do": "rescind", "rescind_decision_no": "1000/QĐ-THU"})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.current is None
    assert ProcedureVersion.objects.filter(procedure=procedure).count() == 2
    assert client.get(f"/thu-tuc/{CODE}/").status_code == 410


def test_only_catalogue_managers(client, make_official, commune_a):
    make_procedure(CODE)
    for role in (Role.UNIT_ADMIN, Role.LEADER):
        login_verified(client, make_official(role, commune_a, include_subtree=True))
        assert client.get(f"/office/catalogue/thu-tuc/{CODE}/").status_code == 403
        assert (
            client.post(
                f"/office/catalogue/thu-tuc/{CODE}/", {"do": "rescind", "rescind_decision_no": "1"}
            ).status_code
            == 403
        )
    assert ProcedureVersion.objects.count() == 1
