"""The Whoosh schema of a searchkit index.

Title and body are each indexed three times (word, syllable and folded views, see
:mod:`searchkit.text.analysis`) and stored once, normalized, for display and highlighting. The
other fields hold what filters, facets and sorting need. Only what a search reads is kept: the
syllable and folded views keep positions (phrases, packed small:
:class:`~searchkit._whoosh.formats.PackedPositions`), the word view, which only scores single
terms, keeps frequencies (:class:`~searchkit._whoosh.formats.Counts`); no view keeps term
vectors or character offsets (highlighting re-analyzes the stored text).

=================  ==========================================================================
field              content
=================  ==========================================================================
``id``             the article id (unique; what updates and deletes key on)
``digest``         hash of the article's content, to skip unchanged articles on re-indexing (stored only)
``title``/``body`` stored normalized text (not indexed: the views below are)
``title_w`` ...    word view (pyvi words, stopwords removed; frequencies) - ``title_w``, ``body_w``
``title_s`` ...    syllable view (positions) - ``title_s``, ``body_s``
``title_f`` ...    folded (diacritic-free) syllable view (positions) - ``title_f``, ``body_f``
``published``      publication date and time (sortable)
``year``           publication year as text, for the year facet and ``date:`` filters
``views``          view count (sortable)
``category``       category as written (one term), also ``source`` and ``author``
``url``            stored only
``orgs``           canonical organization names, one term each (``org:`` filters, facets), stored
                   joined by :data:`~searchkit.text.orgs.names.ORG_SEPARATOR` (names hold commas)
``org_spans``      stored ``(field, start, end, canonical)`` of each organization mention
=================  ==========================================================================
"""

from __future__ import annotations

from whoosh.analysis import RegexTokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from searchkit._whoosh.formats import Counts, PackedPositions
from searchkit.text.analysis import folded_analyzer, syllable_analyzer, word_analyzer
from searchkit.text.orgs.names import ORG_SEPARATOR

__all__ = ["INDEX_FORMAT", "TEXT_FIELDS", "VIEWS", "build_schema"]

#: Version of the on-disk layout (schema and manifest). Bumped on incompatible changes and when the
#: stored organization names change (formats 3, 4, 6, 7, 8 and 9: the recognizer's rounds of 2026-11-30,
#: whose facets differ; format 5: packed positions, no positions in the word view; format 10: the
#: ``orgs`` field joins names with :data:`~searchkit.text.orgs.names.ORG_SEPARATOR`, not commas, which
#: names hold, and "Trường" before one bare syllable is no school: 2026-12-01).
INDEX_FORMAT = 10

#: The stored text fields that are indexed through the three views.
TEXT_FIELDS = ("title", "body")
#: Suffixes of the indexed views: word, syllable, folded.
VIEWS = ("w", "s", "f")


def build_schema() -> Schema:
    """Return a new searchkit schema (see the module docs for the fields).

    >>> sorted(build_schema().names())[:4]
    ['author', 'body', 'body_f', 'body_s']
    """
    analyzers = {"w": word_analyzer(), "s": syllable_analyzer(), "f": folded_analyzer()}
    fields = {
        "id": ID(stored=True, unique=True),
        "digest": STORED(),
        "title": STORED(),
        "body": STORED(),
        "published": DATETIME(stored=True, sortable=True),
        "year": ID(sortable=True),
        "views": NUMERIC(int, bits=64, stored=True, sortable=True),
        "category": ID(stored=True, sortable=True),
        "source": ID(stored=True, sortable=True),
        "author": ID(stored=True),
        "url": STORED(),
        "orgs": KEYWORD(stored=True, scorable=True, analyzer=RegexTokenizer(f"[^{ORG_SEPARATOR}]+")),
        "org_spans": STORED(),
    }
    for name in TEXT_FIELDS:
        for view in VIEWS:
            field = fields[f"{name}_{view}"] = TEXT(analyzer=analyzers[view])
            field.format = Counts() if view == "w" else PackedPositions()
    return Schema(**fields)
