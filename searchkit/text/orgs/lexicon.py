"""The organization lexicon: the word lists of ``searchkit/data/orgs/`` compiled, once per mode.

:func:`get_lexicon` gives the data files (see that folder's README) as lookup tables keyed by
:func:`key` and regular expressions that accept every spelling (flexible separators,
abbreviations case-sensitive). Two modes exist: text as written, and diacritic-free
(``folded``) text for typed names. Nothing is loaded at import, and each table is read and
each regular expression compiled when it is first used: the big alternations take tens of
milliseconds each to compile, and a short query needs few of them, often none.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

from searchkit.text.cache import cached
from searchkit.text.normalize import fold, normalize

__all__ = ["END", "SP", "SP_OPT", "Entry", "Head", "Lexicon", "ListPattern", "Part", "get_lexicon", "key"]

_DATA = "data/orgs"

# Whitespace inside a name never crosses a line.
SP = "[ \t]+"
SP_OPT = "[ \t]*"
# Between two words of a spelling: spaces, or a dash/ampersand/slash/comma, or "và".
_SEP = f"(?:{SP_OPT}(?:&amp;|[-–&/,]){SP_OPT}|{SP}(?:và{SP})?)"
# Between two capital abbreviations ("GD&ĐT", "GD-ĐT", "GDĐT", "GD và ĐT").
_SEP_ABBR = f"(?:{SP_OPT}(?:&amp;|[-–&/,]){SP_OPT}|{SP}(?:và{SP})?|)"
END = r"(?![^\W_])"
_SPLIT = re.compile(r"[ \t]*(?:[-–&/,]|(?<!\w)và(?!\w))[ \t]*|[ \t]+")
_KEY_DROP = re.compile(r"(?<!\w)và(?!\w)|[\s\-–&/,.]+")


@dataclass(frozen=True, slots=True)
class Head:
    canonical: str
    forms: tuple[str, ...]
    kind: str
    needs: str
    fields: tuple[str, ...]
    flags: frozenset[str]
    not_before: tuple[tuple[str, ...], ...]
    not_after: frozenset[str]


@dataclass(frozen=True, slots=True)
class Entry:
    canonical: str
    forms: tuple[str, ...]
    info: str = ""


@dataclass(frozen=True, slots=True)
class Part:
    canonical: str
    variants: tuple[str, ...]
    free: bool = False
    sep: str = " "
    # a place word with no place name ("UBND thành phố"): part of the span, not of the name
    dangling: bool = False


class Lexicon:
    """The data files of one mode, each table loaded (and each pattern compiled) when first
    used: a query that names no organization needs only the first words of the heads
    (:attr:`head_starts`), one that does needs a few tables and patterns, indexing all."""

    def __init__(self, folded: bool) -> None:
        self.folded = folded
        self._prep = _preparer(folded)

    # -- heads and fields ----------------------------------------------------------------------

    @cached_property
    def _heads(self) -> tuple[dict[str, Head], list[str], frozenset[str]]:
        # Every first query reads the heads of both modes (~5 ms each to normalize): kept
        # parsed in the user's cache folder, as plain tuples (one Head per row, shared by its keys).
        rows, keys, forms, abbreviations = _cached_data("heads.tsv", self.folded, partial(_plain_heads, self._prep))
        return _objects(Head, rows, keys), forms, abbreviations

    @property
    def heads(self) -> dict[str, Head]:
        return self._heads[0]

    def head_of(self, written: str) -> Head | None:
        """The head a :meth:`head_match` ``written`` spells (by :func:`key`), remembered by spelling."""
        memo = self._written_heads
        if written in memo:
            return memo[written]
        head = self.heads.get(key(written))
        if len(memo) < _MEMO:
            memo[written] = head
        return head

    @cached_property
    def _written_heads(self) -> dict[str, Head | None]:
        return {}

    @cached_property
    def _head_patterns(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        # Compiled together: a text with a candidate needs both, and one-time costs paid by one
        # query of a session rather than two keep the first runs of queries even.
        forms = self._heads[1]
        # the search only at a word start (what scan() keeps): the engine skips the trie inside words
        return re.compile(_trie_regex(forms), re.I), re.compile(r"(?<!\w)" + _trie_regex([f.lower() for f in forms], True))

    @cached_property
    def _forms_by_start(self) -> tuple[dict[str, list[str]], tuple[int, ...]]:
        """Head spellings by their lowercased first word, and the lengths of those words, longest first."""
        by_start: dict[str, list[str]] = {}
        for form in self._heads[1]:
            tokens = _form_tokens(form)
            if tokens:
                by_start.setdefault(tokens[0].lower(), []).append(form)
        return by_start, tuple(sorted({len(k) for k in by_start}, reverse=True))

    def head_match(self, text: str, pos: int) -> re.Match[str] | None:
        """:attr:`head_re` anchored at ``pos``; until that pattern is compiled (indexing compiles
        it at once), only the spellings whose first word starts ``text`` at ``pos`` are compiled
        (a few dozen, cached), which is what a query needs: the same match either way."""
        if "_head_patterns" in self.__dict__:
            return self._head_patterns[0].match(text, pos)
        keys = self._start_keys(text, pos)
        if not keys:
            return None
        by_start = self._forms_by_start[0]
        pattern = self._start_patterns.get(keys)
        if pattern is None:
            pattern = re.compile(_trie_regex([f for k in keys for f in by_start[k]]), re.I)
            self._start_patterns[keys] = pattern
        return pattern.match(text, pos)

    def may_start_head(self, text: str, pos: int = 0) -> bool:
        """Whether a head spelling's first word (in any case) starts ``text`` at ``pos``: false
        means :meth:`head_match` finds nothing there, in any casing of ``text``. Reads only the heads."""
        return bool(self._start_keys(text, pos))

    def _start_keys(self, text: str, pos: int) -> tuple[str, ...]:
        by_start, lengths = self._forms_by_start
        return tuple(k for n in lengths if (k := text[pos : pos + n].lower()) in by_start)

    @cached_property
    def _start_patterns(self) -> dict[tuple[str, ...], re.Pattern[str]]:
        return {}

    @property
    def head_re(self) -> re.Pattern[str]:
        """Every head spelling, anchored at a candidate (any case; abbreviations as written)."""
        return self._head_patterns[0]

    @property
    def head_search(self) -> re.Pattern[str]:
        """Every head spelling, lowercased, at a word start, to find candidates in lowercased text."""
        return self._head_patterns[1]

    @cached_property
    def head_starts(self) -> tuple[str, ...]:
        """The lowercased first word of every head spelling: a match of :attr:`head_search` starts with one."""
        return tuple(sorted({_form_tokens(f.lower())[0] for f in self._heads[1] if _form_tokens(f)}))

    @cached_property
    def _fields(self) -> tuple[dict[str, Entry], dict[str, list[str]], frozenset[str]]:
        rows, keys, group_forms, abbreviations = _cached_data("fields.tsv", self.folded, partial(_plain_fields, self._prep))
        return _objects(Entry, rows, keys), group_forms, abbreviations

    @property
    def fields(self) -> dict[str, Entry]:
        return self._fields[0]

    @cached_property
    def field_re(self) -> dict[tuple[str, ...], ListPattern]:
        """One pattern per combination of field groups a head takes, each compiled piecewise
        (:class:`ListPattern`: the few spellings a text's next word can start; the whole list
        of a ministry or agency head, ~190 spellings, took 30-45 ms to compile)."""
        return _field_patterns(self.heads, self._fields[1])

    @cached_property
    def abbreviations(self) -> frozenset[str]:
        return self._heads[2] | self._fields[2]

    # -- qualifiers, places, countries ---------------------------------------------------------

    @cached_property
    def _quals(self) -> tuple[dict[str, Entry], list[str]]:
        return _cached_entries("qualifiers.tsv", self.folded, partial(_load_entries, "qualifiers.tsv", 1, self._prep))

    @property
    def quals(self) -> dict[str, Entry]:
        return self._quals[0]

    @cached_property
    def qual_re(self) -> ListPattern | WholeList:
        """The qualifier spellings after spaces (~8 ms to compile whole, in either mode, for
        the spellings' case-insensitive separators); once the whole list is compiled, that list (:class:`WholeList`)."""
        return ListPattern(self._quals[1], lambda whole: self.__dict__.__setitem__("qual_re", whole))

    @cached_property
    def _ptypes(self) -> tuple[dict[str, Entry], list[str]]:
        return _cached_entries("place_types.tsv", self.folded, partial(_load_entries, "place_types.tsv", 1, self._prep))

    @property
    def ptypes(self) -> dict[str, Entry]:
        return self._ptypes[0]

    @cached_property
    def ptype_re(self) -> re.Pattern[str]:
        return re.compile(f"{SP}({_alternation(self._ptypes[1])})(?:(?<=\\.)|{END})", re.I)

    @cached_property
    def _places(self) -> tuple[dict[str, Entry], list[str]]:
        # places.tsv read with the place words of place_types.tsv: both key the copy
        return _cached_entries("places.tsv", self.folded, lambda: _load_places(self._prep, self.ptypes), "place_types.tsv")

    @property
    def places(self) -> dict[str, Entry]:
        return self._places[0]

    @cached_property
    def place_re(self) -> ListPattern | WholeList:
        """The place spellings after spaces; once the whole list is compiled, that list (:class:`WholeList`)."""
        return ListPattern(self._places[1], lambda whole: self.__dict__.__setitem__("place_re", whole))

    @cached_property
    def _countries(self) -> tuple[dict[str, Entry], list[str]]:
        return _cached_entries("countries.txt", self.folded, partial(_load_entries, "countries.txt", None, self._prep))

    @property
    def countries(self) -> dict[str, Entry]:
        return self._countries[0]

    @cached_property
    def country_re(self) -> ListPattern | WholeList:
        """The country spellings after spaces; once the whole list is compiled, that list (:class:`WholeList`)."""
        return ListPattern(self._countries[1], lambda whole: self.__dict__.__setitem__("country_re", whole))

    def may_list(self, text: str, pos: int) -> bool:
        """False when no place, country, qualifier or place word starts at ``pos`` (:attr:`place_re`,
        :attr:`country_re`, :attr:`qual_re` and :attr:`ptype_re` all fail there): one test for the
        four, once their lists are compiled whole (indexing); always true before (a query)."""
        if not all(isinstance(self.__dict__.get(n), WholeList) for n in ("place_re", "country_re", "qual_re")):
            return True
        may = FirstWords([*self._places[1], *self._countries[1], *self._quals[1], *self._ptypes[1]])
        self.__dict__["may_list"] = may  # the test itself from now on, without this method's call
        return may(text, pos)

    # -- word lists ----------------------------------------------------------------------------

    @cached_property
    def _stops(self) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
        return _load_stop_words(self._prep)

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stops[0]

    @property
    def stop_phrases(self) -> frozenset[tuple[str, str]]:
        return self._stops[1]

    @cached_property
    def stop_phrase_starts(self) -> frozenset[str]:
        """The first words of :attr:`stop_phrases` (most words start none: no next word to read)."""
        return frozenset(first for first, _ in self.stop_phrases)

    @cached_property
    def compounds(self) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
        return _load_compounds(self._prep)

    @cached_property
    def _surnames(self) -> tuple[frozenset[str], frozenset[str]]:
        return _load_surnames(self._prep)

    @property
    def surnames_all(self) -> frozenset[str]:
        return self._surnames[0]

    @property
    def surnames_name(self) -> frozenset[str]:
        return self._surnames[1]

    @cached_property
    def surnames(self) -> frozenset[str]:
        return self._surnames[0] | self._surnames[1]

    @cached_property
    def _units(self) -> tuple[dict[tuple[str, ...], frozenset[str]], frozenset[tuple[str, ...]]]:
        # 9,386 names to normalize (~25 ms): kept parsed in the user's cache folder while the
        # file and the code that reads it are unchanged.
        return _cached_data("admin_units.tsv", self.folded, partial(_load_units, self._prep))

    @property
    def units(self) -> dict[tuple[str, ...], frozenset[str]]:
        """Districts, wards and communes (admin_units.tsv) as casefolded syllables, each with
        the kinds of unit that bear the name ("xã", "phường", "huyện", …)."""
        return self._units[0]

    @property
    def unit_prefixes(self) -> frozenset[tuple[str, ...]]:
        """Every first syllable, first two syllables, … of the names in :attr:`units`."""
        return self._units[1]

    @cached_property
    def unit_syllables(self) -> int:
        """The most syllables of a name in :attr:`units`."""
        return max(map(len, self.units))


def _rows(name: str) -> Iterator[list[str]]:
    """Yield the TAB-separated columns of each data line of ``data/orgs/<name>``."""
    text = resources.files("searchkit").joinpath(f"{_DATA}/{name}").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield [column.strip() for column in line.split("\t")]


def key(text: str) -> str:
    """Lookup key of a spelling: casefolded, without separators, "và" or dots."""
    return _KEY_DROP.sub("", text.casefold().replace("&amp;", "&"))


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


def _trie_regex(forms: list[str], by_first_character: bool = False) -> str:
    """A regex matching any spelling, built as a token trie so the engine branches once.

    With ``by_first_character``, the first words are grouped by their first character
    (``b(?:ộ|an…)|s(?:ở…)``): the same spellings match, but at a position the engine tries
    one alternative a character instead of one a first word (for searches, where only
    whether a spelling matches counts; the first of two matching spellings may differ).
    """
    trie: dict[str, dict] = {}
    for form in set(forms):
        node = trie
        for token in _form_tokens(form):
            node = node.setdefault(token, {})
        node[""] = {}

    def option(token: str, previous: str | None, child: dict[str, dict]) -> str:
        sep = ""
        if previous is not None:
            sep = _SEP_ABBR if _is_abbr(previous) and _is_abbr(token) else _SEP
        escaped = re.escape(token)
        atom = f"(?-i:{escaped})" if _is_abbr(token) else escaped
        return sep + atom + emit(child, token)

    def emit(node: dict[str, dict], previous: str | None) -> str:
        options = [option(token, previous, node[token]) for token in sorted((t for t in node if t), key=lambda t: (-len(t), t))]
        if not options:
            return ""
        body = "|".join(options)
        if "" in node:
            return f"(?:{body})?"
        return f"(?:{body})"

    if not by_first_character:
        return emit(trie, None)
    groups: dict[str, list[str]] = {}
    for token in sorted((t for t in trie if t), key=lambda t: (-len(t), t)):
        if _is_abbr(token):  # kept whole: its case-sensitive group cannot be split
            groups.setdefault(token, []).append(option(token, None, trie[token]))
        else:
            groups.setdefault(token[0], []).append(re.escape(token[1:]) + emit(trie[token], token))
    return "(?:" + "|".join(
        options[0] if _is_abbr(first) else f"{re.escape(first)}(?:{'|'.join(options)})" for first, options in groups.items()
    ) + ")"


def get_lexicon(folded: bool) -> Lexicon:
    """The compiled data files of one mode (``folded`` matches diacritic-free text)."""
    # One cache key per mode, however this is called: lru_cache keys (True,) and folded=True
    # apart, and two entries for three keys would compile a mode again and again.
    return _compile_lexicon(bool(folded))


_Prep = Callable[[str], str]
T = TypeVar("T")


def _preparer(folded: bool) -> _Prep:
    """How a spelling of the data files is read in one mode: normalized, and folded if asked."""

    def prep(text: str) -> str:
        text = normalize(text)
        return fold(text) if folded else text

    return prep


def _column(row: list[str], index: int) -> list[str]:
    """The ``|``-separated values of an optional column ("-" or missing: none)."""
    return [v for v in (row[index].split("|") if len(row) > index else []) if v and v != "-"]


def _head(row: list[str], prep: _Prep) -> Head:
    names = row[0].split("|")
    return Head(
        canonical=normalize(names[0]),
        forms=tuple(normalize(f) for f in names),
        kind=row[1],
        needs=row[2],
        fields=tuple(g for g in row[3].split(",") if g and g != "-"),
        flags=frozenset(f for f in row[4].split(",") if f and f != "-") if len(row) > 4 else frozenset(),
        not_before=tuple(tuple(prep(w).casefold().split()) for w in _column(row, 5)),
        not_after=frozenset(prep(w).casefold() for w in _column(row, 6)),
    )


def _abbreviations(form: str) -> Iterator[str]:
    return (t for t in _form_tokens(form) if _is_abbr(t))


def _plain(table: dict[str, Any]) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """A table of dataclass values as plain data (what a cached copy holds): each value's fields
    once, and the row of each key (values shared by several keys stay shared, see :func:`_objects`)."""
    rows: dict[int, tuple[int, tuple[Any, ...]]] = {}  # by id(value): its row number and fields
    for value in table.values():
        rows.setdefault(id(value), (len(rows), dataclasses.astuple(value)))
    return [row for _, row in rows.values()], {k: rows[id(v)][0] for k, v in table.items()}


def _objects(cls: Callable[..., T], rows: list[tuple[Any, ...]], keys: dict[str, int]) -> dict[str, T]:
    """The table :func:`_plain` took apart: one ``cls`` per row, shared by all its keys."""
    values = [cls(*row) for row in rows]
    return {k: values[i] for k, i in keys.items()}


def _plain_heads(prep: _Prep) -> tuple[list[tuple[Any, ...]], dict[str, int], list[str], frozenset[str]]:
    """:func:`_load_heads` as plain data (:func:`_plain`), with every spelling and the abbreviations."""
    abbreviations: set[str] = set()
    heads, forms = _load_heads(prep, abbreviations)
    return (*_plain(heads), forms, frozenset(abbreviations))


def _plain_fields(prep: _Prep) -> tuple[list[tuple[Any, ...]], dict[str, int], dict[str, list[str]], frozenset[str]]:
    """:func:`_load_fields` as plain data (:func:`_plain`), with each group's spellings and the abbreviations."""
    abbreviations: set[str] = set()
    fields, group_forms = _load_fields(prep, abbreviations)
    return (*_plain(fields), group_forms, frozenset(abbreviations))


def _load_heads(prep: _Prep, abbreviations: set[str]) -> tuple[dict[str, Head], list[str]]:
    """heads.tsv: the heads by :func:`key` of each spelling, and every spelling."""
    heads: dict[str, Head] = {}
    head_forms: list[str] = []
    for row in _rows("heads.tsv"):
        head = _head(row, prep)
        for form in (prep(f) for f in row[0].split("|")):
            heads.setdefault(key(form), head)
            head_forms.append(form)
            abbreviations.update(_abbreviations(form))
    return heads, head_forms


def _load_fields(prep: _Prep, abbreviations: set[str]) -> tuple[dict[str, Entry], dict[str, list[str]]]:
    """fields.tsv: fields by ``group:key``, and the spellings of each group."""
    fields: dict[str, Entry] = {}
    group_forms: dict[str, list[str]] = {}
    for group, spellings in _rows("fields.tsv"):
        names = spellings.split("|")
        entry = Entry(normalize(names[0]), tuple(normalize(n) for n in names), group)
        for name in names:
            form = prep(name)
            fields.setdefault(f"{group}:{key(form)}", entry)
            group_forms.setdefault(group, []).append(form)
            abbreviations.update(_abbreviations(form))
    return fields, group_forms


def _field_patterns(heads: dict[str, Head], group_forms: dict[str, list[str]]) -> dict[tuple[str, ...], ListPattern]:
    """One pattern per combination of field groups a head takes: spaces, then a spelling of
    one of the groups, as ``re.compile(SP(spellings)END, re.I).match`` finds it."""
    return {
        head.fields: ListPattern([f for g in head.fields for f in group_forms.get(g, [])])
        for head in heads.values()
        if head.fields
    }


def _load_entries(name: str, info_column: int | None, prep: _Prep) -> tuple[dict[str, Entry], list[str]]:
    """A list of names with aliases (qualifiers, place types, countries) by :func:`key`, and every spelling."""
    table: dict[str, Entry] = {}
    forms: list[str] = []
    for row in _rows(name):
        names = row[0].split("|")
        info = row[info_column] if info_column is not None else ""
        entry = Entry(normalize(names[0]), tuple(normalize(n) for n in names), info)
        for n in names:
            table.setdefault(key(prep(n)), entry)
            forms.append(prep(n))
    return table, forms


def _load_places(prep: _Prep, ptypes: dict[str, Entry]) -> tuple[dict[str, Entry], list[str]]:
    """places.tsv: the provinces and cities by :func:`key` of each spelling, and every spelling."""
    places: dict[str, Entry] = {}
    place_forms: list[str] = []
    for row in _rows("places.tsv"):
        kind, name = row[0], row[1]
        aliases = [a for a in (row[2].split("|") if len(row) > 2 else []) if a]
        full = f"{kind} {name}"
        if aliases and aliases[0].startswith("="):
            full = aliases.pop(0)[1:]
        ptype = ptypes.get(key(prep(kind)))
        typed = [f"{form} {name}" for form in (ptype.forms[:2] if ptype else (kind,))]
        place_spellings = (full, *typed, name, *aliases)
        entry = Entry(normalize(full), tuple(dict.fromkeys(map(normalize, place_spellings))), normalize(name))
        for spelling in (name, *aliases):
            places.setdefault(key(prep(spelling)), entry)
            place_forms.append(prep(spelling))
    return places, place_forms


def _load_stop_words(prep: _Prep) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """stopwords.txt: the words, and the two-word phrases, that end a free name."""
    stop_words: set[str] = set()
    stop_phrases: set[tuple[str, str]] = set()
    for line, *_ in _rows("stopwords.txt"):
        tokens = prep(line).casefold().split()
        if len(tokens) == 1:
            stop_words.add(tokens[0])
        elif tokens:
            stop_phrases.add((tokens[0], tokens[1]))
    return frozenset(stop_words), frozenset(stop_phrases)


def _load_compounds(prep: _Prep) -> dict[str, tuple[tuple[tuple[str, ...], int], ...]]:
    """compounds.txt: for each syllable, the compounds it is part of and its position in them."""
    compounds: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for line, *_ in _rows("compounds.txt"):
        syllables = tuple(prep(line).casefold().split())
        for i, syllable in enumerate(syllables):
            compounds.setdefault(syllable, []).append((syllables, i))
    return {k: tuple(v) for k, v in compounds.items()}


def _load_surnames(prep: _Prep) -> tuple[frozenset[str], frozenset[str]]:
    """surnames.txt: family names that start a person's name anywhere, and those only before a name."""
    surnames_all: set[str] = set()
    surnames_name: set[str] = set()
    for name, scope in _rows("surnames.txt"):
        (surnames_all if scope == "all" else surnames_name).add(prep(name))
    return frozenset(surnames_all), frozenset(surnames_name)


def _load_units(prep: _Prep) -> tuple[dict[tuple[str, ...], frozenset[str]], frozenset[tuple[str, ...]]]:
    """admin_units.tsv: the names of districts, wards and communes, as casefolded syllables, with
    the kinds of unit bearing each; and every first syllable, first two syllables, … of them."""
    kinds: dict[tuple[str, ...], set[str]] = {}
    for kind, name in _rows("admin_units.tsv"):
        kinds.setdefault(tuple(prep(name).casefold().split()), set()).add(kind)
    prefixes = frozenset(name[:n] for name in kinds for n in range(1, len(name) + 1))
    return {name: frozenset(k) for name, k in kinds.items()}, prefixes


def _cached_data(name: str, folded: bool, build: Callable[[], T], *also: str) -> T:
    """``build()`` of a data file (and the files ``also`` names), through a parsed copy
    (:func:`searchkit.text.cache.cached`) that the files, this module and
    :mod:`searchkit.text.normalize` (what a spelling becomes) key; data files that are no
    plain files (a zipped package) are parsed every time."""
    data = [resources.files("searchkit").joinpath(f"{_DATA}/{n}") for n in (name, *also)]
    if not all(isinstance(d, Path) for d in data):
        return build()
    code = [Path(__file__), Path(str(sys.modules[normalize.__module__].__file__))]
    return cached(f"orgs-{Path(name).stem}-{'folded' if folded else 'accented'}", [*cast(list[Path], data), *code], build)


def _cached_entries(name: str, folded: bool, build: Callable[[], tuple[dict[str, Entry], list[str]]], *also: str) -> tuple[dict[str, Entry], list[str]]:
    """A table of entries and its spellings (:func:`_load_entries`, :func:`_load_places`)
    through a parsed copy (:func:`_cached_data`, :func:`_plain`)."""

    def plain() -> tuple[list[tuple[Any, ...]], dict[str, int], list[str]]:
        table, forms = build()
        return (*_plain(table), forms)

    rows, keys, forms = _cached_data(name, folded, plain, *also)
    return _objects(Entry, rows, keys), forms


def _compile_list(forms: list[str]) -> re.Pattern[str]:
    return re.compile(f"{SP}({_alternation(forms)}){END}", re.I)


# Calls of a ListPattern after which it compiles its whole list (a few queries stay well under).
_WHOLE_AFTER = 2000


class ListPattern:
    """Spaces, then one of ``forms`` (longest first), as ``re.compile(SP(forms)END, re.I).match``
    would find it; compiled piecewise: only the spellings whose first word (in any case) follows
    the spaces, once per such set of first words. A query pays for a few spellings, not for the
    10,000 of the gazetteer; the matches are the same, since a spelling can only match where its
    first word is written. After :data:`_WHOLE_AFTER` calls (indexing, long texts) the whole list
    is compiled once (:class:`WholeList`) and used instead, and handed to ``on_whole``. Two
    threads may compile a pattern twice; either is kept.

    >>> ListPattern(["Hà Nội", "Hà Giang", "Huế"]).match("ở  hà giang", 1).group(1)
    'hà giang'
    """

    __slots__ = ("_by_start", "_calls", "_forms", "_lengths", "_on_whole", "_pieces", "_whole")

    def __init__(self, forms: list[str], on_whole: Callable[[WholeList], None] | None = None) -> None:
        self._by_start: dict[str, list[str]] | None = None  # the spellings by first word, when first matched
        self._lengths: tuple[int, ...] = ()
        self._pieces: dict[tuple[str, ...], re.Pattern[str]] = {}
        self._forms = forms
        self._whole: WholeList | None = None
        self._calls = 0
        self._on_whole = on_whole

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        if self._whole is not None:
            return self._whole.match(text, pos)
        self._calls += 1
        if self._calls > _WHOLE_AFTER:
            self._whole = WholeList(self._forms)
            if self._on_whole:
                self._on_whole(self._whole)  # the owner may keep the pattern itself from now on
            return self._whole.match(text, pos)
        p = pos
        while p < len(text) and text[p] in " \t":
            p += 1
        if p == pos:
            return None
        by_start = self._by_start
        if by_start is None:
            by_start = self._index()
        keys = tuple(k for n in self._lengths if (k := text[p : p + n].lower()) in by_start)
        if not keys:
            return None
        piece = self._pieces.get(keys)
        if piece is None:
            piece = self._pieces[keys] = _compile_list([f for k in keys for f in by_start[k]])
        return piece.match(text, pos)

    def _index(self) -> dict[str, list[str]]:
        by_start: dict[str, list[str]] = {}
        for form in self._forms:
            tokens = _form_tokens(form)
            if tokens:
                by_start.setdefault(tokens[0].lower(), []).append(form)
        self._lengths = tuple(sorted({len(k) for k in by_start}, reverse=True))
        self._by_start = by_start
        return by_start


# Distinct words a WholeList, or head spellings a Lexicon, remembers (a few thousand in practice).
_MEMO = 8192
# Spaces, then the letters and digits of the word that follows them.
_NEXT_WORD = re.compile(r"[ \t]+([^\W_]*)")


class FirstWords:
    """Whether a spelling of ``forms`` may start after the spaces at a position: false when the
    letters and digits after the spaces do not start with those of any spelling's first word (in
    the case rules of :func:`_compile_list`; a test remembered by word). A spelling matches only
    where its first word is written, and most words start none.

    >>> may = FirstWords(["Hà Nội", "TP.HCM"])
    >>> may("ở hà nội", 1), may("ở TP.HCM", 1), may("ở tp", 1), may("ở hải", 1), may("ở", 1)
    (True, True, False, False, False)
    """

    __slots__ = ("_may_start", "_starts")

    def __init__(self, forms: list[str]) -> None:
        starts = set()
        for tokens in map(_form_tokens, forms):
            if not tokens:
                starts.add("")  # a spelling of separators only: anything may follow the spaces
                continue
            run = _RUN.match(tokens[0])
            letters = re.escape(run.group(0) if run else "")
            starts.add(f"(?-i:{letters})" if _is_abbr(tokens[0]) else letters)
        self._starts = re.compile("|".join(sorted(starts, key=lambda s: (-len(s), s))), re.I)
        self._may_start: dict[str, bool] = {}

    def __call__(self, text: str, pos: int) -> bool:
        m = _NEXT_WORD.match(text, pos)
        if m is None:
            return False
        word = m.group(1)
        may = self._may_start.get(word)
        if may is None:
            may = self._starts.match(word) is not None
            if len(self._may_start) < _MEMO:
                self._may_start[word] = may
        return may


class WholeList:
    """Spaces, then one of ``forms``, as :func:`_compile_list`'s pattern ``match`` finds it; the
    pattern runs only where :class:`FirstWords` says a spelling may start (a failing match of a
    long case-insensitive alternation tries every alternative: ~1-3 µs for the countries or places).

    >>> WholeList(["Hà Nội", "Huế"]).match("ở  hà nội", 1).group(1)
    'hà nội'
    """

    __slots__ = ("_may_start", "_pattern")

    def __init__(self, forms: list[str]) -> None:
        self._pattern = _compile_list(forms)
        self._may_start = FirstWords(forms)

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        return self._pattern.match(text, pos) if self._may_start(text, pos) else None


_RUN = re.compile(r"[^\W_]*")


@lru_cache(maxsize=2)
def _compile_lexicon(folded: bool) -> Lexicon:
    """The lexicon of one mode (one per process; call :func:`get_lexicon`)."""
    return Lexicon(folded)
