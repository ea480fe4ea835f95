"""The layout of a sharded index, and searching its shards from one process.

A sharded index is a folder holding a manifest, :data:`SHARDS_MANIFEST`, and one ordinary
searchkit index per shard in ``shard-000``, ``shard-001``, ... An article lives in the shard
:func:`shard_of` its id names (a stable hash: the same id goes to the same shard on every
machine, in every run). The manifest records its format, the number of shards and the routing.

Searching reads one commit of every shard together (:class:`ShardedView`): each shard's
searcher scores with the statistics of all shards (see :mod:`searchkit._whoosh.shards`), and
:class:`ShardServer` answers the rounds of :mod:`searchkit.search.sharded` for one shard, in
this process (:class:`LocalShards`, a thread per shard) or as a Dask actor on a worker
(:mod:`searchkit.index.cluster`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchkit._whoosh.mapped import open_index
from searchkit.errors import IndexCorruptError, IndexVersionError, SearchKitError
from searchkit.index.snapshot import Snapshot
from searchkit.index.storage import latest_generation

if TYPE_CHECKING:  # (the sharded search is imported when a sharded index is opened)
    from searchkit.search.match import Choice, WordCounts
    from searchkit.search.results import Hit
    from searchkit.search.sharded import Request, ShardQuery, ShardRanking

__all__ = [
    "MAX_SHARDS",
    "SHARDS_FORMAT",
    "SHARDS_MANIFEST",
    "LocalShards",
    "ShardServer",
    "ShardedView",
    "Views",
    "is_sharded",
    "read_shards_manifest",
    "shard_folder",
    "shard_of",
]

#: The manifest of a sharded index (the shards hold ordinary ``searchkit.json`` manifests).
SHARDS_MANIFEST = "searchkit-shards.json"
#: The layout version of a sharded index (manifest, folder names, routing).
SHARDS_FORMAT = 1
#: The routing written into the manifest: the only one there is.
ROUTING = "blake2b-64(id utf-8) mod shards"
#: Most shards an index may have.
MAX_SHARDS = 1024
_INDEX_NAME = "MAIN"  # the Whoosh index name inside every shard (as searchkit.index.index)
_OPEN_QUERIES = 64  # queries a shard server keeps between rounds (the oldest is dropped)


def shard_of(article_id: str, shards: int) -> int:
    """The shard that holds ``article_id`` in an index of ``shards`` shards.

    >>> shard_of("haiphong/bcd35.txt", 4), shard_of("haiphong/bcd35.txt", 4) == shard_of("haiphong/bcd35.txt", 4)
    (0, True)
    """
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_folder(path: Path, shard: int) -> Path:
    """The folder of shard number ``shard`` of the sharded index at ``path``."""
    return path / f"shard-{shard:03d}"


def is_sharded(path: Path) -> bool:
    """Whether ``path`` holds a sharded index (its manifest)."""
    return (path / SHARDS_MANIFEST).is_file()


def read_shards_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the sharded index at ``path``, checked.

    Raises:
        IndexVersionError: Another layout version or routing.
        IndexCorruptError: The manifest cannot be read.
    """
    try:
        manifest = json.loads((path / SHARDS_MANIFEST).read_text(encoding="utf-8"))
        shards = int(manifest["shards"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise IndexCorruptError(f"the manifest {path / SHARDS_MANIFEST} cannot be read ({e})") from e
    if manifest.get("format") != SHARDS_FORMAT or manifest.get("routing") != ROUTING or not 1 <= shards <= MAX_SHARDS:
        raise IndexVersionError(
            f"sharded index at {path} has layout {manifest.get('format')} (routing {manifest.get('routing')!r}); "
            f"this searchkit reads layout {SHARDS_FORMAT}: rebuild it"
        )
    return dict(manifest)


def shards_manifest(shards: int, now: str, version: str) -> dict[str, Any]:
    """A new sharded index's manifest."""
    return {"format": SHARDS_FORMAT, "shards": shards, "routing": ROUTING, "searchkit": version, "created": now}


def generations(path: Path, shards: int) -> tuple[int, ...]:
    """The latest commit generation of every shard."""
    return tuple(latest_generation(shard_folder(path, i), _INDEX_NAME) for i in range(shards))


class ShardedView:
    """One commit of every shard, opened for searching.

    ``whole`` is a searcher over all of them (statistics, did-you-mean); :meth:`snapshot`
    gives shard ``i``'s snapshot, whose searcher scores with ``whole``'s statistics (opened
    on first use: a worker opens only its own shards' postings). The view is used under
    :meth:`acquire` / :meth:`release` and closes once retired and unused.
    """

    def __init__(self, path: Path, shards: int) -> None:
        from searchkit._whoosh.shards import WholeIndex

        self.path = path
        self._indexes = [_open_whoosh(shard_folder(path, i)) for i in range(shards)]
        readers: list[Any] = []
        try:
            for ix in self._indexes:
                readers.append(_reader(ix, path))
        except BaseException:
            for r in readers:
                r.close()
            raise
        self.generations = tuple(r.generation() for r in readers)
        self._readers = readers
        self.whole = WholeIndex(readers)
        self._snapshots: dict[int, Snapshot] = {}
        self._cache: dict[str, Any] = {}
        self._users = 0
        self._retired = False
        self._state = threading.Lock()

    def snapshot(self, shard: int) -> Snapshot:
        """Shard ``shard``'s snapshot in this view (its searcher keeps ``whole`` alive)."""
        from searchkit._whoosh.shards import shard_searcher

        with self._state:
            snap = self._snapshots.get(shard)
            if snap is None:
                # (the latest commit: it differs from the one of ``whole`` only while a shard commits)
                reader = _reader(self._indexes[shard], self.path)
                snap = Snapshot(shard_searcher(reader, self.whole), self.generations[shard])
                snap.cached("whole", lambda: self.whole)  # the searcher holds its parent weakly
                snap.acquire()
                self._snapshots[shard] = snap
            return snap

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """A value derived from this view, made once (for the did-you-mean structures)."""
        with self.whole.lock:
            if key not in self._cache:
                self._cache[key] = factory()
            return self._cache[key]

    def acquire(self) -> None:
        with self._state:
            self._users += 1

    def release(self) -> None:
        with self._state:
            self._users -= 1
            close = self._retired and not self._users
        if close:
            self._close()

    def retire(self) -> None:
        with self._state:
            self._retired = True
            close = not self._users
        if close:
            self._close()

    def _close(self) -> None:
        for snap in self._snapshots.values():
            snap.retire()
            snap.release()
        self._cache.clear()
        for r in self._readers:
            r.close()


class Views:
    """The current :class:`ShardedView` of a sharded index, replaced when a shard commits."""

    def __init__(self, path: Path, shards: int) -> None:
        self.path = path
        self.shards = shards
        self._current: ShardedView | None = None
        self._lock = threading.Lock()

    def acquire(self) -> ShardedView:
        """The view of the latest commits, acquired: release it when done."""
        with self._lock:
            current = self._current
            if current is None or current.generations != generations(self.path, self.shards):
                fresh = ShardedView(self.path, self.shards)
                if current is not None:
                    current.retire()
                self._current = current = fresh
            current.acquire()
            return current

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.retire()
                self._current = None


class ShardServer:
    """Answers the rounds of a sharded search (:mod:`searchkit.search.sharded`) for one shard.

    Each query is opened by :meth:`count` under a token and closed by :meth:`fetch` (or
    dropped once :data:`_OPEN_QUERIES` newer ones are open); between the rounds it holds its
    view, so all three rounds read the same commits.
    """

    def __init__(self, views: Views, shard: int) -> None:
        self._views = views
        self.shard = shard
        self._open: OrderedDict[str, tuple[ShardQuery, ShardedView]] = OrderedDict()
        self._lock = threading.Lock()

    def count(self, token: str, request: Request) -> WordCounts | None:
        """Round 1: open the query ``token`` and count its words."""
        return self._open_query(token, request).counts()

    def _open_query(self, token: str, request: Request) -> ShardQuery:
        from searchkit.search.sharded import ShardQuery

        view = self._views.acquire()
        try:
            query = ShardQuery(view.snapshot(self.shard), view.whole, request)
        except BaseException:
            view.release()
            raise
        with self._lock:
            self._open[token] = (query, view)
            while len(self._open) > _OPEN_QUERIES:
                _, (_, old) = self._open.popitem(last=False)
                old.release()
        return query

    def rank(self, token: str, choice: Choice | None, request: Request | None = None) -> ShardRanking:
        """Round 2 (opening the query first when given its ``request``)."""
        query = self._open_query(token, request) if request is not None else self._query(token)
        return query.rank(choice)

    def fetch(self, token: str, picks: Sequence[tuple[int, float]]) -> list[Hit]:
        """Round 3: the hits ``picks`` with their snippets; closes the query."""
        try:
            return self._query(token).hits(picks) if picks else []
        finally:
            self.close(token)

    def close(self, token: str) -> None:
        """Forget query ``token`` (nothing happens if it is not open)."""
        with self._lock:
            found = self._open.pop(token, None)
        if found is not None:
            found[1].release()

    def _query(self, token: str) -> ShardQuery:
        with self._lock:
            found = self._open.get(token)
        if found is None:
            raise SearchKitError("the search was interrupted on a shard (too many searches at once); run it again")
        return found[0]


class LocalShards:
    """The shards of a sharded index searched in this process, a thread per shard."""

    def __init__(self, views: Views) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._servers = [ShardServer(views, i) for i in range(views.shards)]
        self._pool = ThreadPoolExecutor(max_workers=min(views.shards, 8), thread_name_prefix="searchkit-shard")

    def count(self, token: str, request: Request) -> list[WordCounts | None]:
        return self._all(lambda s: s.count(token, request), token)

    def rank(self, token: str, choice: Choice | None, request: Request | None = None) -> list[ShardRanking]:
        return self._all(lambda s: s.rank(token, choice, request), token)

    def fetch(self, token: str, picks: Mapping[int, Sequence[tuple[int, float]]]) -> dict[int, list[Hit]]:
        found = self._all(lambda s: s.fetch(token, picks.get(s.shard, ())), token)
        return {i: hits for i, hits in enumerate(found) if i in picks}

    def _all(self, call: Callable[[ShardServer], Any], token: str) -> list[Any]:
        futures = [self._pool.submit(call, s) for s in self._servers]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for s in self._servers:
                s.close(token)
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _open_whoosh(folder: Path) -> Any:
    if latest_generation(folder, _INDEX_NAME) < 0:
        raise IndexCorruptError(f"shard {folder} is missing: rebuild the index")
    try:
        return open_index(str(folder), _INDEX_NAME)
    except (ImportError, AttributeError) as e:
        raise IndexVersionError(f"shard {folder} cannot be read ({e}): rebuild the index") from e
    except Exception as e:
        raise IndexCorruptError(f"shard {folder} is damaged ({type(e).__name__}: {e}): rebuild the index") from e


def _reader(ix: Any, path: Path) -> Any:
    """A reader of ``ix``'s latest commit, retried while a commit removes the files of the one just found."""
    for attempt in range(10):
        try:
            return ix.reader()
        except FileNotFoundError:
            time.sleep(0.01 * (attempt + 1))
    raise SearchKitError(f"index at {path} changes too fast to be read; try again")
