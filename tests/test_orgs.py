"""Tests for searchkit.text.orgs: recognition, spellings, false friends, offsets, aliases, gold scores."""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.text.orgs import OrgMention, canonical_org, find_orgs, org_aliases
from searchkit.text.orgs.lexicon import _trie_regex, get_lexicon

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def names(text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.canonical, m.kind) for m in find_orgs(text)]


# --- the examples of the issue ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "canonical"),
    [
        ("Theo Bộ Ngoại giao, chuyến thăm…", "Bộ Ngoại giao", "Bộ Ngoại giao"),
        ("Bộ Giáo dục và Đào tạo vừa công bố", "Bộ Giáo dục và Đào tạo", "Bộ Giáo dục và Đào tạo"),
        ("Theo Bộ GD&ĐT, năm nay", "Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"),
        ("quy chế của Bộ GD-ĐT nhưng", "Bộ GD-ĐT", "Bộ Giáo dục và Đào tạo"),
        ("Ban Chỉ đạo 35 thành phố Hải Phòng họp", "Ban Chỉ đạo 35 thành phố Hải Phòng", "Ban Chỉ đạo 35 thành phố Hải Phòng"),
        ("BCĐ 35 TP Hải Phòng họp", "BCĐ 35 TP Hải Phòng", "Ban Chỉ đạo 35 thành phố Hải Phòng"),
        (
            "Ban Chỉ đạo Công tác thông tin đối ngoại đã họp",
            "Ban Chỉ đạo Công tác thông tin đối ngoại",
            "Ban Chỉ đạo Công tác thông tin đối ngoại",
        ),
        ("Trưởng Ban Tuyên giáo Thành ủy nói", "Ban Tuyên giáo Thành ủy", "Ban Tuyên giáo Thành ủy"),
        ("Ban Thường vụ Thành ủy quyết định", "Ban Thường vụ Thành ủy", "Ban Thường vụ Thành ủy"),
        ("Ban Bí thư yêu cầu", "Ban Bí thư", "Ban Bí thư"),
        ("Ủy ban nhân dân tỉnh Quảng Ninh cho biết", "Ủy ban nhân dân tỉnh Quảng Ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("Uỷ ban nhân dân tỉnh Quảng Ninh cho biết", "Uỷ ban nhân dân tỉnh Quảng Ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("UBND tỉnh Quảng Ninh cho biết", "UBND tỉnh Quảng Ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("đại biểu HĐND thành phố đề nghị", "HĐND thành phố", "Hội đồng nhân dân"),
        ("Thành ủy họp chiều nay", "Thành ủy", "Thành ủy"),
        ("Đảng ủy Khối doanh nghiệp Trung ương họp", "Đảng ủy Khối doanh nghiệp Trung ương", "Đảng ủy Khối Doanh nghiệp Trung ương"),
        ("Giám đốc Sở Y tế cho biết", "Sở Y tế", "Sở Y tế"),
        ("Tổng cục Thuế đã", "Tổng cục Thuế", "Tổng cục Thuế"),
        ("Vụ Pháp chế đề nghị", "Vụ Pháp chế", "Vụ Pháp chế"),
        ("Văn phòng Chính phủ thông báo", "Văn phòng Chính phủ", "Văn phòng Chính phủ"),
        ("Bộ Chính trị quyết định", "Bộ Chính trị", "Bộ Chính trị"),
        ("Quốc hội thông qua", "Quốc hội", "Quốc hội"),
        ("Thủ tướng Chính phủ ký", "Chính phủ", "Chính phủ"),
        ("Mặt trận Tổ quốc Việt Nam kêu gọi", "Mặt trận Tổ quốc Việt Nam", "Mặt trận Tổ quốc Việt Nam"),
        ("Tòa án nhân dân tối cao tuyên", "Tòa án nhân dân tối cao", "Tòa án nhân dân tối cao"),
        ("Toà án nhân dân Tối cao tuyên", "Toà án nhân dân Tối cao", "Tòa án nhân dân tối cao"),
        ("Viện kiểm sát nhân dân tỉnh Thanh Hóa", "Viện kiểm sát nhân dân tỉnh Thanh Hóa", "Viện kiểm sát nhân dân tỉnh Thanh Hóa"),
        ("UBND quận Hải Châu cho biết", "UBND quận Hải Châu", "Ủy ban nhân dân quận Hải Châu"),
        ("UBND TP.HCM vừa ban hành", "UBND TP.HCM", "Ủy ban nhân dân Thành phố Hồ Chí Minh"),
        ("UBND TP Hồ Chí Minh vừa ban hành", "UBND TP Hồ Chí Minh", "Ủy ban nhân dân Thành phố Hồ Chí Minh"),
        ("Sở Y tế TP.HCM cho biết", "Sở Y tế TP.HCM", "Sở Y tế Thành phố Hồ Chí Minh"),
        ("Công an tỉnh Thanh Hóa đang", "Công an tỉnh Thanh Hóa", "Công an tỉnh Thanh Hóa"),
        ("Ban chỉ đạo phòng chống lụt bão Trung ương đã", "Ban chỉ đạo phòng chống lụt bão Trung ương",
         "Ban Chỉ đạo Phòng chống lụt bão Trung ương"),
    ],
)
def test_issue_examples(text: str, surface: str, canonical: str) -> None:
    found = find_orgs(text)
    assert [(m.text, m.canonical, m.kind) for m in found] == [(surface, canonical, "gov")]


def test_every_spelling_has_the_same_canonical_name() -> None:
    spellings = [
        "UBND tỉnh Quảng Ninh",
        "Ủy ban nhân dân tỉnh Quảng Ninh",
        "Uỷ ban nhân dân tỉnh Quảng Ninh",
        unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        "UBND\u00a0tỉnh Quảng\u200b Ninh",
    ]
    for spelling in spellings:
        (mention,) = find_orgs(f"Hôm qua, {spelling} cho biết.")
        assert mention.canonical == "Ủy ban nhân dân tỉnh Quảng Ninh"
        assert mention.text == spelling


@pytest.mark.parametrize(
    "text",
    [
        "Anh ấy mua một bộ quần áo mới.",
        "Trời ban ngày rất nóng.",
        "Đội tuyển Tây Ban Nha thắng.",
        "Ban đầu, mọi việc rất khó.",
        "Bộ trưởng nói rằng giá tăng.",
        "Một bộ phận người dân chưa hiểu.",
        "Các bộ, ngành và các sở phải báo cáo.",
        "Ban quản lý chưa trả lời.",
        "Hội nghị diễn ra ở Hội An.",
        "Các cơ sở giáo dục đều nghỉ.",
        "Giá trái phiếu Chính phủ tăng.",
        "Theo quyết định 04/2006/QĐ-UBND ngày 1/1.",
        "Hà Nội và Việt Nam.",
    ],
)
def test_false_friends_are_not_names(text: str) -> None:
    assert find_orgs(text) == []


def test_person_title_is_not_part_of_the_name() -> None:
    assert names("Bộ trưởng Bộ Y tế Nguyễn Quốc Triệu cho biết") == [("Bộ Y tế", "Bộ Y tế", "gov")]
    assert names("Chủ tịch UBND tỉnh Bình Phước yêu cầu") == [
        ("UBND tỉnh Bình Phước", "Ủy ban nhân dân tỉnh Bình Phước", "gov")
    ]


def test_two_bodies_joined_by_va_are_two_names() -> None:
    assert [m.text for m in find_orgs("Bộ Y tế và Bộ Tài chính phối hợp")] == ["Bộ Y tế", "Bộ Tài chính"]
    assert [m.text for m in find_orgs("Bộ Nông nghiệp và Phát triển nông thôn cho biết")] == [
        "Bộ Nông nghiệp và Phát triển nông thôn"
    ]


def test_foreign_and_other_bodies() -> None:
    assert names("Bộ Ngoại giao Mỹ cho biết") == [("Bộ Ngoại giao Mỹ", "Bộ Ngoại giao Mỹ", "other")]
    assert names("Chính phủ Malaysia ân xá") == [("Chính phủ Malaysia", "Chính phủ Malaysia", "other")]
    assert [m.kind for m in find_orgs("Công ty Điện lực TP HCM cho biết")] == ["other"]


def test_mentions_are_sorted_and_do_not_overlap() -> None:
    text = "UBND TP.HCM, Sở GD-ĐT, Ban Tuyên giáo Thành ủy Đà Nẵng và Bộ Chính trị"
    found = find_orgs(text)
    assert len(found) == 4
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


# --- offsets ---------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "UBND", "Uỷ ban", "nhân dân", "tỉnh", "Quảng Ninh", "Bộ", "GD-ĐT", "Ban", "Chỉ đạo", "35",
        "Thành uỷ", "TP.HCM", "Q.", "Bình Thạnh", "Sở Y tế", "Quốc hội", " ", "\u00a0", "\u200b",
        "\u0301", "\u0309", "o\u0300a", ",", "\n", "\r\n", "Đ", "D\u0335", "\ufeff", "và", "của",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=25).map(" ".join), st.lists(_PIECES).map("".join)))
