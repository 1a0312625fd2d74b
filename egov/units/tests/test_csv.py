"""CSV export and import of the unit tree: round trips, every refused input, permissions."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.core.errors import ValidationFailed
from egov.units import csvio
from egov.units.csvio import units_export_csv, units_import_csv
from egov.units.importers.national import import_national
from egov.units.models import Unit, UnitKind
from egov.units.services import rebuild_paths, unit_create, unit_merge

HEADER = ",".join(csvio.COLUMNS)


def mk(name, kind=UnitKind.COMMUNE, parent=None, code="", **extra):
    return unit_create(
        actor=None, name=name, kind=kind, parent=parent, code=code, audit=False, **extra
    )


def as_file(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def state():
    return list(
        Unit.objects.order_by("pk").values_list(
            "pk",
            "code",
            "edid",
            "name",
            "kind",
            "parent_id",
            "merged_into_id",
            "path",
            "anchor_id",
            "valid_from",
            "valid_to",
            "address",
            "email",
            "phone",
            "updated_at",
        )
    )


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def row(
    code="",
    edid="",
    name="Xã Mới",
    kind="commune",
    parent_code="99",
    parent_name="",
    valid_from="",
    valid_to="",
    merged_code="",
    merged_name="",
    address="",
    email="",
    phone="",
):
    cells = [
        code,
        edid,
        name,
        kind,
        parent_code,
        parent_name,
        valid_from,
        valid_to,
        merged_code,
        merged_name,
        address,
        email,
        phone,
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


@pytest.fixture
def tree(province, commune_a, commune_b):
    ubnd = mk(
        "UBND Xã An Hòa",
        kind=UnitKind.PEOPLES_COMMITTEE,
        parent=commune_a,
        address="Thôn 1, xã An Hòa",
        email="ubnd@anhoa.example.vn",
        phone="+84 237 385 2000",
    )
    office = mk("Văn phòng HĐND và UBND", kind=UnitKind.OFFICE, parent=ubnd, phone="-")
    mk('=HYPERLINK("http://x")', kind=UnitKind.OFFICE, parent=ubnd)
    old = mk("Xã Cũ", parent=province, code="99009", valid_to=date(2025, 6, 30))
    unit_merge(actor=None, sources=[commune_b], target=commune_a, effective_date=date(2025, 7, 1))
    return {
        "province": province,
        "a": commune_a,
        "b": commune_b,
        "ubnd": ubnd,
        "office": office,
        "old": old,
    }


def test_export_format(tree, sysadmin):
    data = units_export_csv(user=sysadmin)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = rows_of(data)
    assert list(rows[0]) == list(csvio.COLUMNS)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Xã Bình Minh"]["merged_into_code"] == "99001"
    assert by_name["Xã Bình Minh"]["valid_to"] == "2025-06-30"
    assert by_name["Văn phòng HĐND và UBND"]["parent_code"] == "99001"
    assert by_name["Văn phòng HĐND và UBND"]["parent_name"] == "UBND Xã An Hòa"
    assert by_name["Văn phòng HĐND và UBND"]["phone"] == "'-"
    # Formula injection: cells starting with = + - @ are prefixed with a quote.
    assert '\'=HYPERLINK("http://x")' in by_name
    assert by_name["UBND Xã An Hòa"]["phone"] == "'+84 237 385 2000"


def test_export_is_scoped(tree, make_official):
    leader = make_official(Role.LEADER, tree["a"])
    names = {r["name"] for r in rows_of(units_export_csv(user=leader))}
    assert names == {"Xã An Hòa", "Xã Bình Minh"}  # commune_b was merged into commune_a
    nobody = make_official(Role.LEADER, tree["old"])
    assert {r["name"] for r in rows_of(units_export_csv(user=nobody))} == {"Xã Cũ"}
    admin = make_official(Role.UNIT_ADMIN, tree["province"], include_subtree=True)
    assert len(rows_of(units_export_csv(user=admin, root=tree["ubnd"]))) == 3


def test_round_trip_changes_nothing(tree, sysadmin):
    before = state()
    events = AuditEvent.objects.count()
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(units_export_csv(user=sysadmin)))
    assert (summary.created, summary.updated) == (0, 0)
    assert summary.unchanged == summary.rows == len(before)
    assert state() == before
    assert AuditEvent.objects.count() == events + 1


def test_round_trip_of_real_data_with_reused_codes(db, sysadmin, shared_units_dir):
    import_national(data_dir=shared_units_dir, provinces=["38"])
    before = state()
    data = units_export_csv(user=sysadmin)
    assert len(rows_of(data)) == len(before) == 741
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(data))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 741)
    assert state() == before

    # Import into an empty database rebuilds the same tree (codes read on their dates).
    Unit.objects.update(parent=None, merged_into=None, anchor=None)
    from egov.units.models import UnitSuccession

    UnitSuccession.objects.all().delete()
    Unit.objects.all().delete()
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(data))
    assert summary.created == 741
    quang_duc = Unit.objects.get(code="16453")
    assert quang_duc.merged_into == Unit.objects.get(code="16438", valid_to__isnull=True)
    assert quang_duc.parent.name == "Huyện Quảng Xương"
    assert quang_duc.parent.parent == Unit.objects.get(code="38", valid_to=date(2025, 6, 30))
    assert quang_duc.path.startswith(quang_duc.merged_into.path)

    def key(r):
        return r["code"], r["valid_to"], r["name"]

    assert sorted(rows_of(units_export_csv(user=sysadmin)), key=key) == sorted(
        rows_of(data), key=key
    )


def test_import_creates_and_updates(tree, sysadmin):
    text = csv_text(
        # A child before its parent (forward reference), by parent_name.
        row(
            name="Phòng Một cửa",
            kind="Phòng, văn phòng",
            parent_code="99005",
            parent_name="UBND Xã Tân Lập",
        ),
        row(
            code="99005",
            name="Xã  Tân Lập",
            kind="Xã",
            valid_from="01/07/2025",
            email="tanlap@example.vn",
        ),
        row(name="UBND Xã Tân Lập", kind="peoples_committee", parent_code="99005"),
        row(code="99001", name="Xã An Hòa Mới", kind="commune", parent_code="99"),
        row(
            name="Văn phòng HĐND và UBND",
            kind="office",
            parent_code="99001",
            parent_name="UBND Xã An Hòa",
            phone="'-",
        ),
    )
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert (summary.created, summary.updated) == (3, 1)
    tan_lap = Unit.objects.get(code="99005")
    assert (tan_lap.name, tan_lap.kind, tan_lap.valid_from, tan_lap.parent) == (
        "Xã Tân Lập",
        UnitKind.COMMUNE,
        date(2025, 7, 1),
        tree["province"],
    )
    office = Unit.objects.get(name="Phòng Một cửa")
    assert office.parent.name == "UBND Xã Tân Lập" and office.parent.parent == tan_lap
    assert office.path == f"{office.parent.path}{office.pk}/"
    assert office.anchor_id == office.pk
    renamed = Unit.objects.get(pk=tree["a"].pk)
    assert (renamed.name, renamed.search_key) == ("Xã An Hòa Mới", "xa an hoa moi")
    assert Unit.objects.get(pk=tree["office"].pk).phone == "-"


def test_import_accepts_bom_crlf_and_missing_optional_columns(tree, sysadmin):
    text = "\ufeffcode,name,kind,parent_code\r\n99001,Xã An Hòa,commune,99\r\n"
    before = state()
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert (summary.unchanged, summary.updated) == (1, 0)
    assert state() == before  # edid, address... left as they were


def test_import_moves_a_unit_and_its_subtree(tree, sysadmin):
    text = csv_text(
        row(
            name="UBND Xã An Hòa",
            kind="peoples_committee",
            parent_code="99009",
            address="Thôn 1, xã An Hòa",
            email="ubnd@anhoa.example.vn",
            phone="'+84 237 385 2000",
        )
    )
    # 99009 is ended; the row is in force, so the code is read today: still the only 99009.
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert summary.created == 1  # (parent, name) is the key: a new unit under 99009
    text = csv_text(row(code="99001", name="Xã An Hòa", parent_code="", kind="commune"))
    units_import_csv(actor=sysadmin, fileobj=as_file(text))
    a = Unit.objects.get(pk=tree["a"].pk)
    assert a.parent is None and a.path == f"/{a.pk}/"
    assert Unit.objects.get(pk=tree["office"].pk).path.startswith(a.path)
    assert Unit.objects.get(pk=tree["b"].pk).path.startswith(a.path)


def _bad_cases():
    ok = row(code="99007", name="Xã Hợp Lệ")
    return {
        "missing_column": (csv_text("99007,Xã A,99", header="code,name,parent_code"), 1, "kind"),
        "unknown_column": (csv_text(ok + ",x", header=HEADER + ",population"), 1, "population"),
        "repeated_column": (csv_text(ok + ",Xã", header=HEADER + ",name"), 1, "name"),
        "unknown_kind": (csv_text(ok, row(code="99008", kind="hamlet")), 3, "kind"),
        "bad_code": (csv_text(row(code="1234")), 2, "code"),
        "code_letters": (csv_text(row(code="99A01")), 2, "code"),
        "bad_parent_code": (csv_text(row(parent_code="9")), 2, "parent_code"),
        "bad_edid": (csv_text(row(code="99007", edid="000.00.00.h30")), 2, "edid"),
        "short_edid": (csv_text(row(code="99007", edid="000.00.H30")), 2, "edid"),
        "bad_date": (csv_text(row(code="99007", valid_from="2025-13-01")), 2, "valid_from"),
        "bad_vn_date": (csv_text(row(code="99007", valid_to="31/02/2025")), 2, "valid_to"),
        "text_date": (csv_text(row(code="99007", valid_from="hôm qua")), 2, "valid_from"),
        "ended_before_start": (
            csv_text(row(code="99007", valid_from="2025-07-01", valid_to="2025-06-30")),
            2,
            "valid_to",
        ),
        "unknown_parent": (csv_text(ok, row(code="99008", parent_code="77777")), 3, "parent_code"),
        "unknown_parent_name": (
            csv_text(
                row(name="Phòng A", kind="office", parent_code="99001", parent_name="UBND Không Có")
            ),
            2,
            "parent_name",
        ),
        "duplicate_code": (
            csv_text(ok, row(code="99006"), row(code="99007", name="Xã Khác")),
            4,
            "code",
        ),
        "duplicate_agency": (
            csv_text(
                row(name="Phòng A", kind="office", parent_code="99001"),
                row(name="Phòng A", kind="office", parent_code="99001"),
            ),
            3,
            "name",
        ),
        "parent_cycle": (
            csv_text(
                row(code="99011", parent_code="99012"),
                row(code="99012", parent_code="99011", name="Xã Kia"),
            ),
            2,
            "parent_code",
        ),
        "cycle_with_db": (
            csv_text(row(code="99", name="Tỉnh Thử Nghiệm", kind="province", parent_code="99001")),
            2,
            "parent_code",
        ),
        "own_parent": (csv_text(row(code="99007", parent_code="99007")), 2, "parent_code"),
        "merged_but_live": (
            csv_text(row(code="99007", merged_code="99001")),
            2,
            "merged_into_code",
        ),
        "merged_into_unknown": (
            csv_text(row(code="99007", valid_to="2025-06-30", merged_code="55555")),
            2,
            "merged_into_code",
        ),
        "nul_byte": (csv_text(row(code="99007", name="Xã\x00A")), 2, "name"),
        "control_char": (csv_text(row(code="99007", address="Thôn\x1b[31m 1")), 2, "address"),
        "too_long_name": (csv_text(row(code="99007", name="Xã " + "A" * 300)), 2, "name"),
        "too_long_address": (csv_text(row(code="99007", address="x" * 256)), 2, "address"),
        "bad_email": (csv_text(row(code="99007", email="không-phải-thư")), 2, "email"),
        "bad_phone": (csv_text(row(code="99007", phone="<script>alert(1)</script>")), 2, "phone"),
        "empty_name": (csv_text(row(code="99007", name="   ")), 2, "name"),
        "ragged_row": (csv_text(ok, "99008,,Xã Thiếu Cột,commune"), 3, None),
        "agency_slash": (
            csv_text(row(name="Phòng A / B", kind="office", parent_code="99001")),
            2,
            "name",
        ),
        "edid_taken": (
            csv_text(
                row(code="99007", edid="000.00.01.H99"),
                row(code="99008", edid="000.00.01.H99", name="Xã B"),
            ),
            3,
            "edid",
        ),
    }


BAD = _bad_cases()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_csv_is_refused_with_row_and_column(tree, sysadmin, case):
    text, expected_row, expected_column = BAD[case]
    before = state()
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(text))
    errors = info.value.errors
    assert {"row": expected_row, "column": expected_column} in [
        {"row": e["row"], "column": e["column"]} for e in errors
    ], errors
    assert all(e["message"] for e in errors)
    assert state() == before
    assert AuditEvent.objects.count() == events


def test_good_rows_are_not_written_when_one_row_is_bad(tree, sysadmin):
    text = csv_text(
        row(code="99007", name="Xã Tốt"),
        row(code="99001", name="Xã Đổi Tên"),
        row(code="99008", kind="không rõ"),
    )
    before = state()
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert [(e["row"], e["column"]) for e in info.value.errors] == [(4, "kind")]
    assert "Loại đơn vị" in info.value.errors[0]["message"]
    assert state() == before


@pytest.mark.parametrize(
    "payload, expected_row",
    [
        ("latin1", 3),
        ("utf16", 1),
        ("empty", None),
        ("bad_quote", None),
    ],
)
def test_unreadable_files(tree, sysadmin, payload, expected_row):
    good = csv_text(row(code="99007", name="Xã A"))
    data = {
        "latin1": good.encode("utf-8") + "99008,,Xã Bè,commune,99,,,,,,,,\n".encode("latin-1"),
        "utf16": good.encode("utf-16"),
        "empty": b"",
        "bad_quote": (good + '99008,,"Xã "B"",commune,99,,,,,,,,\n').encode("utf-8"),
    }[payload]
    before = state()
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(data))
    if expected_row is not None:
        assert info.value.errors[0]["row"] == expected_row
    assert info.value.errors[0]["message"]
    assert state() == before


def test_oversized_file_and_too_many_rows(tree, sysadmin, monkeypatch):
    big = csv_text(row(code="99007", address="x" * 200)) + ("#" * 1024 + "\n") * (5 * 1024 + 1)
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(big))
    assert info.value.errors[0] == {
        "row": None,
        "column": None,
        "message": "Tệp quá lớn (tối đa 5 MB).",
    }
    monkeypatch.setattr(csvio, "MAX_ROWS", 3)
    rows = [row(code=f"990{i:02d}", name=f"Xã Số {i}") for i in range(10, 15)]
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(csv_text(*rows)))
    assert info.value.errors[0]["row"] == 5
    assert not Unit.objects.filter(code__startswith="9901").exists()


def test_many_errors_are_capped(tree, sysadmin, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_ERRORS", 5)
    text = csv_text(*[row(code=f"990{i:02d}", kind="x") for i in range(10, 30)])
    with pytest.raises(ValidationFailed) as info:
        units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert len(info.value.errors) == 6
    assert "15" in info.value.errors[-1]["message"]


def test_hostile_text_is_stored_as_text(tree, sysadmin):
    text = csv_text(
        row(name="<script>alert('x')</script>", kind="office", parent_code="99001"),
        row(name="'; DROP TABLE units_unit; --", kind="office", parent_code="99001"),
        row(name="../../etc/passwd", kind="office", parent_code="99001"),
        row(name="Xã Hoa\u0300 Bi\u0300nh", kind="office", parent_code="99001"),  # NFD input
    )
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert summary.created == 4
    assert Unit.objects.filter(name="<script>alert('x')</script>").exists()
    assert Unit.objects.filter(name="'; DROP TABLE units_unit; --").exists()
    assert Unit.objects.filter(name="Xã Hoà Bình").exists()  # stored NFC


def test_unit_admin_only_inside_own_scope(tree, make_official):
    admin_a = make_official(Role.UNIT_ADMIN, tree["a"])
    # May add an office under its own commune.
    ok = csv_text(row(name="Phòng Văn hóa", kind="office", parent_code="99001"))
    assert units_import_csv(actor=admin_a, fileobj=as_file(ok)).created == 1
    cases = [
        csv_text(row(code="99007", name="Xã Ngoài", parent_code="99")),  # under the province
        csv_text(row(code="99", name="Tỉnh Đổi Tên", kind="province", parent_code="")),
        csv_text(row(code="98", name="Tỉnh Mới", kind="province", parent_code="")),
        csv_text(row(name="UBND Xã An Hòa", kind="peoples_committee", parent_code="99009")),
    ]
    for text in cases:
        before = state()
        with pytest.raises(ValidationFailed) as info:
            units_import_csv(actor=admin_a, fileobj=as_file(text))
        assert info.value.errors[0]["row"] == 2
        assert "quyền" in info.value.errors[0]["message"]
        assert state() == before
    leader = make_official(Role.LEADER, tree["province"], include_subtree=True)
    with pytest.raises(ValidationFailed):
        units_import_csv(actor=leader, fileobj=as_file(ok.replace("Văn hóa", "Y tế")))
    assert not Unit.objects.filter(name="Phòng Y tế").exists()


def test_within_limits_the_import(tree, sysadmin):
    text = csv_text(row(name="Phòng A", kind="office", parent_code="99009"))
    with pytest.raises(ValidationFailed):
        units_import_csv(actor=sysadmin, fileobj=as_file(text), within=tree["a"])
    text = csv_text(row(name="Phòng A", kind="office", parent_code="99001"))
    assert units_import_csv(actor=sysadmin, fileobj=as_file(text), within=tree["a"]).created == 1


def test_ending_a_unit_and_reusing_its_code(tree, sysadmin):
    text = csv_text(
        row(code="99001", name="Xã An Hòa", valid_to="2026-06-30", merged_code="99001"),
        row(code="99001", name="Xã An Hòa Mới", valid_from="2026-07-01"),
    )
    summary = units_import_csv(actor=sysadmin, fileobj=as_file(text))
    assert (summary.created, summary.updated) == (1, 1)
    ended = Unit.objects.get(pk=tree["a"].pk)
    new = Unit.objects.get(code="99001", valid_to__isnull=True)
    assert ended.valid_to == date(2026, 6, 30) and ended.merged_into == new
    assert ended.anchor == new
    # Everything that was found under the old commune is now under the new one.
    for key in ("ubnd", "office", "b"):
        assert Unit.objects.get(pk=tree[key].pk).path.startswith(new.path)
    assert Unit.objects.get(pk=tree["b"].pk).anchor == new
    rebuild_paths()  # and the incremental paths equal a full rebuild
    assert Unit.objects.get(pk=tree["b"].pk).anchor == new
