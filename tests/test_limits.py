"""Bounded cost on hostile input (issue #10): token size, analysis memory, did-you-mean work,
organization-name length.

The memory cases run in a subprocess that reports its own peak RSS (``VmHWM``, which, unlike
``ru_maxrss``, does not keep the RSS of the forking test process); the cost cases count the work done.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import searchkit.search.suggest as search_module
from searchkit import Index, QuerySyntaxError
from searchkit.search.query import parse_query
from searchkit.text.analysis import folded_analyzer, syllable_analyzer, word_analyzer
from searchkit.text.orgs import MAX_NAME_LENGTH, canonical_org
from searchkit.text.segment import MAX_LINE_WINDOW, MAX_TOKEN_LENGTH, segment
from searchkit.text.terms import syllables

MIXED = Path(__file__).parent / "data" / "mixed.jsonl"

# -- the token cap -------------------------------------------------------------------------------


def test_a_long_run_of_letters_is_cut_into_capped_syllables() -> None:
    assert MAX_TOKEN_LENGTH == 255
    assert [len(s) for s in syllables("x " + "a" * 600 + " y")] == [1, 255, 255, 90, 1]
    terms = [t.text for t in syllable_analyzer()("a" * 600)]
    assert terms == ["a" * 255, "a" * 255, "a" * 90]
    assert [len(t.text) for t in folded_analyzer()("đ" * 300)] == [255, 45]


def test_no_word_is_longer_than_the_cap() -> None:
    text = "Nghị quyết " + "35-NQ/TW-" * 100 + " và " + "b" * 700 + " https://a.vn/" + "x" * 400 + " xong."
    words = segment(text)
    assert all(w.end - w.start <= MAX_TOKEN_LENGTH for w in words)
    assert all(w.text == text[w.start : w.end] for w in words)
    assert [w.text for w in words][:2] == ["Nghị quyết", "35"]  # the 900-character code is split
    assert max(len(t.text) for t in word_analyzer()(text)) <= MAX_TOKEN_LENGTH


def test_ordinary_codes_and_urls_stay_whole() -> None:
    text = "Theo Nghị quyết 35-NQ/TW, xem https://vnexpress.net/thoi-su/ban-chi-dao-35-hop-4567.html ngay."
    assert [w.text for w in segment(text)] == [
        "Theo",
        "Nghị quyết",
        "35-NQ/TW",
        "xem",
        "https://vnexpress.net/thoi-su/ban-chi-dao-35-hop-4567.html",
        "ngay",
    ]


def test_a_very_long_line_is_segmented_in_windows_with_exact_spans() -> None:
    sentence = "Ban Chỉ đạo 35 thành phố Hải Phòng họp sơ kết công tác. "
    text = sentence * (2 * MAX_LINE_WINDOW // len(sentence) + 3)
    words = segment(text)
    assert all(w.text == text[w.start : w.end] for w in words)
    assert {w.text for w in words} == {"Ban", "Chỉ đạo", "35", "thành phố", "Hải Phòng", "họp", "sơ kết", "công tác"}


_PREPARE = """
import sys
from searchkit.documents import Article
from searchkit.index.writing import prepare
prepare(Article.from_dict({"id": "w", "title": "t", "body": "Ban Chỉ đạo"}))  # load the model
body = {"word": "a" * 5_000_000, "code": "35-NQ/TW-" * 400_000}[sys.argv[1]]
prepare(Article.from_dict({"id": "x", "title": "t", "body": body}))
try:  # this program's own peak (ru_maxrss also keeps the forking parent's, copied at fork)
    print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")))
except OSError:
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.parametrize(
    ("kind", "limit_mb"),
    [
        ("word", 200),  # a 5 MB one-word body: 644 MB before the cap
        ("code", 450),  # 3.6 MB of "35-NQ/TW-" (1.2 M syllables): about 750 MB before
    ],
)
def test_analysis_memory_is_linear(kind: str, limit_mb: int) -> None:
    # The child reports its own peak: RUSAGE_CHILDREN would count the test process's RSS,
    # which a forked child inherits in ru_maxrss, and any earlier child reaped meanwhile.
    done = subprocess.run([sys.executable, "-c", _PREPARE, kind], check=True, timeout=120, capture_output=True, text=True)
    peak = int(done.stdout.split()[-1])
    assert peak // 1024 < limit_mb, f"peak RSS {peak // 1024} MB"