def test_span_text_is_the_input_slice(text: str) -> None:
    for mention in find_orgs(text):
        assert isinstance(mention, OrgMention)
        assert mention.text == text[mention.start : mention.end]
        assert mention.kind in {"gov", "other"}
    spans = [(m.start, m.end) for m in find_orgs(text)]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_offsets_on_nfd_and_invisible_characters() -> None:
    text = "Theo\u00a0" + unicodedata.normalize("NFD", "Uỷ ban nhân dân") + "\u200b tỉnh Quảng Ninh, …"
    (mention,) = find_orgs(text)
    assert text[mention.start : mention.end] == mention.text
    assert mention.text.startswith("U") and mention.text.endswith("Ninh")


# --- canonical_org and org_aliases -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("UBND Quảng Ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("Uỷ ban nhân dân tỉnh Quảng Ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("ubnd tinh quang ninh", "Ủy ban nhân dân tỉnh Quảng Ninh"),
        ("UBND Hà Nội", "Ủy ban nhân dân thành phố Hà Nội"),
        ("UBND TP Hà Nội", "Ủy ban nhân dân thành phố Hà Nội"),
        ("BCĐ 35", "Ban Chỉ đạo 35"),
        ("bcđ 35 hải phòng", "Ban Chỉ đạo 35 thành phố Hải Phòng"),
        ("Bộ GD-ĐT", "Bộ Giáo dục và Đào tạo"),
        ("Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"),
        ("bo giao duc va dao tao", "Bộ Giáo dục và Đào tạo"),
        ("MTTQ", "Mặt trận Tổ quốc"),
        ("HĐND TP.HCM", "Hội đồng nhân dân Thành phố Hồ Chí Minh"),
        ("UBND TP Hồ Chí Minh", "Ủy ban nhân dân Thành phố Hồ Chí Minh"),
        ("Thành uỷ Đà Nẵng", "Thành ủy Đà Nẵng"),
    ],
)
def test_canonical_org_resolves_aliases(typed: str, canonical: str) -> None:
    assert canonical_org(typed) == canonical


@pytest.mark.parametrize("typed", ["", "bộ quần áo", "Tây Ban Nha", "ban ngày", "Hà Nội", "UBND Quảng Ninh họp"])
def test_canonical_org_rejects_non_names(typed: str) -> None:
    assert canonical_org(typed) is None


def test_org_aliases_expand_both_ways() -> None:
    aliases = org_aliases("Ủy ban nhân dân thành phố Hà Nội")
    assert aliases[0] == "Ủy ban nhân dân thành phố Hà Nội"
    assert {"UBND Hà Nội", "UBND TP Hà Nội", "UBND thành phố Hà Nội"} <= set(aliases)
    assert "Ủy ban nhân dân thành phố Hà Nội" in org_aliases("UBND Hà Nội")
    assert {"Bộ GD&ĐT", "Bộ GD-ĐT"} <= set(org_aliases("Bộ Giáo dục và Đào tạo"))
    for alias in aliases:
        assert canonical_org(alias) == "Ủy ban nhân dân thành phố Hà Nội"
    assert org_aliases("bộ quần áo") == []


# --- canonical forms: dangling place words, word ends, case -----------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"
_PLACE_WORDS = ("thành phố", "tỉnh", "quận", "huyện", "thị xã", "xã", "phường", "tp")


@pytest.mark.parametrize(
    ("text", "surface", "canonical"),
    [
        # the issue: "… đối ngoại thành" was cut inside "thành phố"
        (
            "Trưởng Ban Chỉ đạo Công tác thông tin đối ngoại thành phố cho rằng",
            "Ban Chỉ đạo Công tác thông tin đối ngoại thành phố",
            "Ban Chỉ đạo Công tác thông tin đối ngoại",
        ),
        ("Ban Chỉ đạo Công tác thông tin đối ngoại tỉnh cũng đặt", "Ban Chỉ đạo Công tác thông tin đối ngoại tỉnh",
         "Ban Chỉ đạo Công tác thông tin đối ngoại"),
        ("Theo Ban Chỉ đạo 35 thành phố, một số", "Ban Chỉ đạo 35 thành phố", "Ban Chỉ đạo 35"),
        ("Theo Ban Chỉ đạo 35 Thành phố, một số", "Ban Chỉ đạo 35 Thành phố", "Ban Chỉ đạo 35"),
        ("Theo BCĐ 35 TP, một số", "BCĐ 35 TP", "Ban Chỉ đạo 35"),
        ("Lãnh đạo UBND thành phố cho biết", "UBND thành phố", "Ủy ban nhân dân"),
        ("Phó Chủ tịch UBND thành phố dẫn đầu đoàn", "UBND thành phố", "Ủy ban nhân dân"),
        ("Chủ tịch UBND quận cho biết", "UBND quận", "Ủy ban nhân dân"),
        ("Chủ tịch HĐND tỉnh khóa XVI đề nghị", "HĐND tỉnh khóa XVI", "Hội đồng nhân dân khóa XVI"),
        ("Theo Sở Công Thương thành phố, giá gạo", "Sở Công Thương thành phố", "Sở Công Thương"),
        ("Sở Du lịch tỉnh được giao", "Sở Du lịch tỉnh", "Sở Du lịch"),
        ("Ban chỉ đạo phòng chống lụt bão thành phố họp", "Ban chỉ đạo phòng chống lụt bão thành phố",
         "Ban Chỉ đạo Phòng chống lụt bão"),
    ],
)
def test_a_dangling_place_word_is_in_the_span_not_in_the_name(text: str, surface: str, canonical: str) -> None:
    assert names(text) == [(surface, canonical, "gov")]


def test_a_dangling_place_word_before_va_ends_the_name() -> None:
    assert names("kế hoạch giữa Công an thành phố và Sở Thông tin và Truyền thông") == [
        ("Công an thành phố", "Công an", "gov"),
        ("Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông", "gov"),
    ]


@pytest.mark.parametrize(
    "spelling",
    ["Ban Chỉ đạo 35 thành phố Hải Phòng", "Ban Chỉ đạo 35 Thành phố Hải Phòng", "Ban Chỉ đạo 35 THÀNH PHỐ Hải Phòng",
     "Ban Chỉ đạo 35 Thành Phố Hải Phòng", "BCĐ 35 TP Hải Phòng", "Ban Chỉ đạo 35 Hải Phòng"],
)
def test_place_words_have_one_spelling_in_canonical_names(spelling: str) -> None:
    (mention,) = find_orgs(f"Theo {spelling}, một số")
    assert (mention.text, mention.canonical) == (spelling, "Ban Chỉ đạo 35 thành phố Hải Phòng")
    assert canonical_org(spelling) == "Ban Chỉ đạo 35 thành phố Hải Phòng"


