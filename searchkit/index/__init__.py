"""The index on disk: schema, segment writing, worker processes, files and checksums, and
:class:`Index` (create, open, add, delete, search).

>>> import tempfile
>>> from searchkit.index import Index
>>> with Index.create(tempfile.mkdtemp()) as ix:
...     len(ix)
0
"""

from searchkit.index.index import (
    DEFAULT_INDEX,
    FileReport,
    Index,
    IndexReport,
    IndexStats,
    remove_index,
)
from searchkit.index.storage import MANIFEST

__all__ = ["DEFAULT_INDEX", "MANIFEST", "FileReport", "Index", "IndexReport", "IndexStats", "remove_index"]
