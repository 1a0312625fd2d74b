"""The national import from the real NSO data: counts, history, reused codes, idempotence,
scope after the 2025 reorganisation."""

from __future__ import annotations

import time
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.core.errors import ValidationFailed
from egov.units.importers.national import NEW_FROM, OLD_TO, build_plan, import_national
from egov.units.models import Unit, UnitKind, UnitSuccession

from .conftest import FIXTURE_DATA, visible_ids


def live(code):
    return Unit.objects.get(code=code, valid_to__isnull=True)


def old(code):
    return Unit.objects.get(code=code, valid_to=OLD_TO)


def snapshot():
    return (
        list(
            Unit.objects.order_by("pk").values_list(
                "pk",
                "code",
                "name",
                "kind",
                "parent_id",
                "merged_into_id",
                "path",
                "anchor_id",
                "valid_from",
                "valid_to",
                "updated_at",
            )
        ),
        list(
            UnitSuccession.objects.order_by("pk").values_list(
                "pk", "predecessor_id", "successor_id", "partial", "note"
            )
        ),
    )


@pytest.fixture
def thanh_hoa(db, shared_units_dir):
    return import_national(data_dir=shared_units_dir, provinces=["38"])


def test_thanh_hoa_counts_and_history(thanh_hoa):
    assert thanh_hoa.units_created == Unit.objects.count()
    in_force = Unit.objects.filter(valid_to__isnull=True)
    assert in_force.filter(kind=UnitKind.PROVINCE).count() == 1
    assert in_force.filter(kind__in=[UnitKind.COMMUNE, UnitKind.WARD]).count() == 166
    assert in_force.filter(kind=UnitKind.COMMUNE).count() == 147
    assert in_force.filter(kind=UnitKind.WARD).count() == 19
    assert not in_force.filter(kind=UnitKind.DISTRICT).exists()
    assert not Unit.objects.exclude(edid="").exists()  # no invented Decision-20 codes

    province = live("38")
    assert (province.name, province.valid_from, province.parent_id) == (
        "Tỉnh Thanh Hóa",
        NEW_FROM,
        None,
    )
    old_province = old("38")
    assert old_province.pk != province.pk
    assert (old_province.name, old_province.kind, old_province.merged_into_id) == (
        "Tỉnh Thanh Hóa",
        UnitKind.PROVINCE,
        province.pk,
    )

    district = old("406")
    assert (district.name, district.kind, district.parent_id) == (
        "Huyện Quảng Xương",
        UnitKind.DISTRICT,
        old_province.pk,
    )
    assert district.merged_into_id == province.pk
    assert district.path.startswith(province.path)

    luu_ve = live("16438")
    assert (luu_ve.name, luu_ve.kind, luu_ve.parent_id) == (
        "Xã Lưu Vệ",
        UnitKind.COMMUNE,
        province.pk,
    )
    quang_duc = old("16453")
    assert (quang_duc.name, quang_duc.kind, quang_duc.parent_id) == (
        "Xã Quảng Đức",
        UnitKind.COMMUNE,
        district.pk,
    )
    assert quang_duc.merged_into_id == luu_ve.pk
    assert quang_duc.anchor_id == luu_ve.pk
    assert quang_duc.path == f"{luu_ve.path}{quang_duc.pk}/"
    # The reused code: two rows, one historical township, one live commune.
    tan_phong = old("16438")
    assert (tan_phong.name, tan_phong.kind, tan_phong.merged_into_id) == (
        "Thị trấn Tân Phong",
        UnitKind.TOWNSHIP,
        luu_ve.pk,
    )
    assert Unit.objects.filter(code="16438").count() == 2

    succession = UnitSuccession.objects.get(predecessor=quang_duc)
    assert (
        succession.successor_id,
        succession.effective_date,
        succession.partial,
        succession.note,
    ) == (luu_ve.pk, NEW_FROM, False, "Nhập toàn bộ")
    assert UnitSuccession.objects.filter(successor=luu_ve).count() == 3
    # A split old ward: every part recorded, the lowest code is where it is found.
    an_hung = old("16435")
    assert set(
        UnitSuccession.objects.filter(predecessor=an_hung).values_list("successor__code", "partial")
    ) == {("14797", True), ("16417", True)}
    assert an_hung.merged_into == live("14797")


