"""Tests for searchkit.text.segment: pyvi equivalence, offsets on any text, whole codes, lazy load."""

from __future__ import annotations

import gzip
import importlib
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.errors import ModelError
from searchkit.text.segment import Word, segment, tokenize_like_pyvi

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵÀÁẢÃẠỦỲ"
NASTY = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0335", "\u036f", "😀", "𝔸", "_", "\t", "\r\n", "\n", "\r"]
NASTY += ["\u00a0", "\u200b", "\ufeff", "\u00ad", "\u2028", "\x08", "Ð", "ð", " ", " ", " ", "0", "1", "9", "²"]
NASTY += [*".,;:!?-/&@+()\"'…%", "...", "->", "==>", ">>", "http://", "www.", "TP.", "Tp.", "ThS."]
ALPHABET = st.sampled_from([*VIETNAMESE, *NASTY])
NASTY_TEXT = st.lists(ALPHABET, max_size=80).map("".join)
WORDS_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["Ban", "Chỉ", "đạo", "thành", "phố", "Hải", "Phòng", "Hà", "Nội", "ủy", "uỷ", "hoà", "UBND", "Thành"]),
        st.sampled_from(["35", "18-8", "3,5", "1.000.000", "NQ/TW", "a@b.vn", "http://x.vn/a", "Covid-19", "_x", "x_"]),
        NASTY_TEXT,
    ),
    max_size=12,
).map(" ".join)


@pytest.fixture(scope="module")
def pyvi() -> ModuleType:
    """pyvi's own ViTokenizer module (imports pyvi's model)."""
    return pytest.importorskip("pyvi.ViTokenizer")


def _data(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def _articles(limit: int) -> list[str]:
    with gzip.open(_data("vntc", "news.jsonl.gz"), "rt", encoding="utf-8") as stream:
        return [f"{r['title']}\n{r['body']}" for r in map(json.loads, itertools.islice(stream, limit))]


def _sentences(limit: int) -> list[str]:
    with _data("ws", "ws_dev.jsonl").open(encoding="utf-8") as stream:
        return [json.loads(line)["text"] for line in itertools.islice(stream, limit)]


def _check_spans(text: str, words: list[Word]) -> None:
    previous_end = 0
    for word in words:
        assert word.text == text[word.start : word.end]
        assert previous_end <= word.start < word.end
        assert any(c.isalnum() for c in word.text)
        assert "\n" not in word.text and "\r" not in word.text
        previous_end = word.end


# --- equivalence with pyvi ------------------------------------------------------------------


def test_same_output_as_pyvi_on_news(pyvi: ModuleType) -> None:
    texts = _articles(200)
    differing = [t[:80] for t in texts if tokenize_like_pyvi(t) != pyvi.ViTokenizer.tokenize(t)]
    assert differing == []


def test_same_output_as_pyvi_on_gold_sentences(pyvi: ModuleType) -> None:
    texts = _sentences(300)
    differing = [t[:80] for t in texts if tokenize_like_pyvi(t) != pyvi.ViTokenizer.tokenize(t)]
    assert differing == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WORDS_TEXT)
def test_same_output_as_pyvi_on_any_text(pyvi: ModuleType, text: str) -> None:
    assert tokenize_like_pyvi(text) == pyvi.ViTokenizer.tokenize(text)


@settings(max_examples=300, deadline=None)
@given(WORDS_TEXT)
def test_fast_syllable_regex_is_pyvis(pyvi: ModuleType, text: str) -> None:
    from searchkit.text.segment import _PYVI_SYLLABLE

    nfc, expected = pyvi.ViTokenizer.sylabelize(text)
    assert [m.group(0) for m in _PYVI_SYLLABLE.finditer(nfc)] == expected


def test_near_ties_fall_back_to_crfsuite_order() -> None:
    from searchkit.text.segment import _load_model

    model = _load_model()
    tokens = ["Ban", "Chỉ", "đạo", "35", "thành", "phố", "Hải", "Phòng"]
    exact = model.tags(tokens)
    syllables = [model.syllable(t) for t in tokens]
    labels, near_tie = model._decode(syllables, 1e6)  # every decision counts as a near tie
    assert near_tie
    assert [label == model.inside for label in labels] == exact


def test_empty_and_blank_like_pyvi() -> None:
    assert tokenize_like_pyvi("") == ""
    assert tokenize_like_pyvi("  \t") == "  \t"


# --- segment(): spans -----------------------------------------------------------------------


def test_example_sentence() -> None:
    words = [w.text for w in segment("Ban Chỉ đạo 35 thành phố Hải Phòng")]
    assert words == ["Ban", "Chỉ đạo", "35", "thành phố", "Hải Phòng"]


def test_multi_syllable_words_keep_inner_whitespace() -> None:
    text = "Thành ủy  Đà\u00a0Nẵng họp"
    words = segment(text)
    _check_spans(text, words)
    assert "Đà\u00a0Nẵng" in [w.text for w in words]


