"""Property tests (hypothesis) for the text layer, the query parser and ``Index.search``.

Strategies are biased toward Vietnamese: NFC and NFD letters with tone marks in both
placements ("hoà"/"hòa"), invisible characters (zero-width, soft hyphen, BOM, variation
selectors, bidi marks) also between a letter and its combining marks, NBSP, digits, codes
("35-NQ/TW"), abbreviations (UBND, HĐND, TP.HCM), organization names, punctuation, newlines.

About 11,000 generated cases in all, in well under a minute (``deadline=None``: the first
call loads pyvi's model).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit import Index, QuerySyntaxError, find_orgs, fold, normalize, segment
from searchkit.search.query import parse_query
from searchkit.text.normalize import INVISIBLE, offset_arrays

# -- strategies ----------------------------------------------------------------------------------

TONES = "\u0300\u0301\u0309\u0303\u0323"
VOWELS = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in ["", *TONES]]
VOWELS += [v.upper() for v in VOWELS[:12]]
ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x", "Đ", "Th", "Ng"]
CODAS = ["", "", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "o", "u", "y"]
# Both tone placements of the open oa/oe/uy syllables, and qu- syllables.
OLD_NEW = ["hoà", "hòa", "khoẻ", "khỏe", "thuỷ", "thủy", "uỷ", "ủy", "Uỷ", "Ủy", "quý", "hoàng", "khoái", "Thành uỷ"]
PHRASES = [
    "Ủy ban nhân dân",
    "UBND tỉnh Quảng Ninh",
    "HĐND thành phố",
    "Ban Chỉ đạo 35",
    "Bộ Giáo dục và Đào tạo",
    "Bộ GD-ĐT",
    "TP.HCM",
    "35-NQ/TW",
    "Nghị quyết 35-NQ/TW",
    "Hải Phòng",
    "Đà Nẵng",
    "COVID-19",
    "1.000.000",
    "3,5",
    "18-08-2023",
    "GD&ĐT",
    "Sở Y tế",
    "Công an tỉnh",
]
INVISIBLES = list("\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\ufe0f\ufe00\u200e\u200f\u202a\u202c\u2066\u2069\u061c\u180e\u180b")
INVISIBLES += ["\U000e0041", "\U000e0100"]
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", " - ", "; ", "\u00a0", "\t", " (", ") ", '"', "?", "!", "…", "/"]

syllable = st.builds(lambda o, v, c: o + v + c, st.sampled_from(ONSETS), st.sampled_from(VOWELS), st.sampled_from(CODAS))
piece = st.one_of(
    syllable,
    syllable,
    st.sampled_from(OLD_NEW),
    st.sampled_from(PHRASES),
    st.integers(0, 99999).map(str),
)
vietnamese = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=12).map(lambda xs: "".join(p + s for p, s in xs))


@st.composite
def laced(draw: Any, text_strategy: Any = vietnamese) -> tuple[str, str]:
    """A text and another spelling of it: NFD or NFC, invisible characters inserted anywhere
    (between a letter and its marks too)."""
    text = draw(text_strategy)
    variant = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(variant)))
        variant = variant[:at] + draw(st.sampled_from(INVISIBLES)) + variant[at:]
    return text, variant


# Vietnamese-biased text plus odd characters: lone combining marks, controls, emoji, Ð, NBSP.
ODD = list("\u0300\u0301\u0302\u0309\u0323\u0335\x00\x08\x7f\r\u2028😀Ðð\u00a0\u212b\u0344") + INVISIBLES
messy = st.lists(st.one_of(piece, st.sampled_from(SEPARATORS), st.sampled_from(ODD)), max_size=20).map("".join)
any_text = st.one_of(messy, vietnamese, st.text(max_size=40))

_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")


def fast(n: int) -> Any:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- normalize and fold --------------------------------------------------------------------------


@fast(2500)
@given(any_text)
def test_normalize_is_idempotent_nfc_and_visible(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert _INVISIBLE_RE.search(once) is None


@fast(2000)
@given(laced())
def test_normalize_is_one_for_all_spellings(pair: tuple[str, str]) -> None:
    text, variant = pair
    assert normalize(variant) == normalize(text)
    norm, starts, ends = offset_arrays(variant)
    assert norm == normalize(text)
    assert len(starts) == len(ends) == len(norm)
    for i in range(len(norm)):
        assert 0 <= starts[i] < ends[i] <= len(variant)
        assert not i or starts[i] >= starts[i - 1]
    assert normalize(variant[starts[0] : ends[-1]] if norm else "") == norm.strip() or norm != norm.strip()


@fast(1500)
@given(any_text)
def test_fold_is_idempotent_and_plain(text: str) -> None:
    # fold's docstring promises no length: "the result may be shorter than the input".
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(c) for c in folded)
    assert "đ" not in folded and "Đ" not in folded


# -- segment and find_orgs -----------------------------------------------------------------------


def _check_words(text: str) -> list[str]:
    words = segment(text)
    last = 0
    for w in words:
        assert w.text == text[w.start : w.end]
        assert last <= w.start < w.end
        last = w.end
    return [normalize(w.text) for w in words]


@fast(1500)
@given(laced())
def test_segment_spans_are_exact_and_spelling_free(pair: tuple[str, str]) -> None:
    text, variant = pair
    assert _check_words(variant) == _check_words(text)


@fast(300)
@given(messy)
def test_segment_spans_are_exact_on_odd_text(text: str) -> None:
    _check_words(text)


@fast(1000)
@given(laced())
def test_find_orgs_spans_are_exact_and_spelling_free(pair: tuple[str, str]) -> None:
    text, variant = pair
    names = []
    for source in (text, variant):
        last = 0
        found = find_orgs(source)
        for m in found:
            assert m.text == source[m.start : m.end]
            assert last <= m.start < m.end
            last = m.end
        names.append([m.canonical for m in found])
    assert names[0] == names[1]


# -- the query parser and Index.search -------------------------------------------------------------

QUERY_BITS = [
    "org:", "title:", "category:", "source:", "author:", "date:", "date:2023", "date:2023-08", "date:..2023",
    "date:2022..2023", "date:2023-13", "AND", "OR", "NOT", "&&", "||", "-", "+", '"', '"Ban Chỉ đạo"', "x:",
    "org:UBND", "org:\"UBND Quảng Ninh\"", "\udcff", "\ud800", ":", "..", "*", "?", "(", ")",
]
query_text = st.lists(st.one_of(piece, st.sampled_from(QUERY_BITS), st.sampled_from(SEPARATORS), st.sampled_from(ODD)), max_size=14).map(
    "".join
)
any_query = st.one_of(query_text, st.text(max_size=30))


@fast(2000)
@given(any_query)
def test_parse_query_raises_only_query_syntax_error(text: str) -> None:
    with contextlib.suppress(QuerySyntaxError):
        parse_query(text)


ARTICLES = [
    {
        "id": "p1",
        "title": "UBND tỉnh Quảng Ninh họp về phòng chống thiên tai",
        "body": "Sáng nay, Ủy ban nhân dân tỉnh Quảng Ninh họp bàn kế hoạch phòng chống bão.\n\n"
        "Chủ tịch UBND tỉnh yêu cầu các sở, ngành trực ban 24/24 giờ.",
        "date": "2023-08-18",
        "category": "Thời sự",
    },
    {
        "id": "p2",
        "title": "Ban Chỉ đạo 35 thành phố Hải Phòng triển khai Nghị quyết 35-NQ/TW",
        "body": "Ban Chỉ đạo 35 TP Hải Phòng tổ chức hội nghị quán triệt Nghị quyết 35-NQ/TW về bảo vệ "
        "nền tảng tư tưởng của Đảng. Thành uỷ giao nhiệm vụ cho các cơ quan báo chí.",
        "date": "2022-05-03",
        "category": "Chính trị",
    },
    {
        "id": "p3",
        "title": "Bộ GD-ĐT công bố lịch thi tốt nghiệp",
        "body": "Bộ Giáo dục và Đào tạo vừa công bố lịch thi. Thí sinh ở TP.HCM và Đà Nẵng "
        "đăng ký trực tuyến; lệ phí 30.000 đồng, hạn chót 18-08-2023.",
        "date": "2023-03-01",
        "category": "Giáo dục",
    },
    {
        "id": "p4",
        "title": "Khoẻ mạnh mỗi ngày",
        "body": "Sở Y tế khuyến cáo người dân giữ gìn sức khỏe, uống đủ nước và ngủ sớm. Hoà bình, hòa thuận.",
        "category": "Sức khỏe",
    },
]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with Index.create(tmp_path_factory.mktemp("props-ix")) as ix:
        ix.add(ARTICLES, workers=0)
        yield ix


search_kwargs = st.fixed_dictionaries(
    {},
    optional={
        "org": st.one_of(st.sampled_from(["UBND Quảng Ninh", "BCĐ 35", "Bộ GD-ĐT", "", "x"]), st.text(max_size=12)),
        "category": st.one_of(st.sampled_from(["Thời sự", "giáo dục", ""]), st.text(max_size=8)),
        "sort": st.sampled_from(["relevance", "date", "views"]),
        "limit": st.integers(0, 5),
        "offset": st.integers(0, 3),
    },
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(query=any_query, kwargs=search_kwargs)
def test_search_raises_only_query_syntax_error(small_index: Any, query: str, kwargs: dict[str, Any]) -> None:
    try:
        results = small_index.search(query, **kwargs)
    except QuerySyntaxError:
        return
    assert results.total >= len(results.hits)
    for hit in results.hits:
        for snippet in (hit.snippet, hit.title_snippet):
            for span in snippet.spans:
                assert 0 <= span.start < span.end <= len(snippet.text)