def test_thanh_hoa_scope(thanh_hoa, make_official):
    luu_ve, dong_quang, province = live("16438"), live("16417"), live("38")
    leader = make_official(Role.LEADER, luu_ve)
    assert visible_ids(leader) == {luu_ve.pk, old("16438").pk, old("16453").pk, old("16456").pk}
    other = make_official(Role.LEADER, dong_quang)
    assert old("16453").pk not in visible_ids(other)
    province_leader = make_official(Role.LEADER, province)
    # Without subtree: the province and the old province and districts merged into it.
    ids = visible_ids(province_leader)
    assert {province.pk, old("38").pk, old("406").pk} <= ids
    assert luu_ve.pk not in ids and old("16453").pk not in ids
    whole = make_official(Role.UNIT_ADMIN, province, include_subtree=True)
    assert visible_ids(whole) == set(Unit.objects.values_list("pk", flat=True))


def test_import_is_idempotent(thanh_hoa, shared_units_dir):
    before = snapshot()
    events = AuditEvent.objects.count()
    again = import_national(data_dir=shared_units_dir, provinces=["38"])
    assert (
        again.units_created,
        again.units_updated,
        again.successions_created,
        again.successions_updated,
        again.paths_updated,
    ) == (0, 0, 0, 0, 0)
    assert again.units_unchanged == len(before[0])
    assert snapshot() == before
    assert AuditEvent.objects.count() == events + 1  # one event per run, not per row


def test_reimport_repairs_names_and_structure(thanh_hoa, shared_units_dir):
    luu_ve = live("16438")
    Unit.objects.filter(pk=luu_ve.pk).update(name="Xã Sai Tên", search_key="xa sai ten")
    Unit.objects.filter(pk=old("16453").pk).update(merged_into=None, path="/lac/")
    result = import_national(data_dir=shared_units_dir, provinces=["38"])
    assert result.units_updated == 2
    assert result.units_created == 0
    assert live("16438").name == "Xã Lưu Vệ"
    assert live("16438").search_key == "xa luu ve"
    assert old("16453").path == f"{luu_ve.path}{old('16453').pk}/"


def test_import_leaves_units_of_other_provinces_and_agencies_alone(shared_units_dir, province):
    import_national(data_dir=shared_units_dir, provinces=["38"])
    agency = Unit.objects.create(
        name="UBND Xã Lưu Vệ", kind=UnitKind.PEOPLES_COMMITTEE, parent=live("16438")
    )
    from egov.units.services import rebuild_paths

    rebuild_paths([agency.pk])
    agency.refresh_from_db()
    import_national(data_dir=shared_units_dir, provinces=["38", "01"])
    assert Unit.objects.get(pk=agency.pk).path == agency.path
    assert Unit.objects.get(pk=province.pk).path == province.path
    assert Unit.objects.filter(valid_to__isnull=True, kind=UnitKind.CENTRAL_CITY).count() == 1


def test_fixture_data_without_shared(db):
    """The small real-data fixture in tests/data: importable without shared/."""
    result = import_national(data_dir=FIXTURE_DATA)
    assert result.units_created == Unit.objects.count() == 4 + 1 + 2 + 4
    assert old("16435").merged_into == live("14797")
    assert build_plan(FIXTURE_DATA).units[("old", "406")].merged_into == ("new", "38")


