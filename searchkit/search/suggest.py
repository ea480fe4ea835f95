"""Did-you-mean: the query as the user meant to type it, when a word of it is unknown.

When a suggestion is made
-------------------------
A query relaxed to find enough articles still finds many with one misspelt word among good
ones: the number of results alone cannot say whether a word went wrong. A word is a
candidate for correction only when **no article holds it** (in the query's own spelling:
with its marks when the query has marks, a word typed without marks counts as known when its
unmarked form is in the index), or, when the query found fewer than :data:`FEW_RESULTS`
articles or was relaxed, when at most :data:`RARE_WORD` articles hold it and it stands beside
its query neighbour in none of them (a typo that happens to be in some article: "nag"); such a word is
corrected only to a sure correction. A correction is always a word the index holds, and it is
offered

* when the query found fewer than :data:`FEW_RESULTS` articles (anything the index holds is
  more use than nothing), or
* whatever the number of results, when the correction is **sure**: the word was typed as raw
  Telex/VNI keystrokes and reads back as a word of the index ("thanhf" -> "thành", see
  :mod:`searchkit.text.telex`), or the corrected word stands next to its neighbour in the
  query in some article ("da nag" -> "da nang": the corrected query finds that pair, the
  typed one finds nothing).

A word that is a real Vietnamese syllable but absent from the index ("dê", "khuê" on a small
index) is corrected only when the query found few articles *and* the correction stands next
to a neighbour, and never to another tone of itself, unless with a neighbour that tone spells
a word of pyvi's dictionary that articles hold side by side ("tham nhủng" -> "tham nhũng":
sure). Field values
(``author:``, ``category:``, ``source:``, ``org:``, ``title:``, ``date:``), quoted phrases,
excluded words and operators are kept exactly as typed; one exception helps: an unquoted
``author:``/``category:``/``source:`` value that matches nothing but does with the words after
it is offered quoted (``author:MINH KHUÊ`` -> ``author:"MINH KHUÊ"``). Everything else in the
query, including the case of each word, is kept.

Converted keystrokes are offered as a suggestion, not searched in place of what was typed:
a search engine should search what it was given, and "did you mean" costs one keypress.

Cost guards: at most :data:`MAX_CORRECTED_WORDS` unknown words are corrected (the first
ones), within :data:`SUGGEST_BUDGET` seconds; a syllable longer than ``_MAX_CORRECTED``
characters is nobody's typo and is left alone. The words one edit away come from a deletion
index of the field's terms (:class:`~searchkit.search.neighbours.Neighbours`, built once per
commit generation and kept on the snapshot), so a correction is a few lookups, a few
document frequencies and at most ``2 * _CHECKED_CANDIDATES`` phrase checks of at most 50
articles each; the clock is read before each correction and before each phrase check, so
the budget bounds the whole suggestion (beyond it, the first suggestion after a commit pays
once for building the index: about 0.1 s per field on 4,000 articles).
"""

from __future__ import annotations

import functools
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from searchkit.errors import ModelError
from searchkit.search.neighbours import Neighbours
from searchkit.search.plan import Plan
from searchkit.search.query import FIELDS
from searchkit.text.normalize import fold, normalize
from searchkit.text.pyvi_model import pyvi_words_path
from searchkit.text.telex import convert
from searchkit.text.terms import SYLLABLE, fold_term, is_dictionary_word, stopwords

__all__ = ["FEW_RESULTS", "MAX_CORRECTED_WORDS", "RARE_WORD", "SUGGEST_BUDGET", "suggest"]

#: Below this many results any correction the index supports is offered; from it on, only
#: sure ones (keystrokes, or a corrected word that stands next to its neighbour somewhere).
FEW_RESULTS = 3
#: A word some article holds is still corrected, when the query found fewer than
#: :data:`FEW_RESULTS` articles or was relaxed, if at most this many articles hold it, it stands beside its
#: query neighbour in none of them, and its correction is sure ("da nag" -> "da nang").
RARE_WORD = 3
# Did-you-mean leaves longer syllables alone (the one-edit automaton of a 10,000-letter word
# takes seconds to run over the lexicon; the longest Vietnamese syllable has 7 letters).
_MAX_CORRECTED = 24
#: Did-you-mean corrects at most this many unknown words of a query (the first ones)...
MAX_CORRECTED_WORDS = 8
#: ...and looks for corrections for at most this long (seconds), so a query of many unknown
#: words costs a bounded time (the clock is read before each correction and each phrase check).
SUGGEST_BUDGET = 0.25
# Candidates (one edit away) whose neighbours are checked, the most frequent first.
_CHECKED_CANDIDATES = 12
# Words of a query that may continue an unquoted field value ("author:MINH KHUÊ").
_VALUE_WORDS = 3

