"""Whoosh's internals are used in :mod:`searchkit._whoosh` only, and that package checks the
installed Whoosh version when it is imported."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import searchkit
from searchkit._whoosh import WHOOSH_VERSION, check_version
from searchkit.errors import SearchKitError, WhooshVersionError

PACKAGE = Path(searchkit.__file__).resolve().parent
DOOR = PACKAGE / "_whoosh"

#: Whoosh's public modules, and what may be imported from them outside the door (None: anything).
PUBLIC: dict[str, frozenset[str] | None] = {
    "whoosh.analysis": None,
    "whoosh.fields": None,
    "whoosh.query": None,
    "whoosh.qparser": None,
    "whoosh.scoring": None,
    "whoosh.searching": frozenset({"Searcher", "Results", "Hit", "ResultsPage"}),
    "whoosh.sorting": None,
    "whoosh.index": frozenset({"create_in", "open_dir", "exists_in", "exists", "Index", "FileIndex", "LockError",
                               "EmptyIndexError", "IndexVersionError", "OutOfDateError"}),
    "whoosh.filedb.filestore": frozenset({"FileStorage", "RamStorage"}),
}
#: Names that hold Whoosh objects in searchkit's code (searchers, readers, writers, segments,
#: matchers, queries, fields…): no ``._private`` attribute of them may be read outside the door.
#: (``ix`` is left out: searchkit's own ``Index`` goes by it too.)
WHOOSH_OBJECTS = frozenset([
    "whoosh_ix", "searcher", "searchers", "sub", "subsearcher", "reader", "leaf", "leaves", "writer", "segment",
    "segments", "storage", "codec", "perdoc", "fieldwriter", "postwriter", "postfile", "matcher", "m", "child", "q",
    "query", "wq", "weighting", "scorer", "terms", "info", "terminfo", "column", "schema", "field", "fmt", "format",
    "analyzer", "tokenizer", "token", "results", "hit",
])  # fmt: skip
#: Methods that return Whoosh objects: ``x.reader()._y`` is as private as ``reader._y``.
WHOOSH_RETURNING = frozenset([
    "reader", "searcher", "leaf_readers", "postings", "matcher", "writer", "term_info", "segments", "storage",
    "codec", "per_document_writer", "field_writer", "subsearchers",
])  # fmt: skip


def violations(source: str, filename: str = "<source>") -> Iterator[str]:
    """Uses of Whoosh's internals in ``source``: private imports, private attributes of Whoosh
    objects (also through ``getattr`` with a literal name), attributes of private modules."""
    aliases: dict[str, str] = {}  # local name -> the Whoosh module it names
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            found = _imports(node, aliases)
        elif isinstance(node, ast.Attribute):
            found = _attribute(node, aliases)
        elif isinstance(node, ast.Call):
            found = _getattr(node)
        else:
            continue
        yield from (f"{where}: {what}" for what in found)


def _imports(node: ast.Import | ast.ImportFrom, aliases: dict[str, str]) -> Iterator[str]:
    """Imports of Whoosh modules or names other than :data:`PUBLIC` ones; records the aliases."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == "whoosh" or alias.name.startswith("whoosh."):
                if alias.name not in PUBLIC:
                    yield f"import {alias.name}"
                aliases[alias.asname or "whoosh"] = alias.name if alias.asname else "whoosh"
        return
    module = node.module or ""
    if module != "whoosh" and not module.startswith("whoosh."):
        return
    for alias in node.names:
        if module == "whoosh":  # from whoosh import query as wq
            if f"whoosh.{alias.name}" not in PUBLIC:
                yield f"from whoosh import {alias.name}"
            aliases[alias.asname or alias.name] = f"whoosh.{alias.name}"
        elif module not in PUBLIC or ((allowed := PUBLIC[module]) is not None and alias.name not in allowed):
            yield f"from {module} import {alias.name}"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _attribute(node: ast.Attribute, aliases: dict[str, str]) -> Iterator[str]:
    """A private attribute of a Whoosh object, or a non-public name of a Whoosh module."""
    private = _is_private(node.attr)
    owner = _owner(node.value)
    if private and owner in WHOOSH_OBJECTS:
        yield f"{owner}.{node.attr}"
    if isinstance(node.value, ast.Name) and node.value.id in aliases:
        module = aliases[node.value.id]
        if module == "whoosh":  # import whoosh; whoosh.<submodule>
            public = f"whoosh.{node.attr}" in PUBLIC
        else:
            allowed = PUBLIC.get(module, frozenset())
            public = not private and (allowed is None or node.attr in allowed)
        if not public:
            yield f"{node.value.id}.{node.attr} (in {module})"


