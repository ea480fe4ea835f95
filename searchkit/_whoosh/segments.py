"""Writing one new, complete Whoosh 2.7.4 segment file (default codec, compound) outside a writer.

:class:`SegmentFile` does what ``SegmentWriter.add_document`` and its commit do for a new
segment (stored fields, field lengths, columns, postings, compound file) without the index
lock, the posting pool or the table of contents. The postings of each term arrive whole, in
memory, and are written a block at a time (:func:`_add_postings`) instead of through
Whoosh's per-posting pool, sort and writer calls. The files are the ones ``SegmentWriter``
writes, in fewer bytes (short posting lists in the term table, block data pickled with
protocol 3, whole-number weights as integers: see :class:`_PostingsWriter`), which Whoosh
reads unchanged.
"""

from __future__ import annotations

import io
import pickle
import zlib
from array import array
from collections.abc import Callable, Mapping
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import length_to_byte

__all__ = ["INLINE_POSTINGS", "Postings", "SegmentFile"]

#: One posting list being built: (document number, weight, encoded value, field length) of
#: each posting, flattened into one list (a posting costs one ``+=`` and 32 bytes plus its value).
Postings = list


class SegmentFile:
    """A new segment of index ``indexname``, written into the folder ``folder``.

    Per document: :attr:`start_document`, then :attr:`add_field` for every field (and
    :attr:`add_column` for column values), then :attr:`finish_document` — the codec's
    per-document writer's own methods (``start_doc``, ``add_field(fieldname, field, stored
    value or None, length)``, ``add_column_value(fieldname, column, value)``, ``finish_doc``).
    Then :meth:`write` writes all postings and assembles the compound file.
    """

    def __init__(self, folder: str, indexname: str, schema: Any) -> None:
        self._storage = FileStorage(folder)
        self._codec = default_codec()
        self._schema = schema
        self._segment = self._codec.new_segment(self._storage, indexname)
        self._perdoc = perdoc = self._codec.per_document_writer(self._storage, self._segment)
        # Each article's stored fields are one zlib stream; Whoosh compresses it at level 3.
        perdoc._colwriters["_stored"]._child._level = COMPRESSION
        # Bound once: a builder makes a dozen of these calls per article.
        self.start_document: Callable[[int], None] = perdoc.start_doc
        self.add_field: Callable[[str, Any, Any, int], None] = perdoc.add_field
        self.add_column: Callable[[str, Any, Any], None] = perdoc.add_column_value
        self.finish_document: Callable[[], None] = perdoc.finish_doc

    def write(self, postings: Mapping[str, Mapping[bytes, Postings]], doc_count: int) -> tuple[Any, str]:
        """Write ``postings`` (field name -> term bytes -> :data:`Postings`), close the files and
        assemble them into one compound file.

        Returns:
            The Whoosh segment (for the table of contents) and the compound file's name.
        """
        self._perdoc.close()
        fieldwriter = self._codec.field_writer(self._storage, self._segment)
        for fieldname in sorted(postings):
            fieldwriter.start_field(fieldname, self._schema[fieldname])
            fieldwriter._postwriter = _PostingsWriter(fieldwriter._postwriter)
            terms = postings[fieldname]
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _add_postings(fieldwriter._postwriter, terms[tbytes])
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        segment = self._segment
        segment.set_doc_count(doc_count)
        segment.create_compound_file(self._storage)
        return segment, segment.make_filename(segment.COMPOUND_EXT)

    def cancel(self) -> None:
        """Close and remove whatever was written."""
        if not self._perdoc.is_closed:
            self._perdoc.close()
        for name in self._segment.list_files(self._storage):
            self._storage.delete_file(name)


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's posting writer, writing the same blocks in fewer bytes, which Whoosh reads unchanged:

    * a posting list of at most :data:`INLINE_POSTINGS` postings is stored in its term's entry
      of the term table (Whoosh's "inlined" postings, which its writer means to do for lists
      under ``inlinelimit`` but never does), not as a block of its own;
    * each block's data is pickled with protocol 3 without the memo (protocol 2 writes every
      value, bytes, as a call to ``_codecs.encode``; protocol 5 adds a frame header and a memo
      entry per value), and blocks under :data:`_COMPRESS_FROM` bytes are left uncompressed
      (level 0 in the block info);
    * weights that are whole numbers (frequencies) are pickled as integers (2 bytes instead of 9).

    Whoosh unpickles whatever protocol, checks each block's compression level, and reads the
    inlined postings of a term entry with a ``ListMatcher``.
    """

    _terminfo: Any  # the term being written (None between terms)

    def __init__(self, like: W3PostingsWriter) -> None:
        super().__init__(
            like._postfile,
            blocklimit=like._blocklimit,
            byteids=like._byteids,
            compression=COMPRESSION,
            inlinelimit=like._inlinelimit,
        )

    def start_postings(self, format_: Any, terminfo: Any) -> None:
        super().start_postings(format_, _TermInfo())

    def finish_postings(self) -> Any:
        if self._blockcount or len(self._ids) > INLINE_POSTINGS:
            return super().finish_postings()
        terminfo = self._terminfo
        terminfo.add_block(self)
        values = tuple(self._values) if self._values else (None,) * len(self._ids)
        weights = None if all(w == 1.0 for w in self._weights) else _whole(self._weights)
        terminfo.set_inlined(self._ids, weights, values)
        self._terminfo = None
        return terminfo

    def _mini_weights(self) -> Any:
        weights = self._weights
        first = weights[0]
        if all(w == first for w in weights):
            return None if first == 1.0 else first  # as Whoosh: None for all 1.0, one number for all equal
        return _whole(weights)

    def _write_block(self, last: bool = False) -> None:
        # W3PostingsWriter._write_block with pickle protocol 3 (no memo) for the data.
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = _dumps((self._mini_ids(), self._mini_weights(), self._mini_values()))
        # Whoosh meant to leave blocks under 20 bytes uncompressed (a bug compresses them all);
        # zlib makes blocks under ~64 bytes longer, and a third of the blocks are that small.
        comp = self._compression if len(databytes) >= _COMPRESS_FROM else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        info = (len(ids), ids[-1], _whole([self._maxweight])[0], comp, length_to_byte(self._minlength), length_to_byte(self._maxlength))
        infobytes = _dumps(info, 2)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class _TermInfo(W3TermInfo):
    """Whoosh's term statistics, with inlined postings pickled as :class:`_PostingsWriter`'s
    blocks are (protocol 3, no memo) instead of protocol 2. Read back as a ``W3TermInfo``."""

    def set_inlined(self, ids: Any, weights: Any, values: Any) -> None:
        # Whoosh's ListMatcher takes absolute document numbers and None for weights all 1.0.
        self._inlined = (tuple(ids), weights, values)

    def to_bytes(self) -> bytes:
        data: bytes = super().to_bytes()
        if self.is_inlined():  # the statistics, then the postings pickled our way
            data = data[: self._struct.size] + _dumps(self._inlined)
        return data


#: The zlib level of posting blocks and stored fields (Whoosh's is 3): 3% smaller, read as fast.
COMPRESSION = 6
#: Posting lists of at most this many postings are stored in the term table ("inlined").
INLINE_POSTINGS = 4
#: Smallest pickled block that is compressed.
_COMPRESS_FROM = 64


def _whole(weights: Any) -> tuple[Any, ...]:
    """Weights as integers when they all are whole numbers (they pickle in 2 bytes, not 9)."""
    if all(float(w).is_integer() for w in weights):
        return tuple(int(w) for w in weights)
    return tuple(weights)


def _dumps(obj: Any, protocol: int = 3) -> bytes:
    """``pickle.dumps`` without the memo (nothing pickled here is shared or recursive)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol)
    pickler.fast = True
    pickler.dump(obj)
    return out.getvalue()


def _add_postings(writer: Any, postings: Postings) -> None:
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
