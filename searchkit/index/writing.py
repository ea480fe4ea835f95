"""Write analyzed articles into Whoosh segments, and commit finished segments to an index.

Indexing splits into two halves so that both run on every core:

* :class:`SegmentBuilder` (run in worker processes, see :mod:`searchkit.index.workers`, or inline
  for small inputs) analyzes articles and writes them as one complete, compound Whoosh
  segment file in a private staging folder. The postings are held per field in memory (those
  of the text views as a term number per position, in flat arrays) and each term's are
  written whole, instead of through Whoosh's per-posting pool, sort and writer calls.
* :class:`Writer` (the process holding the index lock) moves finished segment files into the
  index, marks superseded versions of their articles deleted, and writes the new table of
  contents: a commit costs milliseconds whatever the number of articles.

The segments are ordinary Whoosh 2.7.4 segments (default codec, same files as
``SegmentWriter`` writes); ``tests/test_index.py`` checks that an index built this way holds
exactly the terms, lengths and stored fields that Whoosh's own ``add_document`` gives. The
Whoosh internals both halves need (codec writers, posting blocks, the commit of built
segments) are in :mod:`searchkit._whoosh.segments` and :mod:`searchkit._whoosh.commit`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from searchkit._whoosh.commit import CommitWriter, merge_into
from searchkit._whoosh.segments import FieldPostings, SegmentFile, ViewPostings
from searchkit.documents.article import Article
from searchkit.index.schema import VIEWS, build_schema
from searchkit.index.storage import STAGING, clean_unused
from searchkit.text import terms
from searchkit.text.analysis import SegmentedText, word_spans
from searchkit.text.normalize import normalize
from searchkit.text.orgs import find_orgs
from searchkit.text.orgs.names import join_orgs
from searchkit.text.segment import forget_syllables
from searchkit.text.terms import view_terms

__all__ = [
    "STAGING",
    "BuiltSegment",
    "Prepared",
    "SegmentBuilder",
    "SegmentSeries",
    "Writer",
    "document_fields",
    "forget_terms",
    "prepare",
]


#: One analyzed text view of one article: (field name, the term at each position, "" where
#: a position has none).
AnalyzedField = tuple[str, list[str]]


@dataclass(frozen=True, slots=True)
class Prepared:
    """An article with its expensive analysis done (word spans and organization mentions)."""

    article: Article
    title_spans: tuple[tuple[int, int], ...]
    body_spans: tuple[tuple[int, int], ...]
    orgs: tuple[str, ...]
    org_spans: tuple[tuple[str, int, int, str], ...]
    analyzed: tuple[AnalyzedField, ...] = ()


def prepare(article: Article) -> Prepared:
    """Analyze an article for the index.

    Segments title and body, finds organization names, and runs the analyzers of the six
    text views, giving the postings :class:`SegmentBuilder` writes.
    """
    mentions: list[tuple[str, int, int, str]] = []
    word_view_spans: list[tuple[tuple[int, int], ...]] = []
    analyzed: list[AnalyzedField] = []
    for name in ("title", "body"):
        text = getattr(article, name)
        normalized = normalize(text) == text  # stored text is: then neither analysis normalizes it again
        for m in find_orgs(text, normalized=normalized):
            mentions.append((name, m.start, m.end, m.canonical))
        spans = word_spans(text, normalized=normalized)
        word_view_spans.append(spans)
        analyzed.extend(_analyze(name, text, spans))
    counts: dict[str, int] = {}
    for _, _, _, canonical in mentions:
        counts[canonical] = counts.get(canonical, 0) + 1
    orgs = tuple(sorted(counts, key=lambda c: (-counts[c], c)))
    title_spans, body_spans = word_view_spans
    return Prepared(article, title_spans, body_spans, orgs, tuple(mentions), tuple(analyzed))


def _analyze(name: str, text: str, spans: tuple[tuple[int, int], ...]) -> Iterator[AnalyzedField]:
    """The terms and positions of the three views of one text field.

    The terms come from :func:`searchkit.text.terms.view_terms`, the same term functions
    the analyzers of :mod:`searchkit.text.analysis` run, but the syllables are tokenized once
    for the syllable and folded views and Whoosh's per-token generator chain is skipped: about
    4 times faster. ``tests/test_index.py`` checks that the result equals Whoosh running the
    schema's own analyzers; :data:`_EXACT` switches back to them.
    """
    schema = _schema()
    if _EXACT:
        for view in VIEWS:
            fieldname = f"{name}_{view}"
            value = SegmentedText(text, spans) if view == "w" else text
            by_position: list[str] = []
            for t in schema[fieldname].analyzer(value, positions=True, mode="index"):
                if not t.stopped:
                    by_position.extend([""] * (t.pos + 1 - len(by_position)))
                    by_position[t.pos] = t.text
            yield fieldname, by_position
        return
    words, tokens, folded = view_terms(text, spans)
    yield f"{name}_w", words
    yield f"{name}_s", tokens
    yield f"{name}_f", folded


def forget_terms() -> None:
    """Empty the caches of analyzed terms (:mod:`searchkit.text.terms`) and of syllable facts
    (:func:`~searchkit.text.segment.forget_syllables`).

    They hold every distinct word met, up to 200,000 each (about 90 MB for the word views
    once full): an indexing worker empties them after each segment, so that its memory
    follows the size of its segments, not the vocabulary of all it has indexed.
    """
    terms.clear_term_caches()
    forget_syllables()


#: Analyze with the schema's analyzers through Whoosh instead of :func:`_analyze`'s fast path.
_EXACT = False


@functools.lru_cache(maxsize=1)
def _schema() -> Any:
    """The index schema (one per process, built on first use)."""
    return build_schema()


def document_fields(p: Prepared) -> dict[str, Any]:
    """The fields of an article other than its analyzed text views, as for ``add_document``."""
    a = p.article
    fields: dict[str, Any] = {
        "id": a.id,
        "digest": a.digest,
        "title": a.title,
        "body": a.body,
        "org_spans": list(p.org_spans),
    }
    if p.orgs:
        fields["orgs"] = join_orgs(p.orgs)
    if a.published is not None:
        fields["published"] = a.published
        fields["year"] = str(a.published.year)
    optional = {"views": a.views, "category": a.category, "source": a.source, "author": a.author, "url": a.url}
    fields.update({k: v for k, v in optional.items() if v is not None and v != ""})
    return fields


# -- building a segment ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuiltSegment:
    """A finished segment waiting in the staging folder: the Whoosh segment object, the file
    that holds it, and the article ids in document order."""

    segment: Any
    filename: str
    ids: tuple[str, ...]


class SegmentBuilder:
    """Writes prepared articles as one new segment of the index in ``folder``/:data:`STAGING`.

    Does what ``SegmentWriter.add_document`` and its commit do for a new segment (stored
    fields, field lengths, columns, postings, compound file) without the index lock, the
    posting pool or the table of contents: :class:`Writer` commits the result.
    """

    def __init__(self, folder: str | os.PathLike[str], indexname: str) -> None:
        staging = Path(folder) / STAGING
        staging.mkdir(exist_ok=True)
        self._schema = _schema()
        self._file = SegmentFile(str(staging), indexname, self._schema)
        self._postings: dict[str, ViewPostings | FieldPostings] = {}
        self._ids: list[str] = []

    def __len__(self) -> int:
        """The number of articles added so far (the next one's document number)."""
        return len(self._ids)

    def add(self, p: Prepared) -> None:
        """Add one article as the next document of the segment."""
        docnum = len(self._ids)
        schema = self._schema
        file = self._file
        file.start_document(docnum)
        for fieldname, view in p.analyzed:
            length = self._post_view(fieldname, view, docnum)
            file.add_field(fieldname, schema[fieldname], None, length)
        fields = document_fields(p)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            field = schema[fieldname]
            length = 0
            if field.indexed:
                postings = list(field.index(value))
                if field.scorable:
                    length = sum(freq for _, freq, _, _ in postings)
                self._post(fieldname, postings, docnum, length)
            file.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                file.add_column(fieldname, column, field.to_column_value(value))
        file.finish_document()
        self._ids.append(p.article.id)

    def _post_view(self, fieldname: str, by_position: list[str], docnum: int) -> int:
        """Add a text view's postings (what ``field.index`` gives: term bytes, weight =
        frequency x field boost, the positions packed when the view's format keeps them);
        return the field's length."""
        postings = self._postings.get(fieldname)
        if postings is None:
            fmt = self._schema[fieldname].format
            postings = self._postings[fieldname] = ViewPostings(fmt.field_boost, positions=fmt.supports("positions"))
        return cast(ViewPostings, postings).add(docnum, by_position)

    def _post(self, fieldname: str, items: Iterable[tuple[bytes, int, float, bytes | None]], docnum: int, length: int) -> None:
        postings = self._postings.get(fieldname)
        if postings is None:
            postings = self._postings[fieldname] = FieldPostings()
        cast(FieldPostings, postings).add(docnum, items, length)

    def finish(self) -> BuiltSegment:
        """Write the postings, close the files and assemble them into one compound file."""
        segment, filename = self._file.write(self._postings, len(self._ids))
        self._postings.clear()
        return BuiltSegment(segment, filename, tuple(self._ids))

    def cancel(self) -> None:
        """Close and remove whatever this builder wrote."""
        self._postings.clear()
        self._file.cancel()


class SegmentSeries:
    """One builder's share of a commit window, written as segments of at most ``limit``
    articles: a segment is written as soon as it holds ``limit`` articles, so the postings
    held in memory follow ``limit``, not the window.

    Articles come in batches; a segment may pass ``limit`` by less than a batch.

    Args:
        folder: The index folder (segments go to its staging folder).
        indexname: The Whoosh index name.
        limit: Articles per segment.
        release: Called before each segment is written, when its articles are all analyzed
            (a worker empties its caches there: writing the segment needs none of them).
    """

    def __init__(self, folder: str | os.PathLike[str], indexname: str, limit: int, release: Callable[[], None] | None = None) -> None:
        self._folder = folder
        self._indexname = indexname
        self._limit = limit
        self._release = release
        self._builder: SegmentBuilder | None = None
        self._done: list[BuiltSegment] = []

    def __len__(self) -> int:
        """The number of articles added since the last :meth:`finish`."""
        return sum(len(b.ids) for b in self._done) + (len(self._builder) if self._builder is not None else 0)

    def add(self, articles: Iterable[Article]) -> None:
        """Analyze and add a batch of articles; write the segment once it holds ``limit``."""
        builder = self._builder
        if builder is None:
            builder = self._builder = SegmentBuilder(self._folder, self._indexname)
        for article in articles:
            builder.add(prepare(article))
        if len(builder) >= self._limit:
            self._write(builder)

    def finish(self) -> list[BuiltSegment]:
        """Write the segment being built; return the segments written since the last call,
        in the order of their articles."""
        if self._builder is not None:
            self._write(self._builder)
        done, self._done = self._done, []
        return done

    def cancel(self) -> None:
        """Remove whatever was written since the last :meth:`finish`."""
        if self._builder is not None:
            self._builder.cancel()
            self._builder = None
        staging = Path(self._folder) / STAGING
        for b in self._done:
            (staging / b.filename).unlink(missing_ok=True)
        self._done = []

    def _write(self, builder: SegmentBuilder) -> None:
        self._builder = None
        if self._release is not None:
            self._release()
        self._done.append(builder.finish())


# -- committing ---------------------------------------------------------------------------------


#: Segments of fewer articles than this count as small (see :func:`merge_small_segments`).
SMALL_SEGMENT = 1000
#: Small segments are merged once there are this many.
MAX_SMALL_SEGMENTS = 10


def merge_small_segments(writer: Any, segments: list[Any]) -> list[Any]:
    """searchkit's merge policy (a Whoosh ``mergetype``): merge the small segments into the
    writer's new segment once there are :data:`MAX_SMALL_SEGMENTS` of them.

    Replaces Whoosh's policy (``MERGE_SMALL``), which in time merges large segments too,
    in this process and with its slow generic merge: minutes once the index holds tens of
    thousands of articles. Large segments are left as they are.
    """
    small = [s for s in segments if s.doc_count_all() < SMALL_SEGMENT]
    if len(small) < MAX_SMALL_SEGMENTS:
        return list(segments)
    merge_into(writer, small)
    return [s for s in segments if s not in small]


class Writer(CommitWriter):
    """Whoosh's segment writer (lock, deletions, table of contents) with searchkit's merge
    policy (:func:`merge_small_segments`, also for a plain ``commit()``), able to commit
    segments built by :class:`SegmentBuilder`."""

    merge_policy = staticmethod(merge_small_segments)

    def clean_unused(self, folder: Path, generation: int, segment_ids: set[str]) -> None:
        """Remove unused files of searchkit's own shapes only (Whoosh's clean-up would remove
        any ``MAIN_x.y``): see :func:`~searchkit.index.storage.clean_unused`."""
        clean_unused(folder, self.indexname, generation, segment_ids)

    def commit_segments(self, built: Sequence[BuiltSegment]) -> None:
        """Move ``built`` segments into the index and commit them with this writer's changes.

        Older versions of their articles must already be deleted on this writer
        (``delete_by_term``). Atomic as a Whoosh commit is: a crash before the table of
        contents is written leaves the previous commit intact (a moved file that no table of
        contents names is removed by the next commit).
        """
        staging = Path(self.storage.folder) / STAGING
        self.commit_built([(staging / b.filename, b.segment) for b in built])
