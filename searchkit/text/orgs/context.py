"""What the words around a head say: whether they make it generic, end a free name or rule it out.

Small predicates over normalized text used by :mod:`searchkit.text.orgs.parser`; none of them
knows a parse, only words and positions.
"""

from __future__ import annotations

import functools
import re

from searchkit.text.orgs.lexicon import Head

__all__ = [
    "TOKEN",
    "TRIM",
    "and_follows",
    "capital_follows",
    "excluded_by_left",
    "generic_follows",
    "has_proper_word",
    "lower_first",
    "lowercase_ends_name",
    "next_words",
    "person_title_at",
    "starts_with",
    "title_word",
    "word_follows",
]

TOKEN = re.compile(r"[ \t]+([^\W_]+(?:['’.\-][^\W_]+)*|[-–&])")
_TRIM_CAPS = frozenset({"về", "các", "và", "của", "cho"})
TRIM = frozenset({"và", "-", "–", "&", "của", "về", "các", "những", "với"})
_WORDS = re.compile(r"[^\W_]+")
# two-syllable words often written with only the first syllable capitalized ("Quốc tế")
_HALF_CAPITALIZED = frozenset({("quốc", "tế")})
_CLAUSE_END = re.compile(r"[,;:()\[\]\"“”]")
_COUNTED = re.compile(r"[ \t]+(?:quốc gia|nước|tỉnh|thành phố|quận|huyện|thị xã|thị trấn|xã|phường|cấp|địa phương|đơn vị|nơi)(?![^\W_])")
# words right after a head that make it a level or a plural, not one body
_GENERIC_NEXT = (
    ("các",),
    ("những",),
    ("mọi",),
    ("từng",),
    ("địa", "phương"),
    ("cơ", "sở"),
    *((count, "nước") for count in ("hai", "ba", "nhiều")),  # "Chính phủ hai nước": two governments
    ("hai", "bên"),
    *(("cấp", level) for level in ("tỉnh", "huyện", "xã", "quận", "phường", "thành", "trung", "cơ", "trên", "dưới")),
)
_LEFT_WORDS = re.compile(r"([^\W_]+(?:[ \t]+[^\W_]+)?)[ \t]+$")
# "QĐ-UBND", "NQ/TW", "04/2006/QĐ - UBND": a head inside a document number.
# "các sở GD-ĐT", "37 công ty …": a lowercase head after a plural word is generic.
_PLURAL = re.compile(r"(?<![^\W_])(?:các|những|nhiều|mọi|mỗi|từng|số|\d+)[ \t]+$", re.I)
_DOCUMENT_NUMBER = re.compile(r"(?:[A-ZĐ]{2,}[ \t]*[-/][ \t]*|\d+(?:[-/]|[ \t]*/[ \t]*))$")  # "QĐ - UBND", "số 12/UBND"; not "… 1 - Tổng cục"


def next_words(text: str, pos: int) -> list[str]:
    """The first four words after ``pos`` up to a comma, bracket or quote, casefolded."""
    stop = _CLAUSE_END.search(text, pos, pos + 60)
    return [w.casefold() for w in _WORDS.findall(text, pos, stop.start() if stop else pos + 60)[:4]]


