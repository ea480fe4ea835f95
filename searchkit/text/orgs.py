"""Organization names in Vietnamese news: find them, give each one canonical name, list aliases.

Three public functions:

* :func:`find_orgs` finds ministries, committees, people's committees and councils, Party
  committees, departments, courts, police, mass organizations (kind ``"gov"``) and a few
  kinds of other bodies (companies, schools, hospitals, newspapers, international bodies:
  kind ``"other"``) in a text, with exact character spans into the text as given;
* :func:`canonical_org` resolves a name typed by a user ("UBND Hà Nội", "BCĐ 35",
  "Bộ GD-ĐT") to the canonical name used for facets and ``org:`` filters;
* :func:`org_aliases` lists the spellings of one body, for query expansion.

How a name is recognized
------------------------
A name is a *head* ("Bộ", "Sở", "Ban Chỉ đạo", "UBND", "Quốc hội"), then, as the head allows,
a known *field* ("Giáo dục và Đào tạo") or a free name ("Cục Quản lý lao động ngoài nước"), a
code ("Ban Chỉ đạo 35"), *qualifiers* ("Trung ương", "tối cao", "khóa XIII"), a *parent* body
("Ban Tuyên giáo Thành ủy") and one or two *places* ("huyện Krông Búk tỉnh Đắk Lắk", "TP.HCM").
Every word list lives in ``searchkit/data/orgs/`` (see its README): heads with their kind and
what they take, fields and abbreviations, qualifiers, place words, the provinces with their
type, foreign countries, stop words that end a free name, and family names that start a
person's name. The lists are compiled into regular expressions once, on first use.

Recognition runs on :func:`~searchkit.normalize.normalize`-d text, so both tone placements,
NFD and invisible characters are handled, and spans are mapped back to the raw input with
:func:`~searchkit.normalize.offset_arrays`: ``text[m.start:m.end] == m.text`` always.

Canonical names
---------------
The canonical name spells every part out in normalized spelling: head ("Ủy ban nhân dân" for
"UBND", "Uỷ ban nhân dân"), field ("Giáo dục và Đào tạo" for "GD-ĐT"), place with its type
("thành phố Hà Nội" for "TP Hà Nội" and for a bare "Hà Nội", "Thành phố Hồ Chí Minh" for
"TP.HCM"). Free words are kept as written, with the first one capitalized. A place word is
always spelled the same way, whatever the text's case ("Thành Phố Đà Nẵng" -> "thành phố Đà
Nẵng"; "Thành phố Hồ Chí Minh" is that city's own spelling).

A place word with no place name ("UBND thành phố", "Ban Chỉ đạo 35 Thành phố", "Sở Du lịch
tỉnh") is part of the mention's span but not of its canonical name: when the sentence names
exactly one place of that type ("… của UBND thành phố Hải Phòng do Phó Chủ tịch UBND thành
phố dẫn đầu"), that place is attached; otherwise the name stays generic ("Ủy ban nhân dân",
"Ban Chỉ đạo 35"), the same name as a bare "UBND", so that an ``org:`` filter or facet on it
reads as "any people's committee" (filters match more specific names by prefix). Keeping
"thành phố" would make a bucket that names no body and matches neither Hà Nội's nor Thành
phố Hồ Chí Minh's committee. Only the sentence is searched: a city named a paragraph
earlier is too often another city.

A free name ends at a word's end: a stop word that is a syllable of a listed compound
("Cục Hàng không", "Trung tâm Dịch vụ việc làm") does not end it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import islice, product

from searchkit.text.normalize import INVISIBLE, fold, normalize, offset_arrays

__all__ = ["MAX_NAME_LENGTH", "OrgMention", "canonical_org", "find_orgs", "org_aliases"]

_DATA = "data/orgs"
_MAX_ALIASES = 64
#: The longest organization name :func:`canonical_org` reads, in characters (normalized,
#: outer blanks stripped); longer text is not a name (it keeps the cost of a typed name bounded).
MAX_NAME_LENGTH = 200
_MAX_FREE_TOKENS = 12
_MAX_LOWER_TOKENS = 8
_MAX_PLACE_TOKENS = 4

# Whitespace inside a name never crosses a line.
_SP = "[ \t]+"
_SP_OPT = "[ \t]*"
# Between two words of a spelling: spaces, or a dash/ampersand/slash/comma, or "và".
_SEP = f"(?:{_SP_OPT}[-–&/,]{_SP_OPT}|{_SP}(?:và{_SP})?)"
# Between two capital abbreviations ("GD&ĐT", "GD-ĐT", "GDĐT", "GD và ĐT").
_SEP_ABBR = f"(?:{_SP_OPT}[-–&/,]{_SP_OPT}|{_SP}(?:và{_SP})?|)"
_END = r"(?![^\W_])"
_SPLIT = re.compile(r"[ \t]*(?:[-–&/,]|(?<!\w)và(?!\w))[ \t]*|[ \t]+")
_KEY_DROP = re.compile(r"(?<!\w)và(?!\w)|[\s\-–&/,.]+")
_TOKEN = re.compile(r"[ \t]+([^\W_]+(?:['’.\-][^\W_]+)*|[-–&])")
_CODE = re.compile(r"[ \t]+(\d+[A-Za-z]?(?:/[A-Za-z0-9]+)?)" + _END)
_ORDINAL = re.compile(r"[ \t]+((?:[IVXLC]+|\d+)(?:[ \t]*[-–][ \t]*(?:[IVXLC]+|\d+))?)" + _END)
_OF = re.compile(f"{_SP}của{_SP}")
_DASH = re.compile(f"{_SP_OPT}[-–]{_SP_OPT}")
_SPACE = re.compile(_SP)
_FIELD_JOINER = re.compile(f"{_SP}và(?={_SP})|{_SP_OPT}[-–](?={_SP})")
_TRIM_CAPS = frozenset({"về", "các", "và", "của", "cho"})
_TRIM = frozenset({"và", "-", "–", "&", "của", "về", "các", "những", "với"})


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
    kind: str


# --------------------------------------------------------------------------------------------
# Lexicon: the data files, compiled.


@dataclass(frozen=True, slots=True)
class _Head:
    canonical: str
    forms: tuple[str, ...]
    kind: str
    needs: str
    fields: tuple[str, ...]
    flags: frozenset[str]
    not_before: tuple[tuple[str, ...], ...]
    not_after: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Entry:
    canonical: str
    forms: tuple[str, ...]
    info: str = ""


@dataclass(frozen=True, slots=True)
class _Part:
    canonical: str
    variants: tuple[str, ...]
    free: bool = False
    sep: str = " "
    # a place word with no place name ("UBND thành phố"): part of the span, not of the name
    dangling: bool = False


@dataclass(frozen=True, slots=True)
class _Lexicon:
    folded: bool
    heads: dict[str, _Head]
    head_re: re.Pattern[str]
    head_search: re.Pattern[str]
    fields: dict[str, _Entry]
    field_re: dict[tuple[str, ...], re.Pattern[str]]
    quals: dict[str, _Entry]
    qual_re: re.Pattern[str]
    ptypes: dict[str, _Entry]
    ptype_re: re.Pattern[str]
    places: dict[str, _Entry]
    place_re: re.Pattern[str]
    countries: dict[str, _Entry]
    country_re: re.Pattern[str]
    stop_words: frozenset[str]
    stop_phrases: frozenset[tuple[str, str]]
    compounds: dict[str, tuple[tuple[tuple[str, ...], int], ...]]
    surnames_all: frozenset[str]
    surnames_name: frozenset[str]
    surnames: frozenset[str]
    abbreviations: frozenset[str]


def _rows(name: str) -> Iterator[list[str]]:
    """Yield the TAB-separated columns of each data line of ``data/orgs/<name>``."""
    text = resources.files("searchkit").joinpath(f"{_DATA}/{name}").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield [column.strip() for column in line.split("\t")]


def _key(text: str) -> str:
    """Lookup key of a spelling: casefolded, without separators, "và" or dots."""
    return _KEY_DROP.sub("", text.casefold())


def _is_abbr(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _form_tokens(form: str) -> list[str]:
    return [t for t in _SPLIT.split(form) if t]


def _form_regex(form: str) -> str:
    """A regex for one spelling: flexible separators, abbreviations case-sensitive."""
    tokens = _form_tokens(form)
    out: list[str] = []
    for i, token in enumerate(tokens):
        if i:
            out.append(_SEP_ABBR if _is_abbr(tokens[i - 1]) and _is_abbr(token) else _SEP)
        escaped = re.escape(token)
        out.append(f"(?-i:{escaped})" if _is_abbr(token) else escaped)
    return "".join(out)


def _alternation(forms: list[str]) -> str:
    """One regex alternative per spelling, longest first (for anchored ``match`` calls)."""
    unique = sorted(set(forms), key=lambda f: (-len(f), f))
    return "|".join(_form_regex(f) for f in unique)


def _trie_regex(forms: list[str]) -> str:
    """A regex matching any spelling, built as a token trie so the engine branches once."""
    trie: dict[str, dict] = {}
    for form in set(forms):
        node = trie
        for token in _form_tokens(form):
            node = node.setdefault(token, {})
        node[""] = {}

    def emit(node: dict[str, dict], previous: str | None) -> str:
        options: list[str] = []
        for token in sorted((t for t in node if t), key=lambda t: (-len(t), t)):
            sep = ""
            if previous is not None:
                sep = _SEP_ABBR if _is_abbr(previous) and _is_abbr(token) else _SEP
            escaped = re.escape(token)
            atom = f"(?-i:{escaped})" if _is_abbr(token) else escaped
            options.append(sep + atom + emit(node[token], token))
        if not options:
            return ""
        body = "|".join(options)
        if "" in node:
            return f"(?:{body})?"
        return f"(?:{body})"

    return emit(trie, None)


def _lexicon(folded: bool) -> _Lexicon:
    """The compiled data files of one mode (``folded`` matches diacritic-free text)."""
    # One cache key per mode, however this is called: lru_cache keys (True,) and folded=True
    # apart, and two entries for three keys would compile a mode again and again.
    return _compile_lexicon(bool(folded))


@lru_cache(maxsize=2)
def _compile_lexicon(folded: bool) -> _Lexicon:
    """Load and compile every data file (once per mode; call :func:`_lexicon`)."""

    def prep(text: str) -> str:
        text = normalize(text)
        return fold(text) if folded else text

    heads: dict[str, _Head] = {}
    head_forms: list[str] = []
    abbreviations: set[str] = set()
    for row in _rows("heads.tsv"):
        names = row[0].split("|")
        forms = tuple(prep(f) for f in names)
        flags = frozenset(f for f in row[4].split(",") if f and f != "-") if len(row) > 4 else frozenset()
        not_before = tuple(
            tuple(prep(w).casefold().split()) for w in (row[5].split("|") if len(row) > 5 else []) if w and w != "-"
        )
        head = _Head(
            canonical=normalize(names[0]),
            forms=tuple(normalize(f) for f in names),
            kind=row[1],
            needs=row[2],
            fields=tuple(g for g in row[3].split(",") if g and g != "-"),
            flags=flags,
            not_before=not_before,
            not_after=frozenset(prep(w).casefold() for w in (row[6].split("|") if len(row) > 6 else []) if w and w != "-"),
        )
        for form in forms:
            heads.setdefault(_key(form), head)
            head_forms.append(form)
            abbreviations.update(t for t in _form_tokens(form) if _is_abbr(t))

    fields: dict[str, _Entry] = {}
    group_forms: dict[str, list[str]] = {}
    for group, spellings in _rows("fields.tsv"):
        names = spellings.split("|")
        entry = _Entry(normalize(names[0]), tuple(normalize(n) for n in names), group)
        for name in names:
            fields.setdefault(f"{group}:{_key(prep(name))}", entry)
            group_forms.setdefault(group, []).append(prep(name))
            abbreviations.update(t for t in _form_tokens(prep(name)) if _is_abbr(t))
    field_re: dict[tuple[str, ...], re.Pattern[str]] = {}
    for head in heads.values():
        if head.fields and head.fields not in field_re:
            field_forms = [f for g in head.fields for f in group_forms.get(g, [])]
            field_re[head.fields] = re.compile(f"{_SP}({_alternation(field_forms)}){_END}", re.I)

    def entries(name: str, info_column: int | None) -> tuple[dict[str, _Entry], list[str]]:
        table: dict[str, _Entry] = {}
        forms: list[str] = []
        for row in _rows(name):
            names = row[0].split("|")
            info = row[info_column] if info_column is not None else ""
            entry = _Entry(normalize(names[0]), tuple(normalize(n) for n in names), info)
            for n in names:
                table.setdefault(_key(prep(n)), entry)
                forms.append(prep(n))
        return table, forms

    quals, qual_forms = entries("qualifiers.tsv", 1)
    ptypes, ptype_forms = entries("place_types.tsv", 1)
    countries, country_forms = entries("countries.txt", None)

    places: dict[str, _Entry] = {}
    place_forms: list[str] = []
    for row in _rows("places.tsv"):
        kind, name = row[0], row[1]
        aliases = [a for a in (row[2].split("|") if len(row) > 2 else []) if a]
        full = f"{kind} {name}"
        if aliases and aliases[0].startswith("="):
            full = aliases.pop(0)[1:]
        ptype = ptypes.get(_key(prep(kind)))
        typed = [f"{form} {name}" for form in (ptype.forms[:2] if ptype else (kind,))]
        place_spellings = (full, *typed, name, *aliases)
        entry = _Entry(normalize(full), tuple(dict.fromkeys(map(normalize, place_spellings))), normalize(name))
        for spelling in (name, *aliases):
            places.setdefault(_key(prep(spelling)), entry)
            place_forms.append(prep(spelling))

    stop_words: set[str] = set()
    stop_phrases: set[tuple[str, str]] = set()
    for (line, *_) in _rows("stopwords.txt"):
        tokens = prep(line).casefold().split()
        if len(tokens) == 1:
            stop_words.add(tokens[0])
        elif tokens:
            stop_phrases.add((tokens[0], tokens[1]))
    compounds: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for (line, *_) in _rows("compounds.txt"):
        syllables = tuple(prep(line).casefold().split())
        for i, syllable in enumerate(syllables):
            compounds.setdefault(syllable, []).append((syllables, i))
    surnames_all: set[str] = set()
    surnames_name: set[str] = set()
    for name, scope in _rows("surnames.txt"):
        (surnames_all if scope == "all" else surnames_name).add(prep(name))

    def compile_list(forms: list[str]) -> re.Pattern[str]:
        return re.compile(f"{_SP}({_alternation(forms)}){_END}", re.I)

    return _Lexicon(
        folded=folded,
        heads=heads,
        head_re=re.compile(_trie_regex(head_forms), re.I),
        head_search=re.compile(_trie_regex([f.lower() for f in head_forms])),
        fields=fields,
        field_re=field_re,
        quals=quals,
        qual_re=compile_list(qual_forms),
        ptypes=ptypes,
        ptype_re=re.compile(f"{_SP}({_alternation(ptype_forms)})(?:(?<=\\.)|{_END})", re.I),
        places=places,
        place_re=compile_list(place_forms),
        countries=countries,
        country_re=compile_list(country_forms),
        stop_words=frozenset(stop_words),
        stop_phrases=frozenset(stop_phrases),
        compounds={k: tuple(v) for k, v in compounds.items()},
        surnames_all=frozenset(surnames_all),
        surnames_name=frozenset(surnames_name),
        surnames=frozenset(surnames_all | surnames_name),
        abbreviations=frozenset(abbreviations),
    )


# --------------------------------------------------------------------------------------------
# The parser: a head, then what it takes.


@dataclass(slots=True)
class _Parse:
    end: int
    parts: list[_Part]
    kind: str
    has_name: bool = False
    capitalized: bool = False
    has_place: bool = False
    named_place: bool = False
    foreign: bool = False
    has_parent: bool = False
    bare: bool = False  # the head drops the place word of a province ("Thành ủy Đà Nẵng")


def _capitalized(token: str) -> bool:
    return token[:1].isupper() or token[:1].isdigit()


def _free_part(text: str) -> _Part:
    words = " ".join(text.split())
    canonical = words[:1].upper() + words[1:]
    return _Part(canonical, (canonical,), free=True)


class _Parser:
    """Parses names at given positions of one normalized text."""

    def __init__(self, lex: _Lexicon, text: str) -> None:
        self.lex = lex
        self.text = text

    # -- small matchers, each anchored at ``pos`` (which sits just after a word) ----------

    def head_at(self, pos: int) -> tuple[_Head, int] | None:
        text = self.text
        m = self.lex.head_re.match(text, pos)
        if not m or m.end() == pos:
            return None
        end = m.end()
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            return None
        head = self.lex.heads.get(_key(m.group(0)))
        return (head, end) if head else None

    def stop_at(self, pos: int) -> bool:
        """True when the word at ``pos`` ends a free name."""
        m = _TOKEN.match(self.text, pos)
        if not m:
            return True
        word = m.group(1)
        if word[:1].isupper():
            return False  # a stop word ends a name only when written in lowercase
        word = word.casefold()
        nxt = _TOKEN.match(self.text, m.end())
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
            m = _TOKEN.match(self.text, p)
            if not m:
                break
            right.append(m.group(1).casefold())
            p = m.end()
        for tokens, i in candidates:
            n_right = len(tokens) - i - 1
            if (i == 0 or left[-i:] == list(tokens[:i])) and right[:n_right] == list(tokens[i + 1 :]):
                return True
        return False

    def field(self, pos: int, head: _Head) -> tuple[list[_Part], int] | None:
        pattern = self.lex.field_re.get(head.fields)
        if pattern is None:
            return None
        parts: list[_Part] = []
        while True:
            m = pattern.match(self.text, pos)
            if not m:
                break
            entry = next(
                (self.lex.fields[k] for g in head.fields if (k := f"{g}:{_key(m.group(1))}") in self.lex.fields),
                None,
            )
            if entry is None:
                break
            sep = " và " if parts else " "
            parts.append(_Part(entry.canonical, entry.forms, sep=sep))
            pos = m.end()
            # "Bộ Ngoại giao và Thương mại": two fields joined make one name; "Bộ Y tế và Bộ
            # Tài chính" are two names (the second "Bộ" is no field).
            joiner = _FIELD_JOINER.match(self.text, pos)
            if not joiner or not pattern.match(self.text, joiner.end()):
                break
            pos = joiner.end()
        return (parts, pos) if parts else None

    def qualifier(self, pos: int) -> tuple[_Part, int] | None:
        m = self.lex.qual_re.match(self.text, pos)
        if not m:
            return None
        entry = self.lex.quals.get(_key(m.group(1)))
        if entry is None:
            return None
        if entry.info == "ordinal":
            n = _ORDINAL.match(self.text, m.end())
            if not n:
                return None
            return _Part(f"{entry.canonical} {n.group(1)}", (f"{entry.canonical} {n.group(1)}",)), n.end()
        return _Part(entry.canonical, entry.forms), m.end()

    def known_place(self, pos: int) -> tuple[_Entry, int] | None:
        m = self.lex.place_re.match(self.text, pos)
        if not m:
            return None
        if not _capitalized(m.group(1)):
            return None
        entry = self.lex.places.get(_key(m.group(1)))
        return (entry, m.end()) if entry else None

    def country(self, pos: int) -> tuple[_Entry, int] | None:
        m = self.lex.country_re.match(self.text, pos)
        if not m:
            return None
        entry = self.lex.countries.get(_key(m.group(1)))
        if entry is None or (m.group(1)[:1].islower() and entry.canonical[:1].isupper()):
            return None  # "ý kiến" is no "Ý" (Italy)
        return entry, m.end()

    def capital_run(self, pos: int, surnames: frozenset[str]) -> tuple[str, int] | None:
        """Capitalized words (a district or city name) from ``pos``; not a person's name."""
        start = pos
        words: list[str] = []
        while len(words) < _MAX_PLACE_TOKENS:
            m = _TOKEN.match(self.text, pos)
            if not m or not m.group(1)[:1].isupper() or self.head_at(m.start(1)) or self.place_word(pos):
                break
            if not words and m.group(1) in surnames:
                nxt = _TOKEN.match(self.text, m.end())
                if nxt and nxt.group(1)[:1].isupper():
                    return None
            words.append(m.group(1))
            pos = m.end()
            if self.known_place(pos) or self.country(pos):
                break
        if not words:
            return None
        return self.text[start:pos].strip(), pos

    def place_word(self, pos: int) -> tuple[_Entry, int] | None:
        m = self.lex.ptype_re.match(self.text, pos)
        if not m:
            return None
        word = m.group(1)
        # "Thành ủy", "Tỉnh ủy" are heads, not places.
        after = self.text[m.end() : m.end() + 4].casefold().lstrip()
        if after.startswith(("ủy", "uỷ", "uy ", "đoàn", "đội")):
            return None
        entry = self.lex.ptypes.get(_key(word))
        return (entry, m.end()) if entry else None

    def place_word_ends_name(self, pos: int) -> bool:
        """True when a place word at ``pos`` starts a place: named ("tỉnh Quảng Ninh", "quận 1")
        or dangling ("thành phố" before a stop word, "và" or punctuation), not "xã hội"."""
        return bool(self.place_word(pos) and self.place(pos, None))

    def place(self, pos: int, level_above: str | None, after_body: bool = False) -> tuple[_Part, int, bool] | None:
        """A place: "tỉnh Quảng Ninh", "TP.HCM", "Hà Nội", "quận 1", "Mỹ" (foreign), "tỉnh".

        A place word with no name ("tỉnh", "thành phố") is a dangling part when a stop word,
        "và", a qualifier, punctuation or the line end follows; ``after_body`` (right after
        the body's name: "UBND thành phố dẫn đầu") also when any word follows "tỉnh" or
        "thành phố". Returns the part, its end and whether the place is a foreign country.
        """
        known = self.known_place(pos)
        if known:
            entry, end = known
            return _Part(entry.canonical, entry.forms), end, False
        country = self.country(pos)
        if country:
            entry, end = country
            return _Part(entry.canonical, entry.forms), end, True
        typed = self.place_word(pos)
        if not typed:
            return None
        ptype, end = typed
        level = ptype.info
        if level_above == "district" and level == "district":
            return None
        # "Q.Bình Thạnh", "P.5": read the name as if a space followed the dot
        shift = 0
        reader = self
        if self.text[end - 1 : end] == "." and self.text[end : end + 1] not in (" ", "\t", ""):
            reader, shift = _Parser(self.lex, self.text[:end] + " " + self.text[end:]), 1
        known = reader.known_place(end)
        if known:
            entry, name_end = known
            name = entry.info or entry.canonical
            if entry.canonical.casefold() == f"{ptype.canonical} {name}".casefold():
                return _Part(entry.canonical, entry.forms), name_end - shift, False
            variants = (*(f"{form} {name}" for form in ptype.forms), name)
            return _Part(f"{ptype.canonical} {name}", variants), name_end - shift, False
        number = _ORDINAL.match(reader.text, end)
        if number and level == "district":
            name = number.group(1)
        else:
            run = reader.capital_run(end, self.lex.surnames_all if level == "province" else frozenset())
            number = None
            if run is None:
                # the place word alone ("UBND tỉnh", "HĐND thành phố") when no name follows
                if shift == 0 and (
                    self.stop_at(end)
                    or not _word_follows(self.text, end)
                    or _and_follows(self.text, end)
                    or self.qualifier(end)
                    or (after_body and level == "province")
                ):
                    return _Part(ptype.canonical, ptype.forms, dangling=True), end, False
                return None
            name, name_end = run
            return _Part(f"{ptype.canonical} {name}", tuple(f"{f} {name}" for f in ptype.forms)), name_end - shift, False
        return _Part(f"{ptype.canonical} {name}", tuple(f"{f} {name}" for f in ptype.forms)), number.end() - shift, False

    def free(self, pos: int, persons_end: bool, parents: bool, depth: int) -> tuple[_Part, int, bool] | None:
        """A free name or topic from ``pos``: returns the part, its end, and whether capitalized.

        The name ends before a body that can be named by itself: a head that makes a name
        ("Ban Tuyên giáo | Thành ủy"), not one that does not ("khu vực Nam Bộ"), or, when
        ``parents``, a parent body right at ``pos`` ("Ban Chỉ đạo 35 | Thành ủy Hà Nội").
        """
        text = self.text
        ends: list[tuple[int, str]] = []
        p = pos
        lowers = 0
        while len(ends) < _MAX_FREE_TOKENS:
            m = _TOKEN.match(text, p)
            if not m:
                break
            word = m.group(1)
            if word[:1].isdigit() or self.stop_at(p):
                break
            if self.known_place(p) or self.country(p) or self.qualifier(p) or self.place_word_ends_name(p):
                break
            if word[:1].isupper() and self.body_at(m.start(1), first=not ends, parents=parents, depth=depth):
                break
            nxt = _TOKEN.match(text, m.end())
            if word[:1].isupper():
                if persons_end and word in self.lex.surnames and nxt and nxt.group(1)[:1].isupper():
                    if not (nxt.group(1) in self.lex.surnames_all or (ends and ends[-1][1][:1].isupper())):
                        break
            elif word in "-–&":
                if not ends or not (nxt and nxt.group(1)[:1].isupper()):
                    break
            else:
                if not ends and word in _TRIM:
                    break
                # "Báo Người Lao Động | mở đợt …": after two title-case words a lowercase word
                # starts the sentence's predicate, not more of the name.
                if lowers == 0 and sum(w[:1].isupper() and w.casefold() not in _TRIM_CAPS for _, w in ends) >= 2:
                    break
                # "… khu vực Nam Bộ | dự báo …": nor after two title-case words in a row.
                if len(ends) >= 2 and all(_title(w) for _, w in ends[-2:]):
                    break
                lowers += 1
                if lowers > _MAX_LOWER_TOKENS:
                    # too long: cut here, but not inside a known word ("công trình giao | thông")
                    if self.in_compound(m.start(1), m.end(), word.casefold()):
                        ends.pop()
                    break
            ends.append((m.end(), word))
            p = m.end()
        while ends and ends[-1][1].casefold() in _TRIM:
            ends.pop()
        if not ends:
            return None
        end = ends[-1][0]
        # a proper name: first word capitalized, or a later word in title case (not "HS", "X")
        words = [w for _, w in ends]
        capitalized = words[0][:1].isupper() or any(w[:1].isupper() and not w.isupper() for w in words)
        return _free_part(text[pos:end]), end, capitalized

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
        following = [w.casefold() for w in _WORDS.findall(self.text, end, end + 60)[:4]]
        if any(following[: len(words)] == list(words) for words in head.not_before):
            return False
        if _excluded_by_left(head, self.text, pos):
            return False
        if depth or head.needs == "none" or _capital_follows(self.text, end):
            return True
        before = _TAIL_WORDS.search(self.text, max(0, pos - 40), pos)
        if not (before and _title(before.group(0).split()[-1])):
            return True
        return self.parse(head, pos, end, depth=1) is not None

    # -- the name --------------------------------------------------------------------------

    def parse(self, head: _Head, head_start: int, head_end: int, depth: int = 0) -> _Parse | None:
        """Parse what follows a head written at ``text[head_start:head_end]``; None if no name."""
        text = self.text
        flags = head.flags
        following = _WORDS.findall(text, head_end, head_end + 60)[:4]
        following = [w.casefold() for w in following]
        if any(following[: len(words)] == list(words) for words in head.not_before):
            return None
        result = _Parse(head_end, [_Part(head.canonical, head.forms)], head.kind)
        pos = head_end
        lower_free = False

        # 1. the name: a known field; or a code and/or a free name or topic
        field = self.field(pos, head) if head.fields else None
        if field:
            parts, pos = field
            result.parts.extend(parts)
            result.has_name = True
            result.capitalized = text[head_end:pos].strip()[:1].isupper()
        else:
            if "code" in flags:
                m = _CODE.match(text, pos)
                if m:
                    result.parts.append(_Part(m.group(1), (m.group(1),)))
                    result.has_name = result.capitalized = True
                    pos = m.end()
            if "free" in flags or "topic" in flags:
                parents = "parent" in flags and head.needs != "name"
                free = self.free(pos, persons_end=head.kind == "gov", parents=parents, depth=depth)
                if free:
                    part, end, capitalized = free
                    result.parts.append(part)
                    result.has_name = True
                    result.capitalized = result.capitalized or capitalized
                    lower_free = not capitalized and "topic" not in flags
                    pos = end

        # 2. qualifiers: "Trung ương", "tối cao", "khóa XIII"
        before = len(result.parts)
        pos = self.qualifiers(pos, result)

        # 3. a parent body: "Thành ủy Đà Nẵng", "của Quốc hội", "- Bộ Y tế"
        if "parent" in flags and depth == 0:
            pos = self.parent(pos, head, result)

        # 4. places: "huyện Krông Búk tỉnh Đắk Lắk", "TP.HCM", "Mỹ"
        if "place" in flags and not result.has_parent:
            level: str | None = None
            for _ in range(2):
                found = self.place(pos, level, after_body=True)
                if not found:
                    break
                part, pos, foreign = found
                if "bare" in flags:
                    part = _without_place_word(part)
                result.parts.append(part)
                result.has_place = True
                result.named_place = result.named_place or not part.dangling
                result.bare = "bare" in flags
                result.foreign = result.foreign or foreign
                if foreign or part.dangling:
                    break
                level = "district" if part.canonical.split(" ")[0] in _DISTRICT_WORDS else "province"
            pos = self.qualifiers(pos, result)
        qualified = len(result.parts) > before

        # 5. is it a name?
        if head.needs == "name" and not result.has_name:
            return None
        if head.needs == "parent" and not result.has_parent:
            return None
        if head.needs == "more" and len(result.parts) == 1:
            return None
        if lower_free and not qualified:
            return None
        if head.kind == "other" and head.needs == "name" and not (
            result.named_place or result.foreign or any(p.free and _has_proper_word(p.canonical) for p in result.parts[1:])
        ):
            return None
        if text[head_start:head_end][:1].islower():
            if "low" not in flags:
                return None
            if not (result.capitalized or result.has_parent or result.named_place or result.foreign):
                return None
        if result.kind == "inherit":
            result.kind = "other"
        if result.foreign:
            result.kind = "other"
        result.end = pos
        return result

    def parent(self, pos: int, head: _Head, result: _Parse) -> int:
        """Attach a parent body after ``pos`` to ``result``; return the new end."""
        text = self.text
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
            result.parts.append(_Part(first.canonical, first.variants, first.free, sep))
            result.parts.extend(parsed.parts[1:])
            result.has_parent = True
            result.has_place = result.has_place or parsed.has_place
            result.foreign = result.foreign or parsed.foreign
            if head.kind == "inherit":
                result.kind = parsed.kind
            return parsed.end
        return pos

    def qualifiers(self, pos: int, result: _Parse) -> int:
        for _ in range(2):
            q = self.qualifier(pos)
            if not q:
                break
            part, end = q
            written = self.text[pos:end].strip()
            # a lowercase "trung ương"/"việt nam" is an ordinary word, not a qualifier
            if part.canonical[:1].isupper() and not written[:1].isupper():
                break
            result.parts.append(part)
            if part.canonical == "Việt Nam":
                result.has_place = True
            pos = end
        return pos


