"""The public functions on organization names: :func:`find_orgs`, :func:`canonical_org`,
:func:`org_aliases`, and :class:`OrgMention`."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, product
from typing import Literal

from searchkit.text.normalize import INVISIBLE, fold, normalize, offset_arrays
from searchkit.text.orgs.lexicon import Lexicon, get_lexicon
from searchkit.text.orgs.parser import Parse, canonical_name
from searchkit.text.orgs.places import canonical_place, place_aliases
from searchkit.text.orgs.scanner import scan
from searchkit.text.orgs.sentence import attach_places

__all__ = [
    "MAX_NAME_LENGTH", "ORG_SEPARATOR", "OrgKind", "OrgMention", "canonical_org", "find_orgs", "head_spellings",
    "is_family_name", "join_orgs", "org_aliases", "split_orgs",
]

_MAX_ALIASES = 64
#: The longest organization name :func:`canonical_org` reads, in characters (normalized,
#: outer blanks stripped); longer text is not a name (it keeps the cost of a typed name bounded).
MAX_NAME_LENGTH = 200

#: What joins an article's organization names in the index (its ``orgs`` field, one term a name):
#: the ASCII unit separator, which :func:`~searchkit.text.normalize.normalize` removes from all
#: text, so no name holds it (a comma does: "Bộ Văn hóa, Thể thao và Du lịch").
ORG_SEPARATOR = "\x1f"

#: What an organization is: state, Party, army, police, courts, mass organizations, or other.
OrgKind = Literal["gov", "other"]


@dataclass(frozen=True, slots=True)
class OrgMention:
    """One organization name found in a text.

    Attributes:
        text: The name exactly as written: ``text == input[start:end]``.
        start: Offset of the first character in the input string.
        end: Offset just past the last character in the input string.
        canonical: The full name in normalized spelling, e.g. "Ủy ban nhân dân tỉnh Quảng Ninh".
        kind: "gov" (state, Party, army, police, courts, mass organizations) or "other".
    """

    text: str
    start: int
    end: int
    canonical: str
    kind: OrgKind


# --------------------------------------------------------------------------------------------
# Lexicon: the data files, compiled.


def _normalize_for_spans(text: str) -> tuple[str, tuple[Sequence[int], Sequence[int]] | None]:
    """Normalize ``text``; offsets are None when every character maps to itself.

    Text that :func:`normalize` leaves as long as it was changed at most one character for
    one (tone placement, NBSP, look-alikes of Đ), so spans need no mapping; that skips the
    (slower) per-character :func:`~searchkit.text.normalize.offset_arrays`.
    """
    normalized = normalize(text)
    if normalized is text or (
        len(normalized) == len(text) and unicodedata.is_normalized("NFC", text) and not _DROPPED.search(text)
    ):
        return normalized, None
    normalized, starts, ends = offset_arrays(text)
    return normalized, (starts, ends)


# An abbreviation in brackets right after a name is another mention of the same body:
# "Ủy ban Chứng khoán Nhà nước (UBCK)". Not a news agency's or newspaper's tag ("(NLĐ)"), a
# currency or a stock exchange ("Công ty Vinamilk (HOSE)").
# With a dash or dot it abbreviates a field or a place ("(GD-ĐT)", "(Q.1)"), not the body.
_BRACKETED = re.compile(r"[ \t]*\(([A-ZĐ][A-ZĐ0-9&]+)\)")
_NOT_ABBREVIATIONS = frozenset(
    {"NLĐ", "NLĐO", "TTXVN", "VNA", "AFP", "AP", "TN", "TT", "VNE", "PV", "CTV", "VN", "HN", "TP", "TPHCM", "HCM", "ĐBSCL"}
    | {"USD", "VND", "VNĐ", "EUR", "JPY", "CNY", "HOSE", "HNX", "HASTC", "UPCOM"}  # currencies, stock exchanges
)


def _abbreviation_after(lex: Lexicon, text: str, end: int, next_start: int) -> tuple[int, int] | None:
    """The span of an abbreviation in brackets at ``end`` that ends before ``next_start``: not
    a known head or field abbreviation ("Bộ Giao thông vận tải (GTVT)" abbreviates the field),
    nor a place ("(BR-VT)")."""
    m = _BRACKETED.match(text, end)
    if not (m and len(m.group(1)) <= 12 and m.end() <= next_start and sum(c.isalpha() for c in m.group(1)) >= 2):
        return None
    word = m.group(1)
    if word in _NOT_ABBREVIATIONS or word in lex.abbreviations:
        return None
    place = lex.place_re.match(f" {word}", 0)
    return None if place and place.end() == len(word) + 1 else m.span(1)


def _initials_of(abbreviation: str, name: str) -> bool:
    """True when the letters of ``abbreviation`` are initials of words of ``name``, in order,
    starting with the first ("UBCK": "Ủy ban Chứng khoán"): after a state body, other
    abbreviations are too often its field's ("Ban chỉ đạo phòng chống lụt bão (PCLB)")."""
    words = name.split()
    if _fold_initial(abbreviation) != _fold_initial(words[0]):
        return False
    initials = iter(_fold_initial(w) for w in words)
    return all(any(i == c for i in initials) for c in map(_fold_initial, abbreviation) if c.isalpha())


