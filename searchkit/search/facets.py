"""Facet counts (organizations, years, categories, sources) over a set of matching articles, and
the category/source/author values a filter names, as the index spells them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq

from searchkit._whoosh.postings import field_postings
from searchkit.search.results import FacetValue
from searchkit.text.normalize import fold, normalize
from searchkit.text.orgs.names import split_orgs

__all__ = ["FEW_DOCS", "FacetTable", "count_stored", "resolve_values", "top_values"]

#: Up to this many matching articles, facets are counted from their stored fields
#: (:func:`count_stored`, a few ms) as long as the index's :class:`FacetTable` is not built:
#: building it reads every organization of the index (about 50 ms for 8,000 articles), which
#: a first query on a freshly opened index should not wait for when it matches few articles.
FEW_DOCS = 100


class FacetTable:
    """Per-document facet values of one index generation, read once from the postings."""

    #: The single-valued facet fields (one value an article at most).
    SINGLE = ("year", "category", "source")

    def __init__(self, searcher: Any) -> None:
        reader = searcher.reader()
        self._size = size = reader.doc_count_all()
        # Value codes are numbered in the values' sorted order (the tie order).
        self._codes: dict[str, tuple[list[str], np.ndarray]] = {}
        names, org_docs, org_codes = _keyword_postings(reader, "orgs")
        # The organizations of each article, article by article: those of article d are
        # ``_org_codes[_org_starts[d]:_org_starts[d + 1]]``.
        order = np.argsort(org_docs, kind="stable")
        self._org_docs = org_docs[order]
        self._org_codes = org_codes[order]
        self._org_starts = np.searchsorted(self._org_docs, np.arange(size + 1))
        self._codes["org"] = (names, self._org_codes)
        for fieldname in self.SINGLE:
            names, docs, codes = _keyword_postings(reader, fieldname)
            per_doc = np.full(size, -1, dtype=np.int64)
            per_doc[docs] = codes  # an article with two values keeps the last (as stored, the only one)
            self._codes[fieldname] = (names, per_doc)

    def count(self, docnums: Iterable[int], top: int) -> dict[str, tuple[FacetValue, ...]]:
        docs = docnums.astype(np.int64, copy=False) if isinstance(docnums, np.ndarray) else np.fromiter(docnums, dtype=np.int64)
        names, _ = self._codes["org"]
        out = {"org": _top_codes(names, self._orgs_of(docs), top)}
        for name in self.SINGLE:
            distinct, codes = self._codes[name]
            picked = codes[docs]
            out[name] = _top_codes(distinct, picked[picked >= 0], top)
        return out

    def _orgs_of(self, docs: np.ndarray) -> np.ndarray:
        """The organization codes of the articles ``docs`` (distinct document numbers), one per
        mention, in no particular order."""
        if len(docs) * 8 > self._size:  # many articles: one pass over every mention
            chosen = np.zeros(self._size, dtype=bool)
            chosen[docs] = True
            return self._org_codes[chosen[self._org_docs]]  # type: ignore[no-any-return]
        starts = self._org_starts[docs]
        counts = self._org_starts[docs + 1] - starts
        # Each article's run of mentions: its start, then one more per mention.
        firsts = np.cumsum(counts) - counts
        return self._org_codes[np.repeat(starts - firsts, counts) + np.arange(int(counts.sum()))]  # type: ignore[no-any-return]

    def tally(self, docnums: np.ndarray) -> dict[str, dict[str, int]]:
        """Every value's count over ``docnums`` (document numbers), per facet: counts of the
        shards of an index add up (:func:`top_values` then gives what :meth:`count` gives)."""
        names, _ = self._codes["org"]
        per_code = {"org": (names, self._orgs_of(docnums))}
        for name in self.SINGLE:
            distinct, codes = self._codes[name]
            picked = codes[docnums]
            per_code[name] = (distinct, picked[picked >= 0])
        out: dict[str, dict[str, int]] = {}
        for name, (values, codes) in per_code.items():
            counts = np.bincount(codes, minlength=len(values))
            out[name] = {values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}
        return out


def top_values(counts: dict[str, int], top: int) -> tuple[FacetValue, ...]:
    """The ``top`` most frequent values of a tally, ties in value order (as :meth:`FacetTable.count`).

    >>> top_values({"b": 2, "a": 2, "c": 5}, 2)
    (FacetValue(value='c', count=5), FacetValue(value='a', count=2))
    """
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(FacetValue(v, c) for v, c in ranked[:top])


def count_stored(searcher: Any, docnums: np.ndarray, top: int) -> dict[str, tuple[FacetValue, ...]]:
    """The counts :meth:`FacetTable.count` gives, read from the stored fields of the
    documents ``docnums`` (live ones) instead of a table of the whole index: cheaper for a few
    documents. The stored values are those the facet fields were indexed from: ``orgs``
    joined by :data:`~searchkit.text.orgs.names.ORG_SEPARATOR`, ``year`` the
    year of ``published``, ``category`` and ``source`` as they are."""
    counts: dict[str, Counter[str]] = {"org": Counter(), "year": Counter(), "category": Counter(), "source": Counter()}
    for docnum in docnums.tolist():
        fields = searcher.stored_fields(docnum)
        counts["org"].update(set(split_orgs(fields.get("orgs"))))
        published = fields.get("published")
        if published is not None:
            counts["year"][str(published.year)] += 1
        for name in ("category", "source"):
            value = fields.get(name)
            if value is not None:
                counts[name][value] += 1
    # The table's order: most frequent first, ties in value order.
    return {name: tuple(FacetValue(v, n) for v, n in sorted(c.items(), key=lambda vn: (-vn[1], vn[0]))[:top])
            for name, c in counts.items()}


def _keyword_postings(reader: Any, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The values of a keyword field (sorted) and its postings as (document number, value code).

    Reads the term table segment by segment (:func:`~searchkit._whoosh.postings.field_postings`:
    a term in one or two articles of a segment, most organization names, has them in its term
    info; short lists are inlined there). Deleted articles may be included: counts are only
    ever taken over live articles.
    """
    found: list[tuple[int, bytes, Sequence[int]]] = [
        (base, btext, ids) for leaf, base in reader.leaf_readers() for btext, ids in field_postings(leaf, fieldname)
    ]
    values = sorted({btext for _, btext, _ in found})  # UTF-8 sorts in code point order, as the strings do
    code = {btext: i for i, btext in enumerate(values)}
    docs = np.fromiter((base + d for base, _, ids in found for d in ids), dtype=np.int64)
    codes = np.fromiter((code[btext] for _, btext, ids in found for _ in ids), dtype=np.int64, count=len(docs))
    return [v.decode("utf-8") for v in values], docs, codes


