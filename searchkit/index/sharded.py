"""A sharded index: N ordinary searchkit indexes behind one :class:`~searchkit.Index`.

:meth:`Index.create(path, shards=N) <searchkit.Index.create>` makes one; :meth:`Index.open
<searchkit.Index.open>` opens either kind. Every call of :class:`~searchkit.Index` works on it
and answers as one index of the same articles would (see :mod:`searchkit.search.sharded` for
searching, :mod:`searchkit.index.shards` for the layout):

* ``add`` / ``add_path`` read the input once in the calling thread and route every article
  to its shard (:func:`~searchkit.index.shards.shard_of`); each shard runs its own ingestion
  (digests, duplicates, commits every ``commit_every`` articles) in a thread of its own, with
  worker processes here or, given a cluster, Dask tasks (:mod:`searchkit.index.cluster`). A shard's
  commits are its own: a crash loses at most each shard's articles since its last commit,
  and running the same call again completes the work.
* ``delete_many`` deletes in each shard holding some of the ids, one commit per shard.
* ``search`` and ``organizations(query=...)`` run on every shard at once: threads here, or
  the workers of a cluster (``Index.open(path, cluster=...)``); ``article``, ``highlight``,
  ``ids``, ``stats`` and ``len`` read the shards from this process.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import queue
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from searchkit._version import __version__
from searchkit.documents.article import Article
from searchkit.documents.files import Rejected
from searchkit.errors import ArgumentError, DocumentError, IndexNotFoundError, SearchKitError
from searchkit.index.index import Index, _iter_paths, _live_docnums
from searchkit.index.ingest import _articles
from searchkit.index.reports import FileReport, IndexReport, IndexStats, Tally
from searchkit.index.shards import (
    MAX_SHARDS,
    SHARDS_MANIFEST,
    LocalShards,
    Views,
    is_sharded,
    read_shards_manifest,
    shard_folder,
    shard_of,
    shards_manifest,
)
from searchkit.search.engine import DateArgument, highlight_article
from searchkit.search.facets import FacetTable, top_values
from searchkit.search.results import FacetValue, Highlighted, MatchMode, SearchResults, SortOrder
from searchkit.search.sharded import Request, Shards, search_shards

__all__ = ["ShardedIndex"]

_QUEUED = 512  # articles waiting for a shard's ingestion before the reader waits
_END, _ABORT = object(), object()


class ShardedIndex(Index):
    """An index split into shards (see the module docs); made by :meth:`Index.create` with
    ``shards`` and opened by :meth:`Index.open`, never directly.

    >>> import tempfile
    >>> with Index.create(tempfile.mkdtemp(), shards=3) as ix:
    ...     _ = ix.add([{"id": f"a{n}", "title": "Ban Chỉ đạo 35", "body": f"Họp lần {n}."} for n in range(5)], workers=0)
    ...     (type(ix).__name__, len(ix), ix.search("ban chi dao", limit=2).total)
    ('ShardedIndex', 5, 5)
    """

    def __init__(self, path: Path, manifest: dict[str, Any], shards: list[Index], cluster: Any = None) -> None:
        self._path = path
        self._manifest = manifest
        self._shards = shards
        self._views = Views(path, len(shards))
        self._cluster = cluster  # a searchkit.index.cluster.Cluster, or None
        self._fanout: Shards | None = None
        self._reading = threading.RLock()

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def create_sharded(cls, path: str | os.PathLike[str], shards: int, *, overwrite: bool = False) -> ShardedIndex:
        """Create an empty sharded index (see :meth:`Index.create`)."""
        if isinstance(shards, bool) or not isinstance(shards, int) or not 1 <= shards <= MAX_SHARDS:
            raise ArgumentError(f"shards must be an integer from 1 to {MAX_SHARDS}, not {shards!r}")
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise SearchKitError(f"cannot create an index at {folder}: it is a file, not a folder")
        if is_sharded(folder):
            if not overwrite:
                raise SearchKitError(f"an index already exists at {folder} (use overwrite to replace it)")
            _remove_sharded(folder)
        elif folder.exists() and any(folder.iterdir()):
            what = "an index" if (folder / "searchkit.json").exists() else "other files"
            raise SearchKitError(f"{folder} holds {what}: a sharded index needs a folder of its own")
        made = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            indexes = [Index.create(shard_folder(folder, i)) for i in range(shards)]
            now = datetime.now(UTC).isoformat(timespec="seconds")
            _write_json(folder / SHARDS_MANIFEST, shards_manifest(shards, now, __version__))
        except BaseException as e:
            with contextlib.suppress(OSError):
                _remove_sharded(folder)
                if made:
                    folder.rmdir()
            if isinstance(e, OSError):
                raise SearchKitError(f"cannot create an index at {folder}: {e.strerror or e}") from e
            raise
        return cls(folder, read_shards_manifest(folder), indexes)

    @classmethod
    def open_sharded(cls, path: str | os.PathLike[str], *, verify: bool | Literal["full"] = True, cluster: Any = None) -> ShardedIndex:
        """Open a sharded index (see :meth:`Index.open`); with ``cluster``, searches run on its workers."""
        folder = Path(path)
        manifest = read_shards_manifest(folder)
        shards: list[Index] = []
        try:
            for i in range(int(manifest["shards"])):
                try:
                    shards.append(Index.open(shard_folder(folder, i), verify=verify))
                except IndexNotFoundError as e:
                    raise IndexNotFoundError(
                        f"shard {i} of the index at {folder} is missing ({shard_folder(folder, i)}): rebuild it with: "
                        f"searchkit index SRC --index {folder} --rebuild"
                    ) from e
            ix = cls(folder, manifest, shards)
            if cluster is not None:
                from searchkit.index.cluster import Cluster

                ix._cluster = Cluster.connect(cluster)
                ix._fanout = ix._cluster.shards(folder, len(shards))
        except BaseException:
            for s in shards:
                s.close()
            raise
        return ix

    # -- basics ------------------------------------------------------------------------------

    @property
    def shards(self) -> int:
        """How many shards the index has."""
        return len(self._shards)

    def __len__(self) -> int:
        return sum(len(s) for s in self._shards)

    def __enter__(self) -> ShardedIndex:
        return self

    def close(self) -> None:
        """Close the shards, the local search threads and the cluster's actors."""
        fanout, self._fanout = self._fanout, None
        if isinstance(fanout, LocalShards):
            fanout.close()
        elif fanout is not None and self._cluster is not None:
            self._cluster.release(fanout)
        self._views.close()
        for s in self._shards:
            s.close()

    def _searcher(self) -> Any:
        view = self._views.acquire()
        view.release()
        return view.whole.searcher

    def _shard_fanout(self) -> Shards:
        if self._fanout is None:
            self._fanout = LocalShards(self._views)
        return self._fanout

    # -- reading -----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        *,
        org: str | None = None,
        since: DateArgument = None,
        until: DateArgument = None,
        category: str | None = None,
        sort: SortOrder = "relevance",
        facets: bool = True,
        match: MatchMode = "auto",
    ) -> SearchResults:
        """Search every shard and merge (see :meth:`Index.search`, which documents the arguments)."""
        request = Request.checked(query, limit, offset, org=org, since=since, until=until, category=category, sort=sort, facets=facets, match=match)
        return self._search(request)

    def _search(self, request: Request) -> SearchResults:
        with self._reading:
            view = self._views.acquire()
            try:
                return search_shards(self._shard_fanout(), request, view.whole, view.cached, uuid.uuid4().hex)
            finally:
                view.release()

    def organizations(self, top: int = 20, *, query: str | None = None, match: MatchMode = "auto") -> tuple[FacetValue, ...]:
        """The most frequent organizations with their article counts (see :meth:`Index.organizations`)."""
        if query is not None and query.strip():
            request = Request.checked(query, 0, match=match)
            return tuple(self._search(Request(**{**_fields(request), "facet_top": top})).facets.get("org", ()))
        counts: dict[str, int] = {}
        with self._reading:
            view = self._views.acquire()
            try:
                for i in range(len(self._shards)):
                    snap = view.snapshot(i)
                    searcher = snap.searcher
                    table = snap.cached("facets", functools.partial(FacetTable, searcher))
                    docs = list(_live_docnums(searcher))
                    for value, n in table.tally(_array(docs))["org"].items():
                        counts[value] = counts.get(value, 0) + n
            finally:
                view.release()
        return top_values(counts, top)

    def highlight(self, article_id: str, query: str) -> Highlighted | None:
        """See :meth:`Index.highlight`."""
        shard = self._shard_for(article_id)
        with shard._reading_snapshot() as snap:
            return highlight_article(snap, article_id, query)

    def ids(self) -> Iterator[str]:
        """The ids of all articles, shard after shard."""
        return itertools.chain.from_iterable(list(s.ids()) for s in self._shards)

    def stats(self) -> IndexStats:
        """Articles, size and segments of all shards together (see :meth:`Index.stats`)."""
        parts = [s.stats() for s in self._shards]
        updated = [p.updated for p in parts if p.updated]
        return IndexStats(
            path=str(self._path),
            articles=sum(p.articles for p in parts),
            size_bytes=sum(p.size_bytes for p in parts),
            segments=sum(p.segments for p in parts),
            created=self._manifest.get("created"),
            updated=max(updated) if updated else None,
            searchkit_version=parts[0].searchkit_version,
            analyzer_version=parts[0].analyzer_version,
            format=parts[0].format,
        )

    def article(self, article_id: str) -> Article | None:
        """See :meth:`Index.article`."""
        return self._shard_for(article_id).article(article_id)

    def _shard_for(self, article_id: str) -> Index:
        if not isinstance(article_id, str):
            raise ArgumentError(f"an article id must be a string, not {type(article_id).__name__}")
        return self._shards[shard_of(article_id, len(self._shards))]

    # -- writing -----------------------------------------------------------------------------

    def add(
        self,
        articles: Iterable[Article | Mapping[str, Any] | Rejected],
        *,
        workers: int | None = None,
        commit_every: int = 10_000,
        progress: Callable[[int], None] | None = None,
        cluster: Any = None,
    ) -> IndexReport:
        """Route articles to their shards and add them (see :meth:`Index.add`).

        Args:
            articles: As in :meth:`Index.add`.
            workers: Worker processes for all shards together (None: one per core); unused
                with a cluster.
            commit_every: Commit each shard after this many of its articles.
            progress: Called with the number of inputs read so far.
            cluster: A Dask scheduler address (``tcp://host:8786``) or ``distributed.Client``:
                its workers analyze the articles and write the segments into the index
                folder, which they must reach at the same path (a shared file system).
        """
        return self._ingest_all(iter(articles), workers, commit_every, progress, cluster)

    def add_path(
        self,
        path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        base: str | os.PathLike[str] | None = None,
        workers: int | None = None,
        commit_every: int = 10_000,
        progress: Callable[[int], None] | None = None,
        cluster: Any = None,
    ) -> IndexReport:
        """Add files and folders (see :meth:`Index.add_path`; ``cluster`` as in :meth:`add`)."""
        paths = [Path(path)] if isinstance(path, (str, os.PathLike)) else [Path(p) for p in path]
        for source in paths:
            if not source.exists():
                raise DocumentError("no such file or folder", source=str(source))
        items = _iter_paths(paths, None if base is None else Path(base))
        return self._ingest_all(items, workers, commit_every, progress, cluster)

    def delete_many(self, article_ids: Iterable[str]) -> tuple[str, ...]:
        """Delete these ids, one commit per shard holding some (see :meth:`Index.delete_many`)."""
        wanted = list(dict.fromkeys(article_ids))
        by_shard: dict[int, list[str]] = {}
        for article_id in wanted:
            if not isinstance(article_id, str):
                raise SearchKitError(f"an article id must be a string, not {type(article_id).__name__}")
            by_shard.setdefault(shard_of(article_id, len(self._shards)), []).append(article_id)
        deleted: set[str] = set()
        for i, ids in sorted(by_shard.items()):
            deleted.update(self._shards[i].delete_many(ids))
        return tuple(a for a in wanted if a in deleted)

    def _ingest_all(
        self,
        items: Iterator[Article | Mapping[str, Any] | Rejected],
        workers: int | None,
        commit_every: int,
        progress: Callable[[int], None] | None,
        cluster: Any,
    ) -> IndexReport:
        n = len(self._shards)
        if cluster is not None:
            from searchkit.index.cluster import Cluster

            run = Cluster.connect(cluster).ingester(commit_every)
        else:
            procs = (os.cpu_count() or 1) if workers is None else workers
            each = 0 if procs == 0 else max(1, procs // n)

            def run(shard: Index, stream: Iterator[Article]) -> IndexReport:
                return shard._ingest(stream, workers=each, commit_every=commit_every, progress=None)

        router = Tally(str(self._path))
        order: dict[str, None] = {}
        feeds = [_Feed() for _ in range(n)]
        reports: list[IndexReport | None] = [None] * n
        failures: list[BaseException] = []

        def work(i: int) -> None:
            try:
                reports[i] = run(self._shards[i], iter(feeds[i]))
            except BaseException as e:
                failures.append(e)
                for feed in feeds:
                    feed.abort()

        threads = [threading.Thread(target=work, args=(i,), name=f"searchkit-shard-{i}", daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        try:
            for art in _articles(items, router, progress):
                order.setdefault(art.origin or "<input>", None)
                if not feeds[shard_of(art.id, n)].put(art):
                    break
        except BaseException:
            for feed in feeds:
                feed.abort()
            raise
        finally:
            for feed in feeds:
                feed.end()
            for t in threads:
                t.join()
        if failures:
            raise failures[0]
        return _merge_reports(str(self._path), router, [r for r in reports if r is not None], order)


class _Feed:
    """The articles of one shard, from the reading thread to the shard's ingestion."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(_QUEUED)
        self._aborted = threading.Event()

    def put(self, art: Article) -> bool:
        """Queue ``art``; False once the run is aborted."""
        while not self._aborted.is_set():
            try:
                self._queue.put(art, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def end(self) -> None:
        """Tell the ingestion the input is over (unless the run is aborted)."""
        while not self._aborted.is_set():
            try:
                self._queue.put(_END, timeout=0.1)
                return
            except queue.Full:
                continue

    def abort(self) -> None:
        self._aborted.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(_ABORT)

    def __iter__(self) -> Iterator[Article]:
        while True:
            if self._aborted.is_set():
                raise SearchKitError("indexing stopped: another shard failed")
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is _END:
                return
            if item is _ABORT:
                raise SearchKitError("indexing stopped: another shard failed")
            yield item


def _merge_reports(index: str, router: Tally, reports: Sequence[IndexReport], order: Mapping[str, None]) -> IndexReport:
    """One report for the whole call from the router's (rejected inputs) and the shards'."""
    own = router.report()
    files: dict[str, dict[str, int]] = {}
    for report in [own, *reports]:
        for f in report.files:
            into = files.setdefault(f.source, {"added": 0, "updated": 0, "unchanged": 0, "failed": 0})
            for key in into:
                into[key] += getattr(f, key)
    rank = {source: i for i, source in enumerate(order)}
    sources = sorted(files, key=lambda s: rank.get(s, len(rank)))
    return IndexReport(
        added=sum(r.added for r in reports),
        updated=sum(r.updated for r in reports),
        unchanged=sum(r.unchanged for r in reports),
        failed=own.failed + tuple(f for r in reports for f in r.failed),
        skipped=own.skipped + tuple(f for r in reports for f in r.skipped),
        duplicates=tuple(d for r in reports for d in r.duplicates),
        files=tuple(FileReport(s, **files[s]) for s in sources),
        seconds=own.seconds,
        index=index,
    )


def _fields(request: Request) -> dict[str, Any]:
    return {name: getattr(request, name) for name in Request.__slots__}


def _array(docs: list[int]) -> Any:
    import numpy as np

    return np.array(docs, dtype=np.int64)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    import json

    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _remove_sharded(folder: Path) -> None:
    """Remove a sharded index's manifest and shard folders (searchkit's files only)."""
    from searchkit.index.index import remove_index

    (folder / SHARDS_MANIFEST).unlink(missing_ok=True)
    for child in sorted(folder.glob("shard-[0-9][0-9][0-9]")):
        with contextlib.suppress(IndexNotFoundError):
            remove_index(child)
        with contextlib.suppress(OSError):
            shutil.rmtree(child / ".staging", ignore_errors=True)
            child.rmdir()
