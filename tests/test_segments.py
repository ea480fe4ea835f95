"""searchkit._whoosh.segments: the segment files searchkit writes.

The files are compared byte for byte with those main wrote before the speed work of #14 was
merged (index format 5: packed positions, counts only in the word view, short posting lists
in the term table, protocol-3 blocks, zlib 6): any change to what is written changes a
digest. Positions packed in bulk, and postings held in flat arrays, give exactly what
:func:`~searchkit._whoosh.formats.pack_positions` and ``field.index`` give.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXAMPLES, read_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from searchkit._whoosh.formats import pack_positions
from searchkit._whoosh.packing import PackedLists, pack_position_lists, pickle_tuples
from searchkit._whoosh.segments import SegmentFile, ViewPostings
from searchkit.documents import Article, iter_path
from searchkit.index import Index
from searchkit.index.schema import build_schema


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
# files that hold organization names (_orgs_len, _stored, trm) updated with the recognizer since, and
# the zlib-compressed ones (_stored, pst, trm) when COMPRESSION went from 6 to 1 (index format 9), and
# those of organization names at index format 10 (names joined by U+001F, one term each even with a comma).
EXAMPLE_DIGESTS = {
    "X._body_f_len.col": "06b9b3daa5669f62",
    "X._body_s_len.col": "06b9b3daa5669f62",
    "X._body_w_len.col": "0a85c4dcb71d6cff",
    "X._orgs_len.col": "2ff990fb152d6825",
    "X._stored.col": "3a5f6f81f0c9c5a6",
    "X._title_f_len.col": "d98349e7287d5e56",
    "X._title_s_len.col": "d98349e7287d5e56",
    "X._title_w_len.col": "e281728a8b6c284b",
    "X.category.col": "5f84548d4418aecd",
    "X.pst": "832b2c525d03ff30",
    "X.published.col": "57ca4512a9f388cd",
    "X.source.col": "b941dab4ba104af4",
    "X.trm": "c2e0f1a76fd689f6",
    "X.views.col": "d74ca513c47622b8",
    "X.year.col": "61edf61b05697f2d",
}
# The files that hold organization names (_orgs_len, _stored, pst, trm) follow the recognizer: updated at
# index format 9 (the fourth to ninth rounds of organization rules) and 10 (names with commas kept whole;
# "Trường" before one bare syllable is no school); the text views' files did not change.
VNTC_DIGESTS = {
    "X._body_f_len.col": "e2895cb0b9f51a04",
    "X._body_s_len.col": "e2895cb0b9f51a04",
    "X._body_w_len.col": "d97e43c1a3d32254",
    "X._orgs_len.col": "9567f5e57ba17690",
    "X._stored.col": "e2bfc4e8555a1b77",
    "X.pst": "313e1068c2230185",
    "X.trm": "95a6f697e1f1316a",
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


def _terms_one_by_one(postings: ViewPostings, writer: Any) -> None:
    for term in postings.terms():
        writer.write(*term)


def _view_segment(folder: Path, boost: float) -> dict[str, str]:
    """The digests of the postings and terms files of a segment of two text views (one with
    positions, one with counts) of random documents."""
    folder.mkdir()
    rng = np.random.default_rng(7)
    vocabulary = [f"t{i}" for i in range(3000)] + ["bé", "ở"]
    with_positions, counts = ViewPostings(boost), ViewPostings(boost, positions=False)
    # gaps between documents give deltas of 1, 2 and 4 bytes; a few terms are in most documents
    # (several blocks, the last of 1 to 128 postings), most in a handful (inlined)
    docnums = np.unique(rng.integers(0, 200_000, 400)).tolist()
    for docnum in docnums:
        terms = [vocabulary[min(int(x), len(vocabulary)) - 1] for x in rng.zipf(1.3, int(rng.integers(1, 300)))]
        terms = ["" if rng.random() < 0.1 else t for t in terms]
        with_positions.add(docnum, terms)
        counts.add(docnum, terms)
    file = SegmentFile(str(folder), "MAIN", build_schema())
    segment, filename = file.write({"body_s": with_positions, "body_w": counts}, docnums[-1] + 1)
    compound = CompoundStorage(FileStorage(str(folder)).open_file(filename), use_mmap=False)
    directory = compound._dir
    compound.close()
    data = (folder / filename).read_bytes()
    return {
        name.replace(segment.segment_id(), "X"): hashlib.sha256(data[d["offset"] : d["offset"] + d["length"]]).hexdigest()
        for name, d in directory.items()
        if name.endswith((".pst", ".trm"))
    }


@pytest.mark.parametrize("boost", [1.0, 2.0])
def test_views_written_in_bulk_as_term_by_term(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boost: float) -> None:
    bulk = _view_segment(tmp_path / "bulk", boost)
    assert len(bulk) == 2
    monkeypatch.setattr(ViewPostings, "write_to", _terms_one_by_one)
    assert _view_segment(tmp_path / "terms", boost) == bulk


# Runs of packed lists with a list left out before each (as the inlined lists between blocks),
# lists of 1 to 300 bytes (SHORT_BINBYTES and BINBYTES), runs of 1 to 6 (TUPLE1..3 and MARK/TUPLE).
runs_of_lists = st.lists(st.lists(st.binary(min_size=1, max_size=20) | st.binary(min_size=250, max_size=300), min_size=2, max_size=7), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(runs_of_lists)
def test_tuples_pickled_with_numpy_equal_pickle(runs: list[list[bytes]]) -> None:
    flat = [b for run in runs for b in run]
    ends = np.cumsum([len(b) for b in flat])
    packed = PackedLists(np.frombuffer(b"".join(flat), dtype=np.uint8), ends - [len(b) for b in flat], ends)
    run_ends = np.cumsum([len(run) for run in runs])
    run_starts = run_ends - [len(run) - 1 for run in runs]  # each run's first list left out
    buf, starts, ends_ = pickle_tuples(packed, run_starts, run_ends)
    pickler_out = io.BytesIO()
    pickler = pickle.Pickler(pickler_out, 3)
    pickler.fast = True
    for run, start, end in zip(runs, starts, ends_, strict=True):
        pickler_out.seek(0)
        pickler_out.truncate()
        pickler.dump(tuple(run[1:]))
        assert buf[start:end] == pickler_out.getvalue()[2:-1]  # without PROTO and STOP
