"""The index on disk: schema, segment writing, worker processes, files and checksums, and
:class:`Index` (create, open, add, delete, search), :func:`build_index` and the reports.

>>> import tempfile
>>> from searchkit.index import Index
>>> with Index.create(tempfile.mkdtemp()) as ix:
...     len(ix)
0
"""

from typing import TYPE_CHECKING

from searchkit._lazy import lazy_exports

if TYPE_CHECKING:  # imported when first used (see searchkit._lazy): opening an index does not load the writer
    from searchkit.index.build import build_index
    from searchkit.index.index import DEFAULT_INDEX, Index, remove_index
    from searchkit.index.reports import FileReport, IndexReport, IndexStats
    from searchkit.index.storage import MANIFEST

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "searchkit.index.build": ("build_index",),
        "searchkit.index.index": ("DEFAULT_INDEX", "Index", "remove_index"),
        "searchkit.index.reports": ("FileReport", "IndexReport", "IndexStats"),
        "searchkit.index.storage": ("MANIFEST",),
    },
)

__all__ = ["DEFAULT_INDEX", "MANIFEST", "FileReport", "Index", "IndexReport", "IndexStats", "build_index", "remove_index"]