_DISTRICT_WORDS = frozenset({"quận", "huyện", "thị", "xã", "phường"})
_WORDS = re.compile(r"[^\W_]+")
# the words just before a position, on the same line and with no punctuation between them
_TAIL_WORDS = re.compile(r"(?:[^\W_]+[ \t]+)*[^\W_]+[ \t]*$")


def _title(word: str) -> bool:
    """True for a word in title case ("Nam", "Đạo"), not an abbreviation or a small word."""
    return word[:1].isupper() and not word.isupper() and word.casefold() not in _TRIM_CAPS


def _and_follows(text: str, pos: int) -> bool:
    """True when "và" follows ``pos``: "Công an thành phố | và Sở …"."""
    m = _TOKEN.match(text, pos)
    return bool(m and m.group(1) == "và")


def _capital_follows(text: str, pos: int) -> bool:
    """True when a capitalized word follows ``pos`` on the same line."""
    m = _TOKEN.match(text, pos)
    return bool(m and m.group(1)[:1].isupper())


def _word_follows(text: str, pos: int) -> bool:
    """True when a lowercase word follows ``pos`` on the same line."""
    m = _TOKEN.match(text, pos)
    return bool(m and m.group(1)[:1].islower())


def _has_proper_word(text: str) -> bool:
    """True when a word after the first is in title case ("Trường THPT Lê Lợi", not "Trường THPT")."""
    return any(w[:1].isupper() and not w.isupper() for w in text.split()[1:]) or (
        len(text.split()) == 1 and not text.isupper()
    )


