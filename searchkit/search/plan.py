"""The query plan: a parsed query turned into Whoosh queries over the views, with weights.

A parsed query (:mod:`searchkit.search.query`) becomes one Whoosh query over the three views of
title and body (:mod:`searchkit.text.analysis`). Its clauses arrive normalized and segmented,
their words already in the views' terms (:class:`~searchkit.text.terms.QueryWord`): the plan
only chooses views and weights.

* **Typed with diacritics** (any mark in the query): each word counts through the word view
  (``chỉ_đạo`` as one term, full weight), its syllables through the syllable view (partial
  weight) and, with a small weight, through the folded view. An article that has the exact
  spelling therefore ranks above one that matches only without diacritics ("mã" above "ma").
* **Typed without diacritics**: the folded view carries the query, and every pair of
  adjacent syllables counts again as a phrase, which stands in for word segmentation
  ("chi dao" as a unit).
* In both cases adjacent query words that appear side by side in the article, words found
  in the title, and organization names the query mentions (in any spelling or alias,
  through the ``orgs`` field) add to the score.
* A province or city named alone (``TP.HCM``, ``thanh pho ho chi minh``), in a quoted phrase
  or in the free text, is met by any of its spellings in ``places.tsv`` ("Thành phố Hồ Chí
  Minh", "Tp. Hồ Chí Minh", "TPHCM"…), which also score.

Relevance ranking is computed by :mod:`searchkit.search.rank` (Whoosh's BM25F over numpy arrays, the
adjacent-pair phrases checked for the best candidates only); sorting by date or views, and
query shapes it does not handle, go through Whoosh's searcher. Results are our own frozen
dataclasses, valid after the searcher is gone.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from searchkit.search.match import LONG_QUERY
from searchkit.search.query import Clause, ParsedQuery
from searchkit.text.normalize import normalize
from searchkit.text.orgs import (
    canonical_org,
    canonical_place,
    find_orgs,
    head_spellings,
    is_family_name,
    org_aliases,
    place_aliases,
)
from searchkit.text.terms import (
    QueryWord,
    fold_term,
    is_dictionary_word,
    regroup_unmarked,
    stopwords,
    syllable_keys,
    syllables,
)

__all__ = ["Need", "Plan", "build_plan", "fold_term", "org_query", "pair_scoring", "query_units"]

_MAX_UNITS = 48

# Ranking weights (tuned on the ALQAC dev questions, see benchmarks/quality.py).
_W_WORD = 1.0
_W_SYLLABLE = 0.35
_W_FOLDED_ACCENTED = 0.06
_W_FOLDED = 1.0
_W_UNMARKED = 0.2
_W_EXACT_UNACCENTED = 0.25
_W_PAIR = 0.6
_W_PAIR_FOLDED = 1.2
_W_PAIR_UNMARKED = 1.2
_PAIR_SLOP = 2
_W_TITLE = 1.6
_W_ORG = 2.0
# Organization aliases a phrase expands to; the longest run of typed syllables read as a name.
_MAX_ALIASES = 16
_MAX_ORG_SYLLABLES = 10
_MAX_HEAD_SYLLABLES = 5
# A province or city typed alone ("TP.HCM", "thanh pho ho chi minh"): its spellings' weight,
# and the longest run of typed syllables read as one.
_W_PLACE = 1.0
_MAX_PLACE_SYLLABLES = 6


def query_units(words: Sequence[QueryWord], *, accented: bool) -> list[QueryWord]:
    """The units a clause's words count as: the words (accented) or their syllables (unaccented).

    A query of stopwords only searches them anyway; at most 48 units count.
    """
    # Without diacritics every syllable is a unit of its own (pairs stand in for words).
    units = list(words) if accented else [
        QueryWord((s,), (f,), False) for w in words for s, f in zip(w.syllables, w.folded, strict=True)
    ]
    if units and all(u.stop for u in units):
        units = [QueryWord(u.syllables, u.folded, False) for u in units]
    return units[:_MAX_UNITS]


def _seq(field: str, terms: Sequence[str], boost: float) -> wq.Query:
    if len(terms) == 1:
        return wq.Term(field, terms[0], boost=boost)
    return wq.Phrase(field, list(terms), boost=boost)


def _unit_scoring(unit: QueryWord, accented: bool) -> list[wq.Query]:
    """The scoring clauses of one free-text unit."""
    out: list[wq.Query] = []
    for prefix, weight in (("title", _W_TITLE), ("body", 1.0)):
        if accented:
            out.append(wq.Term(f"{prefix}_w", unit.word, boost=_W_WORD * weight))
            out.extend(wq.Term(f"{prefix}_s", s, boost=_W_SYLLABLE * weight) for s in unit.syllables)
            for f, s in zip(unit.folded, unit.syllables, strict=True):
                # A syllable typed without marks in an accented query may be a lazy spelling.
                w = _W_FOLDED_ACCENTED if f != s else _W_UNMARKED
                out.append(wq.Term(f"{prefix}_f", f, boost=w * weight))
        else:
            out.extend(wq.Term(f"{prefix}_f", f, boost=_W_FOLDED * weight) for f in unit.folded)
            out.extend(wq.Term(f"{prefix}_s", s, boost=_W_EXACT_UNACCENTED * weight) for s in unit.syllables)
    return out


def pair_scoring(units: Sequence[QueryWord], accented: bool, reader: Any) -> list[wq.Query]:
    """Adjacent query words that stand side by side (or nearly) in the article score again."""
    content = [u for u in units if not u.stop]
    out: list[wq.Query] = []
    for a, b in itertools.pairwise(content):
        folded = [*a.folded, *b.folded]
        if accented:
            syllables = [*a.syllables, *b.syllables]
            out.append(wq.Phrase("body_s", syllables, slop=_PAIR_SLOP, boost=_W_PAIR))
            if any(_lazily_typed(reader, s) for s in syllables):
                # a word typed without its marks ("hội nghi"): its pair counts without them
                out.append(wq.Phrase("body_f", folded, slop=_PAIR_SLOP, boost=_W_PAIR_UNMARKED))
        else:
            out.append(wq.Phrase("body_f", folded, boost=_W_PAIR_FOLDED))
    return out


def _lazily_typed(reader: Any, syllable: str) -> bool:
    """True for a syllable typed without marks that the index mostly holds with marks.

    "nghi" is a word, but far rarer than "nghị", "nghỉ", "nghĩ": in an accented query it was
    most likely typed lazily. "theo" or "2017" have no marked variants to speak of.
    """
    if fold_term(syllable) != syllable or not syllable.isalpha():
        return False
    return bool(reader.doc_frequency("body_f", syllable) > 20 * reader.doc_frequency("body_s", syllable))


def _match_clause(clause: Clause, fields: Sequence[str], *, phrase: bool) -> wq.Query | None:
    """Query requiring the clause's words in one of ``fields`` ("title", "body"), typed any way:
    each word's syllables side by side, and with ``phrase`` the words too."""
    units = query_units(clause.words, accented=True)
    if not units:
        return None
    if clause.accented:
        view, terms = "s", [s for u in units for s in u.syllables]
    else:
        view, terms = "f", [f for u in units for f in u.folded]
    if phrase or len(units) == 1:
        return wq.Or([_seq(f"{f}_{view}", terms, 1.0) for f in fields])
    # each word as a whole (its syllables side by side), the words anywhere
    words = [u.syllables if view == "s" else u.folded for u in units]
    return wq.And([wq.Or([_seq(f"{f}_{view}", w, 1.0) for f in fields]) for w in words])


