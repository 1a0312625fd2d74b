"""The real catalogue: all 1,601 procedures of shared/data/tthc/procedures.json, once."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from egov.procedures.importers.export import current_records
from egov.procedures.importers.national import default_data_path, read_limited
from egov.procedures.models import Component, Field, Procedure
from egov.procedures.services import catalogue_import

pytestmark = pytest.mark.django_db


def test_full_real_catalogue_imports_fast_and_exports_identically():
    from egov.procedures.importers.national import parse_json_bytes

    data = read_limited(default_data_path())
    started = time.monotonic()
    records = parse_json_bytes(data)
    result = catalogue_import(actor=None, records=records, source_label="procedures.json")
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    assert len(result.created) == 1601 == Procedure.objects.count()
    assert Procedure.objects.filter(current__isnull=True).count() == 0
    assert Field.objects.count() == 123
    assert Component.objects.count() == 8761

    v = Procedure.objects.get(code="1.012566").current
    assert v.field.name == "Cấp, quản lý căn cước"
    assert v.levels == ["xa"]
    assert v.processing_time_text == "7 ngày làm việc"
    assert [(m.time_amount, m.time_unit) for m in v.methods.all()] == [
        (Decimal("7"), "working_day")
    ]
    assert v.ministry == "Bộ Công an"
    assert v.subjects == "Công dân Việt Nam"
    assert v.components.count() == 2

    # export = the published file, record for record
    assert current_records() == json.loads(data.decode("utf-8"))
    # and importing it again changes nothing
    again = catalogue_import(actor=None, records=records)
    assert again.created == [] and again.amended == [] and again.unchanged == 1601


def test_full_real_catalogue_round_trips_through_xlsx():
    from egov.procedures.importers.national import parse_json_bytes
    from egov.procedures.importers.xlsx import parse_xlsx_bytes, records_to_xlsx

    records = parse_json_bytes(read_limited(default_data_path()))
    data = records_to_xlsx(records)
    assert parse_xlsx_bytes(data) == records
