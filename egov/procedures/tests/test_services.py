"""Catalogue services: publish, amend on an effective date, rescind; audited; permission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from egov.audit.models import AuditEvent
from egov.core.errors import Forbidden, NotFound, ValidationFailed
from egov.procedures import services
from egov.procedures.models import Procedure, ProcedureVersion, VersionAction
from egov.procedures.tests.data import catalogue_admin, row_counts, sample_records

pytestmark = pytest.mark.django_db


def _record(code="1.012566"):
    return next(r for r in sample_records() if r["code"] == code)


def test_publish_computes_keys_and_current(make_user):
    admin = catalogue_admin(make_user)
    v = services.procedure_publish(actor=admin, data=_record())
    p = Procedure.objects.get(code="1.012566")
    assert p.current == v and v.action == VersionAction.PUBLISHED
    assert (
        v.name_key
        == "xac nhan so chung minh nhan dan 09 so so dinh danh ca nhan thuc hien tai cap xa"
    )
    # name, code, field, keywords, agency, result: folded words separated by one space
    assert v.search_text.startswith(v.name_key + " 1 012566 cap quan ly can cuoc cong an cap xa")
    assert "  " not in v.search_text and v.search_text == v.search_text.lower()
    event = AuditEvent.objects.get(action="procedures.publish")
    assert event.actor == admin and event.summary["code"] == "1.012566"


def test_amend_takes_effect_on_its_date_and_old_version_stays(make_user):
    admin = catalogue_admin(make_user)
    v1 = services.procedure_publish(actor=admin, data=_record())
    dossier_version_id = v1.pk  # what a dossier submitted today keeps
    today = timezone.localdate()
    changed = {**_record(), "processing_time": "5 ngày làm việc", "decision_no": "9999/QĐ-TEST"}
    v2 = services.procedure_amend(
        actor=admin, data=changed, effective_from=today + timedelta(days=10)
    )
    p = Procedure.objects.get(code="1.012566")
    assert p.current == v1  # not in force yet
    services.refresh_current(today=today + timedelta(days=9))
    p.refresh_from_db()
    assert p.current == v1
    services.refresh_current(today=today + timedelta(days=10))
    p.refresh_from_db()
    assert p.current == v2 and v2.action == VersionAction.AMENDED
    assert v2.methods.get().time_amount == 5
    v1_again = ProcedureVersion.objects.get(pk=dossier_version_id)
    assert v1_again.processing_time_text == "7 ngày làm việc"
    assert AuditEvent.objects.filter(action="procedures.amend").count() == 1


def test_amend_unknown_procedure_is_not_found(make_user):
    admin = catalogue_admin(make_user)
    with pytest.raises(NotFound):
        services.procedure_amend(actor=admin, data=_record())
    assert not Procedure.objects.exists()


def test_rescind_keeps_rows_and_clears_current(make_user):
    admin = catalogue_admin(make_user)
    v1 = services.procedure_publish(actor=admin, data=_record())
    before = row_counts()
    rescinding = services.procedure_rescind(actor=admin, code="1.012566", decision_no="1/QĐ-BAIBO")
    p = Procedure.objects.get(code="1.012566")
    assert p.current is None
    assert rescinding.action == VersionAction.RESCINDED
    assert ProcedureVersion.objects.filter(pk=v1.pk).exists()
    assert row_counts()["ProcedureVersion"] == before["ProcedureVersion"] + 1
    assert AuditEvent.objects.filter(action="procedures.rescind").count() == 1
    # re-importing the old content does not bring it back
    from egov.procedures.services import catalogue_import

    result = catalogue_import(actor=None, records=[_record()])
    assert result.unchanged == 1
    p.refresh_from_db()
    assert p.current is None


def test_rescind_in_the_future_keeps_current_until_then(make_user):
    admin = catalogue_admin(make_user)
    v1 = services.procedure_publish(actor=admin, data=_record())
    later = timezone.localdate() + timedelta(days=30)
    services.procedure_rescind(
        actor=admin, code="1.012566", decision_no="2/QĐ-BAIBO", effective_from=later
    )
    assert Procedure.objects.get(code="1.012566").current == v1
    services.refresh_current(today=later)
    assert Procedure.objects.get(code="1.012566").current is None


def test_rescind_refuses_unknown_code_and_blank_decision(make_user):
    admin = catalogue_admin(make_user)
    with pytest.raises(NotFound):
        services.procedure_rescind(actor=admin, code="9.999999", decision_no="1/QĐ")
    services.procedure_publish(actor=admin, data=_record())
    with pytest.raises(ValidationFailed):
        services.procedure_rescind(actor=admin, code="1.012566", decision_no="  ")
    assert Procedure.objects.get(code="1.012566").current is not None


def test_writes_need_catalogue_manage(make_official, commune_a):
    from egov.accounts.models import Role

    for role in (Role.UNIT_ADMIN, Role.LEADER):
        user = make_official(role, commune_a, include_subtree=True, username=f"u-{role}")
        before = row_counts()
        with pytest.raises(Forbidden):
            services.procedure_publish(actor=user, data=_record())
        with pytest.raises(Forbidden):
            services.procedure_rescind(actor=user, code="1.012566", decision_no="1/QĐ")
        assert row_counts() == before


def test_publish_validates_like_the_import(make_user):
    admin = catalogue_admin(make_user)
    with pytest.raises(ValidationFailed) as exc:
        services.procedure_publish(actor=admin, data={**_record(), "code": "1.01256"})
    assert exc.value.errors[0]["column"] == "code"
    assert not Procedure.objects.exists()


def test_extra_fields_and_keywords_go_into_search_text(make_user):
    admin = catalogue_admin(make_user)
    v = services.procedure_publish(
        actor=admin, data=_record(), extra={"keywords": "CMND 9 số", "flags": ["added_by_hand"]}
    )
    assert "cmnd 9 so" in v.search_text
    assert "added_by_hand" in v.flags


# --- admin: read-only, system administrators only ------------------------------------------------


def test_admin_lists_and_shows_the_catalogue_to_system_admins_only(
    client, settings, make_user, make_official, commune_a
):
    from egov.accounts.models import Role

    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    admin = catalogue_admin(make_user)
    v = services.procedure_publish(actor=admin, data=_record())
    p = v.procedure
    client.force_login(admin)
    listing = client.get("/admin/procedures/procedure/?q=1.012566")
    assert listing.status_code == 200
    assert "Xác nhận số chứng minh nhân dân" in listing.content.decode()
    detail = client.get(f"/admin/procedures/procedure/{p.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "4864/QĐ-BCA-C06" in body and "7 ngày làm việc" in body
    assert 'name="_save"' not in body  # read-only
    assert client.get(f"/admin/procedures/procedureversion/{v.pk}/change/").status_code == 200
    assert client.get("/admin/procedures/procedure/add/").status_code == 403
    before = row_counts()
    client.post(f"/admin/procedures/procedure/{p.pk}/delete/", {"post": "yes"})
    assert row_counts() == before

    unit_admin = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True, username="qt.a")
    client.force_login(unit_admin)
    assert client.get("/admin/procedures/procedure/").status_code == 403
    assert client.get(f"/admin/procedures/procedure/{p.pk}/change/").status_code in (403, 404)
    assert "procedures/procedure" not in client.get("/admin/").content.decode()


def test_daily_job_puts_a_dated_version_in_force_and_audits_it(db):
    from datetime import date, timedelta

    from egov.audit.models import AuditEvent
    from egov.procedures import tasks
    from egov.procedures.services import procedure_amend, versions_take_effect
    from egov.procedures.tests.test_templates_data import make_procedure, real

    procedure = make_procedure("1.004837")
    first = procedure.current
    record = {
        **real("1.004837"),
        "name": "Thủ tục đăng ký giám hộ (bản mới)",
        "decision_no": "1/QĐ-THU",
    }
    later = date.today() + timedelta(days=3)
    procedure_amend(actor=None, data=record, effective_from=later)
    procedure.refresh_from_db()
    assert procedure.current == first  # not yet in force
    tasks.versions_take_effect.delay()  # eager in the embedded default: today, nothing changes
    assert versions_take_effect(today=later - timedelta(days=1)) == 0
    assert not AuditEvent.objects.filter(action="procedures.versions_take_effect").exists()
    assert versions_take_effect(today=later) == 1
    procedure.refresh_from_db()
    assert procedure.current.name == "Thủ tục đăng ký giám hộ (bản mới)"
    event = AuditEvent.objects.get(action="procedures.versions_take_effect")
    assert event.summary["codes"] == ["1.004837"]
