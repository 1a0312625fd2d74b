"""Downloadable form templates (mẫu đơn, tờ khai) of a dossier component.

A form goes through the one upload gate (egov.uploads.inspect_upload) limited to the kinds a form
is published in (PDF, DOCX, ODT): the kind is told from the content, must match the extension, and
active content is refused. The content type served later comes from that kind, never from the file.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from egov.accounts import policy
from egov.audit.services import audit_record
from egov.core import vntext
from egov.core.errors import Forbidden, ValidationFailed
from egov.procedures.models import Component
from egov.uploads.formats import Kind, kinds_for_extension
from egov.uploads.services import inspect_upload

FORM_KINDS = ("pdf", "docx", "odt")


def form_kind_of(name: str) -> Kind | None:
    """The accepted kind of a stored form, by its extension, or None."""
    kinds = kinds_for_extension(PurePath(name).suffix.lower())
    return next((k for k in kinds if k.code in FORM_KINDS), None)


def download_name(component: Component) -> str:
    """The file name offered on download: the form's name, folded to ASCII, and its extension."""
    suffix = PurePath(component.template.name).suffix.lower()
    stem = slugify(vntext.search_key(component.template_name or component.name))[:80]
    return f"{stem or 'mau'}{suffix}"


def template_sha256(component: Component) -> str | None:
    """SHA-256 of the stored template of `component`, None when it has none or it is unreadable."""
    if not component.template:
        return None
    digest = hashlib.sha256()
    try:
        with component.template.open("rb") as fh:
            for chunk in iter(lambda: fh.read(64 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


@transaction.atomic
def component_template_set(
    *, actor: Any, component: Component, filename: str, content: bytes, template_name: str
) -> Component:
    """Give `component` the downloadable form `content` (declared as `filename`), named
    `template_name`. `actor` None is the system (demo loading); a person needs the catalogue
    management permission. Replaces any previous template of the component."""
    if actor is not None and not policy.has_perm_on(actor, policy.Perm.CATALOGUE_MANAGE, None):
        raise Forbidden(_("Bạn không có quyền quản lý danh mục thủ tục hành chính."))
    title = " ".join(template_name.split())[:255]
    if not title:
        raise ValidationFailed(_("Cần tên mẫu."), field="template_name")
    inspected = inspect_upload(io.BytesIO(content), filename, allowed=FORM_KINDS)

    locked = Component.objects.select_for_update().select_related("version__procedure")
    component = locked.get(pk=component.pk)
    previous = component.template.name if component.template else ""
    component.template.save(inspected.storage_name(), inspected.file, save=False)
    component.template_name = title
    component.save(update_fields=["template", "template_name"])
    shared = Component.objects.filter(template=previous).exclude(pk=component.pk).exists()
    if previous and previous != component.template.name and not shared:
        # an earlier or later version may show the same file (carried over): keep it then
        storage = component.template.storage
        transaction.on_commit(lambda: storage.delete(previous))
    audit_record(
        actor=actor,
        action="procedures.component_template_set",
        target=component.version.procedure,
        summary={
            "code": component.version.procedure.code,
            "version": component.version_id,
            "component": component.pk,
            "template_name": title,
            "file": inspected.safe_name,
            "kind": inspected.kind,
            "bytes": inspected.size,
            "sha256": inspected.sha256,
            "replaced": previous or None,
        },
    )
    return component
