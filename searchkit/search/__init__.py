"""Searching: query parsing, the query plan, BM25F ranking, facets, did-you-mean and
highlighting, giving :class:`SearchResults`.

>>> from searchkit.search import parse_query
>>> [c.text for c in parse_query('"Ban Chỉ đạo" họp').clauses]
['Ban Chỉ đạo', 'họp']
"""

from typing import TYPE_CHECKING

from searchkit._lazy import lazy_exports

if TYPE_CHECKING:  # imported when first used (see searchkit._lazy)
    from searchkit.search.engine import highlight_article, search
    from searchkit.search.highlight import QueryTerms, Snippet, Span, SpanKind
    from searchkit.search.query import ParsedQuery, parse_query
    from searchkit.search.results import MATCH_MODES, SORTS, FacetValue, Highlighted, Hit, MatchMode, SearchResults, SortOrder

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "searchkit.search.engine": ("highlight_article", "search"),
        "searchkit.search.highlight": ("QueryTerms", "Snippet", "Span", "SpanKind"),
        "searchkit.search.query": ("ParsedQuery", "parse_query"),
        "searchkit.search.results": ("MATCH_MODES", "SORTS", "FacetValue", "Highlighted", "Hit", "MatchMode", "SearchResults", "SortOrder"),
    },
)

__all__ = [
    "MATCH_MODES",
    "SORTS",
    "FacetValue",
    "Highlighted",
    "Hit",
    "MatchMode",
    "ParsedQuery",
    "QueryTerms",
    "SearchResults",
    "Snippet",
    "SortOrder",
    "Span",
    "SpanKind",
    "highlight_article",
    "parse_query",
    "search",
]
