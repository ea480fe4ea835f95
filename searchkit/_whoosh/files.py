"""The names Whoosh 2.7.4 gives the files of an index called ``indexname``.

* ``_<indexname>_<generation>.toc`` — the table of contents of a commit (``whoosh.index.TOC``);
* ``<indexname>_<segment id>.<ext>`` — a segment's files (the id is 16 random lowercase letters
  and digits, ``whoosh.codec.base.Segment``); a compound segment is one ``.seg`` file.
"""

from __future__ import annotations

import re

__all__ = ["segment_pattern", "toc_filename", "toc_pattern"]


def toc_filename(indexname: str, generation: int) -> str:
    """The file name of the table of contents of commit ``generation``.

    >>> toc_filename("MAIN", 3)
    '_MAIN_3.toc'
    """
    return f"_{indexname}_{generation}.toc"


def toc_pattern(indexname: str) -> re.Pattern[str]:
    """A pattern that a table of contents' file name matches in full (``fullmatch``)."""
    return re.compile(rf"_{re.escape(indexname)}_[0-9]+\.toc")


def segment_pattern(indexname: str) -> re.Pattern[str]:
    """A pattern that a segment file's name matches in full; the segment's id is the part
    before the first dot."""
    return re.compile(rf"{re.escape(indexname)}_[0-9a-z]{{16}}\.[A-Za-z0-9_.]+")
