"""Browser tests: Playwright's Python package driving Debian's chromium (never `playwright
install`), against pytest-django's live server. Every test here is marked `browser`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
# thread with a running loop unless told that this is deliberate (the tests create data).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

VIEWPORTS = {
    "phone": {"width": 375, "height": 667},
    "desktop": {"width": 1280, "height": 800},
}


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request) -> dict[str, int]:
    return VIEWPORTS[request.param]


@pytest.fixture
def page(browser: Browser, live_server, viewport) -> Page:
    """A fresh browser context (no cookies) in Vietnamese; any request that would leave the
    live server is recorded and aborted, and the test fails on it."""
    context = browser.new_context(
        viewport=viewport, locale="vi-VN", base_url=live_server.url, timezone_id="Asia/Ho_Chi_Minh"
    )
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(live_server.url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not outside, f"requests to other servers: {outside}"


@pytest.fixture
def axe_path() -> Path:
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: cd {AXE.parents[2]} && "
            "npm install --no-save --no-audit --no-fund axe-core@4 (make test does it)"
        )
    return AXE
