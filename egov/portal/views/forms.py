"""Download of a procedure's form template (mẫu đơn, tờ khai): public, like the procedure page.

Only a template of the version in force is served, always as an attachment, with the content type
of its accepted kind (egov.procedures.form_templates), never one guessed from the file.
"""

from __future__ import annotations

from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from egov.procedures.form_templates import download_name, form_kind_of
from egov.procedures.models import Component, VersionAction


@require_safe
def component_template_download(request: HttpRequest, code: str, component_id: str) -> FileResponse:
    component = (
        Component.objects.select_related("version")
        .filter(
            pk=component_id,
            version__procedure__code=code,
            version__procedure__current=F("version_id"),
        )
        .exclude(version__action=VersionAction.RESCINDED)
        .only("template", "template_name", "name", "version__action")
        .first()
    )
    if component is None or not component.template:
        raise Http404
    kind = form_kind_of(component.template.name)
    if kind is None:
        raise Http404
    try:
        handle = component.template.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(component),
        content_type=kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
