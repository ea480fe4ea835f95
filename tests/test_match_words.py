"""Which articles match: words, organization names, places and codes as wholes (session 22).

The small index holds sentences written for these tests: each pair puts the same syllables in an
article that means the query and in one that only scatters them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from conftest import read_jsonl

from searchkit import Index
from searchkit.search.highlight import Snippet
from searchkit.search.match import WordCounts, choose
from searchkit.search.plan import _typed_exactly, build_plan
from searchkit.search.query import parse_query
from searchkit.text.terms import fold_term

ARTICLES = [
    ("politburo", "Bộ Chính trị họp phiên thường kỳ", "Chiều nay Bộ Chính trị họp bàn về công tác cán bộ."),
    ("scattered", "Bộ Tài chính bàn về thuế", "Cán bộ Bộ Tài chính nói về chính sách thuế, không bàn chuyện trị an."),
    ("directs", "Ông Nam chỉ đạo chống ngập", "Phó chủ tịch chỉ đạo các sở chống ngập trong mùa mưa."),
    ("not-directs", "Chỉ số đạo đức", "Báo cáo chỉ nêu chuyện đạo đức nghề nghiệp của cán bộ."),
    ("graft", "Xử lý tham nhũng", "Tòa xét xử vụ tham nhũng đất đai ở huyện ven biển."),
    ("not-graft", "Tham gia lễ hội", "Người dân tham gia lễ hội, những ngày vui của làng."),
    ("visit", "Đoàn thăm những hộ nghèo", "Cán bộ xã đến thăm những hộ nghèo, nghe dân kể chuyện nhũng nhiễu."),
    ("hanoi-committee", "Ủy ban nhân dân thành phố Hà Nội họp", "Ủy ban nhân dân thành phố Hà Nội họp về giao thông."),
    ("hanoi-scattered", "Dân Hà Nội bàn chuyện nhà", "Người dân thành phố nói chuyện ban ngày ở nhà, Hà Nội nóng."),
    ("ubnd", "UBND tỉnh Quảng Ninh họp", "UBND tỉnh Quảng Ninh họp bàn phát triển du lịch."),
    ("uy-ban", "Ủy ban nhân dân tỉnh Quảng Ninh họp", "Ủy ban nhân dân tỉnh Quảng Ninh họp bàn về cảng biển."),
    ("resolution", "Học tập nghị quyết", "Cán bộ học Nghị quyết số 35-NQ/TW về bảo vệ nền tảng tư tưởng."),
    ("hcm", "Mưa lớn ở TP. HCM", "Chiều qua TP. HCM mưa lớn, nhiều tuyến đường ngập sâu."),
    ("danang", "Đà Nẵng đón khách", "Thành phố Đà Nẵng đón nhiều khách du lịch dịp lễ."),
    ("raised", "Xã nâng cấp đường", "Năm nay xã đã nâng cấp con đường liên thôn."),
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.create(tmp_path_factory.mktemp("words-ix")) as index:
        index.add({"id": i, "title": t, "body": b} for i, t, b in ARTICLES)
        yield index


def ids(ix: Index, query: str) -> set[str]:
    return {h.id for h in ix.search(query, limit=100, facets=False).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Bộ Chính trị", {"politburo"}),  # not "bộ" + "chính" + "trị" anywhere
        ("chỉ đạo", {"directs"}),  # a word: its syllables side by side
        ("tham nhung", {"graft", "visit"}),  # without diacritics, cut into words by the dictionary; any marks
        ("tham nhũng", {"graft"}),
        ("uy ban nhan dan thanh pho ha noi", {"hanoi-committee"}),
        ("Ủy ban nhân dân thành phố Hà Nội", {"hanoi-committee"}),
        ("ubnd tinh quang ninh", {"ubnd", "uy-ban"}),  # the name in any spelling
        ("UBND tinh Quang Ninh", {"ubnd", "uy-ban"}),  # the longest name, not "UBND" and a place
    ],
)
def test_words_and_names_match_as_wholes(ix: Index, query: str, expected: set[str]) -> None:
    assert ids(ix, query) == expected


def test_a_long_name_typed_without_diacritics_is_not_a_question(ix: Index) -> None:
    found = ix.search("uy ban nhan dan thanh pho ha noi")
    assert found.min_words is None and found.relaxed == ()


def test_a_name_is_one_need() -> None:
    built = build_plan(parse_query("Bộ Chính trị họp"))
    assert [(n.label, n.org) for n in built.needs] == [("bộ chính trị", True), ("họp", False)]


def test_excluding_a_name_excludes_its_aliases(ix: Index) -> None:
    assert ids(ix, "ubnd") >= {"ubnd", "uy-ban"}
    assert ids(ix, "ubnd -ubnd") == set()
    assert ids(ix, "họp -ubnd") == ids(ix, "họp") - ids(ix, "ubnd") == {"politburo"}


def test_relaxing_drops_the_commonest_word_and_keeps_codes() -> None:
    common = np.array([1, 1, 1, 1, 1, 0, 0], bool)  # "nghị quyết": in 5 articles
    code = np.array([0, 0, 0, 0, 0, 1, 1], bool)  # "35 nq tw": in 2, never with the other
    counts = WordCounts.of([common, code], np.ones(7, bool))
    choice = choose(counts, ["nghị quyết", "35 nq tw"], "auto")
    assert choice.words == (1,) and choice.relaxed == ("nghị quyết",)
    plain = np.array([0, 0, 0, 0, 0, 1, 1], bool)  # the same counts, no digit: the commoner word still goes first
    assert choose(WordCounts.of([common, plain], np.ones(7, bool)), ["a", "b"], "auto").relaxed == ("a",)


def test_relaxing_drops_a_bare_number_before_the_words() -> None:
    """"Hiến pháp 2013": the year is rarer than the law in this archive, yet says less alone."""
    law = np.array([1, 1, 1, 1, 1, 0, 0], bool)
    year = np.array([0, 0, 0, 0, 0, 1, 1], bool)
    choice = choose(WordCounts.of([law, year], np.ones(7, bool)), ["hiến pháp", "2013"], "auto")
    assert choice.words == (0,) and choice.relaxed == ("2013",)


def test_names_are_dropped_only_when_keeping_them_finds_nothing() -> None:
    """Two names no article holds together: rather than nothing, the commoner one goes."""
    council = np.array([1, 1, 1, 1, 0, 0], bool)
    province = np.array([0, 0, 0, 0, 1, 1], bool)
    counts = WordCounts.of([council, province], np.ones(6, bool))
    choice = choose(counts, ["hội đồng nhân dân", "lâm đồng"], "auto", keep=[True, True])
    assert choice.words == (1,) and choice.relaxed == ("hội đồng nhân dân",)
    held_together = WordCounts.of([council, council], np.ones(6, bool))
    assert choose(held_together, ["a b", "c d"], "auto", keep=[True, True]).relaxed == ()


@pytest.mark.parametrize(
    ("query", "needs"),
    [
        ("Võ Văn Thưởng", [("võ văn thưởng", True)]),  # one proper name, kept while held
        ("Thủ tướng Nguyễn Tấn Dũng", [("thủ tướng", False), ("nguyễn tấn dũng", True)]),
        ("Giá vàng hôm nay", [("giá", False), ("vàng", False), ("hôm nay", False)]),  # a capital to start with
        ("Messi Barcelona", [("messi", False), ("barcelona", False)]),  # capitalized, but no family name: two words
        ("Phạm Minh Chính Hồ Đức Phớc", [("phạm minh chính", True), ("hồ đức phớc", True)]),  # two people
        ("vo van thuong", [("vo van", False), ("thuong", False)]),  # no capitals: no name to tell
    ],
)
def test_words_typed_capitalized_make_one_proper_name(query: str, needs: list[tuple[str, bool]]) -> None:
    assert [(n.label, n.org) for n in build_plan(parse_query(query)).needs] == needs


def test_a_code_is_searched_whole_and_highlighted_whole(ix: Index) -> None:
    found = ix.search("Nghị quyết 35-NQ/TW")
    assert [h.id for h in found.hits] == ["resolution"] and found.relaxed == ()
    assert "35-NQ/TW" in marked(found.hits[0].snippet)
    quoted = ix.search('"35-NQ/TW"')
    assert "35-NQ/TW" in marked(quoted.hits[0].snippet)


@pytest.mark.parametrize("query", ["TPHCM", "TP.HCM", "tphcm", "TPHCM ngap"])
def test_a_place_is_highlighted_in_another_spelling(ix: Index, query: str) -> None:
    found = ix.search(query)
    assert [h.id for h in found.hits] == ["hcm"]
    spans = marked(found.hits[0].snippet)
    assert {"TP", "HCM"} <= set(spans)
    if "ngap" in query:
        assert "ngập" in spans


def marked(snippet: Snippet) -> list[str]:
    return [snippet.text[s.start : s.end] for s in snippet.spans if s.kind == "match"]


def test_a_rare_typo_the_index_holds_is_corrected(tmp_path_factory: pytest.TempPathFactory) -> None:
    rows = [{"id": f"dn{i}", "title": "Đà Nẵng", "body": f"Du lịch Đà Nẵng mùa hè thứ {i}."} for i in range(5)]
    rows.append({"id": "typo", "title": "Gõ nhầm", "body": "Một bài viết gõ nhầm chữ nag."})
    with Index.create(tmp_path_factory.mktemp("typo-ix")) as index:
        index.add(rows)
        found = index.search("da nag")
        assert found.suggestion == "da nang"


# -- real articles ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vntc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    rows = [
        {"id": str(i), "title": a.get("title", ""), "body": a.get("body") or a.get("text", "")}
        for i, a in enumerate(read_jsonl("vntc/news.jsonl.gz", 2000))
    ]
    with Index.create(tmp_path_factory.mktemp("vntc-words")) as index:
        index.add(rows)
        yield index


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("Bộ Chính trị", '"Bộ Chính trị"'),
        ("Quốc hội", '"Quốc hội"'),
        ("tham nhung", '"tham nhung"'),
        ("ma tuy", '"ma tuy"'),
        ("uy ban nhan dan thanh pho ha noi", '"Ủy ban nhân dân thành phố Hà Nội"'),
    ],
)
def test_on_real_articles_a_name_counts_about_as_its_phrase(vntc: Index, query: str, phrase: str) -> None:
    quoted = vntc.search(phrase, limit=0).total
    found = vntc.search(query, limit=0)
    assert found.min_words is None
    assert quoted <= found.total <= 1.3 * quoted + 3, (query, found.total, quoted)


@pytest.mark.parametrize("shards", [None, 2])
def test_a_name_no_article_holds_falls_back_to_its_words(tmp_path_factory: pytest.TempPathFactory, shards: int | None) -> None:
    """No article names the committee of Hải Dương: the query is searched again with the name's
    words as words (the people's committees, Hải Dương), and the name is reported as given up;
    a plain and a sharded index agree, and "all" still means the whole name."""
    with Index.create(tmp_path_factory.mktemp("fallback"), shards=shards) as index:
        index.add(({"id": i, "title": t, "body": b} for i, t, b in ARTICLES), workers=0)
        assert index.search("Ủy ban nhân dân tỉnh Quảng Ninh").relaxed == ()  # held: no second try
        found = index.search("uy ban nhan dan tinh hai duong")
        assert found.total > 0 and found.relaxed[0] == "uy ban nhan dan tinh hai duong"
        assert {h.id for h in found.hits} >= {"ubnd", "uy-ban", "hanoi-committee"}
        assert index.search("uy ban nhan dan tinh hai duong", match="all").total == 0


def test_no_second_try_when_a_filter_empties_the_results(ix: Index) -> None:
    found = ix.search("UBND tỉnh Quảng Ninh date:2030")
    assert (found.total, found.relaxed) == (0, ())


def test_quoted_phrases_joined_by_or_are_alternatives(ix: Index) -> None:
    assert ids(ix, '"tham nhũng" OR "chỉ đạo"') == ids(ix, '"tham nhũng"') | ids(ix, '"chỉ đạo"') == {"graft", "directs"}
    assert ids(ix, '"tham nhũng" "chỉ đạo"') == set()  # without OR both are required
    assert ids(ix, '"tham nhũng" OR "chỉ đạo" OR "Bộ Chính trị"') == {"graft", "directs", "politburo"}
    # an OR between a phrase and free words does not pair the words with an earlier word
    assert ids(ix, 'xử lý "tham nhũng" OR họp') == ids(ix, 'xử lý "tham nhũng" họp')


def test_a_syllable_of_a_name_is_not_marked_alone() -> None:
    """"Bộ Công an" marks the ministry, not "bộ" in "cán bộ" or "toàn bộ"; "bộ" typed alone does."""
    from searchkit.search.engine import query_terms
    from searchkit.search.highlight import match_spans

    text = "Cán bộ Bộ Công an và toàn bộ công an xã"

    def marked(query: str) -> list[str]:
        return [text[s.start : s.end] for s in match_spans(text, query_terms(build_plan(parse_query(query))))]

    assert marked("Bộ Công an") == ["Bộ Công an", "bộ công an"]
    assert "bộ" in marked("bộ") and "Cán" not in " ".join(marked("bộ"))


@pytest.mark.parametrize(
    ("query", "excluded"),
    [("tin -Hà Nội", "Hà Nội"), ("-bóng đá hay", "bóng đá"), ("họp -Bộ Chính trị", "Bộ Chính trị"), ("a -b c", "b")],
)
def test_minus_takes_the_whole_word_after_it(query: str, excluded: str) -> None:
    """"-Hà Nội" leaves out Hà Nội (not "hà" while requiring "nội"), as "-\\"Hà Nội\\"" does."""
    assert [c.text for c in parse_query(query).clauses if c.excluded] == [excluded]


def test_minus_a_place_leaves_out_the_place(ix: Index) -> None:
    assert ids(ix, 'họp -Hà Nội') == ids(ix, 'họp -"Hà Nội"')
    assert "hanoi-committee" not in ids(ix, "họp -Hà Nội")


def test_a_word_typed_with_its_marks_is_met_as_typed(ix: Index) -> None:
    """"tham nhũng" spells a word exactly ("tham" has no marks to leave out): "thăm những"
    beside "nhũng nhiễu" does not meet it (it met the phrase without marks and the marked syllable)."""
    assert ids(ix, "tham nhũng") == {"graft"}
    assert "visit" in ids(ix, "tham nhung")


@pytest.mark.parametrize(
    ("typed", "exactly"),
    [
        ("tham nhũng", True),  # a dictionary word as typed
        ("công an tỉnh", True),  # "an" in "công an"
        ("bộ gtvt", True),  # nothing in "gtvt" to carry a mark
        ("hội nghi", False),  # "nghị" typed lazily: "nghi" with any marks
        ("tham nhung", False),  # no marks at all: any marks
    ],
)
def test_unmarked_syllables_of_a_marked_word(typed: str, exactly: bool) -> None:
    syllables = tuple(typed.split())
    assert _typed_exactly(syllables, tuple(fold_term(s) for s in syllables)) is exactly


@pytest.mark.parametrize(
    ("query", "views"),
    [("Hà Nội", {"s"}), ("ha noi", {"s"}), ("Ủy ban nhân dân tỉnh Quảng Ninh", {"s"}), ("Bo Công an", {"s", "f"})],
)
def test_a_name_is_met_by_its_spellings_with_their_marks(query: str, views: set[str]) -> None:
    """A name typed with its marks or without any is met by its spellings with their marks (no
    positions of "ha" and "noi" read in nearly every article, no "đã nâng" for "da nang"); typed
    half marked and not as spelled, also by its syllables side by side as typed."""
    need = build_plan(parse_query(query)).needs[0]
    assert need.org
    fields = {f for f, _ in need.query.iter_all_terms(phrases=True)} - {"orgs"}
    assert {f.rsplit("_", 1)[1] for f in fields} == views


@pytest.mark.parametrize(
    ("query", "either"),
    [
        ("Bộ Chính trị OR Bộ Tài chính", ["Bộ Chính trị", "Bộ Tài chính"]),  # names, whole
        ("xét xử tham nhũng OR chống ngập mùa mưa", ["xét xử tham nhũng", "chống ngập mùa mưa"]),
        ('title:thuế OR title:"nghị quyết"', ['title:thuế', 'title:"nghị quyết"']),
    ],
)
def test_or_joins_the_whole_runs_on_either_side(ix: Index, query: str, either: list[str]) -> None:
    """Not only the neighbouring words: "Bộ Chính trị OR Bộ Tài chính" paired "trị" with "bộ"."""
    sides = [ids(ix, side) for side in either]
    assert all(sides) and sides[0] != sides[1]
    assert ids(ix, query) == sides[0] | sides[1]


def test_a_place_typed_without_marks_is_the_place(ix: Index) -> None:
    assert ids(ix, "da nang") == ids(ix, "Đà Nẵng") == {"danang"}  # not "đã nâng cấp"


def test_not_a_place_is_minus_the_place(ix: Index) -> None:
    assert ids(ix, "họp NOT Hà Nội") == ids(ix, "họp -Hà Nội")


@pytest.mark.parametrize("query", ["UBND tinh Quang Ninh", "UBND TP da nang", "UBND thanh pho Đà Nẵng", "ubnd tp ha noi"])
def test_the_longest_name_typed_is_one_need(query: str) -> None:
    """An abbreviation typed in capitals is a name of its own too ("UBND"): the longest name wins."""
    assert [(n.label, n.org) for n in build_plan(parse_query(query)).needs] == [(query.lower(), True)]


def test_exclusions_alone_leave_every_other_article(ix: Index) -> None:
    """"-Hà Nội" alone: every article but those, newest first (as a query of filters only)."""
    everything = {i for i, _, _ in ARTICLES}
    assert ids(ix, "-Hà Nội") == everything - ids(ix, "Hà Nội") != set()
    assert all(h.score is None for h in ix.search("-Hà Nội").hits)


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("Bộ Công an", ["Bộ Công an"]),  # not "Công an" of "Công an tỉnh"
        ("Ban Bí thư", ["Ban Bí thư"]),  # not "Bí thư" of "Bí thư Thành ủy"
        ("Ủy ban nhân dân tỉnh Quảng Ninh", ["UBND tỉnh Quảng Ninh"]),  # another spelling, not Quảng Nam's
        ("Bộ Công an OR Ban Bí thư", ["Bộ Công an", "Ban Bí thư"]),  # names on either side of OR too
    ],
)
def test_a_name_is_marked_whole(query: str, marked: list[str]) -> None:
    from searchkit.search.engine import query_terms
    from searchkit.search.highlight import match_spans

    text = "Công an tỉnh báo cáo Bộ Công an. Ban Bí thư họp; Bí thư Thành ủy dự. UBND tỉnh Quảng Ninh, Ủy ban nhân dân tỉnh Quảng Nam."
    terms = query_terms(build_plan(parse_query(query)))
    assert [text[s.start : s.end] for s in match_spans(text, terms)] == marked


def test_a_name_typed_without_marks_keeps_its_place_spelled() -> None:
    """"ubnd tp ha noi" is Hà Nội's committee: the place as the gazetteer spells it, so its
    spellings with marks meet it (it read "thành phố Ha Noi" and met nothing)."""
    from searchkit import canonical_org

    assert canonical_org("ubnd tp ha noi") == canonical_org("UBND TP Hà Nội") == "Ủy ban nhân dân thành phố Hà Nội"
    assert canonical_org("ubnd tp da nang") == "Ủy ban nhân dân thành phố Đà Nẵng"


@pytest.mark.parametrize(
    ("query", "needs"),
    [
        ("pham minh chinh", [("pham minh chinh", True)]),  # a family name and two syllables: a person
        ("tham nhung nguyen xuan phuc", [("tham nhung", False), ("nguyen xuan phuc", True)]),
        ("le hoi mua xuan", [("le hoi", False), ("mua", False), ("xuan", False)]),  # "lê" inside a dictionary word
        ("ha noi mua lon", [("ha noi", True), ("mua", False), ("lon", False)]),  # the place first
        ("Pham minh chinh", [("pham", False), ("minh", False), ("chinh", False)]),  # a capital typed: read as typed
    ],
)
def test_a_persons_name_typed_in_lower_case_without_marks(query: str, needs: list[tuple[str, bool]]) -> None:
    """"pham minh chinh" held its syllables anywhere (543 articles on 3,003, against 10 typed
    "Phạm Minh Chính"); a wrong guess ("ha gia xang") is given up by the second try."""
    built = build_plan(parse_query(query))
    assert [(n.label, n.org) for n in built.needs] == needs
    assert all(n.label in built.names for n in built.needs if n.org and n.label != "ha noi")


def test_a_wrong_guess_of_a_persons_name_is_given_up(tmp_path_factory: pytest.TempPathFactory) -> None:
    """"ha gia xang" ("hạ giá xăng") is read as a Hà first; where no article holds the three
    syllables side by side, the second try searches them as words."""
    assert build_plan(parse_query("ha gia xang")).needs[0].org
    with Index.create(tmp_path_factory.mktemp("guess")) as index:
        index.add([{"id": "fuel", "title": "Giá xăng", "body": "Bộ Tài chính đề xuất hạ mức thuế, giá xăng sẽ giảm."}])
        found = index.search("ha gia xang")
        assert [h.id for h in found.hits] == ["fuel"] and found.relaxed == ("ha gia xang",)
