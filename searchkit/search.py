"""Searching an index: query building, BM25F ranking, results, facets, did-you-mean.

A parsed query (:mod:`searchkit.query`) becomes one Whoosh query over the three views of
title and body (:mod:`searchkit.analysis`):

* **Typed with diacritics** (any mark in the query): each word counts through the word view
  (``chỉ_đạo`` as one term, full weight), its syllables through the syllable view (partial
  weight) and, with a small weight, through the folded view. An article that has the exact
  spelling therefore ranks above one that matches only without diacritics ("mã" above "ma").
* **Typed without diacritics**: the folded view carries the query, and every pair of
  adjacent syllables counts again as a phrase, which stands in for word segmentation
  ("chi dao" as a unit).
* In both cases adjacent query words that appear side by side in the article, words found
  in the title, and organization names the query mentions (in any spelling or alias,
  through the ``orgs`` field) add to the score.

Relevance ranking is computed by :mod:`searchkit.rank` (Whoosh's BM25F over numpy arrays, the
adjacent-pair phrases checked for the best candidates only); sorting by date or views, and
query shapes it does not handle, go through Whoosh's searcher. Results are our own frozen
dataclasses, valid after the searcher is gone.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq

from searchkit import rank
from searchkit.analysis import stopwords, word_term
from searchkit.errors import ArgumentError, ModelError, QuerySyntaxError
from searchkit.highlight import (
    QueryTerms,
    Snippet,
    Span,
    full_highlight,
    make_snippet,
    match_spans,
)
from searchkit.normalize import fold, normalize
from searchkit.orgs import MAX_NAME_LENGTH, canonical_org, find_orgs
from searchkit.query import Clause, ParsedQuery, check_text, parse_query
from searchkit.segment import pyvi_words_path, segment

if TYPE_CHECKING:
    from searchkit.snapshot import Snapshot

__all__ = ["SORTS", "FacetTable", "FacetValue", "Hit", "SearchResults", "highlight_article", "search"]

#: Accepted values of ``sort``.
SORTS = ("relevance", "date", "views")
#: Facets computed over the whole result set.
FACETS = ("org", "year", "category", "source")
_MAX_UNITS = 48
# Did-you-mean leaves longer syllables alone (the one-edit automaton of a 10,000-letter word
# takes seconds to run over the lexicon; the longest Vietnamese syllable has 7 letters).
_MAX_CORRECTED = 24
#: Did-you-mean corrects at most this many unknown words of a query (the first ones)...
MAX_CORRECTED_WORDS = 8
#: ...and looks for corrections for at most this long (seconds), so a query of many unknown
#: words costs a bounded time (each correction scans the term table, tens of ms on big indexes).
SUGGEST_BUDGET = 0.25

# Ranking weights (tuned on the ALQAC dev questions, see benchmarks/quality.py).
_W_WORD = 1.0
_W_SYLLABLE = 0.35
_W_FOLDED_ACCENTED = 0.06
_W_FOLDED = 1.0
_W_UNMARKED = 0.2
_W_EXACT_UNACCENTED = 0.25
_W_PAIR = 0.6
_W_PAIR_FOLDED = 1.2
_W_PAIR_UNMARKED = 1.2
_PAIR_SLOP = 2
_TITLE_PAIRS = False
_W_TITLE = 1.6
_W_ORG = 2.0


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result.

    Attributes:
        id: The article id.
        title: The stored (normalized) title.
        score: Relevance score (0 when sorted by date or views).
        published: Publication time, if known.
        views: View count, if known.
        category: Category, if known.
        source: Source (newspaper, site), if known.
        orgs: Canonical organization names found in the article, most mentioned first.
        snippet: Best fragments of the body with "match" and "org" spans.
        title_snippet: The whole title with its spans.
    """

    id: str
    title: str
    score: float
    published: datetime | None
    views: int | None
    category: str | None
    source: str | None
    orgs: tuple[str, ...]
    snippet: Snippet
    title_snippet: Snippet


