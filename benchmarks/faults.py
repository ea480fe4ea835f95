"""Fault runs: what an index survives (issue #10), searchkit beside stock Whoosh where both apply.

Four bounded probes, each printing cases and failures:

* **kill -9 while indexing**: a process indexes articles (workers on, a commit every 250),
  is killed at a random moment, then the index is opened (checksums verified), searched, and
  the same run is repeated to completion. A failure is an index that does not open, a count
  that is not a committed state, a worker that outlives its parent by more than 5 s, or a
  re-run that does not end with exactly the input's ids.
* **single-byte flips and truncations** of a random index file: searchkit opens with
  checksums; a case is *detected* (one IndexCorruptError naming the file), *raw* (any other
  exception) or *silent* (no error). Stock Whoosh gets the same flips on its own index and
  is scored by whether it raised or returned results different from the undamaged index.
* **readers during commits**: two threads search, count and highlight while another process
  commits and deletes for the given time; a failure is any exception.
* **query fuzz**: random queries (operators, quotes, fields, Vietnamese letters, invisible
  characters, surrogates); a failure is any exception other than QuerySyntaxError.

Run: ``python benchmarks/faults.py [--kills 10] [--flips 100] [--queries 5000] [--seconds 30]``.
Uses the first VNTC articles when ../shared/data is present, generated articles otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _common import DATA, REPO, WORK, print_table, read_jsonl

from searchkit import Index
from searchkit.errors import IndexCorruptError, QuerySyntaxError, SearchKitError
from searchkit.index.storage import MANIFEST, is_ours

_INDEXER = """
import sys
from searchkit import Index
ix = Index.open_or_create(sys.argv[2])
ix.add_path(sys.argv[1], commit_every=250, workers=2)
ix.close()
"""

_WRITER = """
import sys, time
from searchkit import Index
end = time.time() + float(sys.argv[2])
n = 0
with Index.open(sys.argv[1]) as ix:
    while time.time() < end:
        ix.add([{"id": f"w{n}-{i}", "title": f"Thành ủy Đà Nẵng họp lần {n}",
                 "body": "Ban Chỉ đạo 35 thành phố họp bàn công tác tuyên truyền."} for i in range(5)], workers=0)
        if n % 3 == 2:
            ix.delete_many([f"w{n - 1}-{i}" for i in range(5)])
        n += 1