def org_query(name: str, boost: float = 1.0) -> wq.Query:
    """Articles naming the organization ``name`` (any alias) or a more specific one of it."""
    return _org_terms(canonical_org(name) or normalize(name).strip(), boost)


def _org_terms(canonical: str, boost: float = 1.0) -> wq.Query:
    # "Ban Chỉ đạo 35" also finds "Ban Chỉ đạo 35 thành phố Hải Phòng", scoring 1 for it: Whoosh
    # scores a bare prefix segment by segment (1, or the sum of its expansions when a segment
    # holds over 5,000 articles or exactly 2 of them), which would make an article's score
    # depend on how the index's segments (or shards) fell.
    inner = wq.ConstantScoreQuery(wq.Prefix("orgs", canonical + " "), 1.0)
    return wq.Or([wq.Term("orgs", canonical), inner], boost=boost)


@dataclass(frozen=True, slots=True)
class Need:
    """A word of the free text that a matching article holds in some form (see :mod:`searchkit.search.match`).

    Attributes:
        label: The word as shown when it is dropped ("chỉ đạo", "a OR b").
        query: Articles holding the word: its syllables side by side, each as typed (a
            syllable typed without diacritics through its folded form); for a name typed in
            the free text (see ``org``), the name as typed or any alias of it.
        folded: Its syllables without diacritics (to find organization names over words).
        org: It is an organization, kind of body ("Ban Chỉ đạo"), province or city name the
            query typed, or a proper name typed capitalized ("Võ Văn Thưởng"): relaxing never
            drops it while some article holds it.
        syllables: Its syllables as typed (empty for ``a OR b``).
        capitalized: The number of its clause when every syllable of it was typed with a
            capital, else -1 (from a family name on, neighbours so typed are one person's
            name: see ``_proper_names``).
        within: For ``a b OR c d``, the needs of every side (what highlighting marks).
    """

    label: str
    query: wq.Query
    folded: tuple[str, ...]
    org: bool = False
    syllables: tuple[str, ...] = ()
    capitalized: int = -1
    within: tuple[Need, ...] = ()


#: Question words: an article answering "… là ai?" rarely holds "ai", so they are never required.
_QUESTION_WORDS = frozenset({
    "ai", "gì", "nào", "thế_nào", "sao", "tại_sao", "vì_sao", "đâu", "bao_nhiêu", "bao_lâu", "bao_giờ", "khi_nào", "mấy",
})


