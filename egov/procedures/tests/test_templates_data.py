"""Test data for process templates and assignments: real procedures from the shared dataset
(/work/shared/data/tthc/procedures.json), written directly as catalogue rows."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils.text import slugify

from egov.core import vntext
from egov.procedures.models import (
    Channel,
    Field,
    Method,
    Procedure,
    ProcedureVersion,
    TimeUnit,
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "tthc" / "procedures.json"
UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "giờ": TimeUnit.HOUR,
    "tháng": TimeUnit.MONTH,
}
SIMPLE_TIME = re.compile(r"^(\d+(?:[.,]\d+)?) (ngày làm việc|ngày|giờ|tháng)$")


@cache
def records() -> dict[str, dict]:
    with DATA.open(encoding="utf-8") as fh:
        return {r["code"]: r for r in json.load(fh)}


def real(code: str) -> dict:
    return records()[code]


def make_procedure(code: str, *, methods: list[tuple[str, str, str]] | None = None) -> Procedure:
    """The real procedure `code` as a current version. `methods` overrides its times with
    (channel, amount, unit) rows; by default the dataset's time is used for direct and online."""
    rec = real(code)
    field = Field.objects.filter(name=rec["field"]).first()
    if field is None:
        key = vntext.search_key(rec["field"])
        field = Field.objects.create(name=rec["field"], slug=slugify(key)[:255], search_key=key)
    procedure = Procedure.objects.create(code=code)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        name=rec["name"],
        levels=rec["level"],
        field=field,
        decision_no=rec.get("decision_no", ""),
        agency=rec.get("agency", ""),
        result=rec.get("result", ""),
        processing_time_text=rec.get("processing_time", ""),
        name_key=vntext.search_key(rec["name"]),
        search_text=vntext.search_key(f"{code} {rec['name']}"),
    )
    if methods is None:
        methods = []
        text = rec.get("processing_time") or ""
        match = SIMPLE_TIME.match(text)
        for channel in (Channel.DIRECT, Channel.ONLINE):
            if match:
                methods.append((channel, match.group(1).replace(",", "."), UNITS[match.group(2)]))
            elif text:
                Method.objects.create(version=version, channel=channel, time_text=text)
    for channel, amount, unit in methods:
        Method.objects.create(
            version=version, channel=channel, time_amount=Decimal(amount), time_unit=unit
        )
    procedure.current = version
    procedure.save(update_fields=["current"])
    return procedure
