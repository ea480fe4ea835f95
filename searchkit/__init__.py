"""searchkit: full-text search over Vietnamese news articles.

Each public name is imported when first used (:mod:`searchkit._lazy`): ``import searchkit``
loads no Whoosh, numpy or rich, and a search loads only what searching needs.

>>> import searchkit
>>> searchkit.normalize("Thành uỷ") == "Thành ủy"
True
"""

from typing import TYPE_CHECKING

from searchkit._lazy import lazy_exports
from searchkit._version import __version__
from searchkit.errors import (
    ArgumentError,
    ClusterError,
    DocumentError,
    EncodingError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    ModelError,
    QuerySyntaxError,
    SearchKitError,
)

if TYPE_CHECKING:  # the names below are imported when first used (see searchkit._lazy)
    from searchkit.documents import Article, Rejected, count_inputs, iter_path
    from searchkit.index import DEFAULT_INDEX, FileReport, Index, IndexReport, IndexStats, build_index
    from searchkit.search import FacetValue, Highlighted, Hit, MatchMode, SearchResults, SortOrder
    from searchkit.search.highlight import QueryTerms, Snippet, Span, SpanKind
    from searchkit.text.normalize import fold, normalize, normalize_with_offsets
    from searchkit.text.orgs import OrgKind, OrgMention, canonical_org, find_orgs, org_aliases
    from searchkit.text.segment import Word, segment
    from searchkit.ui.snippets import to_html, to_json, to_rich

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "searchkit.documents": ("Article", "Rejected", "count_inputs", "iter_path"),
        "searchkit.index": ("DEFAULT_INDEX", "FileReport", "Index", "IndexReport", "IndexStats", "build_index"),
        "searchkit.search": ("FacetValue", "Highlighted", "Hit", "MatchMode", "SearchResults", "SortOrder"),
        "searchkit.search.highlight": ("QueryTerms", "Snippet", "Span", "SpanKind"),
        "searchkit.text.normalize": ("fold", "normalize", "normalize_with_offsets"),
        "searchkit.text.orgs": ("OrgKind", "OrgMention", "canonical_org", "find_orgs", "org_aliases"),
        "searchkit.text.segment": ("Word", "segment"),
        "searchkit.ui.snippets": ("to_html", "to_json", "to_rich"),
    },
)

__all__ = [
    "DEFAULT_INDEX",
    "ArgumentError",
    "Article",
    "ClusterError",
    "DocumentError",
    "EncodingError",
    "FacetValue",
    "FileReport",
    "Highlighted",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexStats",
    "IndexVersionError",
    "MatchMode",
    "ModelError",
    "OrgKind",
    "OrgMention",
    "QuerySyntaxError",
    "QueryTerms",
    "Rejected",
    "SearchKitError",
    "SearchResults",
    "Snippet",
    "SortOrder",
    "Span",
    "SpanKind",
    "Word",
    "__version__",
    "build_index",
    "canonical_org",
    "count_inputs",
    "find_orgs",
    "fold",
    "iter_path",
    "normalize",
    "normalize_with_offsets",
    "org_aliases",
    "segment",
    "to_html",
    "to_json",
    "to_rich",
]
