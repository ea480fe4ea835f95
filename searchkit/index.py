"""Create, open and update a searchkit index on disk.

An index is a folder holding a Whoosh index and a manifest, ``searchkit.json``, that records
the index format, analyzer and searchkit versions. Articles go in through :meth:`Index.add`
and :meth:`Index.add_path`:

* analysis (word segmentation, organization names, the six text views) and the writing of
  segments run in worker processes (``workers``, by default one per core; see
  :mod:`searchkit.workers` and :mod:`searchkit.writing`), while this process reads the input,
  decides what changed and commits finished segments;
* an article whose id is already indexed with the same content digest is skipped; a changed
  one replaces the old version; the same id twice in one call keeps the last;
* the writer commits every ``commit_every`` articles, so a crash (even SIGKILL) loses at most
  the articles since the last commit, and running the same command again completes the work
  without duplicates;
* a second writer gets :class:`~searchkit.errors.IndexLockedError` at once instead of waiting;
  readers keep searching the last commit while a writer works.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.searching import Searcher

from searchkit._version import __version__
from searchkit.analysis import ANALYZER_VERSION
from searchkit.documents import Article, Rejected, iter_path
from searchkit.errors import (
    DocumentError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    SearchKitError,
)
from searchkit.highlight import Snippet
from searchkit.schema import INDEX_FORMAT, build_schema
from searchkit.search import FacetTable, FacetValue, SearchResults, highlight_article
from searchkit.search import search as run_search
from searchkit.workers import Window, Workers
from searchkit.writing import STAGING, Writer

__all__ = ["DEFAULT_INDEX", "FileReport", "Index", "IndexReport", "IndexStats"]

#: Where the command line keeps its index unless told otherwise (relative to the working dir).
DEFAULT_INDEX = Path("indexes") / "default"
MANIFEST = "searchkit.json"
_INDEX_NAME = "MAIN"

@dataclass(frozen=True, slots=True)
class FileReport:
    """What happened to the articles of one input source (file or ``<input>``)."""

    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class IndexReport:
    """The outcome of one :meth:`Index.add` or :meth:`Index.add_path` call.

    Attributes:
        added: Articles new to the index.
        updated: Articles whose id existed with different content (replaced).
        unchanged: Articles skipped because the index already holds the same content.
        failed: Inputs that could not be indexed, each with source, line and reason.
        skipped: Files passed over (unsupported extensions), with the reason.
        duplicates: Ids that appeared more than once in this call (the last one was kept).
        files: Per-source counts, in the order the sources were read.
        seconds: Wall-clock time of the call.
    """

    added: int
    updated: int
    unchanged: int
    failed: tuple[Rejected, ...]
    skipped: tuple[Rejected, ...]
    duplicates: tuple[str, ...]
    files: tuple[FileReport, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when nothing failed (skipped files do not count as failures)."""
        return not self.failed

    @property
    def processed(self) -> int:
        """Articles read successfully (added + updated + unchanged)."""
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Facts about an index for ``searchkit stats`` and the REPL's ``:stats``."""

    path: str
    articles: int
    size_bytes: int
    segments: int
    created: str | None
    updated: str | None
    searchkit_version: str
    analyzer_version: int
    format: int


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Tally:
    """Mutable counters behind an :class:`IndexReport` (internal to one add call)."""

    def __init__(self) -> None:
        self.counts = {"added": 0, "updated": 0, "unchanged": 0}
        self.failed: list[Rejected] = []
        self.skipped: list[Rejected] = []
        self.duplicates: list[str] = []
        self.files: dict[str, dict[str, int]] = {}
        self.started = time.perf_counter()

    def file(self, source: str) -> dict[str, int]:
        return self.files.setdefault(source, {"added": 0, "updated": 0, "unchanged": 0, "failed": 0})

    def outcome(self, source: str, what: str) -> None:
        self.counts[what] += 1
        self.file(source)[what] += 1

    def undo(self, source: str, what: str) -> None:
        self.counts[what] -= 1
        self.file(source)[what] -= 1

    def reject(self, rejected: Rejected) -> None:
        if rejected.reason.startswith("skipped"):
            self.skipped.append(rejected)
            return
        self.failed.append(rejected)
        self.file(rejected.source)["failed"] += 1

    def report(self) -> IndexReport:
        return IndexReport(
            added=self.counts["added"],
            updated=self.counts["updated"],
            unchanged=self.counts["unchanged"],
            failed=tuple(self.failed),
            skipped=tuple(self.skipped),
            duplicates=tuple(self.duplicates),
            files=tuple(FileReport(src, **c) for src, c in self.files.items()),
            seconds=time.perf_counter() - self.started,
        )


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
        self._searcher: Searcher | None = None
        self._cache: dict[str, Any] = {}

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, overwrite: bool = False) -> Index:
        """Create a new, empty index in ``path`` (made if missing).

        Args:
            path: The index folder.
            overwrite: Replace an index already there. Without it, an existing index is an
                error, so nothing indexed is lost by accident.

        Raises:
            SearchKitError: An index exists and ``overwrite`` is false, or the folder cannot
                be written.
        """
        folder = Path(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = FileStorage(str(folder)).lock(f"{_INDEX_NAME}_WRITELOCK")
            if not lock.acquire(blocking=False):
                raise IndexLockedError(f"index at {folder} is locked by another writer")
            try:
                if _is_index(folder):
                    if not overwrite:
                        raise SearchKitError(f"an index already exists at {folder} (use overwrite to replace it)")
                    _remove_index_files(folder)
                whoosh_ix = whoosh_index.create_in(str(folder), build_schema(), indexname=_INDEX_NAME)
            finally:
                lock.release()
        except OSError as e:
            raise SearchKitError(f"cannot create an index at {folder}: {e.strerror or e}") from e
        now = _now()
        manifest = {
            "format": INDEX_FORMAT,
            "analyzer": ANALYZER_VERSION,
            "searchkit": __version__,
            "created": now,
            "updated": now,
        }
        _write_manifest(folder, manifest)
        return cls(folder, whoosh_ix, manifest)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Index:
        """Open the index in ``path``.

        Raises:
            IndexNotFoundError: There is no searchkit index at ``path``.
            IndexVersionError: The index was built by an incompatible version; the message
                says how to rebuild it.
        """
        folder = Path(path)
        if not _is_index(folder):
            raise IndexNotFoundError(f"no searchkit index at {folder} (create one with: searchkit index SRC --index {folder})")
        manifest = _read_manifest(folder)
        rebuild = f"rebuild it with: searchkit index SRC --index {folder} --rebuild"
        if manifest.get("format") != INDEX_FORMAT or manifest.get("analyzer") != ANALYZER_VERSION:
            raise IndexVersionError(
                f"index at {folder} was built by searchkit {manifest.get('searchkit', '?')} "
                f"(format {manifest.get('format')}, analyzer {manifest.get('analyzer')}); this is searchkit "
                f"{__version__} (format {INDEX_FORMAT}, analyzer {ANALYZER_VERSION}): {rebuild}"
            )
        try:
            whoosh_ix = whoosh_index.open_dir(str(folder), indexname=_INDEX_NAME)
        except Exception as e:  # Whoosh raises bare Exceptions for damaged TOCs and old schemas
            raise IndexVersionError(f"index at {folder} cannot be read ({e}): {rebuild}") from e
        return cls(folder, whoosh_ix, manifest)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> Index:
        """Open the index in ``path``, creating an empty one when there is none."""
        return cls.open(path) if _is_index(Path(path)) else cls.create(path)

    # -- basics ------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The index folder."""
        return self._path

    def __len__(self) -> int:
        return self.searcher().doc_count()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the searcher and its files. The object can be opened again by :meth:`open`."""
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def searcher(self) -> Searcher:
        """Return a Whoosh searcher on the latest commit (refreshed when the index changed).

        This is the escape hatch for Whoosh-level work; the searcher belongs to this object.
        """
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=scoring.BM25F())
            self._cache.clear()
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
            self._cache.clear()
        return self._searcher

    def _cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """Per-commit cache for derived data (facet tables); cleared when the index changes."""
        self.searcher()
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    # -- searching ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        *,
        org: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        category: str | None = None,
        sort: str = "relevance",
        facets: bool = True,
    ) -> SearchResults:
        """Search the index.

        Args:
            query: What the user typed: free text or a question, with or without diacritics,
                and the query language of :mod:`searchkit.query` (phrases, AND/OR/NOT,
                ``title:``, ``org:``, ``category:``, ``date:``).
            limit: Hits per page.
            offset: Hits to skip (for paging).
            org: Only articles naming this organization (any alias or spelling).
            since: Only articles published at or after this time.
            until: Only articles published at or before this time.
            category: Only articles of this category (any case).
            sort: "relevance", "date" (newest first) or "views" (most viewed first).
            facets: Count organizations, years, categories and sources over all matches.

        Returns:
            :class:`~searchkit.search.SearchResults`, usable after the index is closed.

        Raises:
            QuerySyntaxError: The query or an argument cannot be interpreted.

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "1", "title": "Họp Ban Chỉ đạo 35", "body": "Ban Chỉ đạo 35 họp."}])
        ...     [h.id for h in ix.search("ban chi dao").hits]
        ['1']
        """
        return run_search(
            self, query, limit, offset, org=org, since=since, until=until, category=category, sort=sort, facets=facets
        )

    def organizations(self, top: int = 20, *, query: str | None = None) -> tuple[FacetValue, ...]:
        """The most frequent organizations with their article counts.

        Args:
            top: How many to return.
            query: Count only the articles matching this query (all articles when None).

        >>> import tempfile
        >>> with Index.create(tempfile.mkdtemp()) as ix:
        ...     _ = ix.add([{"id": "1", "title": "UBND tỉnh Quảng Ninh họp", "body": "Nội dung."}])
        ...     [(o.value, o.count) for o in ix.organizations()]
        [('Ủy ban nhân dân tỉnh Quảng Ninh', 1)]
        """
        if query is not None and query.strip():
            return tuple(run_search(self, query, limit=0, facets=True, facet_top=top).facets.get("org", ()))
        searcher = self.searcher()
        table = self._cached("facets", lambda: FacetTable(searcher))
        return table.count(_live_docnums(searcher), top)["org"]

    def highlight(self, article_id: str, query: str) -> tuple[Snippet, Snippet] | None:
        """Return the whole ``(title, body)`` of an article with every highlight span, or None.

        Query matches have kind "match", organization names kind "org".
        """
        return highlight_article(self, article_id, query)

    def generation(self) -> int:
        """The commit generation of the index (changes on every commit)."""
        return int(self._ix.latest_generation())

    def stats(self) -> IndexStats:
        """Return the number of articles, size on disk, segments and timestamps."""
        size = sum(p.stat().st_size for p in self._path.iterdir() if p.is_file())
        manifest = _read_manifest(self._path)
        reader = self.searcher().reader()
        segments = len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1
        return IndexStats(
            path=str(self._path),
            articles=len(self),
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
        fields = self.searcher().document(id=article_id)
        return None if fields is None else article_from_stored(fields)

    # -- writing -----------------------------------------------------------------------------

    def add(
        self,
        articles: Iterable[Article | Mapping[str, Any] | Rejected],
        *,
        workers: int | None = None,
        commit_every: int = 10_000,
        progress: Callable[[int], None] | None = None,
    ) -> IndexReport:
        """Add or update articles.

        Args:
            articles: :class:`~searchkit.documents.Article` objects, dicts with the JSONL keys
                (``id``, ``title``, ``body``/``text``/``content``, ...), or
                :class:`~searchkit.documents.Rejected` records (counted as failures); streamed.
            workers: Worker processes that analyze articles and write index segments, used
                once a call writes more than 200 articles; None means one per core, 0 does
                everything in this process.
            commit_every: Commit after this many written articles (crash safety); each
                commit adds a segment per process that wrote articles.
            progress: Called with the number of inputs handled so far, after each one.

        Returns:
            An :class:`IndexReport`: added, updated, unchanged, failed (with reasons), ...

        Raises:
            IndexLockedError: Another writer holds the index.
        """
        return self._ingest(iter(articles), workers=workers, commit_every=commit_every, progress=progress)

    def add_path(
        self,
        path: str | os.PathLike[str],
        *,
        workers: int | None = None,
        commit_every: int = 10_000,
        progress: Callable[[int], None] | None = None,
    ) -> IndexReport:
        """Add the articles of a file (.txt seed layout, .jsonl) or a folder (recursively).

        Ids of .txt articles are their paths relative to ``path``. Unreadable files and bad
        lines are reported in the result; the rest is indexed. Arguments as in :meth:`add`.

        Raises:
            IndexLockedError: Another writer holds the index.
            DocumentError: ``path`` does not exist.
        """
        source = Path(path)
        if not source.exists():
            raise DocumentError("no such file or folder", source=str(source))
        return self._ingest(iter_path(source), workers=workers, commit_every=commit_every, progress=progress)

    def delete(self, article_id: str) -> bool:
        """Delete the article with this id; return whether it existed.

        Raises:
            IndexLockedError: Another writer holds the index.
        """
        writer = self._writer()
        try:
            count = writer.delete_by_term("id", article_id)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._touch()
        return bool(count)

    def _writer(self) -> Writer:
        try:
            return Writer(self._ix, timeout=0.0)
        except LockError as e:
            raise IndexLockedError(f"index at {self._path} is locked by another writer") from e

    def _touch(self) -> None:
        self._manifest["updated"] = _now()
        self._manifest["searchkit"] = __version__
        _write_manifest(self._path, self._manifest)

    def _ingest(
        self,
        items: Iterator[Article | Mapping[str, Any] | Rejected],
        *,
        workers: int | None,
        commit_every: int,
        progress: Callable[[int], None] | None,
    ) -> IndexReport:
        tally = _Tally()
        writer: Writer | None = self._writer()  # take the lock first: a locked index fails before any work
        _clear_staging(self._path)  # left by a run that was killed
        initial: dict[str, str | None] = {}  # id -> digest the index held before this call
        index_holds: dict[str, str | None] = {}  # id -> digest once the windows sent off commit
        outcomes: dict[str, tuple[str, str]] = {}  # id -> (file, outcome) reported so far
        committed: dict[str, str | None] = {}  # id -> digest committed by this call
        nprocs = (os.cpu_count() or 1) if workers is None else workers
        builders = Workers(str(self._path), _INDEX_NAME, nprocs)
        in_window = 0
        reader_searcher = self._ix.searcher()
        was_empty = reader_searcher.doc_count_all() == 0  # then no lookups are needed

        def commit(windows: list[Window]) -> None:
            nonlocal writer
            for window in windows:
                if writer is None:
                    writer = self._writer()
                for article_id in window.digests:
                    if committed.get(article_id, initial[article_id]) is not None:
                        writer.delete_by_term("id", article_id)
                writer.commit_segments(window.segments())
                writer = None
                self._touch()
                committed.update(window.digests)

        try:
            for art in _articles(items, tally, progress):
                origin = art.origin or "<input>"
                if art.id not in initial:
                    stored = reader_searcher.document(id=art.id) if not was_empty else None
                    initial[art.id] = None if stored is None else stored.get("digest")
                if art.id in outcomes:  # the same id again: the last one wins
                    tally.duplicates.append(art.id)
                    tally.undo(*outcomes[art.id])
                before = initial[art.id]
                what = "unchanged" if art.digest == before else ("added" if before is None else "updated")
                tally.outcome(origin, what)
                outcomes[art.id] = (origin, what)
                if art.digest != index_holds.get(art.id, before):
                    builders.add(art)
                    index_holds[art.id] = art.digest
                    in_window += 1
                    if in_window >= commit_every:
                        builders.finish()
                        in_window = 0
                commit(builders.ready())
                if writer is None:
                    writer = self._writer()  # hold the lock between commits
            if in_window:
                builders.finish()
            commit(builders.ready(wait=True))
            if writer is not None:
                writer.cancel()
        except BaseException:
            if writer is not None:
                writer.cancel()
            raise
        finally:
            builders.close()
            reader_searcher.close()
            _clear_staging(self._path)
        return tally.report()


def _clear_staging(folder: Path) -> None:
    shutil.rmtree(folder / STAGING, ignore_errors=True)


def _live_docnums(searcher: Searcher) -> Iterator[int]:
    reader = searcher.reader()
    return (d for d in range(reader.doc_count_all()) if not reader.is_deleted(d))


def _articles(
    items: Iterator[Article | Mapping[str, Any] | Rejected],
    tally: _Tally,
    progress: Callable[[int], None] | None,
) -> Iterator[Article]:
    """Turn the input stream into Articles, sending rejections to the tally."""
    handled = 0
    for n, item in enumerate(items, 1):
        handled += 1
        if isinstance(item, Rejected):
            tally.reject(item)
        elif isinstance(item, Article):
            yield item
        else:
            try:
                yield Article.from_dict(item)
            except DocumentError as e:
                tally.reject(Rejected(e.source or "<input>", e.line if e.line is not None else n, str(e.args[0])))
            except (TypeError, AttributeError) as e:
                tally.reject(Rejected("<input>", n, f"not an article or a dict: {type(item).__name__} ({e})"))
            except MemoryError:  # the process is out of memory, not this record at fault
                raise
            except Exception as e:  # noqa: BLE001 (one bad record must not end the run)
                tally.reject(Rejected("<input>", n, f"unexpected error: {type(e).__name__}: {e}"))
        if progress is not None:
            progress(handled)


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
    return folder.is_dir() and (folder / MANIFEST).is_file() and whoosh_index.exists_in(str(folder), indexname=_INDEX_NAME)


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexVersionError(f"index manifest {folder / MANIFEST} is unreadable ({e})") from e
    if not isinstance(data, dict):
        raise IndexVersionError(f"index manifest {folder / MANIFEST} is not a JSON object")
    return data


def _write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _remove_index_files(folder: Path) -> None:
    """Remove a searchkit index's files from ``folder`` (only Whoosh files and the manifest)."""
    for p in folder.iterdir():
        if p.name == f"{_INDEX_NAME}_WRITELOCK":
            continue  # held by the caller
        if p.is_file() and (p.name == MANIFEST or p.suffix in {".toc", ".seg", ".lock", ".pst", ".trm"} or p.name.startswith(("_MAIN_", "MAIN_"))):
            p.unlink()
        elif p.is_dir() and (p.name.startswith("MAIN_") or p.name == STAGING):
            shutil.rmtree(p)
