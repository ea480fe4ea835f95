"""Count the organizations named in a folder of articles.

``python examples/orgs_report.py [FOLDER]`` (default: the example articles). Two ways:
:func:`searchkit.find_orgs` over the text of each article (every mention, as written), and
:meth:`searchkit.Index.organizations` (articles per canonical name, from an index).
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import searchkit

ARTICLES = Path(__file__).parent / "articles"


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else ARTICLES
    mentions: Counter[str] = Counter()
    spellings: dict[str, set[str]] = {}
    skipped = 0
    for item in searchkit.iter_path(folder):
        if isinstance(item, searchkit.Rejected):  # e.g. the folder's README.md
            skipped += 1
            continue
        for mention in searchkit.find_orgs(f"{item.title}\n{item.body}"):
            mentions[mention.canonical] += 1
            spellings.setdefault(mention.canonical, set()).add(mention.text)

    print(f"Mentions in {folder.name}/ (find_orgs; {skipped} files skipped):")
    for name, count in mentions.most_common(10):
        others = sorted(spellings[name] - {name})
        also = f"  (also written: {', '.join(others[:3])})" if others else ""
        print(f"  {count:3d}  {name}{also}")

    with tempfile.TemporaryDirectory() as index_folder, searchkit.Index.create(index_folder) as ix:
        ix.add_path(folder, workers=0)
        print("\nArticles per organization (Index.organizations):")
        for facet in ix.organizations(top=10):
            print(f"  {facet.count:3d}  {facet.value}")
        print('\n... among articles with the phrase "thông tin đối ngoại":')
        for facet in ix.organizations(top=5, query='"thông tin đối ngoại"'):
            print(f"  {facet.count:3d}  {facet.value}")


if __name__ == "__main__":
    main(sys.argv[1:])
