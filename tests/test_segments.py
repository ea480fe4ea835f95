"""searchkit._whoosh.segments: the segment files searchkit writes.

The files are compared byte for byte with those main wrote before the speed work of #14 was
merged (index format 5: packed positions, counts only in the word view, short posting lists
in the term table, protocol-3 blocks, zlib 6): any change to what is written changes a
digest. Positions packed in bulk, and postings held in flat arrays, give exactly what
:func:`~searchkit._whoosh.formats.pack_positions` and ``field.index`` give.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from conftest import EXAMPLES, read_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.compound import CompoundStorage

from searchkit._whoosh.formats import pack_positions
from searchkit._whoosh.segments import ViewPostings, pack_position_lists
from searchkit.documents import Article, iter_path
from searchkit.index import Index


def _segment_digests(path: Path) -> dict[str, str]:
    """The digest of each file inside a one-segment index's compound file (the segment's
    random id taken out of the names; the compound file's own directory holds times)."""
    ix = whoosh_index.open_dir(str(path), indexname="MAIN")
    (segment,) = ix._segments()
    filename = segment.make_filename(segment.COMPOUND_EXT)
    compound = CompoundStorage(ix.storage.open_file(filename), use_mmap=False)
    directory = compound._dir
    compound.close()
    data = (path / filename).read_bytes()
    return {
        name.replace(segment.segment_id(), "X"): hashlib.sha256(data[d["offset"] : d["offset"] + d["length"]]).hexdigest()[:16]
        for name, d in sorted(directory.items())
    }


def _built(path: Path, articles: list) -> dict[str, str]:
    with Index.create(path) as ix:
        ix.add(articles, workers=0)
        assert ix.stats().segments == 1
    return _segment_digests(path)


# Computed on main at index format 5 (commit ac7c324), before the speed work of #14 was merged; the
# files that hold organization names (_orgs_len, _stored, trm) updated with the recognizer since.
EXAMPLE_DIGESTS = {
    "X._body_f_len.col": "06b9b3daa5669f62",
    "X._body_s_len.col": "06b9b3daa5669f62",
    "X._body_w_len.col": "0a85c4dcb71d6cff",
    "X._orgs_len.col": "538539ac89490224",
    "X._stored.col": "cfb84b3600fd3ab9",
    "X._title_f_len.col": "d98349e7287d5e56",
    "X._title_s_len.col": "d98349e7287d5e56",
    "X._title_w_len.col": "e281728a8b6c284b",
    "X.category.col": "5f84548d4418aecd",
    "X.pst": "b819bb6a9b97c17e",
    "X.published.col": "57ca4512a9f388cd",
    "X.source.col": "b941dab4ba104af4",
    "X.trm": "b3133f2d66e9b076",
    "X.views.col": "d74ca513c47622b8",
    "X.year.col": "61edf61b05697f2d",
}
# The files that hold organization names (_orgs_len, _stored, pst, trm) follow the recognizer: updated at
# index format 9 (the fourth to ninth rounds of organization rules); the text views' files did not change.
VNTC_DIGESTS = {
    "X._body_f_len.col": "e2895cb0b9f51a04",
    "X._body_s_len.col": "e2895cb0b9f51a04",
    "X._body_w_len.col": "d97e43c1a3d32254",
    "X._orgs_len.col": "6b1c4fe43db65447",
    "X._stored.col": "6a2db6fc3fac048a",
    "X.pst": "41fc3e397cadae8e",
    "X.trm": "6893e4713621e7d0",
}


def test_segment_files_of_the_examples_are_unchanged(tmp_path: Path) -> None:
    articles = [a for a in iter_path(EXAMPLES) if isinstance(a, Article)]
    assert _built(tmp_path, articles) == EXAMPLE_DIGESTS


def test_segment_files_of_real_articles_are_unchanged(tmp_path: Path) -> None:
    # 600 VNTC articles: common terms take several blocks of postings, rare ones are inlined.
    articles = [{"id": str(d["id"]), "title": d["title"], "body": d["body"]} for d in read_jsonl("vntc/news.jsonl.gz", 600)]
    assert _built(tmp_path, articles) == VNTC_DIGESTS


# Deltas of every width (1 to 5 bytes) and long lists.
position_lists = st.lists(
    st.one_of(
        st.lists(st.integers(0, 300), min_size=1, max_size=5, unique=True),
        st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=5, unique=True),
        st.integers(999, 1002).map(lambda n: list(range(0, 70 * n, 70))),
    ).map(sorted),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(position_lists)
def test_bulk_packing_equals_pack_positions(lists: list[list[int]]) -> None:
    counts = np.array([len(p) for p in lists], dtype=np.uint32)
    flat = np.array([x for p in lists for x in p], dtype=np.uint32)
    assert pack_position_lists(counts, flat) == [pack_positions(p) for p in lists]


def test_view_postings_come_by_term_then_document() -> None:
    postings = ViewPostings(boost=2.0)
    assert postings.add(0, ["a", "", "", "bé", "", "a"]) == 3
    assert postings.add(2, ["", "a", ""]) == 1  # document 1 has no such field
    terms = list(postings.terms())
    assert [t[0] for t in terms] == [b"a", "bé".encode()]
    assert terms[0][1:] == ([0, 2], [4.0, 2.0], [pack_positions([0, 5]), pack_positions([1])], [3, 1])
    assert terms[1][1:] == ([0], [2.0], [pack_positions([3])], [3])
    assert list(postings.terms()) == []  # emptied


def test_view_postings_without_positions_keep_counts() -> None:
    postings = ViewPostings(boost=1.0, positions=False)
    postings.add(0, ["a", "", "b", "", "", "a"])
    postings.add(1, ["b", "b", "x", "", "b"])
    assert list(postings.terms()) == [(b"a", [0], [2.0], None, [3]), (b"b", [0, 1], [1.0, 3.0], None, [3, 4]), (b"x", [1], [1.0], None, [4])]
