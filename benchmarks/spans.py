"""CPU time of indexing's text analysis: ``word_spans`` and ``view_terms`` per VNTC article.

What an indexing worker runs on each title and body (``searchkit.index.writing.prepare``),
measured in CPU seconds (``time.process_time``, steadier than wall clock on a shared machine),
with the term and syllable caches emptied before each pass as a worker empties them after each
segment. With ``--peer``, another checkout (e.g. a worktree of main) is measured by the same
code in fresh processes, alternating with this one, and the ratios are printed.

Usage::

    python benchmarks/spans.py [--articles N] [--passes P] [--rounds R] [--peer PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import REPO, print_table, read_jsonl


def measure(articles: int, passes: int) -> dict[str, float]:
    """Best-of-``passes`` CPU ms an article of word_spans and view_terms (run in a child)."""
    from searchkit.index.writing import forget_terms
    from searchkit.text.normalize import normalize
    from searchkit.text.segment import word_spans
    from searchkit.text.terms import view_terms

    texts = [(t, normalize(t) == t) for a in read_jsonl("vntc/news.jsonl.gz", articles) for t in (a["title"], a["body"])]
    word_spans("Ban Chỉ đạo")  # load the model outside the timings
    best = {"word_spans": float("inf"), "view_terms": float("inf")}
    for _ in range(passes):
        forget_terms()
        spans_s = terms_s = 0.0
        for text, normalized in texts:
            t0 = time.process_time()
            spans = word_spans(text, normalized=normalized)
            t1 = time.process_time()
            view_terms(text, spans)
            spans_s += t1 - t0
            terms_s += time.process_time() - t1
        best = {"word_spans": min(best["word_spans"], spans_s), "view_terms": min(best["view_terms"], terms_s)}
    return {k: v * 1000 / articles for k, v in best.items()}


def run(checkout: Path, articles: int, passes: int) -> dict[str, float]:
    """:func:`measure` in a fresh process importing searchkit from ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, __file__, "--child", "--articles", str(articles), "--passes", str(passes)]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="first N VNTC articles (default 2000)")
    parser.add_argument("--passes", type=int, default=3, help="passes a process, best kept (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="processes per checkout, alternated (default 3)")
    parser.add_argument("--peer", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.articles, args.passes)))
        return
    checkouts = {"this checkout": REPO} | ({"peer": args.peer.resolve()} if args.peer else {})
    rows = []
    for r in range(1, args.rounds + 1):
        found = {name: run(path, args.articles, args.passes) for name, path in checkouts.items()}
        for name, ms in found.items():
            total = ms["word_spans"] + ms["view_terms"]
            ratio = f"{total / sum(found['peer'].values()):.3f}" if args.peer else "-"
            rows.append([r, name, ms["word_spans"], ms["view_terms"], total, ratio])
    title = f"CPU ms an article, first {args.articles} VNTC articles (best of {args.passes} passes a process)"
    print_table(title, ["round", "checkout", "word_spans", "view_terms", "sum", "sum ÷ peer"], rows)


if __name__ == "__main__":
    main()
