"""The dossier's journey through the REST API, with the users who take each step logged in
(session): online draft and submission, acceptance, commune → province department → commune,
a supplement round that pauses the clock, signature, result file, electronic return, public
lookup and rating. Then what the API refuses: other people's dossiers, stale versions, bad
bodies, unknown actions, too many lookups."""

from __future__ import annotations

import json

import pikepdf
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from egov.audit.models import AuditEvent
from egov.dossiers import services
from egov.dossiers.api.serializers import ACTION_BODIES
from egov.dossiers.models import Dossier, DossierComponent, State
from egov.dossiers.tests.fixtures import GIAM_HO, vn
from egov.dossiers.transitions import TRANSITIONS
from egov.uploads.tests.samples import pdf_bytes

PROBLEM = "application/problem+json"
LIST = "/api/v1/dossiers/"
LOOKUP = "/api/v1/dossier-lookup/"
MON = vn(2026, 11, 30, 9)  # Monday 30 November 2026, 09:00
RESULT_PDF = pdf_bytes()


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    cache.clear()  # lookup throttle counts
    yield
    cache.clear()


@pytest.fixture
def now(monkeypatch):
    """The moment the services take as now (the API never passes `at`)."""
    moment = {"at": MON}
    monkeypatch.setattr(services, "_now", lambda at: at if at is not None else moment["at"])
    return moment


class Api:
    def __init__(self, client):
        self.client = client

    def as_(self, user) -> Api:
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        return self

    def get(self, url, params=None):
        return self.client.get(url, params or {})

    def post(self, url, body=None):
        return self.client.post(url, json.dumps(body or {}), content_type="application/json")

    def patch(self, url, body):
        return self.client.patch(url, json.dumps(body), content_type="application/json")

    def act(self, dossier, action, **body):
        body.setdefault("version", dossier["row_version"])
        return self.post(f"{LIST}{dossier['id']}/actions/{action}/", body)


@pytest.fixture
def api(client):
    return Api(client)


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()
    return response.json()


def problem(response, status, code=None):
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if code:
        assert body["type"] == f"about:blank#{code}"
    return body


def names(dossier) -> list[str]:
    return [a["action"] for a in dossier["actions"]]


def _draft(api, world):
    api.as_(world.citizen)
    d = ok(api.post(LIST, {"procedure": GIAM_HO, "unit": world.commune.pk}), 201)
    # Files of the papers are uploaded on the portal pages (not this API): stand in for them.
    DossierComponent.objects.filter(dossier_id=d["id"]).update(provided=True)
    return ok(api.get(f"{LIST}{d['id']}/"))


def _submitted(api, world):
    return ok(api.act(_draft(api, world), "submit"))


def _counter(api, world, **extra):
    components = [{"component_id": c.pk} for c in world.procedure.current.components.all()]
    body = {
        "procedure": GIAM_HO,
        "unit": world.commune.pk,
        "applicant_name": "Lê Văn Hùng",
        "applicant_id_number": "038085001234",
        "applicant_phone": "0987654321",
        "components": components,
        **extra,
    }
    return api.as_(world.staff["officer"]).post("/api/v1/counter-receptions/", body)


