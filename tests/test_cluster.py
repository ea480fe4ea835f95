"""Sharded indexes on a real Dask cluster: a LocalCluster of two worker processes on loopback.

Indexing through the cluster, searching through its actors and locally gives the results of
one index of the same articles; a worker killed while indexing loses nothing; deleting and
re-indexing; the errors; a script without a ``__main__`` guard and ``python -`` as callers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import read_jsonl
from test_shards import assert_same

from searchkit import ClusterError, Index
from searchkit.index import cluster as cluster_module
from searchkit.ui.cli import main

distributed = pytest.importorskip("distributed")

ARTICLES = 600
QUERIES = [
    "ban chi dao", "covid 19", "thu tuong", "học sinh", "vắc xin", "Hà Nội", "giá vàng hôm nay", "tai nạn giao thông",
    "xe máy", "bóng đá", '"Bộ Y tế"', "nhà nước ta là gì?", "ngập lụt miền trung", "UBND thành phố", "xyzzy ha noi",
]
VARIANTS = [{}, {"limit": 5, "offset": 4}, {"sort": "date"}, {"match": "any"}]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as lc, distributed.Client(lc) as c:
        yield c


@pytest.fixture(scope="module")
def articles():
    return list(read_jsonl("news_modern/news.jsonl.gz", ARTICLES))


@pytest.fixture(scope="module")
def built(client, articles, tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    one = Index.create(root / "one")
    one.add(articles, workers=2)
    sharded = Index.create(root / "sharded", shards=4)
    report = sharded.add(articles, cluster=client, commit_every=250)
    assert (report.added, len(sharded)) == (len(articles), len(articles))
    sharded.close()
    yield one, root / "sharded"
    one.close()


def test_sharded_equals_one_index_through_the_cluster_and_locally(built, client):
    one, path = built
    checked = 0
    with Index.open(path, cluster=client) as remote, Index.open(path) as local:
        for query in QUERIES:
            for kwargs in VARIANTS:
                expected = one.search(query, **kwargs)
                for many in (remote, local):
                    assert_same(expected, many.search(query, **kwargs))
                checked += 1
            assert remote.organizations(10, query=query) == one.organizations(10, query=query)
        assert remote.organizations(20) == one.organizations(20)
    assert checked >= 50


def test_delete_and_reindex_on_the_cluster(built, client, articles):
    _, path = built
    gone = [a["id"] for a in articles[:5]]
    with Index.open(path, cluster=client) as ix:
        before = ix.search("ha noi", limit=0).total
        assert ix.delete_many(gone) == tuple(gone)
        assert len(ix) == len(articles) - 5
        found = {h.id for h in ix.search(articles[0]["title"], limit=50).hits}
        assert not found & set(gone)
        report = ix.add(articles[:10], cluster=client)
        assert (report.added, report.unchanged) == (5, 5)
        assert len(ix) == len(articles) and ix.search("ha noi", limit=0).total == before
        assert articles[0]["id"] in {h.id for h in ix.search(articles[0]["title"], limit=50).hits}


def test_a_worker_killed_while_indexing_loses_nothing(client, articles, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_module, "BATCH", 20)
    some = articles[:240]
    pids = list(client.run(os.getpid).values())
    outcome: dict = {}

    def run() -> None:
        try:
            with Index.create(tmp_path / "ix", shards=2) as ix:
                outcome["report"] = ix.add(some, cluster=client, commit_every=60)
        except ClusterError as e:  # the task failed too often: one line, the rerun completes
            outcome["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not client.processing() or not any(client.processing().values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(pids[0], signal.SIGKILL)
    thread.join(300)
    assert not thread.is_alive()
    if "error" in outcome:
        assert "\n" not in str(outcome["error"])
    client.wait_for_workers(2, timeout=60)
    with Index.open(tmp_path / "ix") as ix:
        report = ix.add(some, cluster=client)
        assert report.added + report.unchanged == len(some) and not report.failed
        ids = list(ix.ids())
        assert len(ids) == len(set(ids)) == len(some)


def test_errors(built, monkeypatch, capsys):
    _, path = built
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1.0)
    started = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        Index.open(path, cluster="tcp://127.0.0.1:9")
    assert main(["search", "ban chi dao", "--index", str(path), "--cluster", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot reach the Dask scheduler" in err and len(err.splitlines()) == 1
    assert time.monotonic() - started < 30


SCRIPT = """
import sys
import searchkit
src, path, address = sys.argv[1:4] if len(sys.argv) > 3 else (SRC, PATH, ADDRESS)
ix = searchkit.Index.create(path, shards=2)
print("added", ix.add_path(src, cluster=address).added)
ix.close()
with searchkit.Index.open(path, cluster=address) as ix:
    print("total", ix.search("ban chi dao 35").total)
"""


@pytest.mark.parametrize("door", ["script", "stdin"])
def test_callers_without_a_main_guard(client, tmp_path, door):
    from conftest import EXAMPLES

    address = client.scheduler.address
    target = tmp_path / "ix"
    if door == "script":
        script = tmp_path / "use.py"
        script.write_text(SCRIPT, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script), str(EXAMPLES), str(target), address], capture_output=True, text=True, timeout=300)
    else:
        code = f"SRC, PATH, ADDRESS = {str(EXAMPLES)!r}, {str(target)!r}, {address!r}\n" + SCRIPT
        done = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.split("\n")
    assert lines[0].startswith("added ") and int(lines[0].split()[1]) > 0
    assert lines[1].startswith("total ") and int(lines[1].split()[1]) > 0
