"""Snippets as spans: what to highlight in a text, by character offsets.

Highlighting works on character offsets into a text, never on markup:

1. :func:`match_spans` finds the syllables of a text that match a query's terms
   (:class:`QueryTerms`, exact or diacritic-free) and returns them as :class:`Span` objects,
   one span per run of matched syllables ("Chỉ đạo" is one span, not two);
2. :func:`make_snippet` picks the best fragments of the text for those spans and re-bases
   every span onto the snippet's text; :func:`full_highlight` keeps the whole text;
3. :mod:`searchkit.ui.snippets` renders a :class:`Snippet` (``to_html``, ``to_rich``, ``to_json``).

Every span produced here starts and ends on a character boundary of its text: never between a
base letter and the combining marks after it, inside a surrogate pair, or just after a
zero-width joiner, whatever the text holds (NFD, emoji, stray marks). Spans given by callers
are clipped to the text and widened to such boundaries.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from searchkit.text.orgs import org_aliases
from searchkit.text.terms import COMBINING_MARKS, SYLLABLE, fold_term, index_term, span_terms, syllable_keys

__all__ = [
    "MATCH",
    "ORG",
    "QueryTerms",
    "Snippet",
    "Span",
    "SpanKind",
    "full_highlight",
    "make_snippet",
    "match_spans",
    "typed_name_span",
]

#: What a span marks: query terms ("match") or an organization name ("org").
SpanKind = Literal["match", "org"]
#: Kind of a span that marks query terms.
MATCH: Final = "match"
#: Kind of a span that marks an organization name.
ORG: Final = "org"
_KIND_ORDER = {ORG: 0, MATCH: 1}  # an org and a match over the same range: the org is outside

# Whitespace that may separate two matched syllables of one span: any but a line break.
_SPACE_GAP = re.compile("[^\\S\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
# What joins the syllables of one word besides spaces: a code's connector ("35-NQ/TW", "TP.HCM").
_CODE_GAP = re.compile("[-./&:+]")
# Between the words of a place's spelling: also a dot and spaces ("TP. HCM").
_NAME_GAP = re.compile("[-./&:+]?[^\\S\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*")
# Line breaks and tabs become spaces in snippets (one character for one, so offsets hold).
_FLATTEN = {ord(c): " " for c in "\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
# Where a sentence starts: after . ! ? … (and closing quotes/brackets) and spaces, or a line break.
_SENTENCE_START = re.compile("(?:(?<=[.!?\u2026])[\"'\u201d\u2019)\\]]*[^\\S\n]+|\n\\s*)(?=\\S)")
_CLOSING = "\"'\u201d\u2019)]"  # what _SENTENCE_START may hold besides whitespace
_ZWJ = "\u200d"


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted range ``[start, end)`` of a text, by character (code point) offsets.

    Attributes:
        start: Offset of the first character.
        end: Offset just past the last character (``end > start`` for a useful span).
        kind: ``"match"`` for query terms, ``"org"`` for an organization name.

    Raises:
        ValueError: If ``start`` is negative, ``end < start`` or ``kind`` is unknown.

    >>> text = "Ban Chỉ đạo 35"
    >>> span = Span(4, 11, "match")
    >>> text[span.start:span.end]
    'Chỉ đạo'
    """

    start: int
    end: int
    kind: SpanKind

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span offsets: [{self.start}, {self.end})")
        if self.kind not in _KIND_ORDER:
            raise ValueError(f"unknown span kind {self.kind!r} (expected 'match' or 'org')")


