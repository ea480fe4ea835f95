"""A province or city typed alone matches its other spellings: "TP.HCM" ⇄ "Thành phố Hồ Chí Minh"
(issue #12, "aliases everywhere"), as a phrase and in free text, typed with or without diacritics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import Index
from searchkit.text.orgs import canonical_place, find_orgs, place_aliases
from searchkit.ui.cli import main

# Original short articles: the same city spelled three ways, and another city.
ARTICLES = [
    {
        "id": "tphcm",
        "title": "Triều cường làm ngập nhiều tuyến đường",
        "body": "Chiều qua, triều cường dâng cao khiến nhiều tuyến đường ở TP.HCM ngập sâu, xe máy chết máy hàng loạt.",
    },
    {
        "id": "thanh-pho",
        "title": "Mưa lớn kéo dài",
        "body": "Cơn mưa lớn kéo dài hơn hai giờ khiến nhiều khu dân cư của Thành phố Hồ Chí Minh bị ngập.",
    },
    {
        "id": "tp-cham",
        "title": "Người dân chèo xuồng trên phố",
        "body": "Tại Tp. Hồ Chí Minh, nước ngập đến đầu gối, người dân phải chèo xuồng đi làm.",
    },
    {
        "id": "da-nang",
        "title": "Đà Nẵng khai trương cầu mới",
        "body": "Thành phố Đà Nẵng khánh thành cây cầu mới bắc qua sông Hàn, không còn cảnh ngập mỗi mùa mưa.",
    },
]
SAME_CITY = {"tphcm", "thanh-pho", "tp-cham"}
SPELLINGS = ["TP.HCM", "Thành phố Hồ Chí Minh", "Tp. Hồ Chí Minh", "TPHCM", "TP HCM", "Hồ Chí Minh"]
UNMARKED = ["thanh pho ho chi minh", "tp ho chi minh", "tp hcm", "ho chi minh"]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("places-ix")
    with Index.create(folder) as index:
        report = index.add(ARTICLES, workers=0)
        assert report.added == len(ARTICLES)
    return folder


@pytest.fixture(scope="module")
def ix(index_dir: Path) -> Iterator[Index]:
    with Index.open(index_dir) as index:
        yield index


def ids(ix: Index, query: str, match: str = "auto") -> set[str]:
    return {h.id for h in ix.search(query, limit=100, facets=False, match=match).hits}  # type: ignore[arg-type]


def test_canonical_place_and_aliases() -> None:
    for spelling in [*SPELLINGS, *UNMARKED, "Tp.HCM", "hcm"]:
        assert canonical_place(spelling) == "Thành phố Hồ Chí Minh", spelling
    assert canonical_place("Quảng Ninh") == "tỉnh Quảng Ninh"
    assert canonical_place("ha noi") == "thành phố Hà Nội"
    assert canonical_place("HN") == "thành phố Hà Nội"
    assert canonical_place("hn") is None  # a two-letter abbreviation only in capitals
    assert canonical_place("thành phố") is None
    assert canonical_place("chèo xuồng") is None
    assert canonical_place("Lòng An") is None  # marks typed are marks meant
    aliases = place_aliases("Thành phố Hồ Chí Minh")
    assert aliases[0] == "Thành phố Hồ Chí Minh"
    assert {"TP.HCM", "TPHCM", "Tp. Hồ Chí Minh", "HCM"} <= set(aliases)
    assert place_aliases("bộ quần áo") == ()


def test_org_recognition_unchanged() -> None:
    assert find_orgs("Triều cường làm ngập TP.HCM.") == []
    assert [m.canonical for m in find_orgs("UBND TP.HCM họp.")] == ["Ủy ban nhân dân Thành phố Hồ Chí Minh"]


@pytest.mark.parametrize("spelling", SPELLINGS + UNMARKED)
def test_phrase_finds_every_spelling(ix: Index, spelling: str) -> None:
    assert ids(ix, f'"{spelling}"') == SAME_CITY


@pytest.mark.parametrize("spelling", SPELLINGS + UNMARKED)
def test_free_text_finds_every_spelling(ix: Index, spelling: str) -> None:
    ngap = "ngap" if spelling in UNMARKED else "ngập"
    assert ids(ix, f"{spelling} {ngap}") == SAME_CITY
    assert ids(ix, spelling) == SAME_CITY


def test_free_text_place_inside_a_longer_word(ix: Index) -> None:
    # pyvi reads "Hồ Chí Minh mưa" as one word: the place's syllables still count as the place.
    assert ids(ix, "Thành phố Hồ Chí Minh mưa", match="all") == {"thanh-pho"}


def test_alias_spellings_score(ix: Index) -> None:
    hits = ix.search("TP.HCM ngập", limit=10, facets=False).hits
    assert {h.id for h in hits} == SAME_CITY
    assert all(h.score > 0 for h in hits)


def test_other_place_not_confused(ix: Index) -> None:
    assert ids(ix, '"Đà Nẵng"') == {"da-nang"}
    assert ids(ix, "da nang ngap", match="all") == {"da-nang"}
    assert "da-nang" not in ids(ix, "TP.HCM ngập", match="all")


def test_words_outside_the_place_still_required(ix: Index) -> None:
    assert ids(ix, "TP.HCM chèo xuồng", match="all") == {"tp-cham"}
    assert ids(ix, "thanh pho ho chi minh cheo xuong", match="all") == {"tp-cham"}


def test_excluded_place_phrase(ix: Index) -> None:
    assert ids(ix, 'ngập -"TP.HCM"') == {"da-nang"}


@pytest.mark.parametrize("query", ['"TP.HCM"', '"thanh pho ho chi minh"', "Tp. Hồ Chí Minh ngập", "tphcm ngap"])
def test_cli_json(index_dir: Path, capsys: pytest.CaptureFixture[str], query: str) -> None:
    assert main(["search", query, "--json", "--index", str(index_dir)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {hit["id"] for hit in found["hits"]} == SAME_CITY


def test_relaxing_keeps_the_place(ix: Index) -> None:
    results = ix.search("TP.HCM khinhkhí", limit=100, facets=False)
    assert {h.id for h in results.hits} == SAME_CITY
    assert results.relaxed == ("khinhkhí",)