@dataclass(frozen=True, slots=True)
class FacetValue:
    """A facet value and how many matching articles have it."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of results with totals, facets and a did-you-mean suggestion.

    Attributes:
        query: The query as typed.
        total: Number of matching articles (all pages).
        took_ms: Time taken, in milliseconds, snippets included.
        hits: This page of hits.
        facets: ``{"org"|"year"|"category"|"source": (FacetValue, ...)}`` over all matches.
        suggestion: A corrected query when this one found few articles, else None.
        offset: Index of the first hit of this page in the full ranking.
    """

    query: str
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetValue, ...]]
    suggestion: str | None
    offset: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the documented JSON shape (see the README's "JSON output")."""
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "offset": self.offset,
            "hits": [_hit_json(h) for h in self.hits],
            "facets": {k: [{"value": f.value, "count": f.count} for f in v] for k, v in self.facets.items()},
            "suggestion": self.suggestion,
        }


def _hit_json(h: Hit) -> dict[str, Any]:
    return {
        "id": h.id,
        "title": h.title,
        "score": round(h.score, 4),
        "published": h.published.isoformat() if h.published else None,
        "views": h.views,
        "category": h.category,
        "source": h.source,
        "orgs": list(h.orgs),
        "snippet": _snippet_json(h.snippet),
        "title_snippet": _snippet_json(h.title_snippet),
    }


def _snippet_json(s: Snippet) -> dict[str, Any]:
    return {"text": s.text, "spans": [{"start": x.start, "end": x.end, "kind": x.kind} for x in s.spans]}


# -- query analysis ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Unit:
    """A query word: its syllable terms (normalized, lowercase) and whether it is a stopword."""

    syllables: tuple[str, ...]
    stop: bool

    @property
    def word(self) -> str:
        return "_".join(self.syllables)

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(_fold_term(s) for s in self.syllables)


@functools.lru_cache(maxsize=100_000)
def _fold_term(term: str) -> str:
    return fold(term)


def _is_accented(text: str) -> bool:
    return fold(text) != text


def _units(text: str, *, accented: bool) -> list[_Unit]:
    """Split free text into query units: pyvi words (accented) or syllables (unaccented)."""
    units: list[_Unit] = []
    stops = stopwords()
    # pyvi's model reads capitals as names: an all-caps query is segmented in lowercase.
    for word in segment(text.lower() if text.isupper() else text):
        term = word_term(word.text).lower()
        if not term:
            continue
        parts = tuple(term.split("_"))
        if accented:
            units.append(_Unit(parts, term in stops))
        else:
            units.extend(_Unit((p,), False) for p in parts)
    if units and all(u.stop for u in units):  # a query of stopwords only: search them anyway
        units = [_Unit(u.syllables, False) for u in units]
    return units[:_MAX_UNITS]


def _seq(field: str, terms: Sequence[str], boost: float) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(field, terms[0], boost=boost)
    return wq.Phrase(field, list(terms), boost=boost)


def _unit_scoring(unit: _Unit, accented: bool) -> list[wq.Query]:
    """The scoring clauses of one free-text unit."""
    out: list[wq.Query] = []
    for prefix, weight in (("title", _W_TITLE), ("body", 1.0)):
        if accented:
            out.append(wq.Term(f"{prefix}_w", unit.word, boost=_W_WORD * weight))
            out.extend(wq.Term(f"{prefix}_s", s, boost=_W_SYLLABLE * weight) for s in unit.syllables)
            for f, s in zip(unit.folded, unit.syllables, strict=True):
                # A syllable typed without marks in an accented query may be a lazy spelling.
                w = _W_FOLDED_ACCENTED if f != s else _W_UNMARKED
                out.append(wq.Term(f"{prefix}_f", f, boost=w * weight))
        else:
            out.extend(wq.Term(f"{prefix}_f", f, boost=_W_FOLDED * weight) for f in unit.folded)
            out.extend(wq.Term(f"{prefix}_s", s, boost=_W_EXACT_UNACCENTED * weight) for s in unit.syllables)
    return out


