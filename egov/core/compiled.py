"""A queryset compiled to SQL once per database connection, then run again with another key.

Django builds the SQL of a queryset anew on every evaluation: for the row a transition locks
(the dossier with its unit, procedure version and current step, joined) that costs more CPU
than running the query and building the objects together (bench/README.md, issue 5). A
`CompiledQuery` builds the queryset once with a marker in place of the key, keeps the SQL and
the compiler's description of the columns, and afterwards only swaps the key in the
parameters. The objects are built as Django's ModelIterable builds them (the model, then each
select_related object, then the annotations).

Only the key may vary: the queryset must be the same apart from it (same filters, joins,
locking), which `build` guarantees by being one function of the key. Each connection (one per
thread) keeps its own compiler, since a compiler holds its connection.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from itertools import chain
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.constants import MULTI
from django.db.transaction import TransactionManagementError

from egov.core.prepared import prepared

_SLOTS = itertools.count()

# A key no table holds, to find where the key sits among the parameters.
_MARKS: dict[type, Any] = {int: -(2**62) - 7, str: "\x1fegov compiled query key\x1f"}


class CompiledQuery:
    def __init__(self, build: Callable[[Any], QuerySet[Any]], key_type: type = int) -> None:
        self._build = build
        self._key_type = key_type
        self._mark = _MARKS[key_type]
        # a number never given twice (an id() could come back after a query is dropped, and a
        # connection would then answer with the plan of another)
        self._slot = next(_SLOTS)
        self._db: str | None = None

    def fetch(self, key: Any) -> list[Model]:
        """The rows the queryset built for `key` answers (as `list(build(key))` would)."""
        key = self._key_type(key)
        plan = self._plan()
        if plan is None:  # the key did not appear exactly once: no shortcut
            return list(self._build(key))
        compiler, sql, params, position, layout, for_update, converters = plan
        if for_update and compiler.connection.get_autocommit():
            # as Django refuses it: the lock would end with the statement
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params[position] = key
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        model, start, end, init_list, populators, annotations, db = layout
        rows = []
        # as compiler.results_iter, with the converters found once (finding them was a fifth
        # of a fetch)
        results = chain.from_iterable(compiler.execute_sql(MULTI))
        if converters:
            results = compiler.apply_converters(map(list, results), converters)
        for row in results:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, column in annotations:
                setattr(obj, name, row[column])
            rows.append(obj)
        return rows

    def _plan(self) -> tuple | None:
        if self._db is not None:
            plans = connections[self._db].__dict__.setdefault("egov_compiled_queries", {})
            if self._slot in plans:
                return plans[self._slot]
        queryset = self._build(self._mark)
        self._db = queryset.db
        plans = connections[self._db].__dict__.setdefault("egov_compiled_queries", {})
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        sql = prepared(sql)  # a row by its key: one plan fits every key
        params = list(params)
        positions = [i for i, value in enumerate(params) if value == self._mark]
        plan = None
        if len(positions) == 1:
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            layout = (
                klass_info["model"],
                start,
                end,
                [f[0].target.attname for f in select[start:end]],
                get_related_populators(klass_info, select, queryset.db),
                tuple(compiler.annotation_col_map.items()),
                queryset.db,
            )
            converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
            plan = (
                compiler,
                sql,
                params,
                positions[0],
                layout,
                queryset.query.select_for_update,
                converters,
            )
        plans[self._slot] = plan
        return plan
