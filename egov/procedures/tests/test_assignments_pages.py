"""Staff pages /office/catalogue/: scoping, bulk assignment, process templates, bad input."""

from __future__ import annotations

import pytest

from egov.accounts.models import Role
from egov.audit.models import AuditEvent
from egov.procedures import templates_services as svc
from egov.procedures.models import Assignment, OnlineLevel, ProcessTemplate
from egov.procedures.tests.test_templates_data import make_procedure
from egov.units.models import UnitKind
from egov.units.services import unit_create

URL = "/office/catalogue/"
# Real procedures (shared/data/tthc/procedures.json).
GIAM_HO = "1.004837"  # Thủ tục đăng ký giám hộ — 3 ngày làm việc
KHAI_TU_LUU_DONG = "1.000419"  # Thủ tục đăng ký khai tử lưu động — 5 ngày làm việc
CHAM_DUT_GIAM_HO = "1.004845"  # Thủ tục đăng ký chấm dứt giám hộ — 2 ngày làm việc
CAN_CUOC = "1.012566"  # Xác nhận số chứng minh nhân dân 09 số ... (Cấp, quản lý căn cước)


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False


@pytest.fixture
def procedures(db):
    return [make_procedure(c) for c in (GIAM_HO, KHAI_TU_LUU_DONG, CHAM_DUT_GIAM_HO, CAN_CUOC)]


@pytest.fixture
def admin_a(make_official, commune_a):
    return make_official(Role.UNIT_ADMIN, commune_a, include_subtree=True)


def state():
    return (
        sorted(Assignment.objects.values_list("unit_id", "procedure__code", "online_level")),
        ProcessTemplate.objects.count(),
        AuditEvent.objects.count(),
    )


def template_url(unit, code):
    return f"{URL}{unit.pk}/{code}/template/"


def test_anonymous_goes_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_officials_without_the_right_get_403(client, make_official, commune_a, procedures):
    client.force_login(make_official(Role.LEADER, commune_a, include_subtree=True))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"unit": commune_a.pk, "code": GIAM_HO}).status_code == 403
    assert not Assignment.objects.exists()


def test_lists_and_filters_the_catalogue_for_a_unit(client, admin_a, commune_a, procedures):
    client.force_login(admin_a)
    page = client.get(URL)
    assert page.status_code == 200
    assert commune_a.name in page.content.decode()
    response = client.get(URL, {"unit": commune_a.pk})
    body = response.content.decode()
    assert response.status_code == 200 and GIAM_HO in body and CAN_CUOC in body
    body = client.get(URL, {"unit": commune_a.pk, "q": "dang ky khai tu luu dong"}).content.decode()
    assert KHAI_TU_LUU_DONG in body and GIAM_HO not in body
    body = client.get(URL, {"unit": commune_a.pk, "q": "1.0048"}).content.decode()
    assert GIAM_HO in body and CHAM_DUT_GIAM_HO in body and KHAI_TU_LUU_DONG not in body
    field = procedures[3].current.field
    body = client.get(URL, {"unit": commune_a.pk, "field": field.slug}).content.decode()
    assert CAN_CUOC in body and GIAM_HO not in body
    body = client.get(URL, {"unit": commune_a.pk, "level": "tinh"}).content.decode()
    assert GIAM_HO not in body
    body = client.get(URL, {"unit": commune_a.pk, "level": "xa"}).content.decode()
    assert GIAM_HO in body


def test_bulk_assign_and_unassign(client, admin_a, commune_a, procedures):
    client.force_login(admin_a)
    response = client.post(
        URL,
        {
            "unit": commune_a.pk,
            "action": "assign",
            "code": [GIAM_HO, KHAI_TU_LUU_DONG],
            "online_level": "partial",
            "channels": ["direct", "online"],
            "cutoff": "15:00",
        },
    )
    assert response.status_code == 302
    assert sorted(Assignment.objects.values_list("procedure__code", "online_level")) == [
        (KHAI_TU_LUU_DONG, "partial"),
        (GIAM_HO, "partial"),
    ]
    body = client.get(URL, {"unit": commune_a.pk, "assigned": "yes"}).content.decode()
    assert GIAM_HO in body and CAN_CUOC not in body
    assert template_url(commune_a, GIAM_HO) in body
    response = client.post(
        URL, {"unit": commune_a.pk, "action": "unassign", "code": [GIAM_HO, CAN_CUOC]}
    )
    assert response.status_code == 302
    assert list(Assignment.objects.values_list("procedure__code", flat=True)) == [KHAI_TU_LUU_DONG]


