"""Walk every URL pattern of the project as users of a sibling unit: nothing of the other unit
may be read or changed.

The walk reads the live URL configuration, so it grows with it. A new pattern that takes
parameters must say how to fill them (OBJECT_URLS below), or be listed as PUBLIC with a reason;
otherwise this test fails and names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from egov.accounts.models import Role, UserKind
from egov.audit.services import audit_record
from egov.dossiers.applicants import ApplicantData
from egov.dossiers.services import counter_receive
from egov.notifications.models import Channel, Notification, Status
from egov.procedures.templates_services import StepInput, assignment_set, process_template_save
from egov.procedures.tests.test_templates_data import make_procedure
from egov.units.models import Unit, UnitKind
from egov.units.services import unit_create
from egov.workcalendar.services import exception_create, office_hours_set

MARKER = "BIMATALPHA"

# Patterns anyone may open; none of them shows data that belongs to a unit.
PUBLIC = {
    "healthz": "liveness probe",
    "set_language": "language switch",
    "home": "redirect by account kind",
    "portal:home": "public portal",
    "portal:procedure-list": "public catalogue",
    "portal:procedure-search": "public catalogue",
    "portal:procedure-detail": "public catalogue",
    "portal:dossier-start": "where a procedure is offered online (public); drafts are the user's own",
    "portal:component-template": "public catalogue (form of a procedure in force)",
    "sitemap": "public catalogue (sitemap.xml)",
    "robots-txt": "public catalogue (robots.txt)",
    "accounts:login": "login form",
    "accounts:logout": "logout",
    "accounts:otp_setup": "second factor of the signed-in user",
    "accounts:otp_verify": "second factor of the signed-in user",
    "api-schema": "OpenAPI document",
    "admin:login": "admin login",
    "admin:logout": "admin logout",
    "admin:password_change": "own password",
    "admin:password_change_done": "own password",
    "admin:jsi18n": "translations",
}
# Public API: the working-day calendar; the procedure catalogue (search, suggest, detail).
PUBLIC_PREFIXES = ("/api/v1/calendar/", "/api/v1/procedures/", "/static/", "/media/")


# Admin models without a unit (the national procedure catalogue, the notification outbox): global
# scope, system admins only.
GLOBAL_ADMIN_MODELS = {
    "procedures.Procedure",
    "procedures.ProcedureVersion",
    "notifications.Notification",
}


@dataclass
class World:
    unit_a: Unit
    agency_a: Unit
    secret_user: Any
    audit_seq: int | None
    procedure_code: str = ""
    dossier_pk: int = 0


def _object_of_unit_a(model: type, world: World) -> Any:
    """An object of `model` that belongs to unit A, for admin object URLs."""
    if model is Unit:
        return world.agency_a
    if model._meta.label == "accounts.User":
        return world.secret_user
    if model._meta.label in GLOBAL_ADMIN_MODELS:
        return model._default_manager.first()  # global rows: only system admins see them
    for field in ("unit", "home_unit", "user__home_unit"):
        try:
            obj = model._default_manager.filter(
                **{f"{field}__in": [world.unit_a, world.agency_a]}
            ).first()
        except Exception:  # noqa: S112 - the model has no such field; try the next one
            continue
        if obj is not None:
            return obj
    return None


# Non-admin patterns with parameters: url name -> kwargs that point at unit A's objects.
OBJECT_URLS: dict[str, Callable[[World], dict[str, Any]]] = {
    "office:unit-detail": lambda w: {"pk": w.agency_a.pk},
    "office:audit-detail": lambda w: {"seq": w.audit_seq},
    "office:catalogue-template": lambda w: {"unit_id": w.agency_a.pk, "code": w.procedure_code},
    "office:catalogue-procedure-edit": lambda w: {"code": w.procedure_code},
    "office:dossier-detail": lambda w: {"pk": w.dossier_pk},
    "office:dossier-act": lambda w: {"pk": w.dossier_pk, "action": "forward"},
    "portal:dossier-detail": lambda w: {"pk": w.dossier_pk},
    "portal:dossier-result": lambda w: {"pk": w.dossier_pk},
    "portal:dossier-act": lambda w: {"pk": w.dossier_pk, "action": "withdraw"},
    "portal:dossier-upload": lambda w: {"pk": w.dossier_pk},
    "portal:dossier-file-remove": lambda w: {"pk": w.dossier_pk, "file_id": 1},
    "office:dossier-upload": lambda w: {"pk": w.dossier_pk, "target": "tep"},
    "office:dossier-print": lambda w: {"pk": w.dossier_pk, "form": "01"},
    "office:dossier-counter-rating": lambda w: {"pk": w.dossier_pk},
    "dossiers_api:detail": lambda w: {"pk": w.dossier_pk},
    "dossiers_api:action": lambda w: {"pk": w.dossier_pk, "action": "withdraw"},
    "dossiers_api:result": lambda w: {"pk": w.dossier_pk},
    "dossiers_api:component-files": lambda w: {"pk": w.dossier_pk, "component": 1},
    "dossiers_api:file": lambda w: {"pk": w.dossier_pk, "file": 1},
    "dossiers_api:rating": lambda w: {"pk": w.dossier_pk},
}


def walk(
    resolvers: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full_name = f"{namespace}:{name}" if (namespace and name) else name
            entry._route = prefix + str(entry.pattern)
            yield entry._route, full_name, entry


_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def build_path(route: str, kwargs: dict[str, Any]) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")

    def sub(match: re.Match[str]) -> str:
        return str(kwargs[match.group("name")])

    path = _PARAM.sub(sub, route)
    # regex routes (admin): named groups
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path


def params_of(route: str) -> list[str]:
    names = [m.group("name") for m in _PARAM.finditer(route)]
    names += re.findall(r"\(\?P<(\w+)>", route)
    return names


def admin_kwargs(name: str, params: list[str], pattern: Any, world: World) -> dict[str, Any] | None:
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None and name.endswith(("_change", "_delete", "_history")):
        obj = _object_of_unit_a(model_admin.model, world)
        if obj is None:
            return None
        return {"object_id": obj.pk}
    legacy = re.match(r"admin/(\w+)/(\w+)/<path:object_id>/$", getattr(pattern, "_route", ""))
    if legacy:
        obj = _object_of_unit_a(apps.get_model(legacy.group(1), legacy.group(2)), world)
        return {"object_id": obj.pk} if obj is not None else None
    if "url" in params:
        return {"url": "khong-co/"}
    if name == "admin:app_list":
        return {"app_label": "units"}
    if name == "admin:view_on_site":
        return {
            "content_type_id": ContentType.objects.get_for_model(Unit).pk,
            "object_id": world.agency_a.pk,
        }
    return None


@pytest.fixture
def world(db, province, commune_a, commune_b, make_official, make_user):
    agency_a = unit_create(
        actor=None, name=f"Phòng {MARKER}", kind=UnitKind.OFFICE, parent=commune_a, audit=False
    )
    secret_user = make_official(
        Role.SPECIALIST, agency_a, full_name=f"Cán Bộ {MARKER}", username="bimat.alpha"
    )
    exception_create(
        actor=None, day=date(2026, 12, 28), kind="day_off", name=f"Nghỉ {MARKER}", unit=agency_a
    )
    office_hours_set(
        actor=None,
        unit=agency_a,
        morning_start=time(7),
        morning_end=time(11),
        afternoon_start=time(13),
        afternoon_end=time(17),
    )
    event = audit_record(
        actor=secret_user,
        action="test.secret",
        target=agency_a,
        unit=agency_a,
        summary={"note": MARKER},
    )
    Notification.objects.create(
        channel=Channel.EMAIL,
        recipient="bimat.alpha@example.vn",
        subject=f"Hồ sơ {MARKER}",
        body=f"Nội dung {MARKER}",
        status=Status.FAILED,
        attempts=5,
        last_error=f"Lỗi {MARKER}",
    )
    procedure = make_procedure("1.004837")  # a real procedure: 3 working days
    assignment_set(actor=None, unit=agency_a, procedure=procedure)
    process_template_save(
        actor=None,
        unit=agency_a,
        procedure=procedure,
        steps=[StepInput("appraise", "specialist", agency_a, "8", f"Ghi chú {MARKER}")],
    )
    officer = make_official(Role.ONE_STOP_OFFICER, agency_a)
    dossier = counter_receive(
        actor=officer,
        unit=agency_a,
        procedure=procedure,
        applicant=ApplicantData(name=f"Người Nộp {MARKER}", id_number="038085001234"),
        components=[],
        applicant_user=make_user(kind=UserKind.CITIZEN, full_name=f"Công Dân {MARKER}"),
    )
    return World(
        commune_a,
        agency_a,
        secret_user,
        getattr(event, "seq", None),
        procedure.code,
        dossier.pk,
    )


def snapshot() -> dict[str, Any]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label
        if label.startswith(("sessions.", "axes.", "admin.")):
            continue
        counts[label] = model._default_manager.count()
    return counts


@pytest.fixture
def sibling_users(world, commune_b, make_official, make_user):
    return {
        "unit_admin_b": make_official(Role.UNIT_ADMIN, commune_b, include_subtree=True),
        "leader_b": make_official(Role.LEADER, commune_b, include_subtree=True),
        "officer_b": make_official(Role.ONE_STOP_OFFICER, commune_b),
        "clerk_b": make_official(Role.CLERK, commune_b),
        "citizen": make_user(kind=UserKind.CITIZEN),
    }


def test_every_url_pattern_is_scoped_for_sibling_units(client, settings, world, sibling_users):
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    patterns = list(walk(get_resolver().url_patterns))
    assert len(patterns) > 20, "the walk must see the whole URL configuration"
    a_unit_before = {u.pk: (u.name, u.path, u.valid_to) for u in Unit.objects.all()}
    unknown: list[str] = []
    leaks: list[str] = []
    checked = 0
    for username, user in sibling_users.items():
        client.force_login(user)
        before = snapshot()
        for route, name, _pattern in patterns:
            if name in PUBLIC or ("/" + route.lstrip("^")).startswith(PUBLIC_PREFIXES):
                continue
            params = params_of(route)
            if params:
                if name in OBJECT_URLS:
                    kwargs = OBJECT_URLS[name](world)
                elif name.startswith("admin:") or route.startswith("admin/"):
                    kwargs = admin_kwargs(name, params, _pattern, world)
                    if kwargs is None:
                        continue  # that admin model holds nothing of unit A
                else:
                    unknown.append(f"{name or route}")
                    continue
                path = build_path(route, kwargs)
            else:
                path = build_path(route, {})
            for method in ("get", "post"):
                data = {"name": "x", "q": "x"} if method == "post" else {}
                response = getattr(client, method)(path, data)
                checked += 1
                status = response.status_code
                body = response.content.decode("utf-8", "replace") if status == 200 else ""
                if params and status not in (302, 403, 404, 405):
                    leaks.append(f"{username} {method.upper()} {path} -> {status}")
                elif MARKER in body:
                    leaks.append(f"{username} {method.upper()} {path} shows unit A's data")
                elif status == 302 and params and "/login" not in response["Location"]:
                    # a redirect is harmless only if where it leads is refused too
                    followed = client.get(response["Location"])
                    if followed.status_code not in (403, 404) and "/login" not in followed.get(
                        "Location", ""
                    ):
                        leaks.append(
                            f"{username} {method.upper()} {path} -> {response['Location']}"
                            f" -> {followed.status_code}"
                        )
        assert snapshot() == before, f"{username} changed something"
    assert not unknown, f"URL patterns with parameters not covered by the walk: {unknown}"
    assert not leaks, "\n".join(leaks)
    assert checked > 40
    assert {u.pk: (u.name, u.path, u.valid_to) for u in Unit.objects.all()} == a_unit_before


def test_the_walk_covers_every_registered_admin_model(world):
    """Each admin model must either hold unit-owned rows that the walk can find, or be listed."""
    unit_free = {
        "auth.Group",
        "otp_totp.TOTPDevice",
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
    }
    for model in admin.site._registry:
        if model._meta.label in unit_free:
            continue
        assert _object_of_unit_a(model, world) is not None or model._meta.label in {
            "workcalendar.CalendarException",
            "workcalendar.OfficeHours",
            "audit.AuditEvent",
            "units.UnitSuccession",
            *GLOBAL_ADMIN_MODELS,
        }, f"add a unit-A object of {model._meta.label} to the URL walk"


def test_the_walks_dossier_is_readable_by_its_own_unit(client, settings, world, make_official):
    """The dossier the walk points at is real: its own unit's leader reads the marker through the
    API, so a sibling seeing it would be caught."""
    settings.EGOV_OFFICIAL_2FA_REQUIRED = False
    client.force_login(make_official(Role.LEADER, world.agency_a))
    response = client.get(f"/api/v1/dossiers/{world.dossier_pk}/")
    assert response.status_code == 200 and MARKER in response.content.decode()
