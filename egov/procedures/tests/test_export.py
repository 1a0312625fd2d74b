"""Export in the national shape (JSON, XLSX) and the round trip import -> export -> import."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from egov.procedures import services
from egov.procedures.importers.export import export_json, export_xlsx
from egov.procedures.importers.national import import_json_bytes
from egov.procedures.importers.xlsx import import_xlsx_bytes, parse_xlsx_bytes
from egov.procedures.tests.data import row_counts, sample_bytes, sample_records

pytestmark = pytest.mark.django_db


def test_json_round_trip_changes_nothing():
    import_json_bytes(actor=None, data=sample_bytes())
    exported = export_json()
    assert json.loads(exported) == sample_records()
    before = row_counts()
    result = import_json_bytes(actor=None, data=exported)
    assert result.created == result.amended == []
    before["AuditEvent"] += 1
    assert row_counts() == before


def test_rescinded_procedures_are_not_exported():
    import_json_bytes(actor=None, data=sample_bytes())
    services.procedure_rescind(actor=None, code="1.012566", decision_no="1/QĐ-BAIBO")
    codes = [r["code"] for r in json.loads(export_json())]
    assert "1.012566" not in codes and len(codes) == len(sample_records()) - 1


def test_xlsx_round_trip():
    from openpyxl import load_workbook

    import_json_bytes(actor=None, data=sample_bytes())
    data = export_xlsx()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["thu_tuc", "thanh_phan_ho_so"]
    assert parse_xlsx_bytes(data) == sample_records()
    before = row_counts()
    result = import_xlsx_bytes(actor=None, data=data)
    assert result.created == result.amended == []
    before["AuditEvent"] += 1
    assert row_counts() == before


def test_xlsx_import_into_an_empty_catalogue():
    import_json_bytes(actor=None, data=sample_bytes())
    data = export_xlsx()
    records = parse_xlsx_bytes(data)
    assert len(records) == len(sample_records())


def test_export_command(tmp_path):
    import_json_bytes(actor=None, data=sample_bytes())
    out = tmp_path / "catalogue.xlsx"
    call_command("export_procedures", str(out))
    assert parse_xlsx_bytes(out.read_bytes()) == sample_records()
    out_json = tmp_path / "catalogue.json"
    call_command("export_procedures", str(out_json))
    assert json.loads(out_json.read_text(encoding="utf-8")) == sample_records()
