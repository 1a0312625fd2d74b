"""The whole dossier journey in a real browser, as its people would live it.

A citizen on a phone submits online with real PDF files; the commune's one-stop officer checks
and accepts it; the commune's specialist sends it to the provincial department, which takes it in;
the department asks for a supplement (the legal clock stops) and the citizen supplements online;
the department approves and sends it back; the commune approves and signs; the result returns
electronically; the citizen opens the lookup page from the receipt's QR link and rates it. Each
official works in their own browser context on a desktop viewport.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from egov.dossiers.models import Dossier, Rating, State
from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORTS  # noqa: F401 - the same browser set-up

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-thu-nghiem-1"


def _pdf() -> bytes:
    from egov.uploads.tests.samples import pdf_bytes

    return pdf_bytes()


def _context(browser: Browser, live_server, viewport: str) -> BrowserContext:
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="vi-VN",
        base_url=live_server.url,
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(15_000)
    return context


def _login(context: BrowserContext, username: str) -> Page:
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state("load")
    return page


def _act(page: Page, dossier_pk: int, label: str, **fields: str) -> None:
    """Open the action's panel on the staff dossier page, fill it and send it."""
    page.goto(f"/office/dossiers/{dossier_pk}/")
    panel = page.locator("details.action", has=page.locator("summary", has_text=label))
    panel.locator("summary").click()
    for name, value in fields.items():
        panel.locator(f"[name={name}]").fill(value)
    panel.get_by_role("button", name=label).click()
    expect(page.get_by_role("status")).to_contain_text("Đã cập nhật hồ sơ")


