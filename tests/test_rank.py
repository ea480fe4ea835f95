"""The vectorised ranker gives Whoosh's own BM25F ranking (exhaustive, without its top-k shortcuts)."""

from __future__ import annotations

import pickle
import random
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import index as windex
from whoosh import query as wq
from whoosh.filedb.structfile import BufferFile

from searchkit import Index
from searchkit._whoosh import postings
from searchkit.search import engine, facets, plan, rank
from searchkit.search.query import parse_query

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


@pytest.fixture(scope="module", params=["one segment", "segments"])
def ix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """The example articles in one segment, or in five (a commit every 10 articles)."""
    with Index.create(tmp_path_factory.mktemp("rank-ix")) as index:
        index.add_path(EXAMPLES, workers=0, commit_every=10_000 if request.param == "one segment" else 10)
        first = index._searcher().stored_fields(3)["id"]
        index.delete(first)  # a deleted article must never come back
        yield index


def whoosh_ranking(ix: Index, text: str) -> list[tuple[int, float]]:
    searcher = ix._searcher()
    built = plan.build_plan(parse_query(text))
    pairs = plan.pair_scoring(built.units, built.accented, searcher.reader()) if built.scoring else []
    filters = [facets.resolve_values(searcher, q) for q in built.filters]
    excluded = [facets.resolve_values(searcher, q) for q in built.excluded]
    filter_q = wq.And(filters) if filters else None
    # the result set computed by Whoosh alone (no vectorised ranker), then ranked by Whoosh
    chosen = engine._result_set(searcher, built, filter_q, excluded, None, None, "auto", False)
    matched = np.flatnonzero(chosen.docs)
    return engine.whoosh_ranking(searcher, built, pairs, matched, None, max(len(matched), 1))


@pytest.mark.parametrize("text", QUERIES)
def test_top_hits_and_scores_are_whooshs(ix: Index, text: str) -> None:
    expected = whoosh_ranking(ix, text)
    results = ix.search(text, limit=8, facets=False)
    assert results.total == len(expected)
    searcher = ix._searcher()
    want = [(searcher.stored_fields(d)["id"], s) for d, s in expected[:8]]
    got = [(h.id, h.score) for h in results.hits]
    assert [i for i, _ in got] == [i for i, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-9)


@pytest.mark.parametrize("offset", [0, 3, 7])
def test_pages_follow_the_full_ranking(ix: Index, offset: int) -> None:
    full = [h.id for h in ix.search("giao thông hội nghị", limit=100, facets=False).hits]
    page = [h.id for h in ix.search("giao thông hội nghị", limit=4, offset=offset, facets=False).hits]
    assert page == full[offset : offset + 4]


def test_field_lengths_are_whooshs(ix: Index) -> None:
    """Lengths read a column at a time equal ``doc_field_length(d, f, 1)`` for every document
    (NaN where Whoosh gives None), across segments and deletions."""
    searcher = ix._searcher()
    reader = searcher.reader()
    ranker = rank.Ranker(searcher)
    for fieldname in ("title_w", "title_s", "title_f", "body_w", "body_s", "body_f", "orgs"):
        expected = np.array([reader.doc_field_length(d, fieldname, 1) for d in range(reader.doc_count_all())], dtype=np.float64)
        assert np.array_equal(ranker._field_lengths(fieldname), expected, equal_nan=True), fieldname


def test_postings_of_every_term_are_whooshs(ix: Index) -> None:
    """Document numbers and weights read block by block, and positions read from single blocks."""
    searcher = ix._searcher()
    ranker = rank.Ranker(searcher)
    reader = searcher.reader()
    for fieldname in ("title_s", "body_s", "body_f", "body_w", "orgs"):
        for btext in list(reader.lexicon(fieldname)):
            text = btext.decode("utf-8")
            docs = [d for d, _ in whoosh_postings(reader, fieldname, btext)]
            assert ranker.term(fieldname, text)[0].tolist() == docs, (fieldname, text)
            if fieldname in ("orgs", "body_w"):  # no positions
                continue
            reading = rank._PositionReader(ranker)
            for leaf, base in reader.leaf_readers():
                if (fieldname, btext) not in leaf:
                    continue
                m = leaf.postings(fieldname, btext)
                while m.is_active():
                    assert reading.at(fieldname, text, m.id() + base) == m.value_as("positions")
                    m.next()


