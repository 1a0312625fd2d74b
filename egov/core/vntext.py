"""Vietnamese text: normalisation, folded search keys, tone placement, collation.

- ``clean``: what we store (NFC, whitespace collapsed, control characters and lone
  surrogates removed); ``has_invalid_unicode`` lets a form reject instead.
- ``search_key``: accent-, case- and punctuation-insensitive key ("hoà" == "HÒA" == "hoa").
- ``search_key_accented``: same but keeps diacritics and đ, with one tone placement,
  to rank exact-accent matches first.
- ``sort_key`` / ``person_sort_key``: Vietnamese alphabetical order without ICU.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "clean",
    "has_invalid_unicode",
    "nfc",
    "person_sort_key",
    "search_key",
    "search_key_accented",
    "sort_key",
    "tone_normalize",
]

# Tone marks in the order Vietnamese dictionaries use: none < huyền < hỏi < ngã < sắc < nặng.
_TONES = "\u0300\u0309\u0303\u0301\u0323"
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"

_SURROGATES = re.compile("[\ud800-\udfff]")
# Characters that carry nothing visible and break words apart when pasted from
# Word/PDF: C0/C1 controls that are not whitespace, soft hyphen, zero-width
# space/joiners, word joiner, BOM. Whitespace controls are collapsed instead.
_INVISIBLE = [
    *(c for c in map(chr, [*range(0x20), *range(0x7F, 0xA0)]) if not c.isspace()),
    "\u00ad",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
]
_DROP = re.compile("[" + "".join(_INVISIBLE) + "\ud800-\udfff]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def has_invalid_unicode(text: str) -> bool:
    """True if ``text`` holds lone surrogates (e.g. "\\ud800"): not encodable as UTF-8,
    so PostgreSQL and JSON encoders would fail on it later."""
    return _SURROGATES.search(text) is not None


def clean(text: str) -> str:
    """Normalise user input for storage: drop lone surrogates and invisible control
    characters, compose to NFC (legacy decomposed text included), trim and collapse
    whitespace. Does not change tone placement: the user's spelling is kept."""
    return " ".join(nfc(_DROP.sub("", text)).split())


def clean_lines(text: str) -> str:
    """`clean` line by line, for text that is a list (one paper per line): line breaks kept,
    empty lines dropped."""
    return "\n".join(filter(None, (clean(line) for line in text.splitlines())))


# --- search keys --------------------------------------------------------------

_COMBINING_LATIN = [
    *range(0x0300, 0x0370),
    *range(0x1AB0, 0x1B00),
    *range(0x1DC0, 0x1E00),
    *range(0x20D0, 0x2100),
    *range(0xFE20, 0xFE30),
]
# đ/Đ have no decomposition, so NFD leaves them; legacy data also types Đ as the
# look-alike Icelandic Ð (U+00D0).
_FOLD = {cp: None for cp in _COMBINING_LATIN}
_FOLD.update({ord(c): None for c in _INVISIBLE})
_FOLD.update({0x0111: "d", 0x0110: "d", 0x00F0: "d", 0x00D0: "d"})
_FOLD.update({cp: None for cp in range(0xD800, 0xE000)})

_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_ACCENTED = re.compile(r"(?:[^\w\u0300-\u036f]|_)+")


def _decomposes_to_ascii(ch: str) -> bool:
    return all(c.isascii() or 0x300 <= ord(c) < 0x370 for c in unicodedata.normalize("NFKD", ch))


# Fast path: text made only of ASCII and Latin letters that decompose to ASCII +
# marks (all of Vietnamese) folds with NFKD + encode("ascii", "ignore") + a byte
# table, about 4x faster than str.translate over a dict. Anything else (other
# scripts, ø, ß, zero-width characters) takes the general path; both agree.
_LATIN = re.compile(
    "["
    + re.escape(
        "".join(
            chr(cp)
            for cp in [*range(0x80), *range(0xA0, 0x250), *range(0x1E00, 0x1F00)]
            if _decomposes_to_ascii(chr(cp))
        )
    )
    + "đĐðÐ]*"
)
_ASCII_KEY = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)).lower() + bytes(128)
_ASCII_DROP = bytes(c for c in [*range(0x20), 0x7F] if not chr(c).isspace())


