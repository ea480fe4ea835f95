"""Searching one commit of an index: the plan is evaluated (ranked, counted, faceted) and
the page of hits assembled; :meth:`searchkit.Index.search` is the entry point."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import query as wq

from searchkit.errors import ArgumentError, QuerySyntaxError
from searchkit.search import rank
from searchkit.search.facets import FEW_DOCS, FacetTable, count_stored, resolve_values
from searchkit.search.highlight import (
    QueryTerms,
    Span,
    full_highlight,
    make_snippet,
    match_spans,
    typed_name_span,
)
from searchkit.search.match import Selection, select
from searchkit.search.plan import (
    Plan,
    build_plan,
    fold_term,
    org_query,
    pair_scoring,
)
from searchkit.search.query import check_text, parse_date_range, parse_query
from searchkit.search.results import MATCH_MODES, SORTS, FacetValue, Highlighted, Hit, MatchMode, SearchResults, SortOrder
from searchkit.search.suggest import suggest
from searchkit.text.orgs import MAX_NAME_LENGTH, canonical_org
from searchkit.text.orgs.names import split_orgs

if TYPE_CHECKING:
    from searchkit.index.snapshot import Snapshot

# search() and highlight_article(), and the steps that searchkit.search.sharded runs per shard
__all__ = [
    "DateArgument", "Scored", "check_arguments", "date_argument", "highlight_article", "make_hit", "plan_docs",
    "plan_with_filters", "query_docs", "query_terms", "ranker_of", "score_plan", "search", "whoosh_ranking",
]

#: What ``since`` and ``until`` take: a date, a datetime, or 2023, 2023-08, 2023-08-18.
DateArgument = date | datetime | str | None

def search(
    snap: Snapshot,
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
    snippet_chars: int = 240,
    match: MatchMode = "auto",
) -> SearchResults:
    """Search one commit of an index (see :meth:`searchkit.Index.search`, which documents the
    arguments).

    In ``"auto"`` mode, when no article matches and the query names an organization as a whole,
    it is searched again with the name's words as words of their own ("ban chi dao 35 quang
    tri" on an archive without that committee: the committees 35 and Quảng Trị), and the name is
    reported as given up (:attr:`SearchResults.relaxed`).
    """
    started = time.perf_counter()
    check_arguments(query, limit, offset, org=org, category=category, sort=sort, match=match)
    start, end = date_argument("since", since, end=False), date_argument("until", until, end=True)
    options = (limit, offset, org, start, end, category, sort, facets, facet_top, snippet_chars, match)
    results, names = _search(snap, query, *options, whole_names=True)
    if results.total or match != "auto" or not names:
        return replace(results, took_ms=_ms(started))
    again, _ = _search(snap, query, *options, whole_names=False)
    if not again.total:  # the name was not the cause (a filter, say): nothing to report
        return replace(results, took_ms=_ms(started))
    return replace(again, took_ms=_ms(started), relaxed=(*names, *again.relaxed))


def _search(
    snap: Snapshot,
    query: str,
    limit: int,
    offset: int,
    org: str | None,
    start: datetime | None,
    end: datetime | None,
    category: str | None,
    sort: SortOrder,
    facets: bool,
    facet_top: int,
    snippet_chars: int,
    match: MatchMode,
    *,
    whole_names: bool,
) -> tuple[SearchResults, tuple[str, ...]]:
    """One try of :func:`search`: the results, and the organization names the query made one need each."""
    started = time.perf_counter()
    built, filters = plan_with_filters(query, org, category, start, end, whole_names=whole_names)
    searcher = snap.searcher
    filters = [resolve_values(searcher, q) for q in filters]
    excluded = [resolve_values(searcher, q) for q in built.excluded]

    # The free text's words, required phrases and fields decide which articles match (see
    # searchkit.search.match), the scoring clauses rank them; filters only narrow the set.
    if not built.scoring and not built.required and not filters and not excluded:
        return SearchResults(query, 0, _ms(started), (), MappingProxyType({}), None, offset, match), built.names
    filter_q = wq.And(filters) if filters else None
    pairs = pair_scoring(built.units, built.accented, searcher.reader()) if built.scoring else []
    filters_only = not built.scoring and not built.required
    # A query of filters or exclusions only ("-Hà Nội": every other article) has nothing to
    # rank by: newest first.
    sortedby = {"date": "published", "views": "views"}.get(sort, "published" if filters_only else None)
    ranker = ranker_of(snap)
    scored = score_plan(ranker, built) if sortedby is None and built.scoring else None
    # The total and the facets come from one set computation over the postings instead of
    # Whoosh counting by running the whole scored query again (twice, with facets).
    chosen = _result_set(searcher, built, filter_q, excluded, ranker, scored, match, built.question or "?" in query)
    matched = np.flatnonzero(chosen.docs)
    total = len(matched)
    ranked: list[tuple[int, float]] | None = None
    if scored is not None and ranker is not None:
        ranked = ranker.top(scored.scores, pairs, matched, offset + limit)
    if ranked is None:
        ranked = whoosh_ranking(searcher, built, pairs, matched, sortedby, offset + limit if limit else 1)
    page = ranked[offset : offset + limit] if limit else []
    terms = query_terms(built)
    hits = tuple(
        make_hit(searcher.stored_fields(d), score if sortedby is None else None, terms, built.orgs, snippet_chars) for d, score in page
    )
    facet_values: Mapping[str, tuple[FacetValue, ...]] = MappingProxyType({})
    if facets and total:
        facet_values = MappingProxyType(_facets(snap, matched, facet_top))
    suggestion = suggest(searcher, query, built, total, snap.cached, relaxed=bool(chosen.relaxed))
    return SearchResults(
        query, total, _ms(started), hits, facet_values, suggestion, offset, match, chosen.relaxed, chosen.min_words
    ), built.names


def plan_with_filters(
    query: str, org: str | None, category: str | None, since: datetime | None, until: datetime | None, *, whole_names: bool = True
) -> tuple[Plan, list[wq.Query]]:
    """The plan of ``query`` and its filters (the query's own, then the ``org``, ``category`` and
    date arguments), before they are resolved against a searcher (``whole_names``: see
    :func:`~searchkit.search.plan.build_plan`)."""
    parsed = parse_query(query)
    built = build_plan(parsed, whole_names=whole_names)
    filters = list(built.filters)
    if org:
        filters.append(org_query(org))
        built.orgs.add(canonical_org(org) or org)
    if category:
        filters.append(wq.Term("category", category))
    lo, hi = _later(parsed.since, since), _earlier(parsed.until, until)
    if lo is not None or hi is not None:
        filters.append(wq.DateRange("published", lo, hi))
    return built, filters


def date_argument(name: str, value: object, *, end: bool) -> datetime | None:
    """Read a ``since`` (or, with ``end``, ``until``) argument as the moment it stands for.

    A :class:`~datetime.datetime` is taken as it is; a :class:`~datetime.date` and the strings
    of the command line (``2023``, ``2023-08``, ``2023-08-18``, also ``18-08-2023``) stand
    for their first moment, or with ``end`` their last (``until="2023"`` is the end of 2023).

    Raises:
        ArgumentError: Neither a date nor a string, a string that is not a date, or a range
            (``2022..2023``) whose end asked for is open.

    >>> date_argument("until", "2023", end=True)
    datetime.datetime(2023, 12, 31, 23, 59, 59, 999999)
    >>> date_argument("since", date(2023, 8, 18), end=False)
    datetime.datetime(2023, 8, 18, 0, 0)
    """
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, *((23, 59, 59, 999999) if end else ()))
    if not isinstance(value, str):
        raise ArgumentError(f"{name} must be a date, a datetime or a string such as 2023-08, not {type(value).__name__}")
    try:
        lo, hi = parse_date_range(value)
    except QuerySyntaxError as e:
        raise ArgumentError(f"{name}={value!r} is not a date; use 2023, 2023-08 or 2023-08-18") from e
    bound = hi if end else lo
    if bound is None:
        raise ArgumentError(f"{name}={value!r} leaves the {'end' if end else 'start'} open; give a date such as 2023-08")
    return bound


def check_arguments(
    query: object,
    limit: object,
    offset: object,
    *,
    org: object,
    category: object,
    sort: object,
    match: object,
) -> None:
    """Reject arguments of the wrong type or value with one line naming the argument.

    Raises:
        ArgumentError: A wrong type, a negative ``limit``/``offset``, an unknown ``sort`` or ``match``.
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
    if not isinstance(match, str) or match not in MATCH_MODES:
        raise ArgumentError(f"unknown match {match!r}: use one of {', '.join(MATCH_MODES)}")


