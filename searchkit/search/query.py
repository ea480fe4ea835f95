"""The query language: parse what a user typed into clauses, before any Whoosh is involved.

Syntax (case of the operators matters, the rest is case-insensitive):

==========================  ===============================================================
``ban chi dao 35``          free text: articles holding every word (see ``match``), BM25F-ranked
``"Ban Chỉ đạo 35"``        a quoted phrase: articles must contain it
``a AND b``                 both sides required
``a b OR c d``              either run of words (all of ``a b``, or all of ``c d``); also two
                            phrases, two fields of one kind, dates that leave no gap
``NOT a``, ``-a``           articles containing ``a`` are excluded; ``+a`` requires ``a``
                            (after ``-``, ``+``, ``NOT``, ``AND``: the whole word, place or body)
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
value longer than :data:`~searchkit.text.orgs.MAX_NAME_LENGTH` (200) characters) raises
:class:`~searchkit.errors.QuerySyntaxError` naming the problem; a query that is not a string
raises its subclass :class:`~searchkit.errors.ArgumentError`. A lone surrogate (the
``'\\udcff'`` a non-UTF-8 command-line byte decodes to) is read as U+FFFD, with a note.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from searchkit.errors import ArgumentError, QuerySyntaxError
from searchkit.text.normalize import fold, normalize
from searchkit.text.orgs import MAX_NAME_LENGTH, canonical_org
from searchkit.text.terms import QueryWord, is_accented, query_words

__all__ = ["FIELDS", "MAX_CLAUSES", "WORD_KINDS", "Clause", "ParsedQuery", "check_text", "parse_date_range", "parse_query"]

#: Field prefixes the language knows.
FIELDS = ("title", "org", "category", "source", "author", "date")
#: Clauses beyond this many are ignored (a 10,000-character query stays fast).
MAX_CLAUSES = 64
#: The kinds of clause whose value is matched as words (segmented once, when parsed).
WORD_KINDS = ("text", "phrase", "title")

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
            from :data:`FIELDS` other than ``date`` (dates become the query's range).
        text: The value, normalized.
        required: The clause must match (``+``, ``AND``, quoted phrases, fields).
        excluded: Articles matching the clause are removed (``-``, ``NOT``).
        quoted: For field clauses, whether the value was a quoted phrase.
        words: For the :data:`WORD_KINDS`, the words of ``text`` as the index views hold
            them (segmented once, by :func:`parse_query`); empty for the other kinds.
        accented: Whether ``text`` holds a diacritic (it is matched with diacritics).
        or_before: A clause written right after ``OR``: it and the clause before are
            alternatives (two runs of free words, two phrases or a phrase and ``title:``,
            two fields of one kind).
    """

    kind: str
    text: str
    required: bool = False
    excluded: bool = False
    quoted: bool = False
    words: tuple[QueryWord, ...] = ()
    accented: bool = False
    or_before: bool = False


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A parsed query: its clauses in order and the date range they ask for.

    Attributes:
        clauses: The clauses in query order (at most :data:`MAX_CLAUSES`).
        since: Start of the ``date:`` range, if any.
        until: End of the ``date:`` range, if any.
        truncated: Clauses past :data:`MAX_CLAUSES` were ignored.
        notes: What was read differently from how it was typed (lone surrogates).
    """

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
        The clauses, with ``date:`` folded into ``since``/``until``. The text is normalized
        once, here, and the words of each text, phrase and title clause are segmented once
        (:attr:`Clause.words`): the plan, highlighting and suggestions use them as they are.

    Raises:
        QuerySyntaxError: A field has no value, a date cannot be read or an ``org:`` value
            is too long.
        ArgumentError: ``text`` is not a string.

    >>> q = parse_query('Ban chi dao "Thành uỷ" -bóng AND đá org:UBND date:2023')
    >>> for c in q.clauses:
    ...     print(c.kind, repr(c.text), c.required, c.excluded)
    text 'Ban chi dao' False False
    phrase 'Thành ủy' True False
    text 'bóng' False True
    text 'đá' True False
    org 'UBND' True False
    >>> q.since.year, q.until.month
    (2023, 12)
    >>> [w.word for w in q.clauses[1].words], q.clauses[0].accented
    (['thành_ủy'], False)
    """
    if not isinstance(text, str):
        raise ArgumentError(f"query must be a string, not {type(text).__name__}")
    undecodable = _SURROGATE.search(text) is not None
    if undecodable:
        text = _SURROGATE.sub("\ufffd", text)
    # Parentheses group nothing: "(title:xăng OR title:dầu)" is "title:xăng OR title:dầu";
    # a sign before them takes what they hold as one phrase ("-(Hà Nội)" is -"Hà Nội").
    text = _SIGNED_GROUP.sub(_quote_group, normalize(text)).translate(_BLANKS)
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
    parsed = _assemble(_extend_signed_words(_extend_org_names(raw)))
    clauses = tuple(_with_words(c) if c.kind in WORD_KINDS else c for c in parsed.clauses)
    notes = ("undecodable characters (lone surrogates) were read as U+FFFD",) if undecodable else ()
    return ParsedQuery(clauses, parsed.since, parsed.until, parsed.truncated, notes)


