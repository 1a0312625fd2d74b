"""Citizen dossier pages: start online, the draft, submit, supplement, lookup by code, rating."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.core.files.base import ContentFile

from egov.dossiers import services
from egov.dossiers.models import Dossier, Rating, State
from egov.dossiers.services import ComponentInput
from egov.dossiers.tests.fixtures import vn
from egov.office.tests.test_home import login_verified
from egov.uploads.tests.samples import pdf_bytes

MON = vn(2026, 11, 30, 9)


def _draft_post(**overrides):
    data = {
        "version": 1,  # a draft just made
        "applicant_kind": "citizen",
        "applicant_name": "Nguyễn Thị Lan",
        "applicant_id_number": "038190000123",
        "applicant_phone": "0912345678",
        "applicant_email": "lan@example.vn",
        "delivery": "electronic",
    }
    data.update(overrides)
    return data


def test_citizen_starts_saves_and_submits_online(client, world):
    client.force_login(world.citizen)
    page = client.get(f"/thu-tuc/{world.procedure.code}/nop-truc-tuyen/")
    assert page.status_code == 200 and world.commune.name in page.content.decode()
    response = client.post(
        f"/thu-tuc/{world.procedure.code}/nop-truc-tuyen/", {"unit": world.commune.pk}
    )
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/ho-so/{dossier.pk}/"
    draft = client.get(response["Location"]).content.decode()
    assert "Nguyễn Thị Lan" in draft  # prefilled from the profile
    # a bad ID number is refused next to the field, nothing changes
    bad = client.post(f"/ho-so/{dossier.pk}/save/", _draft_post(applicant_id_number="12"))
    assert bad.status_code == 400 and "12 chữ số" in bad.content.decode()
    # papers still missing: submission refused with the name of the paper
    refused = client.post(f"/ho-so/{dossier.pk}/submit/", _draft_post())
    assert refused.status_code == 400 and "Còn thiếu tệp" in refused.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.DRAFT and dossier.code is None
    assert dossier.row_version == 2  # the data were saved all the same
    assert 'name="version" value="2"' in refused.content.decode()  # the page shows it
    dossier.components.update(provided=True)  # as if every paper had been uploaded
    ok = client.post(
        f"/ho-so/{dossier.pk}/submit/", _draft_post(version=2, applicant_address="Thôn 2")
    )
    assert ok.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED and dossier.applicant_address == "Thôn 2"
    mine = client.get("/ho-so/").content.decode()
    assert dossier.code in mine


def test_a_draft_changed_since_the_page_was_shown_is_not_overwritten(client, world):
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    client.force_login(world.citizen)
    page = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    # another tab saves first
    assert (
        client.post(f"/ho-so/{d.pk}/save/", _draft_post(applicant_address="Thôn 1")).status_code
        == 302
    )
    # this tab, still at version 1, neither saves nor submits over it
    for action in ("save", "submit"):
        stale = client.post(f"/ho-so/{d.pk}/{action}/", _draft_post(applicant_address="Thôn 9"))
        assert stale.status_code == 400
        body = stale.content.decode()
        assert "vừa được người khác cập nhật" in body
        assert 'name="version" value="2"' in body and "Thôn 1" in body  # the page shows the latest
    d.refresh_from_db()
    assert (d.state, d.applicant_address, d.row_version) == (State.DRAFT, "Thôn 1", 2)
    # a post without the version is refused as a bad form, and saves nothing
    missing = _draft_post(applicant_address="Thôn 9")
    del missing["version"]
    assert client.post(f"/ho-so/{d.pk}/save/", missing).status_code == 400
    d.refresh_from_db()
    assert d.applicant_address == "Thôn 1"


def test_a_unit_not_offering_it_online_cannot_be_chosen(client, world):
    client.force_login(world.citizen)
    response = client.post(
        f"/thu-tuc/{world.procedure.code}/nop-truc-tuyen/", {"unit": world.province.pk}
    )
    assert response.status_code == 400 and Dossier.objects.count() == 0


def test_others_cannot_see_or_touch_my_dossier(client, world):
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    client.force_login(world.stranger)
    assert client.get(f"/ho-so/{d.pk}/").status_code == 404
    assert client.post(f"/ho-so/{d.pk}/submit/", _draft_post()).status_code == 404
    assert client.get(f"/ho-so/{d.pk}/ket-qua/").status_code == 404
    login_verified(client, world.staff["officer"])
    assert client.get(f"/ho-so/{d.pk}/").status_code == 403
    client.logout()
    assert client.get(f"/ho-so/{d.pk}/").status_code == 302


def _returned(world):
    s = world.staff
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    d.components.update(provided=True)
    d = services.submit(
        actor=world.citizen, dossier_id=d.pk, expected_version=d.row_version, at=MON
    )
    d = services.accept(actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version, at=MON)
    plan = [s["specialist"], world.dept["officer"], world.dept["specialist"], world.dept["leader"],
            s["officer"], s["leader"], s["clerk"]]  # fmt: skip
    for i, user in enumerate(plan):
        d.refresh_from_db()
        d = services.forward(
            actor=user, dossier_id=d.pk, expected_version=d.row_version, at=MON + timedelta(hours=i)
        )
    d = services.attach_result(
        actor=s["clerk"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        file=ContentFile(pdf_bytes()),
        name="kq.pdf",
    )
    return services.deliver(
        actor=s["officer"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        delivery="electronic",
        at=MON + timedelta(days=1),
    )


def test_lookup_shows_the_public_view_and_rates(client, world):
    cache.clear()
    d = _returned(world)
    page = client.get(f"/tra-cuu-ho-so/?ma={d.code}&mtc={d.lookup_code.lower()}")
    body = page.content.decode()
    assert page.status_code == 200 and "Đã trả kết quả" in body
    assert "Nguyễn Thị Lan" not in body and "038190000123" not in body  # nothing personal
    wrong = client.get(f"/tra-cuu-ho-so/?ma={d.code}&mtc=AAAAAA")
    unknown = client.get("/tra-cuu-ho-so/?ma=00000-000000-0000&mtc=AAAAAA")
    assert wrong.status_code == unknown.status_code == 404
    response = client.post(
        f"/tra-cuu-ho-so/?ma={d.code}&mtc={d.lookup_code}",
        {"overall": "satisfied", "c7": "very_satisfied"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=d)
    assert rating.overall == "satisfied" and rating.criteria == {"7": "very_satisfied"}
    again = client.post(
        f"/tra-cuu-ho-so/?ma={d.code}&mtc={d.lookup_code}", {"overall": "not_satisfied"}
    )
    assert again.status_code == 200 and Rating.objects.get(dossier=d).overall == "satisfied"


def test_lookup_is_throttled(client, world):
    cache.clear()
    for _ in range(20):
        assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 404
    response = client.get("/tra-cuu-ho-so/?ma=x&mtc=y")
    assert response.status_code == 429
    cache.clear()


def test_result_download_is_for_the_applicant_once_returned(client, world):
    d = _returned(world)
    client.force_login(world.citizen)
    response = client.get(f"/ho-so/{d.pk}/ket-qua/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    page = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert "Đánh giá mức độ hài lòng" in page
    assert client.post(f"/ho-so/{d.pk}/rate/", {"overall": "bogus"}).status_code == 400
    assert client.post(f"/ho-so/{d.pk}/rate/", {"overall": "very_satisfied"}).status_code == 302
    assert Rating.objects.get(dossier=d).overall == "very_satisfied"


def test_supplement_online(client, world, applicant):
    s = world.staff
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    d.components.update(provided=True)
    d = services.submit(
        actor=world.citizen, dossier_id=d.pk, expected_version=d.row_version, at=MON
    )
    d = services.request_supplement(
        actor=s["officer"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        items="Bản sao giấy khai sinh",
        reason="Thiếu",
    )
    client.force_login(world.citizen)
    page = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert "Bản sao giấy khai sinh" in page
    response = client.post(
        f"/ho-so/{d.pk}/supplement/", {"version": d.row_version, "note": "Đã gửi bản sao"}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.state == State.SUBMITTED
    assert ComponentInput  # the counter path is covered by the office tests


def test_upload_from_the_draft_page(client, world):
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    component = d.components.first()
    client.force_login(world.citizen)
    good = ContentFile(pdf_bytes(), name="to-khai.pdf")
    response = client.post(f"/ho-so/{d.pk}/tep/", {"component": component.pk, "file": good})
    assert response.status_code == 302
    assert component.files.count() == 1
    page = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert "to-khai.pdf" in page
    bad = ContentFile(b"<html></html>", name="to-khai.pdf")
    response = client.post(f"/ho-so/{d.pk}/tep/", {"component": component.pk, "file": bad})
    assert response.status_code == 400 and "không phải là" in response.content.decode()
    assert component.files.count() == 1
    assert client.post(f"/ho-so/{d.pk}/tep/", {"component": component.pk}).status_code == 400
    row = component.files.get()
    assert client.post(f"/ho-so/{d.pk}/tep/{row.pk}/xoa/").status_code == 302
    assert component.files.count() == 0


def test_lookup_limit_follows_egov_lookup_rate(client, world, settings):
    cache.clear()
    settings.EGOV_LOOKUP_RATE = "3/hour"
    for _ in range(3):
        assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 404
    assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 429
    cache.clear()


def test_the_page_and_the_api_share_one_lookup_counter(client, world, settings):
    cache.clear()
    settings.EGOV_LOOKUP_RATE = "3/hour"
    assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 404
    api = "/api/v1/dossier-lookup/?code=x&lookup_code=y"
    assert client.get(api).status_code == 404
    assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 404
    assert client.get(api).status_code == 429
    assert client.get("/tra-cuu-ho-so/?ma=x&mtc=y").status_code == 429
    cache.clear()


def test_behind_a_trusted_proxy_each_citizen_has_their_own_count(client, world, settings):
    cache.clear()
    settings.EGOV_LOOKUP_RATE = "2/hour"
    settings.EGOV_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(2):
        assert (
            client.get(
                "/tra-cuu-ho-so/?ma=x&mtc=y", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
            ).status_code
            == 404
        )
    assert (
        client.get(
            "/tra-cuu-ho-so/?ma=x&mtc=y", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
        ).status_code
        == 429
    )
    # another citizen through the same proxy is not held back
    assert (
        client.get(
            "/tra-cuu-ho-so/?ma=x&mtc=y", HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy
        ).status_code
        == 404
    )
    # without a trusted proxy, a forged header changes nothing
    settings.EGOV_PROXY_COUNT = 0
    cache.clear()
    for forged in ("198.51.100.1", "198.51.100.2"):
        client.get("/tra-cuu-ho-so/?ma=x&mtc=y", HTTP_X_FORWARDED_FOR=forged)
    assert (
        client.get("/tra-cuu-ho-so/?ma=x&mtc=y", HTTP_X_FORWARDED_FOR="198.51.100.3").status_code
        == 429
    )
    cache.clear()
