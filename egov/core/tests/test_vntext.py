import random
import unicodedata

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from egov.core import vntext
from egov.core.vntext import (
    clean,
    has_invalid_unicode,
    nfc,
    person_sort_key,
    search_key,
    search_key_accented,
    sort_key,
    tone_normalize,
)


def nfd(text):
    return unicodedata.normalize("NFD", text)


# Any code point, lone surrogates included.
any_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
        st.sampled_from("\ud800\udfff\u0300\u0301\u0323\u0345đĐðÐoOuUaàỳ \x00\u00ad"),
    ),
    max_size=40,
)
# Mostly Vietnamese-looking text, so properties hit tone marks and đ.
VI_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàằầèềìòồờùừỳảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹáắấéếíóốớúứýạặậẹệịọộợụựỵ"
)
KEY_SYMBOLS = set("0123456789abcdefghijklmnopqrstuvwxyz")
vi_text = st.text(alphabet=VI_LETTERS + VI_LETTERS.upper() + " -,.'0123456789", max_size=40)


# --- nfc / clean / has_invalid_unicode ----------------------------------------


def test_nfc_composes_legacy_decomposed_text():
    decomposed = "Nguye\u0302\u0303n"
    assert len(decomposed) == 8
    assert nfc(decomposed) == "Nguyễn"
    assert len(nfc(decomposed)) == 6


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Nguyễn   Văn\tAn \n", "Nguyễn Văn An"),
        (nfd("Đặng Thị Ngọc Hưởng"), "Đặng Thị Ngọc Hưởng"),
        ("Ng\u00adọc\u200b Anh\ufeff", "Ngọc Anh"),
        ("a\x00b\x07c\x7fd\x9fe", "abcde"),
        ("Hà\ud800 Nội\udfff", "Hà Nội"),
        ("a\u00a0b\u2003c\u2028d", "a b c d"),
        ("hoà", "hoà"),  # the user's tone placement is kept
        ("", ""),
        (" \t\n ", ""),
    ],
)
def test_clean(raw, expected):
    assert clean(raw) == expected


def test_clean_output_is_encodable_for_postgres():
    cleaned = clean("x\ud800\x00y")
    assert cleaned == "xy"
    cleaned.encode("utf-8")  # would raise UnicodeEncodeError on a surrogate


@pytest.mark.parametrize(
    ("text", "invalid"),
    [
        ("Nguyễn Văn An", False),
        ("", False),
        ("😀 emoji is valid", False),
        ("\ud800", True),
        ("abc\udfffdef", True),
        ("\ud83d\ude00", True),  # a surrogate pair spelt as two code points
    ],
)
def test_has_invalid_unicode(text, invalid):
    assert has_invalid_unicode(text) is invalid


# --- search_key ---------------------------------------------------------------

SEARCH_KEY_CASES = [
    ("Đặng Thị Ngọc Hưởng", "dang thi ngoc huong"),
    ("  HOÀ  ", "hoa"),
    ("ĐẶNG", "dang"),
    ("đĐ", "dd"),
    (nfd("Đặng Thị Ngọc Hưởng"), "dang thi ngoc huong"),
    (nfd("Trường THPT Chu Văn An"), "truong thpt chu van an"),
    ("hoà", "hoa"),
    ("hòa", "hoa"),
    ("thuý", "thuy"),
    ("thúy", "thuy"),
    ("khoẻ", "khoe"),
    ("khỏe", "khoe"),
    ("Uỷ ban nhân dân", "uy ban nhan dan"),
    ("Ủy ban nhân dân", "uy ban nhan dan"),
    ("Ăn Ân Ơn Ôn Ưu Êm", "an an on on uu em"),
    ("Nguyễn-Văn,An.", "nguyen van an"),
    ("Số 12/3, ngõ 45", "so 12 3 ngo 45"),
    ("(Phường 10) — Quận 3!!", "phuong 10 quan 3"),
    ("H'Hen Niê", "h hen nie"),
    ("snake_case_name", "snake case name"),
    ("TP.HCM", "tp hcm"),
    ("0123456789", "0123456789"),
    ("", ""),
    ("   ", ""),
    ("!@#$%^&*()", ""),
    ("a\tb\nc\r\nd", "a b c d"),
    ("a\x00b", "ab"),
    ("Hà\ud800Nội", "hanoi"),
    ("\udfff", ""),
    ("Ng\u00adọc\u200bAnh", "ngocanh"),
    ("Ｎｇｕｙễｎ １２", "nguyen 12"),  # full-width forms
    ("Ðặng", "dang"),  # Icelandic Eth used for Đ in legacy data
    ("Straße", "strasse"),
    ("Zoë Ångström", "zoe angstrom"),
    ("Πόλη", "πολη"),
    ("<script>alert('x')</script>", "script alert x script"),
    ("'; DROP TABLE units; --", "drop table units"),
    ("../../etc/passwd", "etc passwd"),
]


