"""Sessions in the database, as Django keeps them, read by a query compiled once.

Every request of a signed-in user reads its session; Django builds that query anew each time
(bench/README.md, issue 5). The row is looked up by its key alone and its expiry checked here,
which selects the same sessions as Django's `expire_date > now` in the query."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from egov.core.compiled import CompiledQuery

_BY_KEY = CompiledQuery(lambda key: Session.objects.filter(session_key=key), key_type=str)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if type(self).get_model_class() is not Session:  # a subclass with its own model
            return super()._get_session_from_db()
        found = _BY_KEY.fetch(self.session_key) if self.session_key else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
