"""searchkit: full-text search over Vietnamese news articles."""

from searchkit.errors import (
    DocumentError,
    EncodingError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    ModelError,
    QuerySyntaxError,
    SearchKitError,
)
from searchkit.normalize import fold, normalize, normalize_with_offsets

__version__ = "0.1.0"

__all__ = [
    "DocumentError",
    "EncodingError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexVersionError",
    "ModelError",
    "QuerySyntaxError",
    "SearchKitError",
    "fold",
    "normalize",
    "normalize_with_offsets",
]
