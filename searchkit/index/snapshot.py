"""One commit of an index, opened for reading: the searcher and what is derived from it.

A search, a highlight or an article lookup holds one :class:`Snapshot` from start to end, so
it sees one consistent generation even while another process commits; the index replaces its
current snapshot when a newer commit appears and closes the old one only once no call is using
it any more (see :meth:`searchkit.index.Index._snapshot`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Snapshot"]


class Snapshot:
    """A Whoosh searcher on one commit generation, with a cache of derived data.

    Attributes:
        searcher: The Whoosh searcher (valid while the snapshot is in use).
        generation: The commit generation it reads.
    """

    def __init__(self, searcher: Any, generation: int) -> None:
        self.searcher = searcher
        self.generation = generation
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """The value ``factory()`` made for this generation under ``key`` (made once)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = factory()
            return self._cache[key]

    def has(self, key: str) -> bool:
        """Whether a value is cached under ``key``."""
        with self._lock:
            return key in self._cache

    def acquire(self) -> None:
        """Mark the snapshot in use (call :meth:`release` when done)."""
        with self._lock:
            self._users += 1

    def release(self) -> None:
        """End one use; a retired snapshot closes when its last user leaves."""
        with self._lock:
            self._users -= 1
            close = self._retired and not self._users
        if close:
            self._close()

    def retire(self) -> None:
        """Close the snapshot as soon as nobody uses it (a newer one replaces it)."""
        with self._lock:
            self._retired = True
            close = not self._users
        if close:
            self._close()

    def _close(self) -> None:
        self._cache.clear()
        self.searcher.close()
