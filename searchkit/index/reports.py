"""What writing to an index reports (:class:`IndexReport`, :class:`FileReport`) and what
:meth:`~searchkit.Index.stats` says about one (:class:`IndexStats`), with their JSON."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from searchkit.documents.files import Rejected

__all__ = ["FileReport", "IndexReport", "IndexStats"]


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
        index: The index folder written to ("" when not known).

    >>> report = IndexReport(1, 0, 0, (), (), (), (FileReport("a.txt", added=1),), 0.5, "ix")
    >>> report.ok, report.processed, report.to_json()["files"]
    (True, 1, [{'source': 'a.txt', 'added': 1, 'updated': 0, 'unchanged': 0, 'failed': 0}])
    """

    added: int
    updated: int
    unchanged: int
    failed: tuple[Rejected, ...]
    skipped: tuple[Rejected, ...]
    duplicates: tuple[str, ...]
    files: tuple[FileReport, ...]
    seconds: float
    index: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing failed (skipped files do not count as failures)."""
        return not self.failed

    @property
    def processed(self) -> int:
        """Articles read successfully (added + updated + unchanged)."""
        return self.added + self.updated + self.unchanged

    def to_json(self) -> dict[str, Any]:
        """Return the JSON that ``searchkit index --json`` prints (see the README's "JSON output")."""
        return {
            "index": self.index,
            "ok": self.ok,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [_rejected_json(r) for r in self.failed],
            "skipped": [_rejected_json(r) for r in self.skipped],
            "duplicates": list(self.duplicates),
            "files": [asdict(f) for f in self.files],
            "seconds": round(self.seconds, 3),
        }


def _rejected_json(r: Rejected) -> dict[str, Any]:
    return {"source": r.source, "line": r.line, "reason": r.reason}


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Facts about an index for ``searchkit stats`` and the REPL's ``:stats``.

    Attributes:
        path: The index folder.
        articles: Articles in the index.
        size_bytes: Bytes taken by searchkit's files.
        segments: Index segments (a few per commit, merged over time).
        created: When the index was created (ISO 8601, UTC), if recorded.
        updated: When it was last written (ISO 8601, UTC), if recorded.
        searchkit_version: The searchkit version that last wrote it.
        analyzer_version: The version of the text analysis it was built with.
        format: The index format.
    """

    path: str
    articles: int
    size_bytes: int
    segments: int
    created: str | None
    updated: str | None
    searchkit_version: str
    analyzer_version: int
    format: int

    def to_json(self) -> dict[str, Any]:
        """Return the JSON that ``searchkit stats --json`` prints: every attribute by name.

        >>> IndexStats("ix", 2, 4096, 1, None, None, "0.1", 3, 2).to_json()["articles"]
        2
        """
        return asdict(self)


class Tally:
    """Mutable counters behind an :class:`IndexReport` (internal to one add call)."""

    def __init__(self, index: str = "") -> None:
        self.index = index
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
            index=self.index,
        )