def test_the_place_of_a_dangling_place_word_comes_from_its_sentence() -> None:
    text = (
        "Sáng 12-4, đoàn công tác của UBND thành phố Hải Phòng do Phó Chủ tịch UBND thành phố dẫn đầu. "
        "Kết luận buổi kiểm tra, lãnh đạo UBND thành phố yêu cầu tháo gỡ vướng mắc."
    )
    assert [(m.text, m.canonical) for m in find_orgs(text)] == [
        ("UBND thành phố Hải Phòng", "Ủy ban nhân dân thành phố Hải Phòng"),
        ("UBND thành phố", "Ủy ban nhân dân thành phố Hải Phòng"),  # same sentence
        ("UBND thành phố", "Ủy ban nhân dân"),  # next sentence: not attached
    ]
    # a place after the name, a bare province name, a district
    assert names("HĐND thành phố đã làm việc với Sở Y tế Đà Nẵng.")[0][1] == "Hội đồng nhân dân thành phố Đà Nẵng"
    assert names("UBND tỉnh giao Sở Y tế Quảng Ninh kiểm tra.")[0][1] == "Ủy ban nhân dân tỉnh Quảng Ninh"
    assert names("UBND quận yêu cầu phường 2 quận Hải Châu báo cáo.")[0][1] == "Ủy ban nhân dân quận Hải Châu"
    assert names("Theo UBND TP, TP.HCM sẽ mở rộng.")[0][1] == "Ủy ban nhân dân Thành phố Hồ Chí Minh"


@pytest.mark.parametrize(
    "text",
    [
        "UBND thành phố làm việc với UBND tỉnh Quảng Nam.",  # another type of place
        "UBND thành phố tiếp đoàn của Hà Nội và Hải Phòng.",  # two places: which one?
        "UBND thành phố tiếp đoàn công tác Nhật Bản.",  # foreign places never
        "Hà Nội mưa to. UBND thành phố yêu cầu khơi thông cống.",  # another sentence
    ],
)
def test_a_dangling_place_word_stays_generic_without_one_place_of_its_type(text: str) -> None:
    assert names(text)[0][:2] == ("UBND thành phố", "Ủy ban nhân dân")


def test_canonical_org_and_aliases_drop_a_dangling_place_word() -> None:
    assert canonical_org("UBND thành phố") == "Ủy ban nhân dân"
    assert canonical_org("BCĐ 35 TP") == "Ban Chỉ đạo 35"
    assert org_aliases("UBND thành phố") == ["Ủy ban nhân dân", "UBND"]


@pytest.mark.parametrize(
    ("text", "surface", "canonical"),
    [
        # the issue: "Cục Hàng" ("không" is a stop word, but here a syllable of "hàng không")
        ("Theo Cục Hàng không, giá vé máy bay", "Cục Hàng không", "Cục Hàng không"),
        ("Cục Hàng không Việt Nam cho biết", "Cục Hàng không Việt Nam", "Cục Hàng không Việt Nam"),
        ("Cục Hàng không không trả lời", "Cục Hàng không", "Cục Hàng không"),
        ("Cục Cảnh sát điều tra tội phạm về ma túy cho biết", "Cục Cảnh sát điều tra tội phạm về ma túy",
         "Cục Cảnh sát điều tra tội phạm về ma túy"),
        # too long (over 10 lowercase words): the cut does not split "đường bộ"
        ("Cục Quản lý giám định chất lượng công trình giao thông đường bộ, vụ trưởng",
         "Cục Quản lý giám định chất lượng công trình giao thông", "Cục Quản lý giám định chất lượng công trình giao thông"),
    ],
)
def test_free_names_end_at_word_ends(text: str, surface: str, canonical: str) -> None:
    assert names(text) == [(surface, canonical, "gov")]


def test_a_head_inside_a_proper_name_does_not_cut_it() -> None:
    # "Bộ" of "Trung Trung Bộ", "Nam Bộ" is a region, not a ministry
    assert [m.canonical for m in find_orgs("Theo Đài Khí tượng thủy văn khu vực Trung Trung Bộ, bão số 6")] == [
        "Đài Khí tượng thủy văn khu vực Trung Trung Bộ"
    ]
    assert [m.text for m in find_orgs("Đài Khí tượng thủy văn khu vực Nam Bộ dự báo mưa")] == [
        "Đài Khí tượng thủy văn khu vực Nam Bộ"
    ]
    # a parent body right after a code is the parent, not a topic
    assert names("Theo Ban Chỉ đạo 35 Thành ủy Hà Nội, các") == [
        ("Ban Chỉ đạo 35 Thành ủy Hà Nội", "Ban Chỉ đạo 35 Thành ủy Hà Nội", "gov")
    ]
    # but a body still ends a name ("Sở … | Ủy ban …" is no name)
    assert find_orgs("Ý kiến dân rõ ràng thế thì Sở trình Ủy ban giải quyết đi.") == []


def test_universities_are_names() -> None:
    # "và" in the data's "not before" column once made the head "Đại học" never match
    assert names("tốt nghiệp ĐH Bách khoa TP.HCM năm 1980") == [
        ("ĐH Bách khoa TP.HCM", "Đại học Bách khoa Thành phố Hồ Chí Minh", "other")
    ]
    assert find_orgs("các trường đại học và cao đẳng") == []


@pytest.mark.parametrize(
    "text",
    [
        "Giá vàng hôm nay tiếp tục tăng nhẹ.\nMinh Châu - Trường Thịnh",  # a byline ending an article
        "Bài viết được cập nhật lúc 10 giờ.\nTrường Thịnh",
        "Ông Lê Trường Tùng phát biểu tại hội nghị.",  # a person's given name
        "Đoàn khách dừng chân ở xã Trường Yên vào buổi trưa.",  # a commune
    ],
)
def test_school_head_with_one_bare_syllable_is_no_school(text: str) -> None:
    # "Trường" (school) before one Vietnamese syllable alone is a person's given name or a place
    assert find_orgs(text) == []


def test_schools_with_a_real_name_stay() -> None:
    assert [m.canonical for m in find_orgs("Sinh viên Trường Harvard và Trường THPT Lê Lợi tham dự.")] == [
        "Trường Harvard",
        "Trường THPT Lê Lợi",
    ]
    assert [m.canonical for m in find_orgs("Hội đồng trường Trường ĐH Tôn Đức Thắng đã họp.")] == ["Trường Đại học Tôn Đức Thắng"]
    # a school named by one body word is the school, not the body
    assert [(m.canonical, m.kind) for m in find_orgs("Ông từng học ở Trường Đảng.")] == [("Trường Đảng", "other")]
    assert [m.canonical for m in find_orgs("Cô tốt nghiệp Trường Luật năm ngoái.")] == ["Trường Luật"]


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples absent")
def test_example_corpus_canonical_names() -> None:
    from collections import Counter

    from searchkit import Article, iter_path

    counts: Counter[str] = Counter()
    for article in iter_path(EXAMPLES):
        if isinstance(article, Article):
            for text in (article.title, article.body):
                counts.update(m.canonical for m in find_orgs(text))
    assert counts
    for name in counts:
        # no dangling place word, in any case, and no word cut short
        assert not name.casefold().endswith(tuple(f" {w}" for w in _PLACE_WORDS)), name
        assert not name.endswith((" thành", " Hàng", " Trung Trung", " dự")), name
    # no two names differ only by case or punctuation
    keys = Counter("".join(c for c in name.casefold() if c.isalnum()) for name in counts)
    assert [k for k, n in keys.items() if n > 1] == []
    assert "Ban Chỉ đạo Công tác thông tin đối ngoại thành phố Đà Nẵng" in counts
    assert counts["Ủy ban nhân dân thành phố Hải Phòng"] >= 2
    assert "Cục Hàng không" in counts


# --- gold ------------------------------------------------------------------------------------