def test_terms_of_a_field_read_off_the_term_table_are_whooshs(ix: Index) -> None:
    """Every term of a field with its documents (one or two named in the term info, inlined
    lists, blocks), segment by segment, deleted documents included, as Whoosh reads them."""
    for leaf, _ in ix._searcher().reader().leaf_readers():
        for fieldname in ("orgs", "category", "year", "body_s", "title_w", "id", "no such field"):
            expected = [
                (btext, [d for d, _ in whoosh_postings(leaf, fieldname, btext, deleted=True)])
                for btext, _ in (leaf.iter_field(fieldname) if fieldname in leaf.schema else [])
            ]
            assert [(t, list(ids)) for t, ids in postings.field_postings(leaf, fieldname)] == expected, fieldname
            for prefix in (b"Ban ", "Bộ ".encode(), b"b", b"\xff", b""):
                starting = [(t, ids) for t, ids in expected if t.startswith(prefix)]
                assert [(t, list(ids)) for t, ids in postings.field_postings(leaf, fieldname, prefix)] == starting, prefix


def whoosh_postings(reader: object, fieldname: str, btext: bytes, *, deleted: bool = False) -> Iterator[tuple[int, float]]:
    """A term's (document, weight) pairs as Whoosh's matcher gives them (with ``deleted``, a
    segment's own matcher, which does not leave the deleted documents out)."""
    own = reader._terms.matcher if deleted else None  # type: ignore[attr-defined]
    m = own(fieldname, btext, reader.schema[fieldname].format) if own else reader.postings(fieldname, btext)  # type: ignore[attr-defined]
    while m.is_active():
        yield m.id(), m.weight()
        m.next()


