"""Create, open and update a searchkit index on disk.

An index is a folder holding a Whoosh index and a manifest, ``searchkit.json``, that records
the index format, analyzer and searchkit versions. Articles go in through :meth:`Index.add`
and :meth:`Index.add_path`:

* analysis (word segmentation, organization names, the six text views) and the writing of
  segments run in worker processes (``workers``, by default one per core; see
  :mod:`searchkit.index.workers` and :mod:`searchkit.index.writing`), while this process reads the input,
  decides what changed and commits finished segments;
* an article whose id is already indexed with the same content digest is skipped; a changed
  one replaces the old version; the same id twice in one call keeps the last;
* the writer commits every ``commit_every`` articles, so a crash (even SIGKILL) loses at most
  the articles since the last commit, and running the same command again completes the work
  without duplicates;
* writes through one :class:`Index` object (threads sharing it) run one after the other; a
  second writer elsewhere (another process, another object) gets
  :class:`~searchkit.errors.IndexLockedError` at once instead of waiting; readers keep
  searching the last commit while a writer works.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.searching import Searcher

from searchkit._version import __version__
from searchkit._whoosh.files import toc_filename
from searchkit._whoosh.mapped import create_index, open_index
from searchkit.documents.article import Article
from searchkit.documents.files import Rejected
from searchkit.errors import (
    ArgumentError,
    ClusterError,
    DocumentError,
    IndexCorruptError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    SearchKitError,
)
from searchkit.index.reports import FileReport, IndexReport, IndexStats
from searchkit.index.schema import INDEX_FORMAT, build_schema
from searchkit.index.shards import is_sharded
from searchkit.index.snapshot import Snapshot
from searchkit.index.storage import (
    MANIFEST,
    Verify,
    checksums,
    foreign_entries,
    is_ours,
    latest_generation,
    os_error,
    read_from_files,
    read_manifest,
    remove_index_files,
    write_manifest,
)
from searchkit.index.storage import verify as verify_files
from searchkit.search.engine import DateArgument, highlight_article
from searchkit.search.engine import search as run_search
from searchkit.search.facets import FacetTable
from searchkit.search.results import FacetValue, Highlighted, MatchMode, SearchResults, SortOrder
from searchkit.text.analysis import ANALYZER_VERSION

if TYPE_CHECKING:
    from searchkit.index.writing import Writer

__all__ = ["DEFAULT_INDEX", "FileReport", "Index", "IndexReport", "IndexStats", "remove_index"]

#: Where the command line keeps its index unless told otherwise (relative to the working dir).
DEFAULT_INDEX = Path("indexes") / "default"
_INDEX_NAME = "MAIN"
#: The write lock's file name (Whoosh's writers take the same lock).
_LOCK = f"{_INDEX_NAME}_WRITELOCK"

#: What reading a damaged file may raise inside Whoosh; wrapped as IndexCorruptError (with the
#: original chained) when raised while reading the index's files (see ``read_from_files``).
_DAMAGE = Exception


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Index:
    """A searchkit index on disk.

    Use :meth:`create` or :meth:`open`; close it (or use it as a context manager) when done.

    >>> import tempfile
    >>> with Index.create(tempfile.mkdtemp()) as ix:
    ...     report = ix.add([{"id": "a1", "title": "Ban Chỉ đạo 35", "body": "Họp bàn công tác."}])
    ...     (report.added, len(ix))
    (1, 1)
    """

    def __init__(self, path: Path, whoosh_ix: whoosh_index.Index, manifest: dict[str, Any]) -> None:
        self._path = path
        self._ix = whoosh_ix
        self._manifest = manifest
        self._current: Snapshot | None = None
        self._lock = threading.Lock()  # guards _current
        # Whoosh searchers are not thread-safe: calls that read run one at a time.
        self._reading = threading.RLock()
        # Threads writing through this object wait their turn (another writer of the folder is an error).
        self._write_turn = threading.RLock()

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, overwrite: bool = False, shards: int | None = None) -> Index:
        """Create a new, empty index in ``path`` (made if missing).

        An index needs a folder of its own: a folder that holds other files is refused
        (unless it holds a searchkit index and ``overwrite`` is given). Overwriting removes
        only searchkit's own files (see :mod:`searchkit.index.storage`); anything else is kept.

        Args:
            path: The index folder.
            overwrite: Replace an index already there. Without it, an existing index is an
                error, so nothing indexed is lost by accident.
            shards: Make a sharded index of this many shards (see
                :mod:`searchkit.index.sharded`): one ordinary index per shard, each article in
                the shard a stable hash of its id names; searched and written as one index.

        Raises:
            IndexLockedError: Another writer holds the index.
            SearchKitError: An index exists and ``overwrite`` is false, the folder holds
                other files, or it cannot be written.
            ArgumentError: ``shards`` is not an integer from 1 to 1024.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp(), shards=4) as ix:
        ...     (ix.shards, len(ix))
        (4, 0)
        """
        if shards is not None:
            from searchkit.index.sharded import ShardedIndex

            return ShardedIndex.create_sharded(path, shards, overwrite=overwrite)
        folder = Path(path)
        if is_sharded(folder):
            raise SearchKitError(f"a sharded index exists at {folder}: give shards to replace it, or remove it first")
        if folder.exists() and not folder.is_dir():
            raise SearchKitError(f"cannot create an index at {folder}: it is a file, not a folder")
        made = not folder.exists()
        lockfile = folder / _LOCK
        had_lock = lockfile.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with _write_lock(folder):
                whoosh_ix, manifest = _create_locked(folder, overwrite)
        except BaseException as e:
            if made:
                _remove_created(folder)
            elif not had_lock and not _is_index(folder):
                with contextlib.suppress(OSError):  # never hide the error that brought us here
                    lockfile.unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise SearchKitError(f"cannot create an index at {folder}: {e.strerror or e}") from e
            raise
        return cls(folder, whoosh_ix, manifest)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, verify: bool | Literal["full"] = True, cluster: Any = None) -> Index:
        """Open the index in ``path``, sharded or not.

        Args:
            path: The index folder.
            verify: How the files of the latest commit are checked against the sizes,
                checksums and times recorded at commit time. Sizes are compared in any
                case. True: also read and compare the checksum of every file that may have
                changed since (a small file, or one whose modification time differs from
                the recorded one; see :mod:`searchkit.index.storage`), which takes no time
                on an untouched index. "full": read every byte of every file (about 25 ms
                per 100 MB once cached), which also finds damage that kept the time (a
                failing disk). False: sizes only.
            cluster: For a sharded index: a Dask scheduler address (``"tcp://host:8786"``)
                or a ``distributed.Client``; every search then runs on the cluster's
                workers, which keep the shards open between searches (see
                :mod:`searchkit.index.cluster`). Needs ``pip install searchkit[cluster]``.

        Raises:
            IndexNotFoundError: There is no searchkit index at ``path``.
            IndexVersionError: The index was built by an incompatible version; the message
                says how to rebuild it.
            IndexCorruptError: A file of the index is missing or damaged; the message names it.
            ClusterError: ``cluster`` is given for an unsharded index, the scheduler cannot
                be reached, or Dask is not installed.
        """
        folder = Path(path)
        if is_sharded(folder):
            from searchkit.index.sharded import ShardedIndex

            return ShardedIndex.open_sharded(folder, verify=verify, cluster=cluster)
        if cluster is not None:
            _no_cluster(folder)
        if not _is_index(folder):
            raise IndexNotFoundError(f"no searchkit index at {folder} (create one with: searchkit index SRC --index {folder})")
        manifest = read_manifest(folder)
        rebuild = f"rebuild it with: searchkit index SRC --index {folder} --rebuild"
        if manifest.get("format") != INDEX_FORMAT or manifest.get("analyzer") != ANALYZER_VERSION:
            raise IndexVersionError(
                f"index at {folder} was built by searchkit {manifest.get('searchkit', '?')} "
                f"(format {manifest.get('format')}, analyzer {manifest.get('analyzer')}); this is searchkit "
                f"{__version__} (format {INDEX_FORMAT}, analyzer {ANALYZER_VERSION}): {rebuild}"
            )
        generation = latest_generation(folder, _INDEX_NAME)
        if verify not in (True, False, "full"):
            raise ArgumentError(f"verify must be True, False or 'full', not {verify!r}")
        check: Verify = "full" if verify == "full" else "quick" if verify else "sizes"
        verify_files(folder, manifest.get("checksums"), generation, check=check)
        try:
            whoosh_ix = open_index(str(folder), _INDEX_NAME)
        except (ImportError, AttributeError) as e:  # a schema pickled by another version
            raise IndexVersionError(f"index at {folder} cannot be read ({e}): {rebuild}") from e
        except Exception as e:  # Whoosh raises bare Exceptions for damaged TOCs
            toc = folder / toc_filename(_INDEX_NAME, generation)
            raise IndexCorruptError(f"index file {toc} is damaged ({type(e).__name__}: {e}): {rebuild}") from e
        ix = cls(folder, whoosh_ix, manifest)
        ix._snapshot().release()  # open the segments now: a damaged one fails here
        return ix

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> Index:
        """Open the index in ``path``, creating an empty one when there is none."""
        folder = Path(path)
        return cls.open(path) if _is_index(folder) or is_sharded(folder) else cls.create(path)

    # -- basics ------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The index folder."""
        return self._path

    def __len__(self) -> int:
        with self._reading_snapshot() as snap:
            return int(snap.searcher.doc_count())

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the searcher and its files once no call uses them. The object can be
        opened again by :meth:`open`."""
        with self._lock:
            if self._current is not None:
                self._current.retire()
                self._current = None

    def _searcher(self) -> Searcher:
        """A Whoosh searcher on the latest commit, for tests and benchmarks that work at the
        Whoosh level (not public: Whoosh objects die when the index changes or closes).

        The searcher belongs to this object and stays valid until the index changes (the next
        call then returns a new one) or the index is closed.
        """
        snap = self._snapshot()
        snap.release()
        return snap.searcher

    def _snapshot(self) -> Snapshot:
        """The snapshot of the latest commit, acquired: the caller releases it when done."""
        with self._lock:
            current = self._current
            if current is None or current.generation != latest_generation(self._path, _INDEX_NAME):
                fresh = self._open_snapshot()
                if current is not None:
                    current.retire()
                self._current = current = fresh
            current.acquire()
            return current

    def _open_snapshot(self) -> Snapshot:
        rebuild = f"rebuild it with: searchkit index SRC --index {self._path} --rebuild"
        for attempt in range(10):
            generation = latest_generation(self._path, _INDEX_NAME)
            try:
                searcher = self._ix.searcher(weighting=scoring.BM25F())
            except FileNotFoundError:  # a commit removed the segments of the TOC just read
                time.sleep(0.01 * (attempt + 1))
                continue
            except SearchKitError:
                raise
            except _DAMAGE as e:
                raise IndexCorruptError(f"index at {self._path} is damaged ({type(e).__name__}: {e}): {rebuild}") from e
            if latest_generation(self._path, _INDEX_NAME) == generation:
                return Snapshot(searcher, generation)
            searcher.close()  # a commit landed while opening: open that one instead
        raise SearchKitError(f"index at {self._path} changes too fast to be read; try again")

    @contextmanager
    def _reading_snapshot(self) -> Iterator[Snapshot]:
        """Hold one snapshot for a whole read call; damage met while reading is one error."""
        with self._reading:
            snap = self._snapshot()
            try:
                yield snap
            except SearchKitError:
                raise
            except _DAMAGE as e:
                if not read_from_files(e):
                    raise
                raise IndexCorruptError(
                    f"index at {self._path} is damaged ({type(e).__name__}: {e}): "
                    f"rebuild it with: searchkit index SRC --index {self._path} --rebuild"
                ) from e
            finally:
                snap.release()

    # -- searching ---------------------------------------------------------------------------

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
        """Search the index.

        Args:
            query: What the user typed: free text or a question, with or without diacritics,
                and the query language of :mod:`searchkit.search.query` (phrases, AND/OR/NOT,
                ``title:``, ``org:``, ``category:``, ``date:``).
            limit: Hits per page.
            offset: Hits to skip (for paging).
            org: Only articles naming this organization (any alias or spelling).
            since: Only articles published at or after this time: a ``date``, a ``datetime``
                or a string as on the command line (``"2023"``, ``"2023-08"``, ``"2023-08-18"``).
            until: Only articles published at or before this time; a string or a date stands
                for its last moment (``until="2023"`` is the end of 2023).
            category: Only articles of this category (any case).
            sort: "relevance", "date" (newest first) or "views" (most viewed first). A query
                of filters only (``org:…``, ``date:…``, no words) comes newest first, its
                hits without a score.
            facets: Count organizations, years, categories and sources over all matches.
            match: "auto" (default): articles holding every word of the free text (in any
                spelling; an organization name also through its aliases), relaxed by dropping
                the least telling words when fewer than 3 articles hold them all, and needing
                40% of the words of a long question (:mod:`searchkit.search.match`); "all":
                every word, never relaxed; "any": any word (plain OR). Phrases, ``+word``,
                ``-word``, ``a OR b`` and fields keep their meaning in every mode.

        Returns:
            :class:`~searchkit.search.SearchResults`, usable after the index is closed.

        Raises:
            QuerySyntaxError: The query or an argument cannot be interpreted (a date that is
                not a date, an ``org`` longer than 200 characters, an ``org`` or ``category``
                holding a lone surrogate). Also a ``ValueError``.
            ArgumentError: An argument has the wrong type (``limit=2.5``, ``org=5``,
                ``since=2023``), is negative, is not a date (``since="yesterday"``) or names
                an unknown ``sort`` or ``match``; the message names it. A subclass of
                QuerySyntaxError.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "1", "title": "Họp Ban Chỉ đạo 35", "body": "Ban Chỉ đạo 35 họp."}])
        ...     [h.id for h in ix.search("ban chi dao").hits]
        ['1']
        """
        with self._reading_snapshot() as snap:
            return run_search(
                snap, query, limit, offset, org=org, since=since, until=until, category=category, sort=sort, facets=facets,
                match=match,
            )

    def organizations(self, top: int = 20, *, query: str | None = None, match: MatchMode = "auto") -> tuple[FacetValue, ...]:
        """The most frequent organizations with their article counts.

        Args:
            top: How many to return.
            query: Count only the articles matching this query (all articles when None).
            match: How the query's words match, as in :meth:`search`.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "1", "title": "UBND tỉnh Quảng Ninh họp", "body": "Nội dung."}])
        ...     [(o.value, o.count) for o in ix.organizations()]
        [('Ủy ban nhân dân tỉnh Quảng Ninh', 1)]
        """
        with self._reading_snapshot() as snap:
            if query is not None and query.strip():
                return tuple(run_search(snap, query, limit=0, facets=True, facet_top=top, match=match).facets.get("org", ()))
            searcher = snap.searcher
            table = snap.cached("facets", lambda: FacetTable(searcher))
            return table.count(_live_docnums(searcher), top)["org"]

    def highlight(self, article_id: str, query: str) -> Highlighted | None:
        """Return the whole title and body of an article with every highlight span, or None.

        Query matches have kind "match", organization names kind "org"; line breaks of the
        body are kept. None when no article has this id.

        Args:
            article_id: The id of the article.
            query: The query whose matches to mark ("" marks organization names only).

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "1", "title": "Thành uỷ Đà Nẵng họp", "body": "Nội dung."}])
        ...     h = ix.highlight("1", "da nang")
        ...     [(h.title.text[s.start:s.end], s.kind) for s in h.title.spans], ix.highlight("2", "")
        ([('Thành ủy Đà Nẵng', 'org'), ('Đà Nẵng', 'match')], None)
        """
        with self._reading_snapshot() as snap:
            return highlight_article(snap, article_id, query)

    def ids(self) -> Iterator[str]:
        """The ids of all articles in the index, in index order (read from one snapshot).

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": i, "title": "Tin", "body": f"Nội dung {i}."} for i in ("b", "a")])
        ...     sorted(ix.ids())
        ['a', 'b']
        """
        with self._reading_snapshot() as snap:
            ids = [fields["id"] for fields in snap.searcher.all_stored_fields()]
        return iter(ids)

    def stats(self) -> IndexStats:
        """Return the number of articles, size on disk, segments and timestamps."""
        manifest = read_manifest(self._path)
        with self._reading_snapshot() as snap:
            size = _size(self._path)
            reader = snap.searcher.reader()
            segments = len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1
            articles = int(snap.searcher.doc_count())
        return IndexStats(
            path=str(self._path),
            articles=articles,
            size_bytes=size,
            segments=segments,
            created=manifest.get("created"),
            updated=manifest.get("updated"),
            searchkit_version=str(manifest.get("searchkit")),
            analyzer_version=int(manifest.get("analyzer", 0)),
            format=int(manifest.get("format", 0)),
        )

    def article(self, article_id: str) -> Article | None:
        """Return the stored article with this id, or None.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "x", "title": "Thành uỷ", "body": "Nội dung."}])
        ...     ix.article("x").title
        'Thành ủy'
        """
        with self._reading_snapshot() as snap:
            fields = snap.searcher.document(id=article_id)
        return None if fields is None else article_from_stored(fields)

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
        """Add or update articles.

        Args:
            articles: :class:`~searchkit.documents.Article` objects, dicts with the JSONL keys
                (``id``, ``title``, ``body``/``text``/``content``, ...), or
                :class:`~searchkit.documents.Rejected` records (counted as failures); streamed.
            workers: Worker processes that analyze articles and write index segments, used
                once a call writes more than 200 articles; None means one per core, 0 does
                everything in this process. Each is a fresh interpreter running only
                searchkit's own code, so any caller works (a script without a
                ``__main__`` guard, ``python -``, a notebook, a thread), and each ends
                with this process, however this process ends.
            commit_every: Commit after this many written articles (crash safety); each
                commit adds the segments the processes that wrote articles built, one for
                every 2,500 articles or fewer of each. Memory does not follow it: a process
                writes its segment once it holds 2,500 articles, so it holds the postings of
                at most that many (about 18 KB for a news article of 2,000 characters).
            progress: Called with the number of inputs handled so far, after each one.
            cluster: For a sharded index only: a Dask scheduler address or ``Client`` whose
                workers analyze the articles and write the segments (see
                :meth:`searchkit.index.sharded.ShardedIndex.add`).

        Returns:
            An :class:`IndexReport`: added, updated, unchanged, failed (with reasons), ...

        Raises:
            IndexLockedError: Another writer holds the index.
            ClusterError: ``cluster`` is given (this index is not sharded).
        """
        if cluster is not None:
            _no_cluster(self._path)
        return self._ingest(iter(articles), workers=workers, commit_every=commit_every, progress=progress)

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
        """Add the articles of files (.txt seed layout, .jsonl) and folders (recursively).

        The id of a .txt article is its path relative to ``base`` (POSIX separators). By
        default ``base`` is the folder given, or the folder holding the file given; for
        several paths it is the deepest folder that holds them all, so ``a/tin.txt`` and
        ``b/tin.txt`` stay two articles. JSONL articles keep the ids they carry. An id that
        two inputs of one call claim with different content is reported as a failure naming
        both (the last one is kept). Unreadable files and bad lines are reported in the
        result; the rest is indexed. Other arguments as in :meth:`add`.

        Raises:
            IndexLockedError: Another writer holds the index.
            DocumentError: A path does not exist.
            ClusterError: ``cluster`` is given (this index is not sharded).

        >>> import pathlib, tempfile
        >>> src = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ("a", "b"):
        ...     (src / name).mkdir()
        ...     _ = (src / name / "tin.txt").write_text(f"Tin {name}\\n\\nNội dung {name}.", encoding="utf-8")
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     report = ix.add_path([src / "a", src / "b"])
        ...     sorted(a.id for a in map(ix.article, ["a/tin.txt", "b/tin.txt"]) if a)
        ['a/tin.txt', 'b/tin.txt']
        """
        if cluster is not None:
            _no_cluster(self._path)
        paths = [Path(path)] if isinstance(path, (str, os.PathLike)) else [Path(p) for p in path]
        for source in paths:
            if not source.exists():
                raise DocumentError("no such file or folder", source=str(source))
        items = _iter_paths(paths, None if base is None else Path(base))
        return self._ingest(items, workers=workers, commit_every=commit_every, progress=progress)

    def delete(self, article_id: str) -> bool:
        """Delete the article with this id; return whether it existed.

        Raises:
            IndexLockedError: Another writer holds the index.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "x", "title": "Tin", "body": "Nội dung."}])
        ...     (ix.delete("x"), ix.delete("x"), len(ix))
        (True, False, 0)
        """
        return bool(self.delete_many([article_id]))

    def delete_many(self, article_ids: Iterable[str]) -> tuple[str, ...]:
        """Delete the articles with these ids in one commit; return the ids that existed.

        Deleting an id that is not in the index changes nothing, so running the same call
        again (say, after an interruption) is harmless.

        Raises:
            IndexLockedError: Another writer holds the index.
            SearchKitError: The index cannot be written (read-only folder, full disk).
        """
        wanted = list(dict.fromkeys(article_ids))
        for article_id in wanted:
            if not isinstance(article_id, str):
                raise SearchKitError(f"an article id must be a string, not {type(article_id).__name__}")
        from searchkit.index.ingest import cancel  # the writing side loads when first used

        deleted: list[str] = []
        with self._writing():
            writer = self._writer()
            try:
                for article_id in wanted:
                    if writer.delete_by_term("id", article_id):
                        deleted.append(article_id)
            except BaseException:
                cancel(writer)
                raise
            if not deleted:
                cancel(writer)
                return ()
            writer.commit()
            self._touch()
        return tuple(deleted)

    def _writer(self) -> Writer:
        from searchkit.index.writing import Writer  # (not needed to open and search an index)

        try:
            return Writer(self._ix, timeout=0.0)
        except LockError as e:
            raise IndexLockedError(f"index at {self._path} is locked by another writer") from e

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Take this object's turn to write, and turn operating-system errors met while writing
        into one-line SearchKitErrors."""
        try:
            with self._write_turn:
                yield
        except OSError as e:
            from searchkit.index.ingest import clear_staging

            clear_staging(self._path)
            raise os_error(e, self._path) from e

    def _touch(self) -> None:
        """Record a commit in the manifest: time, version, checksums of its files."""
        self._manifest["updated"] = _now()
        self._manifest["searchkit"] = __version__
        generation = latest_generation(self._path, _INDEX_NAME)
        self._manifest["checksums"] = checksums(self._path, _INDEX_NAME, generation, self._manifest.get("checksums"))
        write_manifest(self._path, self._manifest)

    def _ingest(
        self,
        items: Iterator[Article | Mapping[str, Any] | Rejected],
        *,
        workers: int | None,
        commit_every: int,
        progress: Callable[[int], None] | None,
    ) -> IndexReport:
        from searchkit.index.ingest import Ingestion

        ingestion = Ingestion(
            self._ix, self._path, _INDEX_NAME, new_writer=self._writer, touch=self._touch, workers=workers,
            commit_every=commit_every,
        )
        with self._writing():
            return ingestion.run(items, progress)


