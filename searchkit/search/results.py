"""What a search returns: frozen values, usable after the index is closed, and their JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from searchkit.search.highlight import Snippet

__all__ = ["MATCH_MODES", "SORTS", "FacetValue", "Highlighted", "Hit", "MatchMode", "SearchResults", "SortOrder", "snippet_json"]

#: The order of hits: by relevance, by date (newest first) or by views (most viewed first).
SortOrder = Literal["relevance", "date", "views"]
#: Accepted values of ``sort``.
SORTS: tuple[SortOrder, ...] = ("relevance", "date", "views")
#: Which articles match the free text: all its words (relaxed when fewer than 3 articles hold
#: them all, see :mod:`searchkit.search.match`), all of them strictly, or any of them.
MatchMode = Literal["auto", "all", "any"]
#: Accepted values of ``match``.
MATCH_MODES: tuple[MatchMode, ...] = ("auto", "all", "any")


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result.

    Attributes:
        id: The article id.
        title: The stored (normalized) title.
        score: Relevance score; None when the hits are not ranked by relevance (sorted by
            date or views, or a query of filters only, which comes newest first).
        published: Publication time, if known.
        views: View count, if known.
        category: Category, if known.
        source: Source (newspaper, site), if known.
        orgs: Canonical organization names found in the article, most mentioned first.
        snippet: Best fragments of the body with "match" and "org" spans.
        title_snippet: The whole title with its spans.
        author: Byline, if known.
        url: Address of the original page, if known.
    """

    id: str
    title: str
    score: float | None
    published: datetime | None
    views: int | None
    category: str | None
    source: str | None
    orgs: tuple[str, ...]
    snippet: Snippet
    title_snippet: Snippet
    author: str | None = None
    url: str | None = None


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
        match: The match mode used (``"auto"``, ``"all"`` or ``"any"``).
        relaxed: Words of the query the hits need not contain: fewer than 3 articles held
            them all, so they were dropped, the most common first (``"auto"`` only).
        min_words: How many of the query's words each hit holds at least, when a long
            question needs only some of them (``"auto"`` only); None when all are needed.
    """

    query: str
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetValue, ...]]
    suggestion: str | None
    offset: int = 0
    match: MatchMode = "auto"
    relaxed: tuple[str, ...] = ()
    min_words: int | None = None

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
            "match": self.match,
            "relaxed": list(self.relaxed),
            "min_words": self.min_words,
        }


@dataclass(frozen=True, slots=True)
class Highlighted:
    """A whole article with every highlight, from :meth:`searchkit.Index.highlight`.

    Attributes:
        title: The whole title with its "match" and "org" spans.
        body: The whole body (line breaks kept) with its spans.

    >>> h = Highlighted(Snippet("Ban Chỉ đạo"), Snippet("Nội dung."))
    >>> h.title.text, h.body.spans
    ('Ban Chỉ đạo', ())
    """

    title: Snippet
    body: Snippet


def snippet_json(snippet: Snippet) -> dict[str, Any]:
    """The JSON shape of a snippet: ``{"text": ..., "spans": [{"start", "end", "kind"}, ...]}``.

    >>> from searchkit.search.highlight import Span
    >>> snippet_json(Snippet("Ban Chỉ đạo", (Span(4, 11, "match"),)))
    {'text': 'Ban Chỉ đạo', 'spans': [{'start': 4, 'end': 11, 'kind': 'match'}]}
    """
    return {"text": snippet.text, "spans": [{"start": x.start, "end": x.end, "kind": x.kind} for x in snippet.spans]}


def _hit_json(h: Hit) -> dict[str, Any]:
    return {
        "id": h.id,
        "title": h.title,
        "score": None if h.score is None else round(h.score, 4),
        "published": h.published.isoformat() if h.published else None,
        "views": h.views,
        "category": h.category,
        "source": h.source,
        "author": h.author,
        "url": h.url,
        "orgs": list(h.orgs),
        "snippet": snippet_json(h.snippet),
        "title_snippet": snippet_json(h.title_snippet),
    }
