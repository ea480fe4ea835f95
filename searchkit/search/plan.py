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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as wq

from searchkit.search.query import Clause, ParsedQuery
from searchkit.text.normalize import fold, normalize
from searchkit.text.orgs import canonical_org, canonical_place, find_orgs, org_aliases, place_aliases
from searchkit.text.terms import QueryWord, fold_term, syllable_keys, syllables

__all__ = ["Need", "Plan", "build_plan", "fold_term", "org_query", "pair_scoring", "query_units", "resolve_values"]

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
    """Query requiring the clause's words in one of ``fields`` ("title", "body"), typed any way."""
    units = query_units(clause.words, accented=True)
    if not units:
        return None
    if clause.accented:
        view, terms = "s", [s for u in units for s in u.syllables]
    else:
        view, terms = "f", [f for u in units for f in u.folded]
    if phrase or len(terms) == 1:
        return wq.Or([_seq(f"{f}_{view}", terms, 1.0) for f in fields])
    return wq.And([wq.Or([wq.Term(f"{f}_{view}", t) for f in fields]) for t in terms])


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
        query: Articles holding the word: each syllable as typed (a syllable typed without
            diacritics through its folded form), or an alias of the organization it is part of.
        folded: Its syllables without diacritics (to find organization names over words).
        org: It is part of an organization name the query typed: relaxing never drops it
            while some article holds it ("UBND Quảng Ninh" never becomes "UBND").
    """

    label: str
    query: wq.Query
    folded: tuple[str, ...]
    org: bool = False


#: Question words: an article answering "… là ai?" rarely holds "ai", so they are never required.
_QUESTION_WORDS = frozenset({
    "ai", "gì", "nào", "thế_nào", "sao", "tại_sao", "vì_sao", "đâu", "bao_nhiêu", "bao_lâu", "bao_giờ", "khi_nào", "mấy",
})


def _syllable_query(syllable: str, folded: str) -> wq.Query:
    view, term = ("s", syllable) if folded != syllable else ("f", folded)  # typed without marks: any marks
    return wq.Or([wq.Term(f"title_{view}", term), wq.Term(f"body_{view}", term)])


def _word_need(word: QueryWord) -> Need:
    parts = [_syllable_query(s, f) for s, f in zip(word.syllables, word.folded, strict=True)]
    return Need(" ".join(word.syllables), parts[0] if len(parts) == 1 else wq.And(parts), word.folded)


def _free_needs(parsed: ParsedQuery, names: Sequence[tuple[str, list[str]]]) -> list[Need]:
    """The words of the free text an article must hold, in query order (stopwords and question
    words left out, unless the clause has nothing else); ``a OR b`` is one need; the words of an
    organization name found in the free text (``names``: canonical name and the folded
    syllables it was typed as) are also met by its aliases."""
    needs: list[Need] = []
    for clause in parsed.clauses:
        if clause.kind != "text" or clause.excluded or clause.required:
            continue
        words = [w for w in clause.words if not w.stop and w.word not in _QUESTION_WORDS] or list(clause.words)
        ours = [_word_need(w) for w in words[:_MAX_UNITS]]
        if clause.or_before and needs and ours:
            last = needs.pop()
            ours[0] = Need(f"{last.label} OR {ours[0].label}", wq.Or([last.query, ours[0].query]), ())
        needs.extend(ours)
    for canonical, wanted in names:
        needs = _with_alias(needs, wanted, _org_terms(canonical))
    unique: dict[str, Need] = {}  # a word typed twice is one word
    for need in needs:
        unique.setdefault(need.label, need)
    return list(unique.values())


def _with_alias(needs: list[Need], wanted: list[str], alias: wq.Query) -> list[Need]:
    """Let an alias of the organization named by the needs spelling ``wanted`` meet each of them
    ("UBND Quảng Ninh": an article naming "Ủy ban nhân dân tỉnh Quảng Ninh" holds both words)."""
    flat = [(i, f) for i, n in enumerate(needs) for f in n.folded]
    size = len(wanted)
    for start in range(len(flat) - size + 1) if size else ():
        if [f for _, f in flat[start : start + size]] == wanted:
            first, last = flat[start][0], flat[start + size - 1][0]
            named = [Need(n.label, wq.Or([n.query, alias]), n.folded, org=True) for n in needs[first : last + 1]]
            return [*needs[:first], *named, *needs[last + 1 :]]
    return needs


def _with_place(needs: list[Need], wanted: Sequence[str], alias: wq.Query) -> tuple[list[Need], bool]:
    """Let any spelling of a place (``alias``) meet the needs spelling it (``wanted``, folded
    syllables): "TP.HCM ngập" is met by an article saying "Thành phố Hồ Chí Minh" and "ngập".
    A word only partly in the place ("Hồ Chí Minh mưa", one word for pyvi) is split into its
    syllables first; words of an organization name keep their aliases. Returns the needs and
    whether the place was found among them."""
    flat = [(i, f) for i, n in enumerate(needs) for f in n.folded]
    size = len(wanted)
    for start in range(len(flat) - size + 1) if size else ():
        if [f for _, f in flat[start : start + size]] != list(wanted):
            continue
        first, last = flat[start][0], flat[start + size - 1][0]
        if any(n.org for n in needs[first : last + 1]):
            continue
        offset = next(k for k, (i, _) in enumerate(flat) if i == first)  # first syllable of needs[first]
        out = needs[:first]
        for need in needs[first : last + 1]:
            covered = range(start - offset, start - offset + size)
            parts = _syllable_needs(need) if any(k not in covered for k in range(len(need.folded))) else [need]
            for part in parts:
                inside = offset - start + len(part.folded) <= size and offset >= start
                out.append(Need(part.label, wq.Or([part.query, alias]), part.folded, org=True) if inside else part)
                offset += len(part.folded)
        return [*out, *needs[last + 1 :]], True
    return needs, False


def _syllable_needs(need: Need) -> list[Need]:
    """A need of several syllables as one need per syllable (when its label spells them)."""
    labels = need.label.split(" ")
    if len(need.folded) < 2 or len(labels) != len(need.folded):
        return [need]
    return [Need(s, _syllable_query(s, f), (f,)) for s, f in zip(labels, need.folded, strict=True)]


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
    needs: list[Need] = field(default_factory=list)
    question: bool = False
    required_words: int = 0


def build_plan(parsed: ParsedQuery) -> Plan:
    built = Plan()
    free = [c for c in parsed.clauses if c.kind == "text" and not c.excluded]
    free_text = " ".join(c.text for c in free)
    built.accented = any(c.accented for c in free) or not free_text
    for clause in parsed.clauses:
        _add_clause(built, clause)
    names: list[tuple[str, list[str]]] = []  # (canonical, the folded syllables typed for it)
    for mention in find_orgs(free_text) if free_text else ():
        names.append((mention.canonical, [fold_term(s.lower()) for s in syllables(mention.text)]))
    found = {canonical for canonical, _ in names}
    for clause in free:
        # find_orgs reads running text as written (it misses names typed without marks or in
        # lower case): try runs of the typed syllables too.
        folded = tuple(f for w in clause.words for f in w.folded)
        names.extend(
            (canonical, list(folded[start : start + size]))
            for canonical, start, size in _typed_orgs(folded)
            if canonical not in found
        )
    named: dict[str, int] = {}
    for canonical, typed in names:
        # The name weighs as much as the words it stands for ("Ủy ban nhân dân ..." is many).
        named.setdefault(canonical, max(1, len(typed)))
    for canonical, size in named.items():
        built.orgs.add(canonical)
        built.scoring.append(org_query(canonical, boost=_W_ORG * size))
    built.needs = _free_needs(parsed, names)
    _add_places(built, free)
    built.question = any("?" in c.text or any(w.word in _QUESTION_WORDS for w in c.words) for c in free)
    return built


@functools.lru_cache(maxsize=1024)
def _typed_orgs(folded: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Organization names in syllables typed without diacritics, longest first, left to right.

    "uy ban nhan dan tinh quang ninh" names "Ủy ban nhân dân tỉnh Quảng Ninh" (7 syllables);
    "an ninh" names nothing. Returns ``(canonical, first syllable, syllable count)`` triples. Cached: a running
    application sees the same queries again (paging), and each run tries many names.
    """
    return _longest_names(folded, canonical_org, _MAX_ORG_SYLLABLES)


