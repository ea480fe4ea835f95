"""Sharded indexes searched in this process (no cluster): layout, routing, identity with one
index, writing, deleting and the errors. The cluster's tests are in test_cluster.py."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import EXAMPLES

from searchkit import ClusterError, Index, IndexNotFoundError, IndexVersionError, SearchKitError
from searchkit.errors import ArgumentError
from searchkit.index.shards import SHARDS_MANIFEST, shard_folder, shard_of
from searchkit.search.match import WordCounts, choose, select
from searchkit.ui.cli import main

QUERIES = [
    "ban chi dao 35", "Ban Chỉ đạo 35", "thanh uy da nang", "UBND tỉnh Quảng Ninh", "hội nghị", "công tác",
    '"Ban Chỉ đạo"', "quang ninh", "hai phong tong ket", "nghị quyết", "xyzzy", "phong chong tham nhung",
    "title:hội nghị", "-hải phòng ban", "date:2023", "ban chi dao 35 nam 2023 co gi moi?", "ủy ban",
]


def assert_same(one, many, *, scores: bool = True) -> None:
    """Same totals, facets, relaxation, suggestion; the same hits in the same order with the
    same scores, ties (equal score or sort key) compared as sets except one cut by the page."""
    assert (many.total, many.relaxed, many.min_words, many.suggestion) == (one.total, one.relaxed, one.min_words, one.suggestion)
    assert dict(many.facets) == dict(one.facets)
    assert len(many.hits) == len(one.hits)
    if not scores:
        return

    def key(h):
        return (h.score, h.published, h.views) if h.score is None else (round(h.score, 6),)

    assert [key(h) for h in many.hits] == [key(h) for h in one.hits]
    for a, b in zip(one.hits, many.hits, strict=True):
        if a.score is not None:
            assert b.score == pytest.approx(a.score, abs=1e-6)
    groups_one: dict = {}
    groups_many: dict = {}
    for h in one.hits:
        groups_one.setdefault(key(h), set()).add(h.id)
    for h in many.hits:
        groups_many.setdefault(key(h), set()).add(h.id)
    last = key(one.hits[-1]) if one.hits else None
    for k, ids in groups_one.items():
        if k != last:
            assert groups_many[k] == ids, k


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The example articles in one index and in a 3-shard index."""
    root = tmp_path_factory.mktemp("shards")
    one = Index.create(root / "one")
    one.add_path(EXAMPLES, workers=0)
    many = Index.create(root / "many", shards=3)
    report = many.add_path(EXAMPLES, workers=0)
    assert report.added == len(one)
    yield one, many
    one.close()
    many.close()


def test_layout_and_routing(pair, tmp_path):
    one, many = pair
    manifest = json.loads((many.path / SHARDS_MANIFEST).read_text())
    assert manifest["shards"] == 3 and manifest["format"] == 1
    assert len(many) == len(one) and sorted(many.ids()) == sorted(one.ids())
    for article_id in one.ids():
        with Index.open(shard_folder(many.path, shard_of(article_id, 3))) as shard:
            assert shard.article(article_id) is not None
    assert shard_of("a", 7) == shard_of("a", 7) and {shard_of(str(i), 4) for i in range(100)} == {0, 1, 2, 3}
    assert many.stats().articles == len(one) and many.stats().format == one.stats().format


@pytest.mark.parametrize("query", QUERIES)
def test_sharded_equals_one_index(pair, query):
    one, many = pair
    for kwargs in ({}, {"limit": 3, "offset": 2}, {"sort": "date"}, {"match": "any"}, {"match": "all"}):
        assert_same(one.search(query, **kwargs), many.search(query, **kwargs))
    assert many.organizations(5, query=query) == one.organizations(5, query=query)


def test_reads(pair):
    one, many = pair
    assert many.organizations(10) == one.organizations(10)
    some = next(iter(one.ids()))
    assert many.article(some) == one.article(some)
    assert many.highlight(some, "ban chi dao") == one.highlight(some, "ban chi dao")
    assert many.article("nope") is None and many.highlight("nope", "") is None


def test_word_counts_add_up_over_shards():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, size = int(rng.integers(0, 9)), int(rng.integers(1, 30))
        has = [rng.random(size) < 0.4 for _ in range(n)]
        base = rng.random(size) < 0.8
        labels, keep = [str(j) for j in range(n)], [bool(rng.random() < 0.3) for _ in range(n)]
        args = {"required": int(rng.integers(0, 2)), "question": bool(rng.random() < 0.3), "keep": keep}
        whole = select(has, labels, base, "auto", **args)
        cut = int(rng.integers(0, size + 1))
        parts = [([h[:cut] for h in has], base[:cut]), ([h[cut:] for h in has], base[cut:])]
        choice = choose(WordCounts.of(*parts[0]) + WordCounts.of(*parts[1]), labels, "auto", **args)
        docs = np.concatenate([choice.apply(h, b).docs for h, b in parts])
        assert docs.tolist() == whole.docs.tolist() and choice.relaxed == whole.relaxed and choice.min_words == whole.min_words


