"""Searching a sharded index: every shard evaluates the query with the whole index's
statistics, and the caller merges, so the results equal those of one index.

A query runs in three rounds over the shards (Elasticsearch's ``dfs_query_then_fetch``, with
the statistics read from the shards' term tables, see :mod:`searchkit._whoosh.shards`):

1. **count** (:meth:`ShardQuery.counts`): each shard plans and scores the query and counts
   which of its words the allowed articles hold (:class:`~searchkit.search.match.WordCounts`);
   the caller adds the counts up and decides which articles match
   (:func:`~searchkit.search.match.choose`: every word, or fewer when too few articles hold
   them all). A query that needs no such decision skips this round.
2. **rank** (:meth:`ShardQuery.rank`): each shard applies the decision and returns its
   total, its best ``offset + limit`` hits (document number, score, sort key) and its facet
   counts; the caller merges them (:func:`merge`).
3. **fetch** (:meth:`ShardQuery.hits`): the shards holding the page's hits make them, with
   snippets; no other hit gets a snippet.

Ties (equal scores, dates or views) come in shard order, then in document order within a
shard: one index orders them by document number alone, so articles of equal score may come
in another order than in one index (and a page boundary may cut a tie differently).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from whoosh import query as wq

from searchkit.search.engine import (
    DateArgument,
    Scored,
    check_arguments,
    date_argument,
    make_hit,
    plan_docs,
    plan_with_filters,
    query_docs,
    query_terms,
    ranker_of,
    score_plan,
    whoosh_ranking,
)
from searchkit.search.facets import FacetTable, resolve_values, top_values
from searchkit.search.match import Choice, WordCounts, choose
from searchkit.search.plan import Plan, pair_scoring
from searchkit.search.results import FacetValue, Hit, MatchMode, SearchResults, SortOrder
from searchkit.search.suggest import suggest

if TYPE_CHECKING:
    from searchkit._whoosh.shards import WholeIndex
    from searchkit.index.snapshot import Snapshot

__all__ = ["Request", "ShardQuery", "ShardRanking", "Shards", "search_shards"]


@dataclass(frozen=True, slots=True)
class Request:
    """A search's arguments, checked once by the caller and sent to every shard."""

    query: str
    limit: int = 10
    offset: int = 0
    org: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    sort: SortOrder = "relevance"
    facets: bool = True
    facet_top: int = 20
    snippet_chars: int = 240
    match: MatchMode = "auto"
    whole_names: bool = True  # False: the second try of a search (see search_shards)

    @classmethod
    def checked(
        cls,
        query: str,
        limit: int = 10,
        offset: int = 0,
        *,
        org: str | None = None,
        since: DateArgument = None,
        until: DateArgument = None,
        category: str | None = None,
        sort: SortOrder = "relevance",
        facets: bool = True,
        facet_top: int = 20,
        match: MatchMode = "auto",
    ) -> Request:
        """The request for :meth:`searchkit.Index.search`'s arguments (which it documents).

        Raises:
            ArgumentError: As :meth:`searchkit.Index.search`.
            QuerySyntaxError: As :meth:`searchkit.Index.search`.
        """
        check_arguments(query, limit, offset, org=org, category=category, sort=sort, match=match)
        start, end = date_argument("since", since, end=False), date_argument("until", until, end=True)
        return cls(query, limit, offset, org, start, end, category, sort, bool(facets), facet_top, 240, match)


@dataclass
class _Planned:
    """The plan of a request and its filters (before they are resolved against a shard)."""

    built: Plan
    filters: list[wq.Query]
    question: bool

    @classmethod
    def of(cls, request: Request) -> _Planned:
        built, filters = plan_with_filters(
            request.query, request.org, request.category, request.since, request.until, whole_names=request.whole_names
        )
        return cls(built, filters, built.question or "?" in request.query)

    @property
    def empty(self) -> bool:
        """Nothing to match: no words, no required clause, no filter, no exclusion."""
        return not self.built.scoring and not self.built.required and not self.filters and not self.built.excluded

    @property
    def chooses(self) -> bool:
        """Whether the matching articles are decided from counts over the whole index."""
        return bool(self.built.needs)

    def sortedby(self, sort: SortOrder) -> str | None:
        filters_only = not self.built.scoring and not self.built.required
        return {"date": "published", "views": "views"}.get(sort, "published" if filters_only else None)


@dataclass(frozen=True, slots=True)
class ShardRanking:
    """One shard's part of a result: its total, its best hits and its facet counts.

    Attributes:
        total: Matching articles in the shard.
        top: ``(docnum, score, key)`` of its best ``offset + limit`` hits, best first; ``key``
            is the score, or the date or views sorted by (None: sorts last).
        facets: Every facet value's count over the shard's matches.
    """

    total: int
    top: tuple[tuple[int, float, Any], ...]
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


