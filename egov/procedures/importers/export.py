"""Export of the catalogue in the national shape: the version in force of every procedure that
has one (rescinded procedures are not exported), ordered by code. Importing the export again
changes nothing."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import F

from egov.procedures.models import ProcedureVersion
from egov.procedures.services import record_of, with_children


def current_records() -> list[dict[str, Any]]:
    qs = with_children(ProcedureVersion.objects.filter(procedure__current=F("pk")))
    return [record_of(v) for v in qs.order_by("procedure__code")]


def export_json() -> bytes:
    text = json.dumps(current_records(), ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def export_xlsx() -> bytes:
    from egov.procedures.importers.xlsx import records_to_xlsx

    return records_to_xlsx(current_records())
