"""Searching through ``Index.search`` / ``Index.highlight``: spelling-independence, ranking of
exact spellings, the query language, filters, organization aliases, robustness, highlights,
facets, did-you-mean and the result types.

One index is built per module from ``examples/articles`` plus a few short original articles
written for these tests (``EXTRA``).
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit import (
    FacetValue,
    Highlighted,
    Hit,
    Index,
    QuerySyntaxError,
    SearchResults,
    Snippet,
    Span,
    canonical_org,
    fold,
    normalize,
    to_html,
)

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"

# Original articles written for these tests. The "ma" family repeats its distractor spellings
# many times so that only the tone marks can rank the "mã" article first.
EXTRA: list[dict[str, Any]] = [
    {
        "id": "extra/ma-so-thue",
        "title": "Hướng dẫn tra cứu mã số thuế cá nhân",
        "body": "Người nộp thuế có thể tra cứu mã số thuế trên cổng thông tin điện tử của cơ quan thuế.",
        "published": "2021-03-01T08:00:00",
        "category": "Thử nghiệm",
    },
    {
        "id": "extra/chuyen-ma",
        "title": "Chuyện ma ở làng ven biển",
        "body": "Chuyện ma được kể lại nhiều đời. Ma ở gốc đa, ma ở bến sông, ma ở đầu làng: "
        "người già bảo ma chỉ là chuyện để dọa trẻ con. Ma, ma và ma.",
        "published": "2021-03-02T08:00:00",
        "category": "Thử nghiệm",
    },
    {
        "id": "extra/ma-toi",
        "title": "Má tôi và gánh hàng rong",
        "body": "Má dậy từ bốn giờ sáng. Má gánh hàng ra chợ, má bán đến trưa, má về nấu cơm. "
        "Má nói má không mệt. Má ơi, má!",
        "published": "2021-03-03T08:00:00",
        "category": "Thử nghiệm",
    },
    {
        "id": "extra/ma-thoi",
        "title": "Mà thôi, chuyện cũ rồi mà",
        "body": "Mà nói thật, chuyện đó qua rồi mà. Mà ai cũng biết mà, nói mà làm gì, mà thôi.",
        "published": "2021-03-04T08:00:00",
        "category": "Thử nghiệm",
    },
    {
        "id": "extra/ubnd-tp-ha-noi",
        "title": "UBND TP Hà Nội họp bàn kế hoạch chống ùn tắc giao thông",
        "body": "Sáng nay, UBND TP Hà Nội họp với các sở, ngành về kế hoạch giảm ùn tắc giao thông "
        "tại các nút giao trọng điểm trong giờ cao điểm.",
        "published": "2021-05-10T09:00:00",
        "category": "Thử nghiệm",
    },
    {
        "id": "extra/uy-ban-quang-ninh-cu",
        "title": "Uỷ ban nhân dân tỉnh Quảng Ninh giao chỉ tiêu trồng rừng",
        "body": "Uỷ ban nhân dân tỉnh Quảng Ninh vừa giao chỉ tiêu trồng rừng thay thế cho các địa "
        "phương ven biển, ưu tiên rừng ngập mặn.",
        "published": "2021-06-15T10:00:00",
        "category": "Thử nghiệm",
    },
]

ALL = 1000  # a limit larger than the corpus


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.create(tmp_path_factory.mktemp("search-ix")) as index:
        report = index.add_path(EXAMPLES, workers=0)
        assert report.added == 42 and not report.failed
        index.add(EXTRA, workers=0)
        yield index


def ids(results: SearchResults) -> list[str]:
    return [h.id for h in results.hits]


def all_ids(ix: Index, query: str, **kw: Any) -> set[str]:
    return set(ids(ix.search(query, limit=ALL, facets=False, **kw)))


def syllables(text: str) -> set[str]:
    """Lowercase syllables of a text (as typed, diacritics kept)."""
    return set(re.findall(r"\w+", normalize(text).lower()))


def full_text(ix: Index, article_id: str) -> str:
    article = ix.article(article_id)
    assert article is not None
    return f"{article.title}\n{article.body}"


def has_phrase(text: str, phrase: str, *, folded: bool = False) -> bool:
    def prep(s: str) -> str:
        s = " ".join(re.findall(r"\w+", normalize(s).lower()))
        return fold(s) if folded else s

    return f" {prep(phrase)} " in f" {prep(text)} "


def every_article(ix: Index) -> list[dict[str, Any]]:
    return list(ix._searcher().all_stored_fields())


# --------------------------------------------------------------------------- typed any way


@pytest.mark.parametrize(
    "variants",
    [
        ["Ban Chỉ đạo 35", "ban chỉ đạo 35", unicodedata.normalize("NFD", "Ban Chỉ đạo 35")],
        ["Thành uỷ Đà Nẵng", "Thành ủy Đà Nẵng", unicodedata.normalize("NFD", "Thành uỷ Đà Nẵng")],
        ["hoà bình", "hòa bình"],
        ["ban chi dao 35", "BAN CHI DAO 35", "Ban Chi Dao 35"],
    ],
)
def test_same_text_in_any_spelling_gives_identical_results(ix: Index, variants: list[str]) -> None:
    """Tone placement, NFD and case of a query change nothing at all."""
    first = ix.search(variants[0], limit=10)
    for variant in variants[1:]:
        other = ix.search(variant, limit=10)
        assert ids(other) == ids(first), variant
        assert [round(h.score, 6) for h in other.hits] == [round(h.score, 6) for h in first.hits]


@pytest.mark.parametrize(
    ("plain", "accented", "top"),
    [
        ("ban chi dao 35", "Ban Chỉ đạo 35", 3),
        ("thanh uy da nang", "Thành ủy Đà Nẵng", 1),
        ("cho noi cai rang", "chợ nổi Cái Răng", 1),
        ("xuat khau gao", "xuất khẩu gạo", 1),
    ],
)
def test_with_and_without_diacritics_give_the_same_top_results(ix: Index, plain: str, accented: str, top: int) -> None:
    a = ix.search(plain, limit=top)
    b = ix.search(accented, limit=top)
    assert set(ids(a)) == set(ids(b))
    assert ids(a)[0] == ids(b)[0]


def test_bcd35_articles_come_first_whatever_the_spelling(ix: Index) -> None:
    for query in ("ban chi dao 35", "Ban Chỉ đạo 35", "BAN CHỈ ĐẠO 35", "BCĐ 35", "bcđ 35"):
        top = ix.search(query, limit=4).hits
        # the four articles that name a Ban Chỉ đạo 35 (the Hội thảo of the central one is about it too)
        assert all(any(o.startswith("Ban Chỉ đạo 35") for o in h.orgs) for h in top), (query, [h.title for h in top])
        assert all("Ban Chỉ đạo 35" in h.title for h in top[:3]), (query, [h.title for h in top])


def test_upper_case_query_with_diacritics_ranks_like_lower_case(ix: Index) -> None:
    """An all-caps query segments differently in pyvi ("THÀNH", "ỦY" instead of "Thành ủy"):
    the ranking must not depend on it."""
    lower = ix.search("thành ủy đà nẵng", limit=5)
    upper = ix.search("THÀNH ỦY ĐÀ NẴNG", limit=5)
    assert ids(upper) == ids(lower)


# --------------------------------------------------------------------------- exact spellings first


@pytest.mark.parametrize(
    ("query", "expected"),
    [("mã", "extra/ma-so-thue"), ("má", "extra/ma-toi"), ("mà", "extra/ma-thoi"), ("mã số thuế", "extra/ma-so-thue")],
)
def test_typed_diacritics_rank_the_exact_spelling_first(ix: Index, query: str, expected: str) -> None:
    results = ix.search(query, limit=ALL)
    assert ids(results)[0] == expected


@pytest.mark.parametrize("query", ["mã", "má", "mà", "Mã"])
def test_exact_matches_rank_above_diacritic_free_only_matches(ix: Index, query: str) -> None:
    word = normalize(query).lower()
    hits = ix.search(query, limit=ALL).hits
    exact = [word in syllables(full_text(ix, h.id)) for h in hits]
    assert any(exact)
    # every article with the exact spelling comes before every article without it
    assert exact == sorted(exact, reverse=True), [(h.id, e) for h, e in zip(hits, exact, strict=True)]


def test_partly_accented_query_still_matches_through_the_folded_view(ix: Index) -> None:
    """Users often type some marks and not others: "hội nghi" means "hội nghị"."""
    top = ix.search("hội nghi", limit=1).hits[0]
    assert has_phrase(full_text(ix, top.id), "hội nghị"), top.title


def test_query_without_diacritics_finds_every_spelling(ix: Index) -> None:
    found = all_ids(ix, "ma")
    assert {"extra/ma-so-thue", "extra/chuyen-ma", "extra/ma-toi", "extra/ma-thoi"} <= found


# --------------------------------------------------------------------------- query language


def test_quoted_phrase_must_appear(ix: Index) -> None:
    found = all_ids(ix, '"Ban Chỉ đạo 35"')
    assert len(found) >= 4
    for article_id in found:
        assert has_phrase(full_text(ix, article_id), "Ban Chỉ đạo 35"), article_id
    # the same phrase without diacritics finds at least the same articles
    assert found <= all_ids(ix, '"ban chi dao 35"')


def test_unbalanced_quote_runs_to_the_end(ix: Index) -> None:
    assert all_ids(ix, '"Ban Chỉ đạo 35') == all_ids(ix, '"Ban Chỉ đạo 35"')


def test_and_requires_both_words(ix: Index) -> None:
    found = all_ids(ix, "bóng AND đá")
    assert found
    for article_id in found:
        assert {"bóng", "đá"} <= syllables(full_text(ix, article_id))
    assert found == all_ids(ix, "+bóng +đá")


def test_or_is_the_union(ix: Index) -> None:
    a, b = all_ids(ix, "gạo"), all_ids(ix, "marathon")
    assert a and b
    assert all_ids(ix, "gạo OR marathon") == a | b
    assert all_ids(ix, "gạo marathon", match="any") == a | b


@pytest.mark.parametrize("query", ["Đà Nẵng NOT Thành", "Đà Nẵng -Thành", "Đà Nẵng -thành"])
def test_not_and_minus_exclude(ix: Index, query: str) -> None:
    base = all_ids(ix, "Đà Nẵng")
    found = all_ids(ix, query)
    assert found and found < base
    for article_id in found:
        assert "thành" not in syllables(full_text(ix, article_id))
    for article_id in base - found:
        assert "thanh" in {fold(s) for s in syllables(full_text(ix, article_id))}


def test_excluded_phrase(ix: Index) -> None:
    found = all_ids(ix, 'Hải Phòng -"Ban Chỉ đạo 35"')
    assert found
    for article_id in found:
        assert not has_phrase(full_text(ix, article_id), "Ban Chỉ đạo 35")


@pytest.mark.parametrize("query", ['title:"hội nghị"', 'title:"hoi nghi"'])
def test_title_phrase(ix: Index, query: str) -> None:
    found = all_ids(ix, query)
    assert found
    for article_id in found:
        article = ix.article(article_id)
        assert article is not None and has_phrase(article.title, "hội nghị", folded=True)


def test_title_word_is_in_the_title(ix: Index) -> None:
    found = all_ids(ix, "title:marathon")
    assert found
    for article_id in found:
        article = ix.article(article_id)
        assert article is not None and "marathon" in syllables(article.title)
    assert found <= all_ids(ix, "marathon")


@pytest.mark.parametrize("query", ['category:"Thể thao"', 'category:"thể thao"', 'category:"THE THAO"'])
def test_category_filter_any_case_or_accents(ix: Index, query: str) -> None:
    found = all_ids(ix, query)
    expected = {f["id"] for f in every_article(ix) if f.get("category") == "Thể thao"}
    assert expected and found == expected


def test_category_argument(ix: Index) -> None:
    expected = {f["id"] for f in every_article(ix) if f.get("category") == "Thể thao"}
    assert all_ids(ix, "", category="thể thao") == expected
    with_text = all_ids(ix, "bóng đá", category="Thể thao")
    assert with_text and with_text <= expected & all_ids(ix, "bóng đá")


@pytest.mark.parametrize(
    ("query", "lo", "hi"),
    [
        ("date:2023-08", datetime(2023, 8, 1), datetime(2023, 9, 1)),
        ("date:2023", datetime(2023, 1, 1), datetime(2024, 1, 1)),
        ("date:2022..2023", datetime(2022, 1, 1), datetime(2024, 1, 1)),
        ("date:..2022-06", datetime(1900, 1, 1), datetime(2022, 7, 1)),
        ("date:2025..", datetime(2025, 1, 1), datetime(9999, 1, 1)),
    ],
)
def test_date_ranges(ix: Index, query: str, lo: datetime, hi: datetime) -> None:
    expected = {f["id"] for f in every_article(ix) if f.get("published") and lo <= f["published"] < hi}
    assert expected
    assert all_ids(ix, query) == expected


FILTER_QUERIES = ["ban chi dao 35", "Thành ủy", "Hải Phòng", "bóng đá", '"Ban Chỉ đạo"', "thông tin đối ngoại"]


@pytest.mark.parametrize("query", FILTER_QUERIES)
def test_since_until_only_narrow(ix: Index, query: str) -> None:
    since, until = datetime(2023, 1, 1), datetime(2024, 6, 30, 23, 59)
    base = all_ids(ix, query)
    filtered = ix.search(query, limit=ALL, since=since, until=until, facets=False)
    assert set(ids(filtered)) <= base
    for hit in filtered.hits:
        assert hit.published is not None and since <= hit.published <= until
    expected = {i for i in base if (p := ix.article(i).published) and since <= p <= until}  # type: ignore[union-attr]
    assert set(ids(filtered)) == expected
    # a date: clause and the arguments combine (the narrower wins)
    assert all_ids(ix, f"{query} date:2023", since=since, until=until) == {
        i for i in expected if ix.article(i).published.year == 2023  # type: ignore[union-attr]
    }


@pytest.mark.parametrize("query", FILTER_QUERIES)
@pytest.mark.parametrize("org", ["Ban Chỉ đạo 35", "UBND Hải Phòng", "Thành ủy Đà Nẵng"])
def test_org_argument_only_narrows(ix: Index, query: str, org: str) -> None:
    canonical = canonical_org(org)
    assert canonical
    base = all_ids(ix, query)
    filtered = ix.search(query, limit=ALL, org=org, facets=False)
    assert set(ids(filtered)) <= base
    for hit in filtered.hits:
        assert any(o == canonical or o.startswith(canonical + " ") for o in hit.orgs), (hit.id, hit.orgs)


@pytest.mark.parametrize("query", FILTER_QUERIES)
def test_category_and_field_filters_only_narrow(ix: Index, query: str) -> None:
    base = all_ids(ix, query)
    for extra in ('category:"Thể thao"', 'org:"Ban Chỉ đạo 35"', "date:2024", "-Hải"):
        assert all_ids(ix, f"{query} {extra}") <= base, extra


def test_required_clause_decides_and_free_words_rank(ix: Index) -> None:
    """With a required clause (title:, a phrase, +word) the free words are required too, unless
    fewer than 3 articles hold them: then they are dropped and only rank (like Lucene)."""
    found = ix.search('tổng kết title:"Hải Phòng"', limit=ALL)
    assert found.relaxed == ("tổng kết",)
    assert set(ids(found)) == all_ids(ix, 'title:"Hải Phòng"')
    assert has_phrase(full_text(ix, found.hits[0].id), "tổng kết")


@pytest.mark.parametrize("sort", ["date", "views"])
def test_sort_by_date_and_views(ix: Index, sort: str) -> None:
    results = ix.search("Hải Phòng", limit=ALL, sort=sort)
    assert ids(results)
    assert set(ids(results)) == all_ids(ix, "Hải Phòng")
    keys = [h.published if sort == "date" else h.views for h in results.hits]
    present = [k for k in keys if k is not None]
    assert present == sorted(present, reverse=True)
    assert keys[: len(present)] == present  # unknown values last
    assert all(h.score is None for h in results.hits)


# Articles with and without a view count or a date, in an order that puts the unknown ones first.
_SORTED = [
    {"id": f"s{i}", "title": f"Tin vắn số {i}", "body": "Bản tin ngắn về giao thông đô thị.",
     **({"views": 10 * i, "published": f"2024-01-{i:02d}T08:00:00"} if i % 3 == 0 else {})}
    for i in range(1, 25)
]


@pytest.mark.parametrize("shards", [None, 2])
@pytest.mark.parametrize(("sort", "key"), [("views", "views"), ("date", "published")])
def test_sort_puts_articles_without_the_value_last(tmp_path: Path, shards: int | None, sort: str, key: str) -> None:
    with Index.create(tmp_path / "ix", shards=shards) as index:
        index.add(_SORTED, workers=0)
        for limit in (3, 8, ALL):
            hits = index.search("giao thông", limit=limit, sort=sort).hits
            keys = [getattr(h, key) for h in hits]
            assert None not in keys[: min(limit, 8)], (limit, keys)
            assert keys[:8] == sorted(keys[:8], reverse=True)
        assert len(index.search("giao thông", limit=ALL, sort=sort).hits) == len(_SORTED)


def test_sort_unknown_and_negative_limit_are_query_errors(ix: Index) -> None:
    with pytest.raises(QuerySyntaxError):
        ix.search("Hải Phòng", sort="title")
    with pytest.raises(QuerySyntaxError):
        ix.search("Hải Phòng", limit=-1)


# --------------------------------------------------------------------------- organizations


@pytest.mark.parametrize("query", ['org:"UBND Quảng Ninh"', 'org:"Ủy ban nhân dân tỉnh Quảng Ninh"', 'org:"ubnd tinh quang ninh"'])
def test_org_filter_finds_every_spelling(ix: Index, query: str) -> None:
    found = all_ids(ix, query)
    assert {"quangninh/vinh-ha-long-du-lich.txt", "extra/uy-ban-quang-ninh-cu"} <= found
    for article_id in found:
        assert any("Quảng Ninh" in o for o in _hit(ix, query, article_id).orgs)


def _hit(ix: Index, query: str, article_id: str) -> Hit:
    return next(h for h in ix.search(query, limit=ALL).hits if h.id == article_id)


def test_org_filter_unquoted_as_in_the_readme(ix: Index) -> None:
    """README: ``org:UBND Quảng Ninh`` means articles naming that body (no quotes needed)."""
    assert all_ids(ix, "org:UBND Quảng Ninh") == all_ids(ix, 'org:"UBND Quảng Ninh"')


def test_org_argument_equals_org_clause(ix: Index) -> None:
    assert all_ids(ix, "", org="UBND Quảng Ninh") == all_ids(ix, 'org:"UBND Quảng Ninh"')


def test_free_text_alias_finds_full_name(ix: Index) -> None:
    assert "hanoi/duong-sat-do-thi.txt" in ids(ix.search("UBND Hà Nội", limit=3))
    assert "hanoi/duong-sat-do-thi.txt" in ids(ix.search("ubnd ha noi", limit=3))


def test_free_text_full_name_finds_alias(ix: Index) -> None:
    assert "extra/ubnd-tp-ha-noi" in ids(ix.search("Ủy ban nhân dân thành phố Hà Nội", limit=3))
    assert "extra/ubnd-tp-ha-noi" in ids(ix.search("Uỷ ban nhân dân thành phố Hà Nội", limit=3))


def test_bcd_abbreviation(ix: Index) -> None:
    top = ix.search("BCĐ 35", limit=4).hits
    assert all(any(o.startswith("Ban Chỉ đạo 35") for o in h.orgs) for h in top)
    assert all_ids(ix, 'org:"BCĐ 35"') == all_ids(ix, 'org:"Ban Chỉ đạo 35"')


def test_org_prefix_includes_more_specific_bodies(ix: Index) -> None:
    found = all_ids(ix, 'org:"Ban Chỉ đạo 35"')
    assert {"haiphong/bcd35-tong-ket-2023.txt", "danang/bcd35-to-thong-tin-mang.txt", "cantho/bcd35-can-tho.txt"} <= found


# Names that hold a comma (a ministry's, a steering committee's), in sentences written for this test.
_COMMA_NAMES = [
    {"id": "c1", "title": "Bộ Văn hóa, Thể thao và Du lịch công bố lịch lễ hội",
     "body": "Bộ Văn hóa, Thể thao và Du lịch vừa công bố lịch các lễ hội mùa xuân. Sở Y tế cũng có mặt."},
    {"id": "c2", "title": "Bộ VHTTDL kiểm tra di tích",
     "body": "Đoàn công tác của Bộ VHTTDL đã kiểm tra việc trùng tu di tích."},
    {"id": "c3", "title": "Họp trực tuyến về dịch bệnh",
     "body": "Ban Chỉ đạo Phòng, chống dịch Covid-19 tỉnh Hà Nam họp trực tuyến với các huyện."},
    {"id": "c4", "title": "Bộ Văn hóa và Bộ Y tế", "body": "Sở Y tế tỉnh Hà Nam báo cáo tình hình."},
]


@pytest.mark.parametrize("shards", [None, 2])
def test_names_with_commas_stay_whole(tmp_path: Path, shards: int | None) -> None:
    ministry = "Bộ Văn hóa, Thể thao và Du lịch"
    committee = "Ban Chỉ đạo Phòng, chống dịch Covid-19 tỉnh Hà Nam"
    with Index.create(tmp_path / "ix", shards=shards) as index:
        index.add(_COMMA_NAMES, workers=0)
        for spelling in (ministry, "Bộ VHTTDL", "bo van hoa, the thao va du lich"):
            assert all_ids(index, f'org:"{spelling}"') == {"c1", "c2"}, spelling
            assert all_ids(index, "", org=spelling) == {"c1", "c2"}, spelling
        assert all_ids(index, f'org:"{committee}"') == {"c3"}
        assert all_ids(index, 'org:"Ban Chỉ đạo Phòng"') == set()
        hits = {h.id: h for h in index.search("", org=ministry, limit=ALL).hits}
        assert ministry in hits["c1"].orgs and ministry in hits["c2"].orgs
        assert all(o == o.strip() for h in hits.values() for o in h.orgs)
        assert index.search(f'org:"{committee}"').hits[0].orgs == (committee,)
        assert json.loads(json.dumps(index.search("", org=ministry).to_json()))["hits"][0]["orgs"][0] == ministry
        for values in (index.organizations(top=50), index.search("", org="Bộ VHTTDL").facets["org"]):
            counts = {f.value: f.count for f in values}
            assert counts.get(ministry) == 2 and "Thể thao và Du lịch" not in counts and "Ban Chỉ đạo Phòng" not in counts


# --------------------------------------------------------------------------- robustness

MALFORMED = [
    '"unbalanced',
    '"',
    '""',
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "-",
    "+",
    "- + -",
    "&& ||",
    "Hải Phòng NOT",
    "AND Hải Phòng",
    "x" * 10_000,
    "ban chi dao " * 1000,
    "\x00ban\x01 chi\x1b dao\x7f",
    "\u200bban\u00adchi\ufeff dao",
    "và của những",
    "là thì mà",
    "!!! ,,, ... ???",
    "(((",
    ")))",
    "*?~^",
    "field:value",
    "Title:Hải",
    "org:Xyzzy",
    'org:"bộ quần áo"',
    "category:Không-có",
    "date:2023 date:2024",
    "🙂🙂 emoji",
    "a\u0300\u0301\u0302",
    "\ud800",
    "Ban\nChỉ\tđạo\r35",
    "'single quotes'",
    "\\\\",
    "[]{}<>",
    "a:b:c",
    "-\"\"",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_odd_input_never_raises(ix: Index, query: str) -> None:
    results = ix.search(query)
    assert isinstance(results, SearchResults)
    assert results.total >= len(results.hits)


@pytest.mark.parametrize("query", ["title:", "org:", "category:", "date:", "date:2023-13", "date:abc", "date:2024..2022", "x title:", 'title:"'])
def test_unreadable_input_is_a_query_syntax_error(ix: Index, query: str) -> None:
    with pytest.raises(QuerySyntaxError):
        ix.search(query)


def test_lone_operators_find_nothing(ix: Index) -> None:
    for query in ("AND", "OR", "NOT", "-", "+", "!!! ,,, ..."):
        assert ix.search(query).total == 0


def test_control_characters_are_ignored(ix: Index) -> None:
    assert ids(ix.search("\x00ban\x01 chi\x1b dao")) == ids(ix.search("ban chi dao"))


def test_stopword_only_query_still_searches(ix: Index) -> None:
    assert ix.search("và của").total > 0


def test_very_long_query_is_cut_to_a_bounded_number_of_words(ix: Index) -> None:
    from searchkit.search import plan
    from searchkit.search.query import parse_query

    query = " ".join(["Ban Chỉ đạo 35 Hải Phòng Đà Nẵng"] * 300)[:10_000]
    assert len(plan.build_plan(parse_query(query)).units) <= plan._MAX_UNITS
    assert ix.search(query).total > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=300), st.integers(0, 12))
def test_facet_values_are_the_most_frequent_ties_in_value_order(codes: list[int], top: int) -> None:
    import numpy as np

    from searchkit.search.facets import _top_codes

    values = [f"v{i:02d}" for i in range(31)]
    counts = Counter(codes)
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    got = _top_codes(values, np.array(codes, dtype=np.int64), top)
    assert [(f.value, f.count) for f in got] == [(values[c], n) for c, n in expected]


QUERY_CHARS = st.sampled_from([*'ab đĐạ"-+:()*?~ \t\nANDORNOT', "title:", "org:", "date:", "category:", "2023", ".."])


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=120), st.lists(QUERY_CHARS, max_size=30).map("".join)))
def test_any_text_either_searches_or_is_a_query_syntax_error(ix: Index, query: str) -> None:
    try:
        results = ix.search(query, limit=5)
    except QuerySyntaxError:
        return
    for hit in results.hits:
        for snippet in (hit.snippet, hit.title_snippet):
            check_spans(snippet)


# --------------------------------------------------------------------------- highlights


def check_spans(snippet: Snippet) -> None:
    text = snippet.text
    for span in snippet.spans:
        assert 0 <= span.start < span.end <= len(text), span
        assert span.kind in ("match", "org")
        for i in (span.start, span.end):
            if 0 < i < len(text):
                assert not unicodedata.category(text[i]).startswith("M"), (span, text)
                assert not ("\udc00" <= text[i] <= "\udfff" and "\ud800" <= text[i - 1] <= "\udbff")


def spans_of(snippet: Snippet, kind: str) -> list[str]:
    return [snippet.text[s.start : s.end] for s in snippet.spans if s.kind == kind]


def test_unaccented_query_highlights_the_accented_words(ix: Index) -> None:
    hit = ix.search("chi dao", limit=1).hits[0]
    matched = spans_of(hit.snippet, "match") + spans_of(hit.title_snippet, "match")
    assert any(m.lower() == "chỉ đạo" for m in matched), matched


@pytest.mark.parametrize(
    "query",
    [
        "chi dao",
        "Ban Chỉ đạo 35",
        unicodedata.normalize("NFD", "chợ nổi Cái Răng"),
        "Thành uỷ",
        "UBND Hà Nội",
        'org:"Ban Chỉ đạo 35"',
        "mã số",
        "quoc hoi",
    ],
)
def test_spans_are_in_bounds_and_on_character_boundaries(ix: Index, query: str) -> None:
    results = ix.search(query, limit=10)
    assert results.hits
    for hit in results.hits:
        check_spans(hit.snippet)
        check_spans(hit.title_snippet)
        assert hit.title_snippet.text == hit.title
        assert len(hit.snippet.text) <= 240


def test_nfd_article_highlights_cleanly(ix: Index) -> None:
    hit = ix.search("chợ nổi", limit=1).hits[0]
    assert hit.id == "cantho/cho-noi-cai-rang.txt"
    assert any(fold(m.lower()) == "cho noi" for m in spans_of(hit.snippet, "match") + spans_of(hit.title_snippet, "match"))


def test_org_spans_are_present(ix: Index) -> None:
    hit = ix.search("Ban Chỉ đạo 35", limit=1).hits[0]
    assert spans_of(hit.title_snippet, "org")
    assert any(o.startswith("Ban Chỉ đạo 35") for o in spans_of(hit.snippet, "org"))


def test_match_inside_an_org_name_shows_both(ix: Index) -> None:
    hit = ix.search("chi dao", limit=1).hits[0]
    title = hit.title_snippet
    orgs = [s for s in title.spans if s.kind == "org"]
    matches = [s for s in title.spans if s.kind == "match"]
    assert any(o.start <= m.start and m.end <= o.end for o in orgs for m in matches), title
    rendered = to_html(title)
    assert '<mark class="org">' in rendered and "<mark>Chỉ đạo</mark>" in rendered


def test_org_query_marks_the_org_as_a_match(ix: Index) -> None:
    hit = ix.search('org:"UBND Quảng Ninh"', limit=1).hits[0]
    matched = spans_of(hit.snippet, "match") + spans_of(hit.title_snippet, "match")
    assert any(canonical_org(m) == "Ủy ban nhân dân tỉnh Quảng Ninh" for m in matched), matched


def test_highlight_returns_the_whole_article(ix: Index) -> None:
    article_id = "haiphong/bcd35-tong-ket-2023.txt"
    result = ix.highlight(article_id, "chi dao")
    assert result is not None
    title, body = result.title, result.body
    article = ix.article(article_id)
    assert article is not None
    assert title.text == article.title
    assert body.text == article.body
    check_spans(title)
    check_spans(body)
    matched = spans_of(body, "match")
    assert matched and all(fold(m.lower()) in ("chi dao", "chi") for m in matched)
    # every "chỉ đạo" of the body is marked, not just those of a snippet
    assert len([m for m in matched if m.lower() == "chỉ đạo"]) == body.text.lower().count("chỉ đạo")
    assert spans_of(body, "org")


def test_highlight_is_a_frozen_value_and_ids_lists_every_article(ix: Index) -> None:
    result = ix.highlight("haiphong/bcd35-tong-ket-2023.txt", "chi dao")
    assert isinstance(result, Highlighted)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.title = result.body  # type: ignore[misc]
    ids = list(ix.ids())
    assert len(ids) == len(ix) == len(set(ids)) and "haiphong/bcd35-tong-ket-2023.txt" in ids
    assert not hasattr(ix, "searcher")  # no Whoosh object in the public API


def test_highlight_of_missing_article_and_empty_query(ix: Index) -> None:
    assert ix.highlight("no/such/article", "chi dao") is None
    result = ix.highlight("haiphong/bcd35-tong-ket-2023.txt", "")
    assert result is not None
    assert not spans_of(result.body, "match") and spans_of(result.body, "org")


# --------------------------------------------------------------------------- facets


@pytest.mark.parametrize("query", ["ban chi dao", "Hải Phòng", "thông tin", "date:2022..2024"])
def test_facets_count_the_whole_result_set(ix: Index, query: str) -> None:
    page = ix.search(query, limit=1)
    everything = ix.search(query, limit=ALL)
    assert page.total == everything.total == len(everything.hits)
    assert set(page.facets) == {"org", "year", "category", "source"}
    assert dict(page.facets) == dict(everything.facets)
    hits = everything.hits
    years = Counter(str(h.published.year) for h in hits if h.published)
    assert {f.value: f.count for f in page.facets["year"]} == dict(years)
    categories = Counter(h.category for h in hits if h.category)
    assert {f.value: f.count for f in page.facets["category"]} == dict(categories)
    for facet in page.facets["org"]:
        assert facet.count == sum(facet.value in h.orgs for h in hits), facet
    counts = [f.count for f in page.facets["org"]]
    assert counts == sorted(counts, reverse=True)


def test_facets_over_segments_with_deleted_and_updated_articles(tmp_path: Path) -> None:
    places = ["Quảng Ninh", "Hải Phòng", "Đà Nẵng"]
    categories = ["Thời sự", "Kinh tế", "Xã hội", "Giáo dục"]

    def article(i: int, category: str | None = None) -> dict[str, Any]:
        return {
            "id": f"f{i}",
            "title": f"UBND tỉnh {places[i % 3]} họp bàn (số {i})",
            "body": f"Ủy ban nhân dân tỉnh {places[i % 3]} và Sở Y tế họp. Bộ Tài chính dự." if i % 4 else "Ủy ban nhân dân họp.",
            "category": category or categories[i % 4],
            "published": f"{2022 + i % 3}-05-0{1 + i % 9}",
        }

    with Index.create(tmp_path) as index:
        index.add([article(i) for i in range(20)], workers=0, commit_every=7)  # three segments
        assert index.delete("f3") and index.delete("f8")
        index.add([article(5, "Pháp luật"), article(9, "Pháp luật")], workers=0)  # updated: new category
        results = index.search("ủy ban nhân dân", limit=ALL)
        hits = results.hits
        assert len(hits) == results.total == 18
        assert {f.value: f.count for f in results.facets["category"]} == dict(Counter(h.category for h in hits))
        assert {f.value: f.count for f in results.facets["year"]} == dict(Counter(str(h.published.year) for h in hits))
        orgs = Counter(o for h in hits for o in set(h.orgs))
        assert {f.value: f.count for f in results.facets["org"]} == {o: orgs[o] for o in orgs}
        assert {f.value: f.count for f in results.facets["category"]}["Pháp luật"] == 2


@pytest.mark.parametrize("top", [0, 1, 3, 20, 1000])
def test_facets_from_stored_fields_equal_the_table(ix: Index, tmp_path: Path, top: int) -> None:
    """A first query that matches few articles counts facets from their stored fields instead
    of building the index's facet table: both give the same values, counts and order, also
    over segments with deleted and updated articles."""
    from searchkit.search.facets import FacetTable, count_stored

    with Index.create(tmp_path) as other:
        other.add([{"id": f"u{i}", "title": f"UBND tỉnh Quảng Ninh họp lần {i}", "body": "Sở Y tế, Bộ Tài chính và Đảng.",
                    "category": ["Thời sự", "Kinh tế"][i % 2], "published": f"{2020 + i % 3}-01-01"} for i in range(9)],
                  workers=0, commit_every=4)
        other.delete("u2")
        other.add([{"id": "u5", "title": "Thành ủy Đà Nẵng", "body": "Ban Chỉ đạo 35.", "source": "Báo"}], workers=0)
        for index in (ix, other):
            searcher = index._searcher()
            table = FacetTable(searcher)
            live = np.array([d for d in range(searcher.reader().doc_count_all()) if not searcher.reader().is_deleted(d)])
            for docs in (live, live[::2], live[1::3], live[::9], live[:1]):  # (few articles: counted article by article)
                assert count_stored(searcher, docs, top) == table.count(docs, top)


def test_organizations_over_the_index_and_a_query(ix: Index) -> None:
    top = ix.organizations(top=5)
    assert 0 < len(top) <= 5 and all(isinstance(f, FacetValue) for f in top)
    assert [f.count for f in top] == sorted((f.count for f in top), reverse=True)
    scoped = ix.organizations(top=50, query='org:"Ban Chỉ đạo 35"')
    assert any(f.value.startswith("Ban Chỉ đạo 35") for f in scoped)
    page_facets = ix.search('org:"Ban Chỉ đạo 35"', limit=1).facets["org"]  # the top 20
    assert scoped[: len(page_facets)] == page_facets


def test_no_facets_when_asked(ix: Index) -> None:
    assert not ix.search("Hải Phòng", facets=False).facets


# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize(("query", "expected"), [("marathn", "marathon"), ("Rănh", "răng"), ("contaner", "container")])
def test_misspelled_word_gets_a_suggestion(ix: Index, query: str, expected: str) -> None:
    results = ix.search(query)
    assert results.total < 3
    assert results.suggestion is not None and expected in results.suggestion.lower()


def test_tone_typo_is_corrected_to_the_tone_variant_in_the_index(ix: Index) -> None:
    """"phảo" is not a syllable; "pháo" (only the tone differs) is in the index and fits "hoa"."""
    assert ix.search("phảo hoa").suggestion == "pháo hoa"


@pytest.mark.parametrize("query", ["mả", "mạ", "hến", "rắn", "pháo hoa", "gạo", "Lạch Huyện"])
def test_correct_word_is_never_changed_to_another_tone(ix: Index, query: str) -> None:
    suggestion = ix.search(query).suggestion
    if suggestion is None:
        return
    typed = [normalize(w).lower() for w in query.split()]
    suggested = suggestion.lower().split()
    for a, b in zip(typed, suggested, strict=False):
        assert a == b or fold(a) != fold(b), (query, suggestion)


def test_words_in_the_index_are_not_corrected(ix: Index) -> None:
    for query in ("pháo hoa", "gạo", "Lạch Huyện", "mã", "má"):
        assert ix.search(query).suggestion is None, query


def test_a_word_too_long_to_be_a_misspelling_is_not_corrected(ix: Index) -> None:
    """A word of thousands of letters is nobody's typo: did-you-mean leaves it alone."""
    from searchkit.search import suggest

    assert ix.search("x" * 10_000).suggestion is None
    assert ix.search("marathn" + "x" * suggest._MAX_CORRECTED).suggestion is None
    assert ix.search("marathn").suggestion is not None