def _without_place_word(part: _Part) -> _Part:
    """"tỉnh Quảng Ninh" -> "Quảng Ninh" (lowercase place words only: "Thành phố Hồ Chí Minh" stays)."""
    for word in ("tỉnh ", "thành phố "):
        if part.canonical.startswith(word):
            bare = part.canonical[len(word) :]
            return _Part(bare, (bare, *part.variants), part.free, part.sep)
    return part


def _scan(lex: _Lexicon, text: str) -> Iterator[tuple[int, int, _Parse]]:
    """Yield ``(start, end, parse)`` for each name in normalized ``text``, left to right."""
    parser = _Parser(lex, text)
    # Candidates are found on the lowercased text with a case-sensitive pattern: the regex
    # engine scans much faster than with IGNORECASE. Each is then matched on the text itself.
    lowered = text.lower()
    if len(lowered) == len(text):
        search, haystack = lex.head_search.search, lowered
    else:
        search, haystack = lex.head_re.search, text
    pos = 0
    n = len(text)
    while pos < n:
        m = search(haystack, pos)
        if not m:
            return
        start = m.start()
        pos = start + 1
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue
        found = parser.head_at(start)
        if found is None:
            continue
        head, end = found
        if _excluded_by_left(head, text, start):
            continue
        parsed = parser.parse(head, start, end)
        if parsed is None:
            continue
        yield start, parsed.end, parsed
        pos = parsed.end


