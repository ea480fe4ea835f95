"""Vectorised BM25F ranking: the scores Whoosh would give, computed over numpy arrays.

Whoosh scores a disjunction by walking every posting of every clause in Python. Here each
term's postings are read once per index generation into arrays of document numbers and
BM25F scores (the formula and statistics of :class:`whoosh.scoring.BM25F`), and a query is
scored by adding those arrays into one dense score vector. Postings are read a block at a
time, and of each block only the document numbers and weights: the positions, most of a
block, are left alone (see :mod:`searchkit._whoosh.postings`).

Phrase clauses that only add to the score (the adjacent-pair clauses of
:mod:`searchkit.search`) are checked for the best candidates only: Whoosh scores a phrase
match as the sum of its terms' scores, which bounds what the phrase can add to any article.
Candidates are taken in order of that upper bound, and an article's phrases are checked,
the most valuable first, only while the article can still reach the page: the positions of
each word are read from the one posting block that holds the article and matched as
Whoosh's ``SpanNear2`` does. The ranking stops at the first article whose bound cannot
reach the page.

Queries of other shapes raise :class:`Unsupported`; the caller then lets Whoosh run them.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from whoosh import query as wq
from whoosh import scoring

from searchkit._whoosh.formats import PackedPositions, positions_arrays, unpack_positions_many
from searchkit._whoosh.postings import Blocks, decode_block, field_postings, positions_at, read_postings, segment_lengths
from searchkit._whoosh.scoring import bm25f_parameters

__all__ = ["Ranker", "Unsupported"]

# Candidates are ordered by their upper bound this many at first (then 4 times more each time).
_FIRST_SLICE = 64
# Postings kept in memory per index generation (16 bytes each, so 128 MB), least recently used
# dropped first. The 178 queries of benchmarks/latency.py read 5 million on the whole VNTC set.
_MAX_CACHED_POSTINGS = 8_000_000
# Phrases and prefixes whose matching articles are kept per index generation (least recently used dropped).
_MAX_CACHED_PHRASES = 4096


class Unsupported(Exception):  # an internal signal, it never leaves searchkit.search
    """The query has a shape this ranker does not score; let Whoosh run it."""


@dataclass(frozen=True, slots=True)
class _Postings:
    """A term's postings: sorted document numbers, unboosted BM25F scores, and the blocks of
    each segment read block by block (by the number of the segment's first document)."""

    docnums: np.ndarray
    scores: np.ndarray
    blocks: dict[int, Blocks]


_NO_POSTINGS = _Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), {})


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
        self._terms: dict[tuple[str, str], _Postings] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._live: dict[int, np.ndarray] = {}
        self._docs: dict[tuple[Any, ...], np.ndarray] = {}  # phrases' and prefixes' articles
        self._leaves: list[tuple[Any, int]] = list(self._reader.leaf_readers())
        self._bases = [base for _, base in self._leaves]
        self._cached_postings = 0

    # -- postings ---------------------------------------------------------------------------

    def term(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """``(docnums, scores)`` of a term: sorted document numbers and unboosted BM25F scores."""
        found = self._postings(fieldname, text)
        return found.docnums, found.scores

    def _postings(self, fieldname: str, text: str) -> _Postings:
        key = (fieldname, text)
        found = self._terms.pop(key, None)
        if found is None:
            found = self._read_term(fieldname, text)
            self._cached_postings += len(found.docnums)
            while self._cached_postings > _MAX_CACHED_POSTINGS and self._terms:  # least recently used first
                self._cached_postings -= len(self._terms.pop(next(iter(self._terms))).docnums)
        self._terms[key] = found  # (re)inserted last: the dict's order is the recency order
        return found

    def _read_term(self, fieldname: str, text: str) -> _Postings:
        schema = self._searcher.schema
        if fieldname not in schema:
            return _NO_POSTINGS
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            return _NO_POSTINGS
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        blocks: dict[int, Blocks] = {}
        for leaf, base in self._reader.leaf_readers():
            if (fieldname, btext) not in leaf:
                continue
            ids, weights, where = read_postings(leaf, fieldname, btext)  # deleted articles too: dropped here
            if leaf.has_deletions():
                keep = self._live_docs(leaf, base)[ids]
                ids, weights = ids[keep], weights[keep]
            if where is not None:
                blocks[base] = where
            parts.append((ids + base, weights))
        if not parts:
            return _NO_POSTINGS
        ids = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        weights = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        if not schema[fieldname].scorable:
            # Whoosh's WeightScorer: the posting weight is the score.
            return _Postings(ids, weights, blocks)
        searcher = self._searcher
        idf = searcher.idf(fieldname, btext)
        avgfl = searcher.avg_field_length(fieldname) or 1
        b, k1 = bm25f_parameters(self._weighting, fieldname)
        lengths = self._field_lengths(fieldname)[ids]
        # whoosh.scoring.bm25, array-wise
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        return _Postings(ids, scores, blocks)

    def _live_docs(self, leaf: Any, base: int) -> np.ndarray:
        """Which documents of a segment with deletions are live, by document number in it."""
        live = self._live.get(base)
        if live is None:
            live = np.zeros(leaf.doc_count_all(), dtype=bool)
            live[np.fromiter(leaf.all_doc_ids(), dtype=np.int64)] = True
            self._live[base] = live
        return live

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length in ``fieldname``, as ``doc_field_length(d, fieldname, 1)``
        gives it (NaN where Whoosh gives None: a stored length byte of 0)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            parts = [segment_lengths(leaf, fieldname) for leaf, _ in self._leaves]
            lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
            self._lengths[fieldname] = lengths
        return lengths

    # -- scoring ----------------------------------------------------------------------------

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(scores, matched)`` of a query made of terms, prefixes, constant scores, Or, And and phrases."""
        if isinstance(q, wq.Term):
            return self.evaluate_all([q])
        if isinstance(q, wq.Prefix):
            return self._prefix(q)
        if isinstance(q, wq.ConstantScoreQuery):
            matched = self.matches(q.child)  # (the child's scores are not needed)
            return np.where(matched, float(q.score), 0.0), matched
        if isinstance(q, wq.Or) and type(q) is wq.Or and not q.minmatch and not q.scale:
            return self._combine(q.subqueries, q.boost if len(q.subqueries) > 1 else 1.0, union=True)
        if isinstance(q, wq.And) and type(q) is wq.And:
            return self._combine(q.subqueries, q.boost if len(q.subqueries) > 1 else 1.0, union=False)
        if isinstance(q, wq.Phrase):
            matched = np.zeros(self.size, dtype=bool)
            matched[self._phrase_docs(q)] = True
            scores, _ = self.phrase_bound(q)
            return np.where(matched, scores, 0.0), matched
        if q is wq.NullQuery:
            return np.zeros(self.size), np.zeros(self.size, dtype=bool)
        raise Unsupported(f"cannot vectorise {type(q).__name__}")

    def matches(self, q: wq.Query) -> np.ndarray:
        """Which articles ``q`` matches: the ``matched`` of :meth:`evaluate`, without scoring
        (the same queries are supported)."""
        if isinstance(q, wq.Term):
            matched = np.zeros(self.size, dtype=bool)
            matched[self.term(q.fieldname, q.text)[0]] = True
            return matched
        if type(q) is wq.Prefix:
            matched = np.zeros(self.size, dtype=bool)
            matched[self._prefix_docs(q)] = True
            return matched
        if isinstance(q, wq.ConstantScoreQuery):
            return self.matches(q.child)
        if isinstance(q, wq.Prefix):
            return self._prefix(q)[1]
        if isinstance(q, wq.Or) and type(q) is wq.Or and not q.minmatch and not q.scale:
            matched = np.zeros(self.size, dtype=bool)
            for sub in q.subqueries:
                if isinstance(sub, wq.Term):
                    matched[self.term(sub.fieldname, sub.text)[0]] = True
                else:
                    matched |= self.matches(sub)
            return matched
        if isinstance(q, wq.And) and type(q) is wq.And:
            if not q.subqueries:
                return np.zeros(self.size, dtype=bool)
            matched = self.matches(q.subqueries[0])
            for sub in q.subqueries[1:]:
                matched &= self.matches(sub)
            return matched
        if isinstance(q, wq.Phrase):
            matched = np.zeros(self.size, dtype=bool)
            matched[self._phrase_docs(q)] = True
            return matched
        if q is wq.NullQuery:
            return np.zeros(self.size, dtype=bool)
        raise Unsupported(f"cannot vectorise {type(q).__name__}")

    def _phrase_docs(self, q: wq.Phrase) -> np.ndarray:
        """The articles where a phrase occurs, found once per generation (a place or
        organization expands to dozens of phrases: a query naming Hồ Chí Minh City took
        0.2-0.4 s every time)."""
        key = ("phrase", q.fieldname, tuple(q.words), q.slop)
        return self._cached_docs(key, lambda: self._find_phrase(q))

    def _find_phrase(self, q: wq.Phrase) -> np.ndarray:
        """The sorted live articles where a phrase occurs, as Whoosh's ``Phrase`` finds them
        (``SpanNear2``, see :func:`_near`): of the articles holding every word, the positions
        of each word are read from its posting blocks, each block decoded once. Whoosh's span
        matchers walked every posting of every word, a matcher stack per word (~10 ms for a
        place name on 8,000 articles). Articles whose word view holds the phrase as one word
        are taken without reading positions. A field without positions is left to Whoosh."""
        schema = self._searcher.schema
        field = schema[q.fieldname] if q.words and q.fieldname in schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            return np.fromiter(self._searcher.docs_for_query(q), dtype=np.int64)
        postings = [self._postings(q.fieldname, word) for word in q.words]
        docs = _holding_all([p.docnums for p in postings], self.size)
        if not len(docs):
            return docs
        # An article holding the words as one word of the word view ("chỉ_đạo") holds the
        # phrase: only the others are read position by position.
        one_word = self._one_word_docs(q)
        if len(one_word):
            held = np.zeros(self.size, dtype=bool)
            held[one_word] = True
            sure, docs = docs[held[docs]], docs[~held[docs]]
            if not len(docs):
                return sure
            return np.union1d(sure, self._phrase_positions(q, postings, docs))
        return self._phrase_positions(q, postings, docs)

    def _one_word_docs(self, q: wq.Phrase) -> np.ndarray:
        """The articles whose word view holds a plain phrase of the syllable view as one word."""
        if q.slop != 1 or len(q.words) < 2 or not q.fieldname.endswith("_s"):
            return _NO_POSTINGS.docnums
        return self._postings(q.fieldname[:-2] + "_w", "_".join(q.words)).docnums

    def _phrase_positions(self, q: wq.Phrase, postings: Sequence[_Postings], docs: np.ndarray) -> np.ndarray:
        """Of ``docs`` (sorted articles holding every word), those where the phrase occurs."""
        decode = self._searcher.schema[q.fieldname].format.decoder("positions")
        if q.slop != 1:
            each = [
                [decode(v) if isinstance(v, bytes) else v for v in self._values(q.fieldname, word, p, docs)]
                for word, p in zip(q.words, postings, strict=True)
            ]
            slop = q.slop
            return docs[[i for i, found in enumerate(zip(*each, strict=True)) if _near(found, slop)]]
        # A plain phrase: the k-th word at the first word's position plus k. The words are read
        # rarest first, and each next word only in the articles where the phrase can still occur;
        # a phrase start is kept as one number (article index << 32 | position), all in numpy.
        alive = np.arange(len(docs), dtype=np.int64)  # indexes into docs
        starts = np.zeros(0, dtype=np.int64)
        for n, k in enumerate(sorted(range(len(q.words)), key=lambda k: len(postings[k].docnums))):
            owner, positions = _unpacked(self._values(q.fieldname, q.words[k], postings[k], docs[alive]), decode)
            at = positions >= k
            found = _sorted_unique((alive[owner[at]] << 32) | (positions[at] - k))
            starts = found if n == 0 else starts[_members(starts, found)]
            articles = starts >> 32
            alive = articles[np.concatenate(([True], articles[1:] != articles[:-1]))] if len(articles) else articles
            if not len(alive):
                break
        return docs[alive]

    def _values(self, fieldname: str, text: str, postings: _Postings, docs: np.ndarray) -> list[bytes | Sequence[int]]:
        """The encoded positions of a term in each of ``docs`` (sorted articles that all hold
        it); positions already decoded where Whoosh keeps the postings in the term's entry."""
        found: list[bytes | Sequence[int]] = []
        btext = self._searcher.schema[fieldname].to_bytes(text)
        bounds = np.searchsorted(docs, [*self._bases, self.size])
        for (leaf, base), start, stop in zip(self._leaves, bounds, bounds[1:], strict=False):
            local = (docs[start:stop] - base).tolist()
            blocks = postings.blocks.get(base)
            if blocks is None:  # postings Whoosh keeps in the term's entry, or not read by blocks
                found.extend(cast(Sequence[int], positions_at(leaf, fieldname, btext, d)) for d in local)
                continue
            in_block = np.searchsorted(blocks.last_ids, local).tolist()  # the block holding each article
            b = -1
            for d, block in zip(local, in_block, strict=True):
                if block != b:
                    b = block
                    ids, value = decode_block(blocks, b)
                found.append(value(bisect.bisect_left(ids, d)))
        return found

    def _prefix_docs(self, q: wq.Prefix) -> np.ndarray:
        """The articles a prefix matches (those holding any term it expands to), once per
        generation: an organization's prefix expands to hundreds of names in each segment,
        and expanding and scoring them segment by segment took 0.1-0.7 s a query on
        400,000 articles."""
        return self._cached_docs(("prefix", q.fieldname, q.text), lambda: self._expand_prefix(q.fieldname, q.text))

    def _expand_prefix(self, fieldname: str, prefix: str) -> np.ndarray:
        """The sorted live articles holding a term of ``fieldname`` that starts with ``prefix``."""
        if fieldname not in self._searcher.schema:
            return np.zeros(0, dtype=np.int64)
        found = np.zeros(self.size, dtype=bool)
        wanted = prefix.encode("utf-8")
        for leaf, base in self._leaves:
            # the term table walked in place from the prefix (a matcher per term cost 0.45 s for
            # the thousands of names starting "Đại học " on 400,000 articles)
            held = [ids for btext, ids in field_postings(leaf, fieldname, wanted) if btext]
            if not held:
                continue
            ids = np.fromiter(itertools.chain.from_iterable(held), dtype=np.int64)  # deleted articles too
            if leaf.has_deletions():
                ids = ids[self._live_docs(leaf, base)[ids]]
            found[ids + base] = True
        return np.flatnonzero(found)

    def _cached_docs(self, key: tuple[Any, ...], find: Callable[[], np.ndarray]) -> np.ndarray:
        """The document numbers ``find()`` gives, kept per generation under ``key`` (the
        :data:`_MAX_CACHED_PHRASES` most recently used)."""
        docs = self._docs.pop(key, None)
        if docs is None:
            docs = find()
            if len(self._docs) >= _MAX_CACHED_PHRASES:
                self._docs.pop(next(iter(self._docs)))  # least recently used
        self._docs[key] = docs  # (re)inserted last: the dict's order is the recency order
        return docs

    def evaluate_all(self, queries: Sequence[wq.Query], start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(scores, matched)`` of several queries: the sum of their scores (added in
        order, to ``start`` when given) and the articles any of them matches."""
        scores = np.zeros(self.size) if start is None else start.copy()
        matched = np.zeros(self.size, dtype=bool)
        for q in queries:
            if isinstance(q, wq.Term):
                # What adding the term's dense scores would do, without the dense array.
                ids, s = self.term(q.fieldname, q.text)
                scores[ids] += s * q.boost
                matched[ids] = True
            else:
                s, m = self.evaluate(q)
                scores += s
                matched |= m
        return scores, matched

    def _prefix(self, q: wq.Prefix) -> tuple[np.ndarray, np.ndarray]:
        """A prefix scored as Whoosh does it, segment by segment: one expansion scores as its
        term; several as their sum, except that a constant-score prefix whose expansions Whoosh
        preloads (a segment of at most 5,000 articles, other than 2 expansions) scores 1."""
        scores = np.zeros(self.size)
        matched = np.zeros(self.size, dtype=bool)
        for sub, offset in self._segments():
            terms = [t.decode("utf-8") for _, t in q.expanded_terms(sub.reader()) if t]
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
        if union:
            scores, matched = self.evaluate_all(subqueries)
            return scores * boost, matched
        scores = np.zeros(self.size)
        matched = np.ones(self.size, dtype=bool)
        if not subqueries:
            return scores, np.zeros(self.size, dtype=bool)
        for sub in subqueries:
            s, m = self.evaluate(sub)
            scores += s
            matched &= m
        return np.where(matched, scores, 0.0) * boost, matched

    def phrase_bound(self, q: wq.Phrase) -> tuple[np.ndarray, np.ndarray]:
        """What ``q`` adds to each article if its phrase occurs there: Whoosh scores a phrase
        match as the boosted sum of its terms' scores. Also returns the articles holding all terms."""
        bound = self._bound(q)
        scores = np.zeros(self.size)
        scores[bound.docs] = bound.values
        holds = np.zeros(self.size, dtype=bool)
        holds[bound.docs] = True
        return scores, holds

    def _bound(self, q: wq.Phrase) -> _Bound:
        """:meth:`phrase_bound` over the articles holding every word of the phrase only."""
        if not q.words:
            return _Bound(np.zeros(0, dtype=np.int64), np.zeros(0))
        postings = [self.term(q.fieldname, word) for word in q.words]
        # Dense arrays over the index rather than binary searches: several times faster for
        # the long posting lists of common words.
        docs = min(postings, key=lambda p: len(p[0]))[0]
        for ids, _ in postings:  # the articles holding every word
            holds = np.zeros(self.size, dtype=bool)
            holds[ids] = True
            docs = docs[holds[docs]]
        values = np.zeros(len(docs))
        for ids, scores in postings:  # summed in the phrase's order, as dense arrays would be
            dense = np.zeros(self.size)
            dense[ids] = scores
            values += dense[docs]
        return _Bound(docs, values * q.boost)

    def top(
        self, base: np.ndarray, optional_phrases: Sequence[wq.Phrase], candidates: np.ndarray, k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best ``(docnum, score)`` among ``candidates`` (sorted document numbers),
        best first, ties by document number: ``base`` (dense scores, see :meth:`evaluate_all`) plus
        each phrase of ``optional_phrases`` that occurs in the article.

        Articles are taken in order of their upper bound (their score if every phrase they
        hold the words of occurs). An article's phrases are checked one at a time, the most
        valuable first, and only while the article can still reach the page; the ranking
        stops at the first article whose bound cannot.
        """
        if k <= 0 or not len(candidates):
            return []
        bounds = [self._bound(p) for p in optional_phrases]
        extra = np.zeros(self.size)
        for b in bounds:
            extra[b.docs] += b.values
        exact = base[candidates]
        upper = exact + extra[candidates]
        to_check = extra[candidates] > 0
        positions = _PositionReader(self)
        best: list[tuple[float, int]] = []  # (-score, docnum), sorted, at most k
        floor = -np.inf  # what an article must reach to enter the page (with room for rounding)
        for i in _by_bound(upper, candidates):
            doc = int(candidates[i])
            if len(best) == k and (-upper[i], doc) > best[-1]:
                break  # a score is at most its bound: nothing from here on can reach the page
            score = float(exact[i])
            if to_check[i]:
                held = [b.at(doc) for b in bounds]
                found = self._phrases_found(optional_phrases, held, doc, float(upper[i]), floor, positions)
                if found is None:
                    continue
                added = 0.0  # summed in phrase order, as Whoosh's score is
                for value, occurs in zip(held, found, strict=True):
                    if occurs:
                        added += value  # type: ignore[operator]
                score += added
            bisect.insort(best, (-score, doc))
            if len(best) > k:
                best.pop()
            if len(best) == k:
                floor = -best[-1][0] * (1 - 1e-12)
        return [(d, -s) for s, d in best]

    def _phrases_found(
        self,
        phrases: Sequence[wq.Phrase],
        held: Sequence[float | None],
        doc: int,
        upper: float,
        floor: float,
        positions: _PositionReader,
    ) -> list[bool] | None:
        """Which of ``phrases`` occur in ``doc`` (``held``: what each adds if it occurs, None
        where the article lacks a word); None as soon as the article cannot reach ``floor``."""
        found = [False] * len(phrases)
        worth = sorted((i for i, value in enumerate(held) if value is not None), key=lambda i: -held[i])  # type: ignore[operator]
        for i in worth:
            if upper < floor:
                return None
            q = phrases[i]
            at = [positions.at(q.fieldname, word, doc) for word in q.words]
            found[i] = all(p is not None for p in at) and _near(at, q.slop)  # type: ignore[arg-type]
            if not found[i]:
                upper -= held[i]  # type: ignore[operator]
        return None if upper < floor else found

    def _segment(self, doc: int) -> tuple[Any, int]:
        """The reader of the segment holding ``doc`` and the number of its first document."""
        return self._leaves[bisect.bisect_right(self._bases, doc) - 1]


@dataclass(frozen=True, slots=True)
class _Bound:
    """What a phrase adds to the articles that hold all its words (sorted), if it occurs there."""

    docs: np.ndarray
    values: np.ndarray

    def at(self, doc: int) -> float | None:
        """What the phrase adds to ``doc`` if it occurs there; None when a word is missing."""
        i = int(np.searchsorted(self.docs, doc))
        return float(self.values[i]) if i < len(self.docs) and self.docs[i] == doc else None


class _PositionReader:
    """Positions of terms in single articles for one ranking: each posting block is decoded
    once, and only the blocks of the articles asked about."""

    def __init__(self, ranker: Ranker) -> None:
        self._ranker = ranker
        self._decoded: dict[tuple[str, str, int, int], tuple[list[int], Callable[[int], bytes]]] = {}
        self._found: dict[tuple[str, str, int], Sequence[int] | None] = {}
        self._decoders: dict[str, Any] = {}

    def at(self, fieldname: str, text: str, doc: int) -> Sequence[int] | None:
        """The sorted positions of the term in ``doc``, or None when the article lacks it."""
        key = (fieldname, text, doc)
        if key not in self._found:
            self._found[key] = self._read(fieldname, text, doc)
        return self._found[key]

    def _read(self, fieldname: str, text: str, doc: int) -> Sequence[int] | None:
        ranker = self._ranker
        leaf, base = ranker._segment(doc)
        local = doc - base
        blocks = ranker._postings(fieldname, text).blocks.get(base)
        if blocks is None:  # postings Whoosh keeps in the term's entry, or not read by blocks
            return positions_at(leaf, fieldname, ranker._searcher.schema[fieldname].to_bytes(text), local)
        b = int(np.searchsorted(blocks.last_ids, local))  # the first block that ends at or after it
        if b >= len(blocks.extents):
            return None
        key = (fieldname, text, base, b)
        decoded = self._decoded.get(key)
        if decoded is None:
            decoded = self._decoded[key] = decode_block(blocks, b)
        ids, value = decoded
        j = bisect.bisect_left(ids, local)
        if j == len(ids) or ids[j] != local:
            return None
        decode = self._decoders.get(fieldname)
        if decode is None:
            decode = self._decoders[fieldname] = ranker._searcher.schema[fieldname].format.decoder("positions")
        return decode(value(j))  # type: ignore[no-any-return]


def _holding_all(docnums: Sequence[np.ndarray], size: int) -> np.ndarray:
    """The sorted document numbers present in every one of ``docnums`` (sorted arrays)."""
    docs = min(docnums, key=len)
    for ids in docnums:
        holds = np.zeros(size, dtype=bool)
        holds[ids] = True
        docs = docs[holds[docs]]
    return docs


def _by_bound(upper: np.ndarray, candidates: np.ndarray) -> Iterator[int]:
    """Indices of ``candidates`` by descending ``upper``, ties by document number; sorted in
    growing slices, as only the first few are usually needed."""
    remaining = np.arange(len(upper))
    size = _FIRST_SLICE
    while len(remaining):
        if len(remaining) > size:
            values = upper[remaining]
            cut = np.partition(values, len(values) - size)[len(values) - size]
            take = values >= cut  # every tie of the cut, so that ties stay in document order
            chunk, remaining = remaining[take], remaining[~take]
        else:
            chunk, remaining = remaining, remaining[:0]
        yield from chunk[np.lexsort((candidates[chunk], -upper[chunk]))].tolist()
        size *= 4


def _unpacked(values: Sequence[bytes | Sequence[int]], decode: Callable[[bytes], list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """For each position in ``values`` (encoded, or already decoded), the index of its value and
    the position: all at once when every value is packed by :class:`PackedPositions`."""
    if getattr(decode, "__func__", None) is PackedPositions.decode_positions and all(isinstance(v, bytes) for v in values):
        return unpack_positions_many(cast(Sequence[bytes], values))
    return positions_arrays([decode(v) if isinstance(v, bytes) else v for v in values])


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)``, without sorting when ``values`` already increase (phrase starts
    come in article order, each article's positions increasing: sorting them again was most
    of a phrase's first run over common words)."""
    if len(values) < 2 or bool((values[1:] > values[:-1]).all()):
        return values
    return np.unique(values)


def _members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_set`` (sorted, unique): a binary search each, where
    ``np.isin`` and ``np.intersect1d`` sort both arrays together."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == len(sorted_set)] = 0
    return sorted_set[at] == values


def _near(positions: Sequence[Sequence[int]], slop: int) -> bool:
    """Whoosh's ordered ``SpanNear2`` (``mindist=1``) over the sorted positions of each word:
    every next word within ``slop`` after the span matched so far. With ``slop`` 1 (a plain
    phrase) that is: the ``k``-th word at the first word's position plus ``k``."""
    if slop == 1:
        starts = set(positions[0])
        for k, following in enumerate(positions[1:], 1):
            starts.intersection_update([b - k for b in following])
            if not starts:
                return False
        return bool(starts)
    return _spans_near(positions, slop)


def _spans_near(positions: Sequence[Sequence[int]], slop: int) -> bool:
    """:func:`_near` for any ``slop``, span by span as ``SpanNear2`` walks them."""
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