def _add_places(built: Plan, free: Sequence[Clause]) -> None:
    """Provinces and cities typed in the free text, outside an organization name: any of their
    spellings meets their words (and scores)."""
    seen: set[str] = set()
    for clause in free:
        typed = tuple(s for w in clause.words for s in w.syllables)
        folded = tuple(f for w in clause.words for f in w.folded)
        for canonical, start, size in _typed_places(typed):
            if canonical in seen:
                continue
            needs, found = _with_place(built.needs, folded[start : start + size], _place_query(canonical, accented=False))
            if found:
                seen.add(canonical)
                built.needs = needs
                built.scoring.append(_place_query(canonical, accented=True, boost=_W_PLACE))


def _place_query(canonical: str, *, accented: bool, boost: float = 1.0) -> wq.Query:
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


def _alias_phrases(canonical: str, fields: Sequence[str], accented: bool, *, place: bool = False) -> list[wq.Query]:
    """Phrase queries for the other spellings of an organization ("UBND tỉnh Quảng Ninh" for
    "Ủy ban nhân dân tỉnh Quảng Ninh" and back), or of a place ("TP.HCM", "Tp. Hồ Chí Minh"…),
    in the view the phrase was typed for."""
    out: list[wq.Query] = []
    spellings = place_aliases(canonical) if place else org_aliases(canonical)
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
            q = _match_clause(clause, ("title", "body"), phrase=False)
            if q is not None:
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
    """A phrase naming an organization (``canonical``) or a province or city as a whole: any of
    its spellings will do (and the orgs field, for an organization in a phrase)."""
    if canonical:
        named = [org_query(canonical)] if clause.kind == "phrase" else []
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


# -- running ----------------------------------------------------------------------------------


def resolve_values(searcher: Any, q: wq.Query) -> wq.Query:
    """Match category/source/author values case- and accent-insensitively against the index."""
    if isinstance(q, wq.Term) and q.fieldname in ("category", "source", "author"):
        wanted = fold(normalize(str(q.text)).strip().lower())
        found = [t.decode("utf-8") for t in searcher.reader().lexicon(q.fieldname) if fold(t.decode("utf-8").lower()) == wanted]
        return wq.Or([wq.Term(q.fieldname, t) for t in found]) if found else wq.NullQuery()
    return q