def whoosh_ranking(
    searcher: Any,
    built: Plan,
    pairs: list[wq.Query],
    matched: np.ndarray,
    sortedby: str | None,
    limit: int,
) -> list[tuple[int, float]]:
    """The first ``limit`` ``(docnum, score)`` of the ``matched`` articles (sorted document
    numbers) as Whoosh ranks them: sorted results, and queries the vectorised ranker does not
    handle. Undated articles come last when sorted by date, articles without a view count when
    sorted by views; matched articles no scoring clause scores come last by relevance, with score 0."""
    allowed = set(matched.tolist())
    if not allowed:  # (Whoosh reads an empty filter as no filter)
        return []
    if sortedby is None and built.scoring:
        scoring_q: wq.Query = wq.Or(built.scoring + pairs)
        whole = wq.AndMaybe(wq.And(built.required), scoring_q) if built.required else scoring_q
        first = _whoosh_top(searcher, whole, allowed, None, limit)
    elif sortedby is not None:
        # Whoosh would sort an article without the value by its column's default (a missing view
        # count first). An open range reads the field's few coarsest numeric terms, not all of them.
        valued = set(searcher.docs_for_query(wq.NumericRange(sortedby, None, None))) & allowed
        first = _whoosh_top(searcher, wq.Every(), valued, sortedby, limit) if valued else []
    else:
        first = _whoosh_top(searcher, wq.Every(), allowed, None, limit)
    if len(first) < limit:
        seen = {d for d, _ in first}
        first.extend((d, 0.0) for d in matched.tolist() if d not in seen)
    return first[:limit]


