"""One row inserted or updated by a statement built once, for the rows every change writes.

`Model.save()` builds its INSERT or UPDATE anew each time through the query compiler; for the
rows each change appends (the dossier's history, the audit event) and the dossier's own update
that costs more CPU than the database spends on them (bench/README.md, issue 5). These helpers
build the statement once per model, database and set of fields, and on each call only prepare
the values, as the compiler does (`pre_save`, then `get_db_prep_save`).

What they skip, and callers must not need: signals (no receiver listens to these models), the
parent tables of multi-table inheritance, and expressions as values (plain values only).

`also`: more writes that belong with this one (the participants' copy of a dossier's search key
with the dossier; the dossier's history row with its audit event), each given as its SQL and
parameters (`insertion` makes an INSERT's). PostgreSQL runs them in the same statement, as
data-modifying WITHs (one round trip instead of several); elsewhere they run just before, in
order. None may depend on another's effects: PostgreSQL runs them all on the same snapshot, in no
set order.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import DatabaseError, connections, router
from django.db.models import Model

from egov.core.prepared import prepared

_STATEMENTS: dict[tuple, tuple[str, list, bool]] = {}

Also = tuple[str, Sequence[object]]  # SQL and its parameters


def _with_also(connection, sql: str, also: Sequence[Also]) -> str:
    """`sql` preceded by the writes of `also` as data-modifying WITHs (PostgreSQL)."""
    if not also or connection.vendor != "postgresql":
        return sql
    writes = ", ".join(f"also{i} AS ({write[0]})" for i, write in enumerate(also))
    return f"WITH {writes} {sql}"


def _also_params(connection, also: Sequence[Also], params: list) -> list:
    """The parameters of `_with_also(sql)`; where `also` cannot share the statement, it runs
    now, in order."""
    if not also:
        return params
    if connection.vendor == "postgresql":
        return [*(value for write in also for value in write[1]), *params]
    with connection.cursor() as cursor:
        for sql, values in also:
            cursor.execute(sql, values)
    return params


def _insert_sql(connection, meta, fields: list, count: int) -> str:
    q = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    return (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row] * count)}"
    )


def _also_key(also: Sequence[Also]) -> tuple[str, ...]:
    return tuple(write[0] for write in also)


def insertion(obj: Model) -> Also:
    """The INSERT of `obj`, to be run as another write's `also` (its key must be set, or come
    from the database: it is not read back)."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    key = ("insertion", model, alias, obj.pk is None)
    statement = _STATEMENTS.get(key)
    if statement is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not (obj.pk is None and f is meta.pk)]
        statement = _STATEMENTS[key] = (_insert_sql(connection, meta, fields, 1), fields, False)
    sql, fields, _returns = statement
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def insert(obj: Model, *, also: Sequence[Also] = ()) -> Model:
    """INSERT `obj` (as `obj.save(force_insert=True)`); an automatic primary key comes back."""
    return insert_many([obj], also=also)[0]


def insert_many(objs: Sequence[Model], *, also: Sequence[Also] = ()) -> list[Model]:
    """INSERT `objs`, a few rows of one model, in one statement (as `bulk_create` does, built
    once per model, database and number of rows: not for batches of any size); automatic
    primary keys come back in their order. Where the database cannot return several rows' keys,
    they are inserted one by one."""
    if not objs:
        return []
    model = type(objs[0])
    alias = router.db_for_write(model, instance=objs[0])
    connection = connections[alias]
    meta = model._meta
    returns = objs[0].pk is None and meta.pk.db_returning
    if any(type(obj) is not model or (obj.pk is None) != (objs[0].pk is None) for obj in objs):
        raise ValueError("insert_many: rows of one model, all with their keys or all without")
    if returns and len(objs) > 1 and not connection.features.can_return_rows_from_bulk_insert:
        return [insert(obj, also=also if i == 0 else ()) for i, obj in enumerate(objs)]
    key = ("insert", model, alias, returns, len(objs), _also_key(also))
    statement = _STATEMENTS.get(key)
    if statement is None:
        fields = [f for f in meta.local_concrete_fields if not (returns and f is meta.pk)]
        q = connection.ops.quote_name
        sql = _insert_sql(connection, meta, fields, len(objs))
        if returns and connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {q(meta.pk.column)}"
        statement = _STATEMENTS[key] = (
            prepared(_with_also(connection, sql, also)),
            fields,
            returns,
        )
    sql, fields, returns = statement
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    params = _also_params(connection, also, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returns:
            if connection.features.can_return_columns_from_insert:
                values = [found[0] for found in cursor.fetchall()]
            else:
                values = [connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)]
            for obj, value in zip(objs, values, strict=True):
                setattr(obj, meta.pk.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return list(objs)


def update(obj: Model, fields: Sequence[str], *, also: Sequence[Also] = ()) -> None:
    """UPDATE these fields of `obj` by its primary key (as `obj.save(update_fields=fields)`,
    including `auto_now` fields named among them); DatabaseError if no row was updated."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    key = ("update", model, alias, tuple(dict.fromkeys(fields)), _also_key(also))
    statement = _STATEMENTS.get(key)
    if statement is None:
        meta = model._meta
        chosen = [meta.get_field(name) for name in key[3]]
        q = connection.ops.quote_name
        assignments = ", ".join(f"{q(f.column)} = %s" for f in chosen)
        sql = f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {q(meta.pk.column)} = %s"  # noqa: S608
        statement = _STATEMENTS[key] = (prepared(_with_also(connection, sql, also)), chosen, False)
    sql, chosen, _returns = statement
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]
    params.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    params = _also_params(connection, also, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