def _pair_scoring(units: Sequence[_Unit], accented: bool, reader: Any) -> list[wq.Query]:
    """Adjacent query words that stand side by side (or nearly) in the article score again."""
    content = [u for u in units if not u.stop]
    out: list[wq.Query] = []
    for a, b in itertools.pairwise(content):
        folded = [*a.folded, *b.folded]
        if accented:
            syllables = [*a.syllables, *b.syllables]
            out.append(wq.Phrase("body_s", syllables, slop=_PAIR_SLOP, boost=_W_PAIR))
            if _TITLE_PAIRS:
                out.append(wq.Phrase("title_s", syllables, slop=_PAIR_SLOP, boost=_W_PAIR * _W_TITLE))
            if any(_lazily_typed(reader, s) for s in syllables):
                # a word typed without its marks ("hội nghi"): its pair counts without them
                out.append(wq.Phrase("body_f", folded, slop=_PAIR_SLOP, boost=_W_PAIR_UNMARKED))
        else:
            out.append(wq.Phrase("body_f", folded, boost=_W_PAIR_FOLDED))
            if _TITLE_PAIRS:
                out.append(wq.Phrase("title_f", folded, boost=_W_PAIR_FOLDED * _W_TITLE))
    return out


def _lazily_typed(reader: Any, syllable: str) -> bool:
    """True for a syllable typed without marks that the index mostly holds with marks.

    "nghi" is a word, but far rarer than "nghị", "nghỉ", "nghĩ": in an accented query it was
    most likely typed lazily. "theo" or "2017" have no marked variants to speak of.
    """
    if _fold_term(syllable) != syllable or not syllable.isalpha():
        return False
    return bool(reader.doc_frequency("body_f", syllable) > 20 * reader.doc_frequency("body_s", syllable))


def _match_clause(text: str, fields: Sequence[str], *, phrase: bool) -> wq.Query | None:
    """Query requiring ``text`` in one of ``fields`` ("title", "body"), typed any way."""
    accented = _is_accented(text.lower())
    units = _units(text, accented=True)
    if not units:
        return None
    syllables = [s for u in units for s in u.syllables]
    view, terms = ("s", syllables) if accented else ("f", [_fold_term(s) for s in syllables])
    if phrase or len(terms) == 1:
        return wq.Or([_seq(f"{f}_{view}", terms, 1.0) for f in fields])
    return wq.And([wq.Or([wq.Term(f"{f}_{view}", t) for f in fields]) for t in terms])


def _org_query(name: str, boost: float = 1.0) -> wq.Query:
    """Articles naming the organization ``name`` (any alias) or a more specific one of it."""
    canonical = canonical_org(name) or normalize(name).strip()
    # "Ban Chỉ đạo 35" also finds "Ban Chỉ đạo 35 thành phố Hải Phòng".
    return wq.Or([wq.Term("orgs", canonical), wq.Prefix("orgs", canonical + " ")], boost=boost)


@dataclass
class _Built:
    scoring: list[wq.Query] = field(default_factory=list)
    required: list[wq.Query] = field(default_factory=list)
    filters: list[wq.Query] = field(default_factory=list)
    excluded: list[wq.Query] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    units: list[_Unit] = field(default_factory=list)
    accented: bool = True


def _build(parsed: ParsedQuery) -> _Built:
    built = _Built()
    free_text = " ".join(c.text for c in parsed.clauses if c.kind == "text" and not c.excluded)
    built.accented = _is_accented(free_text.lower()) or not free_text
    for clause in parsed.clauses:
        _add_clause(built, clause)
    for mention in find_orgs(free_text) if free_text else ():
        built.orgs.add(mention.canonical)
        # The name weighs as much as the words it stands for ("Ủy ban nhân dân ..." is many).
        size = max(1, len(mention.text.split()))
        built.scoring.append(_org_query(mention.canonical, boost=_W_ORG * size))
    return built


def _add_clause(built: _Built, clause: Clause) -> None:
    if clause.kind == "text":
        accented = built.accented or _is_accented(clause.text.lower())
        units = _units(clause.text, accented=accented)
        if clause.excluded or clause.required:
            q = _match_clause(clause.text, ("title", "body"), phrase=False)
            if q is not None:
                (built.excluded if clause.excluded else built.required).append(q)
            if clause.excluded:
                return
        _collect_terms(built, units, accented)
        built.units.extend(units)
        for unit in units:
            if not unit.stop:
                built.scoring.extend(_unit_scoring(unit, accented))
        return
    if clause.kind in ("phrase", "title"):
        fields = ("title",) if clause.kind == "title" else ("title", "body")
        q = _match_clause(clause.text, fields, phrase=clause.kind == "phrase" or clause.quoted)
        if q is None:
            return
        if clause.excluded:
            built.excluded.append(q)
            return
        built.required.append(q)
        units = _units(clause.text, accented=True)
        _collect_terms(built, units, _is_accented(clause.text.lower()))
        built.scoring.append(q)
        return
    if clause.kind == "org":
        q = _org_query(clause.text)
        if not clause.excluded:
            canonical = canonical_org(clause.text)
            if canonical:
                built.orgs.add(canonical)
    else:  # category, source, author: one whole value, any case
        q = wq.Term(clause.kind, clause.text)  # resolved to the stored spelling in _resolve_values
    (built.excluded if clause.excluded else built.filters).append(q)


