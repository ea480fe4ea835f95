"""One engine, one fresh process: import it, open an index, run one query (top 10 with snippets).

Run by ``latency.py`` in a new interpreter for every sample, so nothing is cached in the
process (the OS file cache is warm). Imports nothing of searchkit unless the engine is
searchkit, so a peer's process pays only for its own imports. Prints one JSON object:
``{"import_ms", "open_ms", "query_ms", "total"}`` (the time to open the index and to run the
first query, measured inside the process; the caller measures the wall time around it).

    python benchmarks/_oneshot.py searchkit|whoosh|tantivy INDEX_DIR QUERY [--print]

``--print`` also prints the hits (title and snippet), as a command line would.
"""

from __future__ import annotations

import json
import re
import sys
import time


def _syllables(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())  # what _common.syllables does, without importing it


def searchkit_engine(folder: str, query: str, show: bool) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    from searchkit import Index

    t1 = time.perf_counter()
    ix = Index.open(folder)
    t2 = time.perf_counter()
    results = ix.search(query, limit=10)
    if show:
        for hit in results.hits:
            print(hit.title, "|", hit.snippet.text)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, results.total


def whoosh_engine(folder: str, query: str, show: bool) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    from whoosh import index, qparser

    t1 = time.perf_counter()
    ix = index.open_dir(folder)
    searcher = ix.searcher()
    t2 = time.perf_counter()
    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup)
    results = searcher.search(parser.parse(" ".join(_syllables(query))), limit=10, terms=True)
    for hit in results:
        snippet = hit.highlights("body")
        if show:
            print(hit["title"], "|", snippet)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, len(results)


def tantivy_engine(folder: str, query: str, show: bool) -> tuple[float, float, float, int]:
    t0 = time.perf_counter()
    import tantivy

    t1 = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    schema = builder.build()
    ix = tantivy.Index(schema, path=folder, reuse=True)
    searcher = ix.searcher()
    t2 = time.perf_counter()
    words = " ".join(_syllables(query))
    q = ix.parse_query(words, ["title", "body"])
    result = searcher.search(q, 10, count=True)
    snippets = tantivy.SnippetGenerator.create(searcher, q, schema, "body")
    for _, addr in result.hits:
        doc = searcher.doc(addr)
        html = snippets.snippet_from_doc(doc).to_html()
        if show:
            print(doc["title"][0], "|", html)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, result.count or 0


ENGINES = {"searchkit": searchkit_engine, "whoosh": whoosh_engine, "tantivy": tantivy_engine}


def main() -> None:
    engine, folder, query = sys.argv[1:4]
    show = "--print" in sys.argv[4:]
    imported, opened, queried, total = ENGINES[engine](folder, query, show)
    ms = {"import_ms": imported * 1000, "open_ms": opened * 1000, "query_ms": queried * 1000, "total": total}
    print(json.dumps(ms), file=sys.stderr if show else sys.stdout)


if __name__ == "__main__":
    main()