def test_full_country(db, shared_units_dir):
    started = time.monotonic()
    result = import_national(data_dir=shared_units_dir)
    elapsed = time.monotonic() - started
    assert elapsed < 60
    in_force = Unit.objects.filter(valid_to__isnull=True)
    assert in_force.filter(kind=UnitKind.PROVINCE).count() == 28
    assert in_force.filter(kind=UnitKind.CENTRAL_CITY).count() == 6
    assert in_force.filter(kind=UnitKind.COMMUNE).count() == 2621
    assert in_force.filter(kind=UnitKind.WARD).count() == 687
    assert in_force.filter(kind=UnitKind.SPECIAL_ZONE).count() == 13
    history = Unit.objects.filter(valid_to=OLD_TO)
    assert history.filter(kind__in=[UnitKind.PROVINCE, UnitKind.CENTRAL_CITY]).count() == 63
    assert history.filter(kind=UnitKind.DISTRICT).count() == 696
    assert (
        history.filter(kind__in=[UnitKind.COMMUNE, UnitKind.WARD, UnitKind.TOWNSHIP]).count()
        == 10035
    )
    assert result.units_created == Unit.objects.count() == 34 + 3321 + 63 + 696 + 10035
    assert UnitSuccession.objects.count() == 10570 + 63
    assert result.skipped_rows == 1  # the coastal land without a code
    # Province code 15: Yên Bái until 30/06/2025, Lào Cai since.
    assert old("15").name == "Tỉnh Yên Bái" and live("15").name == "Tỉnh Lào Cai"
    assert old("15").merged_into == live("15") and old("10").merged_into == live("15")
    # A special zone made of a whole district: the district is found under it.
    assert old("755").merged_into == live("26732")
    assert old("755").path.startswith(live("26732").path)
    # Every old unit is found under a live unit; every path is sound.
    assert not history.filter(merged_into__isnull=True).exists()
    assert not Unit.objects.filter(path="").exists()
    assert not Unit.objects.filter(anchor__valid_to__isnull=False).exists()

    before = Unit.objects.count(), UnitSuccession.objects.count()
    again = import_national(data_dir=shared_units_dir)
    assert (
        again.units_created,
        again.units_updated,
        again.successions_created,
        again.paths_updated,
    ) == (0, 0, 0, 0)
    assert (Unit.objects.count(), UnitSuccession.objects.count()) == before


def test_command(db, shared_units_dir, monkeypatch):
    out = StringIO()
    call_command(
        "import_units", "--province", "38", "--data-dir", str(shared_units_dir), stdout=out
    )
    assert "741 mới" in out.getvalue()
    monkeypatch.setenv("EGOV_UNITS_DATA_DIR", str(FIXTURE_DATA))
    out = StringIO()
    call_command("import_units", stdout=out)  # default folder from the environment
    assert "0 mới" in out.getvalue()  # the fixture's units are all there already


@pytest.mark.parametrize(
    "args",
    [
        ["--province", "3x"],
        ["--province", "380"],
        ["--province", "99"],
        ["--province", "../38"],
        ["--data-dir", "/nonexistent/egov"],
    ],
)
def test_command_refuses_bad_options(db, shared_units_dir, args):
    if "--data-dir" not in args:
        args = [*args, "--data-dir", str(shared_units_dir)]
    with pytest.raises(CommandError):
        call_command("import_units", *args, stdout=StringIO())
    assert not Unit.objects.exists()


def test_malformed_data_files_are_refused(db, tmp_path):
    (tmp_path / "units-2025.csv").write_text("code,name\n38,Tỉnh Thanh Hóa\n", encoding="utf-8")
    (tmp_path / "mapping-2025.csv").write_text(
        (FIXTURE_DATA / "mapping-2025.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(ValidationFailed):
        import_national(data_dir=tmp_path)
    units = (FIXTURE_DATA / "units-2025.csv").read_text(encoding="utf-8")
    (tmp_path / "units-2025.csv").write_text(units.replace(",xã,", ",thôn,"), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        import_national(data_dir=tmp_path)
    assert not Unit.objects.exists()
    assert date(2025, 6, 30) == OLD_TO
