"""The one door to Whoosh's internals: everything searchkit does below Whoosh's public API.

searchkit writes and reads Whoosh 2.7.4 index files faster than Whoosh does, and for that it
relies on private names, file layouts and codec classes of that release. They are all here,
and nowhere else in searchkit (``tests/test_whoosh_door.py`` checks it):

* :mod:`searchkit._whoosh.segments` — writing one complete segment file: the default codec's
  per-document and field writers, posting blocks filled a whole block at a time and written in
  fewer bytes (a ``W3PostingsWriter`` subclass: short posting lists inlined in the term table,
  protocol-3 pickles, whole-number weights as integers), the compound file;
* :mod:`searchkit._whoosh.packing` — what ``segments`` writes for many postings at once, with
  numpy: position lists packed, pickles of tuples of them, field length bytes;
* :mod:`searchkit._whoosh.formats` — the posting formats of the text views (``Format``
  subclasses pickled into the schema): positions packed as variable-length deltas, or
  frequencies only;
* :mod:`searchkit._whoosh.commit` — a ``SegmentWriter`` subclass that commits segment files
  built elsewhere (table of contents, clean-up of unused files) and the merge of small
  segments into a writer, for a merge policy passed as ``commit(mergetype=...)``;
* :mod:`searchkit._whoosh.postings` — reading posting blocks (document numbers and weights
  without the positions; single blocks for positions) and field-length columns straight from
  a segment's files, for the vectorised ranker;
* :mod:`searchkit._whoosh.mapped` — a ``FileStorage`` whose segment files are read in place
  through a memory map (Whoosh's readers copy each one into memory);
* :mod:`searchkit._whoosh.scoring` — BM25F's per-field parameters (B, K1);
* :mod:`searchkit._whoosh.files` — the names Whoosh gives the files of an index.

The rest of searchkit uses Whoosh's public API (fields, queries, analyzers, ``create_in`` /
``open_dir``, searchers, readers, writers) and the functions of these modules, whose
signatures speak searchkit's terms.

Why the pin is exact: none of the above is an API. A bug-fix release of Whoosh may change a
private attribute, the pickled block layout or the codec's files, and searchkit would then
write segments that Whoosh cannot read, or read wrong postings, silently. So importing this
package (and with it searchkit's index layer) checks the installed version first, and fails
with one line saying what to install. Moving to another Whoosh means re-checking this
package against it (the tests compare the files and results with Whoosh's own), then
changing :data:`WHOOSH_VERSION`.
"""

from __future__ import annotations

import whoosh

from searchkit.errors import WhooshVersionError

__all__ = ["WHOOSH_VERSION", "check_version"]

#: The only Whoosh release whose internals this package was written for.
WHOOSH_VERSION = (2, 7, 4)


def check_version(installed: tuple[int, ...]) -> None:
    """Raise :class:`~searchkit.errors.WhooshVersionError` unless ``installed`` is :data:`WHOOSH_VERSION`.

    >>> check_version((2, 7, 4))
    >>> check_version((2, 7, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    searchkit.errors.WhooshVersionError: searchkit needs Whoosh 2.7.4 exactly (Whoosh 2.7.3 is installed): pip ...
    """
    if tuple(installed) != WHOOSH_VERSION:
        need = ".".join(map(str, WHOOSH_VERSION))
        have = ".".join(map(str, installed))
        raise WhooshVersionError(
            f'searchkit needs Whoosh {need} exactly (Whoosh {have} is installed): pip install "Whoosh=={need}"'
        )


check_version(whoosh.__version__)
