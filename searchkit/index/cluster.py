"""Sharded indexes on a Dask cluster: indexing as Dask tasks, searching through Dask actors.

Dask distributed (``pip install searchkit[cluster]``) is imported only here, and only when a
cluster is used. :class:`Cluster` wraps a ``distributed.Client``:

* :meth:`Cluster.ingester` runs a shard's ingestion with Dask tasks in place of worker
  processes: each task analyzes a batch of articles and writes it as one segment into the
  shard's staging folder; the caller commits (:func:`ingest`);
* :meth:`Cluster.shards` starts one actor per shard (:class:`ShardActor`),
  spread over the workers; each keeps its shard open between searches and answers the rounds
  of :mod:`searchkit.search.sharded`.

The index folder must be reachable at the same path by the caller and every worker (a
shared file system), and every worker needs searchkit installed. searchkit never starts a
cluster: the caller passes an address (``tcp://host:8786``) or a ``Client``.

Indexing
--------
A shard's ingestion (:class:`searchkit.index.ingest.Ingestion`: digests, duplicates, commits)
runs in the caller as for a local index; only the building of segments moves to the cluster.
The articles of each commit window are cut into batches; each batch is one Dask task that
analyzes its articles and writes them as one segment into the shard's staging folder (on the
shared file system), and returns the segment's description. The window is committed once all
its tasks are done, in order.

A worker that dies while building is the scheduler's to handle: it runs the task again
elsewhere (up to ``distributed.scheduler.allowed-failures`` times), and the segment file the
dead worker left half-written is never committed (the staging folder is cleared at the end of
the call). A task that fails ends the call with one line; what was committed stays.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searchkit.documents.article import Article
from searchkit.errors import ClusterError, SearchKitError
from searchkit.index.ingest import Ingestion
from searchkit.index.shards import ShardServer, Views
from searchkit.index.writing import BuiltSegment
from searchkit.search.match import Choice, WordCounts
from searchkit.search.results import Hit
from searchkit.search.sharded import Request, ShardRanking

if TYPE_CHECKING:
    from searchkit.index.index import Index
    from searchkit.index.reports import IndexReport

__all__ = ["BATCH", "CONNECT_TIMEOUT", "Cluster", "ClusterShards", "ShardActor", "build_segment", "ingest"]

#: Seconds to wait for the scheduler when connecting to an address.
CONNECT_TIMEOUT = 10.0


def _distributed() -> Any:
    """The ``distributed`` package, imported on first use."""
    try:
        import distributed
    except ImportError as e:
        raise ClusterError('searching or indexing on a cluster needs Dask: pip install "searchkit[cluster]"') from e
    return distributed


class Cluster:
    """A Dask cluster used by searchkit (make it with :meth:`connect`)."""

    def __init__(self, client: Any, owned: bool) -> None:
        self.client = client
        self._owned = owned  # made from an address here: closed with the index

    @classmethod
    def connect(cls, cluster: Any, *, timeout: float | None = None) -> Cluster:
        """Connect to a scheduler address, or take a ``distributed.Client`` as it is.

        Raises:
            ClusterError: Dask is not installed, the scheduler cannot be reached, or ``cluster``
                is neither an address nor a client.
        """
        if isinstance(cluster, Cluster):
            return cluster
        distributed = _distributed()
        if isinstance(cluster, distributed.Client):
            return cls(cluster, owned=False)
        if not isinstance(cluster, str):
            raise ClusterError(f"cluster must be a scheduler address such as tcp://host:8786 or a distributed.Client, not {type(cluster).__name__}")
        try:
            client = distributed.Client(cluster, timeout=CONNECT_TIMEOUT if timeout is None else timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ClusterError(f"cannot reach the Dask scheduler at {cluster} ({type(e).__name__}: {e})".rstrip()) from e
        return cls(client, owned=True)

    def workers(self) -> list[str]:
        """The addresses of the cluster's workers, sorted.

        Raises:
            ClusterError: The cluster has no worker.
        """
        found = sorted(self.client.scheduler_info().get("workers", {}))
        if not found:
            raise ClusterError("the Dask cluster has no worker: start some with: dask worker tcp://SCHEDULER:8786")
        return found

    def ingester(self, commit_every: int) -> Callable[[Index, Iterator[Article]], IndexReport]:
        """A function that ingests a stream of articles into a shard with this cluster's tasks."""
        self.workers()

        def run(shard: Index, stream: Iterator[Article]) -> IndexReport:
            return ingest(self, shard, stream, commit_every)

        return run

    def shards(self, path: Path, count: int) -> ClusterShards:
        """Start one actor per shard of the index at ``path``, spread over the workers."""
        workers = self.workers()
        futures = [
            self.client.submit(ShardActor, str(path), i, count, actor=True, workers=[w], pure=False)
            for i, w in zip(range(count), itertools.cycle(workers), strict=False)
        ]
        try:
            with self.client.as_current():  # an actor binds to the current client when it arrives
                actors = [f.result() for f in futures]
        except Exception as e:
            raise ClusterError(f"cannot open the shards on the cluster's workers: {_one_line(e)}") from e
        return ClusterShards(actors, futures)

    def release(self, shards: ClusterShards) -> None:
        """Let the actors go (and close the connection this object opened)."""
        shards.futures.clear()
        shards.actors.clear()
        if self._owned:
            self.client.close()