def test_the_whole_journey_through_the_api(api, world, now):
    s, dp = world.staff, world.dept
    # A citizen starts a draft: prefilled from the account, only they may submit it.
    api.as_(world.citizen)
    draft = ok(api.post(LIST, {"procedure": GIAM_HO, "unit": world.commune.pk}), 201)
    assert draft["state"] == "draft" and draft["code"] is None
    assert draft["national_status"] is None and draft["channel"] == 2
    assert draft["applicant_name"] == "Nguyễn Thị Lan"
    assert draft["applicant_id_number"] == "038190000123"
    assert names(draft) == ["submit"]
    # papers without their files cannot be submitted
    problem(api.act(draft, "submit"), 400, "component_missing")
    # each paper's electronic copy, a real PDF through the upload gate
    for paper in draft["components"]:
        upload = SimpleUploadedFile(f"giay-to-{paper['position']}.pdf", RESULT_PDF)
        draft = ok(
            api.client.post(
                f"{LIST}{draft['id']}/components/{paper['id']}/files/", {"file": upload}
            ),
            201,
        )
    assert all(
        c["provided"] and c["files"][0]["content_type"] == "application/pdf"
        for c in draft["components"]
    )
    draft = ok(
        api.patch(
            f"{LIST}{draft['id']}/",
            {
                "version": draft["row_version"],
                "applicant_address": "Thôn 2, Xã An Hòa",
                "delivery": "electronic",
            },
        )
    )
    assert draft["applicant_address"] == "Thôn 2, Xã An Hòa"
    assert draft["applicant_name"] == "Nguyễn Thị Lan"  # fields not sent are kept
    d = ok(api.act(draft, "submit"))
    assert d["state"] == "submitted" and d["national_status"] == 1
    assert d["code"] == "99001-261130-0001" and len(d["lookup_code"]) == 6
    assert d["due_at"] is None  # the clock starts at acceptance
    assert "withdraw" in names(d) and "submit" not in names(d)

    # The commune's one-stop officer finds it in the reception queue and accepts it.
    api.as_(s["officer"])
    queue = ok(api.get(LIST, {"queue": "to_receive"}))
    assert [r["id"] for r in queue["results"]] == [d["id"]] and queue["count"] == 1
    assert {"accept", "refuse", "request_supplement", "withdraw"} <= set(
        names(ok(api.get(f"{LIST}{d['id']}/")))
    )
    d = ok(api.act(d, "accept"))
    assert d["state"] == "processing" and d["national_status"] == 4
    assert d["due_at"] == "2026-12-03T17:00:00+07:00"  # 3 working days
    assert d["current_step"]["kind"] == "appraise"
    assert d["current_step"]["unit"]["id"] == world.commune.pk
    assert "forward" not in names(d)  # the appraisal is the specialist's

    # The specialist asks for a paper on Monday 11:00; the citizen brings it Wednesday 11:00:
    # two working days paused, so the appointment moves two working days.
    now["at"] = vn(2026, 11, 30, 11)
    api.as_(s["specialist"])
    d = ok(api.get(f"{LIST}{d['id']}/"))
    assert {"forward", "request_supplement", "request_payment"} <= set(names(d))
    d = ok(
        api.act(d, "request_supplement", items="Văn bản cử người giám hộ", reason="Thiếu giấy tờ")
    )
    assert d["state"] == "awaiting_supplement" and d["national_status"] == 5
    now["at"] = vn(2026, 12, 2, 11)
    api.as_(world.citizen)
    d = ok(api.get(f"{LIST}{d['id']}/"))
    assert d["supplements"][0]["items"] == "Văn bản cử người giám hộ"
    assert "supplement" in names(d)
    d = ok(api.act(d, "supplement", note="Đã nộp bổ sung"))
    assert d["state"] == "processing"
    assert d["due_at"] == "2026-12-07T17:00:00+07:00"
    assert d["first_due_at"] == "2026-12-03T17:00:00+07:00"

    # Commune specialist → the department takes the transfer in → its specialist and leader
    # → the commune takes it back → the commune leader approves → the clerk signs.
    hand_overs = [
        (s["specialist"], vn(2026, 12, 2, 12), world.department),
        (dp["officer"], vn(2026, 12, 2, 13), world.department),
        (dp["specialist"], vn(2026, 12, 2, 14), world.department),
        (dp["leader"], vn(2026, 12, 2, 15), world.commune),
        (s["officer"], vn(2026, 12, 2, 16), world.commune),
        (s["leader"], vn(2026, 12, 3, 9), world.commune),
    ]
    for user, at, next_unit in hand_overs:
        now["at"] = at
        api.as_(user)
        d = ok(api.act(ok(api.get(f"{LIST}{d['id']}/")), "forward"))
        assert d["current_step"]["unit"]["id"] == next_unit.pk
    assert d["current_step"]["kind"] == "sign"
    # the department's staff saw the dossier while it was theirs, and still do
    assert ok(api.as_(dp["leader"]).get(f"{LIST}{d['id']}/"))["code"] == d["code"]
    now["at"] = vn(2026, 12, 3, 10)
    api.as_(s["clerk"])
    d = ok(api.act(d, "forward", result_number="15/QĐ-UBND"))
    assert d["state"] == "result_ready" and d["national_status"] == 9
    assert d["result_number"] == "15/QĐ-UBND"
    kinds = [(x["kind"], x["unit"]["id"]) for x in d["steps"]]
    dep, com = world.department.pk, world.commune.pk
    assert kinds == [
        ("receive", com), ("appraise", com), ("transfer", dep), ("appraise", dep),
        ("approve", dep), ("transfer", com), ("approve", com), ("sign", com), ("return", com),
    ]  # fmt: skip
    assert all(x["handed_by"] for x in d["steps"][:-1])

    # The signed result is attached, then returned electronically.
    problem(api.as_(s["officer"]).act(d, "deliver", delivery="electronic"), 400)
    response = api.client.post(
        f"{LIST}{d['id']}/result/",
        {"version": d["row_version"], "file": SimpleUploadedFile("kết quả.pdf", RESULT_PDF)},
    )
    d = ok(response)
    assert d["has_result_file"]
    # the applicant gets the file once it is returned to them, not before
    problem(api.as_(world.citizen).get(f"{LIST}{d['id']}/result/"), 404)
    api.as_(s["officer"])
    now["at"] = vn(2026, 12, 3, 11)
    d = ok(api.act(d, "deliver", delivery="electronic"))
    assert d["state"] == "returned" and d["national_status"] == 10
    assert d["timing"] == "early" and d["returned_at"] == "2026-12-03T11:00:00+07:00"
    assert d["actions"] == []
    download = api.as_(world.citizen).get(f"{LIST}{d['id']}/result/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == RESULT_PDF
    assert "attachment" in download["Content-Disposition"]

    # Anyone with both codes sees the public view, without logging in.
    api.as_(None)
    found = ok(api.get(LOOKUP, {"code": d["code"], "lookup_code": d["lookup_code"].lower()}))
    assert found["state"] == "returned" and found["national_status"] == 10
    assert found["can_rate"] is True
    assert [e["state_to"] for e in found["events"]] == [
        "draft", "submitted", "processing", "awaiting_supplement", "processing",
        "result_ready", "returned",
    ]  # fmt: skip
    assert "lookup_code" not in found and "applicant_name" not in found

    # The applicant's own view: public events only, no control slip, no officials' names.
    api.as_(world.citizen)
    mine = ok(api.get(f"{LIST}{d['id']}/"))
    assert mine["steps"] is None
    keys = {"at", "action", "action_label", "state_from", "state_to", "state_label"}
    assert all(set(e) == keys for e in mine["events"])
    assert mine["events"][1]["action_label"] == "Nộp hồ sơ"
    assert len(mine["events"]) == len(found["events"])
    listed = ok(api.get(LIST))
    assert [r["code"] for r in listed["results"]] == [d["code"]]

    rated = ok(
        api.post(
            f"{LIST}{d['id']}/rating/",
            {"overall": "very_satisfied", "criteria": {"1": "satisfied"}, "comment": "Nhanh"},
        ),
        201,
    )
    assert rated["rating"]["overall"] == "very_satisfied"
    problem(api.post(f"{LIST}{d['id']}/rating/", {"overall": "satisfied"}), 409, "already_rated")
    api.as_(None)
    found = ok(api.get(LOOKUP, {"code": d["code"], "lookup_code": d["lookup_code"]}))
    assert found["can_rate"] is False
    # every change left its audit event
    assert AuditEvent.objects.filter(action="dossiers.forward").count() == 7
    assert AuditEvent.objects.filter(action="dossiers.rate").count() == 1


def test_counter_reception_through_the_api(api, world, now):
    d = ok(_counter(api, world), 201)
    assert d["state"] == "processing" and d["channel"] == 1
    assert d["applicant_name"] == "Lê Văn Hùng" and d["due_at"] == "2026-12-03T17:00:00+07:00"
    assert all(c["provided"] for c in d["components"])
    refused = ok(_counter(api, world, outcome="refuse", reason="Không thuộc thẩm quyền"), 201)
    assert refused["state"] == "refused" and refused["national_status"] == 3
    assert refused["decisions"][0]["reason"] == "Không thuộc thẩm quyền"
    # a sibling commune's officer cannot receive for this commune; a citizen cannot either
    before = Dossier.objects.count()
    world.staff["officer"] = world.other["officer"]
    problem(_counter(api, world), 403)
    world.staff["officer"] = world.citizen
    problem(_counter(api, world), 403)
    assert Dossier.objects.count() == before


def test_staff_queues_and_filters(api, world, now):
    _submitted(api, world)
    counter = ok(_counter(api, world), 201)
    api.as_(world.staff["specialist"])
    page = ok(api.get(LIST, {"queue": "to_process"}))
    assert [r["id"] for r in page["results"]] == [counter["id"]]
    searched = ok(api.get(LIST, {"queue": "to_process", "search": "le van hung"}))
    assert (searched["count"], searched["count_exact"]) == (1, True)  # a role queue: counted
    api.as_(world.staff["leader"])
    assert ok(api.get(LIST))["count"] == 2
    assert ok(api.get(LIST, {"state": "submitted"}))["count"] == 1
    searched = ok(api.get(LIST, {"search": "le van hung"}))
    # "all" searched is not counted (as the office page): its rows and "next" say enough
    assert (searched["count"], searched["count_exact"], searched["next"]) == (None, False, None)
    assert [r["id"] for r in searched["results"]] == [counter["id"]]
    assert ok(api.get(LIST, {"search": "  --  "}))["count"] == 2  # no term: not a search
    for search in (counter["code"], "038085001234", "Hùng"):
        assert [r["id"] for r in ok(api.get(LIST, {"search": search}))["results"]] == [
            counter["id"]
        ], search
    assert ok(api.get(LIST, {"page_size": "1"}))["next"].endswith("page=2")
    problem(api.get(LIST, {"page": "9"}), 404)
    problem(api.get(LIST, {"queue": "nope"}), 400)
    problem(api.get(LIST, {"state": "x" * 10_000}), 400)
    problem(api.get(LIST, {"search": "a\x00b"}), 400)
    problem(api.get(LIST, {"page": "-1"}), 400)
    # the sibling commune sees none of them
    api.as_(world.other["leader"])
    assert ok(api.get(LIST))["count"] == 0
    for search in (counter["code"], "038085001234", "le van hung"):
        assert ok(api.get(LIST, {"search": search}))["results"] == []
    api.as_(world.stranger)
    assert ok(api.get(LIST))["count"] == 0


def test_a_large_list_is_counted_up_to_a_cap_and_paged_without_the_count(
    api, world, now, monkeypatch
):
    from egov.dossiers.api import views

    for _ in range(3):
        ok(_counter(api, world), 201)
    api.as_(world.staff["leader"])
    exact = ok(api.get(LIST, {"page_size": "2"}))
    assert (exact["count"], exact["count_exact"]) == (3, True)
    monkeypatch.setattr(views, "API_COUNT_CAP", 1)
    first = ok(api.get(LIST, {"page_size": "2"}))
    assert (first["count"], first["count_exact"]) == (2, False)  # "more than 1"
    assert first["next"].endswith("page=2") and first["previous"] is None
    last = ok(api.get(LIST, {"page_size": "2", "page": "2"}))
    assert len(last["results"]) == 1 and last["next"] is None
    assert {r["id"] for r in first["results"] + last["results"]} == {
        r["id"]
        for r in exact["results"] + ok(api.get(LIST, {"page": "2", "page_size": "2"}))["results"]
    }
    one_page = ok(api.get(LIST, {"page_size": "3"}))
    assert len(one_page["results"]) == 3 and one_page["next"] is None


def test_other_people_get_404_and_nothing_changes(api, world, now):
    d = _submitted(api, world)
    url = f"{LIST}{d['id']}/"
    before = (
        Dossier.objects.get().row_version,
        AuditEvent.objects.filter(action__startswith="dossiers.").count(),
    )
    for user in (world.stranger, world.other["officer"], world.other["leader"]):
        api.as_(user)
        problem(api.get(url), 404)
        for action in ("accept", "withdraw", "refuse", "forward", "nope"):
            problem(api.act(d, action, reason="x"), 404)
        problem(api.patch(url, {"version": d["row_version"]}), 404)
        problem(api.post(f"{url}rating/", {"overall": "satisfied"}), 404)
        problem(api.client.post(f"{url}result/", {"version": 1}), 404)
        problem(api.get(f"{url}result/"), 404)
    # not logged in
    api.as_(None)
    problem(api.get(url), 403)
    problem(api.get(LIST), 403)
    problem(api.act(d, "accept"), 403)
    assert (
        Dossier.objects.get().row_version,
        AuditEvent.objects.filter(action__startswith="dossiers.").count(),
    ) == before


def test_stale_version_illegal_action_and_permissions(api, world, now):
    d = _submitted(api, world)
    api.as_(world.staff["officer"])
    stale = dict(d)
    d = ok(api.act(d, "accept"))
    problem(api.act(stale, "refuse", reason="Thiếu"), 409, "stale_version")
    # an action the state does not allow
    problem(api.act(d, "deliver"), 409, "illegal_transition")
    problem(api.act(d, "confirm_payment"), 409, "illegal_transition")
    # an action that is not the user's: the appraisal is the specialist's
    problem(api.act(d, "forward"), 403)
    problem(api.act(d, "stop", reason="x"), 403)
    # the department has a step in the plan, so it sees the dossier, but may do nothing yet
    seen = ok(api.as_(world.dept["officer"]).get(f"{LIST}{d['id']}/"))
    assert seen["actions"] == []
    problem(api.act(d, "forward"), 403)
    # the applicant cannot take the officials' actions on their own dossier
    api.as_(world.citizen)
    problem(api.act(d, "forward"), 403)
    problem(api.act(d, "extend", new_due_at="2026-12-20T17:00:00+07:00", reason="x"), 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x" * 10_000}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "ok", "version": "abc"}, "version"),
        ({"reason": "ok", "version": 2**40}, "version"),
        ({"reason": ["a"]}, "reason"),
        ({"reason": {"a": 1}}, "reason"),
        ({"reason": "a\x00b"}, "reason"),
    ],
)
def test_bad_action_bodies_are_400(api, world, now, body, field):
    d = _submitted(api, world)
    response = api.as_(world.staff["officer"]).act(d, "refuse", **body)
    errors = problem(response, 400, "validation")["errors"]
    assert field in {e["field"] for e in errors}
    assert Dossier.objects.get().state == State.SUBMITTED


