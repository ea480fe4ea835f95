"""The indexed words one edit away from a word, found with a few lookups (a deletion index).

Did-you-mean looks for the terms of a field within one edit (a letter changed, added, left
out, or two neighbouring letters swapped: the Damerau-Levenshtein distance Whoosh's
``terms_within`` computes on a multi-segment index) of an unknown word. Scanning the term table
for each word costs up to half a second on a few thousand articles; :class:`Neighbours` is
built once per commit generation (cached on the :class:`~searchkit.index.snapshot.Snapshot`)
and answers with ``len(word) + 1`` lookups, SymSpell-style: every term is filed under itself
and under each of its one-letter deletions, the word's own deletions are looked up, and the
terms found are checked for the exact distance (a shared deletion can hide two edits).

Memory: the deletion keys are kept as 64-bit hashes beside 32-bit term numbers in two sorted
NumPy arrays (12 bytes per key of a term, ``len(term) + 1`` keys), plus the list of terms.
Terms longer than ``max_length + 1`` characters, which no corrected word can reach, are left
out: about 140 bytes per term. Measured on the first 4,000 VNTC articles
(``benchmarks/suggest.py``): 14,359 marked syllables, 2.0 MB, built in 0.14 s; 10,066 unmarked
ones, 1.3 MB, 0.07 s. Estimated for 40,000 articles: the first 20,000 already hold 39,600
marked and 33,300 unmarked syllables (counted over the collection), so 40,000 should hold
about 75,000 and 65,000, about 10 MB and 9 MB (built in under a second). Only the field a
query needs is built, on its first correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["Neighbours", "within_one_edit"]


class Neighbours:
    """The terms of one field, filed under their one-letter deletions.

    Attributes:
        terms: The terms filed (at most ``max_length + 1`` characters each).
    """

    def __init__(self, terms: Iterable[str], max_length: int) -> None:
        self.terms = [t for t in terms if len(t) <= max_length + 1]
        keys = [_keys(t) for t in self.terms]
        hashes = np.fromiter((hash(k) for ks in keys for k in ks), dtype=np.int64)
        ids = np.repeat(np.arange(len(keys), dtype=np.int32), np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)))
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._ids = hashes[order], ids[order]

    @classmethod
    def of_field(cls, reader: Any, field: str, max_length: int) -> Neighbours:
        """The neighbours of a field's terms, read from the reader's lexicon."""
        return cls((t.decode("utf-8") for t in reader.lexicon(field)), max_length)

    @property
    def nbytes(self) -> int:
        """About how many bytes the structure holds (arrays, term list and its strings)."""
        strings = sum(49 + len(t.encode("utf-8")) if t.isascii() else 74 + 4 * len(t) for t in self.terms)
        return int(self._hashes.nbytes + self._ids.nbytes + 8 * len(self.terms) + strings)

    def within_one(self, word: str) -> list[str]:
        """The filed terms one edit away from ``word`` (not ``word`` itself), in term order."""
        wanted = np.array(sorted({hash(k) for k in _keys(word)}), dtype=np.int64)
        lo = np.searchsorted(self._hashes, wanted, side="left")
        hi = np.searchsorted(self._hashes, wanted, side="right")
        numbers = sorted({int(n) for a, b in zip(lo.tolist(), hi.tolist(), strict=True) for n in self._ids[a:b]})
        return [t for t in (self.terms[n] for n in numbers) if within_one_edit(word, t)]


def _keys(term: str) -> set[str]:
    """The term and its one-letter deletions."""
    return {term, *(term[:i] + term[i + 1 :] for i in range(len(term)))}


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``b`` differs from ``a`` by exactly one edit (change, insertion, deletion, swap)."""
    if a == b:
        return False
    la, lb = len(a), len(b)
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if abs(la - lb) != 1:
        return False
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]
