"""The README, the example scripts and the docstrings run as tests, so they cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import searchkit

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
EXAMPLES = sorted((REPO / "examples").glob("*.py"))
MODULES = sorted(m.name for m in pkgutil.walk_packages(searchkit.__path__, "searchkit.") if m.name != "searchkit.__main__")


def readme() -> str:
    return README.read_text(encoding="utf-8")


def fenced(language: str) -> list[str]:
    """The bodies of the README's fenced blocks of ``language`` (indented ones included)."""
    pattern = re.compile(rf"^( *)```{language}\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
    blocks = []
    for m in pattern.finditer(readme()):
        indent = len(m.group(1))
        blocks.append("\n".join(line[indent:] for line in m.group(2).splitlines()))
    return blocks


def script_blocks() -> list[str]:
    """Python blocks that are scripts (the ``>>>`` ones are doctests, run below)."""
    return [b for b in fenced("python") if not b.lstrip().startswith(">>>")]


# --------------------------------------------------------------------------- README


def test_readme_has_python_examples() -> None:
    assert script_blocks()
    assert any(">>>" in b for b in fenced("python"))


@pytest.mark.parametrize("index", range(len(script_blocks())))
def test_readme_python_block_runs(index: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)  # the README uses paths relative to the repository root
    code = compile(script_blocks()[index], f"README.md[python block {index}]", "exec")
    exec(code, {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert out.strip()
    if "thanh uy da nang" in script_blocks()[index]:
        assert "42 articles, 0 failed" in out
        assert "Thành ủy Đà Nẵng" in out and "<mark" in out


@pytest.mark.parametrize("door", ["script", "stdin"])
def test_readme_python_example_runs_as_a_plain_script(door: str, tmp_path: Path) -> None:
    """The tour's example, as a newcomer pastes it: a file without a ``__main__`` guard, or
    ``python -``. It indexes more than 200 articles, so the worker processes run."""
    block = next(b for b in script_blocks() if "bulletins" in b)
    script = tmp_path / "tour.py"
    script.write_text(block, encoding="utf-8")
    argv, stdin = ([sys.executable, str(script)], None) if door == "script" else ([sys.executable, "-"], block)
    done = subprocess.run(argv, input=stdin, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "42 articles, 0 failed" in done.stdout
    assert "300 bulletins added, 342 articles in all" in done.stdout
    assert done.stderr == ""


def test_readme_doctests() -> None:
    # Parsed block by block: run on the raw README, doctest would read each closing ``` fence
    # (which follows the expected output without a blank line) as part of the expected output.
    text = "\n\n".join(b for b in fenced("python") if b.lstrip().startswith(">>>"))
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"searchkit": searchkit}, "README.md", str(README), 0)
    assert test.examples, "README has no >>> examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README doctest(s) failed (output above)"


def test_readme_json_block_is_valid_json() -> None:
    import json

    blocks = fenced("json")
    assert blocks
    for block in blocks:
        json.loads(block)


# --------------------------------------------------------------------------- CI commands


def ci_command(name: str) -> str:
    """The first line of the ```bash block right after ``<!-- ci:NAME -->``."""
    m = re.search(rf"^<!-- ci:{name} -->\n```bash\n(.*?)\n```", readme(), re.MULTILINE | re.DOTALL)
    assert m, f"README has no <!-- ci:{name} --> marker followed by a ```bash block"
    return m.group(1)


def test_readme_ci_commands_exist() -> None:
    main = ci_command("main")
    tests = ci_command("tests")
    assert "pip install ." in main and "searchkit repl" in main
    assert 'pip install -e ".[test]"' in tests and "python -m pytest" in tests


def test_ci_script_extracts_the_readme_commands() -> None:
    script = REPO / ".ci" / "run"
    if not script.exists():
        pytest.skip(".ci/run is not present in this checkout")
    text = script.read_text(encoding="utf-8")
    m = re.search(r"^extract\(\) \{.*?^\}\n", text, re.MULTILINE | re.DOTALL)
    assert m, ".ci/run has no extract() function"
    for name in ("main", "tests"):
        assert f"extract {name}" in text
        out = subprocess.run(
            ["bash", "-c", f'{m.group(0)}\nextract "$1"', "extract", name],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert out.strip() == ci_command(name)


# --------------------------------------------------------------------------- examples


def test_there_are_example_scripts() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_script_runs(script: Path, tmp_path: Path) -> None:
    args = [str(tmp_path / "page.html")] if script.name == "highlight_html.py" else []
    done = subprocess.run(
        [sys.executable, str(script), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr
    if script.name == "quickstart.py":
        assert "indexed 42 articles" in done.stdout
        assert done.stdout.count("Ban Chỉ đạo 35 thành phố Hải Phòng") >= 2  # with and without diacritics
    if script.name == "orgs_report.py":
        assert "Ủy ban nhân dân tỉnh Quảng Ninh" in done.stdout
    if script.name == "highlight_html.py":
        page = (tmp_path / "page.html").read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and "<mark>" in page and '<mark class="org">' in page


def test_highlight_example_prints_to_stdout(tmp_path: Path) -> None:
    script = REPO / "examples" / "highlight_html.py"
    done = subprocess.run(
        [sys.executable, str(script), "-", "UBND Quảng Ninh"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "<html" in done.stdout and "Quảng Ninh" in done.stdout


# --------------------------------------------------------------------------- docstrings


def test_every_module_is_listed() -> None:
    expected = {"searchkit.search.engine", "searchkit.search.query", "searchkit.search.highlight", "searchkit.index.index", "searchkit.text.segment"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(name)  # not getattr: searchkit.segment is also a function
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_public_entry_points_have_examples() -> None:
    """STYLE.md: a ``>>>`` example on each public entry point."""
    missing = []
    for name in ("Index.search", "Index.organizations", "Index.article", "find_orgs", "canonical_org", "segment", "normalize", "fold"):
        obj = searchkit
        for part in name.split("."):
            obj = getattr(obj, part)
        if ">>>" not in (obj.__doc__ or ""):
            missing.append(name)
    assert not missing, f"no >>> example in: {', '.join(missing)}"


def test_readme_json_example_is_the_current_output(tmp_path: Path) -> None:
    """The README's JSON example is what `searchkit search "ban chi dao 35" --json` prints over
    the example articles today (timings and the body snippet's text aside)."""
    import json

    from searchkit import Index

    documented = json.loads(fenced("json")[0])
    with Index.create(tmp_path) as ix:
        ix.add_path(REPO / "examples" / "articles", workers=0)
        produced = json.loads(json.dumps(ix.search(documented["query"]).to_json()))
    for key in ("total", "offset", "suggestion", "match", "relaxed", "min_words"):
        assert produced[key] == documented[key], key
    hit, doc_hit = produced["hits"][0], documented["hits"][0]
    for key in ("id", "title", "score", "published", "views", "category", "source", "author", "url", "orgs", "title_snippet"):
        assert hit[key] == doc_hit[key], key
    documented_spans = doc_hit["snippet"]["spans"]
    assert hit["snippet"]["spans"][: len(documented_spans)] == documented_spans
    assert hit["snippet"]["text"].startswith(doc_hit["snippet"]["text"].removesuffix("…"))
    for name, values in documented["facets"].items():
        assert produced["facets"][name][: len(values)] == values, name
