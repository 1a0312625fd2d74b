"""The counter's rating tablet in a real browser: the one-stop officer opens the rating page of a
dossier whose result was handed over at the counter, and the applicant rates it with a tap on a
tablet-sized screen; the page passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from egov.dossiers import services
from egov.dossiers.models import Dossier, Rating, State
from egov.dossiers.services import ComponentInput
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: F401 - the same browser set-up
from tests.e2e.test_browser_base import assert_accessible
from tests.e2e.test_dossier_journey import PASSWORD, _login

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}


def test_the_applicant_rates_on_the_counter_tablet(
    browser: Browser, live_server, world, applicant, settings, axe_path
):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    officer = world.staff["officer"]
    officer.username = "xa.officer"
    officer.set_password(PASSWORD)
    officer.save()
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    dossier = services.counter_receive(
        actor=officer, unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=components,
    )  # fmt: skip
    # The processing itself is the journey test's; here the result was handed over.
    Dossier.objects.filter(pk=dossier.pk).update(
        state=State.RETURNED, returned_at=timezone.now() + timedelta(minutes=1)
    )
    context = browser.new_context(
        viewport=TABLET, locale="vi-VN", base_url=live_server.url, has_touch=True
    )
    context.set_default_timeout(15_000)
    try:
        page = _login(context, officer.username)
        page.goto(f"/office/dossiers/{dossier.pk}/")
        page.get_by_role("link", name="Mở trang đánh giá cho người nộp").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Đánh giá mức độ hài lòng")
        expect(page.locator(".site-nav")).to_have_count(0)
        assert_accessible(page, axe_path)
        page.get_by_label("Rất hài lòng").check()
        page.get_by_role("button", name="Gửi đánh giá").click()
        expect(page.get_by_role("status")).to_contain_text("Cảm ơn ông/bà đã đánh giá.")
        assert_accessible(page, axe_path)
    finally:
        context.close()
    rating = Rating.objects.get(dossier=dossier)
    assert rating.overall == "very_satisfied" and rating.via_counter
