"""Organization-name recognition: accuracy on three gold sets beside two peers, coverage and speed on VNTC.

Usage::

    python benchmarks/orgs.py                  # gold scores (dev, tune, test) + all 39,786 VNTC articles
    python benchmarks/orgs.py --articles 3000  # gold scores + the first 3,000 articles
    python benchmarks/orgs.py --errors         # also list searchkit's errors on dev and tune (never test)
    python benchmarks/orgs.py --no-vntc --peers ""   # searchkit's gold scores only

Gold sets (see ``benchmarks/orgs_gold.py``): ``dev`` (``../shared/data/orgs/orgs_dev.jsonl``), ``tune``
and ``test`` (``benchmarks/gold/``, article ids + offsets into ``../shared/data``). Rules may be tuned on dev
and tune; test is only ever read as totals. For each set: precision, recall and F1 for exact and for
overlapping spans, for "gov" names (a prediction counts only if predicted "gov") and for all names (any
kind), for searchkit and for the peers of ``benchmarks/orgs_peers.py`` measured in the same run
(underthesea's NER, a naive regex). Then, over the VNTC articles: names found, speed, the 30 most
frequent canonical names and random recognitions (fixed seed) with context, for checking by hand.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator

import orgs_gold
from _common import DATA, read_jsonl

from searchkit.text.orgs import find_orgs

Recognizer = Callable[[str], list[tuple[int, int, str]]]


def searchkit_orgs(text: str) -> list[tuple[int, int, str]]:
    return [(m.start, m.end, m.kind) for m in find_orgs(text)]


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(sentences: list[dict], found: list[list[tuple[int, int, str]]], kind: str | None, show_errors: bool) -> dict:
    """Exact and overlap P/R/F1 for one kind ("gov") or for all names (``kind=None``)."""
    exact_tp = overlap_tp_pred = overlap_tp_gold = n_pred = n_gold = 0
    for sentence, spans in zip(sentences, found, strict=True):
        gold = [(s, e) for s, e, _, k in sentence["orgs"] if kind is None or k == kind]
        pred = [(s, e) for s, e, k in spans if kind is None or k == kind]
        n_gold += len(gold)
        n_pred += len(pred)
        exact_tp += len(set(gold) & set(pred))
        overlap_tp_pred += sum(any(s < ge and gs < e for gs, ge in gold) for s, e in pred)
        overlap_tp_gold += sum(any(s < ge and gs < e for s, e in pred) for gs, ge in gold)
        if show_errors and set(gold) != set(pred):
            text = sentence["text"]
            for s, e in sorted(set(gold) - set(pred)):
                print(f"  miss {sentence['sid']}: {text[s:e]!r}   … {text[max(0, s - 30):e + 20]!r}")
            for s, e in sorted(set(pred) - set(gold)):
                print(f"  extra {sentence['sid']}: {text[s:e]!r}   … {text[max(0, s - 30):e + 20]!r}")
    p_o = overlap_tp_pred / n_pred if n_pred else 0.0
    r_o = overlap_tp_gold / n_gold if n_gold else 0.0
    return {
        "exact": prf(exact_tp, n_pred, n_gold),
        "overlap": (p_o, r_o, 2 * p_o * r_o / (p_o + r_o) if p_o + r_o else 0.0),
        "counts": (n_pred, n_gold, exact_tp),
    }


def recognizers(names: list[str]) -> dict[str, Recognizer]:
    """searchkit, then each peer of ``benchmarks/orgs_peers.py`` that can run here."""
    out: dict[str, Recognizer] = {"searchkit": searchkit_orgs}
    if names:
        from orgs_peers import available_peers, peer_orgs

        usable = available_peers()
        for name in names:
            if usable.get(name, f"unknown peer {name!r}"):
                print(f"peer {name} skipped: {usable.get(name, 'unknown peer')}")
                continue
            out[name] = lambda text, name=name: peer_orgs(name, text)
    return out


def gold_report(sets: list[str], peers: list[str], show_errors: bool) -> None:
    """P/R/F1 of searchkit and the peers on each gold set; errors only for sets one may tune on."""
    engines = recognizers(peers)
    print(f"{'set':5} {'engine':12} {'names':5} {'match':8} {'P':>6} {'R':>6} {'F1':>6}   predicted/gold/exact   ms/sentence")
    for name in sets:
        sentences = orgs_gold.load(name)
        if not sentences:
            print(f"{name:5} (absent)")
            continue
        for engine, recognize in engines.items():
            t0 = time.perf_counter()
            found = [recognize(s["text"]) for s in sentences]
            ms = (time.perf_counter() - t0) * 1000 / len(sentences)
            for label, kind in (("gov", "gov"), ("all", None)):
                errors = show_errors and engine == "searchkit" and name != "test"
                if errors:
                    print(f"errors for {name} {label}:")
                result = score(sentences, found, kind, errors)
                for match in ("exact", "overlap"):
                    p, r, f = result[match]
                    counts = "{}/{}/{}".format(*result["counts"]) if match == "exact" else ""
                    timing = f"{ms:.2f}" if (label, match) == ("gov", "exact") else ""
                    print(f"{name:5} {engine:12} {label:5} {match:8} {p:6.3f} {r:6.3f} {f:6.3f}   {counts:20} {timing}")


def articles(limit: int | None) -> Iterator[tuple[str, str]]:
    for record in read_jsonl("vntc/news.jsonl.gz", limit):
        yield record["id"], f"{record['title']}\n{record['body']}"


def vntc_report(limit: int | None, samples: int, seed: int) -> None:
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    found: list[tuple[str, str, int, int, str, str]] = []
    chars = n_articles = with_org = 0
    elapsed = 0.0
    for doc_id, text in articles(limit):
        t0 = time.perf_counter()
        mentions = find_orgs(text)
        elapsed += time.perf_counter() - t0
        chars += len(text)
        n_articles += 1
        with_org += bool(mentions)
        for m in mentions:
            counts[m.canonical] += 1
            kinds[m.kind] += 1
            found.append((doc_id, text, m.start, m.end, m.canonical, m.kind))
    total = sum(counts.values())
    print(f"\nVNTC: {n_articles} articles, {chars / 1e6:.1f} M characters")
    print(
        f"names found: {total} ({kinds['gov']} gov, {kinds['other']} other) in {with_org} articles; "
        f"{len(counts)} distinct canonical names"
    )
    print(f"speed: {chars / 1e6 / elapsed:.2f} M characters/s ({n_articles / elapsed:.0f} articles/s), one process")
    print("\n30 most frequent canonical names:")
    for name, n in counts.most_common(30):
        print(f"{n:7d}  {name}")
    print(f"\n{samples} random recognitions (seed {seed}) for checking by hand:")
    rng = random.Random(seed)
    for i, (_doc_id, text, s, e, canonical, kind) in enumerate(rng.sample(found, min(samples, len(found))), 1):
        left = text[max(0, s - 40) : s].replace("\r", " ").replace("\n", " ")
        right = text[e : e + 30].replace("\r", " ").replace("\n", " ")
        print(f"{i:3d} {kind:5} {left}[[{text[s:e]}]]{right}  -> {canonical}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="only the first N VNTC articles")
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--errors", action="store_true", help="list searchkit's misses and extras on dev and tune (never test)")
    parser.add_argument("--sets", default="dev,tune,test", help="gold sets to score (default: dev,tune,test)")
    parser.add_argument("--peers", default="underthesea,regex", help="peers to measure in the same run ('' for none)")
    parser.add_argument("--no-vntc", action="store_true", help="gold scores only")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return 1
    gold_report([x for x in args.sets.split(",") if x], [x for x in args.peers.split(",") if x], args.errors)
    if not args.no_vntc:
        vntc_report(args.articles, args.samples, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