def _asks(word: QueryWord) -> bool:
    """A question word, with diacritics or (typed without them) their folded spelling."""
    return word.word in _QUESTION_WORDS or (word.syllables == word.folded and word.word in _folded_function_words()[1])


def _unmarked_function_word(word: QueryWord) -> bool:
    """A word typed without diacritics that spells a stopword or question word without them."""
    stops, questions = _folded_function_words()
    return word.syllables == word.folded and (word.word in stops or word.word in questions)


@functools.cache
def _folded_function_words() -> tuple[frozenset[str], frozenset[str]]:
    """The stopwords and the question words without diacritics ("cua", "gi")."""
    return frozenset(fold_term(w) for w in stopwords()), frozenset(fold_term(w) for w in _QUESTION_WORDS)


# Letters a syllable typed without marks may have lost marks on (vowels, and d for đ).
_MARKABLE = re.compile("[aeiouyd]")


def _syllable_query(syllable: str, folded: str) -> wq.Query:
    view, term = ("s", syllable) if folded != syllable else ("f", folded)  # typed without marks: any marks
    return wq.Or([wq.Term(f"title_{view}", term), wq.Term(f"body_{view}", term)])


def _side_by_side(syllables: Sequence[str], folded: Sequence[str]) -> wq.Query:
    """Articles holding these syllables side by side in the title or the body, each as typed:
    with its marks, or (typed without them) with any marks (see :func:`_typed_exactly`)."""
    if len(syllables) == 1:
        return _syllable_query(syllables[0], folded[0])
    if _typed_exactly(syllables, folded):
        return wq.Or([wq.Phrase(f"{f}_s", list(syllables)) for f in ("title", "body")])
    phrase = wq.Or([wq.Phrase(f"{f}_f", list(folded)) for f in ("title", "body")])
    marked = [_syllable_query(s, f) for s, f in zip(syllables, folded, strict=True) if s != f]
    return wq.And([phrase, *marked]) if marked else phrase


def _typed_exactly(syllables: Sequence[str], folded: Sequence[str]) -> bool:
    """Whether syllables typed with some marks are all as meant: each unmarked one that could
    carry marks lies in a dictionary word spelled exactly as typed, with marks of its own
    ("tham nhũng", "Công an tỉnh": "tham" and "an" have no marks to leave out), unlike "hội
    nghi" ("nghị" typed lazily). Read without marks, "tham nhung" met "những" in nearly every
    article: 1.2 s the first time on 400,000 articles."""
    if all(s == f for s, f in zip(syllables, folded, strict=True)):
        return False  # typed without any marks: any marks
    unsure = [s == f and s.isalpha() and bool(_MARKABLE.search(s)) for s, f in zip(syllables, folded, strict=True)]
    for size in (2, 3):
        for i in range(len(syllables) - size + 1):
            window = tuple(syllables[i : i + size])
            if any(unsure[i : i + size]) and window != tuple(folded[i : i + size]) and is_dictionary_word(window):
                unsure[i : i + size] = [False] * size
    return not any(unsure)


def _word_need(word: QueryWord, capitalized: int = -1) -> Need:
    return Need(
        " ".join(word.syllables), _side_by_side(word.syllables, word.folded), word.folded, syllables=word.syllables,
        capitalized=capitalized,
    )


def _capitals(text: str, words: Sequence[QueryWord]) -> Iterator[bool]:
    """For each of ``words`` (the words of ``text``), whether every syllable of it was typed with a
    capital ("Võ", "UBND"); all False when the typed syllables cannot be told apart."""
    typed = syllables(text)
    if [fold_term(t.lower()) for t in typed] != [f for w in words for f in w.folded]:
        return (False for _ in words)
    marks = [t[:1].isupper() for t in typed]
    ends = list(itertools.accumulate(len(w.syllables) for w in words))
    return (all(marks[end - len(w.syllables) : end]) for w, end in zip(words, ends, strict=True))


def _proper_names(needs: list[tuple[Need, bool]]) -> list[tuple[Need, bool]]:
    """A person's name typed capitalized, a family name and the words typed capitalized after
    it in one clause (two to four syllables: "Võ Văn Thưởng", "Nguyễn Xuân Phúc"), is one
    word: its syllables side by side, never dropped while some article holds it (its parts say
    little apart: "Võ" alone is another person). Other capitalized words stay apart ("Messi
    Barcelona", "Việt Nam Thái Lan")."""

    def end(i: int) -> int:
        need, skipped = needs[i]
        j, size = i, 0
        if _capitalized(need, skipped) and is_family_name(need.syllables[0]):
            while j < len(needs) and _capitalized(*needs[j]) and needs[j][0].capitalized == need.capitalized:
                after = needs[j][0].syllables
                if size + len(after) > _MAX_NAME_SYLLABLES or (size >= 3 and is_family_name(after[0])):
                    break  # too long, or the next person's name ("Phạm Minh Chính | Hồ Đức Phớc")
                size += len(needs[j][0].syllables)
                j += 1
        return j if size >= 2 else i

    return _people(needs, end)


