"""Searchers over the shards of a sharded index that score with the whole index's statistics.

Whoosh scores a term in one segment of a multi-segment index with the statistics of the
whole index: the segment's searcher has a *parent*, and :class:`whoosh.scoring.BM25F` takes
the inverse document frequency (document count, document frequency) and the average field
length from ``searcher.get_parent()``. A shard is scored the same way here: its searcher's
parent is :class:`WholeIndex`, the statistics of every segment of every shard, so the scores
equal those of one index holding all the articles, in searchkit's vectorised ranker (which
asks the searcher for ``idf`` and ``avg_field_length``) and in Whoosh's own scoring alike.

Two corrections to Whoosh 2.7.4 make that hold for a parent above the searcher's own tree:
Whoosh's ``get_parent`` goes one level up (a segment of a shard would reach the shard), and
its ``avg_field_length`` divides the parent's total length by the child's own document count.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from whoosh import scoring
from whoosh.reading import MultiReader
from whoosh.searching import Searcher

__all__ = ["ShardSearcher", "WholeIndex", "shard_searcher"]


class WholeIndex:
    """The statistics of all shards together, and a searcher over them (did-you-mean).

    Several shards score in threads at once and all read these term tables, which Whoosh
    does not guard: every read goes through :attr:`lock`. The readers (one per shard,
    opened for this object alone) stay open when it is dropped: close them yourself.
    """

    def __init__(self, readers: Sequence[Any]) -> None:
        leaves = [leaf for reader in readers for leaf, _ in reader.leaf_readers()]
        self.searcher = Searcher(MultiReader(leaves), weighting=scoring.BM25F(), closereader=False)
        self.lock = threading.RLock()
        self.schema = self.searcher.schema
        self._idf_cache: dict[tuple[str, bytes], float] = {}  # what a child searcher shares (Whoosh's idf cache)
        self._filter_cache: dict[Any, Any] = {}

    def get_parent(self) -> WholeIndex:
        return self

    def idf(self, fieldname: str, text: bytes) -> float:
        with self.lock:
            return float(self.searcher.idf(fieldname, text))

    def avg_field_length(self, fieldname: str, default: Any = None) -> Any:
        with self.lock:
            return self.searcher.avg_field_length(fieldname, default)

    def field_length(self, fieldname: str) -> Any:
        with self.lock:
            return self.searcher.field_length(fieldname)

    def max_field_length(self, fieldname: str) -> Any:
        with self.lock:
            return self.searcher.max_field_length(fieldname)

    def doc_count_all(self) -> int:
        return int(self.searcher.doc_count_all())

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        with self.lock:
            return int(self.searcher.doc_frequency(fieldname, text))


class ShardSearcher(Searcher):  # type: ignore[misc]
    """A searcher over one shard whose statistics are those of the top of its tree (see the module docs)."""

    def get_parent(self) -> Any:
        """The top of the searcher tree: the :class:`WholeIndex`."""
        parent = self.parent() if self.parent is not None else None
        return self if parent is None else parent.get_parent()

    def avg_field_length(self, fieldname: str, default: Any = None) -> Any:
        top = self.get_parent()
        if top is self:
            return super().avg_field_length(fieldname, default)
        return top.avg_field_length(fieldname, default)


def shard_searcher(reader: Any, whole: WholeIndex) -> ShardSearcher:
    """A BM25F searcher over one shard's ``reader`` scoring with ``whole``'s statistics. Keep
    ``whole`` alive while the searcher is used (Whoosh holds a parent by a weak reference).
    Closing the searcher closes ``reader``."""
    searcher = ShardSearcher(reader, weighting=scoring.BM25F(), parent=whole)
    searcher._filter_cache = {}  # its own: Whoosh would share the parent's
    return searcher
