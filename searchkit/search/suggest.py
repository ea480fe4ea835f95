"""Did-you-mean: a corrected query when few or no articles matched."""

from __future__ import annotations

import functools
import time
from typing import Any

from searchkit.errors import ModelError
from searchkit.search.plan import Plan
from searchkit.text.normalize import normalize
from searchkit.text.pyvi_model import pyvi_words_path
from searchkit.text.terms import fold_term

__all__ = ["MAX_CORRECTED_WORDS", "SUGGEST_BUDGET", "suggest"]

# Did-you-mean leaves longer syllables alone (the one-edit automaton of a 10,000-letter word
# takes seconds to run over the lexicon; the longest Vietnamese syllable has 7 letters).
_MAX_CORRECTED = 24
#: Did-you-mean corrects at most this many unknown words of a query (the first ones)...
MAX_CORRECTED_WORDS = 8
#: ...and looks for corrections for at most this long (seconds), so a query of many unknown
#: words costs a bounded time (each correction scans the term table, tens of ms on big indexes).
SUGGEST_BUDGET = 0.25


@functools.lru_cache(maxsize=1)
def _known_syllables() -> frozenset[str]:
    """Syllables of pyvi's word list: a correctly spelled syllable is never 'corrected'."""
    try:
        text = pyvi_words_path().read_text(encoding="utf-8")
    except (ModelError, OSError):
        return frozenset()
    return frozenset(normalize(s).lower() for line in text.splitlines() for s in line.split())


def suggest(searcher: Any, built: Plan) -> str | None:
    """Suggest a corrected query when some of its words are unknown to the index.

    Only words that occur in no article are corrected, to the closest known spelling (one
    edit; a tone variant of the same letters first); a correctly spelled word is never
    replaced by a word that differs from it only in tone. A syllable longer than
    :data:`_MAX_CORRECTED` characters is not a misspelling and is left as it is. Only the
    first :data:`MAX_CORRECTED_WORDS` unknown words are corrected, within
    :data:`SUGGEST_BUDGET` seconds; later ones are kept as typed.
    """
    reader = searcher.reader()
    field = "body_s" if built.accented else "body_f"
    changed = False
    words: list[str] = []
    attempts = 0
    deadline = time.perf_counter() + SUGGEST_BUDGET
    for unit in built.units:
        for syllable in unit.syllables if built.accented else unit.folded:
            best = syllable
            if unit.stop or len(syllable) > _MAX_CORRECTED or attempts >= MAX_CORRECTED_WORDS:
                words.append(best)
                continue
            unknown = reader.doc_frequency(field, syllable) == 0 and reader.doc_frequency("title" + field[4:], syllable) == 0
            if unknown and time.perf_counter() < deadline:
                attempts += 1
                best = _correct(reader, field, syllable, accented=built.accented) or syllable
            changed |= best != syllable
            words.append(best)
    return " ".join(words) if changed else None


def _correct(reader: Any, field: str, syllable: str, *, accented: bool) -> str | None:
    known = syllable in _known_syllables()
    best: tuple[bool, int, str] | None = None
    for candidate in reader.terms_within(field, syllable, 1):
        if candidate == syllable:
            continue
        same_letters = fold_term(candidate) == fold_term(syllable)
        if accented and known and same_letters:
            continue  # a real word is never "corrected" to another tone of itself
        # A misspelt tone ("phảo") is most likely meant as another tone of the same letters.
        key = (same_letters, reader.doc_frequency(field, candidate), candidate)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None
