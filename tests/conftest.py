"""Shared fixtures: the external data folder and small indexes built from original texts."""

from __future__ import annotations

import gzip
import json
import subprocess
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: ../shared/data relative to the repository root (read-only real Vietnamese material).
DATA = REPO.parent / "shared" / "data"
EXAMPLES = REPO / "examples" / "articles"


def data_file(relative: str) -> Path:
    """Return a file of ../shared/data, skipping the test when it is absent."""
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"external data not available: {path}")
    return path


def read_jsonl(relative: str, limit: int | None = None) -> Iterator[dict]:
    """Stream up to ``limit`` objects of a (possibly gzipped) JSONL file of ../shared/data."""
    path = data_file(relative)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from islice((json.loads(line) for line in f if line.strip()), limit)


def child_pids(pid: int) -> list[int]:
    """The pids of the children of process ``pid`` (from /proc on Linux, else ``pgrep -P``).

    Python's multiprocessing resource tracker is left out: once a test has started a Dask
    ``LocalCluster`` (tests/test_cluster.py), it lives as long as the test process does."""
    tasks = Path(f"/proc/{pid}/task")
    if tasks.is_dir():  # children are listed under the thread that started them
        found: set[int] = set()
        for task in tasks.iterdir():
            try:
                found.update(int(p) for p in (task / "children").read_text().split())
            except OSError:  # the thread ended meanwhile
                continue
        return sorted(p for p in found if not _resource_tracker(p))
    listed = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return sorted(int(p) for p in listed.stdout.split())


def _resource_tracker(pid: int) -> bool:
    try:
        return b"multiprocessing.resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended meanwhile
        return False
