"""searchkit: full-text search over Vietnamese news articles.

>>> import searchkit
>>> searchkit.normalize("Thành uỷ") == "Thành ủy"
True
"""

from searchkit._version import __version__
from searchkit.documents import Article, Rejected, iter_path
from searchkit.errors import (
    ArgumentError,
    DocumentError,
    EncodingError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    ModelError,
    QuerySyntaxError,
    SearchKitError,
)
from searchkit.index import DEFAULT_INDEX, FileReport, Index, IndexReport, IndexStats
from searchkit.search import FacetValue, Hit, SearchResults
from searchkit.search.highlight import (
    QueryTerms,
    Snippet,
    Span,
    to_html,
    to_json,
    to_rich,
)
from searchkit.text.normalize import fold, normalize, normalize_with_offsets
from searchkit.text.orgs import OrgMention, canonical_org, find_orgs, org_aliases
from searchkit.text.segment import Word, segment

__all__ = [
    "DEFAULT_INDEX",
    "ArgumentError",
    "Article",
    "DocumentError",
    "EncodingError",
    "FacetValue",
    "FileReport",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexStats",
    "IndexVersionError",
    "ModelError",
    "OrgMention",
    "QuerySyntaxError",
    "QueryTerms",
    "Rejected",
    "SearchKitError",
    "SearchResults",
    "Snippet",
    "Span",
    "Word",
    "__version__",
    "canonical_org",
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
