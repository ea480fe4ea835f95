"""Hits carry everything stored about their article (author, url, category, source, date,
views): through the API, ``to_json()``, ``searchkit search --json`` and the human output."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from searchkit.index import Index
from searchkit.ui.cli import main

# Original articles written for these tests.
ARTICLES = [
    {"id": "ct-cho-noi", "title": "Cần Thơ giữ nét chợ nổi Cái Răng",
     "body": "UBND thành phố Cần Thơ phê duyệt đề án bảo tồn chợ nổi Cái Răng, hỗ trợ ghe thuyền của tiểu thương.",
     "published": "2024-04-02T06:15:00", "views": 2048, "category": "Văn hóa", "source": "Bản tin thử",
     "author": "Phạm Hà", "url": "https://example.com/tin/ct-cho-noi"},
    {"id": "ct-bare", "title": "Chợ nổi đón khách sớm", "body": "Khách du lịch đến chợ nổi từ năm giờ sáng."},
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("results") / "index"
    with Index.create(path) as ix:
        assert ix.add(ARTICLES, workers=0).added == 2
    return path


def test_hit_has_every_stored_field(index_dir: Path) -> None:
    with Index.open(index_dir) as ix:
        full, bare = sorted(ix.search("cho noi").hits, key=lambda h: h.id != "ct-cho-noi")
    assert (full.author, full.url, full.category, full.source) == ("Phạm Hà", "https://example.com/tin/ct-cho-noi", "Văn hóa", "Bản tin thử")
    assert (full.published, full.views) == (datetime(2024, 4, 2, 6, 15), 2048)
    assert (bare.author, bare.url, bare.category, bare.source, bare.published, bare.views) == (None,) * 6


def test_json_carries_author_and_url(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "chợ nổi", "--index", str(index_dir), "--json"]) == 0
    hits = {h["id"]: h for h in json.loads(capsys.readouterr().out)["hits"]}
    assert hits["ct-cho-noi"]["author"] == "Phạm Hà"
    assert hits["ct-cho-noi"]["url"] == "https://example.com/tin/ct-cho-noi"
    assert hits["ct-cho-noi"]["source"] == "Bản tin thử" and hits["ct-cho-noi"]["category"] == "Văn hóa"
    assert hits["ct-bare"]["author"] is None and hits["ct-bare"]["url"] is None
    with Index.open(index_dir) as ix:
        assert ix.search("chợ nổi").to_json()["hits"] == list(hits.values())


def test_human_output_shows_author_and_url(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "chợ nổi Cái Răng", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "2024-04-02 06:15 · 2,048 views · Văn hóa · Bản tin thử · Phạm Hà · score" in out
    assert "https://example.com/tin/ct-cho-noi" in out