_LEFT_WORDS = re.compile(r"([^\W_]+(?:[ \t]+[^\W_]+)?)[ \t]+$")
# "QĐ-UBND", "NQ/TW", "04/2006/QĐ - UBND": a head inside a document number.
# "các sở GD-ĐT", "37 công ty …": a lowercase head after a plural word is generic.
_PLURAL = re.compile(r"(?<![^\W_])(?:các|những|nhiều|mọi|mỗi|từng|số|\d+)[ \t]+$", re.I)
_DOCUMENT_NUMBER = re.compile(r"(?:[A-ZĐ]{2,}|\d+)[ \t]*[-/][ \t]*$")


def _excluded_by_left(head: _Head, text: str, start: int) -> bool:
    """True when the words before ``start`` show the head is no name here."""
    left = text[max(0, start - 30) : start]
    if _DOCUMENT_NUMBER.search(left):
        return True
    if text[start : start + 1].islower() and _PLURAL.search(left):
        return True
    if not head.not_after:
        return False
    m = _LEFT_WORDS.search(left)
    if not m:
        return False
    words = m.group(1).casefold().split()
    return words[-1] in head.not_after or " ".join(words) in head.not_after


# A sentence ends at a line break or at ".", "!", "?", "…" followed by a space or the end
# ("TP.HCM" and "3.5" do not end one).
_SENTENCE_BREAK = re.compile(r"\n|[.!?…]+(?=[\"'”’)\]]*(?:\s|$))")
_GAP = re.compile(_SP)


