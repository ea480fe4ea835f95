"""Write analyzed articles into Whoosh segments, and commit finished segments to an index.

Indexing splits into two halves so that both run on every core:

* :class:`SegmentBuilder` (run in worker processes, see :mod:`searchkit.index.workers`, or inline
  for small inputs) analyzes articles and writes them as one complete, compound Whoosh
  segment file in a private staging folder. The postings are grouped per term in memory and written a block at
  a time, instead of Whoosh's per-posting pool, sort and writer calls.
* :class:`Writer` (the process holding the index lock) moves finished segment files into the
  index, marks superseded versions of their articles deleted, and writes the new table of
  contents: a commit costs milliseconds whatever the number of articles.

The segments are ordinary Whoosh 2.7.4 segments (default codec, same files as
``SegmentWriter`` writes); ``tests/test_index.py`` checks that an index built this way holds
exactly the terms, lengths and stored fields that Whoosh's own ``add_document`` gives.
"""

from __future__ import annotations

import functools
import os
import pickle
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from searchkit.documents.article import Article
from searchkit.index.schema import VIEWS, build_schema
from searchkit.index.storage import STAGING, clean_unused
from searchkit.text.analysis import SegmentedText, word_spans
from searchkit.text.orgs import find_orgs
from searchkit.text.terms import view_postings

__all__ = ["STAGING", "BuiltSegment", "Prepared", "SegmentBuilder", "Writer", "document_fields", "prepare"]


#: One analyzed text view of one article: (field name, {term: [positions]}, field length).
AnalyzedField = tuple[str, dict[str, list[int]], int]


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
    for name in ("title", "body"):
        for m in find_orgs(getattr(article, name)):
            mentions.append((name, m.start, m.end, m.canonical))
    counts: dict[str, int] = {}
    for _, _, _, canonical in mentions:
        counts[canonical] = counts.get(canonical, 0) + 1
    orgs = tuple(sorted(counts, key=lambda c: (-counts[c], c)))
    title_spans, body_spans = word_spans(article.title), word_spans(article.body)
    analyzed: list[AnalyzedField] = []
    for name, text, spans in (("title", article.title, title_spans), ("body", article.body, body_spans)):
        analyzed.extend(_analyze(name, text, spans))
    return Prepared(article, title_spans, body_spans, orgs, tuple(mentions), tuple(analyzed))


def _analyze(name: str, text: str, spans: tuple[tuple[int, int], ...]) -> Iterator[AnalyzedField]:
    """The terms and positions of the three views of one text field.

    The terms come from :func:`searchkit.text.terms.view_postings`, the same term functions
    the analyzers of :mod:`searchkit.text.analysis` run, but the syllables are tokenized once
    for the syllable and folded views and Whoosh's per-token generator chain is skipped: about
    4 times faster. ``tests/test_index.py`` checks that the result equals Whoosh running the
    schema's own analyzers; :data:`_EXACT` switches back to them.
    """
    schema = _schema()
    if _EXACT:
        for view in VIEWS:
            fieldname = f"{name}_{view}"
            fmt = schema[fieldname].format
            items = list(schema[fieldname].index(SegmentedText(text, spans) if view == "w" else text))
            postings = {t.decode("utf-8"): fmt.decode_positions(v) for t, _, _, v in items}
            yield fieldname, postings, sum(item[1] for item in items)
        return
    words, tokens, folded = view_postings(text, spans)
    yield f"{name}_w", words, sum(map(len, words.values()))
    yield f"{name}_s", tokens, sum(map(len, tokens.values()))
    yield f"{name}_f", folded, sum(map(len, folded.values()))


def _encode_positions(positions: list[int]) -> bytes:
    """``whoosh.formats.Positions.encode``, the same bytes, without its Python loop."""
    if len(positions) == 1:  # most terms occur once in an article
        # A new object each time: a block pickles its values, and pickle writes an object it
        # has seen before as a reference, which would change the block's bytes.
        return _ONE + _pickled_position(positions[0])
    return pack_uint(len(positions)) + pickle.dumps([b - a for a, b in zip([0, *positions], positions)], 2)


_ONE = pack_uint(1)


@functools.lru_cache(maxsize=100_000)
def _pickled_position(position: int) -> bytes:
    return pickle.dumps([position], 2)


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
        fields["orgs"] = ",".join(p.orgs)
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


#: One posting list being built: (document number, weight, encoded value, field length) of
#: each posting, flattened into one list (a posting costs one ``+=`` and 32 bytes plus its value).
_Postings = list