def _gold(name: str) -> list[dict]:
    """A gold set of ``benchmarks/orgs_gold.py`` (dev: orgs_dev; tune and test: ids + offsets in the repository)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import orgs_gold
    finally:
        sys.path.pop(0)
    return orgs_gold.load(name)


# Floors a little under the figures of 2026-11-30, seventh round (benchmarks/RESULTS.md): dev 0.947 and
# tune 0.895 (P 0.911) were tuned on; test (0.860, P 0.870) never was, and is only read here as a total.
@pytest.mark.skipif(not (DATA / "orgs" / "orgs_dev.jsonl").is_file(), reason="shared data absent")
@pytest.mark.parametrize(("name", "min_precision", "min_f1"), [("dev", 0.90, 0.93), ("tune", 0.90, 0.88), ("test", 0.85, 0.84)])
def test_gold_gov_exact_scores(name: str, min_precision: float, min_f1: float) -> None:
    sentences = _gold(name)
    if not sentences:
        pytest.skip("shared data absent")
    tp = n_pred = n_gold = 0
    for sentence in sentences:
        gold = {(s, e) for s, e, _, kind in sentence["orgs"] if kind == "gov"}
        found = find_orgs(sentence["text"])
        pred = {(m.start, m.end) for m in found if m.kind == "gov"}
        for mention in found:
            assert sentence["text"][mention.start : mention.end] == mention.text
        tp += len(gold & pred)
        n_pred += len(pred)
        n_gold += len(gold)
    precision, recall = tp / n_pred, tp / n_gold
    f1 = 2 * precision * recall / (precision + recall)
    assert precision >= min_precision, precision
    assert f1 >= min_f1, f1


# --- what the guidelines say is no name, and bodies of every kind and level (sentences written here) --


@pytest.mark.parametrize(
    "text",
    [
        "Các đại biểu HĐND cấp tỉnh đã thảo luận về dự toán ngân sách.",
        "UBND các quận, huyện phải báo cáo trước ngày 15.",
        "Ông từng là hội thẩm TAND cấp huyện trong hai nhiệm kỳ.",
        "Đảng bộ xã, phường cần tăng cường công tác kiểm tra.",
        "UBND tỉnh, thành phố chịu trách nhiệm trước Thủ tướng.",
        "UBND quận - huyện vẫn xét duyệt hồ sơ như cũ.",
        "Công an địa phương đã phối hợp với gia đình nạn nhân.",
        "Văn bản gửi các bộ, ngành, Sở Y tế các tỉnh, thành phố.",
        "Đại diện Quốc hội 25 quốc gia thành viên sẽ tham dự.",
        "Ban Chỉ đạo 35 các quận, huyện duy trì giao ban định kỳ.",
        "Theo Ủy ban Pháp luật, dự thảo chưa rõ.",
        "Ông được bổ nhiệm làm Tổng Kiểm toán Nhà nước nhiệm kỳ mới.",  # a title
        "Luật Kiểm toán nhà nước có hiệu lực từ đầu năm.",  # a law's name
        "Đại diện UBND 3 xã ven biển cùng tham dự.",
    ],
)
def test_generic_and_level_mentions_are_not_names(text: str) -> None:
    assert [m.text for m in find_orgs(text) if m.text.startswith(("HĐND", "UBND", "TAND", "Đảng bộ", "Công an", "Sở", "Quốc hội", "Ban Chỉ đạo 35"))] == []


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        # nested bodies: the outermost name
        ("Ủy ban Pháp luật của Quốc hội đã thẩm tra dự án luật.", "Ủy ban Pháp luật của Quốc hội"),
        ("Ông là Phó chủ nhiệm Ủy ban Văn hóa, giáo dục, thanh thiếu niên nhi đồng của Quốc hội.",
         "Ủy ban Văn hóa, giáo dục, thanh thiếu niên nhi đồng của Quốc hội"),
        ("Ban Dân nguyện của Ủy ban Thường vụ Quốc hội đã tổng hợp ý kiến.", "Ban Dân nguyện của Ủy ban Thường vụ Quốc hội"),
        ("Chi cục Hải quan cửa khẩu sân bay quốc tế Tân Sơn Nhất vừa bắt giữ lô hàng.",
         "Chi cục Hải quan cửa khẩu sân bay quốc tế Tân Sơn Nhất"),
        ("Đội Cảnh sát điều tra tội phạm về trật tự xã hội Công an quận 7 đã bắt giữ.",
         "Đội Cảnh sát điều tra tội phạm về trật tự xã hội Công an quận 7"),
        ("Cơ quan Cảnh sát điều tra Công an tỉnh Nghệ An đã khởi tố vụ án.", "Cơ quan Cảnh sát điều tra Công an tỉnh Nghệ An"),
        ("Phòng PC45 Công an TP HCM đã vào cuộc.", "Phòng PC45 Công an TP HCM"),
        ("Ban Chỉ đạo Trung ương về phòng chống tham nhũng họp phiên thứ 10.", "Ban Chỉ đạo Trung ương về phòng chống tham nhũng"),
        # lower case
        ("Theo bộ Giao thông vận tải, dự án sẽ khởi công vào tháng 5.", "bộ Giao thông vận tải"),
        ("Sáng nay, công an xã Tân Phú đã vào cuộc.", "công an xã Tân Phú"),
        ("Các chiến sĩ bộ đội biên phòng TP Đà Nẵng đã kịp thời có mặt.", "bộ đội biên phòng TP Đà Nẵng"),
        # police, army, border and forest units down to the commune; places from the gazetteer
        ("Công an phường Bến Nghé đã lập biên bản.", "Công an phường Bến Nghé"),
        ("Công an huyện Đông Anh đã bắt giữ đối tượng.", "Công an huyện Đông Anh"),
        ("Đồn biên phòng Cửa khẩu Lao Bảo đã phát hiện vụ việc.", "Đồn biên phòng Cửa khẩu Lao Bảo"),
        ("Hạt Kiểm lâm huyện Con Cuông đã lập biên bản.", "Hạt Kiểm lâm huyện Con Cuông"),
        ("Trung đoàn 916 đã tham gia cứu hộ.", "Trung đoàn 916"),
        ("UBND phường Bình Hưng Hòa 2 lại xác nhận.", "UBND phường Bình Hưng Hòa 2"),
        ("Bảo hiểm xã hội Việt Nam đã chi trả.", "Bảo hiểm xã hội Việt Nam"),
        # national bodies used alone
        ("Tổng Bí thư thay mặt Đảng, Nhà nước trao tặng huân chương.", "Đảng"),
        ("Thay mặt Đảng, Ủy viên Bộ Chính trị đã phát biểu.", "Đảng"),  # not "Đảng ủy"
        ("Nhiều việc cụ thể Đảng lãnh đạo qua tổ chức đảng.", "Đảng"),
        ("Tờ trình nêu rõ Chính phủ 2 phương án để Quốc hội lựa chọn.", "Chính phủ"),  # a number, but no count of bodies
        ("Sau đó, kiểm toán Nhà nước đã công bố kết quả.", "kiểm toán Nhà nước"),
        # the Party's central boards, with "Trung ương" for their parent
        ("Ban Kinh tế Trung ương đã tổ chức hội thảo.", "Ban Kinh tế Trung ương"),
        ("Ông từng công tác tại Ban Tổ chức Trung ương.", "Ban Tổ chức Trung ương"),
        ("Ban Cán sự đảng UBND tỉnh Bình Định đã họp.", "Ban Cán sự đảng UBND tỉnh Bình Định"),
        ("Ủy ban Trung ương MTTQ Việt Nam vừa phát động cuộc vận động.", "Ủy ban Trung ương MTTQ Việt Nam"),
        # the province after a dash; a number ending the name; an abbreviated field
        ("Công an quận Ninh Kiều - Cần Thơ đã tạm giữ đối tượng.", "Công an quận Ninh Kiều - Cần Thơ"),
        ("UBND quận 5-TPHCM vừa khởi công dự án.", "UBND quận 5-TPHCM"),
        ("Đội Quản lý thị trường số 4 đã kiểm tra cửa hàng.", "Đội Quản lý thị trường số 4"),
        ("Văn bản do Bộ Lao động - TB&XH ban hành hôm qua.", "Bộ Lao động - TB&XH"),
        ("Ban chỉ đạo phòng chống dịch liên Bộ đã họp.", "Ban chỉ đạo phòng chống dịch liên Bộ"),
        ("Bí thư tỉnh ủy Quảng Trị đã đến thăm.", "tỉnh ủy Quảng Trị"),
        ("Đảng ủy Tập đoàn Điện lực Việt Nam đã họp.", "Đảng ủy Tập đoàn Điện lực Việt Nam"),
        ("Theo chỉ đạo của chi bộ và Đảng ủy nhà trường, lớp học vẫn mở.", "Đảng ủy"),
    ],
)
def test_bodies_of_every_kind_and_level(text: str, surface: str) -> None:
    assert (surface, "gov") in [(m.text, m.kind) for m in find_orgs(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a footnote mark glued to the last word; the sentence's full stop after "TP."
        ("Chủ tịch HĐND tỉnh Long An12 đã phát biểu.", [("HĐND tỉnh Long An", "gov")]),
        ("Dự án được giao cho UBND TP.", [("UBND TP", "gov")]),
        # a unit named in lowercase is one body only inside a named parent
        ("Ông là Trưởng Phòng khảo thí và kiểm định Sở GD-ĐT Hà Nội.", [("Phòng khảo thí và kiểm định Sở GD-ĐT Hà Nội", "gov")]),
        ("Phòng khảo thí đã mở cửa từ sáng.", []),
        ("Hồ sơ gửi về Văn phòng 3 Bộ Tài chính.", [("Văn phòng 3 Bộ Tài chính", "gov")]),
        ("Lực lượng Cảnh sát PCCC Công an tỉnh Bình Dương đã có mặt.", [("Cảnh sát PCCC Công an tỉnh Bình Dương", "gov")]),
        ("Thiết bị PCCC được Công an tỉnh kiểm tra.", [("Công an tỉnh", "gov")]),
        # a topic after a qualifier; a lowercase qualifier that ends a lowercase name
        ("Ban chỉ đạo quốc gia phòng chống dịch sởi đã họp.", [("Ban chỉ đạo quốc gia phòng chống dịch sởi", "gov")]),
        ("Ban chỉ đạo phòng chống thiên tai trung ương đã họp.", [("Ban chỉ đạo phòng chống thiên tai trung ương", "gov")]),
        # a year ends a free name
        ("Ủy ban Quốc gia APEC 2027 vừa được thành lập.", [("Ủy ban Quốc gia APEC 2027", "gov")]),
        # generic: the provinces and cities; a level and its alternative; the police at large
        ("Chủ tịch UBND tỉnh thành phải chịu trách nhiệm.", []),
        ("Người dân đăng ký tại UBND xã (phường) nơi cư trú.", []),
        ("Công an đã bắt giữ hai đối tượng.", []),
        # a country after the name: a foreign body
        ("Ủy ban Chứng khoán Hàn Quốc cho biết.", [("Ủy ban Chứng khoán Hàn Quốc", "other")]),
        ("Đoàn đại biểu Quốc hội nước Cộng hòa Pháp đến thăm.", [("Đoàn đại biểu Quốc hội nước Cộng hòa Pháp", "other")]),
        ("Hội đồng Hòa bình thế giới đã họp.", [("Hội đồng Hòa bình thế giới", "other")]),
        # no country, no province inside a name: "Mỹ Sơn", "Hải dương học"
        ("Ban Quản lý di tích Mỹ Sơn đã trùng tu tháp.", [("Ban Quản lý di tích Mỹ Sơn", "gov")]),
        ("Viện Hải dương học đã công bố kết quả.", [("Viện Hải dương học", "gov")]),
        # lowercase national bodies with a named place or a proper name
        ("Ông nói chính phủ Việt Nam đã hành động nhanh.", [("chính phủ Việt Nam", "gov")]),
        ("Ông là người sáng lập đảng Cộng sản Việt Nam.", [("đảng Cộng sản Việt Nam", "gov")]),
        # a term of office and a pronoun end the name; a project board with its number
        ("Đại hội Đảng bộ Sở Tư pháp nhiệm kỳ 2020-2025 khai mạc.", [("Đảng bộ Sở Tư pháp", "gov")]),
        ("Thay mặt Ban chỉ đạo cải cách hành chính tôi xin cảm ơn.", [("Ban chỉ đạo cải cách hành chính", "gov")]),
        ("Sai phạm ở PMU 18 đã được đưa ra xét xử.", [("PMU 18", "gov")]),
        # (batch m) the Party's congress; a parent that is a Party organization; a person after "thành phố"
        ("Đại hội Đảng lần thứ XIII đã thành công.", [("Đảng", "gov")]),
        ("Ban chấp hành Đảng bộ tỉnh Nghệ An đã họp.", [("Ban chấp hành Đảng bộ tỉnh Nghệ An", "gov")]),
        ("Chủ tịch UBND thành phố Trần Văn Nam phát biểu.", [("UBND thành phố", "gov")]),
        ("Người dân lên UBND quận trình bày.", [("UBND quận", "gov")]),
        ("Các khu vui chơi do UBND quận huyện quản lý.", []),
        ("Cục Cảnh sát điều tra tội phạm về môi trường - Bộ Công an cho biết.",
         [("Cục Cảnh sát điều tra tội phạm về môi trường - Bộ Công an", "gov")]),
        ("Ông là thành viên Ủy ban Olympic Quốc tế.", [("Ủy ban Olympic Quốc tế", "other")]),
        ("Thương vụ Việt Nam tại Tokyo cho biết.", [("Thương vụ Việt Nam tại Tokyo", "gov")]),
        # (batch k) a district named without its place word; national bodies and their abbreviations
        ("Công an Gò Vấp đã bắt giữ hai đối tượng.", [("Công an Gò Vấp", "gov")]),
        ("Thanh tra Nhà nước đã kết luận vụ việc.", [("Thanh tra Nhà nước", "gov")]),
        ("Theo VKSNDTC, kết quả điều tra cho thấy.", [("VKSNDTC", "gov")]),
        ("Ủy ban TVQH khai mạc phiên họp thứ 39.", [("Ủy ban TVQH", "gov")]),
        ("Ủy ban Bầu cử quốc gia Thái Lan tuyên bố.", [("Ủy ban Bầu cử quốc gia Thái Lan", "other")]),
        ("Ban chỉ huy phòng chống lụt bão tỉnh Khánh Hòa đã họp.", [("Ban chỉ huy phòng chống lụt bão tỉnh Khánh Hòa", "gov")]),
        ("Chủ tịch Công đoàn nhà trường Lê Văn Tám nói.", []),
        ("Cô gái đã gặp phải Sở Khanh.", []),
        # (batch j) a person after a commune word; phrases with a comma inside; district offices; foreign states
        ("Chủ tịch UBND xã Nguyễn Văn Tiên khẳng định.", [("UBND xã", "gov")]),
        ("Chủ tịch UBND xã Hà Ra cho biết.", [("UBND xã Hà Ra", "gov")]),
        ("Ủy ban Quốc gia tìm kiếm, cứu nạn đã họp.", [("Ủy ban Quốc gia tìm kiếm, cứu nạn", "gov")]),
        ("Ông làm việc tại Phòng Quản lý đô thị quận Ninh Kiều.", [("Phòng Quản lý đô thị quận Ninh Kiều", "gov")]),
        ("Theo Cục Quản lý Đăng ký kinh doanh, số doanh nghiệp tăng.", [("Cục Quản lý Đăng ký kinh doanh", "gov")]),
        ("Bộ Ngoại giao CHDCND Triều Tiên ra thông báo.", [("Bộ Ngoại giao CHDCND Triều Tiên", "other")]),
        ("Ban thường vụ Thành đoàn đã họp.", [("Ban thường vụ Thành đoàn", "gov")]),
        ("Người dân phản ánh UBND xã sở tại thờ ơ.", [("UBND xã", "gov")]),
        # (batch g) "UB" for "Ủy ban"; national state bodies
        ("Lãnh đạo UB MTTQ Hà Nội khẳng định.", [("UB MTTQ Hà Nội", "gov")]),
        ("Hồ sơ được Ngân hàng chính sách xã hội xác nhận.", [("Ngân hàng chính sách xã hội", "gov")]),
        ("Theo Trung tâm dự báo khí tượng thủy văn Quốc gia, bão đã suy yếu.",
         [("Trung tâm dự báo khí tượng thủy văn Quốc gia", "gov")]),
        # (batch f) inspectorates by field or place; joint ministries; the Party's and the Union's centre
        ("Thanh tra GTCC đã tạm giữ 67 xe.", [("Thanh tra GTCC", "gov")]),
        ("Chánh Thanh tra TP.HCM đã ký quyết định.", [("Thanh tra TP.HCM", "gov")]),
        ("Liên Bộ Tài chính - Công Thương vừa có văn bản.", [("Liên Bộ Tài chính - Công Thương", "gov")]),
        ("Ông là Ủy viên T.Ư Đảng, Bí thư thứ nhất T.Ư Đoàn.", [("T.Ư Đảng", "gov"), ("T.Ư Đoàn", "gov")]),
        ("Thanh tra viên đã đến làm việc.", []),
        # two fields joined by "và" make one name only when the second starts no body of its own
        ("Sở GTCC và Công an TPHCM đã phối hợp.", [("Sở GTCC", "gov"), ("Công an TPHCM", "gov")]),
        ("Bộ Tài nguyên và Môi trường đã họp.", [("Bộ Tài nguyên và Môi trường", "gov")]),
    ],
)
def test_third_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the third round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a listed ward name with its number
        ("Lãnh đạo UBND phường Mỹ Đình 2 trả lời.", [("UBND phường Mỹ Đình 2", "gov")]),
        # "hội trường" is a hall, not a school
        ("Hội nghị diễn ra tại hội trường Thị ủy Vị Thanh.", [("Thị ủy Vị Thanh", "gov")]),
        # an abbreviated country after a ministry makes it foreign
        ("Người phát ngôn Bộ Ngoại giao TQ trả lời phóng viên.", [("Bộ Ngoại giao TQ", "other")]),
        # the supreme procuracy without "nhân dân"; the NA standing committee and the government inspectorate by initials
        ("Viện Kiểm sát tối cao đã báo cáo TVQH và TTCP.", [("Viện Kiểm sát tối cao", "gov"), ("TVQH", "gov"), ("TTCP", "gov")]),
        # a region after a centre
        ("Trung tâm Dự báo khí tượng thủy văn khu vực Tây Nguyên cảnh báo mưa lớn.",
         [("Trung tâm Dự báo khí tượng thủy văn khu vực Tây Nguyên", "gov")]),
        # the title "Trưởng" takes the capital of "ban"
        ("Ông B, Trưởng ban Dân vận Tỉnh ủy Nam Định, phát biểu.", [("ban Dân vận Tỉnh ủy Nam Định", "gov")]),
        # "1 - Tổng cục": a dash between two bodies, not a document number ("QĐ-UBND")
        ("Mẫu được Trung tâm Kỹ thuật 1 - Tổng cục Hải quan kiểm tra theo quyết định số 12/QĐ-UBND.",
         [("Tổng cục Hải quan", "gov")]),
        # what an investigation agency is for
        ("Cơ quan CSĐT tội phạm về ma túy đã khởi tố vụ án.", [("Cơ quan CSĐT tội phạm về ma túy", "gov")]),
        # police codes alone: "PC" always, "C" in a sentence about the police, not a chemical
        ("Lãnh đạo PC64 và C41 đã khởi tố vụ án.", [("PC64", "gov"), ("C41", "gov")]),
        ("Phân tử fuleren C60 có sáu mươi nguyên tử.", []),
        ("Công an đã phong tỏa khu C12 của chung cư.", []),  # a place named by a code
        ("Lãnh đạo C41 đã đến. " + "Trời mưa to. " * 20 + "Vụ án đã bị khởi tố.", []),  # the cue is in another sentence
        # "mặt bằng", "trong nước": compounds inside a board's topic
        ("Hội đồng giải phóng mặt bằng quận Hoàng Mai họp.", [("Hội đồng giải phóng mặt bằng quận Hoàng Mai", "gov")]),
        # committees of the National Assembly: a list of fields read whole
        ("Ủy ban Văn hóa, Giáo dục, Thanh niên, Thiếu niên và Nhi đồng đã thẩm tra dự án luật.",
         [("Ủy ban Văn hóa, Giáo dục, Thanh niên, Thiếu niên và Nhi đồng", "gov")]),
        ("Liên hiệp các hội khoa học và kỹ thuật tỉnh Nghệ An tổ chức hội thảo.",
         [("Liên hiệp các hội khoa học và kỹ thuật tỉnh Nghệ An", "gov")]),
    ],
)
def test_fourth_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the fourth round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a pair of bodies found at every level, made generic by the second: no one body
        ("Văn bản của HĐND và UBND các cấp phải được công bố.", []),
        ("Chính phủ và UBND các tỉnh cùng chỉ đạo.", [("Chính phủ", "gov")]),
        # a list of a foreign nation's bodies makes each foreign; Vietnam's stay
        ("Cảm ơn Đảng, Chính phủ và nhân dân Lào đã giúp đỡ.", [("Đảng", "other"), ("Chính phủ", "other")]),
        ("Cảm ơn Đảng, Nhà nước và nhân dân Việt Nam.", [("Đảng", "gov")]),
        # "sinh hoạt Đảng": party activity, not the Party
        ("Ông bị đình chỉ sinh hoạt Đảng.", []),
        # "bố cục", "cục diện": no department
        ("Bố cục một phần ba giúp bức ảnh cân đối.", []),
        ("Cục diện trận đấu thay đổi.", []),
        # joint offices, historical bodies, prisons, the Olympic committee (other)
        ("Văn phòng HĐND và UBND huyện Gia Lâm thông báo.", [("Văn phòng HĐND và UBND huyện Gia Lâm", "gov")]),
        ("Căn cứ Trung ương Cục miền Nam được bảo vệ.", [("Trung ương Cục miền Nam", "gov")]),
        ("Phạm nhân thụ án tại Trại giam tỉnh Thanh Hóa.", [("Trại giam tỉnh Thanh Hóa", "gov")]),
        ("Ủy ban Olympic Việt Nam họp.", [("Ủy ban Olympic Việt Nam", "other")]),
        # "cơ động" qualifies a unit; "gia cầm, thủy cầm" is one phrase
        ("Đội Kiểm lâm cơ động tỉnh và công an xã đã tuần tra.", [("Đội Kiểm lâm cơ động tỉnh", "gov")]),
        ("Ban chỉ đạo phòng chống dịch cúm gia cầm, thủy cầm TP HCM họp.",
         [("Ban chỉ đạo phòng chống dịch cúm gia cầm, thủy cầm TP HCM", "gov")]),
    ],
)
def test_fifth_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the fifth round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a police code cues itself ("PC14"); a code ends a name before lowercase words
        ("Trinh sát (PC14) đã có mặt.", [("PC14", "gov")]),
        ("Cán bộ PMU 18 từng làm việc ở đây.", [("PMU 18", "gov")]),
        # a ward whose name begins like a province ("Phú Thọ")
        ("Công an phường Phú Thọ Hòa đã mời ông lên làm việc.", [("Công an phường Phú Thọ Hòa", "gov")]),
        # a country in brackets makes a body foreign, outside the span; not after an embassy's seat
        ("Viện Karolinska (Thụy Điển) công bố nghiên cứu.", [("Viện Karolinska", "other")]),
        # a person after a state body's abbreviated field ends it
        ("Chủ nhiệm Ủy ban TDTT Nguyễn Danh Thái phát biểu.", [("Ủy ban TDTT", "gov")]),
        # "các cấp ủy Đảng", "hai Đảng", "Đảng ủy viên", "Sở chỉ huy", "Sở Y tế địa phương": no one body
        ("Các cấp ủy Đảng phải gương mẫu; quan hệ hai Đảng tốt đẹp.", []),
        ("Ông là Đảng ủy viên Đảng ủy Kho bạc.", [("Đảng ủy Kho bạc", "gov")]),
        ("Tướng Franks đứng đầu Sở chỉ huy trung ương.", []),
        ("Trung tâm thử nghiệm HIV báo cho Sở Y tế địa phương.", []),
        # police departments by field, inspection committees by initials, a long official name
        ("Cục An ninh kinh tế - Bộ Công an vào cuộc.", [("Cục An ninh kinh tế - Bộ Công an", "gov")]),
        ("Theo UBKT Tỉnh ủy Phú Yên, kỳ họp đã kết luận.", [("UBKT Tỉnh ủy Phú Yên", "gov")]),
        ("Cục Giám định và quản lý chất lượng công trình giao thông chủ trì.",
         [("Cục Giám định và quản lý chất lượng công trình giao thông", "gov")]),
    ],
)
def test_sixth_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the sixth round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "đường bộ" is a road, not a ministry; a lowercase "trung ương" ends a name
        ("Phòng Cảnh sát giao thông đường bộ Công an TPHCM cho biết.", [("Phòng Cảnh sát giao thông", "gov"), ("Công an TPHCM", "gov")]),
        ("Viện Vệ sinh dịch tễ trung ương (Bộ Y tế) cho biết.", [("Viện Vệ sinh dịch tễ trung ương", "gov"), ("Bộ Y tế", "gov")]),
        # "nước này": a body of the foreign country the sentence is about
        ("Bộ Ngoại giao nước này bác bỏ thông tin.", [("Bộ Ngoại giao", "other")]),
        # "các" makes one body plural, unless a list of bodies follows
        ("Mỗi năm các Sở Du lịch chỉ cấp 20 giấy phép.", []),
        ("Công văn gửi các Bộ Tài chính, Thủy sản.", [("Bộ Tài chính", "gov")]),
        # departments by field, boards with a parent body
        ("Vụ Đại học - Sau đại học và Bộ GT-VT họp.", [("Vụ Đại học - Sau đại học", "gov"), ("Bộ GT-VT", "gov")]),
        ("Hồ sơ đã trình Ban Biên giới của Bộ Ngoại giao.", [("Ban Biên giới của Bộ Ngoại giao", "gov")]),
        ("Ban Tuyên giáo LĐLĐ TPHCM nhận bằng khen.", [("Ban Tuyên giáo LĐLĐ TPHCM", "gov")]),
    ],
)
def test_seventh_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the seventh round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # bodies of two or more nations are no one body; "của nước này" makes one foreign
        ("Chính phủ hai nước đã ký hiệp định hợp tác.", []),
        ("Quan hệ giữa Chính phủ và nhân dân hai nước ngày càng bền chặt.", []),
        ("Ông cho rằng Chính phủ của nước này sẽ đổi mới.", [("Chính phủ", "other")]),
        ("Chính phủ nhiều lần khẳng định chủ trương này.", [("Chính phủ", "gov")]),
        # "các" before a body followed by "và" and no second body: plural
        ("Công văn gửi tới các Sở Giáo dục và ngược lại.", []),
        ("Ông đến dự cùng cả Bộ GTVT và Bộ Tài chính.", [("Bộ GTVT", "gov"), ("Bộ Tài chính", "gov")]),
        # a joint office of two departments ("liên sở") names neither
        ("Theo quyết định của liên sở Tài chính - Xây dựng, giá tăng.", []),
        # a person's title after a dash ends the name; a verb ends a free name
        ("Ông Tư, Phó tổng cục trưởng Tổng cục CSND - Thủ trưởng Cơ quan CSĐT nói.", [("Tổng cục CSND", "gov"), ("Cơ quan CSĐT", "gov")]),
        ("Cục Phát hành Kho quỹ khuyến cáo người dân.", [("Cục Phát hành Kho quỹ", "gov")]),
        # the central committee of a mass organization
        ("Trung ương Hội Nông dân Việt Nam phát động phong trào.", [("Trung ương Hội Nông dân Việt Nam", "gov")]),
    ],
)
def test_eighth_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the eighth round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # project boards with a lowercase topic; the national admissions board
        ("Ban Quản lý dự án giao thông công chính vừa cho biết.", [("Ban Quản lý dự án giao thông công chính", "gov")]),
        ("Ông là thành viên Ban chỉ đạo tuyển sinh ĐH, CĐ 2005 của Bộ.", [("Ban chỉ đạo tuyển sinh ĐH, CĐ 2005", "gov")]),
        ("PMU đầu tiên được thành lập năm 1999.", []),
        # an abbreviation in brackets names the same body: a state body's by its initials
        ("Ủy ban Chứng khoán (UBCK) vừa ra quyết định.", [("Ủy ban Chứng khoán", "gov"), ("UBCK", "gov")]),
        ("Bộ Giao thông vận tải (GTVT) đã họp.", [("Bộ Giao thông vận tải", "gov")]),
        ("Ban chỉ đạo phòng chống lụt bão (PCLB) họp.", [("Ban chỉ đạo phòng chống lụt bão", "gov")]),
        ("Quỹ Nhi đồng Liên Hợp Quốc (UNICEF) tài trợ.", [("Quỹ Nhi đồng Liên Hợp Quốc", "other"), ("UNICEF", "other")]),
        ("Công ty Vinamilk (HOSE) trả cổ tức (USD).", [("Công ty Vinamilk", "other")]),
        # economic police; foreign and historical bodies
        ("Công an kinh tế Hà Nội đã phát hiện vụ việc.", [("Công an kinh tế Hà Nội", "gov")]),
        ("Viện công tố Seoul hồi giữa tuần đã khởi tố.", [("Viện công tố Seoul", "other")]),
        ("Đoàn của Phòng Thương mại và Công nghiệp Việt Nam sang thăm.", [("Phòng Thương mại và Công nghiệp Việt Nam", "other")]),
    ],
)
def test_ninth_round_kinds(text: str, expected: list[tuple[str, str]]) -> None:
    """One sentence per kind of name the ninth round of rules reads (benchmarks/RESULTS.md)."""
    assert [(m.text, m.kind) for m in find_orgs(text)] == expected


def test_a_district_named_like_a_country_is_a_place() -> None:
    (mention,) = find_orgs("Công an huyện Đông Anh đã bắt giữ đối tượng.")
    assert mention.kind == "gov"  # "Anh" (England) is a syllable of the district's name
    assert find_orgs("Ủy ban Pháp luật của Quốc hội họp.")[0].canonical == "Ủy ban Pháp luật của Quốc hội"
    assert find_orgs("Quốc hội Ukraina thông qua dự luật.")[0].kind == "other"


def test_a_query_compiles_only_the_place_spellings_it_can_start() -> None:
    from searchkit.text.orgs.lexicon import Lexicon, ListPattern

    lex = Lexicon(folded=False)
    assert canonical_org_with(lex, "UBND tỉnh Quảng Ninh") == "Ủy ban nhân dân tỉnh Quảng Ninh"
    places = lex.place_re
    assert isinstance(places, ListPattern)
    assert places._whole is None
    compiled = sum(len(p.pattern) for p in places._pieces.values())
    assert 0 < compiled < len(places._forms) * 4  # a few spellings of "Quảng …", not the ~10,000 of the list
    # the same matches as the whole list compiled at once, at every position of a text
    from searchkit.text.orgs.lexicon import _compile_list

    whole = _compile_list(places._forms)
    text = "Sở Y tế TP.HCM, UBND tỉnh Bà Rịa - Vũng Tàu,  Hà  Nội và Quảng Ngãi, huyện Đông Anh, tp hcm"
    for pos in range(len(text)):
        got, want = places.match(text, pos), whole.match(text, pos)
        assert (got and got.span()) == (want and want.span()), pos


_LISTED_TEXT = (
    "Sở Y tế TP.HCM, UBND tỉnh Bà Rịa - Vũng Tàu,  Hà  Nội và Quảng Ngãi, huyện Đông Anh, tp hcm, Trung ương khóa XIII, "
    "Quốc hội Hoa Kỳ, ý kiến Mỹ thuật, nước Cộng hòa Pháp, T.Ư Đoàn, cấp tỉnh, Q.Bình Thạnh, P.5, thị xã Sơn Tây, xã hội"
)


@pytest.mark.parametrize("folded", [False, True])
def test_whole_lists_read_only_where_a_first_word_is_written(folded: bool) -> None:
    """A list compiled whole (indexing) runs its pattern only where the next word starts like a
    spelling's first word: the same matches as the pattern everywhere, and where the one test for
    the four lists says no, none of their patterns matches."""
    from searchkit.text.normalize import fold
    from searchkit.text.orgs.lexicon import FirstWords, Lexicon, WholeList, _compile_list

    lex = Lexicon(folded=folded)
    lists = {"place_re": lex._places[1], "country_re": lex._countries[1], "qual_re": lex._quals[1]}
    assert lex.may_list(_LISTED_TEXT, 0)  # compiled piecewise (a query): no test yet
    for name, forms in lists.items():
        lex.__dict__[name] = WholeList(forms)
    patterns = [*(_compile_list(forms) for forms in lists.values()), lex.ptype_re]
    for text in (_LISTED_TEXT, fold(_LISTED_TEXT), _LISTED_TEXT.lower(), _LISTED_TEXT.upper()):
        for pos in range(len(text)):
            for name, whole in zip(lists, patterns, strict=False):
                got, want = lex.__dict__[name].match(text, pos), whole.match(text, pos)
                assert (got and got.span()) == (want and want.span()), (name, text, pos)
            if not lex.may_list(text, pos):
                assert not any(p.match(text, pos) for p in patterns), (text, pos)
    assert isinstance(lex.__dict__["may_list"], FirstWords)  # the test itself, once the lists are whole


def test_a_refused_lowercase_head_is_no_name_whatever_follows() -> None:
    """The test before a parse agrees with :func:`is_name`: a lowercase head without ``low`` is no
    name even with every part a name can have."""
    from searchkit.text.orgs.lexicon import Part
    from searchkit.text.orgs.parse import Parse, is_name, lowercase_refused

    lex, refused = get_lexicon(False), 0
    for form in lex._heads[1]:
        head, written = lex.head_of(form), form[:1].lower() + form[1:]
        if head is None or not lowercase_refused(head, written):
            continue
        refused += 1
        parts = [Part(head.canonical, head.forms), Part("Tài chính", ("Tài chính",), free=True), Part("Hà Nội", ("Hà Nội",))]
        best = Parse(len(written), parts, head.kind, True, True, True, True, True, True)
        assert not is_name(head, best, False, written), written
    assert refused > 20
    assert [m.canonical for m in find_orgs("vụ án của vụ Pháp chế, hội nghị, báo cáo, Vụ Pháp chế")] == ["Vụ Pháp chế"]


def canonical_org_with(lex: object, query: str) -> str | None:
    """The canonical name of ``query`` read with the lexicon ``lex`` (as :func:`canonical_org` does)."""
    from searchkit.text.orgs.names import _whole
    from searchkit.text.orgs.parser import canonical_name

    parsed = _whole(lex, query)  # type: ignore[arg-type]
    return canonical_name(parsed.parts) if parsed else None


def test_the_two_lexicons_are_compiled_once_each() -> None:
    from searchkit.text.orgs import lexicon

    lexicon._compile_lexicon.cache_clear()
    for _ in range(3):
        find_orgs("UBND tỉnh Quảng Ninh họp với Sở Tài nguyên và Môi trường.")
        canonical_org("so tai nguyen quang ninh")
        canonical_org("Sở Tài nguyên Quảng Ninh")
        lexicon.get_lexicon(folded=True)
    info = lexicon._compile_lexicon.cache_info()
    assert (info.misses, info.currsize) == (2, 2)


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\ufeff", "\ufe0f", "\u200e", "\u2066", "\u034f"])
def test_names_survive_an_invisible_between_letter_and_mark(invisible: str) -> None:
    # Issue #10, case 11: "Ban Chỉ đạo 35" was lost in NFD text with one invisible character.
    nfd = unicodedata.normalize("NFD", "Ủy ban nhân dân thành phố và Ban Chỉ đạo 35 họp.")
    laced = nfd.replace("a\u0302", "a" + invisible + "\u0302", 1).replace("\u0309", invisible + "\u0309")
    found = find_orgs(laced)
    assert [m.canonical for m in found] == ["Ủy ban nhân dân", "Ban Chỉ đạo 35"]
    assert all(m.text == laced[m.start : m.end] for m in found)


_HEADISH = st.text(alphabet=st.sampled_from(list("ubndbộsởbanủyhộiờcôngtyáàạđ -,.&/ỦBUNDHĐSỞ0123")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_HEADISH)
def test_short_texts_find_heads_without_the_whole_head_trie(text: str) -> None:
    """A short text (a query) is read word start by word start, each start matched with a
    pattern of only the spellings that share its first word: every position the whole trie
    would find is tried, and each match is the one the whole trie makes."""
    from searchkit.text.orgs.lexicon import Lexicon, get_lexicon
    from searchkit.text.orgs.scanner import _head_starts

    for folded in (False, True):
        whole = get_lexicon(folded)
        lazy = Lexicon(folded)  # a fresh lexicon: its whole trie is not compiled
        lowered = text.lower()
        if len(lowered) != len(text):
            continue
        tried = set(_head_starts(whole, text, lowered))
        for p in range(len(text)):
            if (p == 0 or not (text[p - 1].isalnum() or text[p - 1] == "_")) and whole.head_search.match(lowered, p):
                assert p in tried, (text, p)
            expected = whole.head_re.match(text, p)
            got = lazy.head_match(text, p)
            assert (got and got.span()) == (expected and expected.span()), (text, p)
        assert "_head_patterns" not in lazy.__dict__


_HEAD_FORMS = sorted({f.lower() for f in get_lexicon(False)._heads[1]})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_HEAD_FORMS, " ", "-", ",", "x", "và ", "ba", "bộ "]), max_size=8).map("".join))
def test_the_head_search_pattern_matches_where_the_head_trie_does(text: str) -> None:
    """The search pattern's first words are grouped by first character: the same spellings."""
    forms = _HEAD_FORMS
    grouped, plain = re.compile(_trie_regex(forms, True)), re.compile(_trie_regex(forms))
    for pos in range(len(text) + 1):
        m, n = grouped.match(text, pos), plain.match(text, pos)
        assert (m is None) == (n is None), text[pos:]