def _attach_places(lex: _Lexicon, text: str, found: list[tuple[int, int, _Parse]]) -> None:
    """Name the place of a dangling place word from the sentence around it, in place.

    "Phó Chủ tịch UBND thành phố" in a sentence that also names "thành phố Hải Phòng" (or
    "Hải Phòng", "TP Hải Phòng", in another name or not) is the people's committee of Hải
    Phòng. Only a place of the same type counts ("thành phố" for "thành phố", "tỉnh" for
    "tỉnh"), foreign places never, and only when the sentence names exactly one such place;
    otherwise the part stays dangling and the canonical name has no place.
    """
    pending = [parsed for _, _, parsed in found if any(p.dangling for p in parsed.parts)]
    if not pending:
        return
    breaks = [(m.start(), m.end()) for m in _SENTENCE_BREAK.finditer(text)]
    places_in: dict[tuple[int, int], list[_Part]] = {}
    for start, end, parsed in found:
        index = next((i for i, p in enumerate(parsed.parts) if p.dangling), None)
        if index is None:
            continue
        i = bisect.bisect_right(breaks, (start, len(text)))
        bounds = (breaks[i - 1][1] if i else 0, next((b for b, _ in breaks[i:] if b >= end), len(text)))
        if bounds not in places_in:
            places_in[bounds] = _places(lex, text[bounds[0] : bounds[1]])
        word = parsed.parts[index].canonical
        named = {p.canonical: p for p in places_in[bounds] if p.canonical.casefold().startswith(word + " ")}
        if len(named) == 1:
            (part,) = named.values()
            parsed.parts[index] = _without_place_word(part) if parsed.bare else part