# --------------------------------------------------------------------------- result types


def test_results_are_frozen_and_survive_close(tmp_path: Path) -> None:
    with Index.create(tmp_path / "ix") as small:
        small.add(EXTRA, workers=0)
        results = small.search("UBND Hà Nội", limit=5)
        page2 = small.search("ma", limit=2, offset=2)
    # the index is closed: everything is still readable
    assert results.hits and page2.hits
    hit = results.hits[0]
    assert isinstance(hit, Hit) and isinstance(hit.snippet, Snippet)
    assert all(isinstance(s, Span) for s in hit.snippet.spans)
    assert isinstance(hit.published, datetime)
    assert hit.title and hit.orgs and hit.snippet.text
    json.dumps(results.to_json())
    for obj in (results, hit, hit.snippet, results.facets["org"][0]):
        assert dataclasses.is_dataclass(obj)
        with pytest.raises((dataclasses.FrozenInstanceError, AttributeError, TypeError)):
            obj.__setattr__(dataclasses.fields(obj)[0].name, None)
    with pytest.raises(TypeError):
        results.facets["org"] = ()  # type: ignore[index]
    assert not _holds_whoosh(results)


def _holds_whoosh(obj: Any, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if type(obj).__module__.startswith("whoosh"):
        return True
    if dataclasses.is_dataclass(obj):
        return any(_holds_whoosh(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj))
    if isinstance(obj, (tuple, list)):
        return any(_holds_whoosh(x, depth + 1) for x in obj)
    if hasattr(obj, "items"):
        return any(_holds_whoosh(v, depth + 1) for _, v in obj.items())
    return False


def _readme_json() -> dict[str, Any]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", readme, re.DOTALL)
    assert block, "README has no ```json block"
    return json.loads(block.group(1))


def test_to_json_matches_the_readme_shape(ix: Index) -> None:
    documented = _readme_json()
    produced = json.loads(json.dumps(ix.search("ban chi dao 35", limit=3).to_json()))
    assert set(documented) == set(produced)
    assert produced["query"] == "ban chi dao 35"
    assert isinstance(produced["total"], int) and isinstance(produced["took_ms"], float)
    assert produced["suggestion"] is None or isinstance(produced["suggestion"], str)
    assert set(produced["facets"]) == set(documented["facets"])
    for values in produced["facets"].values():
        for value in values:
            assert set(value) == {"value", "count"}
    doc_hit = documented["hits"][0]
    assert produced["hits"]
    for hit in produced["hits"]:
        assert set(hit) == set(doc_hit)
        assert isinstance(hit["score"], float) and isinstance(hit["orgs"], list)
        datetime.fromisoformat(hit["published"])
        for key in ("snippet", "title_snippet"):
            assert set(hit[key]) == {"text", "spans"}
            for span in hit[key]["spans"]:
                assert set(span) == {"start", "end", "kind"}
                assert 0 <= span["start"] < span["end"] <= len(hit[key]["text"])


def test_paging_gives_disjoint_pages(ix: Index) -> None:
    whole = ids(ix.search("Hải Phòng", limit=15, match="any"))
    pages = [ids(ix.search("Hải Phòng", limit=5, offset=o, match="any")) for o in (0, 5, 10)]
    flat = [i for p in pages for i in p]
    assert len(flat) == len(set(flat)) == 15
    assert flat == whole
    results = ix.search("Hải Phòng", limit=5, offset=10)
    assert results.offset == 10 and results.to_json()["offset"] == 10
    assert ix.search("Hải Phòng", limit=5, offset=10_000).hits == ()