def _unmarked_names(needs: list[tuple[Need, bool]]) -> list[tuple[Need, bool]]:
    """In a clause typed in lower case without diacritics, a family name left a word of its own
    by the dictionary and the two syllables after it ("pham minh chinh", "nguyen xuan phuc") are
    one person's name, as if typed capitalized: their syllables side by side. Only three
    syllables (the usual full name; without capitals nothing tells where a name ends), and
    only when the family name is no part of a dictionary word ("le hoi", "ho tro" stay words)."""

    def end(i: int) -> int:
        need, skipped = needs[i]
        j, size = i, 0
        if not skipped and not need.org and len(need.syllables) == 1 and is_family_name(need.syllables[0], any_marks=True):
            while j < len(needs) and size < 3 and not needs[j][1] and not needs[j][0].org and needs[j][0].syllables:
                size += len(needs[j][0].syllables)
                j += 1
        return j if size == 3 and j - i >= 2 else i

    return _people(needs, end)


def _people(needs: list[tuple[Need, bool]], end: Callable[[int], int]) -> list[tuple[Need, bool]]:
    """The needs with each run ``needs[i:end(i)]`` (when ``end(i) > i``) made one person's name."""
    out: list[tuple[Need, bool]] = []
    i = 0
    while i < len(needs):
        j = end(i)
        out.append(_person([n for n, _ in needs[i:j]]) if j > i else needs[i])
        i = max(j, i + 1)
    return out


def _person(run: Sequence[Need]) -> tuple[Need, bool]:
    """A person's name made of these needs: one need, its syllables side by side."""
    typed = tuple(s for n in run for s in n.syllables)
    folded = tuple(f for n in run for f in n.folded)
    return Need(" ".join(typed), _side_by_side(typed, folded), folded, org=True, syllables=typed), False


def _capitalized(need: Need, skipped: bool) -> bool:
    return not skipped and not need.org and need.capitalized >= 0


#: The most syllables of a person's name (family name, middle names, given name).
_MAX_NAME_SYLLABLES = 4


def _free_needs(
    parsed: ParsedQuery, names: Sequence[tuple[Callable[[bool], wq.Query], Sequence[str]]], *, people: bool = True
) -> tuple[list[Need], list[int]]:
    """The words of the free text an article must hold, in query order, and which of ``names``
    were found among them.

    A word counts as a whole (its syllables side by side); a run typed without diacritics is
    cut into words by the dictionary first (:func:`~searchkit.text.terms.regroup_unmarked`).
    ``names`` (an organization, province or city: what makes the query meeting any spelling
    of it, given whether it was typed with diacritics, and the folded syllables it was typed
    as) each become one need. Stopwords and question words are left out (unless the clause
    has nothing else, or they are part of a name); a word typed twice is one need. Runs of
    free words joined by ``OR`` are one need, met by every word of either run ("giá xăng OR
    giá vàng", "Bộ Y tế OR Bộ Công an"). With ``people``, a person's name typed in lower case
    without diacritics is one need too (see :func:`_unmarked_names`).
    """
    runs: list[tuple[list[tuple[Need, bool]], bool, bool]] = []  # (a run's needs, after OR, typed lower-case unmarked)
    for number, clause in enumerate(parsed.clauses):
        if clause.kind != "text" or clause.excluded or clause.required:
            continue
        words = regroup_unmarked(clause.words)[:_MAX_UNITS]
        capitals = _capitals(clause.text, words)
        # Typed without diacritics, "cua", "la", "gi" may be "của", "là", "gì" or content words
        # ("cá", "lá"): they are left out only from a question, which needs a share of its words.
        asks = "?" in clause.text or len(words) > LONG_QUERY or any(_asks(w) for w in words)
        skip = [w.stop or w.word in _QUESTION_WORDS or (asks and _unmarked_function_word(w)) for w in words]
        if all(skip):
            skip = [False] * len(words)
        ours = [(_word_need(w, number if next(capitals) else -1), s) for w, s in zip(words, skip, strict=True)]
        unmarked = people and clause.text == clause.text.lower() and not clause.accented
        runs.append((ours, clause.or_before and bool(runs), unmarked))
    found: set[int] = set()
    needs: list[Need] = []
    either: list[list[Need]] = []  # the runs of the OR being read
    # the longest names first: "UBND tinh Quang Ninh" is Quảng Ninh's committee, not "UBND" and a place
    longest_first = sorted(range(len(names)), key=lambda i: -len(names[i][1]))
    for run, after_or, unmarked in runs:
        for i in longest_first:
            query, wanted = names[i]
            run, named = _with_name(run, wanted, query)
            if named:
                found.add(i)
        kept = [need for need, skipped in _proper_names(_unmarked_names(run) if unmarked else run) if not skipped]
        if after_or and either:
            either.append(kept)
            continue
        needs.extend(_one_of(either))
        either = [kept]
    needs.extend(_one_of(either))
    unique: dict[str, Need] = {}
    for need in needs:
        unique.setdefault(need.label, need)
    return list(unique.values()), sorted(found)


