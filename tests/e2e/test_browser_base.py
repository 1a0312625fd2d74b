"""The base interface in a real browser, on a phone and on a desktop: layout without horizontal
scrolling, touch targets, keyboard use, language switch, login through two-factor enrolment to
the staff home, and axe-core's WCAG 2.1 A/AA rules on each page."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from egov.accounts.models import Role, RoleGrant

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-thu-nghiem-1"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_no_horizontal_overflow(page: Page) -> None:
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in a {widths[1]}px viewport"


def assert_touch_targets(page: Page) -> None:
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'button, input:not([type=hidden]), select, textarea, .site-nav a, .brand, .button')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height,
                        el.getBoundingClientRect().width])
            .filter(([, h, w]) => h < 44 || w < 44)"""
    )
    assert not small, f"touch targets smaller than 44px: {small}"


def assert_inputs_labelled(page: Page) -> None:
    """Every form control has a real label (axe also accepts a placeholder; we do not)."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-labelledby'))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert not unlabelled, f"inputs without a label: {unlabelled}"


def assert_accessible(page: Page, axe_path) -> None:
    page.add_script_tag(path=str(axe_path))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }""",
        WCAG_TAGS,
    )
    assert result == [], f"axe violations on {page.url}: {result}"
    assert_inputs_labelled(page)
    assert page.evaluate("() => document.documentElement.lang") in ("vi", "en")


def assert_layout(page: Page, axe_path) -> None:
    page.wait_for_load_state("load")  # after a click, the stylesheet may still be on its way
    assert_no_horizontal_overflow(page)
    assert_touch_targets(page)
    assert_accessible(page, axe_path)


@pytest.fixture
def official(make_official, province, commune_a):
    user = make_official(
        Role.LEADER, province, include_subtree=True, username="lanhdao", full_name="Lê Thị Hoa"
    )
    RoleGrant.objects.create(user=user, role=Role.CLERK, unit=commune_a)
    return user


def test_portal_home(page: Page, axe_path):
    page.goto("/")
    expect(page).to_have_title("Cổng dịch vụ công — egov")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cổng dịch vụ công")
    for role in ("banner", "navigation", "main", "contentinfo"):
        expect(page.get_by_role(role).first).to_be_visible()
    assert_layout(page, axe_path)


def test_portal_home_at_320px_has_no_horizontal_scroll(page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    for url in ("/", "/accounts/login/"):
        page.goto(url)
        assert_no_horizontal_overflow(page)


def test_skip_link_is_first_and_visible_on_focus(page: Page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] >= 20
    # The focus ring is drawn (outline or box-shadow), not removed.
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    assert ring[0] != "none" and ring[1] != "0px", ring
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_language_switch_to_english_and_back(page: Page):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_label("Username")).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")


def test_login_page_and_wrong_password(page: Page, axe_path, official):
    page.goto("/accounts/login/")
    assert_layout(page, axe_path)
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").last.click()
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_label("Tên đăng nhập")).to_have_attribute("aria-describedby", "form-errors")
    assert_layout(page, axe_path)


def test_login_two_factor_enrolment_and_staff_home(page: Page, axe_path, official):
    page.goto("/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()

    # First login of an official: enrol an authenticator app.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/setup/"))
    expect(page.get_by_role("img", name=re.compile("Mã QR"))).to_be_visible()
    assert_layout(page, axe_path)
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    from base64 import b32decode

    code = totp(b32decode(secret), step=30, t0=0, digits=6, drift=0)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(f"{code:06d}")
    page.get_by_role("button", name="Xác nhận").click()

    # The staff home: the user's name, each grant with its unit, the subtree note.
    expect(page).to_have_url(re.compile(r"/office/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trang cán bộ")
    expect(page.get_by_role("status")).to_have_text("Đã bật xác thực hai lớp.")
    grants = page.locator(".grant")
    expect(grants).to_have_count(2)
    expect(grants.nth(0)).to_contain_text("Lãnh đạo")
    expect(grants.nth(0)).to_contain_text("Tỉnh Thử Nghiệm")
    expect(grants.nth(0)).to_contain_text("cả đơn vị trực thuộc")
    expect(grants.nth(1)).to_contain_text("Văn thư")
    expect(grants.nth(1)).to_contain_text("Xã An Hòa")
    expect(page.get_by_role("navigation").get_by_text("Lê Thị Hoa")).to_be_visible()
    assert_layout(page, axe_path)

    # Logging out is a POST from the header's button.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()


def test_second_login_asks_for_the_code(page: Page, axe_path, official):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=official, name="egov", confirmed=True)
    page.goto("/office/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/office/"))
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/verify/\?next=%2Foffice%2F"))
    assert_layout(page, axe_path)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(
        "000000" if _code(device) != "000000" else "111111"
    )
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#id_code_error")).to_have_text("Mã xác thực không đúng hoặc đã hết hạn.")
    assert_layout(page, axe_path)


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6, drift=0):06d}"
