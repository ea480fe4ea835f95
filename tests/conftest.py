"""Shared fixtures: the external data folder and small indexes built from original texts."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: ../shared/data relative to the repository root (read-only real Vietnamese material).
DATA = REPO.parent / "shared" / "data"
EXAMPLES = REPO / "examples" / "articles"


@pytest.fixture(autouse=True, scope="session")
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """searchkit's cached copies (pyvi's parsed model) go to a folder of this run, not the
    user's ``~/.cache``; child processes inherit it."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


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
    """The pids of the children of process ``pid`` (from /proc on Linux, else ``pgrep -P``)."""
    tasks = Path(f"/proc/{pid}/task")
    if tasks.is_dir():  # children are listed under the thread that started them
        found: set[int] = set()
        for task in tasks.iterdir():
            try:
                found.update(int(p) for p in (task / "children").read_text().split())
            except OSError:  # the thread ended meanwhile
                continue
        return sorted(found)
    listed = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return sorted(int(p) for p in listed.stdout.split())


def worker_pids(pid: int) -> list[int]:
    """The searchkit indexing workers among the children of process ``pid``: not the helpers
    another library leaves running for the life of the process (multiprocessing's resource
    tracker, started by the Dask cluster tests)."""
    found = []
    for child in child_pids(pid):
        cmdline = Path(f"/proc/{child}/cmdline")
        if cmdline.exists():
            args = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        else:
            args = subprocess.run(["ps", "-o", "args=", "-p", str(child)], capture_output=True, text=True, check=False).stdout
        if "searchkit.index._worker" in args:
            found.append(child)
    return found