@pytest.mark.parametrize(("text", "expected"), SEARCH_KEY_CASES)
def test_search_key(text, expected):
    assert search_key(text) == expected


def test_search_key_case_table_is_large_enough():
    assert len(SEARCH_KEY_CASES) >= 30


def test_search_key_long_input():
    text = ("Đặng Thị Ngọc Hưởng, " * 500)[:10_000]
    assert len(text) == 10_000
    key = search_key(text)
    assert key.startswith("dang thi ngoc huong dang thi")
    assert key.count("huong") == 476
    assert key == search_key(nfd(text))


def test_search_key_general_path_agrees_with_fast_path():
    for text, expected in SEARCH_KEY_CASES:
        assert vntext._search_key_general(text) == expected, text


@given(any_text)
def test_search_key_is_idempotent(text):
    key = search_key(text)
    assert search_key(key) == key


@given(any_text)
def test_search_key_ignores_normal_form(text):
    assert search_key(nfc(text)) == search_key(nfd(text)) == search_key(text)


@given(any_text)
def test_search_key_of_cleaned_text_is_unchanged(text):
    assert search_key(clean(text)) == search_key(text)


@given(any_text)
def test_search_key_output_shape(text):
    key = search_key(text)
    assert key == key.strip()
    assert "  " not in key
    assert not has_invalid_unicode(key)
    assert all(c.isalnum() or c == " " for c in key)


@given(st.text(alphabet=st.sampled_from(sorted(set(vntext._LATIN.pattern))), max_size=40))
def test_search_key_fast_path_matches_general_path(text):
    assert vntext._LATIN.fullmatch(text)
    assert search_key(text) == vntext._search_key_general(text)


@given(vi_text)
def test_search_key_fast_path_matches_general_path_on_vietnamese(text):
    assert search_key(text) == vntext._search_key_general(text)


# --- tone placement -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoà", "hòa"),
        ("Hoá học", "Hóa học"),
        ("hoả hoạn", "hỏa hoạn"),
        ("xoã", "xõa"),
        ("HOẠ", "HỌA"),
        ("khoẻ", "khỏe"),
        ("xoè", "xòe"),
        ("loé", "lóe"),
        ("thuý", "thúy"),
        ("Thuỵ Khuê", "Thụy Khuê"),
        ("uỷ ban", "ủy ban"),
        ("huỷ bỏ", "hủy bỏ"),
        ("tuỳ ý", "tùy ý"),
        ("THUỸ", "THŨY"),
        (nfd("hoà"), "hòa"),
        # already in the target style, or only one placement exists:
        ("hòa khỏe thúy", "hòa khỏe thúy"),
        ("hoàng hoạch khoảng", "hoàng hoạch khoảng"),
        ("quý quỳ quỷ quỹ quỵ", "quý quỳ quỷ quỹ quỵ"),
        ("Quý", "Quý"),
        ("khuya khuỷu ngoái", "khuya khuỷu ngoái"),
        ("mùa thuở", "mùa thuở"),
        ("hoà-bình", "hòa-bình"),
        ("", ""),
        ("ascii only", "ascii only"),
    ],
)
def test_tone_normalize(text, expected):
    assert tone_normalize(text) == expected


@given(vi_text)
def test_tone_normalize_is_idempotent_and_keeps_letters(text):
    once = tone_normalize(text)
    assert tone_normalize(once) == once
    assert search_key(once) == search_key(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hoà-Bình ", "hòa bình"),
        ("ĐẶNG THỊ THUÝ", "đặng thị thúy"),
        (nfd("Khoẻ"), "khỏe"),
        ("Ðặng", "đặng"),
        ("a\x00b\ud800", "ab"),
        ("", ""),
    ],
)
def test_search_key_accented(text, expected):
    assert search_key_accented(text) == expected


