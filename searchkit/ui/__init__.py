"""The user interfaces: the ``searchkit`` command line (:mod:`~searchkit.ui.cli`), the interactive
REPL (:mod:`~searchkit.ui.repl`), and their renderers: rich renderables
(:mod:`~searchkit.ui.render`) and snippets as HTML, rich text or JSON (:mod:`~searchkit.ui.snippets`).

``main`` and ``Repl`` are imported on first use, so rendering a snippet does not load the
command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from searchkit.ui.cli import main
    from searchkit.ui.repl import Repl

__all__ = ["Repl", "main"]


def __getattr__(name: str) -> Any:
    if name == "main":
        from searchkit.ui.cli import main

        return main
    if name == "Repl":
        from searchkit.ui.repl import Repl

        return Repl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
