"""The staff audit pages: scope, filters, bad input, query count; and the selector behind them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from egov.accounts.models import Role, RoleGrant, UserKind
from egov.audit.admin import AuditEventAdmin
from egov.audit.models import AuditEvent
from egov.audit.selectors import audit_events_for
from egov.audit.services import audit_record

pytestmark = pytest.mark.django_db

LIST = "/office/audit/"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False


@pytest.fixture
def events(commune_a, commune_b, make_user):
    actor = make_user(username="can.bo.a")
    return {
        "a": audit_record(
            actor=actor,
            role=Role.UNIT_ADMIN,
            action="unit.update",
            target=commune_a,
            unit=commune_a,
            summary={"name": ["Cũ", "Xã An Hòa"]},
        ),
        "b": audit_record(
            actor=None,
            action="unit.create",
            target=commune_b,
            unit=commune_b,
            summary={"secret": "CHI-XA-BINH"},
        ),
        "none": audit_record(actor=None, action="system.boot", summary={"v": 1}),
    }


@pytest.fixture
def admin_a(make_official, commune_a):
    return make_official(Role.UNIT_ADMIN, commune_a, username="qt.a")


@pytest.fixture
def system_admin(make_user):
    user = make_user(kind=UserKind.OFFICIAL, username="qt.he.thong")
    RoleGrant.objects.create(user=user, role=Role.SYSTEM_ADMIN, unit=None)
    return user


def seqs(response) -> list[int]:
    """The events listed, leaving out the login events that force_login writes."""
    return [e.seq for e in response.context["page"].object_list if not e.action.startswith("auth.")]


def test_list_url_name():
    assert reverse("office:audit-list") == LIST
    assert reverse("office:audit-detail", args=[7]) == "/office/audit/7/"


def test_unit_admin_sees_only_own_unit(client, admin_a, events):
    client.force_login(admin_a)
    response = client.get(LIST)
    assert response.status_code == 200
    assert seqs(response) == [events["a"].seq]
    body = response.content.decode()
    assert "Xã An Hòa" in body and "CHI-XA-BINH" not in body
    assert "<td>Quản trị đơn vị</td>" in body  # the role's name, not its code
    assert client.get(f"/office/audit/{events['a'].seq}/").status_code == 200
    assert client.get(f"/office/audit/{events['b'].seq}/").status_code == 404
    assert client.get(f"/office/audit/{events['none'].seq}/").status_code == 404
    assert client.get("/office/audit/99999999999999999999999/").status_code == 404


def test_province_admin_over_subtree_sees_both_communes(client, make_official, province, events):
    client.force_login(make_official(Role.UNIT_ADMIN, province, include_subtree=True))
    assert seqs(client.get(LIST)) == [events["b"].seq, events["a"].seq]


def test_system_admin_sees_everything_newest_first(client, system_admin, events):
    client.force_login(system_admin)
    assert seqs(client.get(LIST)) == [events["none"].seq, events["b"].seq, events["a"].seq]
    detail = client.get(f"/office/audit/{events['none'].seq}/")
    assert detail.status_code == 200 and "(khớp với nội dung)" in detail.content.decode()


@pytest.mark.parametrize("path", [LIST, "/office/audit/1/"])
def test_without_audit_right_is_forbidden(
    client, make_official, make_user, commune_a, events, path
):
    client.force_login(make_official(Role.SPECIALIST, commune_a))
    assert client.get(path).status_code == 403
    client.force_login(make_user(kind=UserKind.CITIZEN))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", [LIST, "/office/audit/1/"])
def test_anonymous_is_sent_to_login(client, events, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_post_is_not_allowed(client, admin_a, events):
    client.force_login(admin_a)
    assert client.post(LIST, {"action": "x"}).status_code == 405


def test_filters(client, system_admin, events, commune_b):
    client.force_login(system_admin)
    assert seqs(client.get(LIST, {"action": "unit."})) == [events["b"].seq, events["a"].seq]
    assert seqs(client.get(LIST, {"action": "unit.update"})) == [events["a"].seq]
    assert seqs(client.get(LIST, {"actor": "CAN.BO.A"})) == [events["a"].seq]
    assert seqs(client.get(LIST, {"unit": commune_b.pk})) == [events["b"].seq]
    assert seqs(client.get(LIST, {"q": "an hòa"})) == [events["a"].seq]
    today = timezone.localdate()
    assert len(seqs(client.get(LIST, {"date_from": today, "date_to": today}))) == 3
    tomorrow = today + timedelta(days=1)
    assert seqs(client.get(LIST, {"date_from": tomorrow})) == []
    assert seqs(client.get(LIST, {"date_to": today - timedelta(days=1)})) == []


def test_unit_admin_cannot_pick_another_unit(client, admin_a, events, commune_b):
    client.force_login(admin_a)
    response = client.get(LIST, {"unit": commune_b.pk})
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert seqs(response) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2025-13-45"}, "date_from"),
        ({"date_from": "hôm qua"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"date_from": "2025-07-02", "date_to": "2025-07-01"}, "date_to"),
        ({"action": "x" * 10_000}, "action"),
        ({"q": "<script>" * 2_000}, "q"),
        ({"actor": "a\x00b"}, "actor"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "99999999999999999999999999"}, "unit"),
        ({"unit": "1 OR 1=1"}, "unit"),
    ],
)
def test_bad_filter_values_give_a_form_error(client, system_admin, events, params, field):
    client.force_login(system_admin)
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "Điều kiện lọc không hợp lệ" in response.content.decode()
    assert seqs(response) == []


def test_own_date_messages_are_vietnamese(client, system_admin, events):
    client.force_login(system_admin)
    response = client.get(LIST, {"date_from": "1900-01-01"})
    assert "Ngày phải nằm trong khoảng năm 2000 đến năm 2999." in response.content.decode()
    response = client.get(LIST, {"date_from": "2025-07-02", "date_to": "2025-07-01"})
    assert "không được trước" in response.content.decode()


def test_invalid_utf8_and_hostile_text_do_not_break_the_page(client, system_admin, events):
    client.force_login(system_admin)
    before = AuditEvent.objects.count()
    response = client.get(LIST + "?q=%FF%FE%C0&action=%ED%A0%80&page=abc")
    assert response.status_code == 200
    assert client.get(LIST, {"q": "'; DROP TABLE audit_auditevent; --"}).status_code == 200
    assert client.get(LIST, {"q": "../../etc/passwd"}).status_code == 200
    assert client.get(LIST, {"page": "999999"}).status_code == 200
    assert AuditEvent.objects.count() == before


def test_stored_markup_is_escaped(client, system_admin, commune_a):
    event = audit_record(
        actor=None,
        action="test.xss",
        target=None,
        unit=commune_a,
        summary={"name": "<script>alert(1)</script>"},
    )
    client.force_login(system_admin)
    for path in (LIST, f"/office/audit/{event.seq}/"):
        body = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;" in body


def test_form_fields_have_labels(client, system_admin, events):
    client.force_login(system_admin)
    body = client.get(LIST).content.decode()
    for name in ("action", "actor", "unit", "date_from", "date_to", "q"):
        assert f'<label for="id_{name}">' in body
    assert '<th scope="col">' in body and "<caption>" in body


def _page_queries(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.context["page"].object_list)


def test_query_count_does_not_grow_with_page_size(
    client, admin_a, commune_a, make_user, django_assert_max_num_queries
):
    actor = make_user()
    audit_record(actor=actor, action="test.one", target=commune_a, unit=commune_a)
    client.force_login(admin_a)
    client.get(LIST)  # the first request of a session also writes the session
    few, shown = _page_queries(client, django_assert_max_num_queries, 12)
    assert shown == 1
    for n in range(70):
        audit_record(
            actor=actor, action="test.many", target=commune_a, unit=commune_a, summary={"n": n}
        )
    many, shown = _page_queries(client, django_assert_max_num_queries, few)
    assert shown == 50 and many == few
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 21


# --- The selector directly ----------------------------------------------------------------------


def test_selector_scopes_and_filters(admin_a, system_admin, make_official, commune_a, events):
    assert list(audit_events_for(admin_a)) == [events["a"]]
    assert audit_events_for(system_admin).count() == 3
    assert audit_events_for(make_official(Role.LEADER, commune_a)).count() == 0
    assert list(audit_events_for(system_admin, actor=events["a"].actor)) == [events["a"]]
    assert list(audit_events_for(system_admin, unit=commune_a)) == [events["a"]]
    today = timezone.localdate()
    assert audit_events_for(system_admin, date_from=today, date_to=today).count() == 3
    assert audit_events_for(system_admin, date_to=date(2000, 1, 1)).count() == 0


def test_events_of_a_deleted_user_are_still_found_by_username(system_admin, events):
    actor = events["a"].actor
    actor.delete()
    assert list(audit_events_for(system_admin, actor="can.bo.a")) == [events["a"]]


# --- The Django admin ---------------------------------------------------------------------------


def test_admin_is_read_only_and_scoped(rf, admin_a, events):
    from django.contrib import admin

    model_admin = AuditEventAdmin(AuditEvent, admin.site)
    request = rf.get("/admin/audit/auditevent/")
    request.user = admin_a
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, events["a"])
    assert not model_admin.has_delete_permission(request, events["a"])
    assert model_admin.has_view_permission(request, events["a"])
    assert not model_admin.has_view_permission(request, events["b"])
    assert list(model_admin.get_queryset(request)) == [events["a"]]
