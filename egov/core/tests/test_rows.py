"""egov.core.rows writes what Model.save() writes: the same columns, values read back equal,
automatic keys returned, auto_now kept, and a missing row refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from egov.audit.models import AuditEvent
from egov.core import rows
from egov.dossiers.models import Dossier, DossierEvent

pytestmark = pytest.mark.django_db


AT = timezone.now() - timedelta(minutes=3)


def _event(dossier, **extra):
    return DossierEvent(
        dossier=dossier,
        at=AT,
        actor=None,
        actor_label="Nguyễn Thị Lan",
        action="submit",
        state_from="draft",
        state_to="submitted",
        note='Ghi chú: ‘dấu’ "nháy" %s %(x)s ; --',
        **extra,
    )


def test_insert_returns_the_key_and_the_row_reads_back_as_save_writes_it(world):
    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)
    fast = rows.insert(_event(dossier, unit=world.commune))
    slow = _event(dossier, unit=world.commune)
    slow.save()
    assert fast.pk is not None and fast.pk != slow.pk and not fast._state.adding
    got, expected = DossierEvent.objects.get(pk=fast.pk), DossierEvent.objects.get(pk=slow.pk)
    ignore = {"id"}
    assert {k: v for k, v in model_to_dict(got).items() if k not in ignore} == {
        k: v for k, v in model_to_dict(expected).items() if k not in ignore
    }
    assert got.at == fast.at and got.public is True and got.step_id is None


def test_insert_of_a_given_key_with_json_and_an_address(world):
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    event = AuditEvent(
        seq=last + 1000,
        created_at=timezone.now(),
        action="test.rows",
        summary={"tên": "Lê Văn Hùng", "n": [1, 2.5, None], "nested": {"ok": True}},
        ip="2001:db8::1",
        prev_hash="0" * 64,
        hash="f" * 64,
    )
    with CaptureQueriesContext(connection) as ctx:
        rows.insert(event)
    assert len(ctx.captured_queries) == 1
    got = AuditEvent.objects.get(seq=last + 1000)
    assert got.summary == {"tên": "Lê Văn Hùng", "n": [1, 2.5, None], "nested": {"ok": True}}
    assert (got.ip, got.action, got.created_at) == ("2001:db8::1", "test.rows", event.created_at)


def test_update_writes_only_the_named_fields_and_keeps_auto_now(world):
    dossier = _draft(world)
    before = Dossier.objects.get(pk=dossier.pk)
    dossier.applicant_name = "Trần Văn Bình"
    dossier.applicant_phone = "0999999999"  # changed in memory, not named: not written
    dossier.row_version += 1
    rows.update(dossier, ["applicant_name", "row_version", "updated_at", "applicant_name"])
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.applicant_name == "Trần Văn Bình"
    assert after.applicant_phone == before.applicant_phone
    assert after.row_version == before.row_version + 1
    assert after.updated_at > before.updated_at and after.updated_at == dossier.updated_at


def test_update_of_a_row_that_is_gone_is_refused(world):
    dossier = _draft(world)
    Dossier.objects.filter(pk=dossier.pk).delete()
    with pytest.raises(DatabaseError):
        rows.update(dossier, ["applicant_name"])


def _draft(world):
    from egov.dossiers import services

    return services.draft_create(actor=world.citizen, procedure=world.procedure, unit=world.commune)


def test_insert_many_writes_what_bulk_create_writes_with_keys_in_order(world):
    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)

    def noted(note):
        event = _event(dossier, unit=world.commune)
        event.note = note
        return event

    notes = ["một", "hai", "ba"]
    with CaptureQueriesContext(connection) as ctx:
        fast = rows.insert_many([noted(n) for n in notes])
    assert len(ctx.captured_queries) == 1  # one statement for the three rows
    slow = DossierEvent.objects.bulk_create([noted(n) for n in notes])
    assert [e.note for e in fast] == notes
    assert all(e.pk is not None and not e._state.adding for e in fast)
    assert len({e.pk for e in fast + slow}) == 6
    ignore = {"id"}
    for got_fast, got_slow in zip(fast, slow, strict=True):
        a = model_to_dict(DossierEvent.objects.get(pk=got_fast.pk))
        b = model_to_dict(DossierEvent.objects.get(pk=got_slow.pk))
        assert {k: v for k, v in a.items() if k not in ignore} == {
            k: v for k, v in b.items() if k not in ignore
        }
    # the statement is kept by number of rows: two rows next is another one, still one query
    with CaptureQueriesContext(connection) as ctx:
        pair = rows.insert_many([noted("bốn"), noted("năm")])
    assert len(ctx.captured_queries) == 1
    assert [DossierEvent.objects.get(pk=e.pk).note for e in pair] == ["bốn", "năm"]
    assert rows.insert_many([]) == []


def test_insert_many_refuses_rows_of_mixed_kinds(world):
    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)
    keyed = _event(dossier)
    keyed.pk = 10**9
    before = DossierEvent.objects.count()
    with pytest.raises(ValueError):
        rows.insert_many([_event(dossier), keyed])
    with pytest.raises(ValueError):
        rows.insert_many([_event(dossier), AuditEvent(seq=1, action="x")])
    assert DossierEvent.objects.count() == before


def _rename_unit(world, name):
    from egov.units.models import Unit

    table = connection.ops.quote_name(Unit._meta.db_table)
    return f"UPDATE {table} SET name = %s WHERE id = %s", [name, world.commune.pk]  # noqa: S608


def _statements(ctx) -> int:
    return len(ctx.captured_queries)


def test_also_runs_with_an_insert_in_one_statement_on_postgresql(world):
    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)
    with CaptureQueriesContext(connection) as ctx:
        event = rows.insert(_event(dossier), also=[_rename_unit(world, "Xã đã đổi tên ‘1’")])
    assert _statements(ctx) == (1 if connection.vendor == "postgresql" else 2)
    assert event.pk is not None  # the insert's key comes back through the WITH
    assert DossierEvent.objects.get(pk=event.pk).note == event.note
    world.commune.refresh_from_db()
    assert world.commune.name == "Xã đã đổi tên ‘1’"
    # the same SQL again uses the statement built the first time, with the new values
    rows.insert(_event(dossier), also=[_rename_unit(world, "Xã đổi lần hai")])
    world.commune.refresh_from_db()
    assert world.commune.name == "Xã đổi lần hai"


def test_also_runs_with_an_update_and_a_missing_row_still_refuses(world):
    dossier = _draft(world)
    dossier.applicant_name = "Trần Văn Bình"
    with CaptureQueriesContext(connection) as ctx:
        rows.update(dossier, ["applicant_name"], also=[_rename_unit(world, "Xã cùng lúc")])
    assert _statements(ctx) == (1 if connection.vendor == "postgresql" else 2)
    assert Dossier.objects.get(pk=dossier.pk).applicant_name == "Trần Văn Bình"
    world.commune.refresh_from_db()
    assert world.commune.name == "Xã cùng lúc"
    Dossier.objects.filter(pk=dossier.pk).delete()
    with pytest.raises(DatabaseError):
        rows.update(dossier, ["applicant_name"], also=[_rename_unit(world, "Xã khác")])


def test_a_failing_insert_takes_its_also_with_it(world):
    from django.db import IntegrityError, transaction

    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)
    name = world.commune.name
    broken = _event(dossier)
    broken.action = None  # NOT NULL: the row is refused at once
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(broken, also=[_rename_unit(world, "Không được lưu")])
    world.commune.refresh_from_db()
    assert world.commune.name == name


def test_several_writes_ride_with_one_insert_and_insertion_writes_what_insert_writes(world):
    dossier = Dossier.objects.filter(receiving_unit=world.commune).first() or _draft(world)
    riding, carrier = _event(dossier), _event(dossier)
    riding.note, carrier.note = "đi cùng câu lệnh khác", "câu lệnh chính"
    before = DossierEvent.objects.filter(dossier=dossier).count()
    with CaptureQueriesContext(connection) as ctx:
        rows.insert(
            carrier,
            also=[rows.insertion(riding), _rename_unit(world, "Xã thứ ba")],
        )
    assert _statements(ctx) == (1 if connection.vendor == "postgresql" else 3)
    rode = DossierEvent.objects.get(dossier=dossier, note="đi cùng câu lệnh khác")
    assert (rode.action, rode.at, rode.state_to) == (riding.action, riding.at, riding.state_to)
    assert DossierEvent.objects.filter(dossier=dossier).count() == before + 2
    world.commune.refresh_from_db()
    assert world.commune.name == "Xã thứ ba"
