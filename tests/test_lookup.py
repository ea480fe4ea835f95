"""HeldDigests: the digests an add call finds in the index, with the searcher's answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchkit import Article, Index
from searchkit.index import lookup
from searchkit.index.lookup import HeldDigests


def _article(n: int, version: int = 0) -> Article:
    return Article(id=f"tin-{n}", title=f"Tin số {n}", body=f"Nội dung bản {version} của tin {n}.")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An index of 60 articles in 4 segments, 5 of them replaced and 5 deleted since."""
    with Index.create(tmp_path / "ix") as ix:
        for start in range(0, 60, 20):
            ix.add([_article(n) for n in range(start, start + 20)], workers=0)
        ix.add([_article(n, version=1) for n in range(0, 50, 10)], workers=0)
        ix.delete_many([f"tin-{n}" for n in range(5, 55, 10)])
    return tmp_path / "ix"


def _answers(folder: Path, ids: list[str], probes_per_id: int, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    monkeypatch.setattr(lookup, "PROBES_PER_ID", probes_per_id)
    with Index.open(folder) as ix, ix._ix.searcher() as searcher:
        expected = [None if (d := searcher.document(id=i)) is None else d["digest"] for i in ids]
        held = HeldDigests(searcher)
        return [held.get(i) for i in ids], expected


@pytest.mark.parametrize("probes_per_id", [1, 4, 1_000_000])  # the array late, after a few lookups, at once
def test_same_answers_as_the_searcher(folder: Path, probes_per_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [f"tin-{n}" for n in range(70)] + ["", "tin-", "TIN-1", "tin-1 "]
    got, expected = _answers(folder, ids, probes_per_id, monkeypatch)
    assert got == expected
    assert sum(d is not None for d in got) == 55  # 60 - 5 deleted, none of the 14 unknown


def test_a_long_call_stops_probing_every_segment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its budget, only ids the index holds are looked up in the segments."""
    with Index.open(folder) as ix, ix._ix.searcher() as searcher:
        asked: list[str] = []
        document = searcher.document
        monkeypatch.setattr(searcher, "document", lambda **kw: asked.append(kw["id"]) or document(**kw))
        held = HeldDigests(searcher)
        new = [f"neu-{n}" for n in range(1000)]
        assert [held.get(i) for i in new] == [None] * 1000
        assert len(asked) <= searcher.doc_count_all() // lookup.PROBES_PER_ID
        assert held.get("tin-0") is not None and asked[-1] == "tin-0"


def test_updates_and_unchanged_past_the_budget(folder: Path) -> None:
    """A call longer than the budget still tells added, updated and unchanged apart."""
    with Index.open(folder) as ix:
        articles = [_article(n, version=1 if n % 10 == 0 and n < 50 else 0) for n in range(60)]  # all as they are now
        articles[1] = _article(1, version=2)
        articles += [_article(n) for n in range(60, 100)]
        report = ix.add(articles, workers=0)
        assert (report.added, report.updated, report.unchanged) == (40 + 5, 1, 54)
        assert ix.article("tin-1").body == _article(1, version=2).body