def test_a_refused_rule_shows_its_message(client, admin_a, commune_a, procedures):
    client.force_login(admin_a)
    before = state()
    response = client.post(
        URL,
        {
            "unit": commune_a.pk,
            "action": "assign",
            "code": [GIAM_HO],
            "online_level": OnlineLevel.FULL,
            "channels": ["online"],
        },
    )
    assert response.status_code == 400
    assert "toàn trình" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    "data",
    [
        {"code": ["9.999999"]},  # unknown code
        {"code": ["<script>alert(1)</script>"]},
        {"code": ["1.004837' OR '1'='1"]},
        {"code": ["../../etc/passwd"]},
        {"code": ["1.004837\x00"]},
        {"code": []},
        {"action": "drop"},
        {"online_level": "level4"},
        {"channels": ["fax"]},
        {"cutoff": "25:99"},
        {"unit": "abc"},
        {"unit": "-1"},
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, admin_a, commune_a, procedures, data):
    client.force_login(admin_a)
    before = state()
    post = {"unit": commune_a.pk, "action": "assign", "code": [GIAM_HO], **data}
    response = client.post(URL, post)
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()
    assert state() == before


def test_ten_thousand_checkboxes_are_refused(client, admin_a, commune_a, procedures):
    client.force_login(admin_a)
    before = state()
    codes = [f"1.{n:06d}" for n in range(10_000)]
    response = client.post(URL, {"unit": commune_a.pk, "action": "assign", "code": codes})
    assert response.status_code == 400
    assert state() == before


def test_another_units_scope_is_not_usable(client, make_official, commune_a, commune_b, procedures):
    admin_b = make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True)
    client.force_login(admin_b)
    before = state()
    assert client.get(URL, {"unit": commune_a.pk}).status_code == 400
    response = client.post(URL, {"unit": commune_a.pk, "action": "assign", "code": [GIAM_HO]})
    assert response.status_code == 400
    assert state() == before


# --- Process template page ---------------------------------------------------------------------