def _collect_terms(built: _Built, units: Iterable[_Unit], accented: bool) -> None:
    for unit in units:
        if unit.stop:
            continue
        if accented:
            built.terms.update(unit.syllables)
        else:
            built.folded.update(unit.folded)


# -- running ----------------------------------------------------------------------------------


class FacetTable:
    """Per-document facet values of one index generation, read once from the postings."""

    #: The single-valued facet fields (one value an article at most).
    SINGLE = ("year", "category", "source")

    def __init__(self, searcher: Any) -> None:
        reader = searcher.reader()
        self._size = size = reader.doc_count_all()
        # Value codes are numbered in the values' sorted order (the tie order).
        self._codes: dict[str, tuple[list[str], np.ndarray]] = {}
        names, self._org_docs, self._org_codes = _keyword_postings(reader, "orgs")
        self._codes["org"] = (names, self._org_codes)
        for fieldname in self.SINGLE:
            names, docs, codes = _keyword_postings(reader, fieldname)
            per_doc = np.full(size, -1, dtype=np.int64)
            per_doc[docs] = codes  # an article with two values keeps the last (as stored, the only one)
            self._codes[fieldname] = (names, per_doc)

    def count(self, docnums: Iterable[int], top: int) -> dict[str, tuple[FacetValue, ...]]:
        if isinstance(docnums, np.ndarray):
            docs = docnums.astype(np.int64, copy=False)
        else:
            docs = np.fromiter(docnums, dtype=np.int64)
        chosen = np.zeros(self._size, dtype=bool)
        chosen[docs] = True
        names, _ = self._codes["org"]
        out = {"org": _top_codes(names, self._org_codes[chosen[self._org_docs]], top)}
        for name in self.SINGLE:
            distinct, codes = self._codes[name]
            picked = codes[docs]
            out[name] = _top_codes(distinct, picked[picked >= 0], top)
        return out


