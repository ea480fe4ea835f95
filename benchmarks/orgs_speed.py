"""CPU time of find_orgs on VNTC: against segment() on the same bodies, and as indexing calls it.

Usage (compare two checkouts by running each in turn, alternately, several times)::

    PYTHONPATH=. python benchmarks/orgs_speed.py
    PYTHONPATH=../other-checkout python benchmarks/orgs_speed.py

Prints one JSON line: ``find_orgs`` and ``segment`` (seconds, best of 5, over the first 600 bodies as
given, as ``find_orgs(text)`` and ``segment(text)``), their ratio, and ``prepare_ms``: milliseconds per
article of the ``find_orgs(text, normalized=...)`` calls :func:`searchkit.index.writing.prepare` makes on
the title and body of the first 2,000 articles (best of 5). Every pattern is compiled before timing
(the lists compile whole after a few thousand uses, as in indexing).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from _common import read_jsonl

from searchkit.text.normalize import normalize
from searchkit.text.orgs import find_orgs
from searchkit.text.segment import segment


def best_cpu(run: Callable[[], object], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    rows = list(read_jsonl("vntc/news.jsonl.gz", 2000))
    bodies = [r["body"] for r in rows[:600]]
    texts = [(t, normalize(t) == t) for r in rows for t in (r["title"], r["body"])]
    for text, normalized in texts:
        find_orgs(text, normalized=normalized)
    segment(bodies[0])
    found = best_cpu(lambda: [find_orgs(b) for b in bodies])
    segmented = best_cpu(lambda: [segment(b) for b in bodies])
    prepared = best_cpu(lambda: [find_orgs(t, normalized=n) for t, n in texts])
    print(json.dumps({"find_orgs": round(found, 4), "segment": round(segmented, 4), "ratio": round(found / segmented, 3),
                      "prepare_ms": round(prepared / len(rows) * 1000, 4)}))


if __name__ == "__main__":
    main()
