"""The dossier's journey through the services: online and counter reception, processing across a
commune and a provincial department, supplements that pause the clock, result and rating."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from egov.audit.models import AuditEvent
from egov.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from egov.dossiers import selectors, services
from egov.dossiers.models import (
    NATIONAL_STATUS,
    Decision,
    Delivery,
    Dossier,
    DossierEvent,
    DossierSequence,
    DossierStep,
    State,
    SubmissionChannel,
    Timing,
)
from egov.dossiers.services import ComponentInput, CounterOutcome
from egov.dossiers.tests.fixtures import vn
from egov.uploads.tests.samples import pdf_bytes
from egov.workcalendar.deadlines import VN_TZ

MON = vn(2026, 11, 30, 9)  # Monday 30 November 2026, 09:00


def _online(world, at=MON):
    d = services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)
    d.components.update(provided=True)
    return services.submit(
        actor=world.citizen, dossier_id=d.pk, expected_version=d.row_version, at=at
    )


def _counter(world, applicant, at=MON, **kw):
    components = [
        ComponentInput(component_id=c.pk) for c in world.procedure.current.components.all()
    ]
    return services.counter_receive(
        actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
        applicant=applicant, components=components, at=at, **kw,
    )  # fmt: skip


def _step(d):
    d.refresh_from_db()
    return d.current_step


def _fwd(d, actor, at, **kw):
    d.refresh_from_db()
    return services.forward(
        actor=actor, dossier_id=d.pk, expected_version=d.row_version, at=at, **kw
    )


def test_every_state_has_a_national_status():
    assert set(NATIONAL_STATUS) == set(State.values)
    assert sorted(v for v in NATIONAL_STATUS.values() if v) == list(range(1, 11))


def test_online_submission_gives_a_code_a_lookup_code_and_status_1(world):
    d = _online(world)
    assert d.state == State.SUBMITTED and d.national_status == 1
    assert d.channel == SubmissionChannel.ONLINE
    assert re.fullmatch(r"99001-261130-0001", d.code)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", d.lookup_code)
    assert d.applicant_name == "Nguyễn Thị Lan" and d.applicant_id_number == "038190000123"
    assert d.due_at is None  # the clock starts at acceptance
    second = _online(world)
    assert second.code == "99001-261130-0002"
    assert AuditEvent.objects.filter(action="dossiers.submit").count() == 2


def test_full_journey_commune_department_commune(world):
    s, dp = world.staff, world.dept
    d = _online(world)
    d = services.accept(actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version, at=MON)
    # 3 working days from Monday 09:00: Thursday 17:00.
    assert d.due_at == vn(2026, 12, 3, 17)
    assert d.state == State.PROCESSING and d.current_kind == "appraise"
    assert d.current_unit == world.commune
    # the receive step is done; the appraisal has its own deadline: 6 office hours from 09:00
    # (2.5 h before lunch, 3.5 h after) end at 17:00
    assert d.step_due_at == vn(2026, 11, 30, 17)

    _fwd(d, s["specialist"], MON + timedelta(hours=2))
    step = _step(d)
    assert step.kind == "transfer" and step.unit == world.department
    # the commune's officer cannot take it in for the department
    with pytest.raises(Forbidden):
        _fwd(d, s["officer"], MON + timedelta(hours=3))
    _fwd(d, dp["officer"], MON + timedelta(hours=3))
    steps = list(d.steps.order_by("position").values_list("kind", "unit_id"))
    dep, com = world.department.pk, world.commune.pk
    # the department's own template replaced the commune's plan for it (appraise, approve)
    assert steps == [
        ("receive", com), ("appraise", com), ("transfer", dep), ("appraise", dep),
        ("approve", dep), ("transfer", com), ("approve", com), ("sign", com), ("return", com),
    ]  # fmt: skip
    # both units see it, and only they
    assert selectors.dossier_for_staff(dp["specialist"], d.pk) == d
    assert selectors.dossier_for_staff(s["leader"], d.pk) == d
    with pytest.raises(NotFound):
        selectors.dossier_for_staff(world.other["leader"], d.pk)

    _fwd(d, dp["specialist"], MON + timedelta(hours=4))
    # a specialist cannot approve
    with pytest.raises(Forbidden):
        _fwd(d, dp["specialist"], MON + timedelta(hours=5))
    _fwd(d, dp["leader"], MON + timedelta(hours=5))
    assert _step(d).kind == "transfer" and _step(d).unit == world.commune
    _fwd(d, s["officer"], MON + timedelta(hours=6))
    _fwd(d, s["leader"], MON + timedelta(days=1))
    _fwd(d, s["clerk"], MON + timedelta(days=1, hours=1), result_number="15/QĐ-UBND")
    d.refresh_from_db()
    assert d.state == State.RESULT_READY and d.national_status == 9
    assert d.result_number == "15/QĐ-UBND"
    assert d.finished_at == MON + timedelta(days=1, hours=1)

    # electronic return needs the result file
    with pytest.raises(ValidationFailed):
        services.deliver(
            actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version,
            delivery=Delivery.ELECTRONIC,
        )  # fmt: skip
    d = services.attach_result(
        actor=s["clerk"], dossier_id=d.pk, expected_version=d.row_version,
        file=ContentFile(pdf_bytes()), name="ket-qua.pdf",
    )  # fmt: skip
    d = services.deliver(
        actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version,
        delivery=Delivery.ELECTRONIC, at=MON + timedelta(days=1, hours=2),
    )  # fmt: skip
    assert d.state == State.RETURNED and d.national_status == 10
    assert d.timing == Timing.EARLY  # finished Tuesday, due Thursday

    # the control slip: every step finished, with who handed it over
    done = list(d.steps.order_by("position"))
    assert all(x.finished_at and x.handed_by_id for x in done)
    # the applicant's timeline shows state changes, not internal hand-overs
    view = selectors.lookup(d.code, d.lookup_code.lower())
    assert [e.state_to for e in view.events] == [
        "draft", "submitted", "processing", "result_ready", "returned",
    ]  # fmt: skip
    assert view.can_rate

    rating = services.rate(actor=world.citizen, dossier_id=d.pk, overall="very_satisfied",
                           criteria={"1": "satisfied", "7": "very_satisfied"})  # fmt: skip
    assert rating.criteria == {"1": "satisfied", "7": "very_satisfied"}
    with pytest.raises(Conflict):
        services.rate(actor=world.citizen, dossier_id=d.pk, overall="satisfied")
    with pytest.raises(NotFound):
        services.rate(actor=world.stranger, dossier_id=d.pk, overall="satisfied")
    assert not selectors.lookup(d.code, d.lookup_code).can_rate


def test_supplement_pauses_the_clock(world, applicant):
    s = world.staff
    d = _counter(world, applicant)
    assert d.state == State.PROCESSING and d.due_at == vn(2026, 12, 3, 17)
    # Monday 11:00 the specialist asks for more papers ...
    d = services.request_supplement(
        actor=s["specialist"], dossier_id=d.pk, expected_version=d.row_version,
        items="Bản sao giấy khai sinh của người được giám hộ", reason="Thiếu giấy tờ",
        at=vn(2026, 11, 30, 11),
    )  # fmt: skip
    assert d.state == State.AWAITING_SUPPLEMENT and d.national_status == 5
    assert d.supplement_count == 1
    # ... they come on Wednesday 11:00: two working days paused, so due two days later.
    d = services.supplement(
        actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version,
        at=vn(2026, 12, 2, 11),
    )  # fmt: skip
    assert d.state == State.PROCESSING
    assert d.due_at == vn(2026, 12, 7, 17)  # Thursday + 2 working days = Monday (weekend skipped)
    assert d.first_due_at == vn(2026, 12, 3, 17)


def test_the_papers_to_supplement_keep_one_per_line(world, applicant):
    d = _counter(world, applicant)
    d = services.request_supplement(
        actor=world.staff["specialist"], dossier_id=d.pk, expected_version=d.row_version,
        items="  Bản sao giấy khai sinh \r\n\r\n\tGiấy xác nhận  nơi cư trú\n ",
        reason="Thiếu giấy tờ", at=vn(2026, 11, 30, 11),
    )  # fmt: skip
    assert d.supplements.get().items == "Bản sao giấy khai sinh\nGiấy xác nhận nơi cư trú"
    assert d.events.order_by("-id").first().note == d.supplements.get().items


def test_two_supplement_rounds_count_late(world, applicant):
    s = world.staff
    d = _counter(world, applicant)
    for day in (1, 2):
        d = services.request_supplement(
            actor=s["officer"] if d.state != State.PROCESSING else s["specialist"],
            dossier_id=d.pk, expected_version=d.row_version, items="Giấy tờ", reason="Thiếu",
            at=vn(2026, 11, 30 + day - 1, 14) if day == 1 else vn(2026, 12, 1, 14),
        )  # fmt: skip
        d = services.supplement(
            actor=world.staff["officer"], dossier_id=d.pk, expected_version=d.row_version,
            at=vn(2026, 12, day, 9),
        )  # fmt: skip
    assert d.supplement_count == 2
    d.finished_at = d.due_at - timedelta(days=1)
    assert services.final_timing(d) == Timing.LATE


def test_counter_supplement_before_acceptance_then_accept(world, applicant):
    d = _counter(
        world, applicant, outcome=CounterOutcome.SUPPLEMENT, items="Tờ khai", reason="Thiếu tờ khai"
    )
    assert d.state == State.AWAITING_SUPPLEMENT and d.code and d.due_at is None
    assert d.supplement_count == 0  # not yet received: nothing counts against the unit
    d = services.supplement(
        actor=world.staff["officer"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        at=vn(2026, 12, 1, 8),
    )
    assert d.state == State.SUBMITTED
    d = services.accept(
        actor=world.staff["officer"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        at=vn(2026, 12, 1, 8),
    )
    assert d.due_at == vn(2026, 12, 4, 17)


def test_counter_refusal_is_registered_and_closed(world, applicant):
    d = _counter(world, applicant, outcome=CounterOutcome.REFUSE, reason="Không thuộc thẩm quyền")
    assert d.state == State.REFUSED and d.national_status == 3 and d.closed_at
    assert d.decisions.get().kind == Decision.Kind.REFUSAL
    with pytest.raises(Conflict):
        services.accept(
            actor=world.staff["officer"], dossier_id=d.pk, expected_version=d.row_version
        )


def test_accepting_with_a_missing_paper_is_refused_and_nothing_is_kept(world, applicant):
    before = (Dossier.objects.count(), DossierSequence.objects.count(), AuditEvent.objects.count())
    components = [
        ComponentInput(component_id=c.pk, provided=False)
        for c in world.procedure.current.components.all()
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.counter_receive(
            actor=world.staff["officer"], unit=world.commune, procedure=world.procedure,
            applicant=applicant, components=components,
        )  # fmt: skip
    assert exc.value.code == "component_missing"
    assert (
        Dossier.objects.count(),
        DossierSequence.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    # and the number was not used up: the next dossier of the day takes it
    d = _counter(world, applicant)
    assert d.code.endswith("-0001")


def test_stale_version_and_illegal_transition_are_refused(world, applicant):
    s = world.staff
    d = _counter(world, applicant)
    stale = d.row_version
    _fwd(d, s["specialist"], MON + timedelta(hours=1))
    with pytest.raises(Conflict) as exc:
        services.forward(actor=s["specialist"], dossier_id=d.pk, expected_version=stale)
    assert exc.value.code == "stale_version"
    d.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        services.deliver(actor=s["officer"], dossier_id=d.pk, expected_version=d.row_version)
    assert exc.value.code == "illegal_transition"


def test_nobody_outside_acts(world, applicant):
    d = _counter(world, applicant)
    o = world.other
    with pytest.raises(Forbidden):
        _fwd(d, o["specialist"], MON)
    with pytest.raises(Forbidden):
        services.stop(
            actor=o["leader"], dossier_id=d.pk, expected_version=d.row_version, reason="x"
        )
    with pytest.raises(NotFound):
        services.withdraw(
            actor=world.stranger, dossier_id=d.pk, expected_version=d.row_version, reason="x"
        )
    with pytest.raises(NotFound):
        selectors.dossier_of_applicant(world.stranger, d.pk)
    with pytest.raises(Forbidden):
        services.counter_receive(
            actor=o["officer"], unit=world.commune, procedure=world.procedure, applicant=applicant, components=[],
        )  # fmt: skip
    assert selectors.dossiers_for_staff(o["leader"]).count() == 0
    assert selectors.dossiers_for_staff(world.staff["clerk"]).count() == 1


def test_leader_assigns_and_only_the_assignee_acts(world, applicant):
    s = world.staff
    other_specialist = type(s["specialist"]).objects.create_user(
        username="cv2", kind="official", full_name="Chuyên Viên Hai"
    )
    from egov.accounts.models import Role, RoleGrant

    RoleGrant.objects.create(user=other_specialist, role=Role.SPECIALIST, unit=world.commune)
    d = _counter(world, applicant)
    d = services.assign(
        actor=s["leader"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        assignee=other_specialist,
    )
    assert d.current_assignee == other_specialist
    with pytest.raises(Forbidden):
        _fwd(d, s["specialist"], MON + timedelta(hours=1))
    _fwd(d, other_specialist, MON + timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        d.refresh_from_db()
        services.assign(
            actor=world.dept["leader"],
            dossier_id=d.pk,
            expected_version=d.row_version,
            assignee=s["clerk"],
        )


def test_send_back_runs_the_two_steps_again(world, applicant):
    s, dp = world.staff, world.dept
    d = _counter(world, applicant)
    _fwd(d, s["specialist"], MON)
    _fwd(d, dp["officer"], MON)
    _fwd(d, dp["specialist"], MON)
    d.refresh_from_db()
    d = services.send_back(
        actor=dp["leader"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        note="Cần xác minh thêm",
    )
    kinds = list(
        d.steps.filter(unit=world.department).order_by("position").values_list("kind", flat=True)
    )
    assert kinds == ["transfer", "appraise", "approve", "appraise", "approve"]
    assert d.current_kind == "appraise" and d.current_unit == world.department


def test_extension_moves_the_appointment_and_counts_late(world, applicant):
    d = _counter(world, applicant)
    with pytest.raises(Forbidden):
        services.extend(
            actor=world.staff["specialist"],
            dossier_id=d.pk,
            expected_version=d.row_version,
            new_due_at=vn(2026, 12, 10, 17),
            reason="Cần xác minh",
        )
    with pytest.raises(ValidationFailed):
        services.extend(
            actor=world.staff["leader"],
            dossier_id=d.pk,
            expected_version=d.row_version,
            new_due_at=vn(2026, 12, 1, 17),
            reason="Sớm hơn",
            at=MON,
        )
    d = services.extend(
        actor=world.staff["leader"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        new_due_at=vn(2026, 12, 10, 17),
        reason="Cần xác minh",
        at=MON,
    )
    assert d.due_at == vn(2026, 12, 10, 17) and d.first_due_at == vn(2026, 12, 3, 17)
    assert d.extension_count == 1
    d.finished_at = vn(2026, 12, 2, 9)
    assert services.final_timing(d) == Timing.LATE


def test_withdraw_by_the_applicant_and_stop_by_the_leader(world, applicant):
    d = _online(world)
    with pytest.raises(NotFound):
        services.withdraw(
            actor=world.stranger, dossier_id=d.pk, expected_version=d.row_version, reason="x"
        )
    d = services.withdraw(
        actor=world.citizen,
        dossier_id=d.pk,
        expected_version=d.row_version,
        reason="Nộp nhầm thủ tục",
    )
    assert d.state == State.WITHDRAWN and d.national_status == 7
    d2 = _counter(world, applicant)
    d2 = services.stop(
        actor=world.staff["leader"],
        dossier_id=d2.pk,
        expected_version=d2.row_version,
        reason="Người nộp không bổ sung",
    )
    assert d2.state == State.STOPPED and d2.national_status == 8


def test_payment_pauses_and_resumes(world, applicant):
    d = _counter(world, applicant)
    d = services.request_payment(
        actor=world.staff["specialist"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        amount_vnd=50_000,
        at=vn(2026, 11, 30, 10),
    )
    assert d.state == State.AWAITING_PAYMENT and d.national_status == 6 and d.paused_at
    d = services.confirm_payment(
        actor=world.staff["officer"],
        dossier_id=d.pk,
        expected_version=d.row_version,
        at=vn(2026, 12, 1, 10),
    )
    assert d.state == State.PROCESSING and d.due_at == vn(2026, 12, 4, 17)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "12345"),
        ("id_number", "03819000012a"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("name", ""),
        ("name", "x" * 300),
    ],
)
def test_bad_applicant_data_is_refused(world, applicant, field, value):
    from dataclasses import replace

    with pytest.raises(ValidationFailed) as exc:
        _counter(world, replace(applicant, **{field: value}))
    assert exc.value.field.startswith("applicant_")
    assert Dossier.objects.count() == 0


def test_business_needs_a_valid_tax_code(world, applicant):
    from dataclasses import replace

    business = replace(applicant, kind="business", id_number="", name="Công ty TNHH Thử")
    with pytest.raises(ValidationFailed):
        _counter(world, business)
    with pytest.raises(ValidationFailed):
        _counter(world, replace(business, tax_code="0100109107"))  # wrong check digit
    d = _counter(world, replace(business, tax_code="0100109106"))
    assert d.applicant_tax_code == "0100109106"


def test_work_queues(world, applicant):
    s = world.staff
    online = _online(world)
    counter = _counter(world, applicant)
    q = selectors.QueueFilter
    assert list(selectors.work_queue(s["officer"], q(queue="to_receive"))) == [online]
    assert list(selectors.work_queue(s["specialist"], q(queue="to_process"))) == [counter]
    assert list(selectors.work_queue(s["leader"], q(queue="to_process"))) == []
    assert list(selectors.work_queue(world.other["officer"], q(queue="to_receive"))) == []
    assert list(
        selectors.work_queue(s["specialist"], q(queue="overdue"), now=vn(2026, 12, 4, 8))
    ) == [counter]
    assert list(
        selectors.work_queue(s["specialist"], q(queue="to_process", search="le van hung"))
    ) == [counter]
    with pytest.raises(ValidationFailed):
        selectors.work_queue(s["specialist"], q(queue="nope"))


def test_lookup_needs_both_codes(world):
    d = _online(world)
    with pytest.raises(NotFound):
        selectors.lookup(d.code, "AAAAAA")
    with pytest.raises(NotFound):
        selectors.lookup("", d.lookup_code)
    assert selectors.lookup(d.code, d.lookup_code).national_status == 1


def test_lookup_is_two_queries_whatever_the_history(world, applicant, django_assert_num_queries):
    d = _fwd(_counter(world, applicant), world.staff["specialist"], MON)
    assert d.events.count() >= 2
    with django_assert_num_queries(2):
        view = selectors.lookup(d.code, d.lookup_code)
        labels = [(e.state_label, e.action_label) for e in view.events]
    assert len(labels) >= 1 and all(state and action for state, action in labels)
    assert view.procedure_name == d.version.name and view.state_label == d.get_state_display()


def test_history_has_an_event_per_transition(world, applicant):
    d = _counter(world, applicant)
    _fwd(d, world.staff["specialist"], MON)
    actions = list(DossierEvent.objects.filter(dossier=d).values_list("action", flat=True))
    assert actions == ["accept", "forward"]
    assert DossierStep.objects.filter(dossier=d, finished_at__isnull=False).count() == 2
    assert VN_TZ  # times are stored aware
