"""XLSX import: same validation as JSON, formula injection, malformed and oversized files."""

from __future__ import annotations

import io
import zipfile

import pytest

from egov.core.errors import ValidationFailed
from egov.procedures.importers.xlsx import (
    COMP_COLUMNS,
    PROC_COLUMNS,
    escape_cell,
    import_xlsx_bytes,
    parse_xlsx_bytes,
    records_to_xlsx,
)
from egov.procedures.models import Procedure
from egov.procedures.tests.data import row_counts, sample_records

pytestmark = pytest.mark.django_db


def _workbook(proc_rows, comp_rows=(), proc_header=PROC_COLUMNS) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "thu_tuc"
    ws.append(list(proc_header))
    for r in proc_rows:
        ws.append(r)
    wc = wb.create_sheet("thanh_phan_ho_so")
    wc.append(COMP_COLUMNS)
    for r in comp_rows:
        wc.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row(**values):
    base = {"code": "1.012566", "name": "Xác nhận số định danh", "field": "Hộ tịch", "level": "xa"}
    base.update(values)
    return [base.get(c) for c in PROC_COLUMNS]


def test_minimal_workbook_imports():
    data = _workbook([_row()], [["1.012566", "Tờ khai", 1, 0, None]])
    import_xlsx_bytes(actor=None, data=data)
    v = Procedure.objects.get(code="1.012566").current
    assert v.components.get().name == "Tờ khai"
    assert v.levels == ["xa"]


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_injection_refused_with_row_and_column(payload):
    before = row_counts()
    data = _workbook([_row(), _row(code="1.000005", agency=payload)])
    with pytest.raises(ValidationFailed) as exc:
        import_xlsx_bytes(actor=None, data=data)
    assert {"row": 3, "column": "agency", "sheet": "thu_tuc"}.items() <= exc.value.errors[0].items()
    assert row_counts() == before


def test_formula_in_component_sheet_refused():
    data = _workbook([_row()], [["1.012566", "=1+2", 1, 0, None]])
    with pytest.raises(ValidationFailed) as exc:
        parse_xlsx_bytes(data)
    e = exc.value.errors[0]
    assert (e["row"], e["column"], e["sheet"]) == (2, "name", "thanh_phan_ho_so")


def test_export_escapes_formula_like_text_and_import_restores_it():
    records = [{**sample_records()[0], "agency": "=cmd|' /C calc'!A0", "result": "'quoted"}]
    data = records_to_xlsx(records)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data))["thu_tuc"]
    agency = ws.cell(row=2, column=PROC_COLUMNS.index("agency") + 1)
    assert agency.data_type == "s" and agency.value == "'=cmd|' /C calc'!A0"
    assert parse_xlsx_bytes(data)[0]["agency"] == "=cmd|' /C calc'!A0"
    assert parse_xlsx_bytes(data)[0]["result"] == "'quoted"
    assert escape_cell("-5") == "'-5" and escape_cell("Hộ tịch") == "Hộ tịch"


def test_same_validation_as_json():
    before = row_counts()
    data = _workbook(
        [_row(), _row(code="1.12345"), _row(code="1.012566"), _row(code="1.000005", name=None)],
        [["1.012566", "Tờ khai", "hai", 0, None]],
    )
    with pytest.raises(ValidationFailed) as exc:
        import_xlsx_bytes(actor=None, data=data)
    found = {(e["sheet"], e["row"], e["column"]) for e in exc.value.errors}
    assert ("thu_tuc", 3, "code") in found  # wrong format
    assert ("thu_tuc", 4, "code") in found  # duplicated
    assert ("thu_tuc", 5, "name") in found  # missing
    assert ("thanh_phan_ho_so", 2, "components[1].originals") in found
    assert row_counts() == before


def test_unknown_and_missing_columns():
    data = _workbook([["1.012566", "x"]], proc_header=["code", "ten_thu_tuc"])
    with pytest.raises(ValidationFailed) as exc:
        parse_xlsx_bytes(data)
    found = {(e["row"], e["column"]) for e in exc.value.errors}
    assert (1, "ten_thu_tuc") in found and (1, "name") in found


def test_components_of_an_unknown_code_refused():
    data = _workbook([_row()], [["1.999999", "Tờ khai", 1, 0, None]])
    with pytest.raises(ValidationFailed) as exc:
        parse_xlsx_bytes(data)
    assert exc.value.errors[0]["row"] == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a zip at all",
        b"PK\x03\x04broken",
        b"code,name\n1.012566,x\n",
    ],
)
def test_not_an_xlsx(data):
    with pytest.raises(ValidationFailed, match="XLSX"):
        parse_xlsx_bytes(data)


def test_zip_without_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "x")
    with pytest.raises(ValidationFailed, match="XLSX"):
        parse_xlsx_bytes(buf.getvalue())


def test_zip_bomb_refused_before_reading():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 200_000
    with pytest.raises(ValidationFailed, match="quá lớn"):
        parse_xlsx_bytes(data)


def test_oversized_file_refused(monkeypatch):
    from egov.procedures.importers import xlsx

    monkeypatch.setattr(xlsx, "MAX_BYTES", 100)
    with pytest.raises(ValidationFailed, match="lớn quá"):
        parse_xlsx_bytes(_workbook([_row()]))


def test_too_many_rows_refused(monkeypatch):
    from egov.procedures.importers import xlsx

    monkeypatch.setattr(xlsx, "MAX_RECORDS", 2)
    rows = [_row(code=f"1.00000{i}") for i in range(5)]
    with pytest.raises(ValidationFailed, match="quá 2 dòng"):
        parse_xlsx_bytes(_workbook(rows))
