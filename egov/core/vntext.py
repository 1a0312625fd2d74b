"""Vietnamese text: NFC normalisation, folded search keys, Vietnamese collation.

Placeholder implementation; the full one (tone placement, collation) replaces it.
"""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    return " ".join(nfc(text).split())


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())
