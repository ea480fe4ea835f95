"""The vectorised ranker gives Whoosh's own BM25F ranking (exhaustive, without its top-k shortcuts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query as wq

from searchkit import Index
from searchkit import search as sk_search
from searchkit.query import parse_query

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

QUERIES = [
    "Ban Chỉ đạo 35",
    "ban chi dao 35",
    "hội nghị giao thông",
    "UBND thành phố",
    "Thành ủy Đà Nẵng",
    '"chỉ đạo" Hải Phòng',
    "+giao thông ùn tắc",
    "giao thông -Hà Nội",
    "org:UBND kế hoạch",
    "title:hội nghị",
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.create(tmp_path_factory.mktemp("rank-ix")) as index:
        index.add_path(EXAMPLES, workers=0)
        first = index.searcher().stored_fields(0)["id"]
        index.delete(first)  # a deleted article must never come back
        yield index


def whoosh_ranking(ix: Index, text: str) -> list[tuple[int, float]]:
    searcher = ix.searcher()
    built = sk_search._build(parse_query(text))
    pairs = sk_search._pair_scoring(built.units, built.accented, searcher.reader()) if built.scoring else []
    filters = [sk_search._resolve_values(searcher, q) for q in built.filters]
    excluded = [sk_search._resolve_values(searcher, q) for q in built.excluded]
    filter_q = wq.And(filters) if filters else None
    return sk_search._whoosh_ranking(searcher, built, pairs, filter_q, excluded, None, None)


@pytest.mark.parametrize("text", QUERIES)
def test_top_hits_and_scores_are_whooshs(ix: Index, text: str) -> None:
    expected = whoosh_ranking(ix, text)
    results = ix.search(text, limit=8, facets=False)
    assert results.total == len(expected)
    searcher = ix.searcher()
    want = [(searcher.stored_fields(d)["id"], s) for d, s in expected[:8]]
    got = [(h.id, h.score) for h in results.hits]
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9)


@pytest.mark.parametrize("offset", [0, 3, 7])
def test_pages_follow_the_full_ranking(ix: Index, offset: int) -> None:
    full = [h.id for h in ix.search("giao thông hội nghị", limit=100, facets=False).hits]
    page = [h.id for h in ix.search("giao thông hội nghị", limit=4, offset=offset, facets=False).hits]
    assert page == full[offset : offset + 4]
