"""The matcher: a head ("Bộ", "UBND", "Ban Chỉ đạo"), then what it takes (field, code, free
name, qualifiers, parent body, places), read from a position of normalized text.

:mod:`~searchkit.text.orgs.parse` holds a parse and spells it out;
:func:`~searchkit.text.orgs.scanner.scan` finds every name of a text with the parser;
:mod:`~searchkit.text.orgs.sentence` names the place of a dangling place word.
"""

from __future__ import annotations

import re

from searchkit.text.orgs.clues import country_in_brackets, generic_pair, of_foreign_people, of_many_nations, of_this_country, three_title_words
from searchkit.text.orgs.context import (
    TOKEN,
    TRIM,
    and_follows,
    capital_follows,
    excluded_by_left,
    generic_follows,
    lower_first,
    lowercase_ends_name,
    next_words,
    person_title_at,
    starts_with,
    title_word,
    word_follows,
)
from searchkit.text.orgs.lexicon import END, SP, SP_OPT, Entry, Head, Lexicon, Part, key
from searchkit.text.orgs.parse import Parse, canonical_name, is_name, lowercase_refused, without_place_word

__all__ = ["Parse", "Parser", "canonical_name", "without_place_word"]

_MAX_FREE_TOKENS = 12
_MAX_LOWER_TOKENS = 10
_MAX_PLACE_TOKENS = 4
_CODE = re.compile(r"[ \t]+((?:số[ \t]+)?\d+[A-Za-z]?(?:/[A-Za-z0-9]+)?)" + END)
# police department codes: "PC45", "PA24", "C50" ("Phòng PC45 Công an TP HCM")
_POLICE_CODE = re.compile(r"[ \t]+((?:P[A-Z]|[ACX])\d{2,3}[A-Z]?)" + END)
_CRIME = re.compile(r"[ \t]+tội[ \t]+phạm[ \t]+về(?=[ \t])")
_YEAR = re.compile(r"[ \t]+((?:19|20)\d\d)" + END)
_ORDINAL = re.compile(r"[ \t]+((?:[IVXLC]+|\d+)(?:[ \t]*[-–][ \t]*(?:[IVXLC]+|\d+))?)" + END)
_OF = re.compile(f"{SP}của{SP}")
_DASH = re.compile(f"{SP_OPT}[-–]{SP_OPT}")
_SPACE = re.compile(SP)
_WORD = re.compile(r"[^\W\d_]+")
_FIELD_JOINER = re.compile(f"{SP}và(?={SP})|{SP_OPT}[-–](?={SP})")


def _capitalized(token: str) -> bool:
    return token[:1].isupper() or token[:1].isdigit()


def _free_part(text: str) -> Part:
    words = " ".join(text.split())
    canonical = words[:1].upper() + words[1:]
    return Part(canonical, (canonical,), free=True)


