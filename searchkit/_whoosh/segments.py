"""Writing one new, complete Whoosh 2.7.4 segment file (default codec, compound) outside a writer.

:class:`SegmentFile` does what ``SegmentWriter.add_document`` and its commit do for a new
segment (stored fields, field lengths, columns, postings, compound file) without the index
lock, the posting pool or the table of contents. The postings of each term arrive whole, in
memory, and are written a block at a time (:func:`_add_postings`) instead of through
Whoosh's per-posting pool, sort and writer calls. The files are the ones ``SegmentWriter``
writes, except that block data is pickled with protocol 5 (see :class:`_PostingsWriter`),
which Whoosh reads unchanged.
"""

from __future__ import annotations

import functools
import pickle
import zlib
from array import array
from collections.abc import Callable, Mapping
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

__all__ = ["Postings", "SegmentFile", "encode_positions"]

#: One posting list being built: (document number, weight, encoded value, field length) of
#: each posting, flattened into one list (a posting costs one ``+=`` and 32 bytes plus its value).
Postings = list


def encode_positions(positions: list[int]) -> bytes:
    """``whoosh.formats.Positions.encode``, the same bytes, without its Python loop."""
    if len(positions) == 1:  # most terms occur once in an article
        # A new object each time: a block pickles its values, and pickle writes an object it
        # has seen before as a reference, which would change the block's bytes.
        return _ONE + _pickled_position(positions[0])
    return pack_uint(len(positions)) + pickle.dumps([b - a for a, b in zip([0, *positions], positions, strict=False)], 2)


_ONE = pack_uint(1)


@functools.lru_cache(maxsize=100_000)
def _pickled_position(position: int) -> bytes:
    return pickle.dumps([position], 2)


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
