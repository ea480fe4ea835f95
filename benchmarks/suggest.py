"""Did-you-mean measured: precision, recall and false alarms on misspelt queries written by hand.

``benchmarks/suggest_queries.tsv`` holds 125 misspelt queries (kinds: ``tone`` wrong or missing
marks, ``letter`` one letter off, ``missing`` a letter left out, ``telex`` and ``vni`` raw
keystrokes typed with the input method off, ``mixed``) with the query meant, and 40
correctly spelt ``control`` queries. Each kind is split in two halves by row: ``tune`` (what
the rules were tuned on) and ``held`` (not looked at while tuning); both are reported.

The queries run against an index of the first N articles of ``vntc/news.jsonl.gz`` (4,000
by default, cached in ``benchmarks/_work/suggest-<N>/``), and the script first checks that
every syllable of every intended query is held by that index.

* **precision**: suggestions equal to the intended query (case-insensitive), over suggestions made;
* **recall**: queries that got the intended query as their suggestion, over all queries;
* **false alarms**: control queries that got any suggestion.

Beside searchkit, the same queries go through stock Whoosh's spelling corrector (what
``Searcher.correct_query`` does: every query word the field does not hold is replaced by
``searcher.corrector(field).suggest(word, limit=1, maxdist=2)``, the most frequent of the closest
terms), on the same index and fields (marked syllables, or the unmarked view for a query
typed without marks). For raw keystrokes it also reports how much of the intended query's
top 10 the typed query finds, and how much the suggested one finds (what searching the
converted words directly would give).

    python benchmarks/suggest.py [--articles 4000] [--split all|tune|held] [--show]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _common import WORK, print_table, read_jsonl

import searchkit.search.engine as engine
from searchkit import Index, normalize
from searchkit.search.neighbours import Neighbours
from searchkit.search.suggest import _MAX_CORRECTED, _known_syllables
from searchkit.text.terms import fold_term, is_accented, syllables

QUERIES = Path(__file__).with_name("suggest_queries.tsv")
KINDS = ("tone", "letter", "missing", "telex", "vni", "mixed")


def load(split: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, half, query, intended = line.split("\t")
        if split in ("all", half):
            rows.append((kind, half, query, intended))
    return rows


def open_index(articles: int) -> Index:
    folder = WORK / f"suggest-{articles}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        with Index.create(folder) as ix:
            docs = read_jsonl("vntc/news.jsonl.gz", articles)
            ix.add(({"id": d["id"], "title": d["title"], "body": d["body"], "category": d["category_vi"]} for d in docs), workers=1)
        (folder / ".complete").write_text(f"{time.perf_counter() - started:.1f}\n", encoding="utf-8")
    return Index.open(folder)


def whoosh_correct(searcher: Any, query: str) -> str | None:
    """Stock Whoosh's corrector, word by word, as ``Searcher.correct_query`` applies it."""
    text = normalize(query)
    field = "body_s" if is_accented(text.lower()) else "body_f"
    reader, corrector = searcher.reader(), searcher.corrector(field)
    out, changed = [], False
    for word in text.split():
        term = word.lower() if field == "body_s" else fold_term(word.lower())
        if not reader.doc_frequency(field, term):
            found = corrector.suggest(term, limit=1, maxdist=2)
            if found:
                out.append(found[0])
                changed = True
                continue
        out.append(word)
    return " ".join(out) if changed else None


