"""Django's ModelBackend, with the user read on every request by a query compiled once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from egov.core.compiled import CompiledQuery

_USER = CompiledQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk))


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: Any) -> Any:
        try:
            found = _USER.fetch(user_id)
        except (TypeError, ValueError):  # not a key a user can have
            return None
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
