"""Which articles a query matches: all of its words, relaxed only when too few articles have them.

The free text's words (:class:`~searchkit.search.plan.Need`: a word in any spelling, its
syllables side by side ("chỉ đạo" as one word, not "chỉ" and "đạo" anywhere), an
organization, province or city name or its aliases as one, ``a OR b`` as one; stopwords
left out) decide the result set; phrases, ``+required``,
``-excluded`` and field filters narrow it as they always do. Three modes:

* ``"all"``: every word.
* ``"any"``: any word (the plain OR of earlier versions; totals then count loose matches).
* ``"auto"`` (the default): every word; when fewer than :data:`MIN_RESULTS` articles hold
  them all, words are dropped (Meilisearch's "frequency" strategy: words no article holds
  first, then bare numbers, then the most common; codes after the other words, names last,
  and only when keeping them finds nothing) until enough do. A natural-language question (more than
  :data:`LONG_QUERY` words, or a question: a "?" or a question word such as "gì", "nào")
  needs only :data:`LONG_QUERY_SHARE` of its words (Elasticsearch's ``minimum_should_match``),
  and that minimum is lowered the same way. What was given up is reported
  (:attr:`~searchkit.search.SearchResults.relaxed`, ``min_words``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from searchkit.search.results import MatchMode

__all__ = ["LONG_QUERY", "LONG_QUERY_SHARE", "MAX_COMBINED_WORDS", "MIN_RESULTS", "Choice", "Selection", "WordCounts", "choose", "select"]

#: In ``"auto"`` mode, fewer articles than this holding every word relaxes the query.
MIN_RESULTS = 3
#: A query of more words than this is a question (as is one with "?" or a question word).
LONG_QUERY = 6
#: The share of a question's words an article must hold (rounded up); chosen on the first
#: half of the ALQAC dev questions, see benchmarks/quality.py.
LONG_QUERY_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Selection:
    """The matching articles and what the query gave up to find them.

    Attributes:
        docs: Which articles match, as a boolean array over document numbers.
        relaxed: Words dropped, most common first (auto mode, few matches).
        min_words: How many of the query's words each article holds at least, when fewer
            than all are needed (a long question); None otherwise.
    """

    docs: np.ndarray
    relaxed: tuple[str, ...] = ()
    min_words: int | None = None


def select(
    has: Sequence[np.ndarray],
    labels: Sequence[str],
    base: np.ndarray,
    mode: MatchMode,
    *,
    required: int = 0,
    question: bool = False,
    keep: Sequence[bool] = (),
) -> Selection:
    """Choose the result set from which articles hold each word (``has``, in query order).

    The choice is made from :class:`WordCounts` (:func:`choose`) and then applied
    (:meth:`Choice.apply`): a sharded index adds up the counts of its shards, chooses once,
    and applies the choice on every shard.

    Args:
        has: For each word, a boolean array: the articles holding it.
        labels: The words as shown (for :attr:`Selection.relaxed`).
        base: The articles the rest of the query allows (phrases, filters, exclusions).
        mode: ``"all"`` or ``"auto"`` (``"any"`` is the scoring clauses' union, computed elsewhere).
        required: How many words the query's required clauses hold (phrases, ``title:``,
            ``+word``): every allowed article holds them, so they count among a question's
            words; when there are some, relaxing may drop every free word.
        question: The query is worded as a question: a share of its words is enough.
        keep: For each word, whether it is part of an organization name the query typed:
            such a word that some allowed article holds is never dropped, and other words
            go before it.

    >>> a, b = np.array([1, 1, 1, 1, 0], bool), np.array([1, 0, 1, 0, 1], bool)
    >>> s = select([a, b], ["a", "b"], np.ones(5, bool), "auto")  # 2 articles hold both: "a" is the commoner
    >>> s.docs.tolist(), s.relaxed
    ([True, False, True, False, True], ('a',))
    """
    counts = WordCounts.of(has, base)
    return choose(counts, labels, mode, required=required, question=question, keep=keep).apply(has, base)


#: Up to this many words, :class:`WordCounts` counts every combination of them.
MAX_COMBINED_WORDS = LONG_QUERY


@dataclass(frozen=True, slots=True)
class WordCounts:
    """How many allowed articles hold which of a query's words: all a choice needs to know.

    Counts of disjoint sets of articles (the shards of an index) add up with ``+``.

    Attributes:
        by_count: ``by_count[k]``: allowed articles holding exactly ``k`` of the words.
        by_mask: Up to :data:`MAX_COMBINED_WORDS` words, ``by_mask[m]``: allowed articles
            holding exactly the words of bit mask ``m`` (bit ``j``: word ``j``); else None.
    """

    by_count: np.ndarray
    by_mask: np.ndarray | None

    @classmethod
    def of(cls, has: Sequence[np.ndarray], base: np.ndarray) -> WordCounts:
        """Count the articles of ``base`` by the words of ``has`` they hold."""
        n = len(has)
        if n > MAX_COMBINED_WORDS:
            held = np.zeros(len(base), dtype=np.int32)
            for h in has:
                held += h
            return cls(np.bincount(held[base], minlength=n + 1), None)
        masks = np.zeros(len(base), dtype=np.uint8)
        for j, h in enumerate(has):
            masks |= h.astype(np.uint8) << j
        by_mask = np.bincount(masks[base], minlength=1 << n)
        by_count = np.bincount(_POPCOUNT[: 1 << n], weights=by_mask, minlength=n + 1).astype(np.int64)
        return cls(by_count, by_mask)

    def __add__(self, other: WordCounts) -> WordCounts:
        masks = None if self.by_mask is None or other.by_mask is None else self.by_mask + other.by_mask
        return WordCounts(self.by_count + other.by_count, masks)

    @property
    def words(self) -> int:
        """How many words were counted."""
        return len(self.by_count) - 1

    def holding(self, words: Sequence[int]) -> int:
        """How many allowed articles hold every word of ``words`` (indices)."""
        if self.by_mask is None:
            raise ValueError("combinations are only counted up to MAX_COMBINED_WORDS words")
        want = sum(1 << j for j in words)
        return int(self.by_mask[(np.arange(len(self.by_mask)) & want) == want].sum())


_POPCOUNT = np.array([bin(m).count("1") for m in range(1 << MAX_COMBINED_WORDS)], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Choice:
    """Which articles a query keeps, decided from :class:`WordCounts` (see :func:`choose`).

    Attributes:
        words: The indices of the words every kept article holds (None: see ``least``).
        least: When ``words`` is None, how many of the words every kept article holds.
        relaxed: The words dropped, as shown.
        min_words: As :attr:`Selection.min_words`.
    """

    words: tuple[int, ...] | None
    least: int = 0
    relaxed: tuple[str, ...] = ()
    min_words: int | None = None

    def apply(self, has: Sequence[np.ndarray], base: np.ndarray) -> Selection:
        """The articles of ``base`` this choice keeps, by the words of ``has`` they hold."""
        if self.words is None:
            counts = np.zeros(len(base), dtype=np.int32)
            for h in has:
                counts += h
            docs = base & (counts >= self.least) if self.least else base.copy()
        else:
            docs = base.copy()
            for j in self.words:
                docs &= has[j]
        return Selection(docs, self.relaxed, self.min_words)


def choose(
    counts: WordCounts,
    labels: Sequence[str],
    mode: MatchMode,
    *,
    required: int = 0,
    question: bool = False,
    keep: Sequence[bool] = (),
) -> Choice:
    """Decide which articles a query keeps (arguments as in :func:`select`).

    >>> counts = WordCounts.of([np.array([1, 1, 1, 1, 0], bool), np.array([1, 0, 1, 0, 1], bool)], np.ones(5, bool))
    >>> choose(counts, ["a", "b"], "auto")
    Choice(words=(1,), least=0, relaxed=('a',), min_words=None)
    """
    n = counts.words
    if n == 0:
        return Choice(())
    if mode == "all":
        return Choice(tuple(range(n)))
    if n > LONG_QUERY or (question and n + required > 1):
        # The required clauses count among the question's words: every allowed article holds them.
        most = max(math.ceil(LONG_QUERY_SHARE * (n + required)) - required, 0 if required else 1)
        at_least = np.cumsum(counts.by_count[::-1])[::-1]  # at_least[k]: articles holding k words or more
        sizes = [int(at_least[k]) for k in range(most, -1 if required else 0, -1)]
        i = _first_enough(sizes)
        return Choice(None, most - i, (), most - i)
    # Words no allowed article holds (a typo, a word the index lacks) go first, then bare numbers
    # and years ("2013" says little without its law), then the most common words (they say least
    # about what is sought); codes ("35-NQ/TW": digits and letters) go after the other words,
    # the words of a name last, and one that some article holds only when keeping every such
    # name finds nothing.
    df = [counts.holding([j]) for j in range(n)]
    held = [d > 0 for d in df]
    org = [bool(keep[j]) if j < len(keep) else False for j in range(n)]
    coded = [any(c.isdigit() for c in labels[j]) and any(c.isalpha() for c in labels[j]) for j in range(n)]
    bare = [not any(c.isalpha() for c in labels[j]) for j in range(n)]
    order = sorted(range(n), key=lambda j: (not held[j], not org[j], not coded[j], bare[j], df[j]))
    sizes = [counts.holding(order[:size]) for size in range(n, 0, -1)]  # every word first, then one dropped, ...
    if required:
        sizes.append(int(counts.by_count.sum()))  # (no word at all: every allowed article)
    protected = sum(held[j] and org[j] for j in range(n))
    if protected and any(sizes[: n - protected + 1]):
        sizes = sizes[: n - protected + 1]
    i = _first_enough(sizes)
    return Choice(tuple(order[: n - i]), 0, tuple(labels[j] for j in sorted(order[n - i :])))


def _first_enough(sizes: Sequence[int]) -> int:
    """The first option (least relaxed) with at least MIN_RESULTS articles; failing that, the
    first with the most articles (relaxing further would find nothing more)."""
    for i, size in enumerate(sizes):
        if size >= MIN_RESULTS:
            return i
    return sizes.index(max(sizes))