class ClusterShards:
    """The shards of an index as Dask actors (the :class:`~searchkit.search.sharded.Shards` of a cluster)."""

    def __init__(self, actors: list[Any], futures: list[Any]) -> None:
        self.actors = actors
        self.futures = futures  # held: an actor lives while its future does

    def count(self, token: str, request: Request) -> list[WordCounts | None]:
        return self._all([a.count(token, request) for a in self.actors], token)

    def rank(self, token: str, choice: Choice | None, request: Request | None = None) -> list[ShardRanking]:
        return self._all([a.rank(token, choice, request) for a in self.actors], token)

    def fetch(self, token: str, picks: Mapping[int, Sequence[tuple[int, float]]]) -> dict[int, list[Hit]]:
        found = self._all([a.fetch(token, list(picks.get(i, ()))) for i, a in enumerate(self.actors)], token)
        return {i: hits for i, hits in enumerate(found) if i in picks}

    def _all(self, calls: list[Any], token: str) -> list[Any]:
        try:
            return [c.result() for c in calls]
        except SearchKitError:
            self._close(token)
            raise
        except Exception as e:
            self._close(token)
            raise ClusterError(f"a shard's worker failed: {_one_line(e)}; open the index again") from e

    def _close(self, token: str) -> None:
        for a in self.actors:
            try:
                a.close(token).result()
            except Exception:  # the worker may be gone
                continue


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": ")

# -- the shards on the workers ------------------------------------------------------------------


class ShardActor:
    """Shard ``shard`` of the ``shards``-shard index at ``path``, kept open on a worker between
    searches (a new commit is opened at the next search). Its methods are the rounds of
    :class:`~searchkit.index.shards.ShardServer`."""

    def __init__(self, path: str, shard: int, shards: int) -> None:
        self._views = Views(Path(path), shards)
        self._server = ShardServer(self._views, shard)

    def count(self, token: str, request: Request) -> WordCounts | None:
        return self._server.count(token, request)

    def rank(self, token: str, choice: Choice | None, request: Request | None = None) -> ShardRanking:
        return self._server.rank(token, choice, request)

    def fetch(self, token: str, picks: Sequence[tuple[int, float]]) -> list[Hit]:
        return self._server.fetch(token, picks)

    def close(self, token: str) -> None:
        self._server.close(token)

# -- indexing -----------------------------------------------------------------------------------

#: Articles written by one task (one segment).
BATCH = 500


def build_segment(folder: str, indexname: str, articles: Sequence[Article]) -> BuiltSegment:
    """Analyze ``articles`` and write them as one segment in ``folder``'s staging folder (a Dask task)."""
    from searchkit.index.writing import SegmentBuilder, prepare

    builder = SegmentBuilder(folder, indexname)
    try:
        for article in articles:
            builder.add(prepare(article))
        return builder.finish()
    except BaseException:
        builder.cancel()
        raise


def ingest(cluster: Cluster, shard: Index, stream: Iterator[Article], commit_every: int) -> IndexReport:
    """Add ``stream`` to ``shard`` (an unsharded :class:`~searchkit.Index`), its segments built by ``cluster``."""
    ingestion = _ClusterIngestion(
        shard._ix, shard._path, "MAIN", new_writer=shard._writer, touch=shard._touch, workers=0, commit_every=commit_every,
    )
    ingestion.cluster = cluster
    with shard._writing():
        return ingestion.run(stream, None)


class _ClusterIngestion(Ingestion):
    cluster: Cluster

    def builders(self) -> Any:
        return _TaskBuilders(self.cluster, str(self.path), self.index_name)


@dataclass
class _Window:
    """The articles of one commit and the tasks writing them (as searchkit.index.workers.Window)."""

    digests: dict[str, str] = field(default_factory=dict)
    futures: list[Any] = field(default_factory=list)
    _built: list[BuiltSegment] = field(default_factory=list)

    def segments(self) -> list[BuiltSegment]:
        return self._built


class _TaskBuilders:
    """The builders of :class:`~searchkit.index.ingest.Ingestion` as Dask tasks (the interface of
    :class:`searchkit.index.workers.Workers`: ``add``, ``finish``, ``ready``, ``close``)."""

    def __init__(self, cluster: Cluster, folder: str, indexname: str) -> None:
        self._client = cluster.client
        self._folder = folder
        self._indexname = indexname
        self._articles: dict[str, Article] = {}  # the window being filled; an id again keeps the last copy
        self._windows: deque[_Window] = deque()

    def add(self, art: Article) -> None:
        self._articles.pop(art.id, None)
        self._articles[art.id] = art

    def finish(self) -> None:
        arts = list(self._articles.values())
        self._articles = {}
        if not arts:
            return
        window = _Window({a.id: a.digest for a in arts})
        for start in range(0, len(arts), BATCH):
            window.futures.append(
                self._client.submit(build_segment, self._folder, self._indexname, arts[start : start + BATCH], pure=False)
            )
        self._windows.append(window)

    def ready(self, wait: bool = False) -> list[_Window]:
        out: list[_Window] = []
        while self._windows and (wait or all(f.done() for f in self._windows[0].futures)):
            window = self._windows.popleft()
            try:
                window._built = [f.result() for f in window.futures]
            except Exception as e:
                self._windows.appendleft(window)
                lines = str(e).strip().splitlines()
                raise ClusterError(f"a Dask task writing a segment failed: {type(e).__name__}: {lines[0] if lines else ''}") from e
            out.append(window)
        return out

    def close(self) -> None:
        for window in self._windows:
            for f in window.futures:
                f.cancel()
        self._windows.clear()
