"""The public catalogue in a real browser, on a phone (375×667) and a desktop viewport: browse
with filters, search (with suggestions as you type, and without), and the procedure page, with
axe-core's WCAG 2.1 A/AA rules on the procedure and search pages."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from egov.portal.tests import factories as f
from tests.e2e.test_browser_base import assert_layout, assert_no_horizontal_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return f.make_catalogue(with_template=True)


def test_browse_by_life_event_and_level(page: Page, catalogue):
    page.goto("/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Thủ tục hành chính"
    ).click()
    expect(page).to_have_url(re.compile(r"/thu-tuc/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Danh mục thủ tục hành chính")
    expect(page.locator(".procedure-item")).to_have_count(len(f.RECORDS))
    page.get_by_label("Sự kiện cuộc sống").select_option(label="Sinh con")
    page.get_by_label("Cấp thực hiện").select_option(label="Cấp xã")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page).to_have_url(re.compile(r"su-kien=sinh-con"))
    expect(page.locator(".procedure-item")).to_have_count(3)
    assert_no_horizontal_overflow(page)
    page.get_by_role("link", name=f.RECORDS[f.BIRTH_MOBILE]["name"]).click()
    expect(page).to_have_url(re.compile(rf"/thu-tuc/{re.escape(f.BIRTH_MOBILE)}/$"))


def test_procedure_page(page: Page, axe_path, catalogue):
    record = f.RECORDS[f.BIRTH_BORDER]
    page.goto(f"/thu-tuc/{f.BIRTH_BORDER}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(record["name"])
    for heading in (
        "Thời gian giải quyết",
        "Cách thức thực hiện",
        "Thành phần hồ sơ",
        "Đối tượng và cơ quan thực hiện",
        "Kết quả thực hiện",
        "Căn cứ pháp lý",
    ):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Tải mẫu"))).to_have_count(1)
    expect(page.get_by_role("link", name="Xem trên Cổng Dịch vụ công quốc gia")).to_have_attribute(
        "href", record["portal_url"]
    )
    assert page.locator('meta[name="description"]').get_attribute("content")
    assert_layout(page, axe_path)

    page.goto(f"/thu-tuc/{f.BIRTH_MOBILE}/")
    expect(page.locator(".estimate__date")).to_contain_text("Nếu nộp ngay bây giờ")
    assert_layout(page, axe_path)


def test_search_page_without_script_and_not_found(page: Page, axe_path, catalogue):
    page.goto("/thu-tuc/tim-kiem/?q=zzqqxx")
    expect(page.get_by_text("Không tìm thấy thủ tục nào.")).to_be_visible()
    assert_layout(page, axe_path)
    page.get_by_label("Tìm thủ tục").fill("đăng ký khai sinh lưu động")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"/thu-tuc/tim-kiem/\?q="))
    expect(page.get_by_role("link", name=f.RECORDS[f.BIRTH_MOBILE]["name"])).to_be_visible()
    assert_layout(page, axe_path)


def test_suggestions_as_you_type(page: Page, catalogue):
    asked: list[str] = []
    name = f.RECORDS[f.BIRTH_MOBILE]["name"]

    def suggest(route):
        asked.append(route.request.url)
        body = {"results": [{"code": f.BIRTH_MOBILE, "name": name}]}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/api/v1/procedures/suggest/**", suggest)
    page.goto("/thu-tuc/tim-kiem/")
    page.get_by_label("Tìm thủ tục").press_sequentially("khai sin", delay=20)
    link = page.get_by_role("link", name=f"{name} ({f.BIRTH_MOBILE})")
    expect(link).to_be_visible()
    assert asked and "q=khai" in asked[-1]
    expect(page.locator("[data-suggest-status]")).to_have_text("1 gợi ý")
    page.get_by_label("Tìm thủ tục").press("Escape")
    expect(link).to_be_hidden()
