"""Django's PostgreSQL backend, with a health check that does not ask the server when it need not.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request on a
kept connection: a round trip per request (4 % of the web worker's samples in the online
submission, bench/README.md, issue 5). A kept connection between requests is idle: the server
sends nothing on it unless it is going away (a restart, an administrator's termination, an idle
timeout: a FATAL error, then the end of the stream) or, rarely, something asynchronous (a
notification, a notice). So: if libpq still counts the connection as good and idle and nothing
is waiting to be read on its socket, it is usable; otherwise Django's own check decides, which
reads what the server sent.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is not None and self._quiet_and_idle():
            return True
        return super().is_usable()

    def _quiet_and_idle(self) -> bool:
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            poll = select.poll()  # not select(): a descriptor above 1023 is refused there
            poll.register(pgconn.socket, select.POLLIN | select.POLLPRI)
            return not poll.poll(0)  # POLLHUP and POLLERR are reported too
        except (OSError, ValueError, AttributeError, psycopg.Error):  # no socket, no poll
            return False
