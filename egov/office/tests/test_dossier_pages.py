"""Staff dossier pages: counter reception, queues with counts, the dossier page and its actions."""

from __future__ import annotations

import pytest

from egov.audit.models import AuditEvent
from egov.dossiers.models import Dossier, State
from egov.office.tests.test_home import login_verified
from egov.workcalendar.deadlines import to_vietnam_time


def _reception_url(world):
    return f"/office/dossiers/tiep-nhan/?unit={world.commune.pk}&code={world.procedure.code}"


def _reception_post(world, **overrides):
    data = {
        "applicant_kind": "citizen",
        "applicant_name": "Lê Văn Hùng",
        "applicant_id_number": "038085001234",
        "applicant_phone": "0987654321",
        "channel": "1",
        "sets": "1",
        "delivery": "counter",
        "provided": [str(c.pk) for c in world.procedure.current.components.all()],
        "outcome": "accept",
    }
    data.update(overrides)
    return data


def test_counter_reception_accepts_and_shows_the_dossier(client, world):
    login_verified(client, world.staff["officer"])
    page = client.get(_reception_url(world))
    assert page.status_code == 200
    assert "Thủ tục đăng ký giám hộ" in page.content.decode()
    response = client.post(_reception_url(world), _reception_post(world))
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == f"/office/dossiers/{dossier.pk}/"
    assert dossier.state == State.PROCESSING and dossier.applicant_name == "Lê Văn Hùng"
    detail = client.get(response["Location"]).content.decode()
    assert dossier.code in detail and "Lê Văn Hùng" in detail and dossier.lookup_code in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"applicant_id_number": "123"}, "12 chữ số"),
        ({"applicant_name": ""}, "bắt buộc"),
        ({"provided": []}, "yêu cầu bổ sung"),
        ({"outcome": "refuse", "reason": ""}, "lý do"),
        ({"applicant_name": "A\x00B"}, 'id="id_applicant_name_error"'),
        ({"sets": "0"}, 'id="id_sets_error"'),
    ],
)
def test_bad_reception_input_is_refused_with_a_message_and_nothing_kept(
    client, world, overrides, message
):
    login_verified(client, world.staff["officer"])
    before = AuditEvent.objects.count()
    response = client.post(_reception_url(world), _reception_post(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Dossier.objects.count() == 0 and AuditEvent.objects.count() == before


def test_reception_needs_the_receive_right_on_the_unit(client, world):
    login_verified(client, world.other["officer"])
    response = client.post(_reception_url(world), _reception_post(world))
    # the commune is not among the officer's units: the start form refuses it
    assert response.status_code == 200 and Dossier.objects.count() == 0
    login_verified(client, world.staff["specialist"])
    assert client.get(_reception_url(world)).status_code == 403


def test_queue_counts_and_actions_through_the_pages(client, world):
    officer, specialist = world.staff["officer"], world.staff["specialist"]
    login_verified(client, officer)
    client.post(_reception_url(world), _reception_post(world))
    dossier = Dossier.objects.get()
    login_verified(client, specialist)
    page = client.get("/office/dossiers/?queue=to_process")
    assert page.status_code == 200 and dossier.code in page.content.decode()
    search = client.get("/office/dossiers/?queue=to_process&q=le+van+hung").content.decode()
    assert dossier.code in search
    miss = client.get("/office/dossiers/?queue=to_process&q=nobody").content.decode()
    assert dossier.code not in miss
    # stale version: refused with a message, nothing changes
    response = client.post(
        f"/office/dossiers/{dossier.pk}/forward/", {"version": dossier.row_version + 5}
    )
    assert response.status_code == 400
    assert "tải lại trang" in response.content.decode()
    response = client.post(
        f"/office/dossiers/{dossier.pk}/forward/",
        {"version": dossier.row_version, "note": "Đủ điều kiện"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_kind == "transfer"
    # the department sees it now, the sibling commune does not
    login_verified(client, world.dept["officer"])
    assert client.get(f"/office/dossiers/{dossier.pk}/").status_code == 200
    login_verified(client, world.other["leader"])
    assert client.get(f"/office/dossiers/{dossier.pk}/").status_code == 404
    assert (
        client.post(
            f"/office/dossiers/{dossier.pk}/stop/", {"version": dossier.row_version, "note": "x"}
        ).status_code
        == 404
    )
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING


def test_unknown_action_and_citizens_are_refused(client, world, make_user):
    login_verified(client, world.staff["officer"])
    client.post(_reception_url(world), _reception_post(world))
    dossier = Dossier.objects.get()
    assert client.post(f"/office/dossiers/{dossier.pk}/explode/", {"version": 1}).status_code == 404
    client.force_login(world.citizen)
    assert client.get("/office/dossiers/").status_code == 403
    assert client.get(f"/office/dossiers/{dossier.pk}/").status_code == 403


def test_printed_forms_from_the_dossier_page(client, world):
    import subprocess

    login_verified(client, world.staff["officer"])
    client.post(_reception_url(world), _reception_post(world))
    dossier = Dossier.objects.get()
    page = client.get(f"/office/dossiers/{dossier.pk}/").content.decode()
    assert f"/office/dossiers/{dossier.pk}/in/01/" in page
    response = client.get(f"/office/dossiers/{dossier.pk}/in/01/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert dossier.code in text and "Lê Văn Hùng" in text
    assert client.get(f"/office/dossiers/{dossier.pk}/in/03/").status_code == 404  # not refused
    assert client.get(f"/office/dossiers/{dossier.pk}/in/99/").status_code == 404
    login_verified(client, world.other["officer"])
    assert client.get(f"/office/dossiers/{dossier.pk}/in/01/").status_code == 404


def test_tracking_book_for_a_period(client, world):
    import subprocess

    login_verified(client, world.staff["officer"])
    client.post(_reception_url(world), _reception_post(world))
    dossier = Dossier.objects.get()
    day = to_vietnam_time(dossier.received_at).date().isoformat()
    url = f"/office/dossiers/so-theo-doi/?unit={world.commune.pk}&date_from={day}&date_to={day}"
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert dossier.code in text
    login_verified(client, world.other["officer"])
    assert client.get(url).status_code == 400  # not one of the officer's units


def test_a_supplement_asked_at_the_counter_keeps_one_paper_per_line(client, world):
    login_verified(client, world.staff["officer"])
    items = "Bản sao giấy khai sinh\r\n\r\n  Giấy xác nhận nơi cư trú  "
    response = client.post(
        _reception_url(world),
        _reception_post(world, outcome="supplement", items=items, reason="Thiếu giấy tờ"),
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.supplements.get().items == "Bản sao giấy khai sinh\nGiấy xác nhận nơi cư trú"
    detail = client.get(response["Location"]).content.decode()
    assert "Bản sao giấy khai sinh<br>Giấy xác nhận nơi cư trú" in detail
    assert "đang chờ người nộp bổ sung" in detail
