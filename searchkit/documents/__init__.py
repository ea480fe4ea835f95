"""Articles, the readers that stream them out of files and folders (.txt, JSONL), and
:func:`count_inputs`, the estimate of how many a path holds.

>>> from searchkit.documents import Article
>>> Article.from_dict({"id": "a1", "title": "Thành uỷ họp", "body": "Nội dung."}).title
'Thành ủy họp'
"""

from typing import TYPE_CHECKING

from searchkit._lazy import lazy_exports

if TYPE_CHECKING:  # imported when first used (see searchkit._lazy): indexing needs the readers, searching does not
    from searchkit.documents.article import MAX_TERM_BYTES, MAX_VIEWS, VIETNAM_TIME, Article
    from searchkit.documents.count import count_inputs
    from searchkit.documents.files import Rejected
    from searchkit.documents.readers import MAX_JSONL_LINE_BYTES, MAX_TXT_BYTES, iter_path, parse_txt

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "searchkit.documents.article": ("MAX_TERM_BYTES", "MAX_VIEWS", "VIETNAM_TIME", "Article"),
        "searchkit.documents.count": ("count_inputs",),
        "searchkit.documents.files": ("Rejected",),
        "searchkit.documents.readers": ("MAX_JSONL_LINE_BYTES", "MAX_TXT_BYTES", "iter_path", "parse_txt"),
    },
)

__all__ = [
    "MAX_JSONL_LINE_BYTES",
    "MAX_TERM_BYTES",
    "MAX_TXT_BYTES",
    "MAX_VIEWS",
    "VIETNAM_TIME",
    "Article",
    "Rejected",
    "count_inputs",
    "iter_path",
    "parse_txt",
]