def starts_with(following: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """True when the words ``following`` start with one of ``phrases``."""
    return any(tuple(following[:n]) in group for n, group in _by_length(phrases))


@functools.lru_cache(maxsize=64)
def _by_length(phrases: tuple[tuple[str, ...], ...]) -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
    """``phrases`` grouped by their number of words (one set look-up per length)."""
    lengths = sorted({len(words) for words in phrases})
    return tuple((n, frozenset(words for words in phrases if len(words) == n)) for n in lengths)


def generic_follows(text: str, pos: int, following: list[str]) -> bool:
    """True when the words after a head make it generic ("UBND các tỉnh", "HĐND cấp huyện")."""
    m = TOKEN.match(text, pos)
    if m and m.group(1).isdigit():
        # "Quốc hội 25 quốc gia", "UBND 3 xã": a count of bodies (not "ý kiến Quốc hội 2 phương án")
        return bool(_COUNTED.match(text, m.end()))
    if not starts_with(following, _GENERIC_NEXT):
        return False
    return bool(m and m.group(1)[:1].islower())


def lower_first(text: str) -> str:
    """A free part that continues a name, from a lowercase letter unless it starts with an
    abbreviation ("về PCTT", "cửa khẩu sân bay quốc tế Tân Sơn Nhất")."""
    first = text.split(" ", 1)[0]
    return text if len(first) > 1 and first.isupper() else text[:1].lower() + text[1:]


def lowercase_ends_name(word: str, ends: list[tuple[int, str]], lowers: int) -> bool:
    """True when the lowercase ``word`` after the words ``ends`` of a free name is no part of it."""
    if not ends and word in TRIM:
        return True
    if ends and (ends[-1][1].casefold(), word) in _HALF_CAPITALIZED:
        return False  # "Ủy ban Olympic Quốc | tế": one word
    # "Báo Người Lao Động | mở đợt …": after two title-case words a lowercase word starts the
    # sentence's predicate, not more of the name.
    if lowers == 0 and sum(w[:1].isupper() and w.casefold() not in _TRIM_CAPS for _, w in ends) >= 2:
        return True
    # "… khu vực Nam Bộ | dự báo …": nor after two title-case words in a row.
    return len(ends) >= 2 and all(title_word(w) for _, w in ends[-2:])


def title_word(word: str) -> bool:
    """True for a word in title case ("Nam", "Đạo"), not an abbreviation or a small word."""
    return word[:1].isupper() and not word.isupper() and word.casefold() not in _TRIM_CAPS


# A person's title: after a dash it starts the person, not a second part of the name
# ("Tổng cục CSND - | Thủ trưởng Cơ quan CSĐT").
_PERSON_TITLE = re.compile(
    r"(?:Thủ[ \t]+trưởng|Giám[ \t]+đốc|Chủ[ \t]+tịch|Chủ[ \t]+nhiệm|Bí[ \t]+thư|Phó|Trưởng|Chánh|"
    r"(?:Tổng[ \t]+)?[Cc]ục[ \t]+trưởng|Vụ[ \t]+trưởng|Viện[ \t]+trưởng|Tư[ \t]+lệnh|Chính[ \t]+ủy)(?![^\W_])"
)


def person_title_at(text: str, pos: int) -> bool:
    """True when a person's title starts at ``pos``: "Thủ trưởng", "Giám đốc", "Phó …"."""
    return bool(_PERSON_TITLE.match(text, pos))


def and_follows(text: str, pos: int) -> bool:
    """True when "và" follows ``pos``: "Công an thành phố | và Sở …"."""
    m = TOKEN.match(text, pos)
    return bool(m and m.group(1) == "và")


def capital_follows(text: str, pos: int) -> bool:
    """True when a capitalized word follows ``pos`` on the same line."""
    m = TOKEN.match(text, pos)
    return bool(m and m.group(1)[:1].isupper())


def word_follows(text: str, pos: int) -> bool:
    """True when a lowercase word follows ``pos`` on the same line."""
    m = TOKEN.match(text, pos)
    return bool(m and m.group(1)[:1].islower())


def has_proper_word(text: str) -> bool:
    """True when a word after the first is in title case ("Trường THPT Lê Lợi", not "Trường THPT")."""
    return any(w[:1].isupper() and not w.isupper() for w in text.split()[1:]) or (len(text.split()) == 1 and not text.isupper())


def excluded_by_left(head: Head, text: str, start: int) -> bool:
    """True when the words before ``start`` show the head is no name here."""
    left = text[max(0, start - 30) : start]
    # The three patterns end with "$", which also matches before a final line feed; what each
    # needs there is tested first, without a regex (few heads follow a dash or slash).
    blank = left[:-1] if left.endswith("\n") else left
    if blank.rstrip(" \t").endswith(("-", "/")) and _DOCUMENT_NUMBER.search(left):
        return True
    if not blank.endswith((" ", "\t")):
        return False  # _PLURAL and _LEFT_WORDS end with blanks
    if text[start : start + 1].islower() and _PLURAL.search(left):
        return True
    if not head.not_after:
        return False
    m = _LEFT_WORDS.search(left)
    if not m:
        return False
    words = m.group(1).casefold().split()
    return words[-1] in head.not_after or " ".join(words) in head.not_after
