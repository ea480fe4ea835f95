"""Committing: a Whoosh 2.7.4 ``SegmentWriter`` that also commits segment files built elsewhere.

:class:`CommitWriter` keeps what Whoosh's writer does (the index lock, deletions, the table of
contents of the next generation) and adds :meth:`CommitWriter.commit_built`, which moves
finished segment files into the index folder and commits them in milliseconds, whatever the
number of articles. A subclass sets the merge policy (:attr:`CommitWriter.merge_policy`, a
plain function as for ``commit(mergetype=...)``) and the clean-up of unused files
(:meth:`CommitWriter.clean_unused`); :func:`merge_into` is what a merge policy calls to merge
segments into the writer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from whoosh.index import TOC
from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE, SegmentWriter

from searchkit._whoosh.files import toc_filename

__all__ = ["CommitWriter", "MergePolicy", "merge_into"]

#: A Whoosh merge policy: ``policy(writer, segments)`` merges some of the index's ``segments``
#: into ``writer`` (with :func:`merge_into`) and returns the segments to keep as they are.
MergePolicy = Callable[[Any, list[Any]], list[Any]]


def merge_into(writer: Any, segments: Sequence[Any]) -> None:
    """Merge ``segments`` of the writer's index into the new segment ``writer`` is writing
    (what Whoosh's own merge policies do: Whoosh's generic, in-process merge)."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()


class CommitWriter(SegmentWriter):
    """Whoosh's segment writer with a merge policy of the subclass's choosing, able to commit
    segment files built by :class:`searchkit._whoosh.segments.SegmentFile`."""

    #: The merge policy of :meth:`commit` and :meth:`commit_built` (a ``staticmethod``).
    merge_policy: MergePolicy = staticmethod(NO_MERGE)
    is_closed: bool  # set by SegmentWriter

    def clean_unused(self, folder: Path, generation: int, segment_ids: set[str]) -> None:
        """Remove the files that commit ``generation`` (of segments ``segment_ids``) no longer
        uses. This class removes nothing."""

    def commit(self, mergetype: MergePolicy | None = None, optimize: bool | None = None, merge: bool | None = None) -> None:
        """Whoosh's ``commit``, with :attr:`merge_policy` when no ``mergetype`` is given."""
        if mergetype is None and optimize is None and merge is None:
            mergetype = self.merge_policy
        super().commit(mergetype=mergetype, optimize=optimize, merge=merge)

    def _commit_toc(self, segments: list[Any]) -> None:
        """Write the table of contents of the new generation, then :meth:`clean_unused`
        (instead of Whoosh's clean-up, which removes any file named like a segment)."""
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        self.clean_unused(Path(self.storage.folder), self.generation, {s.segment_id() for s in segments})

    def cancel(self) -> None:
        """Give up this writer's changes and remove the files its unused segment opened."""
        segment = self.newsegment
        try:
            super().cancel()
        finally:  # also when closing failed (a full disk): leave no files and no lock behind
            for name in segment.list_files(self.storage):
                with contextlib.suppress(OSError):
                    self.storage.delete_file(name)
            if not self.is_closed:
                with contextlib.suppress(OSError):
                    self._tempstorage.destroy()
                if self.writelock:
                    self.writelock.release()
                self.is_closed = True

    def commit_built(self, built: Sequence[tuple[Path, Any]]) -> None:
        """Move built segment files into the index and commit them with this writer's changes.

        Args:
            built: ``(path, segment)`` of each file (:meth:`SegmentFile.write` gives both), in
                the order their documents are numbered; each file moves into the index folder
                under its own name.

        The merge policy runs first; segments it merged come before the built ones. Atomic as
        a Whoosh commit is: a crash before the table of contents is written leaves the
        previous commit intact (a moved file that no table of contents names is removed by
        the next commit).
        """
        self._check_state()
        folder = Path(self.storage.folder)
        moved: list[Path] = []
        try:
            for path, _ in built:
                os.replace(path, folder / path.name)
                moved.append(folder / path.name)
            segments = self.merge_policy(self, self.segments)
            if self._added:  # the merge policy merged segments into this writer
                segments.append(self._finalize_segment())
            else:
                self._close_segment()
            segments.extend(segment for _, segment in built)
            self._commit_toc(segments)
        except BaseException:
            # No table of contents names the moved files unless this one was written: then
            # the commit happened and they belong to it; otherwise they are orphans (a full
            # disk must not stay full of them).
            if not (folder / toc_filename(self.indexname, self.generation)).exists():
                for path in moved:
                    path.unlink(missing_ok=True)
            raise
        self._finish()
