"""One :meth:`~searchkit.Index.add` call, step by step: read the input, decide what changed,
send changed articles to the workers, commit the segments they finish.

* each article is compared with what the index held before the call (by content digest):
  the same content is "unchanged" and not written again, a new id is "added", a known id
  with other content "updated";
* the same id twice in one call keeps the last one; two inputs that claim one id with
  different content are also reported as a failure naming both;
* the workers write segments in windows of ``commit_every`` articles; each finished window
  is committed (old versions deleted, segments added, the manifest touched), so a crash loses
  at most the articles since the last commit;
* the write lock is held from the start to the end of the call.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import struct
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from searchkit.documents.article import Article
from searchkit.documents.files import Rejected
from searchkit.errors import DocumentError
from searchkit.index.lookup import HeldDigests
from searchkit.index.reports import IndexReport, Tally
from searchkit.index.storage import STAGING
from searchkit.index.workers import Window, Workers
from searchkit.index.writing import Writer

__all__ = ["Ingestion", "cancel", "clear_staging"]

Items = Iterator[Article | Mapping[str, Any] | Rejected]


class Ingestion:
    """The state of one add call (see the module docstring); :meth:`run` does the call.

    Args:
        whoosh_ix: The Whoosh index written to.
        path: Its folder.
        index_name: Its Whoosh index name.
        new_writer: Takes the write lock and returns a writer (raises IndexLockedError).
        touch: Records a commit in the manifest.
        workers: Worker processes, None for one per core.
        commit_every: Articles per window (and commit).
    """

    def __init__(
        self,
        whoosh_ix: whoosh_index.Index,
        path: Path,
        index_name: str,
        *,
        new_writer: Callable[[], Writer],
        touch: Callable[[], None],
        workers: int | None,
        commit_every: int,
    ) -> None:
        self.whoosh_ix = whoosh_ix
        self.path = path
        self.index_name = index_name
        self.new_writer = new_writer
        self.touch = touch
        self.nprocs = (os.cpu_count() or 1) if workers is None else workers
        self.commit_every = commit_every
        self.tally = Tally(str(path))
        self.writer: Writer | None = None
        # What this call knows of each id it has seen, one compact record each (see _RECORD):
        # the call may hold hundreds of thousands of ids, so no Python objects per article.
        self.seen: dict[str, bytes] = {}
        self.origins: dict[str, int] = {}  # file name -> its number in the records
        self.origin_names: list[str] = []
        self.in_window = 0

    def run(self, items: Items, progress: Callable[[int], None] | None) -> IndexReport:
        """Index ``items``, committing as windows finish; return the report of the call."""
        self.writer = self.new_writer()  # take the lock first: a locked index fails before any work
        clear_staging(self.path)  # left by a run that was killed
        builders = self.builders()
        searcher = self.whoosh_ix.searcher()
        held = None if searcher.doc_count_all() == 0 else HeldDigests(searcher)  # empty: no lookups needed
        try:
            for art in _articles(items, self.tally, progress):
                if self.take(art, held):
                    builders.add(art)
                    self.in_window += 1
                    if self.in_window >= self.commit_every:
                        builders.finish()
                        self.in_window = 0
                self.commit(builders.ready())
                if self.writer is None:
                    self.writer = self.new_writer()  # hold the lock between commits
            if self.in_window:
                builders.finish()
            self.commit(builders.ready(wait=True))
        finally:
            if self.writer is not None:
                cancel(self.writer)
            builders.close()
            searcher.close()
            clear_staging(self.path)
        return self.tally.report()

    def builders(self) -> Workers:
        """What writes the articles into segments: worker processes (a cluster's ingestion
        gives Dask tasks instead, see :mod:`searchkit.index.cluster`)."""
        return Workers(str(self.path), self.index_name, self.nprocs)

    def take(self, art: Article, held: HeldDigests | None) -> bool:
        """Count ``art`` as added, updated or unchanged; True when it must be written.

        ``held`` finds what the index held before this call (None: it held nothing).
        """
        origin = art.origin or "<input>"
        digest = _key(art.digest)
        record = self.seen.get(art.id)
        if record is None:  # the first time this call sees the id
            before = held.get(art.id) if held is not None else None
            flags = 0 if before is None else _BEFORE | _HELD
            initial = holds = _NONE if before is None else _key(before)
        else:  # the same id again: the last one wins
            what_code, flags, earlier, initial, holds = _RECORD.unpack(record)
            self.duplicate(art, origin, self.origin_names[earlier], _OUTCOMES[what_code], holds != digest)
        what = "added" if not flags & _BEFORE else "unchanged" if digest == initial else "updated"
        self.tally.outcome(origin, what)
        self.seen[art.id] = _RECORD.pack(_OUTCOMES.index(what), flags, self._origin(origin), initial, digest)
        return digest != holds

    def _origin(self, origin: str) -> int:
        number = self.origins.get(origin)
        if number is None:
            number = self.origins[origin] = len(self.origin_names)
            self.origin_names.append(origin)
        return number

    def duplicate(self, art: Article, origin: str, earlier: str, earlier_what: str, differs: bool) -> None:
        """Take back the outcome counted for an earlier article with ``art``'s id (read from
        ``earlier`` and counted ``earlier_what``; ``differs``: with other content)."""
        self.tally.duplicates.append(art.id)
        self.tally.undo(earlier, earlier_what)
        if differs:  # two inputs claim one id: never silently
            also = "elsewhere in the same input" if earlier == origin else f"by {origin}"
            self.tally.reject(
                Rejected(earlier, None, f"id {art.id!r} is also claimed {also} with other content (the later one was kept)")
            )

    def commit(self, windows: list[Window]) -> None:
        """Commit finished windows, one commit each: old versions out, new segments in."""
        for window in windows:
            if self.writer is None:
                self.writer = self.new_writer()
            for article_id in window.digests:
                if self.seen[article_id][_FLAGS] & _HELD:
                    self.writer.delete_by_term("id", article_id)
            self.writer.commit_segments(window.segments())
            self.writer = None
            self.touch()
            for article_id in window.digests:
                record = self.seen[article_id]
                self.seen[article_id] = record[:_FLAGS] + bytes([record[_FLAGS] | _HELD]) + record[_FLAGS + 1 :]


#: The record of an id seen by the call: its outcome (a number in :data:`_OUTCOMES`), flags
#: (:data:`_BEFORE`, :data:`_HELD`), the number of the file it was last read from, the key
#: (:func:`_key`) of the digest the index held before the call (:data:`_NONE` if none) and
#: that of the last copy read. About 200 bytes an id with the dictionary's own.
_RECORD = struct.Struct("<BBI20s20s")
_FLAGS = 1  # the flags' offset in a record
_OUTCOMES = ("added", "updated", "unchanged")
_BEFORE = 1  # the index held the id before this call
_HELD = 2  # the index holds a version of the id as of the last commit (delete it before the next)
_NONE = bytes(20)


def _key(digest: str) -> bytes:
    """A content digest in 20 bytes (it is 40 hex digits; any other string works too)."""
    return hashlib.blake2b(digest.encode(), digest_size=20).digest()


def _articles(items: Items, tally: Tally, progress: Callable[[int], None] | None) -> Iterator[Article]:
    """Turn the input stream into Articles, sending rejections to the tally."""
    for n, item in enumerate(items, 1):
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
            except Exception as e:
                tally.reject(Rejected("<input>", n, f"unexpected error: {type(e).__name__}: {e}"))
        if progress is not None:
            progress(n)


def clear_staging(folder: Path) -> None:
    """Remove the staging folder the workers write segments into."""
    shutil.rmtree(folder / STAGING, ignore_errors=True)


def cancel(writer: Writer) -> None:
    """Give up a writer's changes; a failure to clean up (a full disk) must not hide the
    error that led here."""
    with contextlib.suppress(OSError):
        writer.cancel()
