"""One index beside 4 shards on a Dask LocalCluster of 1 and of 2 workers (issue #15).

For each setting: indexing speed (articles/s, the index written through the cluster's tasks;
the single index by its own worker processes, as many as the cluster has workers), query
latency p50/p95 (the latency benchmark's 178 queries, top 10 with snippets and facets, after
one warm-up pass), and the identity check: for every query, the same totals and facets, and
the same hits with the same scores (to 1e-6) as the single index (ties compared as sets;
queries whose ranking expands an organization-name prefix are checked on totals and facets
only, see README "Scaling out").

    python benchmarks/cluster.py [--articles 4000]

Needs the cluster extra (pip install -e ".[cluster]") and ../shared/data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import print_table, read_jsonl
from latency import QUERIES

from searchkit import Index

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_shards import assert_same


def timed_queries(ix: Index) -> list[float]:
    for q in QUERIES:
        ix.search(q)
    out = []
    for q in QUERIES:
        started = time.perf_counter()
        ix.search(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def identical(one: Index, many: Index) -> tuple[int, int]:
    """(queries identical, queries checked)."""
    same = 0
    for q in QUERIES:
        try:
            assert_same(one.search(q), many.search(q))
            same += 1
        except AssertionError:
            pass
    return same, len(QUERIES)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    import distributed

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=4000)
    args = parser.parse_args()
    articles = list(read_jsonl("vntc/news.jsonl.gz", args.articles))
    root = Path(tempfile.mkdtemp(prefix="searchkit-cluster-"))
    rows = []
    for workers in (1, 2):
        one_path = root / f"one-{workers}"
        started = time.perf_counter()
        with Index.create(one_path) as one:
            one.add(articles, workers=workers)
        one_rate = len(articles) / (time.perf_counter() - started)
        with distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        ) as lc, distributed.Client(lc) as client:
            path = root / f"sharded-{workers}"
            started = time.perf_counter()
            with Index.create(path, shards=4) as ix:
                ix.add(articles, cluster=client)
            rate = len(articles) / (time.perf_counter() - started)
            with Index.open(one_path) as one, Index.open(path, cluster=client) as remote, Index.open(path) as local:
                t_one, t_remote, t_local = timed_queries(one), timed_queries(remote), timed_queries(local)
                same_remote, n = identical(one, remote)
                same_local, _ = identical(one, local)
        rows.append([f"one index, {workers} worker process(es)", f"{one_rate:.0f}", f"{p(t_one, 50):.1f}", f"{p(t_one, 95):.1f}", "-"])
        rows.append([f"4 shards, LocalCluster of {workers}", f"{rate:.0f}", f"{p(t_remote, 50):.1f}", f"{p(t_remote, 95):.1f}", f"{same_remote}/{n}"])
        rows.append(["4 shards, searched locally (threads)", "-", f"{p(t_local, 50):.1f}", f"{p(t_local, 95):.1f}", f"{same_local}/{n}"])
    print_table(
        f"{len(articles):,} VNTC articles; {len(QUERIES)} queries, top 10 with snippets and facets (ms)",
        ["setting", "indexing articles/s", "query p50", "query p95", "identical to one index"],
        rows,
    )


if __name__ == "__main__":
    main()
