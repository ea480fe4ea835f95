"""Tests for searchkit.highlight: match spans, snippets and the three renderers."""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text

from searchkit.search.highlight import (
    QueryTerms,
    Snippet,
    Span,
    full_highlight,
    make_snippet,
    match_spans,
)
from searchkit.text.analysis import SyllableTokenizer
from searchkit.text.normalize import fold, normalize
from searchkit.text.terms import word_term
from searchkit.ui.snippets import to_html, to_json, to_rich

FOLDED_CHI_DAO = QueryTerms(folded=frozenset({"chi", "dao"}))
EXACT_CHI_DAO = QueryTerms(syllables=frozenset({"chỉ", "đạo"}))
FLATTEN = str.maketrans(dict.fromkeys("\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))
SEED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "seed" / "danang-bcd35-2023-08-18.txt"
TAG = re.compile(r'<mark class="org">|<mark>|</mark>')


def texts(text: str, spans: tuple[Span, ...] | list[Span]) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def starts_cleanly(text: str, i: int) -> bool:
    """``i`` does not cut a character of ``text`` (a base letter from its marks, a pair)."""
    if i <= 0 or i >= len(text):
        return True
    if unicodedata.category(text[i]).startswith("M"):
        return False
    return not ("\udc00" <= text[i] <= "\udfff" and "\ud800" <= text[i - 1] <= "\udbff")


# --------------------------------------------------------------------------- value types


def test_span_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Span(-1, 3, "match")
    with pytest.raises(ValueError):
        Span(5, 3, "match")
    with pytest.raises(ValueError):
        Span(0, 3, "person")


def test_value_types_are_frozen_and_hashable() -> None:
    span = Span(0, 3, "org")
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]
    assert {QueryTerms.empty(), QueryTerms.empty()} == {QueryTerms(frozenset(), frozenset())}
    assert Snippet("abc", [Span(1, 2, "match"), Span(0, 3, "org")]).spans == (
        Span(0, 3, "org"),
        Span(1, 2, "match"),
    )


# --------------------------------------------------------------------------- match_spans


def test_folded_query_highlights_the_original_words_as_one_span() -> None:
    text = "Ban Chỉ đạo 35 thành phố"
    spans = match_spans(text, FOLDED_CHI_DAO)
    assert spans == [Span(4, 11, "match")]
    assert texts(text, spans) == ["Chỉ đạo"]


def test_exact_terms_match_only_the_same_diacritics() -> None:
    text = "Chỉ đạo, chi dao, chí đáo"
    assert texts(text, match_spans(text, EXACT_CHI_DAO)) == ["Chỉ đạo"]
    assert texts(text, match_spans(text, FOLDED_CHI_DAO)) == ["Chỉ đạo", "chi dao", "chí đáo"]


def test_runs_break_at_punctuation_newlines_and_other_words() -> None:
    text = "chỉ, đạo\nchỉ  đạo chỉ ban đạo"
    assert texts(text, match_spans(text, FOLDED_CHI_DAO)) == ["chỉ", "đạo", "chỉ  đạo chỉ", "đạo"]


def test_old_tone_placement_and_case_match_the_normalized_term() -> None:
    text = "THÀNH UỶ Đà Nẵng"
    terms = QueryTerms(syllables=frozenset({"thành", "ủy"}))
    assert texts(text, match_spans(text, terms)) == ["THÀNH UỶ"]


def test_underscores_split_syllables_like_the_tokenizer() -> None:
    text = "chi_dao __chỉ_x"
    assert texts(text, match_spans(text, FOLDED_CHI_DAO)) == ["chi", "dao", "chỉ"]


def test_nfd_text_is_matched_without_cutting_characters() -> None:
    text = unicodedata.normalize("NFD", "Ban Chỉ đạo thành phố Hải Phòng")
    spans = match_spans(text, FOLDED_CHI_DAO)
    assert len(spans) == 1
    assert normalize(text[spans[0].start : spans[0].end]) == "Chỉ đạo"
    assert starts_cleanly(text, spans[0].start) and starts_cleanly(text, spans[0].end)
    exact = match_spans(text, EXACT_CHI_DAO)
    assert exact == spans


def test_a_stray_mark_before_a_syllable_is_left_out() -> None:
    text = "x \u0301chi y"
    (span,) = match_spans(text, QueryTerms(folded=frozenset({"chi"})))
    assert text[span.start : span.end] == "chi"


def test_empty_inputs() -> None:
    assert match_spans("", FOLDED_CHI_DAO) == []
    assert match_spans("Ban Chỉ đạo", QueryTerms.empty()) == []


def test_match_spans_on_a_long_article_finds_every_matching_syllable() -> None:
    text = normalize(
        "Chiều 18-8, Ban Tuyên giáo Thành uỷ tổ chức Hội nghị trao đổi kinh nghiệm về hoạt động "
        "Ban Chỉ đạo 35 và Ban Chỉ đạo Công tác thông tin đối ngoại thành phố Đà Nẵng. "
    )
    text = (text * (5000 // len(text) + 1))[:5000]
    terms = QueryTerms(syllables=frozenset({"thành", "ủy"}), folded=frozenset({"ban", "chi", "dao"}))
    spans = match_spans(text, terms)
    wanted = [(t.startchar, t.endchar) for t in SyllableTokenizer()(text, chars=True) if matches_terms(t.text, terms)]
    assert [(a, b) for a, b in wanted if not any(s.start <= a and b <= s.end for s in spans)] == []
    assert all(matches_terms(t.text, terms) for s in spans for t in SyllableTokenizer()(text[s.start : s.end]))
    assert {text[s.start : s.end] for s in spans} == {"Ban", "Thành ủy", "thành", "Ban Chỉ đạo"}


def matches_terms(raw: str, terms: QueryTerms) -> bool:
    """The rule of the syllable view, one syllable at a time."""
    term = word_term(raw).lower()
    return term in terms.syllables or fold(term) in terms.folded


# Letters that fold letter for letter (Vietnamese in any case and tone placement, Đ look-alikes),
# digits and what separates syllables: texts of these take match_spans' regular-expression path.
LATIN = st.sampled_from(
    list("abcdeghiklmnopqrstuvxyĐđÐðƉɖ ") + list("ChỉạàáảãăâêôơưỦủỷÀÝỳoaòhoà")
    + ["Thành", " uỷ", "ủy", "hoà", "hòa", "HOÀ", "35", "_", "-", ".", ",", "\n", "\u00a0", "“", "”", "…", "'"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LATIN, max_size=80).map("".join), st.data())
def test_match_spans_finds_the_same_in_latin_text_as_syllable_by_syllable(text: str, data: st.DataObject) -> None:
    found = [t.text for t in SyllableTokenizer()(text)]
    chosen = data.draw(st.lists(st.sampled_from(found), max_size=4)) if found else []
    terms = QueryTerms(
        frozenset(word_term(s).lower() for s in chosen[::2]) | {"x_y", "Ban"},
        frozenset(fold(word_term(s).lower()) for s in chosen[1::2]),
    )
    # A Hangul syllable sends the text down the syllable-by-syllable path; it never matches.
    slow = [s for s in match_spans(text + " 한", terms) if s.end <= len(text)]
    assert match_spans(text, terms) == slow


def test_marks_of_the_fast_path_are_the_syllable_views() -> None:
    """The regular-expression path must know every mark the syllable tokenizer joins to a letter."""
    from searchkit.search import highlight
    from searchkit.text import terms

    assert highlight.COMBINING_MARKS in terms.SYLLABLE.pattern


# --------------------------------------------------------------------------- snippets


def test_snippet_of_short_text_is_the_whole_text() -> None:
    text = "  Ban Chỉ đạo\nhọp.  "
    snippet = make_snippet(text, match_spans(text, FOLDED_CHI_DAO), [Span(2, 13, "org")])
    assert snippet.text == "Ban Chỉ đạo họp."
    assert snippet.spans == (Span(0, 11, "org"), Span(4, 11, "match"))


def test_snippet_picks_the_fragment_with_most_distinct_terms() -> None:
    filler = "Một câu không có gì đáng chú ý ở đây cả. " * 8
    text = (
        filler
        + "Ban ban ban ban ban ban họp. "
        + filler
        + "Ban Chỉ đạo Thành ủy họp. "
        + filler
    )
    terms = QueryTerms(folded=frozenset({"ban", "chi", "dao", "thanh", "uy"}))
    snippet = make_snippet(text, match_spans(text, terms), max_chars=60, max_fragments=1)
    assert "Ban Chỉ đạo Thành ủy" in snippet.text
    assert len(snippet.text) <= 60
    assert "Ban Chỉ đạo Thành ủy" in texts(snippet.text, snippet.spans)


def test_two_fragments_joined_in_text_order_with_rebased_spans() -> None:
    filler = "Một câu không có gì đáng chú ý ở đây cả. " * 10
    text = filler + "Hôm qua Ban Chỉ đạo\n35 họp. " + filler + "Ông Nguyễn Văn A là Trưởng ban. " + filler
    terms = QueryTerms(folded=frozenset({"chi", "dao", "truong"}))
    matches = match_spans(text, terms)
    org_start = text.index("Ban Chỉ đạo")
    orgs = [Span(org_start, org_start + len("Ban Chỉ đạo\n35"), "org")]
    snippet = make_snippet(text, matches, orgs, max_chars=100, max_fragments=2, separator=" … ")
    assert len(snippet.text) <= 100
    assert snippet.text.count(" … ") == 1
    first, second = snippet.text.split(" … ")
    assert "Chỉ đạo 35" in first and "Trưởng" in second
    assert "\n" not in snippet.text
    shown = texts(snippet.text, snippet.spans)
    assert shown == ["Ban Chỉ đạo 35", "Chỉ đạo", "Trưởng"]
    assert [s.kind for s in snippet.spans] == ["org", "match", "match"]
    # every span is the original text at its place, newlines flattened
    originals = [text[s.start : s.end].translate(FLATTEN) for s in [orgs[0], *matches]]
    assert sorted(shown) == sorted(originals)


def test_fragments_are_cut_at_word_boundaries_and_not_inside_spans() -> None:
    words = " ".join(f"từ{i}" for i in range(200))
    text = f"{words} Ban Chỉ đạo {words}"
    start = text.index("Ban")
    snippet = make_snippet(text, match_spans(text, FOLDED_CHI_DAO), [Span(start, start + 11, "org")], max_chars=50)
    assert "Ban Chỉ đạo" in snippet.text
    assert set(snippet.text.split()) <= set(text.split())  # no word cut in half
    assert snippet.spans[0] == Span(snippet.text.index("Ban"), snippet.text.index("Ban") + 11, "org")


def test_snippet_without_matches_is_the_lead() -> None:
    text = "Chiều 18-8, Ban Tuyên giáo Thành ủy tổ chức Hội nghị. " * 20
    snippet = make_snippet(text, [], [Span(12, 35, "org")], max_chars=40)
    assert snippet.text == "Chiều 18-8, Ban Tuyên giáo Thành ủy tổ"
    assert texts(snippet.text, snippet.spans) == ["Ban Tuyên giáo Thành ủy"]


def test_snippet_edge_cases() -> None:
    assert make_snippet("", []) == Snippet("", ())
    assert make_snippet(" \n ", []) == Snippet("", ())
    with pytest.raises(ValueError):
        make_snippet("abc", [], max_chars=0)
    with pytest.raises(ValueError):
        make_snippet("abc", [], max_fragments=0)


def test_full_highlight_keeps_text_and_merges_spans() -> None:
    text = "Ban Chỉ đạo\nhọp"
    matches = [Span(4, 7, "match"), Span(5, 11, "match"), Span(20, 30, "match")]
    snippet = full_highlight(text, matches, [Span(0, 11, "org")])
    assert snippet.text == text
    assert snippet.spans == (Span(0, 11, "org"), Span(4, 11, "match"))


def test_seed_article_snippet() -> None:
    if not SEED.exists():
        pytest.skip(f"external data not available: {SEED}")
    text = normalize(SEED.read_text(encoding="utf-8"))
    terms = QueryTerms(folded=frozenset({"nghi", "quyet", "35"}))
    snippet = make_snippet(text, match_spans(text, terms))
    assert 0 < len(snippet.text) <= 240
    assert "Nghị quyết" in texts(snippet.text, snippet.spans)


# --------------------------------------------------------------------------- renderers


def test_html_escapes_text() -> None:
    text = '<script>alert("x")</script> & Ban Chỉ đạo'
    out = to_html(full_highlight(text, match_spans(text, FOLDED_CHI_DAO)))
    assert out == '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Ban <mark>Chỉ đạo</mark>'


def test_html_nests_a_match_inside_an_org() -> None:
    text = "Ban Chỉ đạo 35"
    snippet = full_highlight(text, match_spans(text, FOLDED_CHI_DAO), [Span(0, 14, "org")])
    assert to_html(snippet) == '<mark class="org">Ban <mark>Chỉ đạo</mark> 35</mark>'


def test_html_splits_crossing_spans() -> None:
    snippet = Snippet("ab cd ef", (Span(0, 5, "org"), Span(3, 8, "match")))
    # the match is split at the org's edge and each piece trimmed: no whitespace inside a mark
    assert to_html(snippet) == '<mark class="org">ab <mark>cd</mark></mark> <mark>ef</mark>'
    same = Snippet("ab", (Span(0, 2, "match"), Span(0, 2, "org")))
    assert to_html(same) == '<mark class="org"><mark>ab</mark></mark>'


def test_rich_text_spans() -> None:
    text = "Ban Chỉ đạo 35"
    snippet = full_highlight(text, match_spans(text, FOLDED_CHI_DAO), [Span(0, 14, "org")])
    rendered = to_rich(snippet, match_style="bold", org_style="underline")
    assert isinstance(rendered, Text)
    assert rendered.plain == text
    assert [(s.start, s.end, str(s.style)) for s in rendered.spans] == [(0, 14, "underline"), (4, 11, "bold")]


def test_json() -> None:
    snippet = Snippet("Ban Chỉ đạo", (Span(4, 11, "match"),))
    assert to_json(snippet) == {"text": "Ban Chỉ đạo", "spans": [{"start": 4, "end": 11, "kind": "match"}]}


def test_rich_keeps_offsets_over_control_characters() -> None:
    rendered = to_rich(Snippet("a\x08\rb", (Span(3, 4, "match"),)))
    assert rendered.plain == "a  b"
    assert rendered.spans[0].start == 3


def test_renderers_clip_hand_made_spans() -> None:
    snippet = Snippet("abc", (Span(1, 10, "match"),))
    assert to_html(snippet) == "a<mark>bc</mark>"
    assert to_rich(snippet).spans[0].end == 3


# --------------------------------------------------------------------------- properties

ALPHABET = st.sampled_from(
    list("abcdeghiklmnopqrstuvxyĐđ ") + list("ChỉạàáảãăâêôơưỦủỷÀ")
    + [" ", " ", "\n", "\r\n", ".", ",", "-", "_", "<", ">", "&", '"', "\t", "\u00a0"]
    + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u200d", "\u200b", "\ufe0f"]
    + ["😀", "👩\u200d💻", "\ud83d", "\ude00", "한", "\u0915\u093f", "1", "35"]
)
TEXTS = st.lists(ALPHABET, max_size=120).map("".join) | st.text(max_size=80)


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, QueryTerms, list[Span]]:
    text = draw(TEXTS)
    found = [t.text for t in SyllableTokenizer()(text)]
    chosen = draw(st.lists(st.sampled_from(found), max_size=4)) if found else []
    terms_exact = {word_term(s).lower() for s in chosen[::2]} | set(draw(st.lists(st.text(max_size=3), max_size=2)))
    terms_folded = {fold(word_term(s).lower()) for s in chosen[1::2]}
    n = len(text)
    orgs = [
        Span(a, b, "org")
        for a, b in draw(st.lists(st.tuples(st.integers(0, n + 3), st.integers(0, n + 3)), max_size=3))
        if a <= b
    ]
    return text, QueryTerms(frozenset(terms_exact), frozenset(terms_folded)), orgs


def check_spans(text: str, spans: tuple[Span, ...] | list[Span]) -> None:
    assert list(spans) == sorted(spans, key=lambda s: (s.start, -s.end, s.kind != "org"))
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert starts_cleanly(text, span.start) and starts_cleanly(text, span.end)
    for kind in ("match", "org"):
        same = [s for s in spans if s.kind == kind]
        assert all(a.end <= b.start for a, b in itertools.pairwise(same))


def check_html(snippet: Snippet) -> None:
    out = to_html(snippet)
    assert "<" not in TAG.sub("", out)
    assert html.unescape(TAG.sub("", out)) == snippet.text
    # tags nest, and each character is inside exactly the kinds of spans that cover it
    stack: list[str] = []
    covered: list[set[str]] = []
    for piece in re.split(r'(<mark class="org">|<mark>|</mark>)', out):
        if piece == "</mark>":
            assert stack
            stack.pop()
        elif piece.startswith("<mark"):
            stack.append("org" if "org" in piece else "match")
        else:
            covered.extend(set(stack) for _ in html.unescape(piece))
    assert not stack
    expected = [{s.kind for s in snippet.spans if s.start <= i < s.end} for i in range(len(snippet.text))]
    # a match split where it crosses an org's edge loses the whitespace at the cut: no mark
    # starts or ends with whitespace
    assert len(covered) == len(expected)
    for ch, got, want in zip(snippet.text, covered, expected, strict=True):
        assert got == want or (ch.isspace() and got == want - {"match"}), (snippet, out)
    assert not re.search(r"<mark[^>]*>\s|\s</mark>", out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_match_spans_properties(case: tuple[str, QueryTerms, list[Span]]) -> None:
    text, terms, _ = case
    spans = match_spans(text, terms)
    check_spans(text, spans)
    assert all(s.kind == "match" for s in spans)
    tokens = [(t.startchar, t.endchar, t.text) for t in SyllableTokenizer()(text, chars=True)]
    matched = [
        (a, b) for a, b, raw in tokens
        if word_term(raw).lower() in terms.syllables or fold(word_term(raw).lower()) in terms.folded
    ]
    # every matched syllable is covered, and every span holds at least one matched syllable
    assert all(any(s.start <= a and b <= s.end for s in spans) for a, b in matched)
    assert all(any(s.start <= a and b <= s.end for a, b in matched) for s in spans)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(1, 80), st.integers(1, 3), st.sampled_from([" … ", "...", "", " | "]))
def test_snippet_properties(case: tuple[str, QueryTerms, list[Span]], max_chars: int, frags: int, sep: str) -> None:
    text, terms, orgs = case
    matches = match_spans(text, terms)
    snippet = make_snippet(text, matches, orgs, max_chars=max_chars, max_fragments=frags, separator=sep)
    assert len(snippet.text) <= max_chars
    check_spans(snippet.text, snippet.spans)
    flat = text.translate(FLATTEN)
    for span in snippet.spans:
        assert snippet.text[span.start : span.end] in flat
    check_html(snippet)
    rendered = to_rich(snippet)
    assert len(rendered.plain) == len(snippet.text) and len(rendered.spans) == len(snippet.spans)
    assert to_json(snippet)["spans"] == [{"start": s.start, "end": s.end, "kind": s.kind} for s in snippet.spans]


@settings(max_examples=200, deadline=None)
@given(cases())
def test_full_highlight_properties(case: tuple[str, QueryTerms, list[Span]]) -> None:
    text, terms, orgs = case
    snippet = full_highlight(text, match_spans(text, terms), orgs)
    assert snippet.text == text
    check_spans(text, snippet.spans)
    check_html(snippet)


def test_fragments_end_between_words_even_inside_an_org_name() -> None:
    text = "Mở đầu hội nghị. " + "Nội dung dài dòng. " * 8 + "Ban Chỉ đạo 35 thành phố Đà Nẵng họp bàn."
    org_start = text.index("Ban Chỉ đạo")
    orgs = [Span(org_start, org_start + len("Ban Chỉ đạo 35 thành phố Đà Nẵng"), "org")]
    matches = match_spans(text, QueryTerms(frozenset({"ban", "chỉ", "đạo", "35"}), frozenset()))
    for width in range(150, 200, 3):
        snippet = make_snippet(text, matches, orgs, max_chars=width, max_fragments=1)
        last = snippet.text.rstrip().split(" ")[-1]
        assert last in text.split(" ") or last.rstrip(".") in text.replace(".", "").split(" "), (width, snippet.text)


@pytest.mark.parametrize("text", ["a\u200d ", "a\u200d", "a\u200d\nb"])
def test_a_joiner_beside_whitespace_or_at_the_end_does_not_hide_a_match(text: str) -> None:
    """Hypothesis once found ``'a\u200d '``: the joiner bound the match to the space after it, so trimming the
    space dropped the whole span."""
    assert match_spans(text, QueryTerms(syllables=frozenset({"a"}))) == [Span(0, 1, "match")]


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_boundaries_are_found_as_unicode_defines_them(text: str) -> None:
    """Cutting is allowed anywhere but before a mark, around a zero-width joiner that binds
    (one between two characters other than whitespace), or inside a pair."""
    from searchkit.search.highlight import _is_boundary

    def joins(j: int) -> bool:
        return text[j] == "\u200d" and 0 < j < len(text) - 1 and not text[j - 1].isspace() and not text[j + 1].isspace()

    for i in range(len(text) + 1):
        inside = 0 < i < len(text) and (
            unicodedata.category(text[i])[0] == "M"
            or joins(i - 1)
            or joins(i)
            or ("\udc00" <= text[i] <= "\udfff" and "\ud800" <= text[i - 1] <= "\udbff")
        )
        assert _is_boundary(text, i) == (not inside)


SENTENCES = st.lists(
    st.sampled_from(["Ban", "chỉ", "đạo", " ", "  ", ".", "!", "?", "…", "\n", '"', "”", "’", ")", "]", "\t"]), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(SENTENCES.map("".join), st.data())
def test_sentence_start_near_a_match_is_the_one_a_scan_of_the_whole_text_finds(text: str, data: st.DataObject) -> None:
    from searchkit.search.highlight import _SENTENCE_START, _Layout

    layout = _Layout(text, [])
    starts = [layout.lead_start, *(m.end() for m in _SENTENCE_START.finditer(text))]
    words = [t.startchar for t in SyllableTokenizer()(text, chars=True)]
    if not words:
        return
    at = data.draw(st.sampled_from(words))
    lo = data.draw(st.integers(0, at))
    assert layout.sentence_start(lo, at) == max((s for s in starts if lo <= s <= at), default=-1)


def test_strict_terms_light_a_syllable_only_beside_its_query_neighbour() -> None:
    pairs = frozenset({("ban", "chi"), ("chi", "dao"), ("dao", "35")})
    terms = QueryTerms(folded=frozenset({"ban", "chi", "dao", "35"}), pairs=pairs, alone=frozenset())
    text = "Ban Chỉ đạo 35 đã ban hành văn bản; Trưởng ban, số 35, đạo chỉ"
    assert [text[s.start : s.end] for s in match_spans(text, terms)] == ["Ban Chỉ đạo 35"]
    alone = QueryTerms(folded=terms.folded, pairs=pairs, alone=frozenset({"35"}))
    assert [text[s.start : s.end] for s in match_spans(text, alone)] == ["Ban Chỉ đạo 35", "35"]


def test_typed_name_span_covers_the_alias_only() -> None:
    from searchkit.search.highlight import typed_name_span

    text = "Chủ tịch UBND thành phố Hải Phòng và Ban Chỉ đạo 35 Thành ủy Hà Nội"
    ubnd = typed_name_span(text, 9, 33, "Ủy ban nhân dân")
    assert ubnd is not None and text[ubnd.start : ubnd.end] == "UBND"
    bcd = typed_name_span(text, 37, len(text), "Ban Chỉ đạo 35")
    assert bcd is not None and text[bcd.start : bcd.end] == "Ban Chỉ đạo 35"
    assert typed_name_span(text, 9, 33, "Bộ Tài chính") is None


def test_spans_are_trimmed_of_whitespace() -> None:
    snippet = full_highlight(" ab  cd ", [Span(0, 4, "match"), Span(4, 8, "org")])
    assert [snippet.text[s.start : s.end] for s in snippet.spans] == ["ab", "cd"]


def test_snippet_prefers_the_phrase_to_repeated_syllables() -> None:
    text = ("ban hành, giao ban, trưởng ban, ban bố, ban ngày, ban đêm. " * 4) + "Ban Chỉ đạo 35 họp. " + "x " * 200
    terms = QueryTerms(folded=frozenset({"ban", "chi", "dao", "35"}))
    snippet = make_snippet(text, match_spans(text, terms), max_chars=60, max_fragments=1)
    assert "Ban Chỉ đạo 35" in snippet.text