def steps_post(rows, total_forms=None):
    data = {
        "steps-TOTAL_FORMS": str(total_forms if total_forms is not None else len(rows)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


def step(kind, role, unit, hours, note=""):
    return {"kind": kind, "role": role, "unit": unit.pk, "hours": hours, "note": note}


@pytest.fixture
def assigned_a(admin_a, commune_a, procedures):
    svc.assignments_bulk_set(actor=admin_a, unit=commune_a, procedures=procedures)
    return procedures


def test_template_page_scoping(client, make_official, commune_a, commune_b, assigned_a):
    url = template_url(commune_a, GIAM_HO)
    client.force_login(make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True))
    assert client.get(url).status_code == 404
    assert client.post(url, steps_post([])).status_code == 404
    client.force_login(make_official(Role.LEADER, commune_a))
    assert client.get(url).status_code == 403
    assert client.post(url, steps_post([])).status_code == 403
    assert not ProcessTemplate.objects.exists()


def test_template_page_unknown_or_hostile_codes_are_404(client, admin_a, commune_a, assigned_a):
    client.force_login(admin_a)
    for code in ("9.999999", "abc", "%3Cscript%3E", "..%2F..%2Fetc"):
        assert client.get(f"{URL}{commune_a.pk}/{code}/template/").status_code == 404
    assert client.get(f"{URL}999999/{GIAM_HO}/template/").status_code == 404


def test_template_page_saves_steps_within_the_legal_time(client, admin_a, commune_a, assigned_a):
    client.force_login(admin_a)
    url = template_url(commune_a, GIAM_HO)
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "3 ngày làm việc" in body and "24 giờ làm việc" in body
    rows = [
        step("receive", "one_stop_officer", commune_a, "4"),
        step("appraise", "specialist", commune_a, "12"),
        step("approve", "leader", commune_a, "4"),
        step("sign", "clerk", commune_a, "2"),
        step("return", "one_stop_officer", commune_a, "2"),
    ]
    response = client.post(url, steps_post([*rows, {}], total_forms=6))
    assert response.status_code == 302
    template = svc.active_template(unit=commune_a, procedure=assigned_a[0])
    assert template.steps.count() == 5 and template.created_by == admin_a
    body = client.get(url).content.decode()
    assert "Lần sửa 1" in body and 'value="12.00"' in body


def test_template_page_refuses_too_long_steps_and_keeps_nothing(
    client, admin_a, commune_a, assigned_a
):
    client.force_login(admin_a)
    url = template_url(commune_a, GIAM_HO)
    before = state()
    rows = [
        step("receive", "one_stop_officer", commune_a, "4"),
        step("appraise", "specialist", commune_a, "21"),
    ]
    response = client.post(url, steps_post(rows))
    assert response.status_code == 400
    body = response.content.decode()
    assert "vượt 1 giờ" in body and "25" in body
    assert state() == before


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "transfer", "role": "clerk", "unit": "", "hours": "2"},
        {"kind": "appraise", "role": "unit_admin", "unit": "UNIT", "hours": "2"},
        {"kind": "<script>", "role": "clerk", "unit": "UNIT", "hours": "2"},
        {"kind": "appraise", "role": "clerk", "unit": "UNIT", "hours": "-2"},
        {"kind": "appraise", "role": "clerk", "unit": "UNIT", "hours": "1e400"},
        {"kind": "appraise", "role": "clerk", "unit": "999999", "hours": "2"},
        {"kind": "appraise", "role": "clerk", "unit": "UNIT", "hours": "2", "note": "x" * 501},
    ],
)
def test_template_page_bad_rows_are_refused(client, admin_a, commune_a, assigned_a, row):
    client.force_login(admin_a)
    row = {k: (commune_a.pk if v == "UNIT" else v) for k, v in row.items()}
    before = state()
    response = client.post(template_url(commune_a, GIAM_HO), steps_post([row]))
    assert response.status_code == 400
    assert "<script>" not in response.content.decode()
    assert state() == before


def test_template_page_invalid_utf8_is_refused(client, admin_a, commune_a, assigned_a):
    from urllib.parse import urlencode

    client.force_login(admin_a)
    before = state()
    row = step("appraise", "specialist", commune_a, "2")
    body = urlencode(steps_post([row])) + "&steps-0-note=a%ED%A0%80%FF"
    response = client.post(
        template_url(commune_a, GIAM_HO),
        data=body.replace("steps-0-note=&", ""),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert state() == before


def test_template_page_refuses_too_many_forms(client, admin_a, commune_a, assigned_a):
    client.force_login(admin_a)
    before = state()
    rows = [step("appraise", "specialist", commune_a, "0.5")] * 40
    response = client.post(template_url(commune_a, GIAM_HO), steps_post(rows))
    assert response.status_code == 400
    assert state() == before


def test_template_page_offers_no_sibling_offices(client, admin_a, commune_a, commune_b, assigned_a):
    hidden = unit_create(
        actor=None, name="Phòng Bí Mật Xã Bình", kind=UnitKind.OFFICE, parent=commune_b, audit=False
    )
    client.force_login(admin_a)
    body = client.get(template_url(commune_a, GIAM_HO)).content.decode()
    assert hidden.name not in body and commune_a.name in body
    response = client.post(
        template_url(commune_a, GIAM_HO),
        steps_post([step("transfer", "clerk", hidden, "2")]),
    )
    assert response.status_code == 400
    assert not ProcessTemplate.objects.exists()
