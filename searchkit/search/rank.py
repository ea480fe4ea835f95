"""Vectorised BM25F ranking: the scores Whoosh would give, computed over numpy arrays.

Whoosh scores a disjunction by walking every posting of every clause in Python. Here each
term's postings are read once per index generation into arrays of document numbers and
BM25F scores (the formula and statistics of :class:`whoosh.scoring.BM25F`), and a query is
scored by adding those arrays into one dense score vector. Postings are read a block at a
time, and of each block only the document numbers and weights: the positions, most of a
block, are left alone (see :func:`_block_ids_weights`).

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
import io
import itertools
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

__all__ = ["Ranker", "Unsupported"]

# Candidates are ordered by their upper bound this many at first (then 4 times more each time).
_FIRST_SLICE = 64
# Postings kept in memory per index generation (16 bytes each, so 128 MB), least recently used
# dropped first. The 178 queries of benchmarks/latency.py read 5 million on the whole VNTC set.
_MAX_CACHED_POSTINGS = 8_000_000


class Unsupported(Exception):  # an internal signal, it never leaves searchkit.search
    """The query has a shape this ranker does not score; let Whoosh run it."""


@dataclass(frozen=True, slots=True)
class _Blocks:
    """Where the posting blocks of a term are in one segment's postings file (for positions).

    Attributes:
        postfile: The segment's postings file.
        last_ids: The last document number (in the segment) of each block.
        extents: ``(offset, length, compression)`` of each block's data.
    """

    postfile: Any
    last_ids: np.ndarray
    extents: list[tuple[int, int, int]]


@dataclass(frozen=True, slots=True)
class _Postings:
    """A term's postings: sorted document numbers, unboosted BM25F scores, and the blocks of
    each segment read block by block (by the number of the segment's first document)."""

    docnums: np.ndarray
    scores: np.ndarray
    blocks: dict[int, _Blocks]


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
        blocks: dict[int, _Blocks] = {}
        for leaf, base in self._reader.leaf_readers():
            if (fieldname, btext) not in leaf:
                continue
            m = leaf.postings(fieldname, btext)
            if isinstance(m, FilterMatcher) and m._exclude:
                m = m.child  # the deleted articles, which it leaves out, are dropped below
            ids, weights, where = _read_postings(m)
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
        weighting = self._weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
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
            parts = [_segment_lengths(leaf, fieldname) for leaf, _ in self._leaves]
            lengths = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
            self._lengths[fieldname] = lengths
        return lengths

    # -- scoring ----------------------------------------------------------------------------

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(scores, matched)`` of a query made of terms, prefixes, Or, And and phrases."""
        if isinstance(q, wq.Term):
            return self.evaluate_all([q])
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
        scores = np.zeros(self.size)
        holds = np.ones(self.size, dtype=bool) if q.words else np.zeros(self.size, dtype=bool)
        for word in q.words:
            ids, s = self.term(q.fieldname, word)
            scores[ids] += s
            has = np.zeros(self.size, dtype=bool)
            has[ids] = True
            holds &= has
        return np.where(holds, scores * q.boost, 0.0), holds

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
        bounds = [self.phrase_bound(p) for p in optional_phrases]
        extra = np.zeros(self.size)
        for b, _ in bounds:
            extra += b
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
                found = self._phrases_found(optional_phrases, bounds, doc, float(upper[i]), floor, positions)
                if found is None:
                    continue
                added = 0.0  # summed in phrase order, as Whoosh's score is
                for (b, _), occurs in zip(bounds, found, strict=True):
                    if occurs:
                        added += b[doc]
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
        bounds: Sequence[tuple[np.ndarray, np.ndarray]],
        doc: int,
        upper: float,
        floor: float,
        positions: _PositionReader,
    ) -> list[bool] | None:
        """Which of ``phrases`` occur in ``doc``; None as soon as the article cannot reach ``floor``."""
        found = [False] * len(phrases)
        worth = sorted((i for i, (b, holds) in enumerate(bounds) if holds[doc]), key=lambda i: -bounds[i][0][doc])
        for i in worth:
            if upper < floor:
                return None
            q = phrases[i]
            at = [positions.at(q.fieldname, word, doc) for word in q.words]
            found[i] = all(p is not None for p in at) and _near(at, q.slop)  # type: ignore[arg-type]
            if not found[i]:
                upper -= bounds[i][0][doc]
        return None if upper < floor else found

    def _segment(self, doc: int) -> tuple[Any, int]:
        """The reader of the segment holding ``doc`` and the number of its first document."""
        return self._leaves[bisect.bisect_right(self._bases, doc) - 1]


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
            btext = ranker._searcher.schema[fieldname].to_bytes(text)
            if (fieldname, btext) not in leaf:
                return None
            m = leaf.postings(fieldname, btext)
            return m.value_as("positions") if _seek(m, local) and m.id() == local else None  # type: ignore[no-any-return]
        b = int(np.searchsorted(blocks.last_ids, local))  # the first block that ends at or after it
        if b >= len(blocks.extents):
            return None
        key = (fieldname, text, base, b)
        decoded = self._decoded.get(key)
        if decoded is None:
            decoded = self._decoded[key] = _decode_block(blocks, b)
        ids, value = decoded
        j = bisect.bisect_left(ids, local)
        if j == len(ids) or ids[j] != local:
            return None
        decode = self._decoders.get(fieldname)
        if decode is None:
            decode = self._decoders[fieldname] = ranker._searcher.schema[fieldname].format.decoder("positions")
        return decode(value(j))  # type: ignore[no-any-return]


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


def _decode_block(blocks: _Blocks, b: int) -> tuple[list[int], Callable[[int], bytes]]:
    """The document numbers (in the segment) of one posting block, and a function returning
    the encoded value of its ``j``-th posting."""
    offset, length, compression = blocks.extents[b]
    data = blocks.postfile.get(offset, length)
    raw = zlib.decompress(data) if compression else data
    fast = _BlockValues.read(raw)
    if fast is not None:
        return fast.ids, fast.value
    deltas, _, values = pickle.loads(raw)
    return list(itertools.accumulate(deltas)), values.__getitem__


class _BlockValues:
    """The encoded values of a block's pickled data, each decoded when asked for.

    Unpickling a whole block (a bytes object per posting, each a call to ``_codecs.encode``)
    costs several times more than finding the few values a ranking needs. After the ids and
    weights, every value but the first starts with the same three bytes, a BINGET of
    ``_codecs.encode`` (``h`` and its memo index) and the BINUNICODE opcode (``X``), which
    the positions data inside a value cannot contain; the value's text follows its 4-byte
    length, and pickle memoizes it next (BINPUT or LONG_BINPUT). :meth:`read` accepts a block
    only when it splits into one piece per value; :meth:`value` checks the layout of the
    piece it reads, and unpickles the whole block when it differs.
    """

    def __init__(self, ids: list[int], raw: bytes, pieces: list[bytes]) -> None:
        self.ids = ids
        self._raw = raw
        self._pieces = pieces
        self._values: Sequence[bytes] | None = None

    @classmethod
    def read(cls, raw: bytes) -> _BlockValues | None:
        """The values of a block's decompressed data, or None when it is laid out otherwise."""
        cut = raw.find(_VALUES_START)
        first = cut + len(_VALUES_START) + 2  # after the BINPUT of _codecs.encode
        if cut < 0 or first >= len(raw) or raw[first - 2] != _BINPUT or raw[first] != _BINUNICODE:
            return None
        try:
            deltas, _ = pickle.loads(raw[:cut] + _TUPLE2_STOP)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(deltas, tuple) or len(deltas) < 4:
            return None
        # The first piece keeps its BINUNICODE opcode; the others start at the text's length.
        pieces = raw[first:].split(bytes((_BINGET, raw[first - 1], _BINUNICODE)))
        if len(pieces) != len(deltas):
            return None
        return cls(list(itertools.accumulate(deltas)), raw, pieces)

    def value(self, j: int) -> bytes:
        """The encoded value of the ``j``-th posting."""
        if self._values is None:
            piece = self._pieces[j]
            start = 5 if j == 0 else 4
            end = start + int.from_bytes(piece[start - 4 : start], "little")
            if end < len(piece) and piece[end] in (_BINPUT, _LONG_BINPUT):
                return piece[start:end].decode("utf-8").encode("latin-1")
            self._values = pickle.loads(self._raw)[2]  # not the expected layout after all
        return self._values[j]


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


# A W3 segment keeps each document's field length as one byte (whoosh.util.numeric's
# length_to_byte) in the column "_<field>_len"; 0 reads back as None.
_BYTE_LENGTHS = np.array([np.nan, *(byte_to_length(b) for b in range(1, 256))], dtype=np.float64)


def _segment_lengths(leaf: Any, fieldname: str) -> np.ndarray:
    """One segment's field lengths, read from its length column in one piece.

    Falls back to ``doc_field_length`` per document for a reader of another layout.
    """
    n = leaf.doc_count_all()
    try:
        column = leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:  # no document has the field: Whoosh's default
            return np.ones(n, dtype=np.float64)
        if column._fixedlen != 1:
            raise TypeError(column._fixedlen)
        raw = np.frombuffer(bytes(column._dbfile.get(column._basepos, column._count)), dtype=np.uint8)
    except (AttributeError, TypeError):
        dfl = leaf.doc_field_length
        return np.fromiter((dfl(d, fieldname, 1) for d in range(n)), dtype=np.float64, count=n)
    codes = np.zeros(n, dtype=np.uint8)  # documents past the column's end have no length byte
    codes[: len(raw)] = raw[:n]
    return _BYTE_LENGTHS[codes]


def _read_postings(m: Any) -> tuple[np.ndarray, np.ndarray, _Blocks | None]:
    """All document numbers and weights of a posting list, and where its blocks are when it
    was read block by block."""
    if type(m) is W3LeafMatcher and not m._byteids:
        found = _read_blocks(m)
        if found is not None:
            return found
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), None