def test_malformed_requests_are_problems_not_500(api, world, now):
    d = _submitted(api, world)
    api.as_(world.staff["officer"])
    url = f"{LIST}{d['id']}/actions/accept/"
    problem(api.client.post(url, "{not json", content_type="application/json"), 400)
    problem(api.client.post(url, "[1, 2]", content_type="application/json"), 400)
    problem(api.client.post(url, "1", content_type="application/json"), 400)
    problem(api.client.post(url, "<a/>", content_type="application/xml"), 415)
    problem(api.get(f"{LIST}99999999999999999999999/"), 404)
    problem(api.act({"id": d["id"], "row_version": 1}, "x" * 10_000), 404, "unknown_action")
    problem(api.act(d, "accept", due_at="tomorrow"), 400)
    problem(api.client.delete(f"{LIST}{d['id']}/"), 405)
    # creating: unknown procedure or unit, wrong types, officials cannot open online drafts
    api.as_(world.citizen)
    problem(api.post(LIST, {"procedure": "9.999999", "unit": world.commune.pk}), 400)
    problem(api.post(LIST, {"procedure": GIAM_HO, "unit": 2**62}), 400)
    problem(api.post(LIST, {"procedure": GIAM_HO, "unit": "abc"}), 400)
    problem(api.post(LIST, {"procedure": "a\x00", "unit": world.commune.pk}), 400)
    problem(api.post(LIST, {"procedure": "x" * 10_000, "unit": world.commune.pk}), 400)
    officer = api.as_(world.staff["officer"])
    problem(officer.post(LIST, {"procedure": GIAM_HO, "unit": world.commune.pk}), 403)
    # a draft's applicant data is checked by the service rules
    api.as_(world.citizen)
    draft = ok(api.post(LIST, {"procedure": GIAM_HO, "unit": world.commune.pk}), 201)
    url = f"{LIST}{draft['id']}/"
    bad = {"version": draft["row_version"], "applicant_id_number": "123"}
    assert problem(api.patch(url, bad), 400)["errors"][0]["field"] == "applicant_id_number"
    bad = {"version": draft["row_version"], "applicant_name": "x" * 10_000}
    problem(api.patch(url, bad), 400)


