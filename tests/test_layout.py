"""The package's shape: folders by stage, imports that only point backwards, no cycles, no
module too long to read (STYLE.md, "Layout")."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchkit"

#: The stages in the order data flows through them for imports: a module may import from its
#: own stage and the stages before it. ``search/`` works on one commit of an index (a
#: snapshot) and never imports ``index/``; ``index/``'s ``Index`` offers searching by calling
#: it. The base (errors, version, the lazy re-exports, the Whoosh door) is open to all.
STAGES = ["base", "text", "documents", "search", "index", "ui", "top"]
BASE = {"errors", "_version", "_lazy", "_whoosh"}
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return "top"
    return "base" if parts[1] in BASE else parts[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, module_level: bool) -> Iterator[str]:
    """searchkit modules imported by ``tree`` (TYPE_CHECKING blocks left out; with
    ``module_level``, imports inside functions too)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("searchkit"):
            yield node.module
            for alias in node.names:  # `from searchkit.search import rank` imports a module
                yield f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("searchkit"))
        elif module_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        else:
            yield from _imports(node, module_level=module_level)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _graph(*, module_level: bool) -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {m for m in _imports(ast.parse(path.read_text(encoding="utf-8")), module_level=module_level) if m in modules}
        for name, path in modules.items()
    }


def test_imports_only_point_to_earlier_stages() -> None:
    wrong = [
        f"{a} ({_stage(a)}) imports {b} ({_stage(b)})"
        for a, targets in _graph(module_level=False).items()
        for b in targets
        if STAGES.index(_stage(b)) > STAGES.index(_stage(a))
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = _graph(module_level=True)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            if target != node and not node.startswith(target + "."):  # a package's own __init__
                visit(target, [*path, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_every_module_is_short_enough_to_read() -> None:
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_every_stage_is_a_folder_with_a_small_public_init() -> None:
    for stage in ("text", "documents", "index", "search", "ui"):
        init = PACKAGE / stage / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), stage
        names = [n for n in tree.body if isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in n.targets)]
        assert names, f"{stage}/__init__.py has no __all__"
        # re-exports only: imports (or, loaded when first used, an `if TYPE_CHECKING:` block of
        # imports and the table of searchkit._lazy), the docstring and __all__
        assert all(
            isinstance(n, (ast.Expr, ast.ImportFrom, ast.Assign)) or (isinstance(n, ast.If) and _is_type_checking(n))
            for n in tree.body
        ), stage
