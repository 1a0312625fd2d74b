"""The default templates of common commune procedures: real legal times, our documented split."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from egov.procedures import templates_services as svc
from egov.procedures.models import Assignment, ProcessTemplate
from egov.procedures.tests.test_templates_data import make_procedure

# Real procedures (shared/data/tthc/procedures.json) with their published times.
WITH_TIME = {
    "1.000419": Decimal("40"),  # Đăng ký khai tử lưu động — 5 ngày làm việc
    "1.004837": Decimal("24"),  # Đăng ký giám hộ — 3 ngày làm việc
    "1.004845": Decimal("16"),  # Đăng ký chấm dứt giám hộ — 2 ngày làm việc
    "2.000779": Decimal("48"),  # Nhận cha, mẹ, con có yếu tố nước ngoài — 10 ngày
    "2.000908": Decimal("8"),  # Cấp bản sao từ sổ gốc (Chứng thực) — 1 ngày làm việc
    "2.001159": Decimal("1"),  # Thông báo lưu trú (cư trú) — 1 giờ
}
KHAI_SINH = "1.001193"  # Đăng ký khai sinh: no time in the dataset -> no template
THAI_SAN = "2.000693"  # Giải quyết hưởng chế độ thai sản: field not in the common list


@pytest.fixture
def catalogue(db):
    return [make_procedure(code) for code in [*WITH_TIME, KHAI_SINH, THAI_SAN]]


@pytest.mark.parametrize("hours", ["1", "8", "16", "24", "40", "48", "0.5", "13.33"])
def test_default_split_takes_exactly_the_legal_time(commune_a, hours):
    steps = svc.default_steps(commune_a, Decimal(hours))
    assert sum(Decimal(s.hours) for s in steps) == Decimal(hours)
    assert all(Decimal(s.hours) > 0 for s in steps)
    assert [s.kind for s in steps] == ["receive", "appraise", "approve", "sign", "return"]
    assert [s.role for s in steps] == [
        "one_stop_officer",
        "specialist",
        "leader",
        "clerk",
        "one_stop_officer",
    ]


def test_command_gives_templates_only_with_real_legal_times(commune_a, catalogue):
    out = StringIO()
    call_command("load_commune_templates", "--unit", commune_a.code, stdout=out)
    assert "6 templates created" in out.getvalue()
    templates = {t.procedure.code: t for t in ProcessTemplate.objects.select_related("procedure")}
    assert set(templates) == set(WITH_TIME)
    for code, hours in WITH_TIME.items():
        template = templates[code]
        assert template.legal_hours == hours == template.total_hours
        assert all("không phải quy định" in s.note for s in template.steps.all())
    assert set(Assignment.objects.values_list("procedure__code", flat=True)) == set(WITH_TIME)
    # again: kept as they are; with --replace: a new revision
    out = StringIO()
    call_command("load_commune_templates", "--unit", str(commune_a.pk), stdout=out)
    assert "6 kept" in out.getvalue()
    call_command("load_commune_templates", "--unit", commune_a.code, "--replace", stdout=out)
    assert set(
        ProcessTemplate.objects.filter(is_active=True).values_list("revision", flat=True)
    ) == {2}


@pytest.mark.parametrize("args", [["--unit", "77777"], ["--unit", "../x"], ["--limit", "0"]])
def test_command_refuses_bad_options(commune_a, catalogue, args):
    if "--unit" not in args:
        args = ["--unit", commune_a.code, *args]
    with pytest.raises(CommandError):
        call_command("load_commune_templates", *args, stdout=StringIO())
    assert not ProcessTemplate.objects.exists()


def test_command_without_a_catalogue_says_so(commune_a):
    with pytest.raises(CommandError, match="import the catalogue"):
        call_command("load_commune_templates", "--unit", commune_a.code, stdout=StringIO())
