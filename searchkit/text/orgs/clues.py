"""What the words right after a name say about it: generic, foreign, or a person's name.

Each function reads the text of a :class:`~searchkit.text.orgs.parser.Parser` at ``pos``, the end
of a name (or of its head), and answers one question the parser asks before it keeps the name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from searchkit.text.orgs.context import TOKEN, generic_follows, next_words

if TYPE_CHECKING:
    from searchkit.text.orgs.parser import Parser

__all__ = ["country_in_brackets", "generic_pair", "of_foreign_people", "of_many_nations", "of_this_country", "three_title_words"]

_OPEN_BRACKET = re.compile(r"[ \t]*\(")
# "nước này": the country the sentence is about, named before (a foreign one: Vietnam is "nước ta")
_THIS_COUNTRY = re.compile(r"[ \t]+(?:của[ \t]+)?nước[ \t]+(?:này|bạn|láng[ \t]+giềng)(?![^\W_])")
_PAIRED = re.compile(r"[ \t]+và[ \t]+")
# the rest of a list of a nation's bodies: ", Chính phủ và nhân dân" (a country follows); at
# most _MAX_LISTED of them (six words, none listed twice), so that a name's test reads a bounded
# stretch of text, not the rest of a list repeated over a whole text (quadratic: each of its
# heads asked again)
_MAX_LISTED = 8
_NATIONAL_LIST = re.compile(
    r"(?:(?:[ \t]*,[ \t]*|[ \t]+và[ \t]+)(?:Đảng|Nhà nước|Chính phủ|Quốc hội|[Nn]hân dân|[Qq]uân đội)(?![^\W_]))"
    f"{{1,{_MAX_LISTED}}}(?=[ \\t])"
)
# ... of two or more nations: "Chính phủ và nhân dân | hai nước"
_NATIONS = re.compile(r"[ \t]+(?:hai|ba|các|nhiều)[ \t]+nước(?![^\W_])")


def generic_pair(parser: Parser, pos: int) -> bool:
    """True when "và" and a body that is generic follow ``pos``: "HĐND | và UBND các cấp" (a comma may
    end a list instead: "cơ quan thuộc Chính phủ, | ủy ban nhân dân các tỉnh"). Only for two bodies found
    at every level (head flag ``level``: "Chính phủ và UBND các tỉnh" names the government)."""
    m = _PAIRED.match(parser.text, pos)
    found = parser.head_at(m.end()) if m else None
    if found is None or "level" not in found[0].flags:
        return False
    return generic_follows(parser.text, found[1], next_words(parser.text, found[1]))


def three_title_words(text: str, pos: int) -> bool:
    """True when exactly one more title-case word follows ``pos`` (a person's third name)."""
    third = TOKEN.match(text, pos)
    if not (third and third.group(1)[:1].isupper() and not third.group(1).isupper()):
        return False
    fourth = TOKEN.match(text, third.end())
    return not (fourth and fourth.group(1)[:1].isupper())


def country_in_brackets(parser: Parser, pos: int) -> bool:
    """True when a foreign country in brackets follows ``pos``: "(Thụy Điển)"."""
    m = _OPEN_BRACKET.match(parser.text, pos)
    if not m:
        return False
    # the bracket's words read with the "(" as a space (a window, not a copy of the whole text)
    window = parser.text[m.end() - 1 : m.end() + 60]
    reader = type(parser)(parser.lex, " " + window[1:])
    found = reader.country(0)
    return bool(found and window[found[1] : found[1] + 1] == ")")


def of_this_country(parser: Parser, pos: int) -> bool:
    """True when "nước này" follows ``pos``: "Bộ Ngoại giao | nước này", "Chính phủ | của nước này"
    (the span ends before it)."""
    return bool(_THIS_COUNTRY.match(parser.text, pos))


def of_foreign_people(parser: Parser, pos: int) -> bool:
    """True when a list of a nation's bodies ending in a foreign country follows ``pos``: "Đảng |,
    Chính phủ và nhân dân Trung Quốc" (not "… nhân dân Việt Nam")."""
    m = _NATIONAL_LIST.match(parser.text, pos)
    return bool(m and parser.country(m.end()))


def of_many_nations(text: str, pos: int) -> bool:
    """True when a list of a nation's bodies ends in "hai nước" (or "các nước"…): "Chính phủ | và
    nhân dân hai nước" names two governments, not one."""
    m = _NATIONAL_LIST.match(text, pos)
    return bool(m and _NATIONS.match(text, m.end()))
