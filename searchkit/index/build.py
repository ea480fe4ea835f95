"""Build an index from files and folders in one call: what ``searchkit index`` does."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from searchkit.documents.count import count_inputs
from searchkit.documents.files import Rejected
from searchkit.errors import SearchKitError
from searchkit.index.index import Index, remove_index
from searchkit.index.reports import FileReport, IndexReport
from searchkit.index.shards import is_sharded
from searchkit.index.storage import MANIFEST

__all__ = ["build_index"]


def build_index(
    path: str | os.PathLike[str],
    sources: Sequence[str | os.PathLike[str]],
    *,
    rebuild: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    shards: int | None = None,
    cluster: Any = None,
) -> IndexReport:
    """Create the index at ``path`` (or open it, or with ``rebuild`` create it anew) and add ``sources``.

    All sources go in through one :meth:`Index.add_path` call, so .txt ids are relative to
    the folder that holds them all. A source that does not exist is reported as a failure
    (in ``failed`` and ``files``) and the others are indexed. When this call creates the
    index and indexes nothing, it leaves nothing behind (not even the folder, if it made it).

    Args:
        path: The index folder.
        sources: .txt, .jsonl, .ndjson or .jsonl.gz files and folders.
        rebuild: Delete the index at ``path`` first and build it from ``sources`` alone.
        workers: As in :meth:`Index.add`.
        progress: Called with ``(inputs handled, inputs expected)``: once with 0 before the
            first input, then after each one. The expected count is an estimate
            (:func:`~searchkit.documents.count_inputs`) that ``handled`` may exceed.
        shards: Make a new sharded index of this many shards (see :meth:`Index.create`);
            refused when an index exists at ``path``, unless ``rebuild`` is given.
        cluster: A Dask scheduler address or ``Client`` whose workers write the segments
            (a sharded index only, see :meth:`searchkit.index.sharded.ShardedIndex.add`).

    Returns:
        The :class:`IndexReport` of the call, missing sources included.

    Raises:
        SearchKitError: No source exists, or the index cannot be created or written.
        IndexLockedError: Another writer holds the index.

    >>> import pathlib, tempfile
    >>> src = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (src / "tin.txt").write_text("Thành uỷ họp\\n\\nNội dung.", encoding="utf-8")
    >>> report = build_index(pathlib.Path(tempfile.mkdtemp()) / "ix", [src, src / "missing.jsonl"], workers=0)
    >>> report.added, [str(r).split("/")[-1] for r in report.failed]
    (1, ['missing.jsonl: no such file or folder'])
    """
    folder = Path(path)
    if shards is not None and not rebuild and (is_sharded(folder) or (folder / MANIFEST).exists()):
        raise SearchKitError(f"an index already exists at {folder}: shards only make a new one (rebuild it to change them)")
    paths = [Path(s) for s in sources]
    missing = [Rejected(str(s), None, "no such file or folder") for s in paths if not s.exists()]
    present = [s for s in paths if s.exists()]
    if not present:
        raise SearchKitError(f"nothing to index: {'; '.join(str(m) for m in missing)}")
    advance: Callable[[int], None] | None = None
    if progress is not None:
        expected = count_inputs(present)
        progress(0, expected)

        def advance(done: int) -> None:
            progress(done, expected)

    made = not folder.exists()
    first = made or not any(folder.iterdir())  # this run creates the index
    try:
        if shards is not None and (rebuild or first):
            opened = Index.create(folder, overwrite=True, shards=shards) if rebuild and is_sharded(folder) else _create_sharded(folder, shards, rebuild)
        else:
            opened = Index.create(folder, overwrite=True) if rebuild else Index.open_or_create(folder)
        with opened as ix:
            report = ix.add_path(present, workers=workers, progress=advance, cluster=cluster)
    finally:
        if first and not rebuild:  # a first run that indexed nothing leaves nothing behind
            _discard_if_empty(folder, made)
    if not missing:
        return report
    return replace(
        report,
        failed=(*missing, *report.failed),
        files=(*report.files, *(FileReport(m.source, failed=1) for m in missing)),
    )


def _create_sharded(folder: Path, shards: int, rebuild: bool) -> Index:
    """A new sharded index at ``folder``, replacing an unsharded one there when ``rebuild``."""
    if rebuild and (folder / MANIFEST).exists():
        remove_index(folder)
    return Index.create(folder, shards=shards)


def _discard_if_empty(path: Path, made: bool) -> None:
    """Remove the index at ``path`` if it holds no article (and the folder, if ``made``)."""
    with contextlib.suppress(SearchKitError, OSError):
        with Index.open(path, verify=False) as ix:
            if len(ix):
                return
        remove_index(path)
        if made:
            path.rmdir()