def _with_words(clause: Clause) -> Clause:
    """The clause with its words and accentedness (its text is normalized already)."""
    return dataclasses.replace(clause, words=query_words(clause.text), accented=is_accented(clause.text.lower()))


_OPERATORS = ("AND", "OR", "NOT", "&&", "||")
_BLANKS = str.maketrans({"\n": " ", "\t": " ", "\r": " ", "(": " ", ")": " "})
# a sign, then parentheses holding words only (no quote, field, operator or parenthesis)
_SIGNED_GROUP = re.compile(r'(?<![^\s(])([-+])\(([^()":]*)\)')


def _quote_group(m: re.Match[str]) -> str:
    """``-(a b)`` is ``-"a b"``; ``-(a OR b)`` leaves out both (``-"a" -"b"``); ``+(a OR b)``
    needs either (``"a" OR "b"``)."""
    sign, words = m.group(1), m.group(2).split()
    parts: list[list[str]] = [[]]
    for word in words:
        if word in ("OR", "||"):
            parts.append([])
        elif word not in _OPERATORS:
            parts[-1].append(word)
    phrases = [f'"{" ".join(p)}"' for p in parts if p]
    if not phrases:
        return " "
    return (" ".join(f"-{p}" for p in phrases) if sign == "-" else " OR ".join(phrases)) + " "

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

    >>> check_text("org", "\\udcff")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    searchkit.errors.QuerySyntaxError: org holds an undecodable character (U+DCFF at position 0): ...
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
    free words "Quảng Ninh"; ``org:Ban Chỉ đạo 35 tổng kết`` means "Ban Chỉ đạo 35" plus the
    free words "tổng kết". See :func:`_name_length`.
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
        take = _name_length(value, following)
        out.append((kind, " ".join([value, *following[:take]]), sign, quoted))
        i += take
    return out


# Operators that act on the word after them, as - and + do.
_SIGNING = ("NOT", "AND", "&&")


def _extend_signed_words(raw: list[tuple[str, str, str, bool]]) -> list[tuple[str, str, str, bool]]:
    """Let ``-word`` and ``+word`` (and a word after ``NOT`` or ``AND``) take the words after it
    that make one word with it: a word of pyvi's dictionary, a province or city, an organization
    ("-Hà Nội" and "NOT Hà Nội" leave out Hà Nội, not "hà" while requiring "nội"; "-bóng đá").
    The longest such run of at most 4 syllables."""
    out: list[tuple[str, str, str, bool]] = []
    i = 0
    while i < len(raw):
        kind, value, sign, quoted = raw[i]
        i += 1
        after_operator = i >= 2 and raw[i - 2][0] == "word" and not raw[i - 2][2] and raw[i - 2][1] in _SIGNING
        if kind == "word" and (sign or after_operator) and value not in _OPERATORS:
            following: list[str] = []
            for k, v, sg, _ in raw[i : i + 3]:
                if k != "word" or sg or v in _OPERATORS or not _has_letter_or_digit(v):
                    break
                following.append(v)
            take = next((n for n in range(len(following), 0, -1) if _one_word(" ".join([value, *following[:n]]))), 0)
            value = " ".join([value, *following[:take]])
            i += take
        out.append((kind, value, sign, quoted))
    return out


def _one_word(text: str) -> bool:
    """Whether ``text`` (several syllables) is one word: in pyvi's dictionary, or a place or body."""
    from searchkit.text.orgs import canonical_place
    from searchkit.text.segment import dictionary_words

    return text.lower() in dictionary_words() or canonical_place(text) is not None or canonical_org(text) is not None


def _name_length(value: str, following: list[str]) -> int:
    """How many of the ``following`` words (at most 8) an unquoted ``org:`` value takes.

    The longest run that names a known body, made of known words only (it resolves without
    diacritics too: "Ban Chỉ đạo 35", not "Ban Chỉ đạo 35 Tổng kết"); failing that, the
    longest run :func:`~searchkit.text.orgs.canonical_org` resolves with free words in it
    ("Cục Quản lý lao động ngoài nước"); failing that, none.
    """
    candidates = [" ".join([value, *following[:n]]) for n in range(len(following) + 1)]
    for n in range(len(following), -1, -1):
        if canonical_org(fold(candidates[n])):
            return n
    return next((n for n in range(len(following), 0, -1) if canonical_org(candidates[n])), 0)


def _assemble(raw: list[tuple[str, str, str, bool]]) -> ParsedQuery:
    """Turn the raw tokens into clauses: operators, signs, runs of free words, dates."""
    state = _Assembly()
    truncated = False
    for kind, value, sign, quoted in raw:
        if len(state.clauses) + bool(state.run) >= MAX_CLAUSES:
            truncated = True
            break
        if kind == "word" and not sign and value in _OPERATORS:
            state.operator(value)
        else:
            state.add(kind, value, sign, quoted)
    state.flush_run()  # a NOT at the end of the query is ignored
    for either in state.dates:
        _date_union(either, check=True)
    return ParsedQuery(tuple(state.clauses), state.since, state.until, truncated)