def _keyword_postings(reader: Any, fieldname: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The values of a keyword field (sorted) and its postings as (document number, value code).

    Reads the term table segment by segment. A term in one or two articles of a segment (most
    organization names) has them in its term info (first and last document), so only more
    frequent terms read their posting lists. Deleted articles may be included: counts are
    only ever taken over live articles.
    """
    found: list[tuple[int, bytes, Sequence[int]]] = []
    for leaf, base in reader.leaf_readers():
        terms = getattr(leaf, "_terms", None)
        if terms is None or not hasattr(terms, "items_from"):  # not a W3 segment: ask Whoosh
            found.extend((base, b, list(leaf.postings(fieldname, b).all_ids())) for b in leaf.lexicon(fieldname))
            continue
        for (name, btext), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                break
            df = info.doc_frequency()
            if df == 1:
                ids: Sequence[int] = (info.min_id(),)
            elif df == 2:
                ids = (info.min_id(), info.max_id())
            else:
                ids = list(leaf.postings(fieldname, btext).all_ids())
            found.append((base, btext, ids))
    values = sorted({btext for _, btext, _ in found}, key=lambda b: b.decode("utf-8"))
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


def search(
    snap: Snapshot,
    query: str,
    limit: int = 10,
    offset: int = 0,
    *,
    org: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    sort: str = "relevance",
    facets: bool = True,
    facet_top: int = 20,
    snippet_chars: int = 240,
) -> SearchResults:
    """Search one commit of an index (see :meth:`searchkit.Index.search`, which documents the
    arguments)."""
    started = time.perf_counter()
    _check_arguments(query, limit, offset, org=org, since=since, until=until, category=category, sort=sort)
    parsed = parse_query(query)
    built = _build(parsed)
    searcher = snap.searcher
    filters = list(built.filters)
    if org:
        filters.append(_org_query(org))
        built.orgs.add(canonical_org(org) or org)
    if category:
        filters.append(wq.Term("category", category))
    lo = _later(parsed.since, since)
    hi = _earlier(parsed.until, until)
    if lo is not None or hi is not None:
        filters.append(wq.DateRange("published", lo, hi))
    filters = [_resolve_values(searcher, q) for q in filters]
    excluded = [_resolve_values(searcher, q) for q in built.excluded]

    # Required words and phrases decide which articles match, the scoring clauses rank them;
    # field filters and dates only narrow the set (they never add an article).
    if not built.scoring and not built.required and not filters:
        return SearchResults(query, 0, _ms(started), (), MappingProxyType({}), None, offset)
    filter_q = wq.And(filters) if filters else None
    pairs = _pair_scoring(built.units, built.accented, searcher.reader()) if built.scoring else []
    sortedby = {"date": "published", "views": "views"}.get(sort)
    ranker = _ranker(snap)
    scored = _score(ranker, built) if sortedby is None and built.scoring else None
    # The total and the facets come from one set computation over the postings instead of
    # Whoosh counting by running the whole scored query again (twice, with facets).
    matched = _matching_docs(searcher, built, filter_q, excluded, ranker, scored)
    total = len(matched)
    ranked: list[tuple[int, float]] | None = None
    if scored is not None and ranker is not None:
        ranked = ranker.top(scored.scores, pairs, matched, offset + limit)
    if ranked is None:
        ranked = _whoosh_ranking(searcher, built, pairs, filter_q, excluded, sortedby, offset + limit if limit else 1)
    page = ranked[offset : offset + limit] if limit else []
    terms = QueryTerms(frozenset(built.terms), frozenset(built.folded))
    hits = tuple(
        _hit(searcher.stored_fields(d), score if sortedby is None else 0.0, terms, built.orgs, snippet_chars) for d, score in page
    )
    facet_values: Mapping[str, tuple[FacetValue, ...]] = MappingProxyType({})
    if facets and total:
        table = snap.cached("facets", lambda: FacetTable(searcher))
        facet_values = MappingProxyType(table.count(matched, facet_top))
    suggestion = _suggest(searcher, built)
    return SearchResults(query, total, _ms(started), hits, facet_values, suggestion, offset)


def _check_arguments(  # noqa: PLR0913 - the arguments of search()
    query: object,
    limit: object,
    offset: object,
    *,
    org: object,
    since: object,
    until: object,
    category: object,
    sort: object,
) -> None:
    """Reject arguments of the wrong type or value with one line naming the argument.

    Raises:
        ArgumentError: A wrong type, a negative ``limit``/``offset`` or an unknown ``sort``.
        QuerySyntaxError: ``org`` or ``category`` holds a lone surrogate; ``org`` is too long.
    """
    if not isinstance(query, str):
        raise ArgumentError(f"query must be a string, not {type(query).__name__}")
    for name, number in (("limit", limit), ("offset", offset)):
        if not isinstance(number, int):
            raise ArgumentError(f"{name} must be an integer, not {type(number).__name__} ({number!r})")
        if number < 0:
            raise ArgumentError(f"{name} must not be negative (got {number})")
    if not isinstance(sort, str) or sort not in SORTS:
        raise ArgumentError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    for name, text in (("org", org), ("category", category)):
        if text is not None:
            check_text(name, text)
    if isinstance(org, str) and len(org.strip()) > MAX_NAME_LENGTH:
        raise QuerySyntaxError(f"org is {len(org.strip())} characters long; an organization name has at most {MAX_NAME_LENGTH}")
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and not isinstance(moment, datetime):
            raise ArgumentError(f"{name} must be a datetime or None, not {type(moment).__name__}")


def _whoosh_ranking(
    searcher: Any,
    built: _Built,
    pairs: list[wq.Query],
    filter_q: wq.Query | None,
    excluded: Sequence[wq.Query],
    sortedby: str | None,
    limit: int,
) -> list[tuple[int, float]]:
    """The first ``limit`` ``(docnum, score)`` as Whoosh ranks them (sorted results, odd queries)."""
    if built.scoring:
        scoring_q: wq.Query = wq.Or(built.scoring + pairs)
        whole: wq.Query = wq.AndMaybe(wq.And(built.required), scoring_q) if built.required else scoring_q
    elif built.required:
        whole = wq.And(built.required)
    else:
        whole = wq.Every()
    if excluded:
        whole = wq.AndNot(whole, wq.Or(list(excluded)))
    results = searcher.search(whole, limit=limit, filter=filter_q, sortedby=sortedby, reverse=sortedby is not None, terms=False)
    return [(r.docnum, r.score) for r in results]


def _ranker(snap: Snapshot) -> rank.Ranker | None:
    """The vectorised scorer of this index generation, or None when the weighting is not BM25F."""
    try:
        return snap.cached("ranker", lambda: rank.Ranker(snap.searcher))
    except rank.Unsupported:
        return None


@dataclass(frozen=True, slots=True)
class _Scored:
    """The scoring clauses evaluated once, for both the ranking and the set of matches.

    Attributes:
        scores: Dense scores: the required clauses (as one And) plus every scoring clause.
        required: The articles the required clauses match, if there are any.
        matched: The articles any scoring clause matches.
    """

    scores: np.ndarray
    required: np.ndarray | None
    matched: np.ndarray


def _score(ranker: rank.Ranker | None, built: _Built) -> _Scored | None:
    """Evaluate the query with the vectorised ranker; None when it cannot."""
    if ranker is None:
        return None
    try:
        required = ranker.evaluate(wq.And(built.required)) if built.required else None
        scores, matched = ranker.evaluate_all(built.scoring, start=required[0] if required is not None else None)
    except rank.Unsupported:
        return None
    return _Scored(scores, required[1] if required is not None else None, matched)


def _matching_docs(
    searcher: Any,
    built: _Built,
    filter_q: wq.Query | None,
    excluded: Sequence[wq.Query],
    ranker: rank.Ranker | None = None,
    scored: _Scored | None = None,
) -> np.ndarray:
    """The sorted document numbers of all articles the query matches (same semantics as the
    scored query), computed as sets over the postings (taken from ``scored`` when given)."""
    if built.required:
        required = scored.required if scored is not None else None
        docs = required if required is not None else _docs(searcher, wq.And(built.required), ranker)
    elif scored is not None:
        docs = scored.matched
    elif built.scoring:
        docs = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
        for q in built.scoring:
            docs |= _docs(searcher, q, ranker)
    else:
        docs = _docs(searcher, wq.Every())
    if filter_q is not None and docs.any():
        docs = docs & _docs(searcher, filter_q, ranker)
    if excluded and docs.any():
        docs = docs & ~_docs(searcher, wq.Or(list(excluded)), ranker)
    return np.flatnonzero(docs)


def _docs(searcher: Any, q: wq.Query, ranker: rank.Ranker | None = None) -> np.ndarray:
    """Which articles match ``q``, as a boolean array over document numbers."""
    if ranker is not None:
        try:
            return ranker.evaluate(q)[1]
        except rank.Unsupported:
            pass
    out = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
    out[np.fromiter(searcher.docs_for_query(q), dtype=np.int64)] = True
    return out


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return min(x for x in (a, b) if x is not None) if (a or b) else None


def _resolve_values(searcher: Any, q: wq.Query) -> wq.Query:
    """Match category/source/author values case- and accent-insensitively against the index."""
    if isinstance(q, wq.Term) and q.fieldname in ("category", "source", "author"):
        wanted = fold(normalize(str(q.text)).strip().lower())
        found = [t.decode("utf-8") for t in searcher.reader().lexicon(q.fieldname) if fold(t.decode("utf-8").lower()) == wanted]
        return wq.Or([wq.Term(q.fieldname, t) for t in found]) if found else wq.NullQuery()
    return q


def _hit(fields: Mapping[str, Any], score: float, terms: QueryTerms, orgs: set[str], snippet_chars: int) -> Hit:
    title = fields.get("title", "")
    body = fields.get("body", "")
    spans = fields.get("org_spans") or []
    title_orgs, body_orgs, extra = _org_spans(spans, orgs)
    body_matches = match_spans(body, terms) + extra.get("body", [])
    title_matches = match_spans(title, terms) + extra.get("title", [])
    if not body_matches and not title_matches and terms.syllables:
        loose = QueryTerms(terms.syllables, frozenset(_fold_term(t) for t in terms.syllables) | terms.folded)
        body_matches, title_matches = match_spans(body, loose), match_spans(title, loose)
    return Hit(
        id=fields["id"],
        title=title,
        score=float(score),
        published=fields.get("published"),
        views=fields.get("views"),
        category=fields.get("category"),
        source=fields.get("source"),
        orgs=tuple(o for o in str(fields.get("orgs") or "").split(",") if o),
        snippet=make_snippet(body, body_matches, body_orgs, max_chars=snippet_chars),
        title_snippet=full_highlight(title, title_matches, title_orgs),
    )


def _org_spans(stored: Sequence[Sequence[Any]], wanted: set[str]) -> tuple[list[Span], list[Span], dict[str, list[Span]]]:
    """Split stored org mentions into title/body "org" spans, plus "match" spans for the
    mentions of organizations the query asked for."""
    title: list[Span] = []
    body: list[Span] = []
    extra: dict[str, list[Span]] = {"title": [], "body": []}
    for fieldname, start, end, canonical in stored:
        (title if fieldname == "title" else body).append(Span(int(start), int(end), "org"))
        if canonical in wanted or any(canonical.startswith(w + " ") for w in wanted):
            extra[fieldname].append(Span(int(start), int(end), "match"))
    return title, body, extra


# -- did you mean -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _known_syllables() -> frozenset[str]:
    """Syllables of pyvi's word list: a correctly spelled syllable is never 'corrected'."""
    try:
        text = pyvi_words_path().read_text(encoding="utf-8")
    except (ModelError, OSError):
        return frozenset()
    return frozenset(normalize(s).lower() for line in text.splitlines() for s in line.split())


def _suggest(searcher: Any, built: _Built) -> str | None:
    """Suggest a corrected query when some of its words are unknown to the index.

    Only words that occur in no article are corrected, to the closest known spelling (one
    edit; a tone variant of the same letters first); a correctly spelled word is never
    replaced by a word that differs from it only in tone. A syllable longer than
    :data:`_MAX_CORRECTED` characters is not a misspelling and is left as it is. Only the
    first :data:`MAX_CORRECTED_WORDS` unknown words are corrected, within
    :data:`SUGGEST_BUDGET` seconds; later ones are kept as typed.
    """
    reader = searcher.reader()
    field = "body_s" if built.accented else "body_f"
    changed = False
    words: list[str] = []
    attempts = 0
    deadline = time.perf_counter() + SUGGEST_BUDGET
    for unit in built.units:
        for syllable in unit.syllables if built.accented else unit.folded:
            best = syllable
            if unit.stop or len(syllable) > _MAX_CORRECTED or attempts >= MAX_CORRECTED_WORDS:
                words.append(best)
                continue
            unknown = reader.doc_frequency(field, syllable) == 0 and reader.doc_frequency("title" + field[4:], syllable) == 0
            if unknown and time.perf_counter() < deadline:
                attempts += 1
                best = _correct(reader, field, syllable, accented=built.accented) or syllable
            changed |= best != syllable
            words.append(best)
    return " ".join(words) if changed else None


def _correct(reader: Any, field: str, syllable: str, *, accented: bool) -> str | None:
    known = syllable in _known_syllables()
    best: tuple[bool, int, str] | None = None
    for candidate in reader.terms_within(field, syllable, 1):
        if candidate == syllable:
            continue
        same_letters = _fold_term(candidate) == _fold_term(syllable)
        if accented and known and same_letters:
            continue  # a real word is never "corrected" to another tone of itself
        # A misspelt tone ("phảo") is most likely meant as another tone of the same letters.
        key = (same_letters, reader.doc_frequency(field, candidate), candidate)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def highlight_article(snap: Snapshot, article_id: str, query: str) -> tuple[Snippet, Snippet] | None:
    """Return ``(title, body)`` of an article with every match and organization span."""
    check_text("article_id", article_id)
    if not isinstance(query, str):
        raise ArgumentError(f"query must be a string, not {type(query).__name__}")
    fields = snap.searcher.document(id=article_id)
    if fields is None:
        return None
    built = _build(parse_query(query)) if query.strip() else _Built()
    terms = QueryTerms(frozenset(built.terms), frozenset(built.folded))
    title_orgs, body_orgs, extra = _org_spans(fields.get("org_spans") or [], built.orgs)
    title, body = fields.get("title", ""), fields.get("body", "")
    return (
        full_highlight(title, match_spans(title, terms) + extra["title"], title_orgs),
        full_highlight(body, match_spans(body, terms) + extra["body"], body_orgs),
    )