_TOKEN = re.compile(r'(?P<sign>[-+])?(?:(?P<field>[A-Za-z]+):(?P<fvalue>"[^"]*"?|[^\s"]*)|(?P<phrase>"[^"]*"?)|(?P<word>[^\s"]+))')
_OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})


@functools.lru_cache(maxsize=1)
def _known_syllables() -> frozenset[str]:
    """Syllables of pyvi's word list: a correctly spelled syllable is never 'corrected'."""
    try:
        text = pyvi_words_path().read_text(encoding="utf-8")
    except (ModelError, OSError):
        return frozenset()
    distinct = {s for line in text.splitlines() for s in line.split()}  # (60,000 syllables, 7,300 distinct)
    return frozenset(normalize(s).lower() for s in distinct)


@dataclass(frozen=True, slots=True)
class _Syllable:
    start: int  # offsets into the normalized query
    end: int
    text: str


#: Makes (once) the value for a key: :meth:`searchkit.index.snapshot.Snapshot.cached`.
Cache = Callable[[str, Callable[[], Any]], Any]


def _uncached(key: str, factory: Callable[[], Any]) -> Any:
    return factory()


#: Operators typed in lower case (operators are case-sensitive): offered in capitals.
_LOWER_OPERATORS = frozenset({"or", "and", "not"})


def suggest(
    searcher: Any, query: str, built: Plan, total: int, cached: Cache = _uncached, *, relaxed: bool = False
) -> str | None:
    """Suggest the query with its unknown words corrected, or None (see the module docs).

    Args:
        searcher: The Whoosh searcher of the commit that was searched.
        query: The query as typed.
        built: Its plan (which tells whether it is matched with marks).
        total: How many articles it found.
        cached: Where the structures derived from the commit are kept (the snapshot's
            ``cached``; without it they are built for this call only).
        relaxed: Words were dropped to find enough articles: rare words are checked as when
            the query found few.

    Returns:
        The whole query with corrections in place, or None when there is nothing to offer.
    """
    reader = searcher.reader()
    few = total < FEW_RESULTS
    if _nothing_to_correct(searcher, built, rare=few or relaxed):
        return None  # the common case, decided on the parsed words (the query is not normalized again)
    text = normalize(query)
    edits: dict[tuple[int, int], str] = {}
    if few:
        edits.update(_field_values(reader, text, cached))
    syllables = [s for s in _free_syllables(text) if not any(a <= s.start < b for a, b in edits)]
    attempts = 0
    deadline = time.perf_counter() + SUGGEST_BUDGET
    left: str | None = None
    for i, syl in enumerate(syllables):
        low = syl.text.lower()
        if low in _LOWER_OPERATORS and 0 < i < len(syllables) - 1 and not _in_index(reader, low, True):
            # "giá xăng or giá vàng": the operator typed in lower case (read as a word)
            edits[(syl.start, syl.end)] = low.upper()
            left = None
            continue
        held = _in_index(reader, low, built.accented)
        rare = held and (few or relaxed) and _rare(reader, low, built.accented)
        if len(low) > _MAX_CORRECTED or attempts >= MAX_CORRECTED_WORDS or (held and not rare):
            left = low
            continue
        if time.perf_counter() >= deadline:
            break
        attempts += 1
        right = syllables[i + 1].text.lower() if i + 1 < len(syllables) else None
        if rare and _stands_beside(searcher, left, low, right, built.accented):
            left = low  # a rare word that stands beside its neighbour somewhere is what was meant
            continue
        field = "body_s" if built.accented else "body_f"
        near = cached(f"suggest.neighbours.{field}", functools.partial(Neighbours.of_field, reader, field, _MAX_CORRECTED))
        found = _correct(searcher, low, accented=built.accented, left=left, right=right, near=near, deadline=deadline)
        # a rare word of the index is corrected only to a sure word ("da nag" -> "da nang")
        if found is not None and (found[1] or (few and not rare)):
            edits[(syl.start, syl.end)] = _same_case(found[0], syl.text)
            left = found[0]
        else:
            left = low
    if not edits:
        return None
    out, at = [], 0
    for (a, b), new in sorted(edits.items()):
        out.append(text[at:a] + new)
        at = b
    suggestion = "".join(out) + text[at:]
    return suggestion if suggestion != text else None