class ShardQuery:
    """One query evaluated on one shard (see the module docs for the rounds).

    Args:
        snap: The shard's snapshot; its searcher scores with the whole index's statistics.
        whole: The whole index's statistics (they decide which word pairs score).
        request: The search.
    """

    def __init__(self, snap: Snapshot, whole: WholeIndex, request: Request) -> None:
        self._snap = snap
        self._request = request
        planned = _Planned.of(request)
        self._built = built = planned.built
        self._sortedby = planned.sortedby(request.sort)
        searcher = snap.searcher
        self._filter_q: wq.Query | None = None
        self._has: list[np.ndarray] = []
        self._base: np.ndarray | None = None
        self._docs: np.ndarray | None = None
        self._pairs: list[wq.Query] = []
        self._ranker = None
        self._scored: Scored | None = None
        if planned.empty:
            self._docs = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
            return
        filters = [resolve_values(searcher, q) for q in planned.filters]
        excluded = [resolve_values(searcher, q) for q in built.excluded]
        self._filter_q = wq.And(filters) if filters else None
        self._pairs = pair_scoring(built.units, built.accented, whole) if built.scoring else []
        self._ranker = ranker = ranker_of(snap)
        self._scored = scored = score_plan(ranker, built) if self._sortedby is None and built.scoring else None
        if request.match == "any" or not planned.chooses:
            self._docs = plan_docs(searcher, built, self._filter_q, excluded, ranker, scored)
            return
        # As searchkit.search.engine._result_set, with the choice made over the whole index.
        if built.required:
            required = scored.required if scored is not None else None
            base = required if required is not None else query_docs(searcher, wq.And(built.required), ranker)
        else:
            base = np.ones(searcher.reader().doc_count_all(), dtype=bool)
        if excluded:
            base = base & ~query_docs(searcher, wq.Or(list(excluded)), ranker)
        self._base = base
        self._has = [query_docs(searcher, need.query, ranker) for need in built.needs]

    def counts(self) -> WordCounts | None:
        """Round 1: which words the allowed articles hold; None when nothing is to be chosen."""
        return None if self._base is None else WordCounts.of(self._has, self._base)

    def rank(self, choice: Choice | None) -> ShardRanking:
        """Round 2: the shard's total, best ``offset + limit`` hits and facet counts, the
        matching articles being those ``choice`` keeps (the caller's decision from round 1)."""
        docs = self._docs
        if docs is None:
            if self._base is None or choice is None:
                raise ValueError("this query needs the choice made from the counts of every shard")
            docs = choice.apply(self._has, self._base).docs
            if self._filter_q is not None:
                docs = docs & query_docs(self._snap.searcher, self._filter_q, self._ranker)
        matched = np.flatnonzero(docs)
        request = self._request
        want = request.offset + request.limit
        ranked: list[tuple[int, float]] | None = None
        if self._scored is not None and self._ranker is not None:
            ranked = self._ranker.top(self._scored.scores, self._pairs, matched, want)
        if ranked is None:
            searcher = self._snap.searcher
            ranked = whoosh_ranking(searcher, self._built, self._pairs, matched, self._sortedby, want if request.limit else 1)
        ranked = ranked[:want] if request.limit else []
        top = tuple((d, s, self._key(d, s)) for d, s in ranked)
        facets: Mapping[str, Mapping[str, int]] = {}
        if request.facets and len(matched):
            searcher = self._snap.searcher
            facets = self._snap.cached("facets", lambda: FacetTable(searcher)).tally(matched)
        return ShardRanking(len(matched), top, facets)

    def _key(self, docnum: int, score: float) -> Any:
        if self._sortedby is None:
            return score
        return self._snap.searcher.stored_fields(docnum).get(self._sortedby)

    def hits(self, picks: Sequence[tuple[int, float]]) -> list[Hit]:
        """Round 3: the hits of these ``(docnum, score)``, with their snippets."""
        request, searcher = self._request, self._snap.searcher
        terms = query_terms(self._built)
        scored = self._sortedby is None
        return [
            make_hit(searcher.stored_fields(d), s if scored else None, terms, self._built.orgs, request.snippet_chars) for d, s in picks
        ]


class Shards(Protocol):
    """The shards of an index as one search sees them: each call runs on every shard at once
    (threads in this process, or the workers of a cluster) and returns one answer per shard."""

    def count(self, token: str, request: Request) -> list[WordCounts | None]:
        """Round 1 on every shard (opens the query ``token`` there)."""
        ...  # pragma: no cover

    def rank(self, token: str, choice: Choice | None, request: Request | None = None) -> list[ShardRanking]:
        """Round 2 on every shard; given the ``request``, it opens the query (no round 1 was needed)."""
        ...  # pragma: no cover

    def fetch(self, token: str, picks: Mapping[int, Sequence[tuple[int, float]]]) -> dict[int, list[Hit]]:
        """Round 3 on the shards named in ``picks`` (shard -> its hits); closes ``token`` everywhere."""
        ...  # pragma: no cover


