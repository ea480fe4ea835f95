"""How many inputs some paths hold, estimated in bounded time and memory (for a progress bar).

The count walks the files the readers would read (:func:`~searchkit.documents.files.iter_files`)
and reads each as they would (:func:`~searchkit.documents.readers.input_format`), so it leaves
out what they leave out.
"""

from __future__ import annotations

import gzip
import os
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from searchkit.documents.files import Rejected, iter_files, open_input
from searchkit.documents.readers import input_format
from searchkit.errors import DocumentError

__all__ = ["COUNT_BUDGET_BYTES", "COUNT_BUDGET_SECONDS", "count_inputs"]

#: Bytes :func:`count_inputs` reads in all, after gzip decompression; past them it estimates
#: the lines of the rest from file sizes.
COUNT_BUDGET_BYTES = 64 * 2**20
#: Seconds :func:`count_inputs` may take; past them it returns its estimate so far.
COUNT_BUDGET_SECONDS = 2.0
_COUNT_CHUNK = 2**20
#: Lines per byte on disk assumed before any file was read to its end (about 2 KB an article).
_DEFAULT_DENSITY = 1 / 2048


class _CountBudget:
    """What :func:`count_inputs` may still read, and the lines per disk byte seen so far."""

    def __init__(self) -> None:
        self.bytes = COUNT_BUDGET_BYTES
        self.deadline = time.monotonic() + COUNT_BUDGET_SECONDS
        self.lines = 0
        self.disk_bytes = 0

    def spent(self) -> bool:
        return self.bytes <= 0 or time.monotonic() > self.deadline

    def estimate(self, size: int) -> int:
        density = self.lines / self.disk_bytes if self.disk_bytes else _DEFAULT_DENSITY
        return max(1, round(size * density))

    def seen(self, lines: int, disk_bytes: int) -> None:
        self.lines += lines
        self.disk_bytes += disk_bytes


def count_inputs(paths: Sequence[str | os.PathLike[str]]) -> int:
    """Estimate how many inputs ``paths`` hold, for a progress bar, in bounded time and memory.

    One per ``.txt`` file, one per non-blank line of ``.jsonl``/``.ndjson`` files (also
    gzipped), counted from newline bytes in chunks of 1 MB (a run of blank lines may be
    counted in part). Hidden files and folders are left out and FIFOs, sockets and devices
    are never opened, as the readers do; unreadable files count as one. After
    :data:`COUNT_BUDGET_BYTES` read it estimates the lines of the rest from file sizes, and
    after :data:`COUNT_BUDGET_SECONDS` it returns what it has: the count is only an
    estimate, and a progress bar should grow if it is exceeded.

    Args:
        paths: Files and folders, as given to :meth:`searchkit.Index.add_path`.

    Returns:
        The estimated number of articles and bad lines to come (0 for missing paths).

    >>> count_inputs([Path("/nonexistent")])
    0
    """
    budget = _CountBudget()
    total = 0
    for path in paths:
        for item in iter_files(path):
            if time.monotonic() > budget.deadline:
                return total
            if not isinstance(item, Rejected):
                total += _count_file(item, budget)
    return total


def _count_file(path: Path, budget: _CountBudget) -> int:
    kind = input_format(path)
    if kind in ("jsonl", "jsonl.gz"):
        return _count_lines(path, budget, gz=kind == "jsonl.gz")
    if kind == "txt":
        return 1 if os.path.lexists(path) else 0
    return 0


def _nonblank_lines(data: bytes) -> int:
    """Newlines in ``data`` less the empty lines between records (runs of 3 or more are
    undercounted as blank: an estimate that costs three ``bytes.count`` calls)."""
    return data.count(b"\n") - data.count(b"\n\n") - data.count(b"\n\r\n")


def _count_lines(path: Path, budget: _CountBudget, *, gz: bool) -> int:
    """Lines of a JSONL file, read in chunks until the budget is spent, then estimated."""
    if not os.path.lexists(path):
        return 0
    try:
        raw = open_input(path)
    except DocumentError:
        return 1  # one Rejected to come
    with raw:
        size = os.fstat(raw.fileno()).st_size
        if budget.spent():
            return budget.estimate(size)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        lines, last = 0, b"\n"  # a file that starts with a newline starts with a blank line
        try:
            while chunk := stream.read1(_COUNT_CHUNK):  # type: ignore[union-attr]  # read1: a corrupt end loses little
                lines += _nonblank_lines(last + chunk) - (last == b"\n")
                last = chunk[-1:]
                budget.bytes -= len(chunk)
                if budget.spent():
                    done = raw.tell()  # bytes on disk read so far (compressed for gzip)
                    budget.seen(lines, done)
                    return max(lines, round(lines * size / done)) if done else lines
        except (OSError, EOFError, zlib.error):
            return max(lines, 1)
        lines += last != b"\n"
        budget.seen(lines, size)
        return lines