# Whoosh 2.7 writes each block of postings as a header (a pickled info tuple) and the
# pickled, usually zlib-compressed, tuple ``(id deltas, weights, values)``. Whoosh's own writer
# pickles with protocol 2, where the values (positions) are bytes written as calls to
# ``_codecs.encode``: unpickling them is most of the cost of reading a block. The values of a
# block of more than three postings start with this (a MARK and the first such call), which
# the ids (integers) and weights (floats) cannot contain; the ids and weights are unpickled
# from the bytes before it. Blocks of searchkit's segment writer (protocol 5, bytes pickled
# as such) unpickle quickly whole.
_VALUES_START = b"(c_codecs\nencode\n"
_TUPLE2_STOP = b"\x86."
_BINPUT, _LONG_BINPUT, _BINGET, _BINUNICODE = b"qrhX"
_PROTOCOL_2 = b"\x80\x02"


def _read_blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray, _Blocks] | None:
    """Document numbers and weights of a W3 posting list, read block by block from its file
    (None if they disagree with the blocks' headers; the matcher ``m`` is left unmoved)."""
    postfile = m._postfile
    pos = m._baseoffset  # the first block, after the header tag the matcher checked
    deltas: list[Sequence[int]] = []
    weights: list[Iterable[float]] = []
    sizes: list[int] = []
    last_ids: list[int] = []
    extents: list[tuple[int, int, int]] = []
    while True:
        length = postfile.get_int(pos)
        size = abs(length)
        block = postfile.get(pos + _INT_SIZE, size)
        stream = io.BytesIO(block)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        info_size = stream.tell()
        ids, block_weights = _block_ids_weights(block[info_size:], compression, count)
        deltas.append(ids)
        weights.append(block_weights)
        sizes.append(count)
        last_ids.append(last_id)
        extents.append((pos + _INT_SIZE + info_size, size - info_size, compression))
        if length < 0:  # the last block
            break
        pos += _INT_SIZE + size
    total = sum(sizes)
    gaps = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=total)
    # Each block's first delta is its first document number: make it relative to the block before.
    starts = np.cumsum(sizes)
    gaps[starts[:-1]] -= np.asarray(last_ids[:-1], dtype=np.int64)
    docnums = np.cumsum(gaps)
    ends = np.asarray(last_ids, dtype=np.int64)
    if not np.array_equal(docnums[starts - 1], ends):
        return None
    weights_array = np.fromiter(itertools.chain.from_iterable(weights), dtype=np.float64, count=total)
    return docnums, weights_array, _Blocks(postfile, ends, extents)