def _nothing_to_correct(searcher: Any, built: Plan, *, rare: bool) -> bool:
    """True when every free word is in the index (and, with ``rare``, each word held by at most
    :data:`RARE_WORD` articles stands beside a query neighbour in one) and no field value could
    be completed."""
    if any(isinstance(q, wq.Term) and q.fieldname in ("author", "category", "source") for q in built.filters):
        return False
    reader = searcher.reader()
    sequence = [s for unit in built.units for s in (unit.syllables if built.accented else unit.folded)]
    for i, syllable in enumerate(sequence):
        if len(syllable) > _MAX_CORRECTED:
            continue
        if not _in_index(reader, syllable, built.accented):
            return False
        if rare and _rare(reader, syllable, built.accented):
            left, right = sequence[i - 1] if i else None, sequence[i + 1] if i + 1 < len(sequence) else None
            if not _stands_beside(searcher, left, syllable, right, built.accented):
                return False
    return True


def _rare(reader: Any, syllable: str, accented: bool) -> bool:
    """Whether at most :data:`RARE_WORD` articles hold the syllable, as the query matches it."""
    fields = ("body_s", "title_s") if accented and fold_term(syllable) != syllable else ("body_f", "title_f")
    term = syllable if fields[0] == "body_s" else fold_term(syllable)
    return sum(reader.doc_frequency(f, term) for f in fields) <= RARE_WORD


def _free_syllables(text: str) -> list[_Syllable]:
    """The syllables of the free-text words of a query (not fields, phrases, exclusions)."""
    out: list[_Syllable] = []
    for m in _TOKEN.finditer(text):
        word = m.group("word")
        if word is None or word in _OPERATORS or m.group("sign") == "-":
            continue
        start = m.start("word")
        out.extend(_Syllable(start + s.start(), start + s.end(), s.group()) for s in SYLLABLE.finditer(word))
    return out


def _field_values(reader: Any, text: str, cached: Cache) -> dict[tuple[int, int], str]:
    """``author:MINH KHUÊ`` -> ``author:"MINH KHUÊ"`` when only the longer value is stored."""
    tokens = list(_TOKEN.finditer(text))
    edits: dict[tuple[int, int], str] = {}
    for i, m in enumerate(tokens):
        name, value = (m.group("field") or "").lower(), m.group("fvalue") or ""
        if name not in ("author", "category", "source") or not value or value.startswith('"'):
            continue
        stored = cached(f"suggest.values.{name}", functools.partial(_stored_values, reader, name))
        if fold(value.lower()) in stored:
            continue
        words = [value]
        for nxt in tokens[i + 1 : i + 1 + _VALUE_WORDS]:
            if nxt.group("word") is None or nxt.group("sign") or nxt.group("word") in _OPERATORS:
                break
            words.append(nxt.group("word"))
            if fold(" ".join(words).lower()) in stored:
                sign = m.group("sign") or ""
                edits[(m.start(), nxt.end())] = f'{sign}{m.group("field")}:"{" ".join(words)}"'
                break
    return edits


def _stored_values(reader: Any, name: str) -> frozenset[str]:
    """The values of a keyword field, folded and lowercased (as ``resolve_values`` compares)."""
    if name not in reader.schema or name not in FIELDS:
        return frozenset()
    return frozenset(fold(t.decode("utf-8").lower()) for t in reader.lexicon(name))


def _in_index(reader: Any, syllable: str, accented: bool) -> bool:
    """Whether some article holds the syllable, as the query matches it."""
    # A term in the index is in some segment's term table (a segment at a time, stopping at the
    # first that has it, where its document frequency would be summed over every segment).
    folded = fold_term(syllable)
    if accented:
        if ("body_s", syllable) in reader or ("title_s", syllable) in reader:
            return True
        if folded != syllable:
            return False  # typed with marks: those marks must be found
    return ("body_f", folded) in reader or ("title_f", folded) in reader


