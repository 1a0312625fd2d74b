"""The English catalogue: complete, placeholders intact, and compiled (.mo in step with .po).

Vietnamese is the source language; after `makemessages -l en` every new message needs its
English text here, and `compilemessages` must be run so that `make run` needs no gettext.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def _entries(language: str) -> list[polib.POEntry]:
    return [
        e for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po")) if e.msgid
    ]


def test_every_english_message_is_translated_and_not_fuzzy():
    untranslated = [
        e.msgid
        for e in _entries("en")
        if "fuzzy" in e.flags
        or (e.msgid_plural and not all(e.msgstr_plural.values()))
        or (not e.msgid_plural and not e.msgstr)
    ]
    assert untranslated == []


def test_placeholders_survive_translation():
    broken = []
    for entry in _entries("en"):
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        broken += [
            entry.msgid for text in texts if sorted(set(PLACEHOLDER.findall(text))) != wanted
        ]
    assert broken == []


@pytest.mark.parametrize("language", ["en", "vi"])
def test_compiled_catalogue_matches_the_po_file(language):
    folder = LOCALE / language / "LC_MESSAGES"
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.mofile(str(folder / "django.mo"))
        if e.msgid
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in _entries(language)
        if e.translated()
    }
    assert compiled == source, "run: manage.py compilemessages"