def _whoosh_top(searcher: Any, q: wq.Query, allowed: set[int], sortedby: str | None, limit: int) -> list[tuple[int, float]]:
    results = searcher.search(q, limit=limit, filter=allowed, sortedby=sortedby, reverse=sortedby is not None, terms=False)
    return [(r.docnum, r.score) for r in results]


def _facets(snap: Snapshot, matched: np.ndarray, top: int) -> dict[str, tuple[FacetValue, ...]]:
    """Facet counts over the ``matched`` articles. The generation's :class:`FacetTable` is
    built by the first query that matches many articles; until then, queries that match few
    count from those articles' stored fields, as long as all of them together have read no
    more than an eighth of the index (past that, building the table is cheaper)."""
    searcher = snap.searcher
    if not snap.has("facets"):
        spent = snap.cached("facets.stored", lambda: [0])  # articles read so far
        budget = max(FEW_DOCS, searcher.reader().doc_count_all() // 8)
        if len(matched) <= FEW_DOCS and spent[0] + len(matched) <= budget:
            spent[0] += len(matched)
            return count_stored(searcher, matched, top)
    return snap.cached("facets", lambda: FacetTable(searcher)).count(matched, top)


def ranker_of(snap: Snapshot) -> rank.Ranker | None:
    """The vectorised scorer of this index generation, or None when the weighting is not BM25F."""
    try:
        return snap.cached("ranker", lambda: rank.Ranker(snap.searcher))
    except rank.Unsupported:
        return None


@dataclass(frozen=True, slots=True)
class Scored:
    """The scoring clauses evaluated once, for both the ranking and the set of matches.

    Attributes:
        scores: Dense scores: the required clauses (as one And) plus every scoring clause.
        required: The articles the required clauses match, if there are any.
        matched: The articles any scoring clause matches.
    """

    scores: np.ndarray
    required: np.ndarray | None
    matched: np.ndarray


def score_plan(ranker: rank.Ranker | None, built: Plan) -> Scored | None:
    """Evaluate the query with the vectorised ranker; None when it cannot."""
    if ranker is None:
        return None
    try:
        required = ranker.evaluate(wq.And(built.required)) if built.required else None
        scores, matched = ranker.evaluate_all(built.scoring, start=required[0] if required is not None else None)
    except rank.Unsupported:
        return None
    return Scored(scores, required[1] if required is not None else None, matched)


def _result_set(
    searcher: Any,
    built: Plan,
    filter_q: wq.Query | None,
    excluded: Sequence[wq.Query],
    ranker: rank.Ranker | None,
    scored: Scored | None,
    match: MatchMode,
    question: bool,
) -> Selection:
    """The articles the query matches in this ``match`` mode, and what was relaxed to find them
    (``question``: the query is worded as a question, see :mod:`searchkit.search.match`)."""
    if match == "any" or not built.needs:
        return Selection(plan_docs(searcher, built, filter_q, excluded, ranker, scored))
    if built.required:
        required = scored.required if scored is not None else None
        base = required if required is not None else query_docs(searcher, wq.And(built.required), ranker)
    else:
        base = np.ones(searcher.reader().doc_count_all(), dtype=bool)  # the words leave deleted articles out
    if excluded:
        base = base & ~query_docs(searcher, wq.Or(list(excluded)), ranker)
    has = [query_docs(searcher, need.query, ranker) for need in built.needs]
    # Relaxing is decided before the filters: a filter only ever narrows the results.
    chosen = select(
        has, [need.label for need in built.needs], base, match,
        required=built.required_words, question=question, keep=[need.org for need in built.needs],
    )
    if filter_q is None:
        return chosen
    return Selection(chosen.docs & query_docs(searcher, filter_q, ranker), chosen.relaxed, chosen.min_words)


def plan_docs(
    searcher: Any,
    built: Plan,
    filter_q: wq.Query | None,
    excluded: Sequence[wq.Query],
    ranker: rank.Ranker | None = None,
    scored: Scored | None = None,
) -> np.ndarray:
    """Which articles match any scoring clause (and the required ones, filters and exclusions),
    as a boolean array computed over the postings (taken from ``scored`` when given)."""
    if built.required:
        required = scored.required if scored is not None else None
        docs = required if required is not None else query_docs(searcher, wq.And(built.required), ranker)
    elif scored is not None:
        docs = scored.matched
    elif built.scoring:
        docs = np.zeros(searcher.reader().doc_count_all(), dtype=bool)
        for q in built.scoring:
            docs |= query_docs(searcher, q, ranker)
    else:
        docs = query_docs(searcher, wq.Every())
    if filter_q is not None and docs.any():
        docs = docs & query_docs(searcher, filter_q, ranker)
    if excluded and docs.any():
        docs = docs & ~query_docs(searcher, wq.Or(list(excluded)), ranker)
    return docs


def query_docs(searcher: Any, q: wq.Query, ranker: rank.Ranker | None = None) -> np.ndarray:
    """Which articles match ``q``, as a boolean array over document numbers."""
    if ranker is not None:
        try:
            return ranker.matches(q)
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


def query_terms(built: Plan) -> QueryTerms:
    """What highlighting marks for a plan (its syllables and the pairs they must stand in)."""
    return QueryTerms(
        frozenset(built.terms), frozenset(built.folded), frozenset(built.pairs), frozenset(built.alone), frozenset(built.phrases)
    )


def make_hit(fields: Mapping[str, Any], score: float | None, terms: QueryTerms, orgs: set[str], snippet_chars: int) -> Hit:
    """One :class:`Hit` from an article's stored fields: its snippet, highlighted title and organization names."""
    title = fields.get("title", "")
    body = fields.get("body", "")
    title_orgs, body_orgs, extra = _org_spans(fields.get("org_spans") or [], orgs, {"title": title, "body": body})
    body_matches = match_spans(body, terms) + extra["body"]
    title_matches = match_spans(title, terms) + extra["title"]
    if not body_matches and not title_matches and terms.syllables:
        folded = frozenset(fold_term(t) for t in terms.syllables) | terms.folded
        loose = QueryTerms(terms.syllables, folded, terms.pairs, terms.alone, terms.phrases)
        body_matches, title_matches = match_spans(body, loose), match_spans(title, loose)
    return Hit(
        id=fields["id"],
        title=title,
        score=None if score is None else float(score),
        published=fields.get("published"),
        views=fields.get("views"),
        category=fields.get("category"),
        source=fields.get("source"),
        orgs=split_orgs(fields.get("orgs")),
        snippet=make_snippet(body, body_matches, body_orgs, max_chars=snippet_chars),
        title_snippet=full_highlight(title, title_matches, title_orgs),
        author=fields.get("author"),
        url=fields.get("url"),
    )


def _org_spans(
    stored: Sequence[Sequence[Any]], wanted: set[str], texts: Mapping[str, str]
) -> tuple[list[Span], list[Span], dict[str, list[Span]]]:
    """Split stored org mentions into title/body "org" spans, plus "match" spans over the
    words of a mention that spell an organization the query asked for.

    Only the spelling of the asked-for name is a match: asked for "Ủy ban nhân dân", the
    mention "UBND thành phố Hải Phòng" is an org span with a match over "UBND" alone.
    """
    title: list[Span] = []
    body: list[Span] = []
    extra: dict[str, list[Span]] = {"title": [], "body": []}
    for fieldname, start, end, canonical in stored:
        key = "title" if fieldname == "title" else "body"
        (title if key == "title" else body).append(Span(int(start), int(end), "org"))
        for name in wanted:
            if canonical == name or canonical.startswith(name + " "):
                typed = typed_name_span(texts.get(key, ""), int(start), int(end), name)
                if typed is not None:
                    extra[key].append(typed)
    return title, body, extra


# -- did you mean -----------------------------------------------------------------------------


def highlight_article(snap: Snapshot, article_id: str, query: str) -> Highlighted | None:
    """Return the whole title and body of an article with every match and organization span."""
    check_text("article_id", article_id)
    if not isinstance(query, str):
        raise ArgumentError(f"query must be a string, not {type(query).__name__}")
    fields = snap.searcher.document(id=article_id)
    if fields is None:
        return None
    built = build_plan(parse_query(query)) if query.strip() else Plan()
    terms = query_terms(built)
    title, body = fields.get("title", ""), fields.get("body", "")
    title_orgs, body_orgs, extra = _org_spans(fields.get("org_spans") or [], built.orgs, {"title": title, "body": body})
    return Highlighted(
        full_highlight(title, match_spans(title, terms) + extra["title"], title_orgs),
        full_highlight(body, match_spans(body, terms) + extra["body"], body_orgs),
    )