def _correct(
    searcher: Any,
    syllable: str,
    *,
    accented: bool,
    left: str | None = None,
    right: str | None = None,
    near: Neighbours | None = None,
    deadline: float | None = None,
) -> tuple[str, bool] | None:
    """The correction of one unknown syllable and whether it is sure, or None.

    Raw keystrokes that read back as an indexed word win; otherwise the words one edit away
    (from ``near``, the field's deletion index) are ranked by whether they stand next to a
    neighbour of the query in some article, then by whether only the marks differ ("phảo" ->
    "pháo"), then by how many articles hold them. Past ``deadline`` (``time.perf_counter``),
    no more candidates are checked against the neighbours.
    """
    reader = searcher.reader()
    known = syllable in _known_syllables()
    keys = None if known else convert(syllable)
    if keys is not None and (reader.doc_frequency("body_s", keys) or reader.doc_frequency("title_s", keys)):
        return keys, True
    field = "body_s" if accented else "body_f"
    target = syllable if accented else fold_term(syllable)
    if near is None:
        near = Neighbours.of_field(reader, field, _MAX_CORRECTED)
    ranked: list[tuple[bool, int, str]] = []
    spelled: set[str] = set()  # tones of a real word that make a dictionary word with a neighbour
    for candidate in near.within_one(target):
        same_letters = fold_term(candidate) == fold_term(target)
        if accented and known and same_letters:
            # A real word is never "corrected" to another tone of itself, unless with a
            # neighbour that tone spells a word of the dictionary ("tham nhủng" -> "tham nhũng").
            if not _makes_word(left, candidate, right):
                continue
            spelled.add(candidate)
        ranked.append((same_letters, reader.doc_frequency(field, candidate), candidate))
    ranked.sort(reverse=True)
    stops = stopwords()
    best: tuple[bool, bool, bool, int, int, str] | None = None
    for same_letters, freq, candidate in ranked[:_CHECKED_CANDIDATES]:
        if deadline is not None and best is not None and time.perf_counter() >= deadline:
            break
        beside = _beside(searcher, left, candidate, accented) + _beside(searcher, candidate, right, accented)
        # a typo is rarely a function word ("giá vàg" is "giá vàng", not "giá và")
        key = (beside > 0, candidate not in stops, same_letters, beside, freq, candidate)
        if best is None or key[:5] > best[:5]:
            best = key
    if best is None or (known and not best[0]):
        return None
    # A real word the index lacks ("dê" on 42 articles) is rarely a typo: never sure, unless
    # its correction makes a dictionary word with a neighbour that articles hold side by side.
    return best[5], best[0] and (not known or best[5] in spelled)


def _makes_word(left: str | None, syllable: str, right: str | None) -> bool:
    """Whether ``syllable`` makes a word of pyvi's dictionary with a query neighbour."""
    return bool(left and is_dictionary_word((left, syllable))) or bool(right and is_dictionary_word((syllable, right)))


def _beside(searcher: Any, first: str | None, second: str | None, accented: bool, cap: int = 50) -> int:
    """In how many articles (up to ``cap``) ``first`` is directly followed by ``second``."""
    if not first or not second:
        return 0
    reader = searcher.reader()
    marked = accented and fold_term(first) != first and fold_term(second) != second
    field, pair = ("body_s", [first, second]) if marked else ("body_f", [fold_term(first), fold_term(second)])
    if not all(reader.doc_frequency(field, t) for t in pair):
        return 0
    return sum(1 for _ in itertools.islice(searcher.docs_for_query(wq.Phrase(field, pair)), cap))


def _stands_beside(searcher: Any, left: str | None, word: str, right: str | None, accented: bool) -> bool:
    """Whether ``word`` stands beside one of its query neighbours in some article (True when no
    neighbour is a word of the index: there is nothing to check it against)."""
    reader = searcher.reader()
    known = [n for n in (left, right) if n is not None and _in_index(reader, n, accented)]
    if not known:
        return True
    return _beside(searcher, left, word, accented, cap=1) + _beside(searcher, word, right, accented, cap=1) > 0


def _same_case(word: str, typed: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    return word[0].upper() + word[1:] if typed[:1].isupper() else word
