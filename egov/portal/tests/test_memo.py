"""`{% memo %}`: markup of the shared layout rendered once per process, per language, URL prefix
and the values it names, and never anything else."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation

from egov.accounts.models import UserKind
from egov.portal.templatetags import egov_ui


@pytest.fixture(autouse=True)
def _prefix():
    before = get_script_prefix()
    yield
    set_script_prefix(before)


def test_memo_keeps_the_first_rendering_of_what_it_does_not_name():
    template = engines["django"].from_string("{% load egov_ui %}{% memo %}{{ y }}{% endmemo %}")
    assert template.render({"y": "một"}) == "một"
    assert template.render({"y": "hai"}) == "một"


def test_memo_renders_again_for_each_value_it_names():
    template = engines["django"].from_string(
        "{% load egov_ui %}{% memo x %}{{ x }}{{ y }}{% endmemo %}"
    )
    assert template.render({"x": "1", "y": "a"}) == "1a"
    assert template.render({"x": "2", "y": "b"}) == "2b"
    assert template.render({"x": "1", "y": "c"}) == "1a"


def test_memo_renders_again_for_each_language():
    template = engines["django"].from_string(
        '{% load i18n egov_ui %}{% memo %}{% translate "Trang chủ" %}{% endmemo %}'
    )
    with translation.override("vi"):
        assert template.render({}) == "Trang chủ"
    with translation.override("en"):
        assert template.render({}) == "Home"
    with translation.override("vi"):
        assert template.render({}) == "Trang chủ"


def test_memo_and_url_of_render_again_for_each_url_prefix():
    template = engines["django"].from_string(
        "{% load egov_ui %}{% memo %}{% url 'portal:home' %}{% endmemo %}"
    )
    set_script_prefix("/")
    assert template.render({}) == "/"
    assert egov_ui.url_of("portal:procedure-list") == "/thu-tuc/"
    set_script_prefix("/egov/")
    assert template.render({}) == "/egov/"
    assert egov_ui.url_of("portal:procedure-list") == "/egov/thu-tuc/"


def test_memo_is_off_under_debug(settings):
    settings.DEBUG = True
    template = engines["django"].from_string("{% load egov_ui %}{% memo %}{{ y }}{% endmemo %}")
    assert template.render({"y": "một"}) == "một"
    assert template.render({"y": "hai"}) == "hai"


def test_layout_shows_each_visitor_their_own_account_links(client, make_user):
    anonymous = client.get("/thu-tuc/").content.decode()
    assert "Đăng nhập" in anonymous and "Đăng xuất" not in anonymous
    client.force_login(make_user(kind=UserKind.CITIZEN))
    signed_in = client.get("/thu-tuc/").content.decode()
    assert "Đăng xuất" in signed_in and "Trang cá nhân" in signed_in
    assert ">Đăng nhập</a>" not in signed_in