def _places(lex: _Lexicon, sentence: str) -> list[_Part]:
    """The Vietnamese places named in ``sentence`` ("thành phố Hải Phòng", "Quảng Ninh", "quận 1")."""
    padded = " " + sentence
    parser = _Parser(lex, padded)
    places: list[_Part] = []
    for gap in _GAP.finditer(padded):
        found = parser.place(gap.start(), None)
        if found and not found[2] and not found[0].dangling:
            places.append(found[0])
    return places


def _canonical(parts: list[_Part]) -> str:
    return parts[0].canonical + "".join(p.sep + p.canonical for p in parts[1:] if not p.dangling)


# --------------------------------------------------------------------------------------------
# Public API


def _normalize_for_spans(text: str) -> tuple[str, tuple[Sequence[int], Sequence[int]] | None]:
    """Normalize ``text``; offsets are None when every character maps to itself.

    Text that :func:`normalize` leaves as long as it was changed at most one character for
    one (tone placement, NBSP, look-alikes of Đ), so spans need no mapping; that skips the
    (slower) per-character :func:`~searchkit.normalize.offset_arrays`.
    """
    normalized = normalize(text)
    if normalized is text or (len(normalized) == len(text) and unicodedata.is_normalized("NFC", text) and not _DROPPED.search(text)):
        return normalized, None
    normalized, starts, ends = offset_arrays(text)
    return normalized, (starts, ends)