@pytest.mark.parametrize(
    "code",
    ["35-NQ/TW", "18-8", "18-08-2023", "1.000.000", "3,5", "TP.HCM", "GD&ĐT", "COVID-19", "10:30", "NĐ-CP"],
)
def test_numbers_and_codes_stay_whole(code: str) -> None:
    text = f"Theo văn bản {code}, ngày hôm qua."
    assert code in [w.text for w in segment(text)]


@pytest.mark.parametrize(
    "whole",
    ["ban.bientap@vnexpress.net", "https://vnexpress.net/thoi-su/a-b-123.html", "http://x.vn/?q=1&p=2", "www.chinhphu.vn"],
)
def test_emails_and_urls_stay_whole(whole: str) -> None:
    text = f"Liên hệ ({whole}), hoặc gọi."
    assert whole in [w.text for w in segment(text)]


def test_punctuation_is_not_a_word() -> None:
    assert segment("... , ; — « » !") == []
    assert [w.text for w in segment("của UBND.")] == ["của", "UBND"]


def test_sentence_punctuation_does_not_glue_words() -> None:
    words = [w.text for w in segment("Hà Nội.Ông Nam nói,Bà Lan nghe")]
    assert "Nội.Ông" not in words and "nói,Bà" not in words


def test_newlines_are_hard_boundaries() -> None:
    for text in ("Đà\nNẵng", "Đà\r\nNẵng", "thành\rphố", "Hải\u2028Phòng"):
        words = segment(text)
        _check_spans(text, words)
        assert len(words) == 2


def test_offsets_on_unnormalized_text() -> None:
    text = "Tha\u0300nh uy\u0309\u200b Đa\u0300 Nẵng\u00a0ho\u0300a bi\u0300nh"
    words = segment(text)
    _check_spans(text, words)
    assert words[0].text == "Tha\u0300nh uy\u0309"  # NFD, old tone placement: one word "Thành ủy"


def test_empty_and_blank() -> None:
    assert segment("") == []
    assert segment(" \t\r\n\u00a0\u200b") == []


def test_long_input() -> None:
    text = ("Ban Chỉ đạo 35 thành phố Hải Phòng họp ngày 18-8. " * 2000)[:100_000]
    words = segment(text)
    _check_spans(text, words)
    assert len(words) > 10_000


def test_pathological_runs_stay_fast() -> None:
    text = "a." * 50_000 + " " + "x-" * 20_000 + " " + "@" * 10_000
    words = segment(text)
    _check_spans(text, words)


@settings(max_examples=400, deadline=None)
@given(NASTY_TEXT)
def test_offsets_on_any_text(text: str) -> None:
    _check_spans(text, segment(text))


@settings(max_examples=200, deadline=None)
@given(WORDS_TEXT)
def test_offsets_on_wordy_text(text: str) -> None:
    _check_spans(text, segment(text))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_offsets_on_arbitrary_unicode(text: str) -> None:
    _check_spans(text, segment(text))


def test_gold_sentences_offsets() -> None:
    for text in _sentences(100):
        _check_spans(text, segment(text))


# --- loading --------------------------------------------------------------------------------


def test_import_does_not_load_the_model() -> None:
    code = (
        "import sys, searchkit, importlib\nseg = importlib.import_module('searchkit.text.segment')\n"
        "loaded = [m for m in ('pyvi', 'pyvi.ViTokenizer', 'sklearn_crfsuite', 'pycrfsuite') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "assert seg._load_model.cache_info().currsize == 0\n"
        "seg.segment('Hà Nội')\n"
        "assert 'pyvi.ViTokenizer' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_missing_model_is_a_model_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    module = importlib.import_module("searchkit.text.segment")

    monkeypatch.setattr(module, "_pyvi_model_dir", lambda: tmp_path)
    module._load_model.cache_clear()
    try:
        with pytest.raises(ModelError, match=re.escape(str(tmp_path))):
            segment("Hà Nội")
    finally:
        module._load_model.cache_clear()


def test_word_is_frozen() -> None:
    word = Word("Hà Nội", 0, 6)
    with pytest.raises(AttributeError):
        word.start = 1  # type: ignore[misc]


# Issue #10, case 11: one invisible character before a combining mark used to make the whole
# text segment unnormalized ("Ủ", "y ban", "nhâ", "n"...).
_INVISIBLE_KINDS = ["\u200b", "\u00ad", "\ufeff", "\ufe0f", "\u200e", "\u202a", "\u2066", "\u034f", "\u061c", "\u180b"]


@pytest.mark.parametrize("invisible", _INVISIBLE_KINDS)
def test_nfd_text_with_an_invisible_before_a_mark_segments_like_nfc(invisible: str) -> None:
    import unicodedata

    from searchkit.text.normalize import normalize

    nfc = "Ủy ban nhân dân thành phố và Ban Chỉ đạo 35 họp."
    nfd = unicodedata.normalize("NFD", nfc)
    laced = nfd.replace("a\u0302", "a" + invisible + "\u0302", 1).replace("\u0309", invisible + "\u0309")
    assert laced != nfd
    words = segment(laced)
    assert all(w.text == laced[w.start : w.end] for w in words)
    assert [normalize(w.text) for w in words] == ["Ủy ban", "nhân dân", "thành phố", "và", "Ban", "Chỉ đạo", "35", "họp"]
