"""A 10× archive: index ~400,000 articles and measure how speed, memory, size and latency grow.

There is no real Vietnamese news set of that size here, so the archive is VNTC (39,786 articles) repeated:
copy ``k`` of an article gets the id ``<id>~k`` and lightly varied text (every digit shifted by ``k``, and a
closing line naming the copy), so each copy is a distinct article with a few terms of its own, as real news
has (dates, figures), while the vocabulary grows the slow way real archives' does.

searchkit indexes the stream with its defaults (``Index.create(...).add(...)``, worker processes, a commit
every 10,000 articles), one ``add`` call per step: 40,000 articles, then on to 50,000, then 50,000 at a time.
Each step reports articles/s, the CPU time an article of this process (reading, id lookups, commits) and
of the workers (``getrusage``: CPU, unlike the rate, is little moved by other jobs on the machine), the peak
memory of the whole process tree (this process and its workers, sampled every 50 ms from ``/proc``) and the
index size. At 40,000 articles and at the end the index is
closed, opened again and searched with the query list of ``benchmarks/latency.py`` (top 10 with snippets and
facets): the first run of each query after opening, then the same queries warm (median of three runs each).

Peers in the same run: tantivy-py (default tokenizer, title and body stored) indexes the same stream to the
same sizes and runs the same queries; stock Whoosh (``StandardAnalyzer``) indexes the first 40,000 only (at
its ~200 articles/s the full archive would take over half an hour).

    python benchmarks/scale.py [--articles 400000] [--plot benchmarks/scale.png] [--no-peers]
    python benchmarks/scale.py --latency-only benchmarks/_work/scale   # the latency of the indexes left there

Figures go to ``benchmarks/_work/scale/results.json``; ``--plot`` draws throughput and memory against the
number of articles (needs matplotlib, in the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from _common import WORK, dir_size_mb, need, print_table, read_jsonl, tree_rss_mb
from latency import QUERIES, percentile, tantivy_query_runner

from searchkit import Index

CORPUS = "vntc/news.jsonl.gz"
FIRST = 40_000  # the checkpoint the issue compares with
STEP = 50_000  # a row every STEP articles
_DIGITS = re.compile("[0-9]+")


def _shift(k: int) -> Callable[[str], str]:
    """Every digit of a text shifted by ``k``. Only the runs of digits are translated: ``str.translate``
    of a whole Vietnamese text takes its slow path (0.1 ms an article, in the process being measured)."""
    table = str.maketrans("0123456789", "".join(str((d + k) % 10) for d in range(10)))
    return lambda text: _DIGITS.sub(lambda m: m.group().translate(table), text)


def stream(total: int) -> Iterator[dict[str, str]]:
    """``total`` articles: VNTC, then its copies 1, 2, … with distinct ids and lightly varied text."""
    made = 0
    k = 0
    while made < total:
        shift = _shift(k)
        for d in read_jsonl(CORPUS):
            if made >= total:
                return
            if k == 0:
                yield {"id": d["id"], "title": d["title"], "body": d["body"]}
            else:
                yield {
                    "id": f"{d['id']}~{k}",
                    "title": shift(d["title"]),
                    "body": f"{shift(d['body'])}\n\nBản lưu trữ số {k}, mục {made % 997 + 1}.",
                }
            made += 1
        k += 1


class PeakMemory:
    """The largest total RSS of this process tree while the ``with`` block runs (sampled every 50 ms)."""

    def __enter__(self) -> PeakMemory:
        self.peak = tree_rss_mb(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def latency(run: object, queries: list[str]) -> dict[str, float]:
    """First run of each query (just after opening), then warm: median of three runs each; ms."""
    first, warm = [], []
    for q in queries:
        t0 = time.perf_counter()
        run(q)  # type: ignore[operator]
        first.append((time.perf_counter() - t0) * 1000)
    for q in queries:
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            run(q)  # type: ignore[operator]
            samples.append((time.perf_counter() - t0) * 1000)
        warm.append(statistics.median(samples))
    return {
        "first_p50": percentile(first, 50),
        "first_p95": percentile(first, 95),
        "warm_p50": percentile(warm, 50),
        "warm_p95": percentile(warm, 95),
    }


def searchkit_latency(folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    with Index.open(folder) as ix:
        ix.search(QUERIES[0], limit=10)
        opened = (time.perf_counter() - started) * 1000
    with Index.open(folder) as ix:
        figures = latency(lambda q: ix.search(q, limit=10).total, QUERIES)
    return {**figures, "open_first_ms": opened}


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process and of its finished children (the workers of past add calls)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def run_searchkit(total: int, folder: Path, first: int = FIRST, step: int = STEP) -> list[dict[str, float]]:
    rows: list[dict[str, float]] = []
    articles = stream(total)
    done = 0
    ix = Index.create(folder, overwrite=True)
    try:
        while done < total:
            size = min(first if done == 0 else step - done % step, total - done)
            with PeakMemory() as memory:
                started, cpu = time.perf_counter(), _cpu()
                report = ix.add(islice(articles, size))
                seconds, (main_cpu, workers_cpu) = time.perf_counter() - started, (b - a for a, b in zip(cpu, _cpu(), strict=True))
            if report.added != size:
                raise SystemExit(f"searchkit indexed {report.added} of {size}: {report.failed[:3]}")
            done += size
            row = {"articles": done, "rate": size / seconds, "peak_mb": memory.peak, "size_mb": dir_size_mb(folder),
                   "main_ms": 1000 * main_cpu / size, "workers_ms": 1000 * workers_cpu / size}
            print(f"searchkit {done:>8,}: {row['rate']:,.0f} articles/s, peak {row['peak_mb']:,.0f} MB, {row['size_mb']:,.0f} MB on disk, "
                  f"CPU ms an article: this process {row['main_ms']:.2f}, workers {row['workers_ms']:.2f}", flush=True)
            if done in (first, total):
                ix.close()
                row.update(searchkit_latency(folder))
                print(f"          latency: {json.dumps({k: round(v, 1) for k, v in row.items() if '_p' in k or 'open' in k})}", flush=True)
                ix = Index.open(folder)
            rows.append(row)
    finally:
        ix.close()
    return rows


def run_tantivy(total: int, folder: Path, first: int = FIRST) -> list[dict[str, float]]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    schema = builder.build()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = tantivy.Index(schema, path=str(folder))
    rows: list[dict[str, float]] = []
    articles = stream(total)
    done = 0
    for size in (first, total - first):
        with PeakMemory() as memory:
            started = time.perf_counter()
            writer = ix.writer()
            for d in islice(articles, size):
                writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
            writer.commit()
            writer.wait_merging_threads()
            seconds = time.perf_counter() - started
        done += size
        ix.reload()
        run = tantivy_query_runner(ix, schema)
        row = {"articles": done, "rate": size / seconds, "peak_mb": memory.peak, "size_mb": dir_size_mb(folder), **latency(run, QUERIES)}
        print(f"tantivy   {done:>8,}: {row['rate']:,.0f} articles/s, {row['size_mb']:,.0f} MB, warm p95 {row['warm_p95']:.1f} ms", flush=True)
        rows.append(row)
        if done >= total:
            break
    return rows


def latency_only(folder: Path) -> dict[str, dict[str, float]]:
    """Latency of the indexes a run left in ``folder`` (``searchkit/``, and ``tantivy/`` when
    there): the same measurement as after indexing, without indexing again."""
    out = {"searchkit": searchkit_latency(folder / "searchkit")}
    if (folder / "tantivy").exists():
        import tantivy

        ix = tantivy.Index.open(str(folder / "tantivy"))
        out["tantivy"] = latency(tantivy_query_runner(ix, ix.schema), QUERIES)
    return out


def run_whoosh(folder: Path, first: int = FIRST) -> dict[str, float]:
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    schema = Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=StandardAnalyzer(), stored=True), body=TEXT(analyzer=StandardAnalyzer(), stored=True))
    with PeakMemory() as memory:
        started = time.perf_counter()
        ix = index.create_in(str(folder), schema)
        writer = ix.writer()
        for d in stream(first):
            writer.add_document(id=d["id"], title=d["title"], body=d["body"])
        writer.commit()
        seconds = time.perf_counter() - started
    row = {"articles": first, "rate": first / seconds, "peak_mb": memory.peak, "size_mb": dir_size_mb(folder)}
    print(f"whoosh    {first:>8,}: {row['rate']:,.0f} articles/s, peak {row['peak_mb']:,.0f} MB, {row['size_mb']:,.0f} MB", flush=True)
    return row


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["searchkit"]
    xs = [r["articles"] / 1000 for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(xs, [r["rate"] for r in rows], marker="o", label="searchkit")
    if results.get("whoosh"):
        whoosh = results["whoosh"]
        left.scatter([whoosh["articles"] / 1000], [whoosh["rate"]], color="tab:red", label=f"stock Whoosh ({whoosh['articles']:,})")
    left.set(xlabel="articles indexed (thousands)", ylabel="articles/s in the step", title="Indexing throughput", ylim=(0, None))
    left.legend()
    right.plot(xs, [r["peak_mb"] for r in rows], marker="o", label="peak RSS, process tree (MB)")
    right.plot(xs, [r["size_mb"] for r in rows], marker="s", label="index size (MB)")
    right.set(xlabel="articles indexed (thousands)", ylabel="MB", title="Memory and size", ylim=(0, None))
    right.legend()
    fig.suptitle(f"searchkit on a {rows[-1]['articles']:,}-article archive ({results['date']}, {os.cpu_count()} cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400_000, help="archive size (default 400,000)")
    parser.add_argument("--plot", type=Path, help="write the curve to this PNG (needs matplotlib)")
    parser.add_argument("--no-peers", action="store_true", help="searchkit only")
    parser.add_argument("--latency-only", type=Path, metavar="DIR",
                        help="index nothing: measure the latency of the searchkit/ and tantivy/ indexes an earlier run left in DIR")
    parser.add_argument("--first", type=int, default=FIRST, help=argparse.SUPPRESS)  # smaller checkpoints for a smoke run
    parser.add_argument("--step", type=int, default=STEP, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.latency_only:
        for engine, figures in latency_only(args.latency_only).items():
            print(f"{engine:9s} {json.dumps({k: round(v, 1) for k, v in figures.items()})}", flush=True)
        return
    if args.articles <= args.first:
        raise SystemExit(f"--articles must be more than {args.first:,}")
    need(CORPUS)
    out = WORK / "scale"
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"date": time.strftime("%Y-%m-%d"), "articles": args.articles}
    results["searchkit"] = run_searchkit(args.articles, out / "searchkit", args.first, args.step)
    if not args.no_peers:
        results["tantivy"] = run_tantivy(args.articles, out / "tantivy", args.first)
        results["whoosh"] = run_whoosh(out / "whoosh", args.first)
    (out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    rows = [
        [f"{r['articles']:,}", f"{r['rate']:,.0f}", f"{r['main_ms']:.2f}", f"{r['workers_ms']:.2f}", f"{r['peak_mb']:,.0f}", f"{r['size_mb']:,.0f}",
         *(f"{r[k]:.1f}" if k in r else "" for k in ("warm_p50", "warm_p95", "first_p50", "first_p95", "open_first_ms"))]
        for r in results["searchkit"]
    ]
    header = ["articles", "articles/s", "main CPU ms/art", "workers CPU ms/art", "peak RSS MB",
              "index MB", "warm p50", "warm p95", "first p50", "first p95", "open+1st ms"]
    print_table("searchkit, step by step", header, rows)
    first, last = results["searchkit"][0], results["searchkit"][-1]
    print(f"throughput at {last['articles']:,} / at {first['articles']:,}: {last['rate'] / first['rate']:.2f}")
    print(f"peak memory at {last['articles']:,} / at {first['articles']:,}: {last['peak_mb'] / first['peak_mb']:.2f}")
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
