from __future__ import annotations

import pickle
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchkit.text.analysis import (
    SegmentedText,
    folded_analyzer,
    syllable_analyzer,
    word_analyzer,
    word_spans,
)
from searchkit.text.terms import stopwords

ANALYZERS = {"word": word_analyzer, "syllable": syllable_analyzer, "folded": folded_analyzer}

# Text built from the characters that break naive analyzers.
NASTY = st.lists(
    st.one_of(
        st.sampled_from(list("aăâđeêioôơuưy AĐHTNBCQ0123456789_-/.,:;!?\"'()\t\r\n")),
        st.sampled_from(["\r\n", "\u00a0", "\u200b", "\u00ad", "\ufeff", "Ð", "😀", "𝔸", "é", "ñ", "ß", "İ"]),
        st.sampled_from(["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]),
        st.sampled_from(["Chỉ đạo ", "Thành uỷ ", "Ủy ban ", "35-NQ/TW ", "TP.HCM ", "a@b.vn ", "https://x.vn/a?b=1 "]),
        st.characters(),
    ),
    max_size=60,
).map("".join)


def terms(analyzer_name: str, text: str) -> list[str]:
    return [t.text for t in ANALYZERS[analyzer_name]()(text)]


@pytest.mark.parametrize("name", list(ANALYZERS))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=NASTY)
def test_offsets_slice_the_source_text(name: str, text: str) -> None:
    analyzer = ANALYZERS[name]()
    tokens = [(t.text, t.startchar, t.endchar, t.pos) for t in analyzer(text, positions=True, chars=True, keeporiginal=True)]
    last_pos = -1
    for term, start, end, pos in tokens:
        assert 0 <= start < end <= len(text)
        source = text[start:end]
        assert term, "no empty terms"
        # The term is what the source text says, analyzed on its own.
        assert [t.text for t in analyzer(source) if t.text] == [term] or name == "word"
        assert pos > last_pos
        last_pos = pos


@pytest.mark.parametrize("name", list(ANALYZERS))
@pytest.mark.parametrize("text", ["", "   ", "\r\n\t", "...", "_", "😀😀"])
def test_empty_and_symbol_only_inputs(name: str, text: str) -> None:
    assert terms(name, text) == []


@pytest.mark.parametrize("name", list(ANALYZERS))
def test_large_input_keeps_offsets(name: str) -> None:
    paragraph = "Ban Chỉ đạo 35 thành phố Hải Phòng họp với Thành uỷ về Nghị quyết số 35-NQ/TW. "
    text = (paragraph * 1300)[:100_000]
    tokens = [(t.startchar, t.endchar) for t in ANALYZERS[name]()(text, chars=True)]
    assert len(tokens) > 10_000
    assert all(0 <= s < e <= len(text) for s, e in tokens)


@pytest.mark.parametrize("name", list(ANALYZERS))
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoà bình", "hòa bình"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("Thành uỷ Đà Nẵng", unicodedata.normalize("NFD", "Thành ủy Đà Nẵng")),
        ("\u00d0à Nẵng", "Đà Nẵng"),
        ("BAN CHỈ ĐẠO", "ban chỉ đạo"),
        ("chỉ\u00a0đạo", "chỉ đạo"),
    ],
)
def test_spelling_variants_give_identical_terms(name: str, a: str, b: str) -> None:
    assert terms(name, a) == terms(name, b)


def test_the_three_views() -> None:
    text = "Ban Chỉ đạo của Thành uỷ"
    assert terms("word", text) == ["ban", "chỉ_đạo", "thành_ủy"]
    assert terms("syllable", text) == ["ban", "chỉ", "đạo", "của", "thành", "ủy"]
    assert terms("folded", text) == ["ban", "chi", "dao", "cua", "thanh", "uy"]


def test_stopwords_leave_gaps_in_positions() -> None:
    tokens = [(t.text, t.pos) for t in word_analyzer()("Ban Chỉ đạo của Thành uỷ", positions=True)]
    assert tokens == [("ban", 0), ("chỉ_đạo", 1), ("thành_ủy", 3)]


def test_stopwords_are_words_not_syllables() -> None:
    stops = stopwords()
    assert {"của", "và", "có_thể"} <= stops
    assert "bị" in stops and "thiết_bị" not in stops
    assert terms("word", "thiết bị y tế") == ["thiết_bị", "y_tế"]
    assert not {"ban", "bộ", "sở", "ai"} & stops


def test_codes_numbers_and_addresses_stay_searchable() -> None:
    word_terms = terms("word", "Nghị quyết số 35-NQ/TW ngày 18-08-2023, gửi tới tt@hanoi.gov.vn")
    assert "35_nq_tw" in word_terms
    assert "18_08_2023" in word_terms
    assert terms("syllable", "35-NQ/TW") == ["35", "nq", "tw"]


@pytest.mark.parametrize("name", list(ANALYZERS))
def test_analyzers_pickle_and_hold_no_model(name: str) -> None:
    analyzer = ANALYZERS[name]()
    data = pickle.dumps(analyzer)
    assert len(data) < 5_000, "the schema must not carry a model"
    restored = pickle.loads(data)
    assert restored == analyzer
    assert [t.text for t in restored("Thành uỷ")] == terms(name, "Thành uỷ")


def test_segmented_text_is_used_instead_of_the_segmenter() -> None:
    text = "Ban Chỉ đạo"
    forced = SegmentedText(text, ((0, 7), (8, 11)))  # a deliberately different split
    assert [t.text for t in word_analyzer()(forced)] == ["ban_chỉ", "đạo"]
    assert word_spans(text) == ((0, 3), (4, 11))
    assert pickle.loads(pickle.dumps(forced)).word_spans == forced.word_spans