def test_search_key_accented_distinguishes_tones_search_key_does_not():
    assert search_key("mà") == search_key("má") == "ma"
    assert search_key_accented("mà") != search_key_accented("má")
    assert search_key_accented("hoà") == search_key_accented("HÒA")


@given(any_text)
def test_search_key_accented_folds_to_search_key(text):
    accented = search_key_accented(text)
    assert search_key_accented(accented) == accented
    assert search_key(accented) == search_key(text)


# --- collation ------------------------------------------------------------------


def vi_sorted(words):
    return sorted(words, key=sort_key)


def assert_strictly_ordered(words):
    keys = [sort_key(w) for w in words]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys), "distinct words must not tie"


def test_alphabet_order():
    alphabet = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    shuffled = alphabet[:]
    random.Random(3).shuffle(shuffled)
    assert vi_sorted(shuffled) == alphabet
    assert vi_sorted([w.upper() for w in shuffled]) == [w.upper() for w in alphabet]


def test_loan_letters_take_latin_places():
    assert_strictly_ordered(["ê", "f", "g", "i", "j", "k", "v", "w", "x", "y", "z"])


@pytest.mark.parametrize(
    "ordered",
    [
        ["Dung", "Dũng", "Dương", "Đào", "Đức", "Em"],  # Đ after D, before E
        ["An", "Anh", "Ăn", "Ân", "Bình"],  # Ă, Â after A
        ["Oanh", "Ô", "Ôn", "Ơn", "Phúc"],  # Ô, Ơ after O
        ["Uyên", "Ưng", "Ướt", "Vân"],  # Ư after U
        ["ma", "mà", "mả", "mã", "má", "mạ", "mai"],  # tones, then letters
        ["ba", "bà", "bả", "bã", "bá", "bạ"],
        ["An", "An Bình", "Anh"],  # word by word
        ["Hà", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng"],
        ["ba ba", "ba bà", "bà ba", "bà con"],
        ["an", "An", "AN"],  # case is the last difference, lower first
        ["Phường 2", "Phường 9", "Phường 10", "Phường 11", "Phường A"],
        ["Nguyễn", "Nguyễn Văn", "Nguyễn Văn A", "Nguyễn Văn An", "Nguyễn Văn Ánh"],
    ],
)
def test_vietnamese_order(ordered):
    assert_strictly_ordered(ordered)
    assert vi_sorted(reversed(ordered)) == ordered


def test_code_point_sorted_is_wrong_and_ours_is_right():
    names = ["Ân", "Yến", "Đức", "Ăn", "Ơn", "Ưng", "Zô", "Dung", "Bình"]
    # DOMAIN.md 11: code points put Đ, Ă, Ơ, Ư after Z and Ân after Y.
    assert sorted(names) == ["Bình", "Dung", "Yến", "Zô", "Ân", "Ăn", "Đức", "Ơn", "Ưng"]
    assert vi_sorted(names) == ["Ăn", "Ân", "Bình", "Dung", "Đức", "Ơn", "Ưng", "Yến", "Zô"]


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("Thuý", "Thúy"), ("khoẻ", "khỏe"), ("Uỷ ban", "Ủy ban"), ("HOÀ", "HÒA")],
)
def test_old_and_new_tone_placement_sort_equal(old, new):
    assert sort_key(old) == sort_key(new)
    assert sort_key(nfd(old)) == sort_key(new)


def test_sort_key_ignores_spacing_and_form():
    assert sort_key("  Hòa   Bình ") == sort_key("Hòa Bình") == sort_key(nfd("Hòa Bình"))


def test_tones_are_secondary_to_letters():
    # A tone difference early in a word loses to a letter difference later in it.
    assert sort_key("má") < sort_key("mai")
    assert sort_key("mạ") < sort_key("mai")


def test_other_scripts_sort_after_vietnamese_letters():
    assert vi_sorted(["Ωmega", "東京", "Yên", "123"]) == ["123", "Yên", "Ωmega", "東京"]


@given(any_text)
def test_sort_key_never_raises_and_is_plain_ascii(text):
    key = sort_key(text)
    assert KEY_SYMBOLS.issuperset(key)
    assert key == sort_key(text)