class Parser:
    """Parses names at given positions of one normalized text."""

    def __init__(self, lex: Lexicon, text: str) -> None:
        self.lex = lex
        self.text = text

    # -- small matchers, each anchored at ``pos`` (which sits just after a word) ----------

    def head_at(self, pos: int) -> tuple[Head, int] | None:
        text = self.text
        m = self.lex.head_match(text, pos)
        if not m or m.end() == pos:
            return None
        end = m.end()
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return None
        head = self.lex.head_of(m.group(0))
        if head is not None and "," in m.group(0) and "," not in head.canonical:
            # "Đảng, Ủy viên": "Đảng" then another word, not "Đảng ủy"
            return Parser(self.lex, text[: text.index(",", pos)]).head_at(pos)
        return (head, end) if head else None

    def stop_at(self, pos: int, m: re.Match[str] | None = None) -> bool:
        """True when the word at ``pos`` (``m``, its :data:`TOKEN` match, when known) ends a free name."""
        m = m or TOKEN.match(self.text, pos)
        if not m:
            return True
        word = m.group(1)
        if word[:1].isupper():
            return False  # a stop word ends a name only when written in lowercase
        word = word.casefold()
        nxt = TOKEN.match(self.text, m.end()) if word in self.lex.stop_phrase_starts else None
        if word not in self.lex.stop_words and not (nxt and (word, nxt.group(1).casefold()) in self.lex.stop_phrases):
            return False
        return not self.in_compound(pos, m.end(), word)

    def in_compound(self, pos: int, end: int, word: str) -> bool:
        """True when the word ``text[pos:end]`` is a syllable of a listed compound word here.

        "Cục Hàng không": "không" is a stop word, but here a syllable of "hàng không".
        """
        candidates = self.lex.compounds.get(word)
        if not candidates:
            return False
        before = _TAIL_WORDS.search(self.text, max(0, pos - 60), pos)
        left = before.group(0).casefold().split() if before else []
        right: list[str] = []
        p = end
        for _ in range(max(len(tokens) - i - 1 for tokens, i in candidates)):
            m = TOKEN.match(self.text, p)
            if not m:
                break
            right.append(m.group(1).casefold())
            p = m.end()
        for tokens, i in candidates:
            n_right = len(tokens) - i - 1
            if (i == 0 or left[-i:] == list(tokens[:i])) and right[:n_right] == list(tokens[i + 1 :]):
                return True
        return False

    def field(self, pos: int, head: Head) -> tuple[list[Part], int] | None:
        pattern = self.lex.field_re.get(head.fields)
        if pattern is None:
            return None
        parts: list[Part] = []
        while True:
            m = pattern.match(self.text, pos)
            if not m:
                break
            entry = next(
                (self.lex.fields[k] for g in head.fields if (k := f"{g}:{key(m.group(1))}") in self.lex.fields),
                None,
            )
            if entry is None:
                break
            sep = " và " if parts else " "
            parts.append(Part(entry.canonical, entry.forms, sep=sep))
            pos = m.end()
            # "Bộ Ngoại giao và Thương mại": two fields joined make one name; "Bộ Y tế và Bộ
            # Tài chính" are two names (the second "Bộ" is no field).
            joiner = _FIELD_JOINER.match(self.text, pos)
            if not joiner or not pattern.match(self.text, joiner.end()) or self.body_named_at(joiner.end()):
                break  # "Thanh tra GTCC | và Công an Bình Tân": the field starts a body of its own
            pos = joiner.end()
        return (parts, pos) if parts else None

    def body_named_at(self, pos: int) -> bool:
        """True when the word after ``pos`` starts a head that makes a name there by itself."""
        m = TOKEN.match(self.text, pos)
        found = self.head_at(m.start(1)) if m else None
        return bool(m and found and self.parse(found[0], m.start(1), found[1], depth=1))

    def qualifier(self, pos: int) -> tuple[Part, int] | None:
        m = self.lex.qual_re.match(self.text, pos)
        if not m:
            return None
        entry = self.lex.quals.get(key(m.group(1)))
        if entry is None:
            return None
        if entry.info == "ordinal":
            n = _ORDINAL.match(self.text, m.end())
            if not n:
                return None
            return Part(f"{entry.canonical} {n.group(1)}", (f"{entry.canonical} {n.group(1)}",)), n.end()
        return Part(entry.canonical, entry.forms), m.end()

    def known_place(self, pos: int) -> tuple[Entry, int] | None:
        m = self.lex.place_re.match(self.text, pos)
        if not m:
            return None
        if not _capitalized(m.group(1)) or not all(map(_capitalized, _WORD.findall(m.group(1)))):
            return None  # "Viện Hải dương học": not the province Hải Dương
        entry = self.lex.places.get(key(m.group(1)))
        return (entry, m.end()) if entry else None

    def country(self, pos: int) -> tuple[Entry, int] | None:
        m = self.lex.country_re.match(self.text, pos)
        if not m:
            return None
        entry = self.lex.countries.get(key(m.group(1)))
        if entry is None or (m.group(1)[:1].islower() and entry.canonical[:1].isupper()):
            return None  # "ý kiến" is no "Ý" (Italy)
        if " " not in m.group(1).strip() and self.in_compound(m.start(1) - 1, m.end(), m.group(1).casefold()):
            return None  # "Ủy ban Pháp luật", "Cục Mỹ thuật": a syllable of a listed word, no country
        unit = self.unit_at(pos)
        if unit is not None and unit > m.end():
            return None  # "di tích Mỹ Sơn", "Mỹ Tho": a place named with the country's syllable
        return entry, m.end()

    def unit_at(self, pos: int, above_commune: bool = False) -> int | None:
        """The end of the longest district, ward or commune name (``admin_units.tsv``) at ``pos``,
        written with a capital: "Đông Anh" is a district, not "Đông" and England.
        ``above_commune``: only the names of districts and cities ("thành phố | Lê Thanh Hải"
        is a person, though "Lê Thanh" is a commune)."""
        text = self.text
        first = pos
        while text[first : first + 1] in (" ", "\t"):
            first += 1
        if first == pos or not text[first : first + 1].isupper():
            return None  # most words: no capital, no regex
        syllables: list[str] = []
        ends: list[int] = []
        p = pos
        prefixes = self.lex.unit_prefixes
        while True:
            m = TOKEN.match(self.text, p)
            if not m or not (m.group(1)[:1].isupper() or (syllables and m.group(1).isdigit())):
                break  # "Mỹ Đình 2": a number inside a listed name
            syllables.append(m.group(1).casefold())
            if tuple(syllables) not in prefixes:
                syllables.pop()  # no name goes on like this
                break
            p = m.end()
            ends.append(p)
        units = self.lex.units
        for n in range(len(syllables), 0, -1):
            kinds = units.get(tuple(syllables[:n]))
            if kinds and not (above_commune and kinds <= _COMMUNE_KINDS):
                end = ends[n - 1]
                # "phường Bình Hưng Hòa 2": a number that ends the name
                number = TOKEN.match(self.text, end)
                if number and number.group(1).isdigit() and len(number.group(1)) <= 2 and self.stop_at(number.end()):
                    return number.end()
                return end
        return None

    def whole_unit_at(self, pos: int) -> bool:
        """True when a district or city name starts at ``pos`` and no capitalized word follows it
        ("Đông Anh | và", not "Tân Sơn | Nhất")."""
        unit = self.unit_at(pos, above_commune=True)
        return unit is not None and not capital_follows(self.text, unit)

    def capital_run(self, pos: int, surnames: frozenset[str], person_words: int = 2) -> tuple[str, int] | None:
        """Capitalized words (a district or city name) from ``pos``; not a person's name: a family
        name in ``surnames`` and capitalized words, ``person_words`` in all."""
        start = pos
        words: list[str] = []
        while len(words) < _MAX_PLACE_TOKENS:
            m = TOKEN.match(self.text, pos)
            if not m or not m.group(1)[:1].isupper() or self.head_at(m.start(1)) or self.place_word(pos):
                break
            if not words and m.group(1) in surnames:
                given, after = 1, m.end()
                while given < person_words:
                    nxt = TOKEN.match(self.text, after)
                    if not (nxt and nxt.group(1)[:1].isupper()):
                        break
                    given, after = given + 1, nxt.end()
                if given >= person_words:
                    return None
            words.append(m.group(1))
            pos = m.end()
            if self.known_place(pos) or self.country(pos):
                break
        if not words:
            return None
        return self.text[start:pos].strip(), pos

    def place_word(self, pos: int) -> tuple[Entry, int] | None:
        m = self.lex.ptype_re.match(self.text, pos)
        if not m:
            return None
        word = m.group(1)
        # "Thành ủy", "Tỉnh ủy" are heads, not places.
        after = self.text[m.end() : m.end() + 4].casefold().lstrip()
        if after.startswith(("ủy", "uỷ", "uy ", "đoàn", "đội")):
            return None
        entry = self.lex.ptypes.get(key(word))
        return (entry, m.end()) if entry else None

    def place_word_ends_name(self, pos: int) -> bool:
        """True when a place word at ``pos`` starts a place: named ("tỉnh Quảng Ninh", "quận 1")
        or dangling ("thành phố" before a stop word, "và" or punctuation), not "xã hội"."""
        return bool(self.place_word(pos) and self.place(pos, None))

    def place(self, pos: int, level_above: str | None, after_body: bool = False) -> tuple[Part, int, bool] | None:
        """A place: "tỉnh Quảng Ninh", "TP.HCM", "Hà Nội", "quận 1", "Mỹ" (foreign), "tỉnh".

        A place word with no name ("tỉnh", "thành phố") is a dangling part when a stop word,
        "và", a qualifier, punctuation or the line end follows; ``after_body`` (right after
        the body's name: "UBND thành phố dẫn đầu") also when any word follows "tỉnh" or
        "thành phố". Returns the part, its end and whether the place is a foreign country.
        """
        known = self.known_place(pos) if (listed := self.lex.may_list(self.text, pos)) else None  # most words start none
        if known:
            entry, end = known
            return Part(entry.canonical, entry.forms), end, False
        country = self.country(pos) if listed else None
        if country:
            entry, end = country
            return Part(entry.canonical, entry.forms), end, True
        typed = self.place_word(pos) if listed else None
        if not typed:
            # "Công an Bình Tân", "VKS Gò Vấp": a district or city named without its place word
            unit = self.unit_at(pos, above_commune=True) if after_body else None
            if unit is None:
                return None
            name = self.text[pos:unit].strip()
            return Part(name, (name,)), unit, False
        ptype, end = typed
        level = ptype.info
        if level_above == "district" and level == "district":
            return None
        # "Q.Bình Thạnh", "P.5": read the name as if a space followed the dot
        shift = 0
        reader = self
        if self.text[end - 1 : end] == "." and self.text[end : end + 1] not in (" ", "\t", ""):
            reader, shift = Parser(self.lex, self.text[:end] + " " + self.text[end:]), 1
        known = reader.known_place(end)
        unit = reader.unit_at(end, above_commune=level == "province")
        if known and not (unit is not None and unit > known[1]):  # "phường Phú Thọ Hòa": a ward, not the province
            entry, name_end = known
            name = entry.info or entry.canonical
            if entry.canonical.casefold() == f"{ptype.canonical} {name}".casefold():
                return Part(entry.canonical, entry.forms), name_end - shift, False
            variants = (*(f"{form} {name}" for form in ptype.forms), name)
            return Part(f"{ptype.canonical} {name}", variants), name_end - shift, False
        if unit is not None:
            name = reader.text[end:unit].strip()
            return Part(f"{ptype.canonical} {name}", tuple(f"{f} {name}" for f in ptype.forms)), unit - shift, False
        number = _ORDINAL.match(reader.text, end)
        if number and level == "district":
            name = number.group(1)
        else:
            # "Chủ tịch UBND thành phố | Lê Thanh Hải", "UBND xã | Nguyễn Văn Tiên": a person; a commune
            # the gazetteer above lacks has two syllables ("xã Hà Ra"), a person three
            province = level == "province"
            run = reader.capital_run(end, self.lex.surnames, person_words=2 if province else 3)
            number = None
            if run is None:
                # the place word alone ("UBND tỉnh", "HĐND thành phố") when no name follows
                if shift == 0 and (
                    self.stop_at(end)
                    or not word_follows(self.text, end)
                    or and_follows(self.text, end)
                    or self.qualifier(end)
                    or (after_body and level == "province")
                    # "UBND quận | giải quyết" (not "xã | hội", nor "Tòa án Quận | nam Jakarta")
                    or (after_body and not _XA_HOI.match(self.text, end) and self.text[pos:end].strip()[:1].islower())
                ):
                    return Part(ptype.canonical, ptype.forms, dangling=True), end, False
                return None
            name, name_end = run
            return Part(f"{ptype.canonical} {name}", tuple(f"{f} {name}" for f in ptype.forms)), name_end - shift, False
        return Part(f"{ptype.canonical} {name}", tuple(f"{f} {name}" for f in ptype.forms)), number.end() - shift, False

    def free(
        self, pos: int, persons_end: bool, parents: bool, depth: int, max_lower: int = _MAX_LOWER_TOKENS
    ) -> tuple[Part, int, bool] | None:
        """A free name or topic from ``pos``: returns the part, its end, and whether capitalized.

        The name ends before a body that can be named by itself: a head that makes a name
        ("Ban Tuyên giáo | Thành ủy"), not one that does not ("khu vực Nam Bộ"), or, when
        ``parents``, a parent body right at ``pos`` ("Ban Chỉ đạo 35 | Thành ủy Hà Nội").
        """
        text = self.text
        ends: list[tuple[int, str]] = []  # (end, word) of each word taken
        p = pos
        lowers = 0
        while len(ends) < _MAX_FREE_TOKENS:
            if ends and text[p : p + 1] == "," and (ends[-1][1].casefold(), *next_words(text, p + 1)[:1]) in _COMMA_PHRASES:
                p += 1  # "Ban Chỉ đạo Phòng, chống dịch", "tìm kiếm, cứu nạn": one phrase
            m = TOKEN.match(text, p)
            if not m or self._ends_free_name(p, m, ends, persons_end, parents, depth):
                break
            word = m.group(1)
            if not word[:1].isupper() and word not in "-–&":
                if lowercase_ends_name(word, ends, lowers):
                    break
                lowers += 1
                if lowers > max_lower:
                    # too long: cut here, but not inside a known word ("công trình giao | thông")
                    if self.in_compound(m.start(1), m.end(), word.casefold()):
                        ends.pop()
                    break
            ends.append((m.end(), word))
            p = m.end()
        while ends and ends[-1][1].casefold() in TRIM:
            ends.pop()
        if not ends:
            return None
        end = ends[-1][0]
        # a proper name: first word capitalized, or a later word in title case (not "HS", "X")
        words = [w for _, w in ends]
        capitalized = words[0][:1].isupper() or any(w[:1].isupper() and not w.isupper() for w in words)
        return _free_part(text[pos:end]), end, capitalized

    def _ends_free_name(
        self, pos: int, m: re.Match[str], ends: list[tuple[int, str]], persons_end: bool, parents: bool, depth: int
    ) -> bool:
        """True when the word ``m`` at ``pos`` cannot continue a free name (see :meth:`free`):
        a number, a stop word, a place, a qualifier, a body, a person's name, a stray dash."""
        word = m.group(1)
        if word[:1].isdigit() or self.stop_at(pos, m):
            return True
        if self.lex.may_list(self.text, pos) and (self.known_place(pos) or self.country(pos) or self.qualifier(pos) or self.place_word_ends_name(pos)):
            return True
        if ends and word[:1].isupper() and self.whole_unit_at(pos):
            return True  # "Sở Y tế | Đông Anh": a district, not "Đông" and England
        if word[:1].isupper():
            if ends and ends[-1][1].casefold() == "liên":
                return False  # "Ban chỉ đạo chống dịch liên Bộ": joint, not a second body
            if self.body_at(m.start(1), first=not ends, parents=parents, depth=depth):
                return True
            named_after = ends and ends[-1][1].casefold() in _NAMED_AFTER and not (len(ends) > 1 and ends[-2][1].casefold() == "nhà")
            if not (persons_end and word in self.lex.surnames) or named_after:
                return False  # "dự án cầu đường | Nguyễn Hữu Cảnh": a street named after a person (not "nhà trường")
            nxt = TOKEN.match(self.text, m.end())
            if nxt is None or not nxt.group(1)[:1].isupper():
                return False
            if three_title_words(self.text, nxt.end()):
                return True  # "Ủy ban TDTT | Nguyễn Danh Thái": a person after a state body (persons_end)
            # a family name starting a person's name: "Sở Tài chính | Nguyễn Văn A"
            return not (nxt.group(1) in self.lex.surnames_all or (ends and ends[-1][1][:1].isupper()))
        if word in "-–&":
            nxt = TOKEN.match(self.text, m.end())
            return not ends or not (nxt and nxt.group(1)[:1].isupper()) or person_title_at(self.text, nxt.start(1))
        return False

    def body_at(self, pos: int, first: bool, parents: bool, depth: int) -> bool:
        """True when a body inside a free name starts at ``pos`` (see :meth:`free`).

        A head its data rules out here ("Hội | An") is no body; nor is a head that ends a run
        of title-case words and needs a name it does not have ("khu vực Nam Bộ | dự báo",
        "Trung Bộ,"). A capitalized word after the head may be its name ("và Trung tâm
        Thương mại"): then it is a body.
        """
        found = self.head_at(pos)
        if not found:
            return False
        head, end = found
        if first:
            return parents and "up" in head.flags
        if head.not_before and starts_with(next_words(self.text, end), head.not_before):
            return False
        if excluded_by_left(head, self.text, pos):
            return False
        if depth or head.needs == "none" or capital_follows(self.text, end):
            return True
        before = _TAIL_WORDS.search(self.text, max(0, pos - 40), pos)
        if not (before and title_word(before.group(0).split()[-1])):
            return True
        return self.parse(head, pos, end, depth=1) is not None

    # -- the name --------------------------------------------------------------------------

    def parse(self, head: Head, head_start: int, head_end: int, depth: int = 0) -> Parse | None:
        """Parse what follows a head written at ``text[head_start:head_end]``; None if no name."""
        if lowercase_refused(head, self.text[head_start:head_end]):
            return None
        following = next_words(self.text, head_end) if head.not_before or head.needs == "none" else []
        if head.not_before and starts_with(following, head.not_before):
            return None
        if head.needs == "none" and (
            generic_follows(self.text, head_end, following)
            or ("level" in head.flags and generic_pair(self, head_end))
            or of_many_nations(self.text, head_end)
        ):
            return None  # "UBND các quận", "HĐND cấp tỉnh", "Công an địa phương", "HĐND và UBND các cấp": no one body
        result = Parse(head_end, [Part(head.canonical, head.forms)], head.kind)
        # 1. the name: a known field; or a code and/or a free name or topic
        pos, lower_free = self.name(head, head_end, result, depth)
        if lower_free and head.needs == "none" and len(result.parts) == 2:
            pos, lower_free = head_end, False  # "Đảng ủy | nhà trường": the head alone is the name
            del result.parts[1:]
        alone = "alone" in head.flags and (lower_free or not result.has_name) and self.text[head_start : head_start + 1].isupper()
        if alone and lower_free:
            pos = head_end  # "Đảng | lãnh đạo chính quyền": a verb, not the party's name
            del result.parts[1:]
        if alone and not capital_follows(self.text, pos):
            # "Đảng" alone is the Communist Party of Vietnam: "thay mặt Đảng, Nhà nước"
            result.has_name = True
            result.kind = "other" if of_foreign_people(self, pos) else "gov"
            result.end = pos
            return result
        # 2. qualifiers: "Trung ương", "tối cao", "khóa XIII"
        before = len(result.parts)
        pos, lower_free = self.qualified_name(head, head_end, pos, lower_free, result, depth)
        # 3. a parent body: "Thành ủy Đà Nẵng", "của Quốc hội", "- Bộ Y tế"
        if "parent" in head.flags and depth == 0:
            pos = self.parent(pos, head, result)
        if result.unit and not result.has_parent:
            return None  # "Phòng khảo thí" alone names no one body; "Phòng khảo thí Sở GD-ĐT" does
        # 4. places, a country, a seat, a topic: "huyện Krông Búk tỉnh Đắk Lắk", "TP.HCM", "Mỹ"
        pos = self.surroundings(pos, head, result)
        if _PLURAL_PLACES.match(self.text, pos) or (not result.named_place and _LOCAL.match(self.text, pos)):
            return None  # "Sở Y tế các tỉnh", "Công an các địa phương", "Sở Y tế địa phương": no one body
        qualified = len(result.parts) > before
        if result.generic:
            return None
        # 5. is it a name?
        written = self.text[head_start:head_end]
        if written.startswith("ban") and _AFTER_TITLE.search(self.text, max(0, head_start - 12), head_start):
            written = "B" + written[1:]  # "Trưởng | ban Tư tưởng - Văn hóa T.Ư": the title takes the capital
        if not is_name(head, result, lower_free and not qualified, written):
            return None
        result.foreign = result.foreign or self.foreign_by_what_follows(head, result, pos)
        if result.kind == "inherit" or result.foreign:
            result.kind = "other"
        result.end = pos
        return result

    def foreign_by_what_follows(self, head: Head, result: Parse, pos: int) -> bool:
        """True when the words that end the name at ``pos``, or follow it, make the body foreign."""
        if result.parts[-1].free and result.parts[-1].canonical.casefold().endswith((" thế giới", " quốc tế")):
            return True  # "Hội đồng Hòa bình thế giới": a world body is no Vietnamese one
        if head.needs == "none" and len(result.parts) == 1 and of_foreign_people(self, pos):
            return True  # "Chính phủ | và nhân dân Trung Quốc"
        if of_this_country(self, pos):
            return True  # "Bộ Ngoại giao | nước này"
        # "Viện Karolinska | (Thụy Điển)": the country is no part of the span
        return not (result.named_place or "at" in head.flags) and country_in_brackets(self, pos)

    def qualified_name(
        self, head: Head, head_end: int, pos: int, lower_free: bool, result: Parse, depth: int
    ) -> tuple[int, bool]:
        """Add the qualifiers after the name ending at ``pos`` ("Trung ương", "tối cao", "khóa XIII"),
        then the name itself if it comes after them ("Ban chỉ đạo quốc gia | phòng chống dịch cúm
        gia cầm"). Returns the new end and whether the name is a lowercase free name."""
        before = len(result.parts)
        named = result.has_name
        pos = self.qualifiers(pos, result, lowercase=lower_free or self.text[head_end:pos].strip()[:1].islower())
        if not named and len(result.parts) > before and ("topic" in head.flags or "free" in head.flags):
            pos, lower_free = self.name(head, pos, result, depth)
        return pos, lower_free

    def surroundings(self, pos: int, head: Head, result: Parse) -> int:
        """Add what may follow a name at ``pos``: places, a country (the body is then foreign), the
        seat of an embassy, a board's topic. Returns the new end."""
        if "place" in head.flags and not result.has_parent:
            pos = self.qualifiers(self.places(pos, head, result), result)
        if not (result.has_parent or result.foreign) and (result.has_name or head.kind == "gov"):
            pos = self.of_country(pos, result)
        if "at" in head.flags:
            pos = self.located(pos, result)
        if "topic" in head.flags and (len(result.parts) > 1 or head.needs == "none"):
            pos = self.about(pos, result)
        return pos

    def name(self, head: Head, pos: int, result: Parse, depth: int) -> tuple[int, bool]:
        """Add the name after the head at ``pos`` to ``result``: a known field; or a code and/or a
        free name or topic. Returns the end and whether the name is a lowercase free name."""
        flags = head.flags
        field = self.field(pos, head) if head.fields else None
        if field:
            parts, end = field
            result.parts.extend(parts)
            result.has_name = True
            result.capitalized = self.text[pos:end].strip()[:1].isupper()
            if "free" in flags and (word_follows(self.text, end) or capital_follows(self.text, end)) and not self.whole_unit_at(end):
                # "Chi cục Hải quan | cửa khẩu sân bay quốc tế Tân Sơn Nhất": a tail that ends in a proper name
                tail = self.free(end, persons_end=head.kind == "gov", parents=False, depth=depth)
                if tail and tail[2] and title_word(self.text[end : tail[1]].split()[-1]) and not self.place_word_ends_name(end):
                    result.parts.append(Part(lower_first(tail[0].canonical), tail[0].variants, True))
                    result.capitalized = True  # "chi cục hải quan Mộc Bài": the proper name makes it one body
                    return tail[1], False
            crime = self.crimes(end, result, depth) if parts[-1].canonical == "Cảnh sát điều tra" else None
            return (crime, False) if crime else (self.trailing_code(end, head, result), False)
        if head.canonical.endswith("Cảnh sát điều tra"):
            crime = self.crimes(pos, result, depth)  # "Cơ quan CSĐT | tội phạm về …"
            if crime:
                return crime, False
        if "pcode" in flags:
            m = _POLICE_CODE.match(self.text, pos)
            if m:
                result.parts.append(Part(m.group(1), (m.group(1),)))
                result.has_name = result.capitalized = True
                return m.end(), False
        if "code" in flags:
            m = _CODE.match(self.text, pos)
            if m:
                result.parts.append(Part(m.group(1), (m.group(1),)))
                result.has_name = result.capitalized = True
                pos = m.end()
        lower_free = False
        coded = result.has_name and self.text[pos : pos + 2].strip()[:1].islower()  # "PMU 18 | từng làm"
        if ("free" in flags or "topic" in flags or "sub" in flags) and not coded:
            result.unit = not ("free" in flags or "topic" in flags)
            parents = ("parent" in flags and head.needs != "name") or result.unit
            # a board's topic may be long: "Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn"
            longest = _MAX_FREE_TOKENS if "topic" in flags else _MAX_LOWER_TOKENS
            free = self.free(pos, persons_end=head.kind == "gov", parents=parents, depth=depth, max_lower=longest)
            if free:
                if head.needs == "none" and self.text[pos : free[1]].lstrip()[:1].islower():
                    # the head is a name by itself: a tail keeps its case ("Đài Khí tượng thủy văn | khu vực Nam Bộ")
                    free = (Part(lower_first(free[0].canonical), free[0].variants, True), free[1], free[2])
                part, pos, capitalized = free
                result.parts.append(part)
                result.has_name = True
                result.capitalized = result.capitalized or capitalized
                lower_free = not capitalized and "topic" not in flags
                pos = self.trailing_code(pos, head, result)
        return pos, lower_free

    def crimes(self, pos: int, result: Parse, depth: int) -> int | None:
        """Add what an investigation police body is for ("Cục CSĐT | tội phạm về trật tự quản lý kinh tế
        và chức vụ | - Bộ Công an"); return the new end, or None when no "tội phạm về …" follows."""
        crime = _CRIME.match(self.text, pos)
        topic = self.free(crime.end(), persons_end=True, parents=True, depth=depth, max_lower=_MAX_FREE_TOKENS) if crime else None
        if topic is None:
            return None
        canonical = f"tội phạm về {lower_first(topic[0].canonical)}"
        result.parts.append(Part(canonical, (canonical,), True))
        return topic[1]

    def of_country(self, pos: int, result: Parse) -> int:
        """Add a country right after the name ("Ủy ban Phát triển kinh tế | Singapore", "Quốc hội
        | nước Cộng hòa Singapore"): the body is foreign. Returns the new end."""
        m = TOKEN.match(self.text, pos)
        if not (m and (m.group(1)[:1].isupper() or m.group(1) in ("nước", "châu"))):
            return pos  # most names end before a lowercase word or punctuation
        m = _NUOC.match(self.text, pos)
        found = self.country(m.end() if m else pos)
        if not found:
            return pos
        entry, end = found
        result.parts.append(Part(entry.canonical, entry.forms))
        result.foreign = True
        return end

    def trailing_code(self, pos: int, head: Head, result: Parse) -> int:
        """Add a number that ends the name ("Đội Quản lý thị trường | số 1"); a year ends any
        free name ("Ủy ban Quốc gia APEC | 2006", not "Bộ Y tế | 2005")."""
        pattern = _CODE if "code" in head.flags else _YEAR if result.parts[-1].free else None
        m = pattern.match(self.text, pos) if pattern else None
        if not m or (word_follows(self.text, m.end()) and not self.stop_at(m.end())):
            return pos
        result.parts.append(Part(m.group(1), (m.group(1),)))
        return m.end()

    def places(self, pos: int, head: Head, result: Parse) -> int:
        """Add up to two places after ``pos`` to ``result`` (a district, then its province);
        return the new end."""
        bare = "bare" in head.flags
        level: str | None = None
        for _ in range(2):
            found = self.place(pos, level, after_body=True)
            if not found:
                break
            part, pos, foreign = found
            if bare:
                part = without_place_word(part)
            if part.dangling and (
                self._another_level_follows(pos)
                or (part.canonical == "tỉnh" and _THANH.match(self.text, pos))
                or _LEVEL_PAIR.match(self.text, pos)
                or _LEVEL_ALTERNATIVE.match(self.text, pos)
            ):
                result.generic = True  # "Đảng bộ xã, phường", "UBND tỉnh, thành phố", "UBND phường (xã)", "UBND tỉnh thành"
                break
            result.parts.append(part)
            result.has_place = True
            result.named_place = result.named_place or not part.dangling
            result.bare = bare
            result.foreign = result.foreign or foreign
            if foreign or part.dangling:
                break
            level = "district" if part.canonical.split(" ")[0] in _DISTRICT_WORDS else "province"
            if level == "district":
                # "Công an quận Gò Vấp - TPHCM": the province after a dash
                dash = _DASH.match(self.text, pos)
                if dash:
                    # read the name as if a space followed the dash ("quận 7-TPHCM")
                    reader = Parser(self.lex, f"{self.text[: dash.end()]} {self.text[dash.end() :]}")
                    province = reader.known_place(dash.end())
                    if province:
                        result.parts.append(Part(province[0].canonical, province[0].forms))
                        pos = province[1] - 1
                        break
        return pos

    def about(self, pos: int, result: Parse) -> int:
        """Add "về phòng chống tham nhũng" after a board's name ("Ban Chỉ đạo Trung ương | về …")."""
        m = _ABOUT.match(self.text, pos)
        if not m:
            return pos
        topic = self.free(m.end(), persons_end=True, parents=False, depth=1)
        if topic is None:
            return pos
        part, end, _ = topic
        result.parts.append(Part(lower_first(part.canonical), part.variants, True, " về "))
        return end

    def located(self, pos: int, result: Parse) -> int:
        """Add "tại Nhật Bản", "ở Jakarta" after an embassy; return the new end."""
        m = _AT.match(self.text, pos)
        if not m:
            return pos
        found = self.place(m.end(), None)
        if found and not found[0].dangling:
            part, end, _ = found
        else:
            run = self.capital_run(m.end(), frozenset())
            if run is None:
                return pos
            part, end = _free_part(run[0]), run[1]
        result.parts.append(Part(part.canonical, part.variants, part.free, f" {m.group(1)} "))
        return end

    def _another_level_follows(self, pos: int) -> bool:
        """True when ",", "/", "-" or "và" and another place word with no name follow ``pos``: "xã, phường"."""
        m = _LEVEL_LIST.match(self.text, pos)
        if not (m and self.place_word(m.end() - 1)):
            return False
        found = self.place(m.end() - 1, None)
        return bool(found and found[0].dangling)

    def parent(self, pos: int, head: Head, result: Parse) -> int:
        """Attach a parent body after ``pos`` to ``result``; return the new end."""
        text = self.text
        listed = _LISTED_FIELDS.match(text, pos) if result.has_name else None
        if listed and _OF.match(text, listed.end()):
            # "Ủy ban Văn hóa, giáo dục, thanh thiếu niên nhi đồng | của Quốc hội": the list is the name
            words = " ".join(listed.group(0).split())
            result.parts.append(Part(words.lstrip(", "), (words.lstrip(", "),), free=True, sep=", "))
            end = self.parent(listed.end(), head, result)
            if result.has_parent:
                return end
            result.parts.pop()
        of = _OF.match(text, pos)
        if of:
            country = self.country(of.end() - 1)
            if country:
                entry, end = country
                result.parts.append(Part(entry.canonical, entry.forms, sep=" của "))
                result.foreign = result.has_parent = True
                return end
        for connector, sep in ((_OF, " của "), (_DASH, " "), (_SPACE, " ")):
            c = connector.match(text, pos)
            if not c or not text[c.end() : c.end() + 1].isupper():
                continue
            found = self.head_at(c.end())
            if not found or "up" not in found[0].flags:
                continue
            parsed = self.parse(found[0], c.end(), found[1], depth=1)
            if parsed is None:
                continue
            first = parsed.parts[0]
            result.parts.append(Part(first.canonical, first.variants, first.free, sep))
            result.parts.extend(parsed.parts[1:])
            result.has_parent = True
            result.has_place = result.has_place or parsed.has_place
            result.foreign = result.foreign or parsed.foreign
            if head.kind == "inherit":
                result.kind = parsed.kind
            return parsed.end
        return pos

    def qualifiers(self, pos: int, result: Parse, lowercase: bool = False) -> int:
        """Add up to two qualifiers after ``pos``; ``lowercase``: the name before them is written
        in lowercase, so a lowercase qualifier that ends the name belongs to it ("ban chỉ đạo
        phòng chống lụt bão trung ương | ngày 25/9")."""
        for _ in range(2):
            q = self.qualifier(pos)
            if not q:
                break
            part, end = q
            written = self.text[pos:end].strip()
            # a lowercase "trung ương"/"việt nam" is an ordinary word, not a qualifier, unless it
            # ends a lowercase name, or "trung ương" ends any name ("Viện Vệ sinh dịch tễ trung ương (Bộ Y tế)")
            if (
                part.canonical[:1].isupper()
                and not written[:1].isupper()
                and not ((lowercase or part.canonical == "Trung ương") and self.stop_at(end))
            ):
                break
            result.parts.append(part)
            if part.canonical == "Việt Nam":
                result.has_place = result.named_place = True
            pos = end
        return pos