def _span_order(span: Span) -> tuple[int, int, int]:
    return (span.start, -span.end, _KIND_ORDER[span.kind])


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of text with the spans to highlight in it.

    Attributes:
        text: The snippet text (fragments of an article joined by a separator, or a whole text).
        spans: Spans indexing into ``text``, sorted by ``(start, -end)`` (an org before a match
            over the same range). In snippets made by this module spans of one kind never
            overlap; an org and a match may nest or overlap. Any iterable given is stored as a
            sorted tuple.

    >>> Snippet("Ban Chỉ đạo", (Span(4, 11, "match"), Span(0, 11, "org"))).spans
    (Span(start=0, end=11, kind='org'), Span(start=4, end=11, kind='match'))
    """

    text: str
    spans: tuple[Span, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", tuple(sorted(self.spans, key=_span_order)))


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """The query terms that highlighting marks in a text.

    Attributes:
        syllables: Normalized lowercase syllables that match exactly ("chỉ", "đạo"): a text
            syllable matches when its term (:func:`~searchkit.text.terms.index_term`) is in
            this set.
        folded: Diacritic-free lowercase syllables ("chi", "dao"): a text syllable matches
            when its folded term (:func:`~searchkit.text.terms.fold_term`) is in this set.
        pairs: Adjacent query syllables, folded and in query order (``("chi", "dao")``).
        alone: The terms (exact or folded) that are marked wherever they match. ``None``
            (the default) marks every matching syllable. Otherwise a matching syllable whose
            terms are not in ``alone`` is marked only next to another matching syllable
            (whitespace or one of ``-./&:+`` between them) when the two, in text order, are
            one of ``pairs``: "ban" of "ban chi dao" lights in "Ban Chỉ đạo", not in "ban hành".
        phrases: Sequences of folded syllables marked wherever all of them stand in a row
            (as for ``pairs``, or with a dot and spaces between: "TP. HCM"), whatever the other
            fields say: the spellings of a place the query named ("tp", "hcm" for "TPHCM").

    >>> terms = QueryTerms(syllables=frozenset({"đạo"}), folded=frozenset({"chi"}))
    >>> text = "Ban Chỉ đạo, chí đáo"
    >>> [text[s.start:s.end] for s in match_spans(text, terms)]
    ['Chỉ đạo', 'chí']
    >>> strict = QueryTerms(folded=frozenset({"ban", "chi", "dao"}),
    ...                     pairs=frozenset({("ban", "chi"), ("chi", "dao")}), alone=frozenset())
    >>> text = "Ban Chỉ đạo đã ban hành"
    >>> [text[s.start:s.end] for s in match_spans(text, strict)]
    ['Ban Chỉ đạo']
    >>> text = "TP HCM mưa, TP Đà Nẵng"
    >>> [text[s.start:s.end] for s in match_spans(text, QueryTerms(phrases=frozenset({("tp", "hcm")})))]
    ['TP HCM']
    >>> QueryTerms.empty()
    QueryTerms(syllables=frozenset(), folded=frozenset(), pairs=frozenset(), alone=None, phrases=frozenset())
    """

    syllables: frozenset[str] = frozenset()
    folded: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = frozenset()
    alone: frozenset[str] | None = None
    phrases: frozenset[tuple[str, ...]] = frozenset()

    @classmethod
    def empty(cls) -> QueryTerms:
        """Return terms that match nothing.

        >>> match_spans("Ban Chỉ đạo", QueryTerms.empty())
        []
        """
        return cls(frozenset(), frozenset())


# --------------------------------------------------------------------------- boundaries


def _is_continuation(ch: str) -> bool:
    """True for a character that belongs to the character before it (marks, low surrogates)."""
    return unicodedata.category(ch)[0] == "M" or "\udc00" <= ch <= "\udfff"


def _is_boundary(text: str, i: int) -> bool:
    """True when ``text`` may be cut at ``i`` without splitting a character."""
    if i <= 0 or i >= len(text):
        return True
    ch = text[i]
    if ch < "\u0300" or "\u1e00" <= ch <= "\u1eff":  # letters and such: no mark, ZWJ or surrogate
        return not _joins(text, i - 1)
    if unicodedata.category(ch)[0] == "M" or _joins(text, i - 1) or _joins(text, i):
        return False
    return not ("\udc00" <= ch <= "\udfff" and "\ud800" <= text[i - 1] <= "\udbff")


def _joins(text: str, j: int) -> bool:
    """``text[j]`` is a zero-width joiner that binds its neighbours (an emoji sequence); one
    at either end of the text or beside whitespace binds nothing, so the text may be cut around it."""
    return text[j] == _ZWJ and 0 < j < len(text) - 1 and not text[j - 1].isspace() and not text[j + 1].isspace()


def _snap_back(text: str, i: int) -> int:
    while not _is_boundary(text, i):
        i -= 1
    return i


def _snap_forward(text: str, i: int) -> int:
    while not _is_boundary(text, i):
        i += 1
    return i


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` (on boundaries) until it neither starts nor ends with whitespace."""
    while start < end and (text[start].isspace() or text[end - 1].isspace()):
        if text[start].isspace():
            start = _snap_forward(text, start + 1)
        else:
            end = _snap_back(text, end - 1)
    return start, max(start, end)