def same(a: str | None, b: str) -> bool:
    return a is not None and normalize(a).lower().split() == normalize(b).lower().split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=4000)
    parser.add_argument("--split", choices=("all", "tune", "held"), default="all")
    parser.add_argument("--show", action="store_true", help="print every query with both suggestions")
    args = parser.parse_args()
    rows = load(args.split)
    ix = open_index(args.articles)

    costs: list[float] = []
    wrapped = engine.suggest

    def timed(*a: Any, **k: Any) -> str | None:
        t = time.perf_counter()
        try:
            return wrapped(*a, **k)
        finally:
            costs.append((time.perf_counter() - t) * 1000)

    engine.suggest = timed
    with ix._reading_snapshot() as snap:  # the Whoosh peer reads the same commit
        searcher = snap.searcher
        missing = sorted({s.lower() for _, _, _, want in rows for s in syllables(normalize(want)) if not _held(searcher, s.lower())})
        print(f"{args.articles:,} articles; {len(rows)} queries ({args.split}); intended syllables not in the index: {missing or 'none'}")
        stats: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # made, right, total
        overlap: dict[str, list[float]] = defaultdict(list)
        for kind, half, query, intended in rows:
            results = ix.search(query, limit=10, facets=False)
            ours, theirs = results.suggestion, whoosh_correct(searcher, query)
            for engine_name, got in (("searchkit", ours), ("whoosh", theirs)):
                for group in (kind,) if kind == "control" else (kind, "all misspelt"):
                    for h in (half, "both"):
                        cell = stats[(engine_name, group, h)]
                        cell[0] += got is not None
                        cell[1] += same(got, intended) if kind != "control" else 0
                        cell[2] += 1
            if kind in ("telex", "vni"):
                want = {h.id for h in ix.search(intended, limit=10, facets=False).hits}
                if want:
                    overlap["typed"].append(len(want & {h.id for h in results.hits}) / len(want))
                    got_ids = {h.id for h in ix.search(ours, limit=10, facets=False).hits} if ours else set()
                    overlap["suggested"].append(len(want & got_ids) / len(want))
            if args.show:
                mark = "ok " if same(ours, intended) or (kind == "control" and ours is None) else "-- "
                print(f"{mark}{kind:8} {half:5} {query!r:40} -> {ours!r}  (whoosh: {theirs!r}; meant {intended!r}; {results.total} results)")
        for field in ("body_s", "body_f"):  # what the first suggestion after a commit builds
            started = time.perf_counter()
            near = Neighbours.of_field(searcher.reader(), field, _MAX_CORRECTED)
            print(f"deletion index of {field}: built in {(time.perf_counter() - started) * 1000:.0f} ms, "
                  f"{len(near.terms):,} terms, about {near.nbytes / 1e6:.1f} MB")
    engine.suggest = wrapped
    ix.close()
    _report(stats, costs, overlap)


def _held(searcher: Any, syllable: str) -> bool:
    """Whether the index holds the syllable (with its marks, or unmarked when typed so)."""
    reader = searcher.reader()
    view = "s" if fold_term(syllable) != syllable else "f"
    return bool(reader.doc_frequency(f"body_{view}", syllable) or reader.doc_frequency(f"title_{view}", syllable))


def _report(stats: dict[tuple[str, str, str], list[int]], costs: list[float], overlap: dict[str, list[float]]) -> None:
    rows: list[list[object]] = []
    for group in (*KINDS, "all misspelt", "control"):
        for engine_name in ("searchkit", "whoosh"):
            row: list[object] = [f"{group} / {engine_name}"]
            for half in ("tune", "held", "both"):
                made, right, total = stats.get((engine_name, group, half), [0, 0, 0])
                if not total:
                    row += ["-", "-"]
                elif group == "control":
                    row += [f"{made}/{total} alarms", f"{made / total:.0%}"]
                else:
                    row += [f"{right / made:.2f}" if made else "-", f"{right / total:.2f} ({right}/{total})"]
            rows.append(row)
    header = ["kind / engine", "tune P", "tune R", "held P", "held R", "both P", "both R"]
    print_table("Did-you-mean: precision (P) and recall (R); controls: queries wrongly given a suggestion", header, rows)
    if costs:
        q = statistics.quantiles(costs, n=20)
        print(f"suggestion cost per query (ms): p50 {statistics.median(costs):.2f}, p95 {q[18]:.2f}, max {max(costs):.2f} (n={len(costs)})")
    for name, values in overlap.items():
        print(f"raw keystroke queries: the intended query's top 10 found by the {name} query: {statistics.mean(values):.0%} (n={len(values)})")
    print(f"(pyvi's word list, which guards real words from correction: {len(_known_syllables()):,} syllables)")


if __name__ == "__main__":
    main()
