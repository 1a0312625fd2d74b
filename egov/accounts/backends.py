"""Django's ModelBackend, with the user read on every request by a query compiled once, or
taken from the row read with the session (egov/accounts/sessions.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from egov.accounts.sessions import loaded_user
from egov.core.compiled import CompiledQuery

_USER = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = loaded_user(user_id)
        if user is None:
            try:
                found = _USER.fetch(user_id)
            except (TypeError, ValueError):  # not a key a user can have
                return None
            if not found:
                return None
            user = found[0]
        return user if self.user_can_authenticate(user) else None