def _fold_initial(word: str) -> str:
    return fold(word[:1]).upper()


# What :func:`normalize` removes or merges into the letter before it.
_DROPPED = re.compile(f"[{INVISIBLE}\u0335\u0336]")


def find_orgs(text: str, *, normalized: bool = False) -> list[OrgMention]:
    """Find organization names in ``text``.

    Args:
        text: Any text: NFD or NFC, either tone placement, NBSP or zero-width characters.
        normalized: The caller knows that ``normalize(text) == text`` (an article's stored
            text), so it is not normalized again.

    Returns:
        The names, sorted by position and non-overlapping; ``m.text == text[m.start:m.end]``.
        A place word with no name ("UBND thành phố") takes the one place of its type named
        in the same sentence, if there is one; otherwise it is left out of the canonical name.

    >>> [m.canonical for m in find_orgs("Chủ tịch UBND tỉnh Quảng Ninh gặp Bộ trưởng Bộ GD-ĐT.")]
    ['Ủy ban nhân dân tỉnh Quảng Ninh', 'Bộ Giáo dục và Đào tạo']
    >>> m = find_orgs("Theo Ban chỉ đạo 35 TP Hải Phòng, …")[0]
    >>> (m.text, m.canonical, m.kind)
    ('Ban chỉ đạo 35 TP Hải Phòng', 'Ban Chỉ đạo 35 thành phố Hải Phòng', 'gov')
    >>> find_orgs("Bộ quần áo mua ở Tây Ban Nha ban ngày")
    []
    >>> [m.canonical for m in find_orgs("UBND thành phố Hải Phòng và HĐND thành phố họp. UBND tỉnh cũng họp.")]
    ['Ủy ban nhân dân thành phố Hải Phòng', 'Hội đồng nhân dân thành phố Hải Phòng', 'Ủy ban nhân dân']
    """
    norm, offsets = (text, None) if normalized else _normalize_for_spans(text)
    lex = get_lexicon(False)
    found = list(scan(lex, norm))
    attach_places(lex, norm, found)
    mentions: list[OrgMention] = []
    last_end = 0
    for i, (start, end, parsed) in enumerate(found):
        kind: OrgKind = "gov" if parsed.kind == "gov" else "other"  # a parse is never "inherit"
        canonical = canonical_name(parsed.parts)
        spans = [(start, end)]
        abbreviation = _abbreviation_after(lex, norm, end, found[i + 1][0] if i + 1 < len(found) else len(norm))
        if abbreviation and (kind == "other" or _initials_of(norm[abbreviation[0] : abbreviation[1]], norm[start:end])):
            spans.append(abbreviation)
        for s, e in spans:
            raw_start, raw_end = (offsets[0][s], offsets[1][e - 1]) if offsets else (s, e)
            if raw_start < last_end:  # only with coarse offsets (text that composes across clusters)
                continue
            mentions.append(OrgMention(text[raw_start:raw_end], raw_start, raw_end, canonical, kind))
            last_end = raw_end
    return mentions