_LEFT_PIECES = ["QĐ", "UBND", "35", "các ", "số ", " ", "\t", "\n", "-", "/", " - ", "luật ", "Tổng ", "trái phiếu ", "a", "B"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_LEFT_PIECES), max_size=10).map("".join))
def test_the_left_context_prechecks_change_nothing(left: str) -> None:
    """excluded_by_left tests what its patterns need before running them: the same answers."""
    from searchkit.text.orgs import context

    head = next(h for h in get_lexicon(False).heads.values() if {"luật", "tổng"} <= h.not_after)
    for start_text in ("ủy ban", "Ủy ban"):
        text = left + start_text
        start = len(left)
        window = text[max(0, start - 30) : start]
        expected = bool(
            context._DOCUMENT_NUMBER.search(window)
            or (start_text[:1].islower() and context._PLURAL.search(window))
            or (
                (m := context._LEFT_WORDS.search(window))
                and (
                    (words := m.group(1).casefold().split())[-1] in head.not_after or " ".join(words) in head.not_after
                )
            )
        )
        assert context.excluded_by_left(head, text, start) == expected


def test_normalized_text_is_read_as_it_is() -> None:
    """``normalized=True`` (an article's stored text) skips normalizing: the same names."""
    from searchkit.text.normalize import normalize

    for raw in ("Chủ tịch UBND tỉnh Quảng Ninh gặp Bộ trưởng Bộ GD-ĐT.", "Thành uỷ Đà Nẵng\u00a0và Sở Y tế TP.HCM", ""):
        text = normalize(raw)
        assert find_orgs(text, normalized=True) == find_orgs(text)


def test_a_long_list_of_a_nations_bodies_is_read_a_bounded_stretch_at_a_time() -> None:
    # Each "Chính phủ" of "Chính phủ và Chính phủ và …" is a name whose foreign-list tests
    # ("… và nhân dân Trung Quốc", "… và nhân dân hai nước") once read the whole rest of the
    # list: quadratic (100,000 characters took 5 s, 400,000 over a minute).
    from searchkit.text.orgs import clues

    text = "Chính phủ" + " và Chính phủ" * 5_000
    m = clues._NATIONAL_LIST.match(text, len("Chính phủ"))
    assert m is not None and m.end() - m.start() <= clues._MAX_LISTED * len(" và Chính phủ")
    # the lists the tests exist for are still read to their end
    found = find_orgs("Đảng, Chính phủ, Quốc hội và nhân dân Trung Quốc ủng hộ. Chính phủ Việt Nam họp.")
    assert [(m.text, m.kind) for m in found] == [("Đảng", "other"), ("Chính phủ", "other"), ("Quốc hội", "other"), ("Chính phủ Việt Nam", "gov")]
