"""What the command line and the REPL share about their input: the usage error and dates."""

from __future__ import annotations

from datetime import datetime

from searchkit.search.query import parse_date_range

__all__ = ["UsageError", "date_bound"]


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
