"""The one text->term mapping (searchkit.text.terms) and its four users agree.

The users: the Whoosh analyzers (text/analysis.py), segment writing (index/writing.py through
``view_postings``), the query (``QueryWord`` values made by ``parse_query``) and highlighting
(``syllable_keys`` / ``span_terms``). Also: a search normalizes and segments its query once.
"""

from __future__ import annotations

import collections
import functools
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import read_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit import Index
from searchkit.search.query import parse_query
from searchkit.text.analysis import SyllableTokenizer, folded_analyzer, syllable_analyzer, word_analyzer
from searchkit.text.normalize import normalize
from searchkit.text.segment import word_spans
from searchkit.text.terms import (
    fold_term,
    index_term,
    query_words,
    span_terms,
    stopwords,
    syllable_keys,
    syllables,
    view_postings,
    view_terms,
)

TEXT = st.lists(
    st.one_of(
        st.sampled_from(list("aăâđeêioôơuưy AĐHTNBCQ0123456789_-/.,:;!?\"'()\t\r\n")),
        st.sampled_from(["\u00a0", "\u200b", "\u00ad", "Ð", "😀", "é", "ß", "İ", "\u0300", "\u0301", "\u0323", "\u031b"]),
        st.sampled_from(["Chỉ đạo ", "Thành uỷ ", "Ủy ban ", "của ", "có thể ", "35-NQ/TW ", "TP.HCM ", "hoà bình "]),
        st.characters(),
    ),
    max_size=50,
).map("".join)


def _positions(analyzer: Callable[[], Any], text: str) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in analyzer()(text, positions=True)]


def _flatten(postings: dict[str, list[int]]) -> list[tuple[str, int]]:
    return sorted(((term, pos) for term, positions in postings.items() for pos in positions), key=lambda tp: (tp[1], tp[0]))


def check_users_agree(text: str) -> None:
    # 1. segment writing == the Whoosh analyzers, view by view
    words, syllables, folded = view_postings(text, word_spans(text))
    assert _flatten(words) == sorted(_positions(word_analyzer, text), key=lambda tp: (tp[1], tp[0]))
    assert _flatten(syllables) == _positions(syllable_analyzer, text)
    assert _flatten(folded) == sorted(_positions(folded_analyzer, text), key=lambda tp: (tp[1], tp[0]))
    # 2. highlighting keys each syllable as the syllable and folded views index it
    tokens = [t.text for t in SyllableTokenizer()(text)]
    keyed = [syllable_keys(raw) for raw in tokens]
    assert [k[0] for k in keyed if k[0]] == [t for t, _ in _positions(syllable_analyzer, text)]
    assert [k[1] for k in keyed if k[0]] == [t for t, _ in _positions(folded_analyzer, text)]
    assert [t for raw in tokens for t in span_terms(raw)] == [k[1] for k in keyed if k[1]]
    # 3. the query's words are the word view's terms (stopwords flagged, not dropped), their
    #    folded forms the folded view's
    norm = normalize(text)
    if norm.isupper():
        return  # an all-caps query is segmented in lowercase (pyvi reads capitals as names)
    qwords = query_words(norm)
    assert [w.word for w in qwords if not w.stop] == [t for t, _ in _positions(word_analyzer, norm)]
    assert all(w.stop == (w.word in stopwords()) for w in qwords)
    for w in qwords:
        assert w.folded == tuple(fold_term(s) for s in w.syllables)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(TEXT)
def test_the_four_users_agree_on_random_text(text: str) -> None:
    check_users_agree(text)


def test_the_four_users_agree_on_real_text() -> None:
    for doc in read_jsonl("vntc/news.jsonl.gz", 40):
        check_users_agree(doc.get("title", ""))
        check_users_agree(doc.get("body", "")[:4000])


def test_a_parsed_query_carries_its_words() -> None:
    q = parse_query('Ban Chỉ đạo "Thành uỷ" -hoà bình title:"hoi nghi"')
    text, phrase, excluded, title = q.clauses  # "-hoà bình": the sign takes the word "hoà bình"
    assert [w.word for w in text.words] == ["ban", "chỉ_đạo"] and text.accented
    assert [w.word for w in phrase.words] == ["thành_ủy"]
    assert [w.folded for w in excluded.words] == [("hoa", "binh")]
    assert [w.folded for w in title.words] == [("hoi",), ("nghi",)] and not title.accented


# --------------------------------------------------------------------------- calls per search


@pytest.fixture
def count_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """Count calls to normalize and to the segmenter, wherever searchkit imported them."""
    norm = importlib.import_module("searchkit.text.normalize")
    seg = importlib.import_module("searchkit.text.segment")
    counts: collections.Counter[str] = collections.Counter()

    def counting(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            in_orgs = sys._getframe(1).f_globals["__name__"].startswith("searchkit.text.orgs")
            counts[label + (" in orgs" if in_orgs else "")] += 1
            return fn(*args, **kwargs)

        return wrapper

    wrappers = {
        id(norm.normalize): counting("normalize", norm.normalize),
        id(seg.word_spans): counting("segment", seg.word_spans),
    }
    for name, module in list(sys.modules.items()):
        if name.startswith("searchkit") and module is not None:
            for attr, value in list(vars(module).items()):
                if id(value) in wrappers:
                    monkeypatch.setattr(module, attr, wrappers[id(value)])
    yield counts


def test_a_search_normalizes_and_segments_its_query_once(tmp_path: Path, count_calls: collections.Counter[str]) -> None:
    ix = Index.create(tmp_path)
    ix.add([{"id": "1", "title": "Ban Chỉ đạo 35 họp", "body": "Ban Chỉ đạo 35 thành phố Hải Phòng chỉ đạo công tác."}])
    queries = {"Ban chỉ đạo 35 thành phố": 1, "ban chi dao": 1, '"chỉ đạo" -bóng title:họp': 3}
    for query in queries:
        ix.search(query)  # term caches warm, as in a running application
    for query, word_clauses in queries.items():
        count_calls.clear()
        ix.search(query, facets=False)
        assert count_calls["segment"] == word_clauses, query  # once per clause, not once per use
        assert count_calls["normalize"] == 1, (query, count_calls)  # parse_query's
        # text/orgs.py normalizes again what it is given (find_orgs, canonical_org)
        assert count_calls["normalize in orgs"] <= 2, (query, count_calls)


def test_view_terms_caches_empty_when_full_and_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.text import terms

    text = "Ban Chỉ đạo của Thành uỷ, Ban Chỉ đạo 35-NQ/TW; cafe\u0301 hoà bình"  # a combining mark
    spans = word_spans(text)
    expected = view_terms(text, spans)
    assert expected[1] == [index_term(s) for s in syllables(text)]  # SYLLABLE, marks included
    assert expected[2] == [fold_term(t) for t in expected[1]]
    assert expected[0] == [t if t not in stopwords() else "" for t in (index_term(text[s:e]) for s, e in spans)]
    plain = "Ban Chỉ đạo của Thành uỷ"
    assert view_terms(plain, word_spans(plain))[1] == [index_term(s) for s in syllables(plain)]
    terms.clear_term_caches()
    monkeypatch.setattr(terms, "_MAX_CACHED_TERMS", 3)
    assert view_terms(text, spans) == expected
    assert max(len(cache) for cache in terms._view_caches()) <= 3
    terms.clear_term_caches()
    assert all(len(cache) == 0 for cache in terms._view_caches())
