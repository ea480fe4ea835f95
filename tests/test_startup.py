"""What a fresh process loads: ``import searchkit`` and a first search stay light (issue #14,
"fast first answers"). Checked by the modules present in ``sys.modules``, never by timing."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit

PACKAGE = Path(searchkit.__file__).parent
EXAMPLES = PACKAGE.parent / "examples" / "articles"
LAZY_PACKAGES = ["searchkit", "searchkit.documents", "searchkit.index", "searchkit.search"]

#: Modules a search never needs: the terminal UI, Whoosh's query parser, the indexing side.
NOT_FOR_SEARCHING = [
    "rich",
    "whoosh.qparser",
    "multiprocessing",
    "concurrent.futures",
    "searchkit.documents.readers",
    "searchkit.documents.count",
    "searchkit.index.build",
    "searchkit.index.writing",
    "searchkit.index.workers",
    "searchkit.index.ingest",
    "searchkit.index.sharded",
    "searchkit.search.sharded",
    "searchkit._whoosh.segments",
    "searchkit._whoosh.commit",
    "searchkit.ui",
    "pyvi",
]


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter; it prints a JSON object as its last line."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE.parent)
    return json.loads(done.stdout.splitlines()[-1])


def _loaded(modules: list[str], names: list[str]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_import_searchkit_loads_no_stage() -> None:
    modules = _fresh("import json, sys, searchkit; print(json.dumps(sorted(sys.modules)))")
    heavy = ["whoosh", "numpy", "rich", "pyvi", "searchkit.index", "searchkit.search", "searchkit.text", "searchkit.documents"]
    assert _loaded(modules, heavy) == []


@pytest.fixture(scope="module")
def example_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("startup") / "ix"
    searchkit.build_index(folder, [EXAMPLES])
    return folder


def _search_in_fresh_process(folder: Path, query: str) -> dict:
    code = f"""
import json, sys
from searchkit import Index
from searchkit.text.orgs.lexicon import get_lexicon
with Index.open({str(folder)!r}) as ix:
    total = ix.search({query!r}).total
loaded = {{str(f): sorted(k for k in vars(get_lexicon(f)) if k not in ("folded", "_prep")) for f in (False, True)}}
print(json.dumps({{"total": total, "modules": sorted(sys.modules), "lexicon": loaded}}))
"""
    return _fresh(code)


def test_a_search_loads_no_indexing_or_terminal_code(example_index: Path) -> None:
    seen = _search_in_fresh_process(example_index, "giá xăng tăng")
    assert _loaded(seen["modules"], NOT_FOR_SEARCHING) == []


def test_a_query_naming_no_organization_loads_no_organization_tables(example_index: Path) -> None:
    seen = _search_in_fresh_process(example_index, "giá xăng tăng")
    # Whether the query starts like a name needs the first words of the heads, and whether it
    # is a place the place table; the fields, units, countries and the big patterns are not read.
    for tables in seen["lexicon"].values():
        assert not {"_fields", "_units", "_countries", "country_re", "place_re", "_head_patterns"} & set(tables), tables


def test_a_query_naming_an_organization_still_finds_it(example_index: Path) -> None:
    seen = _search_in_fresh_process(example_index, "UBND tỉnh Quảng Ninh")
    assert seen["total"] > 0
    assert "_fields" in seen["lexicon"]["False"]


# -- the lazy re-exports ----------------------------------------------------------------------------


def _imports(package: str) -> tuple[dict[str, set[str]], set[str]]:
    """The ``if TYPE_CHECKING:`` imports of a package's ``__init__`` (module -> names), and the
    names it imports at once."""
    init = PACKAGE.parent.joinpath(*package.split("."), "__init__.py")
    lazy: dict[str, set[str]] = {}
    eager: set[str] = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module, ast.dump(imp)
                lazy.setdefault(imp.module, set()).update(a.name for a in imp.names)
        elif isinstance(node, ast.ImportFrom):
            eager.update(a.asname or a.name for a in node.names)
    return lazy, eager


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_exports_match_the_type_checking_imports(package: str) -> None:
    lazy, eager = _imports(package)
    module = importlib.import_module(package)
    for source, names in lazy.items():
        for name in names:
            assert getattr(module, name) is getattr(importlib.import_module(source), name), (package, name)
    exported = {n for names in lazy.values() for n in names} | (eager & set(module.__all__))
    assert exported == set(module.__all__)
    assert set(module.__all__) <= set(dir(module))


def test_an_unknown_name_is_an_attribute_error_and_a_subpackage_is_imported() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = searchkit.Nope  # type: ignore[attr-defined]
    seen = _fresh("import json, searchkit; print(json.dumps(searchkit.search.parse_query('a').clauses[0].text))")
    assert seen == "a"


@pytest.mark.parametrize("folded", [False, True])
def test_qualifiers_compiled_piecewise_match_as_the_whole_list(folded: bool) -> None:
    """A query compiles the qualifier spellings its words can start (~8 ms a mode for all):
    the same matches as the whole list compiled at once, at every position."""
    from searchkit.text.normalize import fold
    from searchkit.text.orgs.lexicon import Lexicon, ListPattern, _compile_list

    lex = Lexicon(folded=folded)
    quals = lex.qual_re
    assert isinstance(quals, ListPattern)
    whole = _compile_list(quals._forms)
    text = (
        "Tòa án nhân dân tối cao, Ban Chấp hành Trung ương khóa XIII, Bộ Tư lệnh vùng 2, Viện KSND Tối Cao, "
        "Cục Hải quan khu vực miền Nam, UBND TW-VN, Hội đồng Nhà nước  quốc gia, BCH TƯ, T.Ư Đoàn, khu vực ĐBSCL"
    )
    for candidate in (text, fold(text), text.lower(), text.upper()):
        for pos in range(len(candidate)):
            got, want = quals.match(candidate, pos), whole.match(candidate, pos)
            assert (got and got.span()) == (want and want.span()), (candidate, pos)


@pytest.mark.parametrize("folded", [False, True])
def test_fields_compiled_piecewise_match_as_the_whole_list(folded: bool) -> None:
    """The fields after a head (a ministry or agency head takes ~190 spellings, ~30-45 ms to compile whole) are compiled
    by first word, as a query needs them: the same matches as the whole list, at every position."""
    import random

    from searchkit.text.orgs.lexicon import Lexicon, ListPattern, _compile_list

    lex = Lexicon(folded=folded)
    rng = random.Random(14)
    cases = [str, str.lower, str.upper]
    for groups, pattern in lex.field_re.items():
        assert isinstance(pattern, ListPattern) and pattern._whole is None
        forms = pattern._forms
        words = [*rng.sample(forms, min(30, len(forms))), "và", "-", "&", ",", "Phòng", "của", "tỉnh"]
        text = " ".join(rng.choice(cases)(rng.choice(words)) for _ in range(100))
        whole = _compile_list(forms)
        matched = 0
        for pos in range(len(text)):
            got, want = pattern.match(text, pos), whole.match(text, pos)
            assert (got and got.span()) == (want and want.span()), (groups, pos)
            matched += bool(want)
        assert pattern._whole is None and matched > 5  # compiled piecewise all along
