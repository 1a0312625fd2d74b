"""Catalogue rows for the portal tests, built from REAL records of the national catalogue
(a few records of /work/shared/data/tthc/procedures.json copied to tthc_sample.json).

Until the catalogue importer is the way in, rows are written directly; the structured method
(time and fee) is read from the record's text only when it is unambiguous ("5 ngày làm việc",
"Miễn phí"); anything else is kept as text and flagged, as the importer does."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils.text import slugify

from egov.core.vntext import search_key
from egov.procedures.models import (
    Channel,
    Component,
    Field,
    LegalBasis,
    Method,
    Procedure,
    ProcedureVersion,
    TimeUnit,
)

SAMPLE = Path(__file__).with_name("tthc_sample.json")
RECORDS = {r["code"]: r for r in json.loads(SAMPLE.read_text(encoding="utf-8"))}

# Codes of the sample and what the tests rely on.
BIRTH_MOBILE = "1.003583"  # Hộ tịch, cấp xã, 5 ngày làm việc, Công dân Việt Nam
COPY_FROM_REGISTER = "2.000908"  # Chứng thực, 1 ngày làm việc, Tổ chức + Công dân
GOLD_IMPORT = "1.000107"  # Hoạt động ngoại hối, cấp tỉnh, 10 ngày làm việc, Doanh nghiệp
BIRTH_BORDER = "1.000110"  # Hộ tịch, no processing time, fees as free text
DEATH_MOBILE = "1.000419"  # Hộ tịch, 5 ngày làm việc

_TIME = re.compile(r"^(\d+(?:[.,]\d+)?) (ngày làm việc|ngày|giờ|tháng)$")
_UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "giờ": TimeUnit.HOUR,
    "tháng": TimeUnit.MONTH,
}


def field_for(name: str) -> Field:
    key = search_key(name)
    field, _created = Field.objects.get_or_create(
        name=name, defaults={"slug": slugify(key)[:255], "search_key": key}
    )
    return field


def make_procedure(code: str, *, with_template: bool = False) -> Procedure:
    """The procedure `code` of the sample, with its version in force."""
    r = RECORDS[code]
    procedure = Procedure.objects.create(code=code)
    flags: list[str] = []
    fees = r.get("fees", "")
    time_text = r.get("processing_time", "")
    if fees and fees != "Miễn phí":
        flags.append("fees_free_text")
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        decision_no=r.get("decision_no", ""),
        name=r["name"],
        levels=r["level"],
        field=field_for(r["field"]),
        subjects=r.get("subjects", ""),
        agency=r.get("agency", ""),
        result=r.get("result", ""),
        ministry=r.get("ministry", ""),
        fees_text=fees if "fees_free_text" in flags else "",
        processing_time_text=time_text if not _TIME.match(time_text) else "",
        flags=flags,
        portal_url=r.get("portal_url", ""),
        source=r.get("source", {}),
        name_key=search_key(r["name"]),
        search_text=search_key(f"{code} {r['name']} {r['field']}"),
    )
    match = _TIME.match(time_text)
    Method.objects.create(
        version=version,
        channel=Channel.DIRECT,
        time_amount=Decimal(match.group(1).replace(",", ".")) if match else None,
        time_unit=_UNITS[match.group(2)] if match else "",
        fee_vnd=0 if fees == "Miễn phí" else None,
        fee_text=fees if fees and fees != "Miễn phí" else "",
    )
    for i, c in enumerate(r.get("components", [])):
        component = Component(
            version=version,
            position=i,
            case=c.get("case", ""),
            name=c["name"],
            originals=c["originals"],
            copies=c["copies"],
        )
        if with_template and i == 0:
            component.template_name = "Tờ khai"
            component.template.save("to-khai.docx", ContentFile(b"PK\x03\x04 form"), save=False)
        component.save()
    for i, number in enumerate(r.get("legal_bases", [])):
        LegalBasis.objects.create(version=version, position=i, number=number)
    procedure.current = version
    procedure.save(update_fields=["current"])
    return procedure


def make_catalogue(*, with_template: bool = False) -> dict[str, Procedure]:
    catalogue = {code: make_procedure(code, with_template=with_template) for code in RECORDS}
    invalidate_search()
    return catalogue


def invalidate_search() -> None:
    """What the catalogue services do after each write; rows written here directly must too."""
    try:
        from egov.procedures.search import invalidate
    except ImportError:  # the placeholder selector keeps no index
        return
    invalidate()
