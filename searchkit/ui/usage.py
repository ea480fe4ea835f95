"""What the command line and the REPL share: the usage error, dates, and the match note."""

from __future__ import annotations

from datetime import datetime

from searchkit.search.query import parse_date_range
from searchkit.search.results import SearchResults

__all__ = ["UsageError", "date_bound", "match_note"]


class UsageError(Exception):
    """A command or argument used wrongly: shown as one error line (exit status 2 in the CLI)."""


def date_bound(value: str, *, end: bool) -> datetime:
    """The first (or, with ``end``, the last) moment of a YYYY, YYYY-MM or YYYY-MM-DD value.

    Any form of :func:`~searchkit.search.query.parse_date_range` is read, ranges included.

    Raises:
        QuerySyntaxError: ``value`` is not a date (the message says which forms are).
        UsageError: ``value`` is a range open at the end asked for ("2022.." has no last moment).

    >>> date_bound("2023-08", end=True)
    datetime.datetime(2023, 8, 31, 23, 59, 59, 999999)
    """
    lo, hi = parse_date_range(value)
    bound = hi if end else lo
    if bound is None:
        raise UsageError(f"{value!r} leaves the {'end' if end else 'start'} open; give a date such as 2023-08")
    return bound


def match_note(results: SearchResults) -> str | None:
    """One line on what the search gave up to find enough articles, or None.

    >>> from types import MappingProxyType
    >>> match_note(SearchResults("đà nẵng xyzzy", 8, 1.0, (), MappingProxyType({}), None, relaxed=("xyzzy",)))
    'fewer than 3 articles hold every word; also showing articles without: xyzzy'
    """
    if results.relaxed:
        return f"fewer than 3 articles hold every word; also showing articles without: {', '.join(results.relaxed)}"
    if results.min_words is not None:
        return f"a long question: articles holding at least {results.min_words} of its words"
    return None
