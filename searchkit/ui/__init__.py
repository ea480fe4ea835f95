"""The user interfaces: the ``searchkit`` command line and the interactive REPL, with their
rich, JSON and HTML renderers."""

from searchkit.ui.cli import main
from searchkit.ui.repl import Repl

__all__ = ["Repl", "main"]