def _with_javascript(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
    )


def test_paper_files_through_the_api(api, world, now, settings):
    settings.EGOV_VIRUS_SCAN_COMMAND = ""
    draft = ok(
        api.as_(world.citizen).post(LIST, {"procedure": GIAM_HO, "unit": world.commune.pk}), 201
    )
    paper = draft["components"][0]
    url = f"{LIST}{draft['id']}/components/{paper['id']}/files/"
    hostile = (
        ("to-khai.pdf", b"MZ\x90\x00 an executable", "type_mismatch"),
        ("to-khai.pdf", pdf_bytes(_with_javascript), "active_content"),
        (
            "anh.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            None,
        ),
        ("to-khai.pdf", b"", "validation"),
    )
    for name, content, code in hostile:
        problem(api.client.post(url, {"file": SimpleUploadedFile(name, content)}), 400, code)
    problem(api.client.post(url, {}), 400, "validation")
    assert not DossierComponent.objects.get(pk=paper["id"]).files.exists()
    # a paper of another dossier, or a made-up one, is refused
    problem(
        api.client.post(
            f"{LIST}{draft['id']}/components/999999/files/",
            {"file": SimpleUploadedFile("a.pdf", RESULT_PDF)},
        ),
        400,
    )
    d = ok(
        api.client.post(url, {"file": SimpleUploadedFile("../../etc/to-khai.pdf", RESULT_PDF)}), 201
    )
    stored = d["components"][0]["files"][0]
    assert stored["name"] == "to-khai.pdf" and stored["size"] == len(RESULT_PDF)
    # nobody else uploads to it or removes from it
    for other in (world.stranger, world.other["officer"]):
        api.as_(other)
        problem(api.client.post(url, {"file": SimpleUploadedFile("a.pdf", RESULT_PDF)}), 404)
        problem(api.client.delete(f"{LIST}{draft['id']}/files/{stored['id']}/"), 404)
    assert DossierComponent.objects.get(pk=paper["id"]).files.count() == 1
    # the applicant takes it back out
    api.as_(world.citizen)
    d = ok(api.client.delete(f"{LIST}{draft['id']}/files/{stored['id']}/"))
    assert d["components"][0]["files"] == [] and not d["components"][0]["provided"]
    problem(api.client.delete(f"{LIST}{draft['id']}/files/{stored['id']}/"), 404)


