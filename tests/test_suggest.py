"""Did-you-mean (searchkit.search.suggest) and the Telex/VNI reader (searchkit.text.telex),
through the API, the CLI and the REPL, on the 42 example articles."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from searchkit.index import Index
from searchkit.search import suggest as suggest_module
from searchkit.text.normalize import normalize
from searchkit.text.telex import convert, from_telex, from_vni
from searchkit.ui.cli import EXIT_OK, main
from searchkit.ui.repl import Repl

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


@pytest.fixture(scope="module")
def index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("suggest") / "index"
    with Index.create(path) as index:
        assert index.add_path(EXAMPLES, workers=0).added == 42
    return path


@pytest.fixture(scope="module")
def ix(index_path: Path) -> Iterator[Index]:
    with Index.open(index_path) as index:
        yield index


# --------------------------------------------------------------------------- the converter


@pytest.mark.parametrize(
    ("keys", "word"),
    [
        ("thanhf", "thành"), ("thafnh", "thành"), ("uyr", "ủy"), ("ddaf", "đà"), ("nawngx", "nẵng"),
        ("hooij", "hội"), ("nghij", "nghị"), ("quoocs", "quốc"), ("dduwowngf", "đường"), ("dduongwf", "đường"),
        ("nguoiwf", "người"), ("nguwowif", "người"), ("tieengs", "tiếng"), ("tienes", "tiến"), ("giaos", "giáo"),
        ("hoaf", "hòa"), ("khoer", "khỏe"), ("thuyr", "thủy"), ("khoais", "khoái"), ("quas", "quá"), ("gif", "gì"),
        ("nhw", "như"), ("wf", "ừ"), ("tuw", "tư"), ("hoaz", "hoa"), ("hoafz", "hoa"),
    ],
)
def test_telex_keys_read_back(keys: str, word: str) -> None:
    assert from_telex(keys) == word


@pytest.mark.parametrize(
    ("keys", "word"),
    [
        ("tha2nh", "thành"), ("u3y", "ủy"), ("d9a2", "đà"), ("na8ng4", "nẵng"), ("na8ng", "năng"), ("vie65t", "việt"),
        ("vie6t5", "việt"), ("d9u7o7ng2", "đường"), ("d9uong72", "đường"), ("nguo72i", "người"), ("ho2a", "hòa"),
        ("kho3e", "khỏe"), ("gi2", "gì"), ("qua1", "quá"), ("ho20a", "hoa"),
    ],
)
def test_vni_keys_read_back(keys: str, word: str) -> None:
    assert from_vni(keys) == word


@pytest.mark.parametrize("word", ["fax", "web", "x", "2017", "U23", "Hà", "nam", "internet", "ss", "a" * 40, "", "hoaff"])
def test_words_without_keystrokes_to_read_are_left_alone(word: str) -> None:
    assert convert(word) is None


def test_case_is_kept() -> None:
    assert (convert("Thanhf"), convert("UYR"), convert("Ha2")) == ("Thành", "ỦY", "Hà")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeghiklmnopqrstuvwxyzABDO0123456789", max_size=14))
def test_a_conversion_is_normalized_or_none(word: str) -> None:
    result = convert(word)
    assert result is None or (result == normalize(result) and result.lower() != word.lower())


# --------------------------------------------------------------------------- the API


@pytest.mark.parametrize("query", ["hoi nghi chuyen dê", "thanh uy da nag", "author:MINH KHUÊ"])
def test_the_misleading_examples_of_issue_12_no_longer_mislead(ix: Index, query: str) -> None:
    suggestion = ix.search(query).suggestion
    assert suggestion is None or suggestion in ("thanh uy da nang", 'author:"MINH KHUÊ"'), suggestion


def test_a_typo_beside_a_known_neighbour_is_corrected_even_with_many_results(ix: Index) -> None:
    results = ix.search("thanh uy da nag")
    assert results.total >= suggest_module.FEW_RESULTS
    assert results.suggestion == "thanh uy da nang"


def test_a_real_word_the_index_lacks_is_not_changed_when_results_are_many(ix: Index) -> None:
    assert ix.search("hoi nghi chuyen dê").suggestion is None


@pytest.mark.parametrize(
    ("query", "expected"), [("đào tảo", "đào tạo"), ("phối hộp", "phối hợp"), ("xây dưng", "xây dựng"), ("báo cạo", "báo cáo")]
)
def test_a_wrong_tone_that_breaks_a_dictionary_word_is_corrected(ix: Index, query: str, expected: str) -> None:
    """"tảo" is a real syllable the index lacks; with its neighbour, "tạo" spells a word that
    articles hold side by side: sure, whatever the number of results (the query was relaxed)."""
    assert ix.search(query).suggestion == expected


def test_a_typo_is_not_corrected_to_a_function_word(ix: Index) -> None:
    """"giá vàg" is "giá vàng", not "giá và" (which stands side by side more often)."""
    assert ix.search("giá vàg").suggestion == "giá vàng"


def test_an_operator_typed_in_lower_case_is_offered_in_capitals(ix: Index) -> None:
    assert ix.search("thành ủy or chỉ đạo").suggestion == "thành ủy OR chỉ đạo"


def test_field_values_are_kept_and_a_split_value_is_quoted(ix: Index) -> None:
    assert ix.search("author:MINH KHUÊ").suggestion == 'author:"MINH KHUÊ"'
    assert ix.search('author:"MINH KHUÊ"').total > 0
    suggestion = ix.search('"chuyen dê" category:xyzq marathn').suggestion
    assert suggestion is not None and suggestion.startswith('"chuyen dê" category:xyzq ')


@pytest.mark.parametrize(
    ("query", "expected"),
    [("thanhf uyr ddaf nawngx", "thành ủy đà nẵng"), ("tha2nh u3y d9a2 na8ng4", "thành ủy đà nẵng"), ("Thanhf uyr Hà Nội", "Thành ủy Hà Nội")],
)
def test_raw_telex_and_vni_get_the_meant_words(ix: Index, query: str, expected: str) -> None:
    assert ix.search(query).suggestion == expected


def test_suggestions_hold_only_words_the_index_holds(ix: Index) -> None:
    for query in ("marathn", "thanhf uyr ddaf nawngx", "Rănh", "phảo hoa", "thanh uy da nag"):
        suggestion = ix.search(query).suggestion
        assert suggestion is not None and ix.search(suggestion).total > 0, query


@pytest.mark.parametrize("query", ["sex", "fax", "web", "x", "thành ủy", "thanh uy", "Đà Nẵng", "-ddaf hội nghị", '"ddaf"'])
def test_no_suggestion_for_good_words_excluded_words_or_phrases(ix: Index, query: str) -> None:
    assert ix.search(query).suggestion is None


# --------------------------------------------------------------------------- the CLI and REPL


def test_cli_json_and_human_line(index_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "thanhf uyr ddaf nawngx", "--index", str(index_path), "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["suggestion"] == "thành ủy đà nẵng"
    assert main(["search", "tha2nh u3y d9a2 na8ng4", "--index", str(index_path)]) == EXIT_OK
    assert "Did you mean: thành ủy đà nẵng" in capsys.readouterr().out


def test_repl_shows_the_line_and_typing_it_runs_it(ix: Index) -> None:
    out = io.StringIO()
    repl = Repl(ix, Console(file=out, width=120))
    assert repl.handle("thanhf uyr ddaf nawngx")
    shown = out.getvalue()
    assert "Did you mean: thành ủy đà nẵng" in shown
    start = len(out.getvalue())
    assert repl.handle("thành ủy đà nẵng")
    again = out.getvalue()[start:]
    assert "Did you mean" not in again and "1. " in again
