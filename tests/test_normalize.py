from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchkit import fold, normalize, normalize_with_offsets

PAIRS = [
    ("hoà", "hòa"),
    ("Hoà bình", "Hòa bình"),
    ("khoẻ", "khỏe"),
    ("thuỷ", "thủy"),
    ("Uỷ ban", "Ủy ban"),
    ("Thành uỷ", "Thành ủy"),
    ("TUÝ", "TÚY"),
    ("nguỵ", "ngụy"),
]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_both_tone_placements_normalize_to_one(old: str, new: str) -> None:
    assert normalize(old) == normalize(new) == new


@pytest.mark.parametrize("word", ["hoàng", "quyết", "khoái", "ngoáy", "quý", "quỷ", "thuyền", "Quỳnh"])
def test_syllables_where_conventions_agree_are_untouched(word: str) -> None:
    assert normalize(word) == word


def test_nfd_and_nfc_meet() -> None:
    text = "Ban Chỉ đạo Thành ủy Đà Nẵng"
    assert normalize(unicodedata.normalize("NFD", text)) == text


def test_d_lookalikes_and_invisibles() -> None:
    assert normalize("\u00d0à Nẵng") == "Đà Nẵng"
    assert normalize("\u00f0ạo") == "đạo"
    assert normalize("D\u0335à") == "Đà"
    assert normalize("chỉ\u200b đạo\u00ad\ufeff") == "chỉ đạo"
    assert normalize("a\u00a0b\u3000c") == "a b c"
    assert normalize("x\by") == "xy"
    assert normalize("dòng 1\r\ndòng 2\tx") == "dòng 1\r\ndòng 2\tx"


def test_fold() -> None:
    assert fold("Ban Chỉ đạo 35 thành phố Hải Phòng") == "Ban Chi dao 35 thanh pho Hai Phong"
    assert fold("ĐẠI HỘI") == "DAI HOI"
    assert fold(unicodedata.normalize("NFD", "Nẵng")) == "Nang"


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(alphabet=st.sampled_from(list("aăâeêioôơuưyAĐđ hoàuỷ\u0300\u0301\u0309\u0303\u0323\u200b\u00a0\u00ad\r\n😀Ð"))))
def test_offsets_point_at_the_source(text: str) -> None:
    norm, starts, ends = normalize_with_offsets(text)
    assert norm == normalize(text)
    assert len(starts) == len(ends) == len(norm)
    for i in range(len(norm)):
        assert 0 <= starts[i] < ends[i] <= len(text)
        if i:
            assert starts[i] >= starts[i - 1]


def test_no_invisible_character_derails_composition() -> None:
    # Issue #10, case 11: invisible characters are dropped before NFC composes.
    for invisible in "\u200b\u00ad\ufeff\ufe0f\ufe00\u200e\u200f\u202a\u202e\u2066\u2069\u034f\u061c\u180b\u2060":
        assert normalize("a" + invisible + "\u0302\u0301n") == "ấn"
        assert normalize("U" + invisible + "\u031b" + invisible + "\u0309") == "Ử"
    norm, starts, ends = normalize_with_offsets("a\u200b\u0302n")
    assert (norm, starts, ends) == ("ân", [0, 3], [3, 4])


def test_tone_is_not_moved_onto_a_letter_a_mark_follows() -> None:
    # "hoạ" + U+0300: moving the dot below would leave "a" + U+0300, which NFC composes.
    once = normalize("hoa\u0323\u0300")
    assert normalize(once) == once