def _clean(text: str, spans: Iterable[Span]) -> list[Span]:
    """Clip spans to ``text``, widen them to character boundaries, drop whitespace at their
    edges, merge each kind, sort."""
    n = len(text)
    by_kind: dict[SpanKind, list[tuple[int, int]]] = {}
    for span in spans:
        start, end = _trim_span(text, _snap_back(text, min(span.start, n)), _snap_forward(text, min(span.end, n)))
        if start < end:
            by_kind.setdefault(span.kind, []).append((start, end))
    out: list[Span] = []
    for kind, ranges in by_kind.items():
        ranges.sort()
        cur_start, cur_end = ranges[0]
        for start, end in ranges[1:]:
            if start <= cur_end:
                cur_end = max(cur_end, end)
            else:
                out.append(Span(cur_start, cur_end, kind))
                cur_start, cur_end = start, end
        out.append(Span(cur_start, cur_end, kind))
    out.sort(key=_span_order)
    return out


# --------------------------------------------------------------------------- matching


def match_spans(text: str, terms: QueryTerms) -> list[Span]:
    """Return the runs of syllables of ``text`` that match ``terms``, as ``"match"`` spans.

    A syllable is what :class:`~searchkit.text.analysis.SyllableTokenizer` yields
    (:data:`searchkit.text.terms.SYLLABLE`), at the same offsets; its terms are the syllable
    and folded views' (:func:`searchkit.text.terms.syllable_keys`). Matched syllables separated only by spaces (no punctuation, no
    line break) form one span.

    Args:
        text: Any text; normally an article's stored (normalized) text.
        terms: The terms to mark.

    Returns:
        Non-overlapping spans sorted by offset, each on character boundaries of ``text``.

    >>> text = "Ban Chỉ đạo 35, chỉ đạo."
    >>> spans = match_spans(text, QueryTerms(folded=frozenset({"chi", "dao"})))
    >>> [text[s.start:s.end] for s in spans]
    ['Chỉ đạo', 'chỉ đạo']
    """
    syllables, folded = terms.syllables, terms.folded
    if not text or not (syllables or folded or terms.phrases):
        return []
    if terms.phrases:
        inner = frozenset(f for phrase in terms.phrases for f in phrase)
        candidates = list(_candidates(text, QueryTerms(syllables, folded | inner)))
    else:
        candidates = list(_candidates(text, terms))
    hits = [(start, end) for start, end in candidates if _matches(text[start:end], syllables, folded)]
    if terms.alone is not None:
        hits = _in_sequence(text, hits, terms.pairs, terms.alone)
    if terms.phrases:
        hits = sorted({*hits, *_phrase_hits(text, candidates, terms.phrases)})
    ranges: list[tuple[int, int]] = []
    for start, end in hits:
        if ranges and _adjacent(text, ranges[-1][1], start):
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    if any(not _is_boundary(text, s) or not _is_boundary(text, e) for s, e in ranges):
        return _clean(text, (Span(s, e, MATCH) for s, e in ranges))
    return [Span(s, e, MATCH) for s, e in ranges]


def _adjacent(text: str, end: int, start: int) -> bool:
    """Two syllables ending and starting there stand in a row (spaces or one connector between)."""
    return _SPACE_GAP.fullmatch(text, end, start) is not None or _CODE_GAP.fullmatch(text, end, start) is not None


def _phrase_hits(text: str, candidates: Sequence[tuple[int, int]], phrases: frozenset[tuple[str, ...]]) -> list[tuple[int, int]]:
    """The syllables (among ``candidates``, in text order) of every whole occurrence of a phrase."""
    keys = [syllable_keys(text[start:end])[1] for start, end in candidates]
    found: list[tuple[int, int]] = []
    for phrase in phrases:
        size = len(phrase)
        for i in range(len(candidates) - size + 1):
            if tuple(keys[i : i + size]) == phrase and all(
                _NAME_GAP.fullmatch(text, candidates[j][1], candidates[j + 1][0]) for j in range(i, i + size - 1)
            ):
                found.extend(candidates[i : i + size])
    return found