@dataclass
class _Assembly:
    """What :func:`_assemble` has built so far."""

    clauses: list[Clause] = field(default_factory=list)
    run: list[str] = field(default_factory=list)  # free words waiting to become one clause
    dates: list[list[tuple[datetime | None, datetime | None]]] = field(default_factory=list)  # ranges joined by OR; all must hold
    last_date: bool = False  # the last thing added was a date: an OR after it joins the next date to it
    pending_not: bool = False
    pending_and: bool = False
    pending_or: bool = False

    @property
    def since(self) -> datetime | None:
        starts = [lo for lo, _ in map(_date_union, self.dates) if lo is not None]
        return max(starts) if starts else None

    @property
    def until(self) -> datetime | None:
        ends = [hi for _, hi in map(_date_union, self.dates) if hi is not None]
        return min(ends) if ends else None

    def flush_run(self) -> None:
        if self.run:
            after_text = bool(self.clauses) and self.clauses[-1].kind == "text" and not self.last_date
            self.clauses.append(Clause("text", " ".join(self.run), or_before=self.pending_or and after_text))
            self.run.clear()
            self.pending_or = False
            self.last_date = False

    def operator(self, value: str) -> None:
        self.flush_run()
        if value in ("AND", "&&"):
            if self.clauses and not self.clauses[-1].excluded and not self.last_date:
                self.clauses[-1] = dataclasses.replace(self.clauses[-1], required=True)
            self.pending_and = True
        elif value == "NOT":
            self.pending_not = True
        elif self.last_date or (self.clauses and not self.clauses[-1].excluded):
            # OR, ||: between two runs of free words, two phrases, two fields of one kind, two dates
            self.pending_or = True
        elif any(c.kind == "text" and not c.excluded and not c.required for c in self.clauses):
            # "giá xăng -tăng OR giá vàng": the exclusion stands aside, the runs around it are joined
            self.pending_or = True

    def add(self, kind: str, value: str, sign: str, quoted: bool) -> None:
        excluded = sign == "-" or self.pending_not
        required = (sign == "+" or self.pending_and) and not excluded
        self.pending_not = self.pending_and = False
        if kind == "word":
            if excluded or required:
                self.flush_run()
                self.pending_or = False
                self.clauses.append(Clause("text", value, required, excluded))
            elif _has_letter_or_digit(value):
                self.run.append(value)
            return
        self.flush_run()
        # '"a b" OR "c d"', 'title:a OR title:b', 'org:X OR org:Y': the second is an alternative
        # to the first (a phrase and title: are both required matches, so they pair too)
        either = (
            self.pending_or and not excluded and not self.last_date and bool(self.clauses)
            and _alternatives(self.clauses[-1].kind, kind)
        )
        date_or = self.pending_or and self.last_date and kind == "date" and not excluded
        self.pending_or = False
        self.last_date = False
        if kind == "date":
            self.add_dates(value, either=date_or)
        elif value:
            self.clauses.append(Clause(kind, value, not excluded, excluded, quoted, or_before=either))
        elif kind != "phrase":  # "" is nothing to search for
            raise QuerySyntaxError(f"{kind}: needs a value, e.g. {kind}:{_EXAMPLES[kind]}")

    def add_dates(self, value: str, *, either: bool = False) -> None:
        if not value:
            raise QuerySyntaxError("date: needs a value such as 2023, 2023-08, 2023-08-18 or 2022..2023")
        if either and self.dates:
            self.dates[-1].append(parse_date_range(value))
        else:
            self.dates.append([parse_date_range(value)])
        self.last_date = True


def _alternatives(before: str, kind: str) -> bool:
    """Whether clauses of these kinds joined by OR are alternatives: fields of one kind, or a
    phrase and ``title:`` (both required matches)."""
    return before == kind or {before, kind} == {"phrase", "title"}


def _date_union(
    ranges: list[tuple[datetime | None, datetime | None]], *, check: bool = False
) -> tuple[datetime | None, datetime | None]:
    """The range ``date:`` ranges joined by OR cover ("date:2019 OR date:2020" is 2019..2020,
    in any order). Every date, from both ends open, is any dated article.

    Raises:
        QuerySyntaxError: With ``check``, they leave a gap (one range holds only one span).
    """
    ordered = sorted(ranges, key=lambda r: r[0] or datetime.min)
    lo, hi = ordered[0]
    for next_lo, next_hi in ordered[1:]:
        if check and hi is not None and next_lo is not None and next_lo - hi > timedelta(milliseconds=1):
            first = f"{ordered[0][0]:%Y-%m-%d}" if ordered[0][0] is not None else ""
            last = "" if any(h is None for _, h in ordered) else f"{max(h for _, h in ordered if h is not None):%Y-%m-%d}"
            raise QuerySyntaxError(
                f"date: ranges joined by OR leave a gap (after {hi:%Y-%m-%d}, before {next_lo:%Y-%m-%d}); "
                f"one search holds one range, e.g. date:{first}..{last}"
            )
        hi = None if hi is None or next_hi is None else max(hi, next_hi)
    return (lo or datetime.min, hi) if lo is None and hi is None else (lo, hi)


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