def _no_cluster(folder: Path) -> None:
    raise ClusterError(f"the index at {folder} is not sharded: a cluster only serves sharded indexes (searchkit index SRC --shards N)")


def _size(folder: Path) -> int:
    """Bytes taken by searchkit's files in ``folder`` (a file removed meanwhile counts 0)."""
    total = 0
    for name in os.listdir(folder):
        if is_ours(name, _INDEX_NAME):
            with contextlib.suppress(OSError):
                total += (folder / name).stat().st_size
    return total


def _iter_paths(paths: Sequence[Path], base: Path | None) -> Iterator[Article | Rejected]:
    """The articles of several files and folders, .txt ids made relative to ``base`` (see
    :meth:`Index.add_path`)."""
    from searchkit.documents.readers import iter_path  # (not loaded by a search)

    if base is None:
        if len(paths) == 1:
            yield from iter_path(paths[0])
            return
        base = Path(os.path.commonpath([os.path.abspath(p if p.is_dir() else p.parent) for p in paths]))
    base = Path(os.path.abspath(base))
    for path in paths:
        for item in iter_path(path):
            if isinstance(item, Article) and item.origin and item.origin.lower().endswith(".txt"):
                relative = Path(os.path.relpath(os.path.abspath(item.origin), base)).as_posix()
                if relative != item.id:
                    digest = item.digest
                    item = replace(item, id=relative)
                    item.__dict__["digest"] = digest  # the id is not part of it
            yield item


