"""The query language: parse what a user typed into clauses, before any Whoosh is involved.

Syntax (case of the operators matters, the rest is case-insensitive):

==========================  ===============================================================
``ban chi dao 35``          free text: every word counts (OR), ranked by BM25F
``"Ban Chỉ đạo 35"``        a quoted phrase: articles must contain it
``a AND b``                 both sides required; ``a OR b`` is the default anyway
``NOT a``, ``-a``           articles containing ``a`` are excluded; ``+a`` requires ``a``
``title:hội nghị``          the word (or ``title:"a phrase"``) must be in the title
``org:UBND Quảng Ninh``     articles naming that organization, in any spelling or alias
``category:Thể thao``       also ``source:``, ``author:`` (whole value, any case)
``date:2023-08``            also ``date:2023``, ``date:2023-08-18``, ``date:2022..2023``,
                            ``date:..2023-06``, ``date:2024..``
==========================  ===============================================================

Parsing never fails on odd input: an unbalanced quote runs to the end of the query, lone
operators are ignored, unknown ``field:`` prefixes are read as text, control characters are
dropped, and only the first :data:`MAX_CLAUSES` clauses of a very long query are used.
What cannot be interpreted (``title:`` with no value, a date that is not a date, an ``org:``
value longer than :data:`~searchkit.orgs.MAX_NAME_LENGTH` (200) characters) raises
:class:`~searchkit.errors.QuerySyntaxError` naming the problem; a query that is not a string
raises its subclass :class:`~searchkit.errors.ArgumentError`. A lone surrogate (the
``'\\udcff'`` a non-UTF-8 command-line byte decodes to) is read as U+FFFD, with a note.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime

from searchkit.errors import ArgumentError, QuerySyntaxError
from searchkit.text.normalize import normalize
from searchkit.text.orgs import MAX_NAME_LENGTH, canonical_org

__all__ = ["FIELDS", "MAX_CLAUSES", "Clause", "ParsedQuery", "check_text", "parse_date_range", "parse_query"]

#: Field prefixes the language knows.
FIELDS = ("title", "org", "category", "source", "author", "date")
#: Clauses beyond this many are ignored (a 10,000-character query stays fast).
MAX_CLAUSES = 64

_TOKEN = re.compile(
    r"""
    (?P<sign>[-+])?
    (?:
        (?P<field>[A-Za-z]+):(?P<fvalue>"[^"]*"?|[^\s"]*)
      | (?P<phrase>"[^"]*"?)
      | (?P<word>[^\s"]+)
    )
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Clause:
    """One part of a query.

    Attributes:
        kind: ``"text"`` (free words, ranked), ``"phrase"`` (quoted), or a field name
            from :data:`FIELDS`.
        text: The words, normalized (for ``date`` the raw value).
        required: The clause must match (``+``, ``AND``, quoted phrases, fields).
        excluded: Articles matching the clause are removed (``-``, ``NOT``).
        quoted: For field clauses, whether the value was a quoted phrase.
    """

    kind: str
    text: str
    required: bool = False
    excluded: bool = False
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A parsed query: its clauses in order and the date range they ask for."""

    clauses: tuple[Clause, ...]
    since: datetime | None = None
    until: datetime | None = None
    truncated: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        """True when nothing is left to search for or filter on."""
        return not self.clauses and self.since is None and self.until is None


def parse_query(text: str) -> ParsedQuery:
    """Parse a query string (see the module docs for the syntax).

    Args:
        text: What the user typed, in any normalization or tone placement.

    Returns:
        The clauses, with ``date:`` folded into ``since``/``until``.

    Raises:
        QuerySyntaxError: A field has no value, a date cannot be read or an ``org:`` value
            is too long.
        ArgumentError: ``text`` is not a string.

    >>> q = parse_query('Ban chi dao "Thành uỷ" -bóng AND đá org:UBND date:2023')
    >>> [(c.kind, c.text, c.required, c.excluded) for c in q.clauses]
    [('text', 'Ban chi dao', False, False), ('phrase', 'Thành ủy', True, False), ('text', 'bóng', False, True), ('text', 'đá', True, False), ('org', 'UBND', True, False)]
    >>> q.since.year, q.until.month
    (2023, 12)
    """
    if not isinstance(text, str):
        raise ArgumentError(f"query must be a string, not {type(text).__name__}")
    undecodable = _SURROGATE.search(text) is not None
    if undecodable:
        text = _SURROGATE.sub("\ufffd", text)
    text = normalize(text).replace("\n", " ").replace("\t", " ").replace("\r", " ")
    raw: list[tuple[str, str, str, bool]] = []  # (kind, value, sign, quoted)
    for m in _TOKEN.finditer(text):
        sign = m.group("sign") or ""
        if m.group("field") is not None:
            name = m.group("field").lower()
            value = m.group("fvalue")
            quoted = value.startswith('"')
            value = value.strip('"').strip()
            if name not in FIELDS:
                raw.append(("word", f"{m.group('field')} {value}".strip(), sign, False))
                continue
            if name == "org" and len(value) > MAX_NAME_LENGTH:
                raise QuerySyntaxError(_org_too_long(value))
            raw.append((name, value, sign, quoted))
        elif m.group("phrase") is not None:
            raw.append(("phrase", m.group("phrase").strip('"').strip(), sign, True))
        else:
            raw.append(("word", m.group("word"), sign, False))
    parsed = _assemble(_extend_org_names(raw))
    if undecodable:
        note = "undecodable characters (lone surrogates) were read as U+FFFD"
        parsed = ParsedQuery(parsed.clauses, parsed.since, parsed.until, parsed.truncated, (*parsed.notes, note))
    return parsed


_OPERATORS = ("AND", "OR", "NOT", "&&", "||")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(name: str, value: object) -> None:
    """Check a text argument of a search: a string holding no lone surrogate.

    Args:
        name: The argument's name, for the message ("query", "org", "category").
        value: Its value.

    Raises:
        ArgumentError: ``value`` is not a string.
        QuerySyntaxError: ``value`` holds a lone surrogate (a command-line byte that was not
            UTF-8, decoded with ``surrogateescape``).

    >>> check_text("org", "\\udcff")
    Traceback (most recent call last):
    ...
    searchkit.errors.QuerySyntaxError: org holds an undecodable character (U+DCFF at position 0): is the terminal's encoding UTF-8?
    """
    if not isinstance(value, str):
        raise ArgumentError(f"{name} must be a string, not {type(value).__name__}")
    bad = _SURROGATE.search(value)
    if bad is not None:
        raise QuerySyntaxError(
            f"{name} holds an undecodable character (U+{ord(bad.group()):04X} at position {bad.start()}): "
            "is the terminal's encoding UTF-8?"
        )


def _org_too_long(value: str) -> str:
    return f"org: value is {len(value)} characters long; an organization name has at most {MAX_NAME_LENGTH}"


def _extend_org_names(raw: list[tuple[str, str, str, bool]]) -> list[tuple[str, str, str, bool]]:
    """Let an unquoted ``org:`` value run over the words after it while they name a body.

    ``org:UBND Quảng Ninh`` means the organization "UBND Quảng Ninh", not "UBND" plus the
    free words "Quảng Ninh": the longest run of following plain words (at most 8) that
    :func:`~searchkit.orgs.canonical_org` resolves is taken into the value.
    """
    out: list[tuple[str, str, str, bool]] = []
    i = 0
    while i < len(raw):
        kind, value, sign, quoted = raw[i]
        i += 1
        if kind != "org" or quoted or not value:
            out.append((kind, value, sign, quoted))
            continue
        following: list[str] = []
        for k, v, sg, _ in raw[i : i + 8]:
            if k != "word" or sg or v in _OPERATORS:
                break
            following.append(v)
        while following and len(" ".join([value, *following])) > MAX_NAME_LENGTH:
            following.pop()  # no name is that long: do not even try
        take = next((n for n in range(len(following), 0, -1) if canonical_org(" ".join([value, *following[:n]]))), 0)
        out.append((kind, " ".join([value, *following[:take]]), sign, quoted))
        i += take
    return out


def _assemble(raw: list[tuple[str, str, str, bool]]) -> ParsedQuery:
    clauses: list[Clause] = []
    since: datetime | None = None
    until: datetime | None = None
    notes: list[str] = []
    pending_not = False
    pending_and = False
    run: list[str] = []
    truncated = False

    def flush_run() -> None:
        if run:
            clauses.append(Clause("text", " ".join(run)))
            run.clear()

    def require_last() -> None:
        if clauses and not clauses[-1].excluded:
            last = clauses[-1]
            clauses[-1] = Clause(last.kind, last.text, True, False, last.quoted)

    for kind, value, sign, quoted in raw:
        if len(clauses) + bool(run) >= MAX_CLAUSES:
            truncated = True
            break
        if kind == "word" and not sign and value in ("AND", "OR", "NOT", "&&", "||"):
            flush_run()
            if value in ("AND", "&&"):
                require_last()
                pending_and = True
            elif value == "NOT":
                pending_not = True
            continue
        excluded = sign == "-" or pending_not
        required = (sign == "+" or pending_and) and not excluded
        pending_not = pending_and = False
        if kind == "word":
            if not excluded and not required and not _has_letter_or_digit(value):
                continue
            if excluded or required:
                flush_run()
                clauses.append(Clause("text", value, required, excluded))
            else:
                run.append(value)
            continue
        flush_run()
        if kind == "date":
            if not value:
                raise QuerySyntaxError("date: needs a value such as 2023, 2023-08, 2023-08-18 or 2022..2023")
            lo, hi = parse_date_range(value)
            since = lo if since is None or (lo is not None and lo > since) else since
            until = hi if until is None or (hi is not None and hi < until) else until
            continue
        if not value:
            if kind == "phrase":
                continue  # "" is nothing to search for
            raise QuerySyntaxError(f"{kind}: needs a value, e.g. {kind}:{_EXAMPLES[kind]}")
        clauses.append(Clause(kind, value, not excluded, excluded, quoted))
    flush_run()
    if pending_not:
        notes.append("NOT at the end of the query was ignored")
    return ParsedQuery(tuple(clauses), since, until, truncated, tuple(notes))


_EXAMPLES = {
    "title": '"hội nghị"',
    "org": '"UBND Quảng Ninh"',
    "category": '"Thể thao"',
    "source": "vnexpress",
    "author": '"Thanh Nguyên"',
    "phrase": '"Ban Chỉ đạo"',
}


def _has_letter_or_digit(value: str) -> bool:
    return any(c.isalnum() for c in value)


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DMY = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")


def parse_date_range(value: str) -> tuple[datetime | None, datetime | None]:
    """Turn ``2023``, ``2023-08``, ``2023-08-18``, ``18-08-2023`` or ``A..B`` into a range.

    The range is inclusive: ``2023-08`` runs from 1 August 00:00 to 31 August 23:59:59.

    Raises:
        QuerySyntaxError: The value is not one of those forms.

    >>> parse_date_range("2022..2023")
    (datetime.datetime(2022, 1, 1, 0, 0), datetime.datetime(2023, 12, 31, 23, 59, 59, 999999))
    """
    value = value.strip()
    if ".." in value:
        left, _, right = value.partition("..")
        lo = _one_date(left, end=False) if left else None
        hi = _one_date(right, end=True) if right else None
        if lo is None and hi is None:
            raise QuerySyntaxError("date:.. needs at least one end, e.g. date:2022..2023")
        if lo is not None and hi is not None and lo > hi:
            raise QuerySyntaxError(f"date:{value} runs backwards (the first date is after the second)")
        return lo, hi
    return _one_date(value, end=False), _one_date(value, end=True)


def _one_date(value: str, *, end: bool) -> datetime:
    if (m := _DATE.match(value)) is not None:
        year, month, day = int(m.group(1)), _opt_int(m.group(2)), _opt_int(m.group(3))
    elif (d := _DMY.match(value)) is not None:
        year, month, day = int(d.group(3)), int(d.group(2)), int(d.group(1))
    else:
        raise QuerySyntaxError(f"date:{value} is not a date; use 2023, 2023-08, 2023-08-18 or 2022..2023")
    try:
        if month is None:
            return datetime(year, 12, 31, 23, 59, 59, 999999) if end else datetime(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return datetime(year, month, last, 23, 59, 59, 999999) if end else datetime(year, month, 1)
        return datetime(year, month, day, 23, 59, 59, 999999) if end else datetime(year, month, day)
    except ValueError as e:
        raise QuerySyntaxError(f"date:{value} is not a valid date ({e})") from e


def _opt_int(text: str | None) -> int | None:
    return int(text) if text else None