def _in_sequence(
    text: str, hits: list[tuple[int, int]], pairs: frozenset[tuple[str, str]], alone: frozenset[str]
) -> list[tuple[int, int]]:
    """Keep the matching syllables that may stand alone or stand next to their query neighbour."""
    keys = [syllable_keys(text[start:end]) for start, end in hits]
    keep = [term in alone or folded in alone for term, folded in keys]
    for i in range(1, len(hits)):
        if (keys[i - 1][1], keys[i][1]) in pairs and _adjacent(text, hits[i - 1][1], hits[i][0]):
            keep[i - 1] = keep[i] = True
    return [hit for hit, kept in zip(hits, keep, strict=True) if kept]


def _matches(raw: str, syllables: frozenset[str], folded: frozenset[str]) -> bool:
    """True when the syllable ``raw`` matches exactly or without diacritics (see :class:`QueryTerms`)."""
    term, folded_term = syllable_keys(raw)
    return term in syllables or folded_term in folded


def _candidates(text: str, terms: QueryTerms) -> Iterable[tuple[int, int]]:
    """Offsets of the syllables of ``text`` that may match ``terms`` (all that do, in order).

    A syllable can only match when its folded term is one of the query's folded terms. In a
    text whose letters are all Latin letters and digits, without combining marks (nearly
    every article), each letter folds to one letter, so a regular expression of the folded
    terms, every letter a class of the letters that fold to it, finds the candidates without
    looking at every syllable in Python. Any other text is tokenized syllable by syllable, as
    the syllable view does it.
    """
    folding = _letter_folding()
    if folding.rough.search(text) is not None and folding.other.search(text) is not None:
        # The syllable tokenizer's offsets, without the Whoosh Token it fills per syllable.
        return (m.span() for m in SYLLABLE.finditer(text))
    pattern = _folded_syllables(terms)
    if pattern is None:
        return ()
    # The pattern does not look behind (that would cost a test at every offset): drop the
    # candidates that begin inside a syllable.
    inside = _SYLLABLE_CHAR.match
    return (m.span() for m in pattern.finditer(text) if not m.start() or not inside(text, m.start() - 1))


# A character that can be part of a syllable, as the syllable view tokenizes.
_SYLLABLE_CHAR = re.compile(r"[^\W_]")
_LATIN = r"\x00-\u024f\u1e00-\u1eff"


@dataclass(frozen=True, slots=True)
class _Folding:
    """How the Latin letters fold, for finding candidate syllables (see :func:`_candidates`).

    Attributes:
        classes: For each folded letter, a regular-expression class of the Latin letters
            that fold to it (normalized, lowercased, diacritics removed, as terms are).
        other: Finds what cannot be folded letter for letter: a letter or digit outside the
            Latin blocks, a combining mark, a Latin letter that does not fold to one letter.
        rough: A quicker first test: it finds something in every text ``other`` finds
            something in (any character outside the Latin blocks and general punctuation,
            or one of those Latin letters).
    """

    classes: dict[str, str]
    other: re.Pattern[str]
    rough: re.Pattern[str]


@functools.lru_cache(maxsize=1)
def _letter_folding() -> _Folding:
    """Fold every letter of the Latin blocks once (on the first highlight)."""
    folds_to: dict[str, list[str]] = {}
    odd: list[str] = []
    for block in ((0x00, 0x250), (0x1E00, 0x1F00)):
        for code in range(*block):
            ch = chr(code)
            if not _SYLLABLE_CHAR.match(ch):
                continue
            folded = fold_term(index_term(ch))
            if len(folded) != 1 or not _SYLLABLE_CHAR.match(folded) or unicodedata.normalize("NFC", ch) != ch:
                odd.append(ch)
            else:
                folds_to.setdefault(folded, []).append(ch)
    classes = {f: "[" + "".join(map(re.escape, sorted({f, *chars}))) + "]" for f, chars in folds_to.items()}
    odd_class = f"|[{re.escape(''.join(odd))}]" if odd else ""
    return _Folding(
        classes,
        re.compile(f"[^\\W_{_LATIN}]|[{COMBINING_MARKS}]{odd_class}"),
        re.compile(f"[^{_LATIN}\\u2000-\\u206f]{odd_class}"),
    )


