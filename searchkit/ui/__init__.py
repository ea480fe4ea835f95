"""The user interfaces: the ``searchkit`` command line (:mod:`~searchkit.ui.cli`), the interactive
REPL (:mod:`~searchkit.ui.repl`), and their renderers: rich renderables
(:mod:`~searchkit.ui.render`) and snippets as HTML, rich text or JSON (:mod:`~searchkit.ui.snippets`).

Only the snippet renderers are re-exported here, so that ``import searchkit`` (which offers
them) does not load the command line; import ``searchkit.ui.cli`` or ``searchkit.ui.repl`` to
use those.

>>> from searchkit.ui import to_html
>>> from searchkit.search import Snippet, Span
>>> to_html(Snippet("Ban Chỉ đạo", (Span(4, 11, "match"),)))
'Ban <mark>Chỉ đạo</mark>'
"""

from searchkit.ui.snippets import to_html, to_json, to_rich

__all__ = ["to_html", "to_json", "to_rich"]
