"""Writing one new, complete Whoosh 2.7.4 segment file (default codec, compound) outside a writer.

:class:`SegmentFile` does what ``SegmentWriter.add_document`` and its commit do for a new
segment (stored fields, field lengths, columns, postings, compound file) without the index
lock, the posting pool or the table of contents. The postings are held in memory per field
(:class:`ViewPostings` keeps those of the analyzed text views in flat arrays, about 20 bytes a
posting, and encodes their positions with numpy when the segment is written), and each
term's are written whole (:class:`_TermWriter`) instead of through Whoosh's per-posting
pool, sort and writer calls. The files are the ones ``SegmentWriter`` writes, except that
block data is pickled with protocol 5 (see :class:`_TermWriter`), which Whoosh reads unchanged.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

__all__ = ["FieldPostings", "SegmentFile", "TermPostings", "ViewPostings", "encode_position_lists", "encode_positions"]

#: The postings of one term, in document order: (term bytes, document numbers, weights,
#: encoded values, field lengths), what :meth:`SegmentFile.write` writes.
TermPostings = tuple[bytes, Sequence[int], Sequence[float], Sequence[bytes], Sequence[int]]


def encode_positions(positions: list[int]) -> bytes:
    """``whoosh.formats.Positions.encode``: the same bytes, without its Python loop."""
    return pack_uint(len(positions)) + pickle.dumps([b - a for a, b in zip([0, *positions], positions, strict=False)], 2)


# The pickle (protocol 2) of a list of n small integers, as Positions.encode writes it after the
# count: PROTO 2, EMPTY_LIST, BINPUT 0, then one APPEND for n == 1 or MARK ... APPENDS for
# 1 < n <= 1000 (pickle appends in batches of 1000), STOP. An integer is BININT1 (K, 1 byte),
# BININT2 (M, 2 bytes) or BININT (J, 4 bytes, signed), little-endian.
_LIST_START = b"\x80\x02]q\x00"
_BATCH = 1000


def encode_position_lists(counts: np.ndarray, positions: np.ndarray) -> list[bytes]:
    """:func:`encode_positions` of many position lists at once, with numpy.

    Args:
        counts: The length of each list (each >= 1).
        positions: The lists, one after the other (ascending within each list, < 2**31).

    Returns:
        The encoded lists, in order (the same bytes as :func:`encode_positions` gives).
    """
    if not len(counts):
        return []
    counts = counts.astype(np.int64)
    positions = positions.astype(np.int64)
    first = np.cumsum(counts) - counts  # index of each list's first position
    deltas = positions.copy()
    deltas[1:] -= positions[:-1]
    deltas[first] = positions[first]
    size = np.where(deltas < 256, 2, np.where(deltas < 65536, 3, 5))  # opcode + bytes of each integer
    size_before = np.cumsum(size) - size
    multi = counts > 1
    lengths = 4 + len(_LIST_START) + multi + (size_before[first + counts - 1] + size[first + counts - 1] - size_before[first]) + 2
    ends = np.cumsum(lengths)
    starts = ends - lengths
    buf = np.zeros(int(ends[-1]), dtype=np.uint8)
    for k in range(4):  # the count, a big-endian unsigned int
        buf[starts + k] = (counts >> (8 * (3 - k))) & 255
    for k, byte in enumerate(_LIST_START):
        buf[starts + 4 + k] = byte
    buf[starts[multi] + 4 + len(_LIST_START)] = ord("(")
    items = np.repeat(starts + 4 + len(_LIST_START) + multi - size_before[first], counts) + size_before
    buf[items] = np.where(size == 2, ord("K"), np.where(size == 3, ord("M"), ord("J")))
    buf[items + 1] = deltas & 255
    wide = size >= 3
    buf[items[wide] + 2] = (deltas[wide] >> 8) & 255
    wider = size == 5
    buf[items[wider] + 3] = (deltas[wider] >> 16) & 255
    buf[items[wider] + 4] = (deltas[wider] >> 24) & 255
    buf[ends - 2] = np.where(multi, ord("e"), ord("a"))
    buf[ends - 1] = ord(".")
    raw = buf.tobytes()
    out = list(map(raw.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    for i in np.flatnonzero(counts > _BATCH).tolist():  # pickled in several batches: rare
        out[i] = encode_positions(positions[first[i] : first[i] + counts[i]].tolist())
    return out


class ViewPostings:
    """The postings of one analyzed text view of a segment being built, held compactly.

    Each document adds its ``{term: positions}``; a posting costs 8 bytes and 4 per
    position, in flat arrays filled by C-level loops, instead of Python objects per posting.
    :meth:`terms` sorts them by term and encodes the positions (Whoosh's ``Positions``
    format) when the segment is written. The weight of a posting is its number of positions
    times the field's boost, as ``field.index`` gives.
    """

    def __init__(self, boost: float) -> None:
        self._boost = boost
        self._ids: defaultdict[str, int] = defaultdict()
        self._ids.default_factory = self._ids.__len__  # a new term gets the next number
        self._tids = array("I")  # per posting: term number, number of positions
        self._counts = array("I")
        self._docs = array("I")  # per document: its number, its number of postings
        self._postings = array("I")
        self._positions = array("I")
        self._lengths = array("I")  # per document: the field's length (0 when it lacks the field)

    def add(self, docnum: int, view: Mapping[str, list[int]], length: int) -> None:
        """Add the postings of document ``docnum`` (numbered in order): ``view`` maps each
        term to its positions (ascending); ``length`` is the field's length."""
        self._tids.extend(map(self._ids.__getitem__, view))
        self._docs.append(docnum)
        self._postings.append(len(view))
        self._counts.extend(map(len, view.values()))
        self._positions.extend(chain.from_iterable(view.values()))
        lengths = self._lengths
        if len(lengths) < docnum:
            lengths.extend(repeat(0, docnum - len(lengths)))
        lengths.append(length)

    def terms(self) -> Iterator[TermPostings]:
        """The postings of each term, terms in byte order; empties this object.

        The postings are sorted once; their positions are encoded :data:`_CHUNK` postings at a
        time, so that the memory this takes stays small whatever the segment's size.
        """
        keys = [term.encode("utf-8") for term in self._ids]
        rank = np.empty(len(keys), dtype=np.int64)  # each term's place in byte order
        rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys))
        keys.sort()
        ranks = rank[np.frombuffer(self._tids, dtype=np.uint32)]
        order = np.argsort(ranks, kind="stable")  # by term, then document
        ends = np.cumsum(np.bincount(ranks, minlength=len(keys)))
        del ranks, rank
        counts = np.frombuffer(self._counts, dtype=np.uint32)
        first = (np.cumsum(counts, dtype=np.int64) - counts)[order]  # each posting's first position
        counts = counts[order]
        docs = np.repeat(np.frombuffer(self._docs, dtype=np.uint32), np.frombuffer(self._postings, dtype=np.uint32))[order]
        del order
        positions = np.frombuffer(self._positions, dtype=np.uint32)
        field_lengths = np.frombuffer(self._lengths, dtype=np.uint32)
        self._ids = defaultdict()
        self._tids = self._counts = self._docs = self._postings = self._positions = self._lengths = array("I")
        term = 0
        while term < len(keys):  # a chunk: the terms whose postings end within _CHUNK of its start
            start = int(ends[term - 1]) if term else 0
            last = max(term, int(np.searchsorted(ends, start + _CHUNK, side="right")) - 1)
            end = int(ends[last])
            c = counts[start:end]
            at = np.cumsum(c, dtype=np.int64) - c
            gather = np.repeat(first[start:end] - at, c) + np.arange(int(c.sum()), dtype=np.int64)
            values = encode_position_lists(c, positions[gather])
            chunk_docs = docs[start:end]
            doc_list, lengths = chunk_docs.tolist(), field_lengths[chunk_docs].tolist()
            weights = (c * self._boost).tolist()
            bounds = (ends[term : last + 1] - start).tolist()
            low = 0
            for tbytes, high in zip(keys[term : last + 1], bounds, strict=True):
                yield tbytes, doc_list[low:high], weights[low:high], values[low:high], lengths[low:high]
                low = high
            term = last + 1