def _top_codes(values: Sequence[str], codes: np.ndarray, top: int) -> tuple[FacetValue, ...]:
    """The ``top`` most frequent values (ties in value order) of an array of value codes."""
    counts = np.bincount(codes, minlength=len(values))
    present = np.flatnonzero(counts)
    if 0 < top < len(present):
        # Only values counted at least as often as the top-th can be among the top (all its ties too).
        kth = np.partition(counts[present], len(present) - top)[len(present) - top]
        present = present[counts[present] >= kth]
    order = present[np.lexsort((present, -counts[present]))][:top]
    return tuple(FacetValue(values[i], int(counts[i])) for i in order.tolist())


def resolve_values(searcher: Any, q: wq.Query) -> wq.Query:
    """Match category/source/author values case- and accent-insensitively against the index."""
    if isinstance(q, wq.Term) and q.fieldname in ("category", "source", "author"):
        wanted = fold(normalize(str(q.text)).strip().lower())
        found = [t.decode("utf-8") for t in searcher.reader().lexicon(q.fieldname) if fold(t.decode("utf-8").lower()) == wanted]
        return wq.Or([wq.Term(q.fieldname, t) for t in found]) if found else wq.NullQuery()
    if type(q) is wq.Or:  # 'category:a OR category:b'
        return wq.Or([resolve_values(searcher, sub) for sub in q.subqueries], boost=q.boost)
    return q
