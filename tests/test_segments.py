"""searchkit._whoosh.segments: positions encoded in bulk, and postings held in flat arrays,
give exactly what Whoosh's own ``Positions`` format and ``field.index`` give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions

from searchkit._whoosh.segments import ViewPostings, encode_position_lists, encode_positions

# Deltas of every width pickle writes (1, 2 and 4 bytes) and lists past pickle's batches of 1000.
position_lists = st.lists(
    st.one_of(
        st.lists(st.integers(0, 300), min_size=1, max_size=5, unique=True),
        st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=5, unique=True),
        st.integers(999, 1002).map(lambda n: list(range(0, 70 * n, 70))),
    ).map(sorted),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(position_lists)
def test_bulk_encoding_equals_whoosh(lists: list[list[int]]) -> None:
    counts = np.array([len(p) for p in lists], dtype=np.uint32)
    flat = np.array([x for p in lists for x in p], dtype=np.uint32)
    expected = [Positions().encode(p) for p in lists]
    assert encode_position_lists(counts, flat) == expected
    assert [encode_positions(p) for p in lists] == expected


def test_view_postings_come_by_term_then_document() -> None:
    postings = ViewPostings(boost=2.0)
    postings.add(0, {"bé": [3], "a": [0, 5]}, 3)
    postings.add(2, {"a": [1]}, 1)  # document 1 has no such field
    terms = list(postings.terms())
    assert [t[0] for t in terms] == [b"a", "bé".encode()]
    assert terms[0][1:] == ([0, 2], [4.0, 2.0], [encode_positions([0, 5]), encode_positions([1])], [3, 1])
    assert terms[1][1:] == ([0], [2.0], [encode_positions([3])], [3])
    assert list(postings.terms()) == []  # emptied
