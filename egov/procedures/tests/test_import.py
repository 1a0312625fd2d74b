"""Import of the national JSON shape: real records, idempotency, bad input refused whole."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from egov.audit.models import AuditEvent
from egov.core.errors import Forbidden, ValidationFailed
from egov.procedures.importers.national import import_json_bytes, parse_json_bytes
from egov.procedures.models import Procedure, ProcedureVersion, TimeUnit
from egov.procedures.tests.data import catalogue_admin, row_counts, sample_bytes, sample_records

pytestmark = pytest.mark.django_db


def _dump(records) -> bytes:
    # ensure_ascii keeps a lone surrogate as the JSON escape "\\ud800" (what a hostile file holds)
    return json.dumps(records, ensure_ascii=True).encode("utf-8")


def test_imports_real_records_with_their_caveats():
    result = import_json_bytes(actor=None, data=sample_bytes(), source_label="sample")
    records = sample_records()
    assert len(result.created) == len(records) == Procedure.objects.count()
    p = Procedure.objects.get(code="1.012566")
    v = p.current
    assert v.name.startswith("Xác nhận số chứng minh nhân dân 09 số")
    assert v.field.name == "Cấp, quản lý căn cước"
    assert v.levels == ["xa"]
    assert v.agency == "Công an cấp Xã"
    assert v.decision_no == "4864/QĐ-BCA-C06"
    assert v.portal_url.startswith("https://dichvucong.gov.vn/")
    assert v.source["commit"] == "53229487610b07e0d7127f529b87c333f19aeb1e"
    assert [b.number for b in v.legal_bases.order_by("position")][:2] == [
        "70/2024/NĐ-CP",
        "18/2024/TT-BCA",
    ]
    (m,) = v.methods.all()
    assert (m.time_amount, m.time_unit) == (Decimal("7"), TimeUnit.WORKING_DAY)
    # "Miễn phí (Chưa quy định.)": kept as text, never turned into 0 đồng
    assert v.fees_text == "Miễn phí (Chưa quy định.)"
    assert m.fee_vnd is None
    assert "fees_free_text" in v.flags
    assert v.name_key.startswith("xac nhan so chung minh nhan dan 09 so")
    assert "1 012566" in v.search_text and "can cuoc" in v.search_text


def test_multi_channel_time_and_units():
    import_json_bytes(actor=None, data=sample_bytes())
    v = Procedure.objects.get(code="1.000028").current
    rows = sorted((m.channel, m.time_amount, m.time_unit) for m in v.methods.all())
    # "Trực tiếp: 1 ngày làm việc; Trực tuyến: 2 ngày làm việc / 1 ngày làm việc; Dịch vụ bưu
    # chính: 2 ngày làm việc / 1 ngày làm việc"
    assert rows == [
        ("direct", Decimal("1"), "working_day"),
        ("online", Decimal("1"), "working_day"),
        ("online", Decimal("2"), "working_day"),
        ("postal", Decimal("1"), "working_day"),
        ("postal", Decimal("2"), "working_day"),
    ]
    assert v.processing_time_text.startswith("Trực tiếp: 1 ngày làm việc;")
    v2 = Procedure.objects.get(code="1.002099").current
    assert {(m.channel, m.time_amount, m.time_unit) for m in v2.methods.all()} == {
        ("direct", Decimal("5"), "day"),
        ("online", Decimal("7"), "day"),
        ("postal", Decimal("7"), "day"),
    }
    hours = Procedure.objects.get(code="1.002372").current.methods.get()
    assert (hours.time_amount, hours.time_unit) == (Decimal("3"), TimeUnit.HOUR)
    months = Procedure.objects.get(code="1.001010").current.methods.get()
    assert (months.time_amount, months.time_unit) == (Decimal("6"), TimeUnit.MONTH)


def test_no_time_no_components_free_text_fees_and_amounts():
    import_json_bytes(actor=None, data=sample_bytes())
    no_time = Procedure.objects.get(code="1.000005").current
    assert not no_time.methods.exists()
    assert no_time.processing_time_text == ""
    assert "time_missing" in no_time.flags
    no_comp = Procedure.objects.get(code="1.000028").current
    assert not no_comp.components.exists()
    hdnd = Procedure.objects.get(code="1.000080").current
    assert hdnd.fees_text.startswith("Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân")
    assert "fees_free_text" in hdnd.flags
    amount = Procedure.objects.get(code="1.000802").current
    assert amount.fees_text == "500,000 Việt Nam Đồng"
    assert [m.fee_vnd for m in amount.methods.all()] == [500000]
    assert "fees_free_text" not in amount.flags
    # an amount with a note is not a plain amount; USD is not đồng
    noted = Procedure.objects.get(code="1.002099").current
    assert all(m.fee_vnd is None for m in noted.methods.all())
    assert "fees_free_text" in noted.flags
    usd = Procedure.objects.get(code="1.001010").current
    assert usd.methods.get().fee_vnd is None
    comps = list(Procedure.objects.get(code="1.000005").current.components.order_by("position"))
    assert len(comps) == 19
    assert comps[0].case == "1. Chứng từ phải nộp"
    assert (comps[0].originals, comps[0].copies) == (1, 0)


@pytest.mark.parametrize(
    ("text", "expected", "flag"),
    [
        ("2,5 ngày làm việc", [("direct", Decimal("2.5"), "working_day")], None),
        ("0.5 ngày", [("direct", Decimal("0.5"), "day")], None),
        ("15", [], "time_without_unit"),
        ("Trực tiếp: 15; Trực tuyến: 10 ngày", [], "time_unparsed"),
        ("3 năm", [], "time_unparsed"),
        ("Theo quy định", [], "time_without_unit"),
    ],
)
def test_time_parsing_rules(text, expected, flag):
    from egov.procedures.services import parse_processing_time

    parsed = parse_processing_time(text)
    assert [(c, a, u) for c, a, u in parsed.rows] == expected
    if flag:
        assert flag in parsed.flags


@pytest.mark.parametrize(
    ("text", "vnd"),
    [
        ("500,000 Việt Nam Đồng", 500000),
        ("20.000 đồng", 20000),
        ("20 VNĐ", None),  # under 1,000 đồng: the portal prints thousands this way, ambiguous
        ("Miễn phí", None),
        ("100 VNĐ (100.000 đồng/lần.)", None),
        ("25 USD", None),
        ("20,000 VNĐ; 50,000 VNĐ", None),
        ("1,00,000 VNĐ", None),
    ],
)
def test_fee_parsing_never_guesses(text, vnd):
    from egov.procedures.services import parse_fee

    amount, flags = parse_fee(text)
    assert amount == vnd
    assert (flags == []) == (vnd is not None)


def test_reimport_is_idempotent_and_a_change_is_a_new_version(django_assert_max_num_queries):
    import_json_bytes(actor=None, data=sample_bytes())
    before = row_counts()
    first_current = dict(Procedure.objects.values_list("code", "current_id"))
    result = import_json_bytes(actor=None, data=sample_bytes())
    assert result.created == [] and result.amended == []
    after = row_counts()
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1  # the run is audited
    assert after == before
    assert dict(Procedure.objects.values_list("code", "current_id")) == first_current

    records = sample_records()
    records[0]["name"] = records[0]["name"] + " (sửa đổi)"
    old_version = Procedure.objects.get(code=records[0]["code"]).current
    result = import_json_bytes(actor=None, data=_dump(records))
    assert result.amended == [records[0]["code"]] and result.created == []
    p = Procedure.objects.get(code=records[0]["code"])
    assert p.current != old_version and p.current.name.endswith("(sửa đổi)")
    assert p.current.action == "amended"
    assert ProcedureVersion.objects.filter(pk=old_version.pk).exists()  # kept
    event = AuditEvent.objects.filter(action="procedures.import").order_by("-seq").first()
    assert event.summary["amended"] == 1 and event.summary["unchanged"] == len(records) - 1


def test_refused_for_someone_without_catalogue_right(make_official, commune_a):
    from egov.accounts.models import Role

    unit_admin = make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)
    with pytest.raises(Forbidden):
        import_json_bytes(actor=unit_admin, data=sample_bytes())
    assert not Procedure.objects.exists()


def test_system_admin_may_import(make_user):
    admin = catalogue_admin(make_user)
    import_json_bytes(actor=admin, data=sample_bytes())
    event = AuditEvent.objects.get(action="procedures.import")
    assert event.actor == admin and event.summary["created"] == Procedure.objects.count()


def _bad(mutate):
    records = copy.deepcopy(sample_records())
    mutate(records)
    return _dump(records)


BAD_CASES = {
    "wrong code": (lambda r: r[1].update(code="1.12345"), 2, "code", "d.dddddd"),
    "code with letters": (lambda r: r[0].update(code="A.000005"), 1, "code", "d.dddddd"),
    "code sql": (lambda r: r[2].update(code="1.000028'; DROP TABLE x;--"), 3, "code", "d.dddddd"),
    "code not a string": (lambda r: r[0].update(code=1.000005), 1, "code", "d.dddddd"),
    "missing name": (lambda r: r[3].pop("name"), 4, "name", "Thiếu"),
    "blank name": (lambda r: r[3].update(name="   "), 4, "name", "Thiếu"),
    "missing field": (lambda r: r[0].pop("field"), 1, "field", "Thiếu"),
    "duplicated code": (lambda r: r[4].update(code=r[1]["code"]), 5, "code", "trùng với dòng 2"),
    "name not text": (lambda r: r[0].update(name=["x"]), 1, "name", "chuỗi"),
    "level unknown": (lambda r: r[0].update(level=["huyen"]), 1, "level", "không hợp lệ"),
    "level not list": (lambda r: r[0].update(level="xa"), 1, "level", "danh sách"),
    "copies negative": (
        lambda r: r[0]["components"][0].update(copies=-1),
        1,
        "components[1].copies",
        "0 đến 99",
    ),
    "originals text": (
        lambda r: r[0]["components"][1].update(originals="1"),
        1,
        "components[2].originals",
        "số nguyên",
    ),
    "originals bool": (
        lambda r: r[0]["components"][1].update(originals=True),
        1,
        "components[2].originals",
        "số nguyên",
    ),
    "component without name": (
        lambda r: r[0]["components"][0].pop("name"),
        1,
        "components[1].name",
        "Thiếu",
    ),
    "unknown key": (lambda r: r[5].update(extra="x"), 6, "extra", "không được hỗ trợ"),
    "decision too long": (lambda r: r[0].update(decision_no="9" * 65), 1, "decision_no", "64"),
    "name oversized": (lambda r: r[0].update(name="a" * 2001), 1, "name", "2000"),
    "script url": (
        lambda r: r[0].update(portal_url="javascript:alert(1)"),
        1,
        "portal_url",
        "http",
    ),
    "lone surrogate": (lambda r: r[0].update(name="ab\ud800"), 1, "name", "Unicode"),
    "record not object": (lambda r: r.__setitem__(2, "1.000028"), 3, "", "đối tượng"),
    "legal basis too long": (
        lambda r: r[0]["legal_bases"].append("x" * 65),
        1,
        f"legal_bases[{len(sample_records()[0]['legal_bases']) + 1}]",
        "64",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_record_refused_whole_with_row_and_column(case):
    mutate, row, column, words = BAD_CASES[case]
    import_json_bytes(actor=None, data=sample_bytes())
    before = row_counts()
    data = _bad(mutate)
    with pytest.raises(ValidationFailed) as exc:
        import_json_bytes(actor=None, data=data)
    assert any(
        e["row"] == row and e["column"] == column and words in e["message"]
        for e in exc.value.errors
    ), exc.value.errors
    assert row_counts() == before


def test_new_records_with_an_error_elsewhere_write_nothing():
    records = sample_records()
    records[-1]["code"] = "bad"
    before = row_counts()
    with pytest.raises(ValidationFailed):
        import_json_bytes(actor=None, data=_dump(records))
    assert row_counts() == before


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe[]", "UTF-8"),
        ('[{"code": "1.000005", "name": "Đăng ký"}]'.encode("utf-16"), "UTF-8"),
        (b'[{"code": "1.000005",', "JSON không hợp lệ"),
        (b'{"code": "1.000005"}', "danh sách"),
        (b"[]", "không có thủ tục"),
        (b"[" * 100_000, "JSON không hợp lệ"),
    ],
)
def test_malformed_files_refused(data, words):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        parse_json_bytes(data)
    assert words in str(exc.value.message)
    assert row_counts() == before


def test_oversized_file_refused_before_parsing(monkeypatch):
    from egov.procedures.importers import national

    monkeypatch.setattr(national, "MAX_BYTES", 1000)
    with pytest.raises(ValidationFailed, match="lớn quá"):
        parse_json_bytes(sample_bytes())
    monkeypatch.setattr(national, "MAX_RECORDS", 3)
    monkeypatch.setattr(national, "MAX_BYTES", 10**8)
    with pytest.raises(ValidationFailed, match="quá 3 thủ tục"):
        parse_json_bytes(sample_bytes())


def test_many_errors_are_capped_but_counted():
    records = [{"code": "x", "name": "", "field": "", "level": []}] * 500
    with pytest.raises(ValidationFailed) as exc:
        parse_json_bytes(_dump(records))
    assert len(exc.value.errors) == 200
    assert "2000 lỗi" in str(exc.value.message)


def test_management_command(tmp_path, monkeypatch, capsys):
    from django.core.management import CommandError, call_command

    path = tmp_path / "p.json"
    path.write_bytes(sample_bytes())
    monkeypatch.setenv("EGOV_TTHC_DATA", str(path))
    call_command("import_procedures")
    assert Procedure.objects.count() == len(sample_records())
    bad = tmp_path / "bad.json"
    bad.write_bytes(_bad(lambda r: r[1].update(code="9")))
    with pytest.raises(CommandError, match=r"dòng 2 \[code\]"):
        call_command("import_procedures", str(bad))
    with pytest.raises(CommandError, match="Không đọc được"):
        call_command("import_procedures", str(tmp_path / "missing.json"))
