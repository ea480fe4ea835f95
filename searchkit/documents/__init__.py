"""Articles and the readers that stream them out of files and folders (.txt, JSONL).

>>> from searchkit.documents import Article
>>> Article.from_dict({"id": "a1", "title": "Thành uỷ họp", "body": "Nội dung."}).title
'Thành ủy họp'
"""

from searchkit.documents.article import MAX_TERM_BYTES, MAX_VIEWS, VIETNAM_TIME, Article
from searchkit.documents.files import Rejected
from searchkit.documents.readers import (
    MAX_JSONL_LINE_BYTES,
    MAX_TXT_BYTES,
    iter_path,
    parse_txt,
)

__all__ = [
    "MAX_JSONL_LINE_BYTES",
    "MAX_TERM_BYTES",
    "MAX_TXT_BYTES",
    "MAX_VIEWS",
    "VIETNAM_TIME",
    "Article",
    "Rejected",
    "iter_path",
    "parse_txt",
]
