"""The counter's rating tablet: after the result is handed over at the counter, the one-stop officer
opens a page on which the applicant rates the handling once; only officers receiving for the
dossier's unit open it, and only for a returned dossier."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from egov.audit.models import AuditEvent
from egov.dossiers import services
from egov.dossiers.models import Dossier, Rating, State
from egov.dossiers.services import ComponentInput
from egov.dossiers.tests.fixtures import vn
from egov.office.tests.test_home import login_verified

MON = vn(2026, 11, 30, 9)  # a Monday

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(world, applicant):
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    d = services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=components, at=MON,
    )  # fmt: skip
    return d


def returned(d):
    # The whole processing is test_lifecycle's; here only where it ends matters.
    Dossier.objects.filter(pk=d.pk).update(
        state=State.RETURNED, returned_at=MON + timedelta(days=2)
    )
    d.refresh_from_db()
    return d


def url(d):
    return reverse("office:dossier-counter-rating", args=[d.pk])


def test_the_applicant_rates_once_on_the_counter_tablet(client, world, dossier):
    d = returned(dossier)
    login_verified(client, world.staff["officer"])
    detail = client.get(reverse("office:dossier-detail", args=[d.pk])).content.decode()
    assert url(d) in detail
    page = client.get(url(d))
    assert page.status_code == 200
    html = page.content.decode()
    assert d.code in html and "Rất hài lòng" in html
    assert "site-nav" not in html  # the applicant's screen: no way into the office
    before = AuditEvent.objects.count()
    posted = client.post(
        url(d), {"overall": "very_satisfied", "c1": "satisfied", "comment": "Nhanh"}
    )
    assert posted.status_code == 302
    rating = Rating.objects.get(dossier=d)
    assert (rating.overall, rating.criteria, rating.comment, rating.via_counter) == (
        "very_satisfied", {"1": "satisfied"}, "Nhanh", True,
    )  # fmt: skip
    assert AuditEvent.objects.count() == before + 1
    assert "Cảm ơn ông/bà đã đánh giá." in client.get(url(d)).content.decode()
    # once only; the link leaves the dossier page
    again = client.post(url(d), {"overall": "not_satisfied"})
    assert again.status_code == 409
    assert Rating.objects.get(dossier=d).overall == "very_satisfied"
    detail = client.get(reverse("office:dossier-detail", args=[d.pk])).content.decode()
    assert url(d) not in detail


def test_bad_input_is_refused_and_nothing_is_saved(client, world, dossier):
    d = returned(dossier)
    login_verified(client, world.staff["officer"])
    for data in (
        {},
        {"overall": "rat-hai-long"},
        {"overall": "satisfied", "c3": "x"},
        {"overall": "satisfied", "comment": "x" * 4001},
        {"overall": "satisfied", "comment": "a\x00b"},
    ):
        response = client.post(url(d), data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode() or "field--error" in (
            response.content.decode()
        )
    assert not Rating.objects.filter(dossier=d).exists()


def test_not_before_the_result_is_returned(client, world, dossier):
    login_verified(client, world.staff["officer"])
    html = client.get(url(dossier)).content.decode()
    assert "chỉ đánh giá được khi đã nhận kết quả" in html
    assert client.post(url(dossier), {"overall": "satisfied"}).status_code == 409
    assert not Rating.objects.exists()
    detail = client.get(reverse("office:dossier-detail", args=[dossier.pk])).content.decode()
    assert url(dossier) not in detail


def test_only_officers_receiving_for_the_unit_open_it(client, world, dossier, django_user_model):
    d = returned(dossier)
    # a specialist of the unit sees the dossier but does not hold the counter
    login_verified(client, world.staff["specialist"])
    assert client.get(url(d)).status_code == 403
    assert client.post(url(d), {"overall": "satisfied"}).status_code == 403
    # another commune's officer does not see it at all
    login_verified(client, world.other["officer"])
    assert client.get(url(d)).status_code == 404
    # nor does the applicant's account (the portal has the applicant's own rating page)
    client.force_login(world.citizen)
    assert client.get(url(d)).status_code in (403, 404)
    assert not Rating.objects.exists()