@functools.lru_cache(maxsize=256)
def _folded_syllables(terms: QueryTerms) -> re.Pattern[str] | None:
    """A pattern matching, at the end of a syllable, the letters of any folded term of
    ``terms`` in any spelling that folds to them (None when no syllable can match)."""
    classes = _letter_folding().classes
    keys = terms.folded | {fold_term(s) for s in terms.syllables}
    words = sorted((k for k in keys if k and all(_SYLLABLE_CHAR.match(c) for c in k)), key=lambda k: (-len(k), k))
    if not words:
        return None
    alternatives = ("".join(classes.get(c, re.escape(c)) for c in word) for word in words)
    return re.compile(f"(?:{'|'.join(alternatives)})(?![^\\W_])")


@functools.lru_cache(maxsize=256)
def _alias_keys(name: str) -> tuple[tuple[str, ...], ...]:
    """The folded syllables of every spelling of the organization ``name`` (itself included)."""
    spellings = [name, *org_aliases(name)]
    return tuple(dict.fromkeys(k for k in (span_terms(s) for s in spellings) if k))


def typed_name_span(text: str, start: int, end: int, name: str) -> Span | None:
    """The ``"match"`` span of the mention ``text[start:end]`` that spells the organization ``name``.

    The mention names ``name`` or a more specific body of it; the span covers the longest
    run of its syllables that is a run of syllables of one spelling of ``name`` (any alias,
    case and diacritics ignored), so only the words standing for what was asked are marked.

    Args:
        text: The text holding the mention.
        start: Offset of the mention.
        end: Offset just past it.
        name: The organization asked for (a canonical name or any spelling of one).

    Returns:
        The span, or None when no syllable of the mention spells the name.

    >>> text = "Theo UBND thành phố Hải Phòng, ..."
    >>> span = typed_name_span(text, 5, 29, "Ủy ban nhân dân")
    >>> text[span.start:span.end]
    'UBND'
    """
    found = [(m.start(), m.end(), syllable_keys(m.group())[1]) for m in SYLLABLE.finditer(text, start, min(end, len(text)))]
    keys = [k for _, _, k in found]
    best: tuple[int, int] | None = None  # (first, count) of the longest run, earliest first
    for spelling in _alias_keys(name):
        for i in range(len(keys)):
            for j in range(len(spelling)):
                n = 0
                while i + n < len(keys) and j + n < len(spelling) and keys[i + n] == spelling[j + n]:
                    n += 1
                if n and (best is None or n > best[1] or (n == best[1] and i < best[0])):
                    best = (i, n)
    if best is None:
        return None
    first, count = best
    return Span(found[first][0], found[first + count - 1][1], MATCH)


# --------------------------------------------------------------------------- snippets


def _match_keys(matched: str) -> tuple[str, ...]:
    """The folded syllables of a match, then each pair of adjacent ones ("chi dao")."""
    keys = span_terms(matched)
    return (*keys, *(f"{a} {b}" for a, b in itertools.pairwise(keys)))


