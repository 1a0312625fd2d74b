"""Giving a dossier component its downloadable form: accepted types only, checked by content."""

from __future__ import annotations

import hashlib

import pytest

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.audit.models import AuditEvent
from egov.core.errors import Forbidden, ValidationFailed
from egov.portal.tests import factories as f
from egov.procedures.form_templates import component_template_set, form_kind_of, template_sha256
from egov.uploads.tests.samples import docx_bytes, odf_bytes, pdf_bytes, xlsx_bytes

DOCX = docx_bytes()
PDF = pdf_bytes()
ODT = odf_bytes()


@pytest.fixture
def component(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EGOV_VIRUS_SCAN_COMMAND = ""
    settings.EGOV_UPLOAD_MAX_BYTES = 1024 * 1024
    procedure = f.make_procedure(f.BIRTH_MOBILE)
    return procedure.current.components.order_by("position").first()


@pytest.fixture
def system_admin(make_user):
    user = make_user(kind=UserKind.OFFICIAL)
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


def _set(component, filename="mau.docx", content=DOCX, actor=None, name="Mẫu số 01"):
    return component_template_set(
        actor=actor, component=component, filename=filename, content=content, template_name=name
    )


@pytest.mark.parametrize(
    ("filename", "content", "label"),
    [("mau.docx", DOCX, "docx"), ("mau.pdf", PDF, "pdf"), ("MAU.ODT", ODT, "odt")],
)
def test_accepted_types_are_stored_with_their_name(component, filename, content, label):
    saved = _set(component, filename=filename, content=content)
    saved.refresh_from_db()
    assert saved.template_name == "Mẫu số 01"
    assert form_kind_of(saved.template.name).code == label
    assert "mau" not in saved.template.name.lower()  # a fresh storage name, not the user's
    assert template_sha256(saved) == hashlib.sha256(content).hexdigest()


def test_the_change_is_audited_last_with_the_file_hash(component):
    _set(component)
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == "procedures.component_template_set"
    assert event.summary["code"] == f.BIRTH_MOBILE
    assert event.summary["component"] == component.pk
    assert event.summary["sha256"] == hashlib.sha256(DOCX).hexdigest()


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("mau.pdf", b"<html><script>alert(1)</script></html>"),  # a page renamed .pdf
        ("mau.docx", PDF),  # content of another type
        ("mau.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"o" * 100),  # legacy .doc: refused
        ("mau.xlsx", xlsx_bytes()),  # an upload kind, but not a form kind
        ("mau.html", b"<html></html>"),
        ("mau.exe", b"MZ\x90\x00"),
        ("mau", DOCX),
        ("mau.docx", b""),
        (".docx", DOCX),
        ("mau\x00.docx", DOCX),
    ],
)
def test_refuses_what_is_not_an_accepted_form(component, filename, content):
    with pytest.raises(ValidationFailed):
        _set(component, filename=filename, content=content)
    component.refresh_from_db()
    assert not component.template
    assert not AuditEvent.objects.filter(action="procedures.component_template_set").exists()


def test_refuses_an_oversized_file(component, settings):
    settings.EGOV_UPLOAD_MAX_BYTES = len(DOCX) - 1
    with pytest.raises(ValidationFailed):
        _set(component)


def test_refuses_an_empty_name(component):
    with pytest.raises(ValidationFailed):
        _set(component, name="   ")


def test_a_path_in_the_filename_is_refused(component):
    with pytest.raises(ValidationFailed):
        _set(component, filename="../../etc/mau.docx")
    component.refresh_from_db()
    assert not component.template


def test_only_catalogue_managers_may_set_a_form(component, make_official, commune_a, system_admin):
    leader = make_official(Role.LEADER, commune_a, include_subtree=True)
    with pytest.raises(Forbidden):
        _set(component, actor=leader)
    unit_admin = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    with pytest.raises(Forbidden):
        _set(component, actor=unit_admin)
    assert _set(component, actor=system_admin).template


def test_replacing_a_form_removes_the_old_file(component, django_capture_on_commit_callbacks):
    first = _set(component, filename="cu.docx")
    old_name = first.template.name
    storage = first.template.storage
    with django_capture_on_commit_callbacks(execute=True):
        second = _set(component, filename="moi.pdf", content=PDF)
    assert second.template.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(second.template.name)


def test_a_new_version_keeps_the_forms_of_the_one_before(
    component, django_capture_on_commit_callbacks
):
    from egov.procedures import services

    first = _set(component)
    first.refresh_from_db()
    new_version = services.procedure_amend(actor=None, data=f.RECORDS[f.BIRTH_MOBILE])
    carried = new_version.components.get(case=first.case, name=first.name)
    assert (carried.template.name, carried.template_name) == (
        first.template.name,
        "Mẫu số 01",
    )
    # papers without a form stay without one
    assert new_version.components.exclude(pk=carried.pk).filter(template="").count() == (
        new_version.components.count() - 1
    )
    # replacing the form on the new version leaves the old version's file in place
    with django_capture_on_commit_callbacks(execute=True):
        replaced = _set(carried, filename="mau.pdf", content=PDF, name="Mẫu số 01 (mới)")
    replaced.refresh_from_db()
    assert replaced.template.name != first.template.name
    assert first.template.storage.exists(first.template.name)
    assert template_sha256(first) == hashlib.sha256(DOCX).hexdigest()
    # and replacing the old version's form too, once no version shares it, deletes the old file
    with django_capture_on_commit_callbacks(execute=True):
        _set(first, filename="mau.odt", content=ODT)
    assert not first.template.storage.exists(first.template.name)


def test_a_changed_paper_does_not_inherit_a_form(component):
    from egov.procedures import services

    _set(component)
    record = dict(f.RECORDS[f.BIRTH_MOBILE])
    record["components"] = [
        dict(c, name=c["name"] + " (sửa đổi)") for c in record.get("components", [])
    ]
    new_version = services.procedure_amend(actor=None, data=record)
    assert not new_version.components.exclude(template="").exists()