def _whole(lex: Lexicon, query: str) -> Parse | None:
    """The parse of ``query`` when one name covers all of it."""
    for start, end, parsed in scan(lex, query):
        if start == 0 and not query[end:].strip(" .,;:"):
            return parsed
        return None
    return None


def _query_spellings(lex: Lexicon, name: str) -> list[str]:
    """How to read a typed name: as typed, then with every word capitalized ("hải phòng")."""
    text = " ".join(name.split())
    if lex.folded:
        text = fold(text)
    words = [w.upper() if w.upper() in lex.abbreviations else w for w in text.split(" ")]
    as_typed = " ".join(words)
    title = " ".join(w if w.isupper() or w.casefold() == "và" else w[:1].upper() + w[1:] for w in words)
    return [as_typed[:1].upper() + as_typed[1:], title]


def _resolve(name: str) -> Parse | None:
    """Parse a typed name; prefer a reading made only of known words (no free text)."""
    normalized = normalize(name).strip()
    if not normalized or len(normalized) > MAX_NAME_LENGTH:
        return None
    fallback: Parse | None = None
    unmarked = fold(normalized) == normalized  # typed without diacritics: places are spelled as listed
    for folded in (False, True):
        lex = get_lexicon(folded)
        if not lex.may_start_head(fold(normalized) if folded else normalized):
            continue  # every spelling below starts with the same word, lowercased: no name here
        for spelling in _query_spellings(lex, normalized):
            parsed = _whole(lex, spelling)
            if parsed is None:
                continue
            if not any(p.free for p in parsed.parts):
                return _places_spelled(parsed) if unmarked else parsed
            if not folded and spelling[1:] == normalized[1:] and fallback is None:
                fallback = parsed  # free words as typed, with diacritics: keep as a last resort
    return fallback


def _places_spelled(parsed: Parse) -> Parse:
    """A name read without diacritics, with its places as the gazetteer spells them: "ubnd tp
    ha noi" read "TP" and a capitalized run, "thành phố Ha Noi"; it is "thành phố Hà Nội"."""
    parts = list(parsed.parts)
    for i, part in enumerate(parts):
        if part.free or part.dangling:
            continue
        place = canonical_place(fold(part.canonical))
        if place is not None and place != part.canonical:
            parts[i] = dataclasses.replace(part, canonical=place, variants=place_aliases(place))
    return dataclasses.replace(parsed, parts=parts)


def canonical_org(name: str) -> str | None:
    """Resolve a typed organization name or alias to its canonical name.

    Accepts any spelling :func:`find_orgs` recognizes, in any case, with or without
    diacritics (without them only for names made of known words), and a province or city
    without its place word.

    Args:
        name: What the user typed, e.g. "UBND Quảng Ninh" or "BCĐ 35".

    Returns:
        The canonical name, or None when ``name`` is not (entirely) one organization name
        (always None for more than :data:`MAX_NAME_LENGTH` characters).

    >>> canonical_org("UBND Hà Nội")
    'Ủy ban nhân dân thành phố Hà Nội'
    >>> canonical_org("ubnd tinh quang ninh")
    'Ủy ban nhân dân tỉnh Quảng Ninh'
    >>> canonical_org("Bộ GD-ĐT"), canonical_org("BCĐ 35")
    ('Bộ Giáo dục và Đào tạo', 'Ban Chỉ đạo 35')
    >>> canonical_org("bộ quần áo") is None
    True
    """
    parsed = _resolve(name)
    return canonical_name(parsed.parts) if parsed else None


