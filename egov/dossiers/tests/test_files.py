"""Files of a dossier: only inspected files are kept; who may add them and when."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from egov.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from egov.dossiers import services
from egov.dossiers.models import DossierFile
from egov.uploads.tests.samples import pdf_bytes


def _draft(world):
    return services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)


def _stored_files() -> list[str]:
    try:
        _dirs, _files = default_storage.listdir("dossiers/files")
    except FileNotFoundError:
        return []
    found = []
    stack = ["dossiers/files/" + d for d in _dirs]
    while stack:
        here = stack.pop()
        dirs, files = default_storage.listdir(here)
        stack += [f"{here}/{d}" for d in dirs]
        found += [f"{here}/{f}" for f in files]
    return found


def test_applicant_attaches_a_real_pdf_and_it_counts_as_provided(world):
    d = _draft(world)
    component = d.components.order_by("position").last()
    row = services.component_attach(
        actor=world.citizen, dossier_id=d.pk, component_id=component.pk,
        upload=ContentFile(pdf_bytes()), declared_name="giấy khai sinh.pdf",
    )  # fmt: skip
    assert row.content_type == "application/pdf" and len(row.sha256) == 64
    assert row.name == "giấy khai sinh.pdf"
    assert "giấy khai sinh" not in row.file.name  # stored under a generated name
    component.refresh_from_db()
    assert component.provided
    assert default_storage.exists(row.file.name)


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"<html><script>alert(1)</script></html>", "to-khai.pdf", "type_mismatch"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>",
            "a.svg",
            "forbidden_type",
        ),
        (b"", "rong.pdf", "empty"),
        (pdf_bytes(), "../../etc/passwd.pdf", "bad_name"),
        (b"MZ\x90\x00" + b"\x00" * 100, "chuong-trinh.pdf", "type_mismatch"),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_kept(world, content, name, code):
    d = _draft(world)
    before = _stored_files()
    with pytest.raises(ValidationFailed) as exc:
        services.component_attach(
            actor=world.citizen, dossier_id=d.pk, component_id=d.components.first().pk,
            upload=ContentFile(content), declared_name=name,
        )  # fmt: skip
    assert exc.value.code == code
    assert DossierFile.objects.count() == 0 and _stored_files() == before


def test_who_may_attach_and_when(world, applicant):
    d = _draft(world)
    pdf = pdf_bytes()
    with pytest.raises(NotFound):
        services.component_attach(
            actor=world.stranger, dossier_id=d.pk, component_id=d.components.first().pk,
            upload=ContentFile(pdf), declared_name="a.pdf",
        )  # fmt: skip
    with pytest.raises(ValidationFailed):  # a component of another dossier
        other = _draft(world)
        services.component_attach(
            actor=world.citizen, dossier_id=d.pk, component_id=other.components.first().pk,
            upload=ContentFile(pdf), declared_name="a.pdf",
        )  # fmt: skip
    d.components.update(provided=True)
    d.refresh_from_db()
    d = services.submit(actor=world.citizen, dossier_id=d.pk, expected_version=d.row_version)
    with pytest.raises(Conflict):
        services.component_attach(
            actor=world.citizen, dossier_id=d.pk, component_id=d.components.first().pk,
            upload=ContentFile(pdf), declared_name="a.pdf",
        )  # fmt: skip
    # the one-stop officer scans papers at the counter; a sibling commune's officer may not
    row = services.component_attach(
        actor=world.staff["officer"], dossier_id=d.pk, component_id=d.components.first().pk,
        upload=ContentFile(pdf), declared_name="ban-quet.pdf",
    )  # fmt: skip
    assert row.uploaded_by == world.staff["officer"]
    with pytest.raises(Forbidden):
        services.component_attach(
            actor=world.other["officer"], dossier_id=d.pk, component_id=d.components.first().pk,
            upload=ContentFile(pdf), declared_name="ban-quet.pdf",
        )  # fmt: skip


def test_applicant_removes_a_file_from_the_draft(world):
    d = _draft(world)
    component = d.components.first()
    row = services.component_attach(
        actor=world.citizen, dossier_id=d.pk, component_id=component.pk,
        upload=ContentFile(pdf_bytes()), declared_name="a.pdf",
    )  # fmt: skip
    with pytest.raises(NotFound):
        services.component_file_remove(actor=world.stranger, dossier_id=d.pk, file_id=row.pk)
    services.component_file_remove(actor=world.citizen, dossier_id=d.pk, file_id=row.pk)
    component.refresh_from_db()
    assert not component.provided and DossierFile.objects.count() == 0


def test_result_file_must_be_a_real_pdf(world, applicant):
    from egov.dossiers.services import ComponentInput

    d = services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=[
            ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
        ],
    )  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.attach_result(
            actor=world.staff["clerk"], dossier_id=d.pk, expected_version=None,
            file=ContentFile(b"%PDF-1.7 not really"), name="kq.pdf",
        )  # fmt: skip
    with pytest.raises(ValidationFailed):  # a real image is not a result document
        from egov.uploads.tests.samples import image_bytes

        services.attach_result(
            actor=world.staff["clerk"], dossier_id=d.pk, expected_version=None,
            file=ContentFile(image_bytes("PNG")), name="kq.png",
        )  # fmt: skip
    d = services.attach_result(
        actor=world.staff["clerk"], dossier_id=d.pk, expected_version=None,
        file=ContentFile(pdf_bytes()), name="kq.pdf",
    )  # fmt: skip
    assert d.result_file.name.endswith(".pdf")
