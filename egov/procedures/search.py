"""Procedure search: an in-memory index of the procedures in force, ranked in Python.

Why in memory: the catalogue is small (a few thousand procedures; 5,000 rows of folded names and
search texts take a few MB) and changes rarely, while search must answer in well under a
millisecond of CPU on both PostgreSQL and SQLite with the same results. So each process keeps one
index built from the texts the services fold when saving (`ProcedureVersion.name_key` =
`search_key(name)`, `search_text` = folded code, name, field, keywords, agency, result); the query
is folded once and matched with set operations, no SQL `LIKE` and no folding at query time.

Freshness: `invalidate()` (called on every ORM save/delete of a Field, Procedure or
ProcedureVersion, and by the catalogue services after bulk writes) drops this process's
index at once and, after commit, bumps a token in Django's shared cache (Redis in production) that
every process compares with its own at most every `RECHECK_SECONDS`. As a safety net against writes
that bypass the services (bulk loads, the shell), the same recheck compares a cheap fingerprint of
the tables (counts, highest ids, latest creation time, the current versions).

Matching. Query and index words are folded the same way: `vntext.search_key` (no diacritics, no
case, no punctuation, so old and new tone placement are equal) and "i"/"y" at the end of a syllable
after a consonant are equal ("kí" = "ký", "lí" = "lý"). A query word matches a name word exactly, as
a prefix ("khai sin" finds "khai sinh"), or - for words of 4 letters or more - with one typing
error (a letter missing, extra, wrong or two letters swapped: "kahi" finds "khai").

Ranking, best first (`Tier`):
    0. the procedure code ("1.001193", "1001193"; a code prefix while typing)
    1. the whole name equals the query
    2. the query is a phrase of the name (whole words)
    3. the query is a phrase of the name, its last word typed in part
    4. every query word is a word of the name
    5. every query word begins a word of the name
    6. every query word begins a word of the search text (field, keywords, agency, result ...)
    7. every query word matches, some only with a typing error
    8. most query words match (at least half; only when nothing matches them all)
Within a tier, shorter names first (the general procedure before its special cases; a leading
"Thủ tục" is not counted, nor needed for an equal name), then the name, then the code. Question
words around the query ("ở đâu", "như thế nào", "bao lâu" ...) are dropped.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.signals import post_delete, post_save

from egov.core import vntext

__all__ = [
    "MAX_QUERY_CHARS",
    "Hit",
    "Tier",
    "fold_query",
    "get_index",
    "invalidate",
    "search",
]

TOKEN_KEY = "egov:procedures:search-token"
# How often a process compares its index with the shared token and the tables: None means 1 s,
# or every search under the test settings (tests write rows directly, many per second).
RECHECK_SECONDS: float | None = None
# Longest query considered: characters read from the request, and folded characters kept.
MAX_RAW_CHARS = 1000
MAX_QUERY_CHARS = 200
MAX_WORDS = 12
RESULT_CACHE_SIZE = 1024
FUZZY_MIN_LENGTH = 4


class Tier(IntEnum):
    CODE = 0
    NAME_EQUAL = 1
    NAME_PHRASE = 2
    NAME_PHRASE_PREFIX = 3
    NAME_WORDS = 4
    NAME_PREFIXES = 5
    TEXT_PREFIXES = 6
    FUZZY = 7
    PARTIAL = 8


@dataclass(frozen=True)
class Hit:
    """One procedure in the index (the version in force)."""

    procedure_id: int
    version_id: int
    code: str
    name: str
    field_slug: str
    field_name: str
    levels: tuple[str, ...]


_Y_AFTER_CONSONANT = re.compile(r"^([bcdghklmnpqrstvx]+)y$")
_CODE_RE = re.compile(r"^([0-9])[ .,]?([0-9]{6})$")
_DIGITS_RE = re.compile(r"^[0-9][0-9 .,]{0,8}$")


_word_cache: dict[str, str] = {}


def _word(word: str) -> str:
    # "ky" == "ki", "ly" == "li", "my" == "mi" (both spellings are in use); "quy", "tuy", "y" stay.
    folded = _word_cache.get(word)
    if folded is None:
        folded = _Y_AFTER_CONSONANT.sub(r"\1i", word) if word.endswith("y") else word
        if len(_word_cache) < 100_000:
            _word_cache[word] = folded
    return folded


def _words(key: str) -> list[str]:
    return [_word(w) for w in key.split()]


def _intersect(sets: list[set[int]]) -> set[int]:
    """Intersection, smallest first (much faster when one word is rare)."""
    ordered = sorted(sets, key=len)
    out = set(ordered[0])
    for other in ordered[1:]:
        if not out:
            break
        out &= other
    return out


# Question words people type around what they look for ("... ở đâu", "... như thế nào"):
# dropped when something else remains.
_NOISE = re.compile(
    r"(?:^| )(?:o dau|nhu the nao|the nao|lam sao|lam the nao|can gi|can nhung gi|"
    r"bao lau|mat bao lau|bao nhieu tien|het bao nhieu)(?= |$)"
)
# "Thủ tục ..." opens many names and says nothing: not counted in a name's length.
_GENERIC_HEAD = "thu tuc "


def fold_query(query: str) -> str:
    """The folded query the index matches: at most MAX_QUERY_CHARS characters (whole words) and
    MAX_WORDS words. Any string is accepted (control characters, lone surrogates, NUL: dropped)."""
    key = vntext.search_key(vntext.clean(query[:MAX_RAW_CHARS]))
    if len(key) > MAX_QUERY_CHARS:
        key = key[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] if " " in key[:MAX_QUERY_CHARS] else ""
    words = _words(key)[:MAX_WORDS]
    key = " ".join(words)
    stripped = _NOISE.sub("", key).strip()
    return " ".join(stripped.split()) if stripped else key


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance of a and b is at most 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@dataclass
class Index:
    """Folded texts of the procedures in force, in rank order (shorter names first)."""

    hits: list[Hit]
    names: list[str]  # " " + folded name + " ", for phrase tests
    name_exact: dict[str, set[int]]
    text_exact: dict[str, set[int]]
    vocabulary: list[str]  # sorted words of names and texts
    name_vocabulary: set[str]
    deletes: dict[str, set[str]]  # one letter deleted -> vocabulary words (words >= 3 letters)
    by_name: dict[str, set[int]]
    by_code: dict[str, int]  # "1001193" -> doc
    code_order: list[int]  # docs ordered by code (browsing)
    by_field: dict[str, set[int]]
    by_level: dict[str, set[int]]
    token: Any = None
    results: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- word matching ---------------------------------------------------------------------

    def _prefixed(self, prefix: str) -> list[str]:
        vocab = self.vocabulary
        i = bisect_left(vocab, prefix)
        out = []
        while i < len(vocab) and vocab[i].startswith(prefix):
            out.append(vocab[i])
            i += 1
        return out

    def _fuzzy(self, word: str) -> list[str]:
        if len(word) < FUZZY_MIN_LENGTH or word in self.text_exact:
            return []
        found: set[str] = set(self.deletes.get(word, ()))
        for variant in _deletes(word):
            found.update(self.deletes.get(variant, ()))
            if variant in self.text_exact:
                found.add(variant)
        return [w for w in found if w != word and _one_edit(word, w)]

    def _docs(self, table: dict[str, set[int]], words: Iterable[str]) -> set[int]:
        empty: set[int] = set()
        return empty.union(*(table.get(w, empty) for w in words))

    # --- ranking ----------------------------------------------------------------------------

    def rank(self, query: str, *, field: str | None, level: str | None) -> tuple[int, ...]:
        """Docs matching the folded `query`, best first."""
        cache_key = (query, field, level)
        with self.lock:
            cached = self.results.get(cache_key)
            if cached is not None:
                self.results.move_to_end(cache_key)
                return cached
        ranked = self._rank(query, field=field, level=level)
        with self.lock:
            self.results[cache_key] = ranked
            if len(self.results) > RESULT_CACHE_SIZE:
                self.results.popitem(last=False)
        return ranked

    def _allowed(self, field: str | None, level: str | None) -> set[int] | None:
        allowed: set[int] | None = None
        if field is not None:
            allowed = set(self.by_field.get(field, ()))
        if level is not None:
            docs = self.by_level.get(level, set())
            allowed = docs if allowed is None else allowed & docs
        return allowed

    def _rank(self, query: str, *, field: str | None, level: str | None) -> tuple[int, ...]:
        allowed = self._allowed(field, level)
        if not query:
            order = self.code_order
            return tuple(order if allowed is None else (d for d in order if d in allowed))
        words = list(dict.fromkeys(query.split()))
        tiers: list[set[int]] = []
        seen: set[int] = set()

        def add(docs: Iterable[int]) -> None:
            docs = set(docs) - seen
            if allowed is not None:
                docs &= allowed
            seen.update(docs)
            tiers.append(docs)

        add(self._code_docs(query))
        add(self.by_name.get(query, ()))

        name_exact = [self.name_exact.get(w, set()) for w in words]
        prefix_words = [self._prefixed(w) for w in words]
        name_prefix = [
            self._docs(self.name_exact, (p for p in ps if p in self.name_vocabulary))
            for ps in prefix_words
        ]
        text_prefix = [self._docs(self.text_exact, ps) for ps in prefix_words]

        all_name_exact = _intersect(name_exact)
        head_exact = _intersect(name_exact[:-1]) if len(words) > 1 else None
        phrase, phrase_prefix = f" {query} ", f" {query}"
        add(d for d in all_name_exact if phrase in self.names[d])
        candidates = name_prefix[-1] if head_exact is None else head_exact & name_prefix[-1]
        add(d for d in candidates if phrase_prefix in self.names[d])
        add(all_name_exact)
        add(_intersect(name_prefix))
        add(_intersect(text_prefix))

        fuzzy = [
            tp | self._docs(self.text_exact, self._fuzzy(w))
            for w, tp in zip(words, text_prefix, strict=True)
        ]
        add(_intersect(fuzzy))

        ordered: list[int] = []
        for docs in tiers:
            ordered.extend(sorted(docs))
        if not ordered and len(words) > 1:
            ordered = self._partial(fuzzy, name_prefix, allowed)
        return tuple(ordered)

    def _partial(
        self, fuzzy: list[set[int]], name_prefix: list[set[int]], allowed: set[int] | None
    ) -> list[int]:
        counts: dict[int, int] = {}
        for docs in fuzzy:
            for d in docs:
                counts[d] = counts.get(d, 0) + 2
        for docs in name_prefix:
            for d in docs:
                counts[d] += 1
        need = len(fuzzy)  # half of the words (each text match counts 2)
        docs = [d for d, c in counts.items() if c >= need and (allowed is None or d in allowed)]
        docs.sort(key=lambda d: (-counts[d], d))
        return docs

    def _code_docs(self, query: str) -> list[int]:
        if not _DIGITS_RE.match(query):
            return []
        match = _CODE_RE.match(query)
        if match:
            doc = self.by_code.get(match.group(1) + match.group(2))
            return [] if doc is None else [doc]
        digits = query.replace(" ", "")
        if len(digits) < 2:
            return []
        found = [d for key, d in self.by_code.items() if key.startswith(digits)]
        if len(digits) == 6:
            found += [d for key, d in self.by_code.items() if key[1:] == digits]
        return sorted(found, key=lambda d: self.hits[d].code)


def build_index(rows: Iterable[tuple]) -> Index:
    """Rows: (procedure id, version id, code, name, name_key, search_text, field slug, field name,
    levels)."""
    prepared = []
    for pid, vid, code, name, name_key, search_text, slug, field_name, levels in rows:
        name_words = _words(name_key or vntext.search_key(name))
        text_words = _words(search_text or "")
        key = " ".join(name_words)
        length = len(name_words) - (2 if key.startswith(_GENERIC_HEAD) else 0)
        prepared.append((length, key.removeprefix(_GENERIC_HEAD), code, pid, vid, name, slug))
        prepared[-1] += (field_name, tuple(levels or ()), name_words, text_words)
    prepared.sort(key=lambda r: (r[0], r[1], r[2]))

    hits, names = [], []
    name_exact: dict[str, set[int]] = {}
    text_exact: dict[str, set[int]] = {}
    by_name: dict[str, set[int]] = {}
    by_code: dict[str, int] = {}
    by_field: dict[str, set[int]] = {}
    by_level: dict[str, set[int]] = {}
    for doc, row in enumerate(prepared):
        _, _, code, pid, vid, name, slug, field_name, levels, name_words, text_words = row
        key = " ".join(name_words)
        hits.append(Hit(pid, vid, code, name, slug, field_name, levels))
        names.append(f" {key} ")
        by_name.setdefault(key, set()).add(doc)
        by_name.setdefault(key.removeprefix(_GENERIC_HEAD), set()).add(doc)
        by_code[code.replace(".", "")] = doc
        by_field.setdefault(slug, set()).add(doc)
        for lv in levels:
            by_level.setdefault(lv, set()).add(doc)
        for w in set(name_words):
            name_exact.setdefault(w, set()).add(doc)
        for w in {*name_words, *text_words}:
            text_exact.setdefault(w, set()).add(doc)
    deletes: dict[str, set[str]] = {}
    for w in text_exact:
        if len(w) >= FUZZY_MIN_LENGTH - 1 and not w.isdigit():
            for variant in _deletes(w):
                deletes.setdefault(variant, set()).add(w)
    code_order = sorted(range(len(hits)), key=lambda d: hits[d].code)
    return Index(
        hits=hits,
        names=names,
        name_exact=name_exact,
        text_exact=text_exact,
        vocabulary=sorted(text_exact),
        name_vocabulary=set(name_exact),
        deletes=deletes,
        by_name=by_name,
        by_code=by_code,
        code_order=code_order,
        by_field=by_field,
        by_level=by_level,
    )


# --- the process's index --------------------------------------------------------------------

_lock = threading.Lock()
_state: dict[str, Any] = {"index": None, "checked_at": float("-inf"), "token": None}


def _in_force_q() -> Q:
    from egov.procedures.models import VersionAction

    return Q(current__isnull=False) & ~Q(current__action=VersionAction.RESCINDED)


def _load() -> Index:
    from egov.procedures.models import Procedure

    rows = (
        Procedure.objects.filter(_in_force_q())
        .values_list(
            "id",
            "current_id",
            "code",
            "current__name",
            "current__name_key",
            "current__search_text",
            "current__field__slug",
            "current__field__name",
            "current__levels",
        )
        .order_by()
    )
    return build_index(rows)


def _fingerprint() -> tuple:
    """Cheap summary of the catalogue tables: changes when rows are added or the versions in
    force change, even by writes that did not call `invalidate()`."""
    from egov.procedures.models import Field, Procedure, ProcedureVersion

    procedures = Procedure.objects.aggregate(
        n=Count("id"), current=Count("current"), ids=Sum("current_id"), last=Max("id")
    )
    versions = ProcedureVersion.objects.aggregate(
        n=Count("id"), last=Max("id"), created=Max("created_at")
    )
    fields = Field.objects.aggregate(n=Count("id"), last=Max("id"))
    return (*procedures.values(), *versions.values(), *fields.values())


def _shared_token() -> Any:
    try:
        return cache.get(TOKEN_KEY)
    except Exception:  # a cache outage must not stop search; the fingerprint still works
        return None


def get_index() -> Index:
    """This process's index, rebuilt when the catalogue changed (checked at most every
    RECHECK_SECONDS)."""
    index = _state["index"]
    now = time.monotonic()
    interval = RECHECK_SECONDS
    if interval is None:
        interval = 0.0 if getattr(settings, "TESTING", False) else 1.0
    if index is not None and now - _state["checked_at"] < interval:
        return index
    token = (_shared_token(), _fingerprint())
    if index is not None and index.token == token:
        _state["checked_at"] = now
        return index
    with _lock:
        index = _state["index"]
        if index is None or index.token != token:
            index = _load()
            index.token = token
            _state["index"] = index
        _state["checked_at"] = now
    return index


def _bump() -> None:
    try:
        cache.set(TOKEN_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: S110 - other processes still see the fingerprint change
        pass


def _drop() -> None:
    with _lock:
        _state["index"] = None
        _state["checked_at"] = float("-inf")


def invalidate() -> None:
    """The catalogue changed: rebuild the index on the next search, here at once and in every
    process within RECHECK_SECONDS of the commit. Call it from every catalogue write."""
    _drop()
    _bump()

    def after_commit() -> None:
        _drop()
        _bump()

    transaction.on_commit(after_commit)


def _on_change(sender: Any, **kwargs: Any) -> None:
    invalidate()


def _connect() -> None:
    """Any save or delete of a catalogue row through the ORM invalidates the index, so the
    admin, the importers and the shell need not remember to (bulk writes are caught by the
    fingerprint)."""
    from egov.procedures.models import Field, Procedure, ProcedureVersion

    for model in (Field, Procedure, ProcedureVersion):
        for signal in (post_save, post_delete):
            signal.connect(_on_change, sender=model, dispatch_uid=f"search-{model.__name__}")


_connect()


def search(
    query: str, *, field: str | None = None, level: str | None = None
) -> tuple[Index, tuple[int, ...]]:
    """(the index, its docs matching `query`, best first). `query` is raw user input."""
    index = get_index()
    return index, index.rank(fold_query(query), field=field or None, level=level or None)
