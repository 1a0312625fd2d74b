"""Statements PostgreSQL prepares on each connection: only those named here.

The hot statements whose plan cannot depend on their values (a row by its key, a fixed INSERT
or UPDATE) are prepared on first use and planned once per connection (the dossier a transition
locks joins seven tables: 1.3 ms of planning for 0.1 ms of work). Every other statement is
planned with its values each time: psycopg's automatic preparation would give any statement run
five times a generic plan, which for the work queue's filters over skewed data (a state, a
unit's open dossiers) may be far worse than the plan for the values at hand. Requires
server-side binding (settings: EGOV_PG_PREPARED).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.base import ServerBindingCursor

_STATEMENTS: set[str] = set()


def prepared(sql: str) -> str:
    """Mark `sql` (the exact string later executed) to be prepared; answers it."""
    _STATEMENTS.add(sql)
    return sql


class PreparingCursor(ServerBindingCursor):
    """Django's server-binding cursor, preparing exactly the marked statements."""

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        if prepare is None:  # a composed query (psycopg.sql) is never one of ours
            prepare = isinstance(query, str) and query in _STATEMENTS
        return super().execute(query, params, prepare=prepare, binary=binary)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get(
        "server_side_binding"
    ):
        connection.connection.cursor_factory = PreparingCursor
