"""Sessions in the database, read with their user by one query compiled once.

Every request of a signed-in user reads its session, then its user: two queries Django builds
anew each time (bench/README.md, issue 5). Here the session row (`UserSession`, which keeps the
signed-in user's key beside the data) is read by its key alone with its user joined, and its
expiry checked here, which selects the same sessions as Django's `expire_date > now` in the
query. The user comes back to Django's `get_user` through `session_user` below: Django still
takes the user's key from the session's data, asks the backend for that user, and checks the
session's hash against the user's password; the backend answers from the joined row when its key
is the one asked for (egov/accounts/backends.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.utils import timezone

from egov.core.compiled import CompiledQuery

_BY_KEY = CompiledQuery(
    lambda key: _model().objects.filter(session_key=key).select_related("user"), key_type=str
)

# The user read with the session, while Django's get_user asks the backend for it.
_LOADED_USER: ContextVar[Any] = ContextVar("egov_session_user", default=None)


def _model():
    from egov.accounts.models import UserSession

    return UserSession


def _user_key(data: dict) -> int | None:
    try:
        key = int(data.get(SESSION_KEY))
    except (TypeError, ValueError):
        return None
    return key if 0 < key < 2**63 else None


class SessionStore(db.SessionStore):
    loaded_user: Any = None

    @classmethod
    def get_model_class(cls):
        return _model()

    def create_model_instance(self, data: dict) -> Any:
        row = super().create_model_instance(data)
        row.user_id = _user_key(data)
        return row

    def _get_session_from_db(self):
        found = _BY_KEY.fetch(self.session_key) if self.session_key else []
        if found and found[0].expire_date > timezone.now():
            self.loaded_user = found[0].user
            return found[0]
        self._session_key = None
        return None


@contextmanager
def session_user(session: Any) -> Iterator[None]:
    """While Django's get_user runs: the user read with `session`, for the backend."""
    session.get(SESSION_KEY)  # loads the session (and its user) if not yet loaded
    token = _LOADED_USER.set(getattr(session, "loaded_user", None))
    try:
        yield
    finally:
        _LOADED_USER.reset(token)


def loaded_user(user_id: Any) -> Any:
    """The user read with the session, if its key is `user_id`; else None."""
    user = _LOADED_USER.get()
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None
