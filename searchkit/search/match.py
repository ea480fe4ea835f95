"""Which articles a query matches: all of its words, relaxed only when too few articles have them.

The free text's words (:class:`~searchkit.search.plan.Need`: a word in any spelling, a
syllable-pair word such as "chỉ đạo" as one, an organization name or its aliases as one,
``a OR b`` as one; stopwords left out) decide the result set; phrases, ``+required``,
``-excluded`` and field filters narrow it as they always do. Three modes:

* ``"all"``: every word.
* ``"any"``: any word (the plain OR of earlier versions; totals then count loose matches).
* ``"auto"`` (the default): every word; when fewer than :data:`MIN_RESULTS` articles hold
  them all, words are dropped (Meilisearch's "last" strategy: words no article holds first,
  then from the end of the query) until enough do. A natural-language question (more than
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

__all__ = ["LONG_QUERY", "LONG_QUERY_SHARE", "MIN_RESULTS", "Selection", "select"]

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
        relaxed: Words dropped from the end of the query (auto mode, few matches).
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

    >>> a, b = np.array([1, 1, 1, 0], bool), np.array([1, 0, 0, 1], bool)
    >>> s = select([a, b], ["a", "b"], np.ones(4, bool), "auto")
    >>> s.docs.tolist(), s.relaxed
    ([True, True, True, False], ('b',))
    """
    n = len(has)
    if n == 0:
        return Selection(base)
    if mode == "all":
        docs = base.copy()
        for h in has:
            docs &= h
        return Selection(docs)
    if n > LONG_QUERY or (question and n + required > 1):
        counts = np.zeros(len(base), dtype=np.int32)
        for h in has:
            counts += h
        # The required clauses count among the question's words: every allowed article holds them.
        most = max(math.ceil(LONG_QUERY_SHARE * (n + required)) - required, 0 if required else 1)
        options = [base & (counts >= k) for k in range(most, -1 if required else 0, -1)]
        i = _first_enough(options)
        return Selection(options[i], (), most - i)
    # Words no allowed article holds (a typo, a word the index lacks) go first, then from the end;
    # the words of an organization name go last, and one that some article holds never goes.
    held = [bool((base & has[j]).any()) for j in range(n)]
    org = [bool(keep[j]) if j < len(keep) else False for j in range(n)]
    order = sorted(range(n), key=lambda j: (not held[j], not org[j]))
    prefixes = [base & has[order[0]]]
    for j in order[1:]:
        prefixes.append(prefixes[-1] & has[j])
    options = prefixes[::-1] + ([base] if required else [])  # every word first, then one dropped, ...
    protected = sum(held[j] and org[j] for j in range(n))
    if protected:
        options = options[: n - protected + 1]
    i = _first_enough(options)
    return Selection(options[i], tuple(labels[j] for j in sorted(order[n - i :])))


def _first_enough(options: Sequence[np.ndarray]) -> int:
    """The first option (least relaxed) with at least MIN_RESULTS articles; failing that, the
    first with the most articles (relaxing further would find nothing more)."""
    sizes = [int(o.sum()) for o in options]
    for i, size in enumerate(sizes):
        if size >= MIN_RESULTS:
            return i
    return sizes.index(max(sizes))