class _Layout:
    """The spans of one text, indexed for choosing fragments (lives for one make_snippet call)."""

    def __init__(self, text: str, spans: list[Span]) -> None:
        self.text = text
        self.spans = spans
        self.matches = [s for s in spans if s.kind == MATCH]
        # the terms each match shows, one per syllable ("Chỉ đạo" and "chi dao" are alike),
        # and each pair of adjacent matched syllables: the longer the phrase, the more it shows
        self.keys = [_match_keys(text[s.start : s.end]) for s in self.matches]
        self.match_starts = [s.start for s in self.matches]
        self.match_ends = [s.end for s in self.matches]
        orgs = [s for s in spans if s.kind == ORG]
        self.org_starts = [s.start for s in orgs]
        self.org_ends = [s.end for s in orgs]
        self.lead_start = _snap_back(text, len(text) - len(text.lstrip()))
        # blocked[i] is 1 when i lies strictly inside a span: no cut there if avoidable.
        blocked = bytearray(len(text) + 1)
        for span in spans:
            blocked[span.start + 1 : span.end] = b"\x01" * (span.end - span.start - 1)
        self.blocked = blocked

    def sentence_start(self, lo: int, at: int) -> int:
        """The last sentence start in ``[lo, at]`` (``at`` a match start), or -1 if none.

        Sentence starts are the lead of the text and the ends of :data:`_SENTENCE_START`
        matches. Those matches hold only whitespace, closing quotes and brackets, so a scan
        from the first position before ``lo`` that follows another character finds the same
        matches there as a scan of the whole text.
        """
        text = self.text
        begin = lo
        while begin > 0 and (text[begin - 1].isspace() or text[begin - 1] in _CLOSING):
            begin -= 1
        found = self.lead_start if lo <= self.lead_start <= at else -1
        for m in _SENTENCE_START.finditer(text, begin, at + 1):
            if lo <= m.end() <= at:
                found = max(found, m.end())
        return found

    def count_orgs(self, lo: int, hi: int) -> int:
        """Number of org spans lying entirely in ``[lo, hi)``."""
        return max(0, bisect.bisect_right(self.org_ends, hi) - bisect.bisect_left(self.org_starts, lo))

    def score(self, fragments: Sequence[tuple[int, int]]) -> tuple[int, int, int]:
        """(distinct terms, matched syllables, orgs) that ``fragments`` show whole."""
        keys: set[str] = set()
        total = orgs = 0
        for lo, hi in fragments:
            for k in range(bisect.bisect_left(self.match_starts, lo), len(self.matches)):
                if self.matches[k].end > hi:
                    break
                keys.update(self.keys[k])
                total += len(self.keys[k])
            orgs += self.count_orgs(lo, hi)
        return len(keys), total, orgs

    # -- cutting --------------------------------------------------------------------

    def _cut(self, word_edge: Callable[[int], bool], *candidates: range) -> int | None:
        """The first clean word edge, else any word edge, else the first clean boundary.

        A clean position is on a character boundary and not strictly inside a span: cutting
        an organization name between two words beats cutting a word in half.
        """
        text, blocked = self.text, self.blocked
        for rng in candidates:
            for i in rng:
                if word_edge(i) and not blocked[i] and _is_boundary(text, i):
                    return i
        for rng in candidates:
            for i in rng:
                if word_edge(i) and _is_boundary(text, i):
                    return i
        for rng in candidates:
            for i in rng:
                if not blocked[i] and _is_boundary(text, i):
                    return i
        return None

    def _word_start(self, i: int) -> bool:
        return i == 0 or self.text[i - 1].isspace()

    def _word_end(self, i: int) -> bool:
        return i == len(self.text) or self.text[i].isspace()

    def cut_start(self, ideal: int, lo: int, hi: int) -> int:
        """A fragment start in ``[lo, hi]``, nearest before ``ideal`` first, then after it."""
        found = self._cut(self._word_start, range(ideal, lo - 1, -1), range(ideal + 1, hi + 1))
        if found is None:
            found = _snap_back(self.text, ideal)
            if found < lo:
                found = _snap_forward(self.text, ideal)
        return found

    def cut_end(self, ideal: int, lo: int) -> int:
        """A fragment end in ``[lo, ideal]``, as late as possible (word end, else boundary)."""
        found = self._cut(self._word_end, range(ideal, lo - 1, -1))
        return _snap_back(self.text, ideal) if found is None else found

    def place(self, first: int, last: int, width: int, lo: int, hi: int) -> tuple[int, int]:
        """Place a window of at most ``width`` chars in ``[lo, hi)`` showing matches first..last."""
        cs = self.matches[first].start
        ce = min(self.matches[last].end, cs + width)
        slack = width - (ce - cs)
        earliest = max(lo, ce - width)
        # Start at the sentence of the first match when it begins close enough before it,
        # else give the match a little context; near the end of the room, start earlier.
        sentence = self.sentence_start(max(earliest, cs - 2 * slack // 3), cs)
        ideal = sentence if sentence >= 0 else cs - min(slack // 3, 60)
        ideal = max(earliest, min(ideal, hi - width, cs))
        start = self.cut_start(ideal, earliest, cs)
        end = self.cut_end(min(hi, start + width), max(ce, start))
        return start, max(start, end)

    def lead(self, width: int) -> tuple[int, int]:
        """The first ``width`` characters of the text (after leading whitespace), cut at a word end."""
        start = self.lead_start
        return start, self.cut_end(min(len(self.text), start + width), start)

    # -- choosing -------------------------------------------------------------------

    def best_window(self, width: int, lo: int, hi: int, shown: set[str]) -> tuple[tuple[int, ...], int, int] | None:
        """The best run of matches inside ``[lo, hi)`` spanning at most ``width`` chars.

        Returns ``(score, first, last)``; the score is (new distinct terms, matched
        syllables, orgs, -start), so earlier windows win ties. A match longer than ``width`` is a run alone.
        """
        starts, ends, keys = self.match_starts, self.match_ends, self.keys
        first = bisect.bisect_left(starts, lo)
        stop = bisect.bisect_right(ends, hi, first)  # matches do not overlap: ends are sorted
        best: tuple[tuple[int, ...], int, int] | None = None
        counts: dict[str, int] = {}
        new = total = 0
        j = first
        for i in range(first, stop):
            start = starts[i]
            while j < stop and (j == i or ends[j] - start <= width):
                for key in keys[j]:
                    counts[key] = counts.get(key, 0) + 1
                    new += counts[key] == 1 and key not in shown
                total += len(keys[j])
                j += 1
            # The orgs only break ties: count them only for a window that can win.
            if best is None or (new, total) >= best[0][:2]:
                score = (new, total, self.count_orgs(start, start + width), -start)
                if best is None or score > best[0]:
                    best = (score, i, j - 1)
            for key in keys[i]:
                counts[key] -= 1
                new -= counts[key] == 0 and key not in shown
            total -= len(keys[i])
        return best

    def choose(self, width: int, count: int) -> list[tuple[int, int]]:
        """Greedily choose up to ``count`` disjoint fragments of at most ``width`` chars."""
        fragments: list[tuple[int, int]] = []
        shown: set[str] = set()
        for _ in range(count):
            edges = [0, *(p for f in sorted(fragments) for p in f), len(self.text)]
            found = []
            for lo, hi in zip(edges[::2], edges[1::2], strict=True):
                window = self.best_window(width, lo, hi, shown)
                if window is not None:
                    found.append((window, lo, hi))
            if not found:
                break
            (_, first, last), lo, hi = max(found, key=lambda f: f[0][0])
            start, end = self.place(first, last, width, lo, hi)
            if end <= start:
                break
            fragments.append((start, end))
            k = bisect.bisect_left(self.match_starts, start)
            while k < len(self.matches) and self.matches[k].end <= end:
                shown.update(self.keys[k])
                k += 1
        return sorted(fragments)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop whitespace at both ends of ``text[start:end]``, staying on character boundaries."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return start, start
    return _snap_back(text, start), _snap_forward(text, end)


def _assemble(text: str, fragments: Sequence[tuple[int, int]], spans: Sequence[Span], separator: str) -> Snippet:
    """Join ``fragments`` of ``text``; ``spans`` (sorted, disjoint within each kind) are
    clipped to them and re-based onto the snippet's text."""
    by_kind: dict[str, tuple[list[int], list[int], list[Span]]] = {}
    for span in spans:
        starts, ends, kept = by_kind.setdefault(span.kind, ([], [], []))
        starts.append(span.start)
        ends.append(span.end)
        kept.append(span)
    parts: list[str] = []
    out: list[Span] = []
    offset = 0
    prev_end = -1
    for raw_start, raw_end in fragments:
        start, end = _trim(text, raw_start, raw_end)
        if start >= end:
            continue
        if parts:
            gap = text[prev_end:start]
            joiner = gap if not gap else (" " if gap.isspace() and separator else separator)
            parts.append(joiner)
            offset += len(joiner)
        for starts, ends, kept in by_kind.values():
            for span in kept[bisect.bisect_right(ends, start) : bisect.bisect_left(starts, end)]:
                a, b = max(span.start, start), min(span.end, end)
                out.append(Span(a - start + offset, b - start + offset, span.kind))
        parts.append(text[start:end].translate(_FLATTEN))
        offset += end - start
        prev_end = end
    return Snippet("".join(parts), tuple(out))


def make_snippet(  # the layout knobs are keyword-only
    text: str,
    matches: Sequence[Span],
    orgs: Sequence[Span] = (),
    *,
    max_chars: int = 240,
    max_fragments: int = 2,
    separator: str = " … ",
) -> Snippet:
    """Choose the fragments of ``text`` that best show ``matches``, with their spans.

    Fragments are scored by the number of distinct matched terms they show (syllables,
    diacritics ignored, and pairs of adjacent matched syllables, so a phrase outweighs its
    syllables scattered), then by the number of matched syllables, then (a little) by
    organization names. One long fragment and several shorter
    ones are compared; fragments are cut at word starts/ends (a sentence start when one is
    close before the first match), never inside a span when avoidable, never inside a
    character, and trimmed of whitespace. They are joined in text order with ``separator``
    (a plain space when only whitespace lay between them). Line breaks and tabs inside a
    fragment become spaces, one for one. With no matches the snippet is the lead of the text.

    Args:
        text: The text, normally an article's stored text.
        matches: ``"match"`` spans into ``text`` (from :func:`match_spans`).
        orgs: ``"org"`` spans into ``text`` (organization names). Every span keeps its own
            ``kind``; the two arguments only keep call sites readable.
        max_chars: The most characters the snippet text may have, separators included.
        max_fragments: The most fragments to join.
        separator: What stands between two fragments.

    Returns:
        The snippet; its spans are the parts of ``matches`` and ``orgs`` inside the fragments,
        re-based onto the snippet text and clipped at fragment edges.

    Raises:
        ValueError: If ``max_chars`` or ``max_fragments`` is less than 1.

    >>> text = "Hôm nay trời đẹp. Ban Chỉ đạo 35 họp.\\nBan Chỉ đạo kết luận."
    >>> snippet = make_snippet(text, match_spans(text, QueryTerms(folded=frozenset({"chi", "dao"}))),
    ...                        max_chars=30)
    >>> snippet.text
    'Chỉ đạo 35 họp. Ban Chỉ đạo'
    >>> [snippet.text[s.start:s.end] for s in snippet.spans]
    ['Chỉ đạo', 'Chỉ đạo']
    """
    if max_chars < 1 or max_fragments < 1:
        raise ValueError("max_chars and max_fragments must be at least 1")
    if not text:
        return Snippet("", ())
    layout = _Layout(text, _clean(text, [*matches, *orgs]))
    whole = _trim(text, 0, len(text))
    if whole[1] - whole[0] <= max_chars:
        return _assemble(text, [whole], layout.spans, separator)
    best: tuple[tuple[int, int, int], list[tuple[int, int]]] | None = None
    for count in range(1, max_fragments + 1) if layout.matches else ():
        width = (max_chars - (count - 1) * len(separator)) // count
        if width < 1:
            break
        fragments = layout.choose(width, count)
        score = layout.score(fragments)
        if fragments and (best is None or score > best[0]):
            best = (score, fragments)
    fragments = best[1] if best is not None else [layout.lead(max_chars)]
    return _assemble(text, fragments, layout.spans, separator)


def full_highlight(text: str, matches: Sequence[Span], orgs: Sequence[Span] = ()) -> Snippet:
    """Return the whole of ``text`` with all its spans (clipped, merged per kind, sorted).

    Args:
        text: Any text.
        matches: ``"match"`` spans into ``text``.
        orgs: ``"org"`` spans into ``text``.

    Returns:
        A snippet whose text is ``text`` unchanged (line breaks kept).

    >>> full_highlight("Ban Chỉ đạo", [Span(4, 7, "match"), Span(6, 11, "match")]).spans
    (Span(start=4, end=11, kind='match'),)
    """
    return Snippet(text, tuple(_clean(text, [*matches, *orgs])))
