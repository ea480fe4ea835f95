"""Shared helpers of the benchmark scripts: data location, peers, tables, memory."""

from __future__ import annotations

import gzip
import json
import os
import re
import resource
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
WORK = REPO / "benchmarks" / "_work"


def need(relative: str) -> Path:
    """Return a file of ../shared/data or exit with a clear message."""
    path = DATA / relative
    if not path.exists():
        sys.exit(f"benchmark data not found: {path}")
    return path


def read_jsonl(relative: str, limit: int | None = None) -> Iterator[dict]:
    path = need(relative)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from islice((json.loads(line) for line in f if line.strip()), limit)


def peak_rss_mb() -> float:
    """Peak resident memory of this process (and of waited-for children), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


_WORD = re.compile(r"\w+")


def syllables(text: str) -> list[str]:
    """Lowercased syllables: what a generic engine without Vietnamese analysis sees."""
    return _WORD.findall(text.lower())


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """Print a table with rich (plain text when piped)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for h in header:
        table.add_column(h, justify="right" if h != header[0] else "left")
    for row in rows:
        table.add_row(*(f"{c:.3f}" if isinstance(c, float) else str(c) for c in row))
    Console(width=140).print(table)


def tree_rss_mb(root: int) -> float:
    """Total RSS of ``root`` and its descendants, from /proc (0 when it is gone).

    Reads only the tree's own entries where the kernel lists each task's children
    (``/proc/PID/task/TID/children``): a sample then costs ~0.1 ms instead of ~1 ms for a scan of
    all of /proc, which, taken every 20 ms, stole a few percent of the cores being measured.
    """
    if not os.path.exists(f"/proc/{root}/task/{root}/children"):
        return _tree_rss_mb_scan(root)
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * page
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, IndexError):
            continue  # the process ended while it was read
    return total / 2**20


def _tree_rss_mb_scan(root: int) -> float:
    """:func:`tree_rss_mb` by reading the parent of every process in /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21])
    page = os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0) * page
        todo.extend(p for p, parent in parents.items() if parent == pid)
    return total / 2**20
