"""Provinces and cities on their own: :func:`canonical_place` and :func:`place_aliases`.

The places of ``data/orgs/places.tsv`` are parts of organization names ("UBND TP.HCM") for
:func:`~searchkit.text.orgs.find_orgs`; a query may also name one alone ("TP.HCM ngập"). These
two functions read such a typed place and list its spellings, for query expansion. They use the
lexicon's place table and leave organization recognition as it is.
"""

from __future__ import annotations

from functools import lru_cache

from searchkit.text.normalize import fold, normalize
from searchkit.text.orgs.lexicon import Entry, get_lexicon, key

__all__ = ["canonical_place", "place_aliases"]

#: The longest typed place read, in characters (the longest spelling is far shorter).
_MAX_PLACE_LENGTH = 60


@lru_cache(maxsize=2)
def _place_table(folded: bool) -> dict[str, Entry]:
    """Every spelling of every place (full form, with a place word, bare, aliases) by :func:`key`."""
    table: dict[str, Entry] = {}
    for entry in dict.fromkeys(get_lexicon(False).places.values()):
        for form in entry.forms:
            table.setdefault(key(fold(form) if folded else form), entry)
    return table


def _is_short_abbreviation(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) <= 2 and " " not in text.strip()


def _entry(text: str) -> Entry | None:
    normalized = normalize(text).strip(" .,;:")
    if not normalized or len(normalized) > _MAX_PLACE_LENGTH:
        return None
    entry = _place_table(False).get(key(normalized))
    if entry is None and fold(normalized) == normalized:  # typed without diacritics
        entry = _place_table(True).get(key(normalized))
    if entry is None:
        return None
    # "HN" is Hà Nội, "hn" is not: a two-letter alias only counts in capitals.
    if _is_short_abbreviation(normalized) and not normalized.isupper():
        return None
    return entry


def canonical_place(text: str) -> str | None:
    """Resolve a typed province or city, in any listed spelling, to its full form.

    Accepts the full form, the name with or without its place word, and the aliases of
    ``places.tsv``, in any case and with or without diacritics (a two-letter abbreviation
    only in capitals).

    Args:
        text: What the user typed, e.g. "TP.HCM" or "thanh pho ho chi minh".

    Returns:
        The full form ("Thành phố Hồ Chí Minh", "tỉnh Quảng Ninh"), or None when ``text`` is
        not (entirely) one place.

    >>> canonical_place("TP.HCM"), canonical_place("thanh pho ho chi minh")
    ('Thành phố Hồ Chí Minh', 'Thành phố Hồ Chí Minh')
    >>> canonical_place("Quảng Ninh"), canonical_place("quần áo") is None
    ('tỉnh Quảng Ninh', True)
    """
    entry = _entry(text)
    return entry.canonical if entry else None


def place_aliases(text: str) -> tuple[str, ...]:
    """List the spellings of the place ``text`` names, its full form first.

    Args:
        text: A full form or any spelling :func:`canonical_place` accepts.

    Returns:
        The spellings as listed ("Thành phố Hồ Chí Minh", "TP Hồ Chí Minh", "TP.HCM", …);
        ``()`` when ``text`` is not a place.

    >>> aliases = place_aliases("TP.HCM")
    >>> aliases[0], "Tp. Hồ Chí Minh" in aliases, "HCM" in aliases
    ('Thành phố Hồ Chí Minh', True, True)
    """
    entry = _entry(text)
    return tuple(dict.fromkeys((entry.canonical, *entry.forms))) if entry else ()