def _live_docnums(searcher: Searcher) -> Iterator[int]:
    reader = searcher.reader()
    return (d for d in range(reader.doc_count_all()) if not reader.is_deleted(d))


def article_from_stored(fields: Mapping[str, Any]) -> Article:
    """Rebuild an :class:`Article` from a document's stored fields."""
    return Article(
        id=fields["id"],
        title=fields.get("title", ""),
        body=fields.get("body", ""),
        published=fields.get("published"),
        views=fields.get("views"),
        author=fields.get("author"),
        url=fields.get("url"),
        category=fields.get("category"),
        source=fields.get("source"),
    )


def _is_index(folder: Path) -> bool:
    return folder.is_dir() and (folder / MANIFEST).is_file() and latest_generation(folder, _INDEX_NAME) >= 0


def _create_locked(folder: Path, overwrite: bool) -> tuple[whoosh_index.Index, dict[str, Any]]:
    """Create the index in ``folder`` while holding its write lock (see :meth:`Index.create`)."""
    foreign = foreign_entries(folder, _INDEX_NAME)
    if _is_index(folder):
        if not overwrite:
            raise SearchKitError(f"an index already exists at {folder} (use overwrite to replace it)")
    elif foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise SearchKitError(f"{folder} holds other files ({shown}) and no searchkit index: give an index a folder of its own")
    clashing = [n for n in foreign if n.startswith(f"_{_INDEX_NAME}_")]
    if clashing:  # Whoosh removes every file named so when it creates an index
        raise SearchKitError(f"{folder / clashing[0]} is in the way of a new index: move it elsewhere first")
    remove_index_files(folder, _INDEX_NAME)
    whoosh_ix = create_index(str(folder), build_schema(), _INDEX_NAME)
    now = _now()
    manifest: dict[str, Any] = {
        "format": INDEX_FORMAT,
        "analyzer": ANALYZER_VERSION,
        "searchkit": __version__,
        "created": now,
        "updated": now,
    }
    manifest["checksums"] = checksums(folder, _INDEX_NAME, latest_generation(folder, _INDEX_NAME))
    write_manifest(folder, manifest)
    return whoosh_ix, manifest


