"""Attempts at the public dossier lookup, counted per client address."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from egov.audit.middleware import client_ip


class DossierLookupThrottle(SimpleRateThrottle):
    """EGOV_LOOKUP_RATE lookups per client address (behind EGOV_PROXY_COUNT trusted proxies, the
    address the outermost one saw): a lookup code has 32^6 values, guessing must stay slow."""

    scope = "dossier_lookup"

    def get_rate(self) -> str:
        return settings.EGOV_LOOKUP_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}
