"""The exception hierarchy of searchkit: one root, specific children.

Every error the library raises on purpose is a :class:`SearchKitError`. Errors from
Whoosh, pyvi or the operating system are wrapped with ``raise ... from e`` so callers
catch one type and still see the cause.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "ClusterError",
    "DocumentError",
    "EncodingError",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexVersionError",
    "ModelError",
    "QuerySyntaxError",
    "SearchKitError",
    "WhooshVersionError",
]


class SearchKitError(Exception):
    """Root of every error searchkit raises on purpose."""


class DocumentError(SearchKitError):
    """An input article or file could not be read or is not a valid article.

    Attributes:
        source: The file (or other source) the article came from, if known.
        line: The 1-based line number inside ``source`` where it applies, else None.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line

    def __str__(self) -> str:
        message = super().__str__()
        where = self.source or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {message}" if where else message


class EncodingError(DocumentError):
    """A file's bytes are in an encoding searchkit cannot decode (the message names it)."""


class IndexNotFoundError(SearchKitError):
    """No searchkit index exists at the given path."""


class IndexLockedError(SearchKitError):
    """Another writer holds the index's write lock."""


class IndexVersionError(SearchKitError):
    """The index was built by an incompatible searchkit or analyzer version."""


class IndexCorruptError(SearchKitError):
    """An index file is missing, truncated or damaged; the message names the file."""


class ClusterError(SearchKitError):
    """A Dask cluster cannot be used: not installed, unreachable, a worker lost, or an index that is not sharded."""


class QuerySyntaxError(SearchKitError, ValueError):
    """A query could not be interpreted; the message names the problem.

    Also a :class:`ValueError`: the query is a value of the wrong form.
    """


class ArgumentError(QuerySyntaxError):
    """An argument of a search call has the wrong type or value (``limit=2.5``, ``org=5``).

    The one-line message names the argument. A :class:`QuerySyntaxError` (and so a
    :class:`SearchKitError` and a :class:`ValueError`), so one ``except`` covers both.
    """


class ModelError(SearchKitError):
    """The word-segmentation model (pyvi) could not be loaded."""


class WhooshVersionError(SearchKitError, ImportError):
    """The installed Whoosh is not the exact version searchkit reads and writes the internals of.

    Raised when :mod:`searchkit._whoosh` is imported (so when the index layer is); also an
    :class:`ImportError`, as searchkit cannot be used until the right Whoosh is installed.
    """
