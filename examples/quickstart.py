"""Build an index of the example articles in a temporary folder and search it.

Run from anywhere: ``python examples/quickstart.py``. The same question is asked with and
without diacritics, and in the old tone placement, to show that they find the same articles.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import searchkit

ARTICLES = Path(__file__).parent / "articles"
QUERIES = ("Ban Chỉ đạo 35", "ban chi dao 35", "Thành uỷ Đà Nẵng", "thanh uy da nang", 'org:"UBND Quảng Ninh"')


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, searchkit.Index.create(folder) as ix:
        report = ix.add_path(ARTICLES, workers=0)
        print(f"indexed {report.added} articles ({len(report.failed)} failed)")
        for query in QUERIES:
            results = ix.search(query, limit=3)
            print(f"\n{query!r}: {results.total} articles, {results.took_ms:.0f} ms")
            if results.relaxed:
                print(f"  (fewer than 3 articles hold every word; also without: {', '.join(results.relaxed)})")
            for hit in results.hits:
                day = hit.published.date().isoformat() if hit.published else "----------"
                score = "" if hit.score is None else f"{hit.score:.2f}"  # None: a query of filters only, newest first
                print(f"  {score:>6}  {day}  {hit.title}")


if __name__ == "__main__":
    main()
