"""Shared fixtures: the external data folder and small indexes built from original texts."""

from __future__ import annotations

import gzip
import json
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