@pytest.fixture
def people(world, settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    for key, user in world.staff.items():
        user.username = f"xa.{key}"
        user.save(update_fields=["username"])
    for key, user in world.dept.items():
        user.username = f"so.{key}"
        user.save(update_fields=["username"])
    world.citizen.username = "congdan"
    world.citizen.save(update_fields=["username"])
    return world


def test_online_dossier_from_phone_to_rating(browser: Browser, live_server, people, tmp_path):
    world = people
    code = world.procedure.code
    files = []
    for i in range(2):
        path = tmp_path / f"giay-to-{i}.pdf"
        path.write_bytes(_pdf())
        files.append(path)

    # The citizen, on a phone: find where to submit, fill in, upload each paper, submit.
    phone = _context(browser, live_server, "phone")
    citizen = _login(phone, "congdan")
    citizen.goto(f"/thu-tuc/{code}/nop-truc-tuyen/")
    citizen.get_by_label(re.compile(world.commune.name)).check()
    citizen.get_by_role("button", name="Bắt đầu khai hồ sơ").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Hồ sơ (bản nháp)")
    expect(citizen.locator("#id_applicant_name")).to_have_value("Nguyễn Thị Lan")
    dossier = Dossier.objects.get(applicant=world.citizen)
    needed = [c for c in dossier.components.order_by("position") if c.originals or c.copies]
    for n, component in enumerate(needed):
        citizen.locator(f"#file-{component.pk}").set_input_files(str(files[n % 2]))
        citizen.locator(f"#component-{component.pk}").get_by_role("button", name="Tải lên").click()
        expect(citizen.get_by_role("status")).to_contain_text("Đã tải tệp lên")
    citizen.locator("#id_applicant_address").fill("Thôn 3, Xã An Hòa")
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã nộp hồ sơ")
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.code

    # The commune's one-stop officer finds it in the queue and accepts it.
    desk = _context(browser, live_server, "desktop")
    officer = _login(desk, "xa.officer")
    officer.goto("/office/dossiers/?queue=to_receive")
    officer.get_by_role("link", name=dossier.code).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(dossier.code)
    _act(officer, dossier.pk, "Tiếp nhận hồ sơ")
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING and dossier.due_at is not None
    first_due = dossier.due_at

    # Commune specialist → department (takes it in) → department specialist asks for more.
    specialist = _login(_context(browser, live_server, "desktop"), "xa.specialist")
    _act(specialist, dossier.pk, "Chuyển bước tiếp theo", note="Đủ điều kiện, chuyển Sở")
    dept_officer = _login(_context(browser, live_server, "desktop"), "so.officer")
    _act(dept_officer, dossier.pk, "Chuyển bước tiếp theo")
    dept_specialist = _login(_context(browser, live_server, "desktop"), "so.specialist")
    _act(
        dept_specialist,
        dossier.pk,
        "Yêu cầu bổ sung hồ sơ",
        items="Bản sao giấy khai sinh của người được giám hộ",
        note="Cần để xác minh",
    )
    dossier.refresh_from_db()
    assert dossier.state == State.AWAITING_SUPPLEMENT and dossier.paused_at is not None

    # The citizen sees exactly what to add, uploads it and sends the dossier back.
    citizen.goto(f"/ho-so/{dossier.pk}/")
    expect(citizen.get_by_text("Bản sao giấy khai sinh của người được giám hộ")).to_be_visible()
    component = needed[0]
    citizen.locator(f"#file-{component.pk}").set_input_files(str(files[1]))
    citizen.locator(f"#component-{component.pk}").get_by_role("button", name="Tải lên").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã tải tệp lên")
    citizen.locator("#supplement_note").fill("Đã bổ sung bản sao")
    citizen.get_by_role("button", name="Đã bổ sung, gửi lại hồ sơ").click()
    expect(citizen.get_by_role("status")).to_contain_text("Đã cập nhật hồ sơ")
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING and dossier.paused_at is None
    assert dossier.due_at >= first_due  # the paused time was given back

    # Department approves and returns it; the commune takes it back, approves, signs.
    _act(dept_specialist, dossier.pk, "Chuyển bước tiếp theo")
    dept_leader = _login(_context(browser, live_server, "desktop"), "so.leader")
    _act(dept_leader, dossier.pk, "Chuyển bước tiếp theo", note="Đồng ý")
    _act(officer, dossier.pk, "Chuyển bước tiếp theo")
    leader = _login(_context(browser, live_server, "desktop"), "xa.leader")
    _act(leader, dossier.pk, "Chuyển bước tiếp theo", note="Đồng ý")
    clerk = _login(_context(browser, live_server, "desktop"), "xa.clerk")
    clerk.goto(f"/office/dossiers/{dossier.pk}/")
    clerk.locator("summary", has_text="Tệp kết quả").click()
    clerk.get_by_label("Tệp kết quả").set_input_files(str(files[0]))
    clerk.get_by_role("button", name="Tải lên tệp kết quả").click()
    expect(clerk.get_by_role("status")).to_contain_text("Đã tải tệp lên")
    _act(clerk, dossier.pk, "Chuyển bước tiếp theo", result_number="12/QĐ-UBND")
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY

    # The one-stop returns it electronically.
    officer.goto(f"/office/dossiers/{dossier.pk}/")
    panel = officer.locator(
        "details.action", has=officer.locator("summary", has_text="Trả kết quả")
    )
    panel.locator("summary").click()
    panel.locator("[name=delivery]").select_option("electronic")
    panel.get_by_role("button", name="Trả kết quả").click()
    expect(officer.get_by_role("status")).to_contain_text("Đã cập nhật hồ sơ")
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.timing

    # The citizen downloads the result, then follows the receipt's QR link and rates.
    citizen.goto(f"/ho-so/{dossier.pk}/")
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name="Tải kết quả điện tử").click()
    assert download.value.suggested_filename == f"ket-qua-{dossier.code}.pdf"
    anonymous = _context(browser, live_server, "phone").new_page()
    anonymous.goto(f"/tra-cuu-ho-so/?ma={dossier.code}&mtc={dossier.lookup_code}")
    expect(anonymous.get_by_text("Đã trả kết quả").first).to_be_visible()
    anonymous.get_by_label("Rất hài lòng").first.check()
    anonymous.get_by_role("button", name="Gửi đánh giá").click()
    expect(anonymous.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá")
    assert Rating.objects.get(dossier=dossier).overall == "very_satisfied"
    assert timedelta(0) <= dossier.due_at - first_due