def _one_of(runs: list[list[Need]]) -> list[Need]:
    """Runs of free words joined by OR: one need, met by all the needs of any run."""
    runs = [run for run in runs if run]
    if len(runs) < 2:
        return runs[0] if runs else []
    label = " OR ".join(" ".join(n.label for n in run) for run in runs)
    alternatives = [run[0].query if len(run) == 1 else wq.And([n.query for n in run]) for run in runs]
    return [Need(label, wq.Or(alternatives), (), within=tuple(n for run in runs for n in run))]


def _with_name(
    needs: list[tuple[Need, bool]], wanted: Sequence[str], alias: Callable[[bool], wq.Query]
) -> tuple[list[tuple[Need, bool]], bool]:
    """Make the needs spelling a name (``wanted``: folded syllables) one need, met by the name's
    syllables side by side as typed or by any of its spellings (``alias(accented)``): "Bộ Chính
    trị" is met by the name, not by "bộ" and "chính trị" apart; "TP.HCM ngập" by "Thành phố Hồ
    Chí Minh" and "ngập". The spellings are read with their diacritics (the syllable view,
    where most articles hold the name as one word and need no positions read: matching
    without them read the positions of "ha" and "noi" in nearly every article, 2 s the first
    time on 400,000 articles, and met "đã nâng" for "da nang"), however the name was typed.
    A word only partly in the name ("Hồ Chí Minh mưa", one word for pyvi) is split into its
    syllables first; the words of a name already made one are left alone.
    Returns the needs and whether the name was found among them."""
    flat = [(i, k) for i, (n, _) in enumerate(needs) for k in range(len(n.folded))]
    folded = [needs[i][0].folded[k] for i, k in flat]
    size = len(wanted)
    for start in range(len(flat) - size + 1) if size else ():
        if folded[start : start + size] != list(wanted):
            continue
        first, last = flat[start][0], flat[start + size - 1][0]
        inside = [n for n, _ in needs[first : last + 1]]
        if any(n.org or len(n.syllables) != len(n.folded) for n in inside):
            continue  # part of another name, or across "a OR b"
        before, after = flat[start][1], len(inside[-1].folded) - 1 - flat[start + size - 1][1]
        spelled = [(s, f) for n in inside for s, f in zip(n.syllables, n.folded, strict=True)]
        typed = spelled[before : len(spelled) - after]
        head = [(_word_need(QueryWord.of((s,))), False) for s, _ in spelled[:before]]
        tail = [(_word_need(QueryWord.of((s,))), False) for s, _ in spelled[len(spelled) - after :]]
        syllables_ = tuple(s for s, _ in typed)
        accented = any(s != f for s, f in typed)
        spellings = alias(True)
        # Typed as one of its spellings, with their marks ("Công an tỉnh") or without any ("da
        # nang"), the name is met by its spellings, with their marks: "da nang" is Đà Nẵng, not
        # "đã nâng". Typed otherwise ("Bo Công an", or a spelling past the aliases read), its
        # syllables side by side as typed will do too.
        spelled_as = syllables_ if accented else tuple(wanted)
        exact = any(_spells(q, spelled_as, folded=not accented) for q in spellings.subqueries)
        name = Need(
            " ".join(syllables_),
            spellings if exact else wq.Or([_side_by_side(syllables_, wanted), spellings]),
            tuple(wanted),
            org=True,
            syllables=syllables_,
        )
        return [*needs[:first], *head, (name, False), *tail, *needs[last + 1 :]], True
    return needs, False


def _spells(q: wq.Query, syllables_: tuple[str, ...], *, folded: bool = False) -> bool:
    """Whether ``q`` is the syllable-view phrase (or term) of exactly these syllables (with
    ``folded``, of syllables that fold to these)."""
    if isinstance(q, wq.Phrase):
        words = tuple(q.words)
    elif isinstance(q, wq.Term):
        words = (q.text,)
    else:
        return False
    return q.fieldname.endswith("_s") and (tuple(fold_term(w) for w in words) if folded else words) == syllables_


@dataclass
class Plan:
    scoring: list[wq.Query] = field(default_factory=list)
    required: list[wq.Query] = field(default_factory=list)
    filters: list[wq.Query] = field(default_factory=list)
    excluded: list[wq.Query] = field(default_factory=list)
    terms: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    units: list[QueryWord] = field(default_factory=list)
    accented: bool = True
    pairs: set[tuple[str, str]] = field(default_factory=set)
    alone: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    needs: list[Need] = field(default_factory=list)
    question: bool = False
    required_words: int = 0
    names: tuple[str, ...] = ()  # the needs that are organization names, as typed (see build_plan)