def _block_ids_weights(data: bytes, compression: int, count: int) -> tuple[tuple[int, ...], Iterable[float]]:
    """The id deltas and the weights of one block's data."""
    inflater = zlib.decompressobj() if compression else None
    # Enough for the ids and weights of most blocks (<= 5 bytes per id, 9 per weight).
    head = inflater.decompress(data, 14 * count + 64) if inflater is not None else data
    if head.startswith(_PROTOCOL_2) and count > 3:
        cut = head.find(_VALUES_START)
        if cut < 0 and inflater is not None and inflater.unconsumed_tail:
            head += inflater.decompress(inflater.unconsumed_tail)
            cut = head.find(_VALUES_START)
        if cut > 0:
            try:
                ids, weights = pickle.loads(head[:cut] + _TUPLE2_STOP)
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
                pass
            else:
                if _block_shape(ids, weights, count):
                    return ids, _weights(weights, count)
    # Any other layout (small blocks, later pickle protocols, values without positions): the whole tuple.
    if inflater is not None and (inflater.unconsumed_tail or not inflater.eof):
        head += inflater.decompress(inflater.unconsumed_tail) + inflater.flush()
    ids, weights, _ = pickle.loads(head)
    return ids, _weights(weights, count)


def _weights(stored: Any, count: int) -> Iterable[float]:
    """Whoosh stores a block whose weights are all equal as one number (None for 1.0)."""
    if isinstance(stored, tuple):
        return stored
    return itertools.repeat(1.0 if stored is None else float(stored), count)


def _block_shape(ids: Any, weights: Any, count: int) -> bool:
    """True when ``(ids, weights)`` look like a block of ``count`` postings."""
    if not isinstance(ids, tuple) or len(ids) != count:
        return False
    return weights is None or isinstance(weights, float) or (isinstance(weights, tuple) and len(weights) == count)
