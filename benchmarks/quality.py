"""Ranking quality on real legal questions (ALQAC), searchkit beside stock engines.

Indexes ../shared/data/alqac/corpus.jsonl with searchkit, Whoosh's StandardAnalyzer,
bm25s over syllables and tantivy's default tokenizer, runs the dev questions as typed and
with every diacritic removed, and prints MRR@10, nDCG@10, Recall@10 and P@1 for each.

    python benchmarks/quality.py [--questions N]
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _common import need, print_table, read_jsonl, syllables

from searchkit import Index, fold

Ranker = Callable[[str], list[str]]


def metrics(rankings: Sequence[list[str]], relevant: Sequence[str]) -> dict[str, float]:
    mrr = ndcg = recall = p1 = 0.0
    for ranked, rel in zip(rankings, relevant, strict=True):
        top = ranked[:10]
        if rel in top:
            rank = top.index(rel) + 1
            mrr += 1 / rank
            ndcg += 1 / math.log2(rank + 1)
            recall += 1
            p1 += rank == 1
    n = len(relevant) or 1
    return {"MRR@10": mrr / n, "nDCG@10": ndcg / n, "Recall@10": recall / n, "P@1": p1 / n}


def searchkit_ranker(corpus: list[dict], folder: Path) -> Ranker:
    ix = Index.create(folder / "searchkit", overwrite=True)
    ix.add({"id": d["id"], "title": d["title"], "body": d["text"]} for d in corpus)

    def rank(q: str) -> list[str]:
        return [h.id for h in ix.search(q, limit=10, facets=False).hits]

    return rank


def whoosh_ranker(corpus: list[dict], folder: Path) -> Ranker:
    from whoosh import index, qparser
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(id=ID(stored=True), title=TEXT(analyzer=StandardAnalyzer()), body=TEXT(analyzer=StandardAnalyzer()))
    path = folder / "whoosh"
    path.mkdir()
    ix = index.create_in(str(path), schema)
    with ix.writer(limitmb=256) as w:
        for d in corpus:
            w.add_document(id=d["id"], title=d["title"], body=d["text"])
    parser = qparser.MultifieldParser(["title", "body"], schema, group=qparser.OrGroup)
    searcher = ix.searcher()

    def rank(q: str) -> list[str]:
        query = parser.parse(" ".join(syllables(q)))
        return [h["id"] for h in searcher.search(query, limit=10)]

    return rank


def bm25s_ranker(corpus: list[dict], folder: Path) -> Ranker:
    import bm25s

    ids = [d["id"] for d in corpus]
    retriever = bm25s.BM25()
    retriever.index([syllables(d["title"] + " " + d["text"]) for d in corpus], show_progress=False)

    def rank(q: str) -> list[str]:
        toks = [t for t in syllables(q) if t in retriever.vocab_dict] or ["_"]
        if toks == ["_"]:
            return []
        docs, _ = retriever.retrieve([toks], k=10, show_progress=False)
        return [ids[i] for i in docs[0]]

    return rank


def tantivy_ranker(corpus: list[dict], folder: Path) -> Ranker:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False)
    builder.add_text_field("body", stored=False)
    schema = builder.build()
    ix = tantivy.Index(schema)
    writer = ix.writer()
    for d in corpus:
        writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["text"]))
    writer.commit()
    ix.reload()
    searcher = ix.searcher()

    def rank(q: str) -> list[str]:
        words = " ".join(syllables(q))
        if not words:
            return []
        query = ix.parse_query(words, ["title", "body"])
        return [searcher.doc(addr)["id"][0] for _, addr in searcher.search(query, 10).hits]

    return rank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=None, help="use only the first N questions")
    args = ap.parse_args()
    corpus = list(read_jsonl("alqac/corpus.jsonl"))
    questions = list(read_jsonl("alqac/queries_dev.jsonl", args.questions))
    qrels = {}
    for line in need("alqac/qrels_dev.tsv").read_text(encoding="utf-8").splitlines():
        qid, doc, _ = line.split("\t")
        qrels[qid] = doc
    questions = [q for q in questions if q["id"] in qrels]
    relevant = [qrels[q["id"]] for q in questions]
    engines = {
        "searchkit": searchkit_ranker,
        "whoosh-stock": whoosh_ranker,
        "bm25s-syllables": bm25s_ranker,
        "tantivy-default": tantivy_ranker,
    }
    rows = []
    folder = Path(tempfile.mkdtemp(prefix="sk-quality-"))
    try:
        for name, build in engines.items():
            t0 = time.perf_counter()
            rank = build(corpus, folder)
            built = time.perf_counter() - t0
            for variant, transform in (("as typed", lambda s: s), ("no diacritics", fold)):
                t1 = time.perf_counter()
                rankings = [rank(transform(q["text"])) for q in questions]
                took = (time.perf_counter() - t1) / max(len(questions), 1) * 1000
                m = metrics(rankings, relevant)
                rows.append([name, variant, *m.values(), f"{took:.1f}", f"{built:.1f}"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(
        f"ALQAC dev: {len(questions)} questions, {len(corpus)} articles",
        ["engine", "queries", "MRR@10", "nDCG@10", "Recall@10", "P@1", "ms/query", "index s"],
        rows,
    )


if __name__ == "__main__":
    main()