def search_key(text: str) -> str:
    """Lower-case, diacritic-free, punctuation-free key: words of letters and digits
    separated by one space. "Đặng Thị Ngọc Hưởng" -> "dang thi ngoc huong"."""
    if _LATIN.fullmatch(text):
        text = text.replace("đ", "d").replace("Đ", "d").replace("ð", "d").replace("Ð", "d")
        raw = unicodedata.normalize("NFKD", text).encode("ascii", "ignore")
        return b" ".join(raw.translate(_ASCII_KEY, _ASCII_DROP).split()).decode("ascii")
    return _search_key_general(text)


def _search_key_general(text: str) -> str:
    # Canonical caseless matching (Unicode D145) with compatibility forms, so
    # full-width letters and ligatures fold too.
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text).translate(_FOLD)
    return _NON_WORD.sub(" ", text).strip()


def search_key_accented(text: str) -> str:
    """Like ``search_key`` but keeps diacritics and đ (NFC), with tone placement
    normalised: "  Hoà-Bình " -> "hòa bình"."""
    text = unicodedata.normalize("NFKC", _DROP.sub("", text)).casefold()
    text = tone_normalize(text).replace("ð", "đ")
    return _NON_WORD_ACCENTED.sub(" ", text).strip()


# --- tone placement -----------------------------------------------------------


def _old_tone_pairs() -> dict[str, str]:
    pairs = {}
    for first, seconds in (("o", "ae"), ("u", "y")):
        for f in (first, first.upper()):
            for s in seconds + seconds.upper():
                for tone in _TONES:
                    pairs[nfc(f + s + tone)] = nfc(f + tone) + s
    return pairs


_OLD_TONE = _old_tone_pairs()
_TONED_AE = "".join(sorted({k[1] for k in _OLD_TONE if k[0] in "oO"}))
_TONED_Y = "".join(sorted({k[1] for k in _OLD_TONE if k[0] in "uU"}))
# "oa", "oe", "uy" closing a syllable (no final consonant or vowel after them);
# "qu" + "y" is excluded: in "quý" the u belongs to the consonant.
_OLD_TONE_RE = re.compile(
    f"(?:[oO][{_TONED_AE}]|(?<![qQ])[uU][{_TONED_Y}])" + r"(?![\w\u0300-\u036f])"
)


def tone_normalize(text: str) -> str:
    """NFC, with the tone of a syllable-final oa/oe/uy written on the first vowel:
    "hoà" -> "hòa", "khoẻ" -> "khỏe", "thuý" -> "thúy", "uỷ ban" -> "ủy ban".
    Leaves "hoàng", "quý", "khuya", "khuỷu" alone (one placement only)."""
    if text.isascii():
        return text
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONE[m.group()], nfc(text))


# --- collation ----------------------------------------------------------------

# Vietnamese alphabet; f, j, w, z (loan words, foreign names) take their Latin
# places: f after ê, j after i, w after v, z after y.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_MODIFIED = {("a", _BREVE): "ă", ("a", _CIRCUMFLEX): "â", ("e", _CIRCUMFLEX): "ê"}
_MODIFIED |= {("o", _CIRCUMFLEX): "ô", ("o", _HORN): "ơ", ("u", _HORN): "ư"}
# Keys use only 0-9 and a-z, which sort the same in Python, in binary (C)
# collation and in linguistic (ICU, glibc) collations, so they can be stored in a
# column and used in ORDER BY. Symbols in ascending order:
#   "0" ends a word, "1" separates a word's letters from its tones, "2" starts a
#   number, "3".."y" are the letters a..y, "z0" is z, "z1" + 4 base-36 digits is
#   any other character (other scripts sort after Vietnamese).
_WORD_END, _TONE_SEP, _NUMBER, _OTHER = "0", "1", "2", "z1"
_SYMBOLS = "0123456789abcdefghijklmnopqrstuvwxyz"
_NON_ASCII = re.compile("[^\x00-\x7f]")
_DIGIT_RUN = re.compile("[0-9]+|[^0-9]+")
_TOKEN = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