"""


def _articles(n: int) -> list[dict[str, Any]]:
    if (DATA / "vntc" / "news.jsonl.gz").exists():
        return [
            {"id": a["id"], "title": a["title"], "body": a["body"], "category": a.get("category_vi")}
            for a in read_jsonl("vntc/news.jsonl.gz", n)
        ]
    places = ["Quảng Ninh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Nghệ An"]
    return [
        {"id": f"tin-{i}", "title": f"UBND tỉnh {places[i % 5]} họp phiên số {i}",
         "body": f"Ủy ban nhân dân tỉnh {places[i % 5]} bàn kế hoạch số {i}/KH-UBND về chuyển đổi số. " * 20}
        for i in range(n)
    ]


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_runs(runs: int, articles: list[dict[str, Any]], rng: random.Random) -> list[object]:
    folder = WORK / "faults" / "kill"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    src = folder / "src.jsonl"
    src.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in articles), encoding="utf-8")
    ids = {str(a["id"]) for a in articles}
    failures, orphans, states = 0, 0, []
    for run in range(runs):
        ix = folder / f"ix{run // 2}"  # every second run continues an interrupted index
        proc = subprocess.Popen([sys.executable, "-c", _INDEXER, str(src), str(ix)])
        deadline = time.time() + rng.uniform(1.0, 12.0)
        children: set[int] = set()
        while time.time() < deadline and proc.poll() is None:
            children.update(_children(proc.pid))
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(5)
        orphans += sum(_alive(c) for c in children)
        try:
            with Index.open(ix) as index:
                committed = len(index)
                index.search("ủy ban nhân dân", limit=5)
            states.append(committed)
            subprocess.run([sys.executable, "-c", _INDEXER, str(src), str(ix)], check=True)
            with Index.open(ix) as index:
                got = set(index.ids())
                if got != ids or len(index) != len(ids):
                    failures += 1
        except (SearchKitError, subprocess.CalledProcessError) as e:
            print(f"kill run {run}: {e}", file=sys.stderr)
            failures += 1
    return ["kill -9 while indexing, then re-run", runs, failures + orphans,
            f"committed counts seen: {sorted(set(states))}; orphan workers: {orphans}"]


def _stock_whoosh(folder: Path, articles: list[dict[str, Any]]) -> Any:
    from whoosh import index as windex
    from whoosh.fields import ID, TEXT, Schema

    folder.mkdir(parents=True)
    ix = windex.create_in(str(folder), Schema(id=ID(stored=True, unique=True), title=TEXT(stored=True), body=TEXT))
    with ix.writer() as w:
        for a in articles:
            w.add_document(id=str(a["id"]), title=a["title"], body=a["body"])
    return ix


def _stock_results(folder: Path, queries: list[str]) -> list[list[str]]:
    from whoosh import index as windex
    from whoosh.qparser import OrGroup, QueryParser

    ix = windex.open_dir(str(folder))
    with ix.searcher() as s:
        parser = QueryParser("body", ix.schema, group=OrGroup)
        return [[h["id"] for h in s.search(parser.parse(q), limit=10)] for q in queries]


def flip_runs(cases: int, articles: list[dict[str, Any]], rng: random.Random) -> list[list[object]]:
    """Flip one bit (every fifth case: truncate) of a random file, open and search."""
    folder = WORK / "faults" / "flip"
    shutil.rmtree(folder, ignore_errors=True)
    ours, stock = folder / "searchkit", folder / "whoosh"
    with Index.create(ours) as ix:
        ix.add(articles, workers=0, commit_every=len(articles) // 3)
    _stock_whoosh(stock, articles)
    queries = ["ủy ban nhân dân", "thành phố", "bóng đá", "kinh tế", "giáo dục"]
    baseline = _stock_results(stock, queries)
    mine = [p for p in ours.iterdir() if p.is_file() and is_ours(p.name, "MAIN") and p.name != MANIFEST
            and p.stat().st_size]
    theirs = [p for p in stock.iterdir() if p.is_file() and p.stat().st_size and "LOCK" not in p.name]
    outcomes: dict[str, dict[str, int]] = {"searchkit": {}, "whoosh": {}}
    for case in range(cases):
        truncate = case % 5 == 4
        for engine, files in (("searchkit", mine), ("whoosh", theirs)):
            victim = rng.choice(files)
            data = victim.read_bytes()
            at = rng.randrange(len(data))
            damaged = data[:at] if truncate else data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
            victim.write_bytes(damaged)
            try:
                outcome = _probe_searchkit(ours, victim) if engine == "searchkit" else _probe_whoosh(stock, queries, baseline)
            finally:
                victim.write_bytes(data)
            outcomes[engine][outcome] = outcomes[engine].get(outcome, 0) + 1
    ours_seen, theirs_seen = outcomes["searchkit"], outcomes["whoosh"]
    return [
        ["byte flips / truncations (searchkit)", cases, cases - ours_seen.get("named", 0),
         ", ".join(f"{k} {v}" for k, v in sorted(ours_seen.items()))],
        ["byte flips / truncations (Whoosh stock)", cases, theirs_seen.get("wrong results, no error", 0),
         ", ".join(f"{k} {v}" for k, v in sorted(theirs_seen.items()))],
    ]


def _probe_searchkit(folder: Path, victim: Path) -> str:
    try:
        with Index.open(folder) as ix:
            ix.search("ủy ban nhân dân", limit=10)
    except IndexCorruptError as e:
        return "named" if victim.name in str(e) else "error without the file's name"
    except Exception:
        return "raw exception"
    return "no error"


def _probe_whoosh(folder: Path, queries: list[str], baseline: list[list[str]]) -> str:
    try:
        got = _stock_results(folder, queries)
    except Exception:
        return "raw exception"
    return "wrong results, no error" if got != baseline else "no visible change"


def reader_run(seconds: float, articles: list[dict[str, Any]]) -> list[object]:
    folder = WORK / "faults" / "readers"
    shutil.rmtree(folder, ignore_errors=True)
    with Index.create(folder) as ix:
        ix.add(articles[:300], workers=0)
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), str(seconds)])
    errors: list[str] = []
    searches = [0]
    with Index.open(folder) as ix:

        def read() -> None:
            while writer.poll() is None:
                try:
                    results = ix.search("thành ủy đà nẵng", limit=5)
                    len(ix)
                    for hit in results.hits[:2]:
                        ix.highlight(hit.id, "ban chỉ đạo")
                    searches[0] += 1
                except Exception as e:
                    errors.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    writer.wait()
    return ["reads while another process commits", searches[0], len(errors),
            f"{seconds:.0f} s, 2 reader threads" + (f"; first error: {errors[0]}" if errors else "")]


_ALPHABET = [*"ab cđêơưăâ\"'()+-*:?~^.,/\\", "AND", "OR", "NOT", "org:", "title:", "date:", "category:",
             "\u200b", "\u0301", "\ud800", "\u00a0", "Ủy", "ban", "35-NQ/TW"]


def query_fuzz(cases: int, articles: list[dict[str, Any]], rng: random.Random) -> list[object]:
    folder = WORK / "faults" / "queries"
    shutil.rmtree(folder, ignore_errors=True)
    failures: list[str] = []
    with Index.create(folder) as ix:
        ix.add(articles[:200], workers=0)
        for _ in range(cases):
            query = "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(1, 30)))
            try:
                ix.search(query, limit=5)
            except QuerySyntaxError:
                pass
            except Exception as e:
                failures.append(f"{query!r}: {type(e).__name__}: {e}")
    return ["fuzzed queries", cases, len(failures), failures[0] if failures else ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--flips", type=int, default=100)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(2026)
    articles = _articles(args.articles)
    os.chdir(REPO)
    rows: list[list[object]] = []
    rows.append(kill_runs(args.kills, articles, rng))
    rows.extend(flip_runs(args.flips, articles[:400], rng))
    rows.append(reader_run(args.seconds, articles))
    rows.append(query_fuzz(args.queries, articles, rng))
    print_table(f"Fault runs ({len(articles):,} articles)", ["probe", "cases", "failures", "notes"], rows)


if __name__ == "__main__":
    main()
