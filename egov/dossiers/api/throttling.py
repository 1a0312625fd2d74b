"""Attempts at the public dossier lookup through the API: the same counter as the lookup page
(egov.dossiers.lookup_limit)."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import BaseThrottle

from egov.dossiers import lookup_limit


class DossierLookupThrottle(BaseThrottle):
    """EGOV_LOOKUP_RATE lookups per client address: a lookup code has 32^6 values, guessing must
    stay slow."""

    def allow_request(self, request: Any, view: Any) -> bool:
        return lookup_limit.allow(request)

    def wait(self) -> float:
        return float(lookup_limit.rate()[1])
