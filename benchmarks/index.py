"""Benchmark indexing speed: searchkit against stock Whoosh and tantivy, in the same run.

Indexes the first N articles of ``vntc/news.jsonl.gz`` (fields ``id``, ``title``, ``body``)
with each engine and prints one table: articles/s, million characters/s (title + body),
peak memory and index size.

* **searchkit**: the full pipeline, ``Index.create(...).add(dicts)`` with default workers
  (normalization, word segmentation, organization names, three views of each text field,
  incremental bookkeeping, commits every 10,000 articles).
* **whoosh**: Whoosh 2.7.4 with its stock ``StandardAnalyzer``, ``title`` and ``body`` as
  stored ``TEXT`` fields, one writer, one commit.
* **tantivy**: tantivy-py with its default tokenizer, ``title`` and ``body`` stored text
  fields, one writer, one commit.

Each engine runs in its own child process (``--engine``), so start-up, imports and memory do
not leak between them. The articles are read from the file before the clock starts; the
time covers building the index and committing it. With ``--stream`` each engine reads them
from the file while it indexes (as from an archive on disk): the time then includes reading,
and memory holds no input, so peak RSS is what the engine itself needs. Peak memory is the largest total RSS of
the child and all its descendants (searchkit's analysis workers), sampled every 20 ms from
``/proc``; "over input" subtracts the child's RSS once the articles are loaded (the input
held in memory, the same for every engine: about 50 MB for 8,000 articles, 200 MB for all),
which leaves what the engine itself takes.

Usage::

    python benchmarks/index.py [--articles N] [--full] [--stream] [--engines searchkit,whoosh,tantivy]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

if importlib.util.find_spec("searchkit") is None:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import dir_size_mb, need, print_table, read_jsonl, tree_rss_mb

CORPUS = "vntc/news.jsonl.gz"
ALL_ARTICLES = 39_786
ENGINES = ("searchkit", "whoosh", "tantivy")


def _load(limit: int) -> list[dict[str, str]]:
    return [{"id": str(d["id"]), "title": d["title"], "body": d["body"]} for d in read_jsonl(CORPUS, limit)]


def _stream(limit: int, counts: dict[str, int]) -> Iterator[dict[str, str]]:
    """The articles read one by one from the file, counted into ``counts`` as they pass."""
    for d in read_jsonl(CORPUS, limit):
        counts["articles"] += 1
        counts["chars"] += len(d["title"]) + len(d["body"])
        yield {"id": str(d["id"]), "title": d["title"], "body": d["body"]}


def _run_searchkit(docs: Iterable[dict[str, str]], folder: Path) -> None:
    import searchkit

    with searchkit.Index.create(folder) as ix:
        report = ix.add(docs)
        if report.failed:
            raise SystemExit(f"searchkit failed on {len(report.failed)} articles: {report.failed[:3]}")


def _run_whoosh(docs: Iterable[dict[str, str]], folder: Path) -> None:
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=TEXT(analyzer=StandardAnalyzer(), stored=True),
    )
    ix = index.create_in(str(folder), schema)
    writer = ix.writer()
    for d in docs:
        writer.add_document(id=d["id"], title=d["title"], body=d["body"])
    writer.commit()


def _run_tantivy(docs: Iterable[dict[str, str]], folder: Path) -> None:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    ix = tantivy.Index(builder.build(), path=str(folder))
    writer = ix.writer()
    for d in docs:
        writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
    writer.commit()
    writer.wait_merging_threads()


_RUNNERS = {"searchkit": _run_searchkit, "whoosh": _run_whoosh, "tantivy": _run_tantivy}


def child(engine: str, articles: int, stream: bool) -> None:
    """Index in this process and print one JSON line of figures."""
    counts = {"articles": 0, "chars": 0}
    docs: Iterable[dict[str, str]]
    if stream:
        docs = _stream(articles, counts)
    else:
        docs = _load(articles)
        counts = {"articles": len(docs), "chars": sum(len(d["title"]) + len(d["body"]) for d in docs)}
    loaded = tree_rss_mb(os.getpid())
    folder = Path(tempfile.mkdtemp(prefix=f"bench-index-{engine}-"))
    try:
        started = time.perf_counter()
        _RUNNERS[engine](docs, folder)
        seconds = time.perf_counter() - started
        size = dir_size_mb(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({**counts, "seconds": seconds, "size_mb": size, "input_mb": loaded}))


def measure(engine: str, articles: int, stream: bool = False) -> dict[str, float]:
    """Run one engine in a child process, sampling the memory of its process tree."""
    cmd = [sys.executable, __file__, "--engine", engine, "--articles", str(articles)] + (["--stream"] if stream else [])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.02)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{engine} failed (exit {proc.returncode})")
    figures = json.loads(out.strip().splitlines()[-1])
    figures["peak_mb"] = peak
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="how many VNTC articles (default 5,000)")
    parser.add_argument("--full", action="store_true", help=f"all {ALL_ARTICLES:,} articles")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ", ".join(ENGINES))
    parser.add_argument("--stream", action="store_true", help="read the articles while indexing (no input held in memory)")
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    articles = ALL_ARTICLES if args.full else args.articles
    if args.engine:
        child(args.engine, articles, args.stream)
        return
    need(CORPUS)
    rows = []
    for engine in args.engines.split(","):
        f = measure(engine.strip(), articles, args.stream)
        rows.append(
            [
                engine,
                f"{f['articles']:,}",
                f"{f['seconds']:.1f}",
                f"{f['articles'] / f['seconds']:,.0f}",
                f"{f['chars'] / f['seconds'] / 1e6:.2f}",
                f"{f['peak_mb']:,.0f}",
                f"{f['peak_mb'] - f['input_mb']:,.0f}",
                f"{f['size_mb']:,.1f}",
            ]
        )
    header = ["engine", "articles", "seconds", "articles/s", "Mchar/s", "peak RSS MB", "over input", "index MB"]
    print_table(f"Indexing {CORPUS} ({os.cpu_count()} cores)", header, rows)


if __name__ == "__main__":
    main()