def test_result_file_must_be_a_real_pdf(api, world, now):
    d = ok(_counter(api, world), 201)
    url = f"{LIST}{d['id']}/result/"
    api.as_(world.staff["clerk"])
    for content, code in ((b"MZ\x90\x00 not a pdf", "type_mismatch"), (b"", "validation")):
        bad = SimpleUploadedFile("kq.pdf", content)
        problem(api.client.post(url, {"version": d["row_version"], "file": bad}), 400, code)
    problem(api.client.post(url, {"version": d["row_version"]}), 400, "validation")
    assert not Dossier.objects.get().result_file
    pdf = SimpleUploadedFile("../../etc/kq.pdf", RESULT_PDF)  # the path never gets through
    d = ok(api.client.post(url, {"version": d["row_version"], "file": pdf}))
    assert d["has_result_file"] and ".." not in Dossier.objects.get().result_file.name
    # a specialist cannot attach results
    pdf = SimpleUploadedFile("kq.pdf", RESULT_PDF)
    api.as_(world.staff["specialist"])
    problem(api.client.post(url, {"version": d["row_version"], "file": pdf}), 403)


def test_lookup_answers_the_same_for_any_wrong_pair_and_is_throttled(api, world, now, settings):
    settings.EGOV_LOOKUP_RATE = "4/min"
    d = _submitted(api, world)
    api.as_(None)
    wrong_code = problem(
        api.get(LOOKUP, {"code": "99001-261130-9999", "lookup_code": "AAAAAA"}), 404
    )
    wrong_pair = problem(api.get(LOOKUP, {"code": d["code"], "lookup_code": "AAAAAA"}), 404)
    assert wrong_code == wrong_pair
    assert ok(api.get(LOOKUP, {"code": d["code"], "lookup_code": d["lookup_code"]}))["code"]
    assert problem(api.get(LOOKUP, {"code": "\x00", "lookup_code": "x" * 10_000}), 404) == (
        wrong_code
    )
    throttled = api.get(LOOKUP, {"code": d["code"], "lookup_code": d["lookup_code"]})
    problem(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    # another client address has its own count
    other = api.client.get(
        LOOKUP, {"code": d["code"], "lookup_code": d["lookup_code"]}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 200


def test_every_transition_has_a_body_and_the_schema_is_valid():
    assert set(ACTION_BODIES) == {t.action for t in TRANSITIONS}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/dossiers/",
        "/api/v1/dossiers/{id}/",
        "/api/v1/dossiers/{id}/actions/{action}/",
        "/api/v1/dossiers/{id}/result/",
        "/api/v1/dossiers/{id}/rating/",
        "/api/v1/counter-receptions/",
        "/api/v1/dossier-lookup/",
    ):
        assert path in paths
    assert "security" not in paths["/api/v1/dossier-lookup/"]["get"]  # no login
    assert paths["/api/v1/dossiers/"]["get"]["security"] == [{"cookieAuth": []}]


def test_session_api_needs_the_csrf_token(client, world, now):
    """A page of another site cannot make a logged-in user's browser act on a dossier."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.citizen)
    body = json.dumps({"procedure": GIAM_HO, "unit": world.commune.pk})
    problem(browser.post(LIST, body, content_type="application/json"), 403)
    assert Dossier.objects.count() == 0
    browser.get("/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(LIST, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
