"""What a parse of an organization name holds, when it makes a name, and how it is spelled out."""

from __future__ import annotations

from dataclasses import dataclass

from searchkit.text.encodings import is_syllable
from searchkit.text.orgs.context import has_proper_word
from searchkit.text.orgs.lexicon import Head, Part

__all__ = ["Parse", "canonical_name", "is_name", "lowercase_refused", "without_place_word"]


@dataclass(slots=True)
class Parse:
    end: int
    parts: list[Part]
    kind: str
    has_name: bool = False
    capitalized: bool = False
    has_place: bool = False
    named_place: bool = False
    foreign: bool = False
    has_parent: bool = False
    bare: bool = False  # the head drops the place word of a province ("Thành ủy Đà Nẵng")
    generic: bool = False  # a level, not one body: "UBND tỉnh, thành phố"
    unit: bool = False  # a free name read under flag "sub": a name only inside a parent body


def is_name(head: Head, result: Parse, bare_lowercase: bool, written: str) -> bool:
    """Whether a head written as ``written`` with what :meth:`Parser.parse` found makes a name;
    ``bare_lowercase``: the name is a lowercase free name without qualifiers."""
    if head.needs == "name" and not result.has_name:
        return False
    if head.needs == "parent" and not (result.has_parent or any(p.canonical == "Trung ương" for p in result.parts[1:])):
        return False  # "Ban Kinh tế Trung ương": the Party's Central Committee is the parent
    if head.needs == "more" and len(result.parts) == 1:
        return False
    if bare_lowercase and not result.has_parent:
        return False  # "Phòng khảo thí | Sở GD-ĐT": a lowercase unit name is one body inside a named parent
    if "given" in head.flags and given_name_only(result):
        return False  # "Hà An - Trường Thịnh" signing an article, "ông Lê Trường Lưu", "xã Trường Yên"
    if head.kind == "other" and head.needs == "name" and not (
        result.named_place or result.foreign or any(p.free and has_proper_word(p.canonical) for p in result.parts[1:])
    ):
        return False
    if written[:1].islower():
        # "kiểm toán Nhà nước", "công an huyện Đông Anh", "bộ Giao thông vận tải"
        proper = any(w[:1].isupper() for w in written.split()[1:])
        return "low" in head.flags and (proper or result.capitalized or result.has_parent or result.named_place or result.foreign)
    return True


def given_name_only(result: Parse) -> bool:
    """True when the name after the head is one Vietnamese syllable, bare: no place, parent,
    qualifier or second word ("Trường | Thịnh", not "Trường | Harvard", "Trường | THPT Lê Lợi")."""
    if len(result.parts) != 2 or result.named_place or result.has_parent or result.foreign:
        return False
    name = result.parts[1]
    if name.canonical in _SCHOOLS_OF_A_BODY:
        return False
    return name.free and " " not in name.canonical and not name.canonical.isupper() and is_syllable(name.canonical)


# One-syllable names after "Trường" that are no person: the Party's and the Youth Union's
# schools ("Trường Đảng", "Trường Đoàn"; without this the body alone would be a name) and
# schools named by their field ("Trường Luật", "Trường Múa").
_SCHOOLS_OF_A_BODY = frozenset({"Đảng", "Đoàn", "Luật", "Múa"})


def lowercase_refused(head: Head, written: str) -> bool:
    """True when ``written``, a head in lowercase, makes no name whatever follows it (as
    :func:`is_name` decides): only heads flagged ``low`` do ("bộ Giao thông vận tải"); "vụ án",
    "hội nghị", "báo cáo" are words. A lowercase "ban" may take a title's capital ("Trưởng | ban
    Tư tưởng"): never refused here. A cheap test before the parse, which most such heads fail."""
    return written[:1].islower() and "low" not in head.flags and not written.startswith("ban")


def without_place_word(part: Part) -> Part:
    """"tỉnh Quảng Ninh" -> "Quảng Ninh" (lowercase place words only: "Thành phố Hồ Chí Minh" stays)."""
    for word in ("tỉnh ", "thành phố "):
        if part.canonical.startswith(word):
            bare = part.canonical[len(word) :]
            return Part(bare, (bare, *part.variants), part.free, part.sep)
    return part


def canonical_name(parts: list[Part]) -> str:
    return parts[0].canonical + "".join(p.sep + p.canonical for p in parts[1:] if not p.dangling)
