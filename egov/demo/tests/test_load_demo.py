"""The demo loader: real Thanh Hóa data, every role, idempotent, never outside DEBUG."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from egov.accounts import policy
from egov.accounts.models import Role, RoleGrant, User
from egov.audit.models import AuditEvent
from egov.demo import services
from egov.demo.forms import DEMO_FORMS
from egov.procedures.models import Procedure, ProcedureVersion
from egov.procedures.tests.data import SAMPLE, sample_records
from egov.units.models import Unit, UnitKind, UnitSuccession


def test_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not Unit.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_loads_thanh_hoa_with_history_and_every_role_once(settings, capsys, monkeypatch, tmp_path):
    settings.DEBUG = True
    # a small real extract of the catalogue (the full file is imported in the procedures tests)
    monkeypatch.setenv("EGOV_TTHC_DATA", str(SAMPLE))
    # no form files: every listed form is reported as missing, none is made up
    monkeypatch.setenv("EGOV_DEMO_FORMS_DIR", str(tmp_path))
    call_command("load_demo")
    out = capsys.readouterr().out
    assert services.DEMO_PASSWORD in out
    assert "Xã Lưu Vệ" in out
    assert f"0 thành phần hồ sơ có mẫu; {len(DEMO_FORMS)} mẫu chưa có tệp" in out

    province = Unit.objects.get(code="38", valid_to__isnull=True)
    assert province.name == "Tỉnh Thanh Hóa"
    live_communes = Unit.objects.filter(
        parent=province,
        valid_to__isnull=True,
        kind__in=[UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE],
    )
    assert live_communes.count() == 166
    # the former Quảng Xương district is history, its communes merged into today's communes
    district = Unit.objects.get(code="406", valid_to__isnull=False)
    assert district.kind == UnitKind.DISTRICT
    quang_duc = Unit.objects.get(code="16453", valid_to__isnull=False)
    luu_ve = Unit.objects.get(code="16438", valid_to__isnull=True)
    assert quang_duc.parent == district
    assert quang_duc.merged_into == luu_ve
    assert UnitSuccession.objects.filter(predecessor=quang_duc, successor=luu_ve).exists()
    # a leader of Lưu Vệ finds the old communes' records under Lưu Vệ
    leader = User.objects.get(username="ld.luuve")
    assert policy.has_perm_on(leader, policy.Perm.DOSSIER_APPROVE, quang_duc)
    # agencies and service centres
    assert Unit.objects.filter(parent=province, kind=UnitKind.DEPARTMENT).count() >= 10
    assert Unit.objects.filter(kind=UnitKind.SERVICE_CENTRE, parent=luu_ve).count() == 1
    # about 20 users covering every role
    assert User.objects.count() == len(services.DEMO_ACCOUNTS) >= 18
    assert set(RoleGrant.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="congdan1").check_password(services.DEMO_PASSWORD)

    # the real catalogue, imported through the import path
    assert Procedure.objects.filter(current__isnull=False).count() == len(sample_records())
    assert AuditEvent.objects.filter(action="procedures.import").count() == 1

    # Lưu Vệ offers its procedures online and has dossiers made through the services
    from egov.dossiers.models import Dossier

    luu_ve_dossiers = Dossier.objects.filter(receiving_unit=luu_ve)
    assert Procedure.objects.filter(process_templates__unit=luu_ve).exists()
    assert luu_ve_dossiers.count() == len(services.DEMO_APPLICANTS)
    assert all(d.code and d.due_at for d in luu_ve_dossiers)

    counts = (
        Dossier.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        UnitSuccession.objects.count(),
        ProcedureVersion.objects.count(),
    )
    call_command("load_demo", "--quiet-accounts")
    assert (
        Dossier.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        UnitSuccession.objects.count(),
        ProcedureVersion.objects.count(),
    ) == counts
    # the same file is not imported again
    assert AuditEvent.objects.filter(action="procedures.import").count() == 1