# "nước Cộng hòa …": the word for a country before its name
_NUOC = re.compile(
    r"[ \t]+(?:nước(?:[ \t]+(?:Cộng hòa|Cộng hoà|CH|CHND|CHDCND|Cộng hòa nhân dân|Cộng hòa Dân chủ Nhân dân))?|CHND|CHDCND)(?=[ \t])"
)
_XA_HOI = re.compile(r"[ \t]+hội(?![^\W_])")  # "xã hội": society, not a commune
_COMMUNE_KINDS = frozenset({"xã", "phường", "thị trấn"})
_DISTRICT_WORDS = frozenset({"quận", "huyện", "thị", "xã", "phường"})
# the words just before a position, on the same line and with no punctuation between them
_TAIL_WORDS = re.compile(r"(?:[^\W_]+[ \t]+)*[^\W_]+[ \t]*$")


_AFTER_TITLE = re.compile(r"(?<![^\W_])(?:[Tt]rưởng|[Pp]hó)[ \t]+$")
_ABOUT = re.compile(r"[ \t]+về(?=[ \t])")
_PLURAL_PLACES = re.compile(r"[ \t]+(?:các|những)[ \t]+(?:tỉnh|thành phố|quận|huyện|xã|phường|địa phương|nước|quốc gia)(?![^\W_])")
_LOCAL = re.compile(r"[ \t]+địa[ \t]+phương(?![^\W_])")
_AT = re.compile(r"[ \t]+(tại|ở)(?=[ \t])")
# a comma-separated list of lowercase words after a name: "Văn hóa, giáo dục, thanh thiếu niên nhi đồng"
_LISTED_FIELDS = re.compile(r"(?:[ \t]*,[ \t]*[^\W\d_A-ZĐ][^\W\d_]*(?:[ \t]+[^\W\d_A-ZĐ][^\W\d_]*){0,4}){1,4}")
_NAMED_AFTER = frozenset({"đường", "phố", "cầu", "trường", "chợ", "cảng", "hầm", "khu"})
# words joined by a comma inside one phrase: (the word before the comma, the word after it)
_COMMA_PHRASES = frozenset({("phòng", "chống"), ("kiếm", "cứu"), ("nghiệp", "chế"), ("cầm", "thủy"), ("cầm", "thuỷ"), ("đh", "cđ")})

_LEVEL_LIST = re.compile(r"[ \t]*(?:[,/\-–]|[ \t]và(?=[ \t]))[ \t]*")
# "tỉnh thành": the provinces and cities, no one place; "phường (xã)": a level and its alternative
_THANH = re.compile(r"[ \t]+thành(?![^\W_])(?![ \t]+phố(?![^\W_]))")
_LEVEL_PAIR = re.compile(r"[ \t]+(?:quận|huyện|xã|phường|thị trấn)(?![^\W_])(?![ \t]+\S*\d)(?![ \t]+[A-ZĐÀ-Ỹ])")
_LEVEL_ALTERNATIVE = re.compile(r"[ \t]*\([ \t]*(?:xã|phường|quận|huyện|tỉnh|thành phố|thị xã|thị trấn)[ \t]*\)")