def build_plan(parsed: ParsedQuery, *, whole_names: bool = True) -> Plan:
    """The plan of a parsed query. With ``whole_names`` false, organization names typed in the
    free text are not made one need each (their words are needs of their own, a kind of body
    or place among them still one): the search's second try when no article names the body
    the query names (see :func:`searchkit.search.engine.search`)."""
    built = Plan()
    free = [c for c in parsed.clauses if c.kind == "text" and not c.excluded]
    free_text = " ".join(c.text for c in free)
    built.accented = any(c.accented for c in free) or not free_text
    for clause in parsed.clauses:
        either = clause.kind != "text" and clause.or_before and not clause.excluded
        before = (len(built.required), built.required_words, len(built.filters))
        _add_clause(built, clause)
        if either and before[0] >= 1 and len(built.required) == before[0] + 1:
            # '"a b" OR "c d"', 'title:a OR title:b': one requirement met by either (scored and marked as both)
            second = built.required.pop()
            built.required[-1] = wq.Or([built.required[-1], second])
            built.required_words = before[1]
        elif either and before[2] >= 1 and len(built.filters) == before[2] + 1:
            # 'org:X OR org:Y', 'category:a OR category:b': one filter met by either
            second = built.filters.pop()
            built.filters[-1] = wq.Or([built.filters[-1], second])
    names: list[tuple[str, list[str]]] = []  # (canonical, the folded syllables typed for it)
    for mention in find_orgs(free_text) if free_text and whole_names else ():
        names.append((mention.canonical, [fold_term(s.lower()) for s in syllables(mention.text)]))
    found = {canonical for canonical, _ in names}
    for clause in free:
        # find_orgs reads running text as written (it misses names typed without marks or in
        # lower case): try runs of the typed syllables too.
        folded = tuple(f for w in clause.words for f in w.folded)
        names.extend(
            (canonical, list(folded[start : start + size]))
            for canonical, start, size in (_typed_orgs(folded) if whole_names else ())
            if canonical not in found
        )
    named: dict[str, int] = {}
    for canonical, typed in names:
        # The name weighs as much as the words it stands for ("Ủy ban nhân dân ..." is many).
        named.setdefault(canonical, max(1, len(typed)))
    for canonical, size in named.items():
        built.orgs.add(canonical)
        built.scoring.append(org_query(canonical, boost=_W_ORG * size))
    # Each name's query is made once it is known how the name was typed (see _with_name).
    spelled: list[tuple[Callable[[bool], wq.Query], Sequence[str]]] = [
        (functools.partial(_name_query, canonical), typed) for canonical, typed in names
    ]
    for clause in free:
        # a kind of body typed alone ("Ban Chỉ đạo"): the words side by side, or a body of that kind
        folded = tuple(f for w in clause.words for f in w.folded)
        for forms, start, size in _typed_heads(folded):
            spelled.append((functools.partial(_head_query, forms), folded[start : start + size]))
    places = _typed_place_names(free)
    first_place = len(spelled)
    spelled.extend((functools.partial(_place_query, canonical), typed) for canonical, typed in places)
    built.needs, met = _free_needs(parsed, spelled, people=whole_names)
    typed_names = {tuple(typed) for _, typed in names}
    # the names the second try leaves as words: organizations and places typed, and people's
    # names guessed from lower-case text without diacritics ("ha gia xang" is no Hà)
    built.names = tuple(n.label for n in built.needs if n.org and (n.folded in typed_names or n.syllables == n.folded))
    for canonical in dict.fromkeys(places[i - first_place][0] for i in met if i >= first_place):
        built.scoring.append(_place_query(canonical, accented=True, boost=_W_PLACE))
        built.phrases.update(_spellings_folded(canonical))  # highlighted in any spelling
    if not built.accented:
        # a word of one syllable typed without diacritics, outside a name: marked wherever it stands
        built.alone.update(n.folded[0] for n in built.needs if len(n.folded) == 1 and not n.org and n.folded[0].isalpha())
    # a syllable of a name ("Bộ" of "Bộ Công an") is marked only beside the rest of the name,
    # not in "cán bộ", unless the query also typed it as a word of its own
    every = [m for n in built.needs for m in (n.within or (n,))]  # the sides of "a OR b" too
    own = {x for n in every if len(n.syllables) == 1 for x in (*n.syllables, *n.folded)}
    built.alone -= {x for n in every if n.org and len(n.syllables) > 1 for x in (*n.syllables, *n.folded)} - own
    # A name is marked whole, in any of its spellings, not by its parts: "Công an" of "Bộ Công
    # an" not in "Công an tỉnh", "Bí thư" of "Ban Bí thư" not in "Bí thư Thành ủy".
    name_needs = [n for n in every if n.org and len(n.folded) > 1]
    inside = {p for n in name_needs for p in itertools.pairwise(n.folded)}
    outside = {p for n in every if not n.org for p in itertools.pairwise(n.folded)}
    built.pairs -= inside - outside
    built.phrases.update(tuple(n.folded) for n in name_needs)
    held = {n.folded for n in name_needs}
    for canonical, typed in names:
        if tuple(typed) in held:
            built.phrases.update(_spellings_folded_org(canonical))
    built.question = any("?" in c.text or any(w.word in _QUESTION_WORDS for w in c.words) for c in free)
    return built