@given(vi_text, vi_text)
def test_sort_key_prefix_word_sorts_first(first, rest):
    if search_key(first) and search_key(rest):
        assert sort_key(first) < sort_key(f"{first} {rest}")


@given(vi_text)
def test_sort_key_ignores_normal_form_and_tone_placement(text):
    assert sort_key(nfd(text)) == sort_key(nfc(text)) == sort_key(tone_normalize(text))


# --- people -----------------------------------------------------------------------


def test_person_sort_by_given_name_then_family():
    people = ["Nguyễn Văn Bình", "Trần Thị An", "Lê Văn An"]
    assert sorted(people, key=person_sort_key) == ["Lê Văn An", "Trần Thị An", "Nguyễn Văn Bình"]


def test_person_sort_more_cases():
    people = [
        "Đỗ Thị Ánh",
        "Nguyễn Anh",
        "Phạm Văn Anh",
        "Bùi Thị Ánh",
        "Hoàng Minh Đức",
        "Vũ Dũng",
        "An",
        "",
        "Lê Thị Thuý",
        "Lê Thị Thúy Hằng",
    ]
    assert sorted(people, key=person_sort_key) == [
        "",
        "An",
        "Nguyễn Anh",
        "Phạm Văn Anh",
        "Bùi Thị Ánh",
        "Đỗ Thị Ánh",
        "Vũ Dũng",
        "Hoàng Minh Đức",
        "Lê Thị Thúy Hằng",
        "Lê Thị Thuý",
    ]


def test_person_sort_key_is_a_storable_string():
    key = person_sort_key("Nguyễn Văn An")
    assert KEY_SYMBOLS.issuperset(key)
    assert len(key) < 3 * len("Nguyễn Văn An") + 10
    assert person_sort_key("Lê Văn An") < person_sort_key("Trần Thị An")


def test_person_sort_key_old_new_placement_equal():
    assert person_sort_key("  Lê Thị Thuý ") == person_sort_key("Lê Thị Thúy")


@given(any_text)
def test_person_sort_key_never_raises(text):
    assert KEY_SYMBOLS.issuperset(person_sort_key(text))


# --- keys in the database ------------------------------------------------------------

DB_NAMES = [
    *"aăâbcdđeêfghijklmnoôơpqrstuưvwxyz",
    *["ma", "mà", "mả", "mã", "má", "mạ", "mai", "man", "mang"],
    *["An", "an", "AN", "An Bình", "Anh", "Ăn", "Ân", "Đào", "Dũng", "Dương", "Em"],
    *["Hà Nội", "Hà Giang", "Hải Phòng", "hoà", "hòa", "Phường 2", "Phường 10", "123"],
    *["Nguyễn Văn An", "Nguyễn Văn Ánh", "Ωmega", "東京", "ba bà", "bà ba", ""],
]


def _db_order(keys, collation=None):
    collate = f' COLLATE "{collation}"' if collation else ""
    union = " UNION ALL ".join(["SELECT %s AS k"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT k FROM ({union}) AS t ORDER BY k{collate}", keys)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_database_orders_keys_like_python():
    keys = [sort_key(name) for name in DB_NAMES]
    random.Random(7).shuffle(keys)
    assert _db_order(keys) == sorted(keys)


@pytest.mark.django_db
@pytest.mark.parametrize("collation", ["C", "und-x-icu", "en-US-x-icu", "vi-x-icu"])
def test_postgresql_collations_order_keys_like_python(collation):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL collations")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [collation])
        if cursor.fetchone() is None:
            pytest.skip(f"collation {collation} not installed")
    keys = [sort_key(name) for name in DB_NAMES] + [person_sort_key(n) for n in DB_NAMES]
    random.Random(11).shuffle(keys)
    assert _db_order(keys, collation) == sorted(keys)


@pytest.mark.django_db
def test_single_words_agree_with_icu_vietnamese_collation():
    # An independent oracle for letters and tones: ICU's CLDR "vi" tailoring.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL with ICU")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'vi-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("vi-x-icu not installed")
    words = [w for w in DB_NAMES if w.isalpha()] + list(VI_LETTERS) + ["Đặng", "Đàm", "Dạ"]
    assert _db_order(words, "vi-x-icu") == vi_sorted(words)