def head_spellings(text: str) -> tuple[str, ...]:
    """The spellings of the kind of body ``text`` names as a whole, if it is the head of
    several organization names of two words or more ("Ban Chỉ đạo": the names of every
    steering committee start with it), in any case, with or without diacritics.

    Returns:
        The head's spellings, canonical first; ``()`` when ``text`` is no such head (one
        word such as "Ban" or "Sở" is too vague to be read as a name).

    >>> head_spellings("ban chi dao"), head_spellings("Ban")
    (('Ban Chỉ đạo', 'BCĐ'), ())
    """
    if len(text.split()) < 2:
        return ()
    head = get_lexicon(fold(text) == text).head_of(text.strip())
    return head.forms if head is not None else ()


def org_aliases(canonical: str) -> list[str]:
    """List spellings of the body named ``canonical``, for query expansion.

    Every part is spelled each way the data files know: head ("Ủy ban nhân dân", "UBND"),
    field ("Giáo dục và Đào tạo", "GD&ĐT", "GD-ĐT"…), place ("thành phố Hà Nội", "TP Hà Nội",
    "Hà Nội"). The canonical name comes first; at most 64 spellings are returned.

    Args:
        canonical: A canonical name (any spelling :func:`canonical_org` accepts works too).

    Returns:
        The spellings, canonical first; ``[]`` when ``canonical`` is not an organization name.

    >>> aliases = org_aliases("Ủy ban nhân dân thành phố Hà Nội")
    >>> aliases[0], "UBND Hà Nội" in aliases, "UBND TP Hà Nội" in aliases
    ('Ủy ban nhân dân thành phố Hà Nội', True, True)
    """
    parsed = _resolve(canonical)
    if parsed is None:
        return []
    parts = [p for p in parsed.parts if not p.dangling]
    first = canonical_name(parts)
    seen = {first: None}
    choices = [[(p.sep, v) for v in dict.fromkeys((p.canonical, *p.variants))] for p in parts]
    for combo in islice(product(*choices), _MAX_ALIASES * 4):
        spelling = combo[0][1] + "".join(sep + v for sep, v in combo[1:])
        seen.setdefault(spelling, None)
        if len(seen) >= _MAX_ALIASES:
            break
    return list(seen)


def join_orgs(names: Iterable[str]) -> str:
    """Canonical names joined by :data:`ORG_SEPARATOR`, as the index stores them.

    >>> split_orgs(join_orgs(["Bộ Văn hóa, Thể thao và Du lịch", "Bộ Y tế"]))
    ('Bộ Văn hóa, Thể thao và Du lịch', 'Bộ Y tế')
    """
    return ORG_SEPARATOR.join(names)


def split_orgs(value: str | None) -> tuple[str, ...]:
    """The names of a value :func:`join_orgs` gave (none for ``None``), in their order."""
    return tuple(name for name in (value or "").split(ORG_SEPARATOR) if name)


def is_family_name(syllable: str, *, any_marks: bool = False) -> bool:
    """Whether ``syllable`` (any case) is a common Vietnamese family name (``surnames.txt``);
    with ``any_marks``, whether it is one with its diacritics left out ("nguyen").

    >>> is_family_name("nguyễn"), is_family_name("Messi"), is_family_name("nguyen", any_marks=True)
    (True, False, True)
    """
    if any_marks:
        return fold(normalize(syllable)).casefold() in _family_names_folded(get_lexicon(False))
    return normalize(syllable).casefold() in _family_names(get_lexicon(False))


@functools.lru_cache(maxsize=2)
def _family_names(lex: Lexicon) -> frozenset[str]:
    return frozenset(name.casefold() for name in lex.surnames)


@functools.lru_cache(maxsize=2)
def _family_names_folded(lex: Lexicon) -> frozenset[str]:
    return frozenset(fold(name).casefold() for name in lex.surnames)