@functools.lru_cache(maxsize=1024)
def _spellings_folded_org(canonical: str) -> frozenset[tuple[str, ...]]:
    """The spellings of an organization as folded syllables (("ubnd", "tinh", "quang", "ninh")…)."""
    return _folded_spellings(_org_spellings(canonical)[:_MAX_ALIASES])


@functools.lru_cache(maxsize=1024)
def _typed_orgs(folded: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Organization names in syllables typed without diacritics, longest first, left to right.

    "uy ban nhan dan tinh quang ninh" names "Ủy ban nhân dân tỉnh Quảng Ninh" (7 syllables);
    "an ninh" names nothing. Returns ``(canonical, first syllable, syllable count)`` triples. Cached: a running
    application sees the same queries again (paging), and each run tries many names.
    """
    return _longest_names(folded, canonical_org, _MAX_ORG_SYLLABLES)


@functools.lru_cache(maxsize=1024)
def _typed_heads(folded: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    """Heads of organization names of two words or more ("ban chi dao") in typed syllables,
    as ``(spellings, first syllable, syllable count)`` (cached, as :func:`_typed_orgs`)."""
    found = _longest_names(folded, lambda run: "|".join(head_spellings(run)) or None, _MAX_HEAD_SYLLABLES)
    return tuple((tuple(forms.split("|")), start, size) for forms, start, size in found)


def _head_query(forms: Sequence[str], accented: bool) -> wq.Query:
    """Articles naming a body of this kind (the orgs field) or spelling the head any way: with
    its diacritics when ``accented`` (the head was typed with them), else without."""
    spellings = {tuple(syllable_keys(s)[0 if accented else 1] for s in syllables(form)) for form in forms}
    view = "s" if accented else "f"
    phrases = [_seq(f"{f}_{view}", terms, 1.0) for terms in sorted(spellings) if terms for f in ("title", "body")]
    return wq.Or([_org_terms(forms[0]), *phrases])


def _name_query(canonical: str, accented: bool) -> wq.Query:
    """Articles naming the organization (the orgs field) or spelling it any way: with its
    diacritics when ``accented`` (the name was typed with them), else without."""
    return wq.Or([_org_terms(canonical), *_alias_phrases(canonical, ("title", "body"), accented)])


def _typed_place_names(free: Sequence[Clause]) -> list[tuple[str, tuple[str, ...]]]:
    """Provinces and cities typed in the free text: their full form and the folded syllables
    they were typed as (any of their spellings meets those words, and scores, when they are
    not part of an organization name)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for clause in free:
        typed = tuple(s for w in clause.words for s in w.syllables)
        folded = tuple(f for w in clause.words for f in w.folded)
        out.extend((canonical, folded[start : start + size]) for canonical, start, size in _typed_places(typed))
    return out


def _place_query(canonical: str, accented: bool, *, boost: float = 1.0) -> wq.Query:
    return wq.Or(_alias_phrases(canonical, ("title", "body"), accented, place=True), boost=boost)


@functools.lru_cache(maxsize=1024)
def _typed_places(typed: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Provinces and cities in typed syllables (any marks), longest first, left to right, as
    ``(full form, first syllable, syllable count)`` ("tp hcm ngập": Thành phố Hồ Chí Minh, 0, 2)."""
    return _longest_names(typed, canonical_place, _MAX_PLACE_SYLLABLES)


def _longest_names(
    syllables_: tuple[str, ...], resolve: Callable[[str], str | None], longest: int
) -> tuple[tuple[str, int, int], ...]:
    """Scan left to right for the longest run of at most ``longest`` syllables that ``resolve``
    names; returns ``(name, first syllable, syllable count)`` triples. A run that comes again is
    resolved once ("Quảng Ninh Quảng Ninh …" costs as much as "Quảng Ninh")."""
    found: list[tuple[str, int, int]] = []
    known: dict[str, str | None] = {}
    i = 0
    while i < len(syllables_):
        for size in range(min(longest, len(syllables_) - i), 0, -1):
            run = " ".join(syllables_[i : i + size])
            name = known[run] if run in known else known.setdefault(run, resolve(run))
            if name:
                found.append((name, i, size))
                i += size
                break
        else:
            i += 1
    return tuple(found)


@functools.lru_cache(maxsize=1024)
def _phrase_place(text: str) -> str | None:
    """The province or city a quoted phrase names as a whole, if any."""
    return canonical_place(text)


@functools.lru_cache(maxsize=1024)
def _phrase_org(text: str) -> str | None:
    """The organization a quoted phrase names as a whole, if any (cached, as :func:`_typed_orgs`)."""
    return canonical_org(text)


@functools.lru_cache(maxsize=1024)
def _org_spellings(canonical: str) -> tuple[str, ...]:
    """:func:`~searchkit.text.orgs.org_aliases`, cached (as :func:`_typed_orgs`)."""
    return tuple(org_aliases(canonical))


@functools.lru_cache(maxsize=1024)
def _spellings_folded(place: str) -> frozenset[tuple[str, ...]]:
    """The spellings of a province or city as folded syllables (("tp", "hcm"), ("tphcm",)…)."""
    return _folded_spellings(place_aliases(place))


def _folded_spellings(aliases: Iterable[str]) -> frozenset[tuple[str, ...]]:
    """Each of ``aliases`` as its folded syllables (those with none left out)."""
    return frozenset(folded for alias in aliases if (folded := tuple(syllable_keys(s)[1] for s in syllables(alias))))


def _alias_phrases(canonical: str, fields: Sequence[str], accented: bool, *, place: bool = False) -> list[wq.Query]:
    """Phrase queries for the other spellings of an organization ("UBND tỉnh Quảng Ninh" for
    "Ủy ban nhân dân tỉnh Quảng Ninh" and back), or of a place ("TP.HCM", "Tp. Hồ Chí Minh"…),
    in the view the phrase was typed for."""
    out: list[wq.Query] = []
    spellings = place_aliases(canonical) if place else _org_spellings(canonical)
    seen: set[tuple[str, ...]] = set()  # "TP.HCM", "TP HCM" and "Tp.HCM" are one phrase
    for alias in spellings[:_MAX_ALIASES]:
        keys = [syllable_keys(s) for s in syllables(alias)]
        terms = tuple(term for term, _ in keys) if accented else tuple(folded for _, folded in keys)
        if terms and terms not in seen:
            seen.add(terms)
            out.extend(_seq(f"{f}_{'s' if accented else 'f'}", terms, 1.0) for f in fields)
    return out


def _add_clause(built: Plan, clause: Clause) -> None:
    if clause.kind == "text":
        accented = built.accented or clause.accented
        units = query_units(clause.words, accented=accented)
        if clause.excluded or clause.required:
            # one word, code or name ("-Hà Nội", "+35-NQ/TW"): its syllables side by side
            q = _match_clause(clause, ("title", "body"), phrase=" " in clause.text or len(clause.words) > 1)
            if q is not None:
                # "-UBND" also leaves out "Ủy ban nhân dân", as "UBND" would find it
                q = _phrase_aliases(q, clause, ("title", "body"), _phrase_org(clause.text))
                (built.excluded if clause.excluded else built.required).append(q)
                built.required_words += 0 if clause.excluded else _word_count(clause)
            if clause.excluded:
                return
        _collect_terms(built, units, accented)
        built.units.extend(units)
        for unit in units:
            if not unit.stop:
                built.scoring.extend(_unit_scoring(unit, accented))
        return
    if clause.kind in ("phrase", "title"):
        fields = ("title",) if clause.kind == "title" else ("title", "body")
        q = _match_clause(clause, fields, phrase=clause.kind == "phrase" or clause.quoted)
        if q is None:
            return
        canonical = _phrase_org(clause.text)
        q = _phrase_aliases(q, clause, fields, canonical)
        if clause.excluded:
            built.excluded.append(q)
            return
        if canonical:
            built.orgs.add(canonical)
        built.required.append(q)
        built.required_words += _word_count(clause)
        _collect_terms(built, query_units(clause.words, accented=True), clause.accented, phrase=True)
        built.scoring.append(q)
        return
    if clause.kind == "org":
        q = org_query(clause.text)
        if not clause.excluded:
            canonical = canonical_org(clause.text)
            if canonical:
                built.orgs.add(canonical)
    else:  # category, source, author: one whole value, any case
        q = wq.Term(clause.kind, clause.text)  # resolved to the stored spelling in resolve_values
    (built.excluded if clause.excluded else built.filters).append(q)


def _phrase_aliases(q: wq.Query, clause: Clause, fields: Sequence[str], canonical: str | None) -> wq.Query:
    """A phrase, ``+word`` or ``-word`` naming an organization (``canonical``) or a province or
    city as a whole: any of its spellings will do (and the orgs field for an organization,
    except in ``title:``)."""
    if canonical:
        named = [org_query(canonical)] if clause.kind in ("phrase", "text") else []
        return wq.Or([q, *_alias_phrases(canonical, fields, clause.accented), *named])
    place = _phrase_place(clause.text)
    if place:
        return wq.Or([q, *_alias_phrases(place, fields, clause.accented, place=True)])
    return q


def _word_count(clause: Clause) -> int:
    return max(1, sum(not w.stop for w in clause.words))


def _collect_terms(built: Plan, units: Iterable[QueryWord], accented: bool, *, phrase: bool = False) -> None:
    """Record what highlighting marks: the terms, their adjacent pairs and the terms that
    may be marked alone (a clause of one syllable; a one-syllable word typed with diacritics
    outside a phrase). Any other syllable is marked only beside its query neighbour."""
    content = [u for u in units if not u.stop]
    for unit in content:
        if accented:
            built.terms.update(unit.syllables)
        else:
            built.folded.update(unit.folded)
    sequence = [f for u in content for f in u.folded]
    built.pairs.update(itertools.pairwise(sequence))
    if len(sequence) == 1:
        built.alone.update(content[0].syllables if accented else content[0].folded)
    elif accented and not phrase:
        built.alone.update(u.syllables[0] for u in content if len(u.syllables) == 1)