def test_update_delete_and_reindex(tmp_path):
    articles = [{"id": f"t{n}", "title": f"Tin số {n}", "body": f"UBND tỉnh Quảng Ninh họp lần {n}."} for n in range(40)]
    with Index.create(tmp_path / "ix", shards=4) as ix:
        assert ix.add(articles, workers=0).added == 40
        again = ix.add([*articles[:10], {"id": "t0", "title": "Tin mới", "body": "Nội dung khác."}], workers=0)
        assert (again.unchanged, again.updated, again.duplicates) == (9, 1, ("t0",))
        assert ix.delete_many(["t1", "t2", "missing"]) == ("t1", "t2") and len(ix) == 38
        assert ix.delete("t3") and not ix.delete("t3")
        report = ix.add(articles, workers=0)
        assert (report.added, report.updated, report.unchanged) == (3, 1, 36)
        assert len(ix) == 40 and sorted(ix.ids()) == sorted(a["id"] for a in articles)
        assert ix.search("quang ninh", limit=50).total == 40


def test_errors(tmp_path):
    with pytest.raises(ArgumentError):
        Index.create(tmp_path / "zero", shards=0)
    assert not (tmp_path / "zero").exists()
    with Index.create(tmp_path / "plain") as plain:
        plain.add([{"id": "a", "title": "Tin", "body": "Nội dung."}], workers=0)
        with pytest.raises(ClusterError, match="not sharded"):
            plain.add([{"id": "b", "title": "Tin", "body": "Nội dung."}], cluster="tcp://127.0.0.1:1")
        assert len(plain) == 1
    with pytest.raises(ClusterError, match="not sharded"):
        Index.open(tmp_path / "plain", cluster="tcp://127.0.0.1:1")
    with pytest.raises(SearchKitError, match="holds an index"):
        Index.create(tmp_path / "plain", shards=2)
    Index.create(tmp_path / "sh", shards=3).close()
    with pytest.raises(SearchKitError, match="already exists"):
        Index.create(tmp_path / "sh", shards=3)
    with pytest.raises(SearchKitError, match="sharded index exists"):
        Index.create(tmp_path / "sh")
    manifest = shard_folder(tmp_path / "sh", 1) / "searchkit.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": 1}))
    with pytest.raises(IndexVersionError):
        Index.open(tmp_path / "sh")
    manifest.write_text(json.dumps(data))
    shutil.rmtree(shard_folder(tmp_path / "sh", 2))
    with pytest.raises(IndexNotFoundError, match=r"shard 2 .* is missing"):
        Index.open(tmp_path / "sh")


def test_cli(tmp_path, capsys):
    ix = tmp_path / "ix"
    assert main(["index", str(EXAMPLES), "--index", str(ix), "--shards", "2"]) == 0
    assert (ix / SHARDS_MANIFEST).exists()
    before = sorted(p.name for p in ix.rglob("*"))
    assert main(["index", str(EXAMPLES), "--index", str(ix), "--shards", "3"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert sorted(p.name for p in ix.rglob("*")) == before
    assert main(["search", "ban chi dao 35", "--index", str(ix), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] >= 1
    assert main(["index", str(EXAMPLES), "--index", str(ix)]) == 0  # incremental: all unchanged
    assert main(["search", "x", "--index", str(tmp_path / "one"), "--cluster", "tcp://127.0.0.1:1"]) == 2
    plain = tmp_path / "plain"
    assert main(["index", str(EXAMPLES), "--index", str(plain), "--workers", "0"]) == 0
    capsys.readouterr()
    assert main(["search", "x", "--index", str(plain), "--cluster", "tcp://127.0.0.1:1"]) == 2
    assert "not sharded" in capsys.readouterr().err


def test_no_dask_at_import():
    import subprocess
    import sys

    code = "import sys, searchkit, searchkit.index.cluster; print('distributed' in sys.modules, 'dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_missing_dask_is_one_line(tmp_path, monkeypatch):
    import sys

    Index.create(tmp_path / "sh", shards=2).close()
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ClusterError, match=r'pip install "searchkit\[cluster\]"'):
        Index.open(tmp_path / "sh", cluster="tcp://127.0.0.1:1")
