"""The segmentation Viterbi: the pure-Python reference (always) and the optional C decoder
(``searchkit.text._viterbi``, when it was built) give the same labels and near-tie flags."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.text.segment import _PYVI_SYLLABLE, _load_model, _Model, _Syllable, tokenize_like_pyvi, word_spans

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
COMPILED = importlib.util.find_spec("searchkit.text._viterbi") is not None
needs_c = pytest.mark.skipif(not COMPILED, reason="searchkit.text._viterbi was not built (no C compiler at install)")


def _jsonl(*parts: str, limit: int) -> Iterator[dict[str, str]]:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")) as stream:
        yield from map(json.loads, itertools.islice(stream, limit))


def _real_texts() -> list[str]:
    texts = [f"{r['title']}\n{r['body']}" for r in _jsonl("vntc", "news.jsonl.gz", limit=400)]
    texts += [f"{r['title']}\n{r['body']}" for r in _jsonl("news_modern", "news.jsonl.gz", limit=200)]
    texts += [f"{r['title']}\n{r['text']}" for r in _jsonl("alqac", "corpus.jsonl", limit=200)]
    return texts + [r["text"] for r in _jsonl("ws", "ws_dev.jsonl", limit=2000)]


@pytest.fixture
def python_model(monkeypatch: pytest.MonkeyPatch) -> _Model:
    """The loaded model with its decoder set to the pure-Python reference."""
    model = _load_model()
    monkeypatch.setattr(model, "decode", model._decode)
    return model


def test_the_compiled_decoder_is_used_when_built() -> None:
    assert (_load_model().decode != _load_model()._decode) is COMPILED


def test_python_decoder_matches_crfsuite_order_on_real_lines(python_model: _Model) -> None:
    """Without a near tie, the one-pass decoder's labels are the exact CRFsuite Viterbi's."""
    checked = 0
    for text in _real_texts()[:300]:
        for line in text.splitlines():
            syllables = [m.group(0) for m in _PYVI_SYLLABLE.finditer(line)]
            if not syllables:
                continue
            n = len(syllables)
            labels, near_tie = python_model.decode([python_model.syllable(s) for s in syllables], 1e-12 * n * (n + 10))
            if not near_tie:
                assert [label == python_model.inside for label in labels] == python_model.tags(syllables)
                checked += 1
    assert checked > 1000


def test_python_decoder_segments_like_pyvi(python_model: _Model) -> None:
    pyvi = pytest.importorskip("pyvi.ViTokenizer")
    for text in _real_texts()[:150]:
        assert tokenize_like_pyvi(text) == pyvi.ViTokenizer.tokenize(text)


@needs_c
def test_compiled_decoder_is_the_python_one_on_every_real_line(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _load_model()
    compiled = model.decode
    calls = []

    def both(found: list[_Syllable], tolerance: float) -> tuple[list[int], bool]:
        expected = model._decode(found, tolerance)
        assert compiled(found, tolerance) == expected
        assert compiled(found, 1e6) == model._decode(found, 1e6)  # every decision a near tie
        calls.append(len(found))
        return expected

    monkeypatch.setattr(model, "decode", both)
    for text in _real_texts():
        word_spans(text)
        tokenize_like_pyvi(text)  # the whole text as one sequence
    assert len(calls) > 5000


def _syllables(model: _Model) -> st.SearchStrategy[list[_Syllable]]:
    """Syllables in runs that are words.txt's bigrams and trigrams (so that the n-gram features
    fire) or any codes, with scores drawn from a few values (so that exact ties and near ties
    happen) or any."""
    base = model.base
    trigrams = [(c // base // base, c // base % base, c % base) for c in sorted(model.trigram_codes)]
    bigrams = [(c // base, c % base) for c in sorted(model.bigram_codes)]
    run = st.sampled_from(trigrams) | st.sampled_from(bigrams) | st.lists(st.integers(0, base - 1), min_size=1, max_size=3)
    codes = st.lists(run, min_size=1, max_size=15).map(lambda runs: [code for r in runs for code in r])
    score = st.sampled_from([0.0, 0.5, -0.5, 1.25, -2.0, 0.1, 0.2, 0.3]) | st.floats(-30, 30)

    def syllables(codes: list[int]) -> st.SearchStrategy[list[_Syllable]]:
        scores = st.tuples(score, score, score)
        return st.tuples(*[scores.map(lambda s, c=c: _Syllable("", c, *s, False, False, "Ll")) for c in codes]).map(list)

    return codes.flatmap(syllables)


@needs_c
@settings(max_examples=800, deadline=None)
@given(data=st.data(), tolerance=st.sampled_from([0.0, 1e-12, 1e-9, 0.05, 0.5, 3.0]) | st.floats(0, 10))
def test_compiled_decoder_is_the_python_one_on_fuzzed_syllables(data: st.DataObject, tolerance: float) -> None:
    model = _load_model()
    found = data.draw(_syllables(model))
    assert model.decode(found, tolerance) == model._decode(found, tolerance)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Ban", "Chỉ", "đạo", "thành", "phố", "Hải", "Phòng", "Hà", "Nội", "ủy", "ban", "nhân", "dân", "35", ".", ","]), min_size=1))
def test_compiled_decoder_is_the_python_one_on_fuzzed_tokens(tokens: list[str]) -> None:
    model = _load_model()
    found = [model.syllable(t) for t in tokens]
    n = len(found)
    assert model.decode(found, 1e-12 * n * (n + 10)) == model._decode(found, 1e-12 * n * (n + 10))


@needs_c
def test_compiled_decoder_rejects_bad_input() -> None:
    viterbi: ModuleType = importlib.import_module("searchkit.text._viterbi")
    model = _load_model()
    decoder = viterbi.Decoder(model.transitions, model.ngram_differences, model.bigram_codes, model.trigram_heads, model.trigram_codes, model.base)
    good = model.syllable("Ban")
    for found, error in [
        ([], IndexError),
        ([("Ban", 1)], TypeError),
        ([good._replace(code=model.base)], ValueError),
        ([good._replace(code=-1)], ValueError),
        ([good._replace(own="x")], TypeError),
        (None, TypeError),
    ]:
        with pytest.raises(error):
            decoder.decode(found, 0.0)
    with pytest.raises(ValueError):
        viterbi.Decoder(model.transitions, model.ngram_differences, [], [], [], 2**21 + 1)  # base**3 past 2**63
    with pytest.raises(ValueError):
        viterbi.Decoder(model.transitions, model.ngram_differences, [0], [], [], 10)  # no code is 0