#: Postings whose positions :meth:`ViewPostings.terms` encodes at a time.
_CHUNK = 1 << 16


class FieldPostings:
    """The postings of one other field (id, organizations, dates...) of a segment being built:
    what ``field.index`` gives for each document, held as Python lists (a few per document)."""

    def __init__(self) -> None:
        self._terms: dict[bytes, list[Any]] = {}

    def add(self, docnum: int, items: Iterable[tuple[bytes, int, float, bytes | None]], length: int) -> None:
        """Add the ``(term bytes, frequency, weight, value)`` items of document ``docnum``."""
        terms = self._terms
        for tbytes, _, weight, vbytes in items:
            posting = (docnum, weight, vbytes or b"", length)
            postings = terms.get(tbytes)
            if postings is None:
                terms[tbytes] = list(posting)
            else:
                postings += posting

    def terms(self) -> Iterator[TermPostings]:
        """The postings of each term, terms in byte order; empties this object."""
        terms, self._terms = self._terms, {}
        for tbytes in sorted(terms):
            p = terms.pop(tbytes)
            yield tbytes, p[0::4], p[1::4], p[2::4], p[3::4]


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

    def write(self, postings: Mapping[str, ViewPostings | FieldPostings], doc_count: int) -> tuple[Any, str]:
        """Write ``postings`` (field name -> its postings), close the files and assemble them
        into one compound file.

        Returns:
            The Whoosh segment (for the table of contents) and the compound file's name.
        """
        self._perdoc.close()
        fieldwriter = self._codec.field_writer(self._storage, self._segment)
        for fieldname in sorted(postings):
            fieldwriter.start_field(fieldname, self._schema[fieldname])
            write_term = _TermWriter(fieldwriter).write
            for tbytes, ids, weights, values, lengths in postings[fieldname].terms():
                write_term(tbytes, ids, weights, values, lengths)
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