@contextmanager
def _write_lock(folder: Path) -> Iterator[None]:
    """Hold the index's write lock (the one Whoosh's writers take) for a whole-folder change.

    Raises:
        IndexLockedError: A writer holds it.
    """
    lock = FileStorage(str(folder)).lock(_LOCK)
    if not lock.acquire(blocking=False):
        raise IndexLockedError(f"index at {folder} is locked by another writer")
    try:
        yield
    finally:
        lock.release()


def remove_index(path: str | os.PathLike[str]) -> None:
    """Remove the searchkit index in ``path``: only searchkit's own files, anything else in the
    folder (and the folder itself) is kept.

    Raises:
        IndexNotFoundError: There is no searchkit index at ``path``.
        IndexLockedError: A writer is working on it.
    """
    folder = Path(path)
    if not _is_index(folder):
        raise IndexNotFoundError(f"no searchkit index at {folder}")
    with _write_lock(folder):
        remove_index_files(folder, _INDEX_NAME)
    (folder / _LOCK).unlink(missing_ok=True)


def _remove_created(folder: Path) -> None:
    """Undo a failed :meth:`Index.create` in a folder it made: remove searchkit's files, and
    the folder once nothing else is in it."""
    try:
        remove_index_files(folder, _INDEX_NAME)
        (folder / _LOCK).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        pass