def _collation_tables() -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    codes = [*_SYMBOLS[3:-1], "z0"]
    rank = dict(zip(_ALPHABET, codes, strict=True))
    primary: dict[int, str] = {}
    tone: dict[int, str] = {}
    case: dict[int, str] = {}
    for cp in [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(cp)
        base, *marks = unicodedata.normalize("NFD", ch.lower())
        letter = base
        for mark in marks:
            letter = _MODIFIED.get((base, mark), letter)
        if letter not in rank:
            continue
        tones = [str(1 + _TONES.index(m)) for m in marks if m in _TONES]
        primary[cp], tone[cp] = rank[letter], (tones[0] if tones else "0")
        case[cp] = "1" if ch.isupper() else "0"
    for ch in "đĐðÐ":
        primary[ord(ch)], tone[ord(ch)] = rank["đ"], "0"
        case[ord(ch)] = "1" if ch.isupper() else "0"
    for cp in [*range(0x0300, 0x0370), *range(0x30, 0x3A)]:  # stray marks, digits
        primary[cp] = tone[cp] = case[cp] = ""
    return primary, tone, case


_PRIMARY, _TONE, _CASE = _collation_tables()


def _other(m: re.Match[str]) -> str:
    n, digits = ord(m.group()), ""
    for _ in range(4):
        n, d = divmod(n, 36)
        digits = _SYMBOLS[d] + digits
    return _OTHER + digits


def _primary(run: str) -> str:
    if run[0] in "0123456789":  # length first, so 2 < 10
        digits = run.lstrip("0") or "0"
        return _NUMBER + _SYMBOLS[min(len(digits), 35)] + digits
    run = run.translate(_PRIMARY)
    return run if run.isascii() else _NON_ASCII.sub(_other, run)


def _word_key(word: str) -> str:
    if word.isalpha():
        primary = _primary(word)
    else:
        primary = "".join(_primary(run) for run in _DIGIT_RUN.findall(word))
    tones = word.translate(_TONE)
    if not tones.isascii():
        tones = _NON_ASCII.sub("", tones)
    return primary + _TONE_SEP + tones + _WORD_END


def sort_key(text: str) -> str:
    """Key for Vietnamese alphabetical order, word by word as dictionaries do
    ("An" < "An Bình" < "Anh", "ba bà" < "bà ba"): each word by its letters
    (a < ă < â … d < đ …), then its tones (none < huyền < hỏi < ngã < sắc < nặng),
    before the next word; case (lower first) only breaks full ties. Punctuation
    separates words; digit runs compare as numbers and sort before letters.
    "hoà" and "hòa" give equal keys. Truncating a key keeps the order (ties only)."""
    text = tone_normalize(unicodedata.normalize("NFKC", _DROP.sub("", text)))
    words = _TOKEN.findall(text)
    body = "".join(_word_key(nfc(w.casefold())) for w in words)
    case = "".join(words).translate(_CASE)
    if not case.isascii():
        case = "".join(
            c if c.isascii() else "01"[c.isupper()] for c in case if c.isascii() or c.isalpha()
        )
    # Case bits are "0"/"1", below any symbol that can start a word, so a shorter
    # name still sorts before a longer one it is a prefix of.
    return body + case


def person_sort_key(full_name: str) -> str:
    """Sort people by given name (last word), then family and middle names:
    "Lê Văn An" < "Trần Thị An" < "Nguyễn Văn Bình". Suits Kinh-style names
    (family name first); use ``sort_key`` for lists that should not reorder."""
    *family, given = full_name.split() or [""]
    return sort_key(" ".join([given, *family]))