# -- Whoosh's own posting blocks ------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A Whoosh index written by Whoosh's writer (pickle protocol 2 blocks), with terms in
    one article, in a few, and in most of 700 (several blocks), once or many times each."""
    rng = random.Random(7)
    words = ["khắp", "nơi", "đều", "có", "người", "hỏi", "mãi", "chẳng", "ai", "trả", "lời"]
    ix = windex.create_in(str(tmp_path_factory.mktemp("plain")), fields.Schema(body=fields.TEXT(phrase=True)))
    with ix.writer() as writer:
        for i in range(700):
            n = rng.randint(1, 40)
            text = [rng.choice(words[: rng.randint(1, len(words))]) for _ in range(n)]
            writer.add_document(body=" ".join([*text, f"w{i}", f"r{i % 97}"]))
    with ix.searcher() as searcher:
        yield searcher


def test_blocks_written_by_whoosh_read_as_whoosh_reads_them(plain: object) -> None:
    reader = plain.reader()  # type: ignore[attr-defined]
    ranker = rank.Ranker(plain)
    multi_block = 0
    for btext in list(reader.lexicon("body")):
        m = reader.postings("body", btext)
        ids, weights, blocks = postings._read_postings(m)
        expected = list(whoosh_postings(reader, "body", btext))
        assert ids.tolist() == [d for d, _ in expected]
        assert weights.tolist() == [w for _, w in expected]
        if blocks is None:
            continue
        multi_block += len(blocks.extents) > 1
        reading = rank._PositionReader(ranker)
        m = reader.postings("body", btext)
        while m.is_active():
            assert reading.at("body", btext.decode("utf-8"), m.id()) == m.value_as("positions")
            m.next()
    assert multi_block >= 5


def test_terms_of_a_field_written_by_whoosh_read_as_whoosh_reads_them(plain: object) -> None:
    reader = plain.reader()  # type: ignore[attr-defined]
    expected = [(btext, [d for d, _ in whoosh_postings(reader, "body", btext)]) for btext, _ in reader.iter_field("body")]
    assert [(t, list(ids)) for t, ids in postings.field_postings(reader, "body")] == expected


def test_blocks_that_disagree_with_their_headers_are_read_through_whoosh(
    plain: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = plain.reader()  # type: ignore[attr-defined]
    btext = max(reader.lexicon("body"), key=lambda t: reader.doc_frequency("body", t))
    expected = list(whoosh_postings(reader, "body", btext))
    real = postings._block_ids_weights
    monkeypatch.setattr(postings, "_block_ids_weights", lambda data, comp, n: ((1,) * n, real(data, comp, n)[1]))
    ids, weights, blocks = postings._read_postings(reader.postings("body", btext))
    assert blocks is None
    assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected


def test_an_unexpected_block_layout_is_unpickled() -> None:
    """A value holding the bytes that start a value, or a piece of the wrong length, is read by
    unpickling the block."""
    values = (b"\x00\x00\x00\x01ab", b"h\x02Xtricky", b"\x00\x00\x00\x02cd", b"\x00\x00\x00\x03e", b"f")
    data = zlib.compress(pickle.dumps(((5, 1, 1, 2, 3), (1.0, 2.0, 1.0, 1.0, 3.0), values), 2))
    blocks = postings.Blocks(BufferFile(data), np.array([12]), [(0, len(data), 3)])
    ids, value = postings.decode_block(blocks, 0)
    assert ids == [5, 6, 7, 9, 12]
    assert [value(j) for j in range(5)] == list(values)

    raw = pickle.dumps(((5, 1, 1, 2), None, values[:1] + values[2:]), 2)
    good = postings._BlockValues.read(raw)
    assert good is not None
    broken = postings._BlockValues(good.ids, raw, [p[:3] for p in good._pieces])
    assert [broken.value(j) for j in range(4)] == [good.value(j) for j in range(4)] == [values[0], *values[2:]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=400), st.randoms(use_true_random=False))
def test_candidates_come_by_bound_then_document_number(bounds: list[int], rng: random.Random) -> None:
    upper = np.array(bounds, dtype=np.float64) / 3
    candidates = np.array(sorted(rng.sample(range(5000), len(bounds))), dtype=np.int64)
    assert list(rank._by_bound(upper, candidates)) == np.lexsort((candidates, -upper)).tolist()


@pytest.mark.parametrize("text", [*QUERIES, "UBND", "Sở Y tế", "Ủy ban nhân dân"])
def test_matched_articles_are_whooshs(ix: Index, text: str) -> None:
    """Every clause of a plan (organization prefixes included) matches the articles Whoosh
    finds for it, whether scored (``evaluate``) or only matched (``matches``)."""
    searcher = ix._searcher()
    ranker = rank.Ranker(searcher)
    built = plan.build_plan(parse_query(text))
    clauses = [*built.scoring, *built.required, *built.excluded, *(need.query for need in built.needs)]
    prefixes = [q for clause in clauses for q in clause.leaves() if isinstance(q, wq.Prefix)]
    for q in [*clauses, *prefixes]:
        whoosh = np.zeros(ranker.size, dtype=bool)
        whoosh[list(searcher.docs_for_query(q))] = True
        assert np.array_equal(ranker.matches(q), whoosh), q
        assert np.array_equal(ranker.evaluate(q)[1], whoosh), q


# -- phrases found from positions ---------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(["khắp", "nơi", "đều", "có", "người", "hỏi", "ai", "trả", "lời", "vắng"]), min_size=1, max_size=4),
    st.sampled_from([1, 1, 2, 3]),
)
def test_phrases_found_from_positions_are_whooshs(plain: object, words: list[str], slop: int) -> None:
    """Whoosh-written blocks (several per term), words repeated, a word no article holds."""
    q = wq.Phrase("body", words, slop=slop)
    expected = list(plain.docs_for_query(q))  # type: ignore[attr-defined]
    assert rank.Ranker(plain)._find_phrase(q).tolist() == expected


def test_phrases_of_the_examples_found_from_positions_are_whooshs(ix: Index) -> None:
    """Every run of two to four syllables of some titles, in both views, over segments and a deletion."""
    searcher = ix._searcher()
    ranker = rank.Ranker(searcher)
    checked = found = 0
    for doc in range(0, searcher.doc_count_all(), 5):
        if not searcher.reader().is_deleted(doc):
            title = searcher.stored_fields(doc)["title"]
            for field in ("body_s", "body_f", "title_s"):
                terms = [t.text for t in searcher.schema[field].analyzer(title)]
                for n in (2, 3, 4):
                    for i in range(len(terms) - n + 1):
                        for slop in (1, 2):
                            q = wq.Phrase(field, terms[i : i + n], slop=slop)
                            expected = list(searcher.docs_for_query(q))
                            assert ranker._find_phrase(q).tolist() == expected, q
                            checked += 1
                            found += bool(expected)
    assert checked > 200 and found > 100


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=8).map(lambda p: sorted(set(p))), min_size=1, max_size=4))
def test_a_plain_phrase_is_the_span_walk_with_slop_one(positions: list[list[int]]) -> None:
    """Each word with one position or more, as in an article that holds it."""
    assert rank._near(positions, 1) == rank._spans_near(positions, 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 50)), st.lists(st.integers(0, 50)))
def test_phrase_starts_are_intersected_as_numpy_would(values: list[int], others: list[int]) -> None:
    """Phrase starts come sorted (article order, positions increasing): they are neither sorted
    again nor intersected by sorting both arrays; the same sets as np.unique and np.intersect1d."""
    a, b = np.array(values, dtype=np.int64), np.array(others, dtype=np.int64)
    assert rank._sorted_unique(a).tolist() == np.unique(a).tolist()
    starts, found = np.unique(a), rank._sorted_unique(b)
    assert starts[rank._members(starts, found)].tolist() == np.intersect1d(starts, found).tolist()
