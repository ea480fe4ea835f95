"""searchkit's posting formats and the compact posting lists of its segment writer."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.analysis import SimpleAnalyzer

from searchkit._whoosh.formats import Counts, PackedPositions, pack_positions, unpack_positions, unpack_positions_many
from searchkit.index import Index
from searchkit.index.schema import build_schema

positions = st.lists(st.integers(min_value=0, max_value=3_000_000), min_size=1, max_size=60, unique=True).map(sorted)


@given(positions)
def test_packed_positions_round_trip(found: list[int]) -> None:
    fmt = PackedPositions()
    value = fmt.encode(found)
    assert unpack_positions(value) == found
    assert fmt.decode_frequency(value) == len(found) == fmt.decode_weight(value)
    assert fmt.decode_position_boosts(value) == [(p, 1.0) for p in found]


@given(st.lists(st.one_of(positions, st.lists(st.integers(0, 120), min_size=1, max_size=8, unique=True).map(sorted)), max_size=12))
def test_many_values_unpack_at_once_as_one_by_one(values: list[list[int]]) -> None:
    """The numpy decoder gives each value's positions, in order, whether the deltas take one
    byte each (small positions) or several."""
    owner, found = unpack_positions_many([pack_positions(v) for v in values])
    assert owner.tolist() == [i for i, v in enumerate(values) for _ in v]
    assert found.tolist() == [p for v in values for p in v]


def test_packed_positions_are_small() -> None:
    assert len(pack_positions([7])) == 1
    assert len(pack_positions([200])) == 2
    assert len(pack_positions([10, 11, 12, 500])) == 5
    assert PackedPositions().combine([pack_positions([1, 9]), pack_positions([4, 9])]) == pack_positions([1, 4, 9])


def test_formats_give_whooshs_terms_frequencies_and_weights() -> None:
    text = "một hai ba hai một hai"
    packed = sorted(PackedPositions().word_values(text, SimpleAnalyzer()))
    counts = sorted(Counts().word_values(text, SimpleAnalyzer()))
    assert [(w, f, wt) for w, f, wt, _ in packed] == [(w, f, wt) for w, f, wt, _ in counts]
    assert [(w, f, unpack_positions(v)) for w, f, _, v in packed] == [("ba", 1, [2]), ("hai", 3, [1, 3, 5]), ("một", 2, [0, 4])]
    assert {v for *_, v in counts} == {b""}


def test_only_the_syllable_views_keep_positions() -> None:
    schema = build_schema()
    for name in ("title", "body"):
        assert not schema[f"{name}_w"].format.supports("positions")
        assert schema[f"{name}_s"].format.supports("positions") and schema[f"{name}_f"].format.supports("positions")
    assert not schema["digest"].indexed and schema["digest"].stored


def test_inlined_and_block_postings_read_the_same(tmp_path: Path) -> None:
    """Terms in one or two articles are kept in the term table; others in blocks. Both are
    read by Whoosh's matchers, phrases included, also after a merge of segments."""
    rare = "Hội nghị bàn về xoài tứ quý ở Bến Tre"
    with Index.create(tmp_path) as ix:
        ix.add([{"id": "a", "title": "Tin một", "body": rare}], workers=0)
        ix.add([{"id": f"b{i}", "title": "Tin chung", "body": "Hội nghị tổng kết năm"} for i in range(5)], workers=0)
        assert [h.id for h in ix.search('"xoài tứ quý"').hits] == ["a"]
        assert [h.id for h in ix.search("xoai tu quy").hits] == ["a"]
        assert ix.search("hội nghị").total == 6
    reader = whoosh_index.open_dir(str(tmp_path), indexname="MAIN").reader()
    try:
        terms = {leaf._terms.term_info("body_s", "xoài".encode()).is_inlined() for leaf, _ in reader.leaf_readers() if ("body_s", "xoài".encode()) in leaf}
        assert terms == {True}
        common = [leaf._terms.term_info("body_s", "nghị".encode()) for leaf, _ in reader.leaf_readers()]
        assert [t.is_inlined() for t in common] == [True, False]  # in 1 article, then in 5
        m = reader.postings("body_w", "xoài".encode())
        assert (m.id(), m.weight(), m.value()) == (0, 1.0, None)
    finally:
        reader.close()
