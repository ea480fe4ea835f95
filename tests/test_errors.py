"""The error contract of search calls: our own errors, one line naming the argument, never a
traceback or a bare TypeError (issue #10)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from searchkit import ArgumentError, Index, QuerySyntaxError, SearchKitError
from searchkit.search.query import parse_query
from searchkit.ui.cli import main


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with Index.create(tmp_path_factory.mktemp("errors-ix") / "ix") as index:
        index.add([{"id": "1", "title": "Họp Ban Chỉ đạo 35", "body": "Ban Chỉ đạo 35 họp.", "date": "2023-08-18"}], workers=0)
        yield index


def test_error_classes_are_value_errors() -> None:
    assert issubclass(QuerySyntaxError, SearchKitError) and issubclass(QuerySyntaxError, ValueError)
    assert issubclass(ArgumentError, QuerySyntaxError)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"limit": 2.5}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": None}, "offset"),
        ({"offset": "1"}, "offset"),
        ({"sort": None}, "sort"),
        ({"sort": ["date"]}, "sort"),
        ({"sort": "newest"}, "sort"),
        ({"org": 5}, "org"),
        ({"category": 5}, "category"),
        ({"since": "yesterday"}, "since"),
        ({"since": 2023}, "since"),
        ({"since": ["2023"]}, "since"),
        ({"until": 5}, "until"),
    ],
)
def test_a_bad_argument_is_our_value_error(ix: Index, kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ArgumentError) as caught:
        ix.search("ban", **kwargs)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SearchKitError)
    message = str(caught.value)
    assert name in message and "\n" not in message


@pytest.mark.parametrize("query", [5, None, b"ban", ["ban"]])
def test_a_query_that_is_not_a_string_is_our_error(ix: Index, query: Any) -> None:
    with pytest.raises(ArgumentError, match="query must be a string"):
        ix.search(query)
    with pytest.raises(ArgumentError):
        parse_query(query)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"org": "\udcff"}, "org"), ({"category": "Thể \udcff thao"}, "category"), ({"org": "UBND\ud800"}, "org")],
)
def test_a_lone_surrogate_in_an_argument_is_a_query_syntax_error(ix: Index, kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(QuerySyntaxError, match=f"^{name} holds an undecodable character"):
        ix.search("ban", **kwargs)


@pytest.mark.parametrize("query", ["\udcff", "Ban \udcff", "Ban\udcff", "org:\ud800", 'org:"UBND \udcff"', "title:\udcff"])
def test_a_lone_surrogate_in_the_query_is_read_as_a_replacement_character(ix: Index, query: str) -> None:
    results = ix.search(query)
    assert results.total >= len(results.hits)
    assert "undecodable" in parse_query(query).notes[-1]
    assert ix.search("Ban \udcff").total == ix.search("Ban").total


def test_highlight_checks_its_text(ix: Index) -> None:
    with pytest.raises(QuerySyntaxError):
        ix.highlight("\udcff", "ban")
    assert ix.highlight("1", "ban \udcff") is not None


def test_the_cli_prints_one_line_for_an_undecodable_org(ix: Index, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(ix.path)
    for argv in (["search", "Ban", "--org", "\udcff"], ["search", "Ban", "--json", "--category", "\udcff"]):
        code = main([*argv, "--index", folder])
        err = capsys.readouterr().err
        assert code != 0
        assert "Traceback" not in err and "undecodable character" in err
        assert len(err.strip().splitlines()) == 1
