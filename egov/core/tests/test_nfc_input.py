"""Every text input reaches the views composed to NFC."""

import json
import unicodedata
from urllib.parse import urlencode

from django.http import HttpResponse
from django.test import RequestFactory

from egov.api.parsers import NFCJSONParser
from egov.core.middleware import NFCInputMiddleware

DECOMPOSED = unicodedata.normalize("NFD", "Thanh Hóa Đặng Thị Ngọc Hưởng")
COMPOSED = unicodedata.normalize("NFC", DECOMPOSED)


def _seen(request):
    seen = {}

    def view(req):
        seen["GET"] = dict(req.GET.lists())
        seen["POST"] = dict(req.POST.lists())
        return HttpResponse("ok")

    NFCInputMiddleware(view)(request)
    return seen


def test_query_strings_and_forms_are_composed():
    assert DECOMPOSED != COMPOSED
    factory = RequestFactory()
    body = urlencode({"name": [DECOMPOSED, "a"], DECOMPOSED: "k"}, doseq=True)
    seen = _seen(
        factory.post(f"/x/?q={DECOMPOSED}", body, content_type="application/x-www-form-urlencoded")
    )
    assert seen["GET"] == {"q": [COMPOSED]}
    assert seen["POST"]["name"] == [COMPOSED, "a"]
    assert seen["POST"][COMPOSED] == ["k"]


def test_small_multipart_forms_are_composed():
    seen = _seen(RequestFactory().post("/x/", {"name": DECOMPOSED}))
    assert seen["POST"]["name"] == [COMPOSED]


def test_json_bodies_are_composed():
    import io

    body = json.dumps({"a": [DECOMPOSED, {DECOMPOSED: 1}], "n": 2}).encode()
    parsed = NFCJSONParser().parse(io.BytesIO(body), "application/json", {})
    assert parsed == {"a": [COMPOSED, {COMPOSED: 1}], "n": 2}