class _TermWriter:
    """Writes the posting lists of one field, a whole term at a time, as ``W3FieldWriter``'s
    ``start_term``, ``W3PostingsWriter.add_posting`` per posting and ``finish_term`` would:
    the same blocks (of ``blocklimit`` postings: a header, the block info, the block data) and
    the same term info, without their per-posting calls and objects.

    One difference: the block data is pickled with protocol 5 instead of 2. Protocol 2 writes
    every encoded position list (bytes) as a call to ``_codecs.encode``; protocol 5 writes
    bytes as they are. The blocks are 40% smaller before compression and half the size after
    it, and pickle, compress and unpickle 2 to 4 times faster. Blocks under
    :data:`_COMPRESS_FROM` bytes are stored uncompressed (level 0 in the block info). Whoosh
    reads them unchanged (it unpickles whatever protocol and checks each block's compression
    level); the block info keeps protocol 2.
    """

    def __init__(self, fieldwriter: Any) -> None:
        postwriter = fieldwriter._postwriter  # made by start_field for the codec's settings
        self._postfile = fieldwriter._postfile
        self._add_term = fieldwriter._tindex.add
        self._prefix = pack_ushort(fieldwriter._fieldid)
        self._blocklimit = postwriter._blocklimit
        self._compression = postwriter._compression
        fixed = fieldwriter._format.fixed_value_size()
        self._mini_values: Callable[[list[bytes]], Any] = (
            tuple if fixed is None or fixed < 0 else (lambda vs: None) if fixed == 0 else b"".join
        )

    def write(self, tbytes: bytes, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes], lengths: Sequence[int]) -> None:
        """Write one term's postings (in document order) and its row of the terms table."""
        postfile = self._postfile
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        limit = self._blocklimit
        total_weight = 0.0
        minlength: int | None = None
        maxlength = 0
        maxweight: float = 0
        for begin in range(0, len(ids), limit):
            end = begin + limit
            block_ids = ids[begin:end]
            block_weights = weights[begin:end]
            float_weights = array("f", block_weights)
            known = [n for n in lengths[begin:end] if n]
            block_min = min(known) if known else None
            block_max = max(known) if known else 0
            block_maxweight = max(0, *block_weights)
            # W3TermInfo.add_block
            total_weight += sum(float_weights)
            minlength = block_min if minlength is None else min(minlength, block_min)  # type: ignore[type-var]
            maxlength = max(maxlength, block_max)
            maxweight = max(maxweight, block_maxweight)
            # W3PostingsWriter._write_block (with the _mini_* methods)
            first = float_weights[0]
            if all(w == 1.0 for w in float_weights):
                mini_weights: Any = None
            elif all(w == first for w in float_weights):
                mini_weights = first
            else:
                mini_weights = tuple(float_weights)
            deltas = tuple(b - a for a, b in zip([0, *block_ids], block_ids, strict=False))
            databytes = pickle.dumps((deltas, mini_weights, self._mini_values([v for v in values[begin:end] if v])), 5)
            # Whoosh meant to leave blocks under 20 bytes uncompressed (a bug compresses them all);
            # zlib makes blocks under ~64 bytes longer, and a third of the blocks are that small.
            comp = self._compression if len(databytes) >= _COMPRESS_FROM else 0
            if comp:
                databytes = zlib.compress(databytes, comp)
            infobytes = pickle.dumps(
                (len(block_ids), block_ids[-1], block_maxweight, comp, length_to_byte(block_min), length_to_byte(block_max)), 2
            )
            blocklength = len(infobytes) + len(databytes)
            postfile.write(pack_int(-blocklength if end >= len(ids) else blocklength) + infobytes + databytes)
        # W3TermInfo.to_bytes, not inlined
        info = _TERMINFO.pack(
            0, total_weight, len(ids), length_to_byte(minlength), length_to_byte(maxlength), maxweight, ids[0], ids[-1]
        )
        self._add_term(self._prefix + tbytes, info + pack_long(start) + pack_int(postfile.tell() - start))


#: ``W3TermInfo``'s packed fields (flags, total weight, document frequency, min and max length
#: bytes, max weight, first and last document).
_TERMINFO = W3TermInfo._struct

#: Smallest pickled block that is compressed.
_COMPRESS_FROM = 64