class SegmentBuilder:
    """Writes prepared articles as one new segment of the index in ``folder``/:data:`STAGING`.

    Does what ``SegmentWriter.add_document`` and its commit do for a new segment (stored
    fields, field lengths, columns, postings, compound file) without the index lock, the
    posting pool or the table of contents: :class:`Writer` commits the result.
    """

    def __init__(self, folder: str | os.PathLike[str], indexname: str) -> None:
        staging = Path(folder) / STAGING
        staging.mkdir(exist_ok=True)
        self._storage = FileStorage(str(staging))
        self._codec = default_codec()
        self._schema = _schema()
        self._segment = self._codec.new_segment(self._storage, indexname)
        self._perdoc = self._codec.per_document_writer(self._storage, self._segment)
        self._postings: dict[str, dict[bytes, _Postings]] = {}
        self._ids: list[str] = []

    def __len__(self) -> int:
        """The number of articles added so far (the next one's document number)."""
        return len(self._ids)

    def add(self, p: Prepared) -> None:
        """Add one article as the next document of the segment."""
        docnum = len(self._ids)
        schema = self._schema
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        for fieldname, view, length in p.analyzed:
            self._post_view(fieldname, view, docnum, length)
            perdoc.add_field(fieldname, schema[fieldname], None, length)
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
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        perdoc.finish_doc()
        self._ids.append(p.article.id)

    def _post_view(self, fieldname: str, view: dict[str, list[int]], docnum: int, length: int) -> None:
        """Add a text view's postings: what ``field.index`` gives (term bytes, weight =
        frequency x field boost, positions encoded by the ``Positions`` format)."""
        terms = self._postings.get(fieldname)
        if terms is None:
            terms = self._postings[fieldname] = {}
        boost = self._schema[fieldname].format.field_boost
        weights = _WEIGHTS if boost == 1.0 else [n * boost for n in range(len(_WEIGHTS))]
        for term, positions in view.items():
            tbytes = term.encode("utf-8")
            n = len(positions)
            posting = (docnum, weights[n] if n < 64 else n * boost, _encode_positions(positions), length)
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = list(posting)
            else:
                postings += posting

    def _post(self, fieldname: str, items: Iterable[tuple[bytes, int, float, bytes | None]], docnum: int, length: int) -> None:
        terms = self._postings.get(fieldname)
        if terms is None:
            terms = self._postings[fieldname] = {}
        for tbytes, _, weight, vbytes in items:
            posting = (docnum, weight, vbytes or b"", length)
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = list(posting)
            else:
                postings += posting

    def finish(self) -> BuiltSegment:
        """Write the postings, close the files and assemble them into one compound file."""
        self._perdoc.close()
        fieldwriter = self._codec.field_writer(self._storage, self._segment)
        for fieldname in sorted(self._postings):
            fieldwriter.start_field(fieldname, self._schema[fieldname])
            fieldwriter._postwriter = _PostingsWriter(fieldwriter._postwriter)
            terms = self._postings[fieldname]
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _add_postings(fieldwriter._postwriter, terms[tbytes])
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        self._postings.clear()
        segment = self._segment
        segment.set_doc_count(len(self._ids))
        segment.create_compound_file(self._storage)
        return BuiltSegment(segment, segment.make_filename(segment.COMPOUND_EXT), tuple(self._ids))

    def cancel(self) -> None:
        """Close and remove whatever this builder wrote."""
        self._postings.clear()
        if not self._perdoc.is_closed:
            self._perdoc.close()
        for name in self._segment.list_files(self._storage):
            self._storage.delete_file(name)


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's posting writer, pickling each block's data with protocol 5 instead of 2.

    Protocol 2 writes every encoded position list (bytes) as a call to ``_codecs.encode``;
    protocol 5 writes bytes as they are. The blocks are 40% smaller before compression and
    half the size after it, and pickle, compress and unpickle 2 to 4 times faster. Blocks
    under :data:`_COMPRESS_FROM` bytes are stored uncompressed (level 0 in the block info).
    Whoosh reads them unchanged (it unpickles whatever protocol and checks each block's
    compression level); the block info keeps protocol 2.
    """

    def __init__(self, like: W3PostingsWriter) -> None:
        super().__init__(
            like._postfile,
            blocklimit=like._blocklimit,
            byteids=like._byteids,
            compression=like._compression,
            inlinelimit=like._inlinelimit,
        )

    def _write_block(self, last: bool = False) -> None:
        # W3PostingsWriter._write_block with pickle protocol 5 for the data.
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, 5)
        # Whoosh meant to leave blocks under 20 bytes uncompressed (a bug compresses them all);
        # zlib makes blocks under ~64 bytes longer, and a third of the blocks are that small.
        comp = self._compression if len(databytes) >= _COMPRESS_FROM else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps(
            (len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2
        )
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


#: Smallest pickled block that is compressed.
_COMPRESS_FROM = 64


def _add_postings(writer: Any, postings: _Postings) -> None:
    """Fill a ``W3PostingsWriter`` with a whole posting list, a block at a time.

    Sets the block buffers that ``W3PostingsWriter.add_posting`` fills one posting at a time
    (ids, weights, non-empty values, length and weight bounds) and writes full blocks the
    way it does; the caller's ``finish_term`` writes the last block.
    """
    step = 4 * writer._blocklimit
    for start in range(0, len(postings), step):
        if len(writer._ids):
            writer._write_block()
        block = postings[start : start + step]
        weights = block[1::4]
        known = [n for n in block[3::4] if n]
        writer._ids = array("I", block[0::4])
        writer._weights = array("f", weights)
        writer._values = [v for v in block[2::4] if v]
        writer._minlength = min(known) if known else None
        writer._maxlength = max(known) if known else 0
        writer._maxweight = max(0, *weights)


#: Shared weight objects for frequencies below 64 (field boost 1.0), so that postings do not
#: each hold a float of their own.
_WEIGHTS = [float(n) for n in range(64)]


# -- committing ---------------------------------------------------------------------------------


#: Segments of fewer articles than this count as small (see :meth:`Writer._merge_segments`).
SMALL_SEGMENT = 1000
#: Small segments are merged once there are this many.
MAX_SMALL_SEGMENTS = 10


class Writer(SegmentWriter):
    """Whoosh's segment writer (lock, deletions, table of contents) with searchkit's merge
    policy, able to commit segments built by :class:`SegmentBuilder`."""

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        """Merge the small segments once there are :data:`MAX_SMALL_SEGMENTS` of them.

        Replaces Whoosh's policy (``MERGE_SMALL``), which in time merges large segments too,
        in this process and with its slow generic merge: minutes once the index holds tens of
        thousands of articles. Large segments are left as they are.
        """
        small = [s for s in self.segments if s.doc_count_all() < SMALL_SEGMENT]
        if len(small) < MAX_SMALL_SEGMENTS:
            return list(self.segments)
        for segment in small:
            reader = SegmentReader(self.storage, self.schema, segment)
            self.add_reader(reader)
            reader.close()
        return [s for s in self.segments if s not in small]

    def _commit_toc(self, segments: list[Any]) -> None:
        """Write the table of contents of the new generation, then remove unused files of
        searchkit's own shapes only (Whoosh's clean-up would remove any ``MAIN_x.y``)."""
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        clean_unused(Path(self.storage.folder), self.indexname, self.generation, {s.segment_id() for s in segments})

    def cancel(self) -> None:
        """Give up this writer's changes and remove the files its unused segment opened."""
        segment = self.newsegment
        try:
            super().cancel()
        finally:  # also when closing failed (a full disk): leave no files and no lock behind
            for name in segment.list_files(self.storage):
                try:
                    self.storage.delete_file(name)
                except OSError:
                    pass
            if not self.is_closed:
                try:
                    self._tempstorage.destroy()
                except OSError:
                    pass
                if self.writelock:
                    self.writelock.release()
                self.is_closed = True

    def commit_segments(self, built: Sequence[BuiltSegment]) -> None:
        """Move ``built`` segments into the index and commit them with this writer's changes.

        Older versions of their articles must already be deleted on this writer
        (``delete_by_term``). Atomic as a Whoosh commit is: a crash before the table of
        contents is written leaves the previous commit intact (a moved file that no table of
        contents names is removed by the next commit).
        """
        self._check_state()
        folder = Path(self.storage.folder)
        moved: list[Path] = []
        try:
            for b in built:
                os.replace(folder / STAGING / b.filename, folder / b.filename)
                moved.append(folder / b.filename)
            segments = self._merge_segments(None, None, None)
            if self._added:  # the merge policy merged small segments into this writer
                segments.append(self._finalize_segment())
            else:
                self._close_segment()
            segments.extend(b.segment for b in built)
            self._commit_toc(segments)
        except BaseException:
            # No table of contents names the moved files unless this one was written: then
            # the commit happened and they belong to it; otherwise they are orphans (a full
            # disk must not stay full of them).
            if not (folder / f"_{self.indexname}_{self.generation}.toc").exists():
                for path in moved:
                    path.unlink(missing_ok=True)
            raise
        self._finish()