def search_shards(
    shards: Shards,
    request: Request,
    whole: WholeIndex,
    cached: Callable[[str, Callable[[], Any]], Any],
    token: str,
) -> SearchResults:
    """Search every shard and merge the results (see the module docs); tried again without whole
    organization names when none matched, as :func:`searchkit.search.engine.search` does.

    Args:
        shards: The shards.
        request: The search, checked (:meth:`Request.checked`).
        whole: The whole index, for the did-you-mean suggestion.
        cached: Where the suggestion keeps what it derives from ``whole``.
        token: A name for this query, unique among the queries running at once.
    """
    started = time.perf_counter()
    results, names = _search_shards(shards, request, whole, cached, token)
    if results.total or request.match != "auto" or not names:
        return replace(results, took_ms=_ms(started))
    again, _ = _search_shards(shards, replace(request, whole_names=False), whole, cached, token + "-again")
    if not again.total:  # the name was not the cause (a filter, say): nothing to report
        return replace(results, took_ms=_ms(started))
    return replace(again, took_ms=_ms(started), relaxed=(*names, *again.relaxed))


def _search_shards(
    shards: Shards, request: Request, whole: WholeIndex, cached: Callable[[str, Callable[[], Any]], Any], token: str
) -> tuple[SearchResults, tuple[str, ...]]:
    """One try of :func:`search_shards`: the results, and the organization names made one need each."""
    started = time.perf_counter()
    planned = _Planned.of(request)
    built = planned.built
    if planned.empty:
        return SearchResults(request.query, 0, _ms(started), (), MappingProxyType({}), None, request.offset, request.match), built.names
    choice: Choice | None = None
    if request.match != "any" and planned.chooses:
        counts = [c for c in shards.count(token, request) if c is not None]
        choice = choose(
            _sum(counts), [need.label for need in built.needs], request.match,
            required=built.required_words, question=planned.question, keep=[need.org for need in built.needs],
        )
        parts = shards.rank(token, choice)
    else:
        parts = shards.rank(token, None, request)
    total = sum(p.total for p in parts)
    page = merge(parts, request.offset, request.limit)
    picks: dict[int, list[tuple[int, float]]] = {}
    for shard, docnum, score in page:
        picks.setdefault(shard, []).append((docnum, score))
    made = shards.fetch(token, picks)
    cursor = {shard: iter(hits) for shard, hits in made.items()}
    hits = tuple(next(cursor[shard]) for shard, _, _ in page)
    facets: Mapping[str, tuple[FacetValue, ...]] = MappingProxyType({})
    if request.facets and total:
        facets = MappingProxyType(merge_facets([p.facets for p in parts], request.facet_top))
    with whole.lock:
        suggestion = suggest(whole.searcher, request.query, built, total, cached, relaxed=bool(choice and choice.relaxed))
    return SearchResults(
        request.query, total, _ms(started), hits, facets, suggestion, request.offset, request.match,
        choice.relaxed if choice else (), choice.min_words if choice else None,
    ), built.names


def merge(parts: Sequence[ShardRanking], offset: int, limit: int) -> list[tuple[int, int, float]]:
    """The page ``(shard, docnum, score)`` of the shards' best hits: by key, highest first,
    hits without a key last; ties in shard order, then in each shard's order."""
    entries = [(shard, d, s, key) for shard, part in enumerate(parts) for d, s, key in part.top]
    keyed = [e for e in entries if e[3] is not None]
    keyed.sort(key=lambda e: e[3], reverse=True)  # stable, also reversed: ties keep shard order
    ordered = keyed + [e for e in entries if e[3] is None]
    return [(shard, d, s) for shard, d, s, _ in ordered[offset : offset + limit]]


def merge_facets(tallies: Sequence[Mapping[str, Mapping[str, int]]], top: int) -> dict[str, tuple[FacetValue, ...]]:
    """Add up the shards' facet counts and keep the ``top`` values of each facet.

    >>> merge_facets([{"org": {"A": 1, "B": 2}}, {"org": {"A": 2}}], 1)["org"]
    (FacetValue(value='A', count=3),)
    """
    summed: dict[str, dict[str, int]] = {}
    for tally in tallies:
        for name, counts in tally.items():
            into = summed.setdefault(name, {})
            for value, n in counts.items():
                into[value] = into.get(value, 0) + n
    return {name: top_values(summed.get(name, {}), top) for name in ("org", *FacetTable.SINGLE)}


def _sum(counts: Sequence[WordCounts]) -> WordCounts:
    total = counts[0]
    for c in counts[1:]:
        total = total + c
    return total


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
