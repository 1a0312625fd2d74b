"""JSON input composed to NFC, like every other input (see egov.core.middleware)."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser

from egov.core import vntext


def _nfc_deep(value: Any) -> Any:
    if isinstance(value, str):
        return vntext.nfc(value)
    if isinstance(value, list):
        return [_nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {_nfc_deep(k): _nfc_deep(v) for k, v in value.items()}
    return value


class NFCJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return _nfc_deep(super().parse(stream, media_type, parser_context))