def _getattr(node: ast.Call) -> Iterator[str]:
    """``getattr(leaf, "_terms")`` and the like."""
    if not (isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr", "hasattr") and len(node.args) >= 2):
        return
    name = node.args[1]
    if isinstance(name, ast.Constant) and isinstance(name.value, str) and _is_private(name.value):
        owner = _owner(node.args[0])
        if owner in WHOOSH_OBJECTS:
            yield f"{node.func.id}({owner}, {name.value!r})"


def _owner(node: ast.expr) -> str:
    """The name a value goes by: ``leaf`` for ``leaf``, ``self._leaf`` and ``leaves[0]``;
    ``reader`` for ``searcher.reader()``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name if name in WHOOSH_RETURNING else ""
    if isinstance(node, ast.Name):
        return node.id.lstrip("_")
    if isinstance(node, ast.Attribute):
        return node.attr.lstrip("_")
    return ""


def modules_outside_the_door() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if DOOR not in p.parents)


def test_the_package_is_scanned() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in modules_outside_the_door()}
    assert {"index/writing.py", "search/rank.py", "search/facets.py", "index/index.py", "search/engine.py"} <= names
    assert not any(n.startswith("_whoosh/") for n in names)


@pytest.mark.parametrize("path", modules_outside_the_door(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_whoosh_internals_outside_the_door(path: Path) -> None:
    found = list(violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent))))
    assert not found, "Whoosh internals outside searchkit/_whoosh/:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from whoosh.codec.whoosh3 import W3LeafMatcher",
        "from whoosh.writing import SegmentWriter",
        "from whoosh.reading import SegmentReader",
        "from whoosh.matching.wrappers import FilterMatcher",
        "from whoosh.system import _INT_SIZE",
        "from whoosh.util.numeric import byte_to_length",
        "from whoosh.filedb.structfile import StructFile",
        "from whoosh.index import TOC",
        "from whoosh.index import clean_files",
        "from whoosh import codec",
        "import whoosh.codec.whoosh3",
        "from whoosh import index as wi\nwi.TOC(None, [], 1)",
        "from whoosh import index as wi\nwi._DEF_INDEX_NAME",
        "import whoosh\nwhoosh.writing.SegmentWriter",
        "leaf._terms.items_from('orgs', b'')",
        "self._reader._perdoc",
        "searcher.reader()._perdoc",
        "leaves[0]._terms",
        "m._skip_to_block(None)",
        "weighting._field_B",
        "q._btexts(r)",
        "getattr(leaf, '_terms', None)",
    ],
)
def test_the_check_catches(source: str) -> None:
    assert list(violations(source)), source


@pytest.mark.parametrize(
    "source",
    [
        "from whoosh import query as wq\nwq.Term('f', 't')",
        "from whoosh.index import LockError, create_in",
        "from whoosh.filedb.filestore import FileStorage",
        "from whoosh.analysis import Tokenizer",
        "import whoosh.fields",
        "self._ranker._segment(doc)",
        "leaf.postings('f', b't').all_ids()",
        "searcher.__class__",
        "from searchkit._whoosh.postings import read_postings",
    ],
)
def test_the_check_allows(source: str) -> None:
    assert not list(violations(source)), source


# -- the version check ----------------------------------------------------------------------------


def test_the_pinned_version_is_installed() -> None:
    import whoosh

    assert tuple(whoosh.__version__) == WHOOSH_VERSION
    check_version(whoosh.__version__)


@pytest.mark.parametrize("version", [(2, 7, 3), (2, 7, 5), (2, 8, 0), (2, 7, 4, "b1")])
def test_another_version_is_refused_in_one_line(version: tuple[object, ...]) -> None:
    with pytest.raises(WhooshVersionError) as e:
        check_version(version)  # type: ignore[arg-type]
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith("searchkit needs Whoosh 2.7.4 exactly (Whoosh ")
    assert message.endswith('is installed): pip install "Whoosh==2.7.4"')
    assert isinstance(e.value, SearchKitError) and isinstance(e.value, ImportError)


_IMPORT_WITH = """
import whoosh
whoosh.__version__ = (2, 7, 3)
try:
    {statement}
except ImportError as e:
    print(type(e).__name__, "SearchKitError" in {{c.__name__ for c in type(e).__mro__}}, e)
    raise
"""


# `import searchkit` and its packages load Whoosh only when a name that needs it is first used.
@pytest.mark.parametrize("statement", ["from searchkit import Index", "from searchkit.index import Index", "import searchkit.search.rank"])
def test_importing_searchkit_beside_another_whoosh_fails_in_one_line(statement: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_WITH.format(statement=statement)],
        capture_output=True, text=True, timeout=120, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode != 0
    expected = 'searchkit needs Whoosh 2.7.4 exactly (Whoosh 2.7.3 is installed): pip install "Whoosh==2.7.4"'
    assert done.stdout == f"WhooshVersionError True {expected}\n"
    assert done.stderr.strip().splitlines()[-1] == f"searchkit.errors.WhooshVersionError: {expected}"
