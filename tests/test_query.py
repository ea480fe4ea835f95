from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.errors import QuerySyntaxError
from searchkit.search.query import MAX_CLAUSES, parse_date_range, parse_query


def kinds(text: str) -> list[tuple[str, str, bool, bool]]:
    return [(c.kind, c.text, c.required, c.excluded) for c in parse_query(text).clauses]


def test_free_text_is_one_run_of_optional_words() -> None:
    assert kinds("ban chi dao 35") == [("text", "ban chi dao 35", False, False)]


def test_phrases_operators_and_fields() -> None:
    assert kinds('"Ban Chỉ đạo" -bóng NOT đá +Hải AND Phòng') == [
        ("phrase", "Ban Chỉ đạo", True, False),
        ("text", "bóng", False, True),
        ("text", "đá", False, True),
        ("text", "Hải", True, False),
        ("text", "Phòng", True, False),
    ]
    assert kinds('title:"hội nghị" org:UBND category:Thể') == [
        ("title", "hội nghị", True, False),
        ("org", "UBND", True, False),
        ("category", "Thể", True, False),
    ]


def test_query_text_is_normalized() -> None:
    assert kinds("Thành uỷ")[0][1] == "Thành ủy"


@pytest.mark.parametrize("text", ["", "   ", "AND", "OR OR", "NOT", "-", "+", '"', '""', "...!!!", "\x00\x07"])
def test_degenerate_queries_are_empty_not_errors(text: str) -> None:
    assert parse_query(text).is_empty


def test_unbalanced_quote_runs_to_the_end() -> None:
    assert kinds('họp "Ban Chỉ đạo') == [("text", "họp", False, False), ("phrase", "Ban Chỉ đạo", True, False)]


def test_unknown_field_is_text() -> None:
    assert kinds("foo:bar") == [("text", "foo bar", False, False)]


@pytest.mark.parametrize("text", ["title:", "org:", 'title:""', "date:", "date:abc", "date:2023-13", "date:2024..2022", "date:.."])
def test_uninterpretable_fields_raise_a_named_error(text: str) -> None:
    with pytest.raises(QuerySyntaxError) as e:
        parse_query(text)
    assert text.split(":")[0] in str(e.value)


def test_dates() -> None:
    assert parse_date_range("2023-08") == (datetime(2023, 8, 1), datetime(2023, 8, 31, 23, 59, 59, 999999))
    assert parse_date_range("18-08-2023")[0] == datetime(2023, 8, 18)
    assert parse_date_range("..2023")[0] is None
    q = parse_query("họp date:2022..2023")
    assert q.since == datetime(2022, 1, 1) and q.until and q.until.year == 2023


def test_very_long_queries_are_truncated() -> None:
    q = parse_query(" ".join(f"-w{i}" for i in range(5000)))
    assert len(q.clauses) == MAX_CLAUSES and q.truncated
    assert len(parse_query("x" * 10_000).clauses) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab đ"-+:() \tANDORNOTtitle:org:date:2023..\x00\n')) | st.characters(), max_size=80))
def test_parser_never_fails_with_anything_but_query_syntax_error(text: str) -> None:
    try:
        parsed = parse_query(text)
    except QuerySyntaxError as e:
        assert str(e)
    else:
        assert len(parsed.clauses) <= MAX_CLAUSES


def test_or_joins_two_fields_of_one_kind_and_two_dates() -> None:
    """'category:a OR category:b' is either category; 'date:2019 OR date:2020' the two years;
    fields of different kinds stay both required."""
    clauses = parse_query("category:sport OR category:world").clauses
    assert [(c.text, c.or_before) for c in clauses] == [("sport", False), ("world", True)]
    assert parse_query('title:xăng OR "giá dầu"').clauses[1].or_before  # both required matches
    assert not parse_query("category:sport OR source:vnexpress").clauses[1].or_before
    q = parse_query("date:2020-01 OR date:2019")
    assert (q.since, q.until) == (datetime(2019, 1, 1), datetime(2020, 1, 31, 23, 59, 59, 999999))
    q = parse_query("date:2019..2020 date:2020-03")  # without OR both ranges hold
    assert (q.since, q.until) == (datetime(2020, 3, 1), datetime(2020, 3, 31, 23, 59, 59, 999999))
    q = parse_query("date:2021 OR date:2019 OR date:2020")  # any order: the three years
    assert (q.since, q.until) == (datetime(2019, 1, 1), datetime(2021, 12, 31, 23, 59, 59, 999999))
    assert parse_query("date:..2020 OR date:2021..").since == datetime.min  # every dated article
    with pytest.raises(QuerySyntaxError, match=r"leave a gap .*date:2019-01-01..2021-12-31"):
        parse_query("date:2019 OR date:2021")


@pytest.mark.parametrize(("query", "excluded"), [("a NOT Hà Nội", "Hà Nội"), ("a NOT bóng đá hay", "bóng đá")])
def test_not_takes_the_whole_word_after_it_as_minus_does(query: str, excluded: str) -> None:
    assert [c.text for c in parse_query(query).clauses if c.excluded] == [excluded]


def test_parentheses_group_nothing() -> None:
    assert parse_query("(title:xăng OR title:dầu)").clauses == parse_query("title:xăng OR title:dầu").clauses


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("-(Hà Nội)", [("phrase", "Hà Nội", True)]),  # the sign takes the group, as a phrase
        ("-(a OR b)", [("phrase", "a", True), ("phrase", "b", True)]),  # neither
        ("x (y z)", [("text", "x y z", False)]),
    ],
)
def test_a_sign_before_parentheses_takes_what_they_hold(query: str, expected: list[tuple[str, str, bool]]) -> None:
    assert [(c.kind, c.text, c.excluded) for c in parse_query(query).clauses] == expected


def test_an_exclusion_stands_aside_from_or() -> None:
    """"giá xăng -tăng OR giá vàng" joins the two runs, as with the exclusion at the end."""
    clauses = parse_query("giá xăng -tăng OR giá vàng").clauses
    assert [(c.text, c.excluded, c.or_before) for c in clauses] == [
        ("giá xăng", False, False), ("tăng", True, False), ("giá vàng", False, True)
    ]
