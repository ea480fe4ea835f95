"""Vectorised BM25F ranking: the scores Whoosh would give, computed over numpy arrays.

Whoosh scores a disjunction by walking every posting of every clause in Python. Here each
term's postings are read once per index generation into arrays of document numbers and
BM25F scores (the formula and statistics of :class:`whoosh.scoring.BM25F`), and a query is
scored by adding those arrays into one dense score vector.

Phrase clauses that only add to the score (the adjacent-pair clauses of
:mod:`searchkit.search`) are checked for the best candidates only: Whoosh scores a phrase
match as the sum of its terms' scores, which bounds what the phrase can add to any article.
Candidates are taken in order of that upper bound and their phrases checked (through
Whoosh's own phrase matcher) until no unchecked article can reach the page.

Queries of other shapes raise :class:`Unsupported`; the caller then lets Whoosh run them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3LeafMatcher

__all__ = ["Ranker", "Unsupported"]

# A first batch of candidates checked for phrases is this many times the page end.
_BATCH_FACTOR = 2
_MIN_BATCH = 16
# Postings kept in memory per index generation (16 bytes each), least recently used dropped first.
_MAX_CACHED_POSTINGS = 4_000_000


class Unsupported(Exception):  # noqa: N818 - internal signal, never leaves searchkit.search
    """The query has a shape this ranker does not score; let Whoosh run it."""


class Ranker:
    """Per-generation postings and BM25F statistics of one searcher (see :meth:`Index._cached`)."""

    def __init__(self, searcher: Any) -> None:
        weighting = searcher.weighting
        if type(weighting) is not scoring.BM25F:
            raise Unsupported("only BM25F is vectorised")
        self._searcher = searcher
        self._reader = searcher.reader()
        self._weighting = weighting
        self.size = self._reader.doc_count_all()
        self._terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._cached_postings = 0

    # -- postings ---------------------------------------------------------------------------

    def docs(self, fieldname: str, text: str) -> np.ndarray:
        """Sorted document numbers containing the term (empty when unknown)."""
        return self.term(fieldname, text)[0]

    def term(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(docnums, scores)`` of a term: sorted document numbers and unboosted BM25F scores."""
        key = (fieldname, text)
        found = self._terms.pop(key, None)
        if found is None:
            found = self._read_term(fieldname, text)
            self._cached_postings += len(found[0])
            while self._cached_postings > _MAX_CACHED_POSTINGS and self._terms:  # least recently used first
                self._cached_postings -= len(self._terms.pop(next(iter(self._terms)))[0])
        self._terms[key] = found  # (re)inserted last: the dict's order is the recency order
        return found

    def _read_term(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        schema = self._searcher.schema
        if fieldname not in schema:
            return empty
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            return empty
        reader = self._reader
        if (fieldname, btext) not in reader:
            return empty
        ids, weights = _read_postings(reader.postings(fieldname, btext))
        if not schema[fieldname].scorable:
            # Whoosh's WeightScorer: the posting weight is the score.
            return ids, weights
        searcher = self._searcher
        idf = searcher.idf(fieldname, btext)
        avgfl = searcher.avg_field_length(fieldname) or 1
        weighting = self._weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        lengths = self._field_lengths(fieldname)[ids]
        # whoosh.scoring.bm25, array-wise
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        return ids, scores

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            dfl = self._reader.doc_field_length
            lengths = np.fromiter((dfl(d, fieldname, 1) for d in range(self.size)), dtype=np.float64, count=self.size)
            self._lengths[fieldname] = lengths
        return lengths

    # -- scoring ----------------------------------------------------------------------------

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(scores, matched)`` of a query made of terms, prefixes, Or, And and phrases."""
        if isinstance(q, wq.Term):
            scores = np.zeros(self.size)
            matched = np.zeros(self.size, dtype=bool)
            ids, s = self.term(q.fieldname, q.text)
            scores[ids] = s * q.boost
            matched[ids] = True
            return scores, matched
        if isinstance(q, wq.Prefix):
            return self._prefix(q)
        if isinstance(q, wq.Or) and type(q) is wq.Or and not q.minmatch and not q.scale:
            return self._combine(q.subqueries, q.boost if len(q.subqueries) > 1 else 1.0, union=True)
        if isinstance(q, wq.And) and type(q) is wq.And:
            return self._combine(q.subqueries, q.boost if len(q.subqueries) > 1 else 1.0, union=False)
        if isinstance(q, wq.Phrase):
            matched = np.zeros(self.size, dtype=bool)
            docs = list(self._searcher.docs_for_query(q))
            if docs:
                matched[docs] = True
            scores, _ = self.phrase_bound(q)
            return np.where(matched, scores, 0.0), matched
        if q is wq.NullQuery:
            return np.zeros(self.size), np.zeros(self.size, dtype=bool)
        raise Unsupported(f"cannot vectorise {type(q).__name__}")

    def _prefix(self, q: wq.Prefix) -> tuple[np.ndarray, np.ndarray]:
        """A prefix scored as Whoosh does it, segment by segment: one expansion scores as its
        term; several as their sum, except that a constant-score prefix whose expansions Whoosh
        preloads (a segment of at most 5,000 articles, other than 2 expansions) scores 1."""
        scores = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        for sub, offset in self._segments():
            terms = [t.decode("utf-8") for t in q._btexts(sub.reader()) if t]
            if not terms:
                continue
            n_docs = sub.doc_count_all()
            part = slice(offset, offset + n_docs)
            s, m = self._combine([wq.Term(q.fieldname, t) for t in terms], 1.0, union=True)
            preloaded = len(terms) >= wq.Or.TOO_MANY_CLAUSES or (len(terms) != 2 and n_docs <= 5000)
            if len(terms) == 1:
                scores[part] += s[part]
            elif q.constantscore and preloaded:
                scores[part] += np.where(m[part], 1.0, 0.0)
            else:
                scores[part] += s[part] * q.boost
            matched[part] |= m[part]
        return scores, matched

    def _segments(self) -> list[tuple[Any, int]]:
        searcher = self._searcher
        return [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers)

    def _combine(self, subqueries: Sequence[wq.Query], boost: float, *, union: bool) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool) if union else np.ones(self.size, dtype=bool)
        if not subqueries:
            return scores, np.zeros(self.size, dtype=bool)
        for sub in subqueries:
            s, m = self.evaluate(sub)
            scores += s
            matched = (matched | m) if union else (matched & m)
        if not union:
            scores = np.where(matched, scores, 0.0)
        return scores * boost, matched

    def phrase_bound(self, q: wq.Phrase) -> tuple[np.ndarray, np.ndarray]:
        """What ``q`` adds to each article if its phrase occurs there: Whoosh scores a phrase
        match as the boosted sum of its terms' scores. Also returns the articles holding all terms."""
        scores = np.zeros(self.size)
        common: np.ndarray | None = None
        for word in q.words:
            ids, s = self.term(q.fieldname, word)
            scores[ids] += s
            common = ids if common is None else np.intersect1d(common, ids, assume_unique=True)
        holds = np.zeros(self.size, dtype=bool)
        if common is not None:
            holds[common] = True
        return np.where(holds, scores * q.boost, 0.0), holds

    def top(
        self, scoring: Sequence[wq.Query], optional_phrases: Sequence[wq.Phrase], candidates: np.ndarray, k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best ``(docnum, score)`` among ``candidates`` (sorted document numbers),
        best first, ties by document number: the sum of ``scoring`` plus each phrase of
        ``optional_phrases`` that occurs in the article."""
        if k <= 0 or not len(candidates):
            return []
        base = np.zeros(self.size)
        for q in scoring:
            base += self.evaluate(q)[0]
        bounds = [self.phrase_bound(p) for p in optional_phrases]
        extra = np.zeros(self.size)
        for b, _ in bounds:
            extra += b
        exact = base[candidates]
        upper = exact + extra[candidates]
        order = np.lexsort((candidates, -upper))
        to_check = extra[candidates] > 0
        best: list[tuple[float, int]] = []  # (-score, docnum), kept sorted, at most k
        start = 0
        batch = max(_MIN_BATCH, _BATCH_FACTOR * k)
        while start < len(order):
            if len(best) == k and upper[order[start]] < -best[-1][0] * (1 - 1e-12):
                break  # nothing unchecked can reach the page (with room for rounding)
            chunk = order[start : start + batch]
            start += len(chunk)
            batch *= 2
            checking = chunk[to_check[chunk]]
            scores = exact[chunk].copy()
            if len(checking):
                docs = candidates[checking]
                added = np.zeros(len(docs))
                for p, (b, holds) in zip(optional_phrases, bounds, strict=True):
                    sel = holds[docs]
                    if sel.any():
                        found = self._phrase_docs(p, docs[sel])
                        added += np.where(np.isin(docs, found), b[docs], 0.0)
                scores[to_check[chunk]] += added
            for i, s in zip(chunk.tolist(), scores.tolist(), strict=True):
                best.append((-s, int(candidates[i])))
            best.sort()
            del best[k:]
        return [(d, -s) for s, d in best]

    def _phrase_docs(self, q: wq.Phrase, docs: np.ndarray) -> list[int]:
        """Which of ``docs`` (any order) contain the phrase: the positions of its words are
        read at those articles only and matched as Whoosh's ``SpanNear2`` does."""
        field = self._searcher.schema[q.fieldname]
        wanted = np.sort(docs)
        found_at = [self._positions(q.fieldname, field.to_bytes(word), wanted) for word in q.words]
        return [d for d in wanted.tolist() if all(d in at for at in found_at) and _near([at[d] for at in found_at], q.slop)]

    def _positions(self, fieldname: str, btext: bytes, docs: np.ndarray) -> dict[int, Sequence[int]]:
        """The positions of a term in each of ``docs`` (sorted) that holds it."""
        out: dict[int, Sequence[int]] = {}
        for leaf, base in self._reader.leaf_readers():
            lo, hi = np.searchsorted(docs, [base, base + leaf.doc_count_all()])
            if lo == hi or (fieldname, btext) not in leaf:
                continue
            m = leaf.postings(fieldname, btext)
            for d in docs[lo:hi].tolist():
                if not _seek(m, d - base):
                    break
                if m.id() == d - base:
                    out[d] = m.value_as("positions")
        return out


def _seek(m: Any, target: int) -> bool:
    """Move a posting matcher to the first document at or after ``target``; False at the end."""
    if type(m) is not W3LeafMatcher:
        if m.is_active() and m.id() < target:
            m.skip_to(target)
        return bool(m.is_active())
    # Whoosh 2.7's block reader steps through a block one posting at a time: bisect instead.
    if not m.is_active():
        return False
    if target > m._maxid:
        m._skip_to_block(lambda: target > m._maxid)
        if not m.is_active():
            return False
    if m._ids is None:
        m._read_ids()
    m._i = bisect.bisect_left(m._ids, target, m._i)
    return True


def _near(positions: Sequence[Sequence[int]], slop: int) -> bool:
    """Whoosh's ordered ``SpanNear2`` (``mindist=1``) over the sorted positions of each word:
    every next word within ``slop`` after the span matched so far."""
    spans = [(p, p) for p in positions[0]]
    for following in positions[1:]:
        joined: set[tuple[int, int]] = set()
        for start, end in spans:
            j = bisect.bisect_left(following, start)
            while j < len(following):
                b = following[j]
                j += 1
                if b > end + slop:
                    break
                if b <= end:  # overlapping or behind: distance 0 (or a span running back)
                    continue
                joined.add((start, b))
        if not joined:
            return False
        spans = sorted(joined)
    return True


def _read_postings(m: Any) -> tuple[np.ndarray, np.ndarray]:
    """All document numbers and weights of a posting list."""
    ids: list[int] = []
    weights: list[float] = []
    if type(m) is W3LeafMatcher:
        # Whole blocks at a time (Whoosh 2.7's block reader; the public API is per posting).
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)