# -- search costs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    docs = [json.loads(line) for line in MIXED.read_text(encoding="utf-8").splitlines() if line.strip()]
    with Index.create(tmp_path_factory.mktemp("limits-ix")) as index:
        index.add(docs, workers=0)
        yield index


def test_did_you_mean_corrects_a_bounded_number_of_words(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    correct = search_module._correct

    def counting(searcher: Any, syllable: str, **context: Any) -> tuple[str, bool] | None:
        calls.append(syllable)
        return correct(searcher, syllable, **context)

    monkeypatch.setattr(search_module, "_correct", counting)
    unknown = " ".join(f"zq{chr(97 + i % 26)}x{i}" for i in range(64))
    started = time.perf_counter()
    results = ix.search("quốc hộu " + unknown)
    assert time.perf_counter() - started < 2.0
    assert len(calls) <= search_module.MAX_CORRECTED_WORDS
    assert calls[0] == "hộu"  # the first words are still corrected
    assert results.suggestion is not None and results.suggestion.startswith("quốc hội zqax0 ")


def test_did_you_mean_stops_at_its_time_budget(ix: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    def slow(searcher: Any, syllable: str, **context: Any) -> tuple[str, bool] | None:
        nonlocal calls
        calls += 1
        time.sleep(0.1)
        return None

    monkeypatch.setattr(search_module, "_correct", slow)
    monkeypatch.setattr(search_module, "SUGGEST_BUDGET", 0.15)
    ix.search(" ".join(f"zq{i}" for i in range(8)))
    assert calls == 2


def test_a_long_org_value_is_refused_quickly(ix: Index) -> None:
    long_name = ("Ủy ban nhân dân " * 700)[:10_000]
    ix.search("org:UBND ubnd")  # loads both name lexicons (about a second on a busy machine): not what is timed
    started = time.perf_counter()
    with pytest.raises(QuerySyntaxError, match="at most 200"):
        ix.search(f'x org:"{long_name}"')
    with pytest.raises(QuerySyntaxError, match="org is 9999 characters long"):
        ix.search("x", org=long_name)
    assert canonical_org(long_name) is None
    ix.search("org:UBND " + "Quảng Ninh " * 900)  # unquoted: the name stops where names stop
    assert time.perf_counter() - started < 1.0
    assert parse_query("org:" + "U" * MAX_NAME_LENGTH).clauses[0].kind == "org"
    with pytest.raises(QuerySyntaxError):
        parse_query("org:" + "U" * (MAX_NAME_LENGTH + 1))


def test_did_you_mean_over_many_unknown_words_on_many_segments_does_bounded_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchkit.search.neighbours import Neighbours

    docs = [json.loads(line) for line in MIXED.read_text(encoding="utf-8").splitlines() if line.strip()]
    with Index.create(tmp_path / "ix") as index:
        for i in range(0, len(docs), max(1, len(docs) // 3)):  # one commit, one segment each
            index.add(docs[i : i + max(1, len(docs) // 3)], workers=0)
        builds: list[str] = []
        lookups: list[str] = []
        phrases = 0
        of_field, within_one, beside = Neighbours.of_field, Neighbours.within_one, search_module._beside

        def counting_build(reader: Any, field: str, max_length: int) -> Neighbours:
            builds.append(field)
            return of_field(reader, field, max_length)

        def counting_lookup(self: Neighbours, word: str) -> list[str]:
            lookups.append(word)
            return within_one(self, word)

        def counting_beside(*args: Any, **kwargs: Any) -> int:
            nonlocal phrases
            phrases += 1
            return beside(*args, **kwargs)

        monkeypatch.setattr(Neighbours, "of_field", staticmethod(counting_build))
        monkeypatch.setattr(Neighbours, "within_one", counting_lookup)
        monkeypatch.setattr(search_module, "_beside", counting_beside)
        query = "quốc hộu " + " ".join(f"zq{chr(97 + i % 26)}x{i} ngưoi" for i in range(64))
        started = time.perf_counter()
        first = index.search(query)
        second = index.search(query)
        assert time.perf_counter() - started < 5.0  # generous: the work is counted below
        assert first.suggestion == second.suggestion and first.suggestion is not None
        assert first.suggestion.startswith("quốc hội ")
        assert builds == ["body_s"]  # built once for the commit, kept for the next search
        assert len(lookups) <= 2 * search_module.MAX_CORRECTED_WORDS
        assert phrases <= 2 * search_module.MAX_CORRECTED_WORDS * 2 * search_module._CHECKED_CANDIDATES