# What :func:`normalize` removes or merges into the letter before it.
_DROPPED = re.compile(f"[{INVISIBLE}\u0335\u0336]")


def find_orgs(text: str) -> list[OrgMention]:
    """Find organization names in ``text``.

    Args:
        text: Any text: NFD or NFC, either tone placement, NBSP or zero-width characters.

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
    normalized, offsets = _normalize_for_spans(text)
    lex = _lexicon(False)
    found = list(_scan(lex, normalized))
    _attach_places(lex, normalized, found)
    mentions: list[OrgMention] = []
    last_end = 0
    for start, end, parsed in found:
        raw_start, raw_end = (offsets[0][start], offsets[1][end - 1]) if offsets else (start, end)
        if raw_start < last_end:  # only with coarse offsets (text that composes across clusters)
            continue
        mentions.append(OrgMention(text[raw_start:raw_end], raw_start, raw_end, _canonical(parsed.parts), parsed.kind))
        last_end = raw_end
    return mentions


def _whole(lex: _Lexicon, query: str) -> _Parse | None:
    """The parse of ``query`` when one name covers all of it."""
    for start, end, parsed in _scan(lex, query):
        if start == 0 and not query[end:].strip(" .,;:"):
            return parsed
        return None
    return None


def _query_spellings(lex: _Lexicon, name: str) -> list[str]:
    """How to read a typed name: as typed, then with every word capitalized ("hải phòng")."""
    text = " ".join(name.split())
    if lex.folded:
        text = fold(text)
    words = [w.upper() if w.upper() in lex.abbreviations else w for w in text.split(" ")]
    as_typed = " ".join(words)
    title = " ".join(w if w.isupper() or w.casefold() == "và" else w[:1].upper() + w[1:] for w in words)
    return [as_typed[:1].upper() + as_typed[1:], title]


def _resolve(name: str) -> _Parse | None:
    """Parse a typed name; prefer a reading made only of known words (no free text)."""
    normalized = normalize(name).strip()
    if not normalized or len(normalized) > MAX_NAME_LENGTH:
        return None
    fallback: _Parse | None = None
    for folded in (False, True):
        lex = _lexicon(folded)
        for spelling in _query_spellings(lex, normalized):
            parsed = _whole(lex, spelling)
            if parsed is None:
                continue
            if not any(p.free for p in parsed.parts):
                return parsed
            if not folded and spelling[1:] == normalized[1:] and fallback is None:
                fallback = parsed  # free words as typed, with diacritics: keep as a last resort
    return fallback


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
    return _canonical(parsed.parts) if parsed else None


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
    first = _canonical(parts)
    seen = {first: None}
    choices = [[(p.sep, v) for v in dict.fromkeys((p.canonical, *p.variants))] for p in parts]
    for combo in islice(product(*choices), _MAX_ALIASES * 4):
        spelling = combo[0][1] + "".join(sep + v for sep, v in combo[1:])
        seen.setdefault(spelling, None)
        if len(seen) >= _MAX_ALIASES:
            break
    return list(seen)
