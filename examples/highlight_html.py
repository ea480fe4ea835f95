"""Write an HTML page of highlighted search results.

``python examples/highlight_html.py [OUTPUT.html] [QUERY]`` writes to OUTPUT (or prints the
page when it is ``-`` or missing). Matches are ``<mark>``, organization names
``<mark class="org">``; the two nest when a match lies inside a name.
"""

from __future__ import annotations

import html
import sys
import tempfile
from pathlib import Path

import searchkit

ARTICLES = Path(__file__).parent / "articles"
STYLE = "mark { background: #ffe066; } mark.org { background: none; border-bottom: 2px solid #1c7ed6; }"


def render(results: searchkit.SearchResults) -> str:
    items = []
    for hit in results.hits:
        day = hit.published.date().isoformat() if hit.published else ""
        items.append(
            f"<li><h2>{searchkit.to_html(hit.title_snippet)}</h2>"
            f"<p><small>{html.escape(day)} · {html.escape(', '.join(hit.orgs[:3]))}</small></p>"
            f"<p>{searchkit.to_html(hit.snippet)}</p></li>"
        )
    title = html.escape(results.query)
    return (
        f'<!doctype html>\n<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head>\n<body><h1>{title}: {results.total} articles</h1>\n"
        f"<ol>\n{chr(10).join(items)}\n</ol></body></html>\n"
    )


def main(argv: list[str]) -> None:
    output = argv[0] if argv else "-"
    query = argv[1] if len(argv) > 1 else "ban chi dao 35"
    with tempfile.TemporaryDirectory() as folder, searchkit.Index.create(folder) as ix:
        ix.add_path(ARTICLES, workers=0)
        page = render(ix.search(query, limit=5))
    if output == "-":
        sys.stdout.write(page)
    else:
        Path(output).write_text(page, encoding="utf-8")
        print(f"wrote {output}")


if __name__ == "__main__":
    main(sys.argv[1:])
