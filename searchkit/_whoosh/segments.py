"""Writing one new, complete Whoosh 2.7.4 segment file (default codec, compound) outside a writer.

:class:`SegmentFile` does what ``SegmentWriter.add_document`` and its commit do for a new
segment (stored fields, field lengths, columns, postings, compound file) without the index
lock, the posting pool or the table of contents. The postings are held in memory per field
(:class:`ViewPostings` keeps those of the analyzed text views in a flat array, 4 bytes a
position, and sorts them into postings with numpy when the segment is written), and each term's
are written whole (:class:`_TermWriter`) instead of through Whoosh's per-posting pool, sort
and writer calls; those of the text views a chunk of terms at a time, the term and block
statistics computed with numpy. The files are the ones ``SegmentWriter`` writes, in fewer bytes (short
posting lists in the term table, block data pickled with protocol 3, whole-number weights as
integers: see :class:`_TermWriter`), which Whoosh reads unchanged.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, repeat, starmap
from operator import sub
from typing import Any, NamedTuple

import numpy as np
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from searchkit._whoosh.packing import PackedLists, length_bytes, pack_position_buffer, pickle_tuples

__all__ = ["COMPRESSION", "INLINE_POSTINGS", "FieldPostings", "SegmentFile", "TermPostings", "ViewPostings"]

#: The postings of one term, in document order: (term bytes, document numbers, weights,
#: encoded values or None when the field's format keeps none, field lengths), what
#: :meth:`SegmentFile.write` writes.
TermPostings = tuple[bytes, Sequence[int], Sequence[float], Sequence[bytes] | None, Sequence[int]]

#: The zlib level of posting blocks and stored fields (Whoosh's is 3). Level 1 writes an index
#: 2.6% larger than level 6 (54.8 against 53.4 MB for 8,000 VNTC articles, 1.20x stock Whoosh)
#: for 8% less CPU in building and writing a segment (about 2% of indexing).
COMPRESSION = 1
#: Posting lists of at most this many postings are stored in the term table ("inlined").
INLINE_POSTINGS = 4
#: Smallest pickled block that is compressed.
_COMPRESS_FROM = 64


class ViewPostings:
    """The postings of one analyzed text view of a segment being built, held compactly.

    Each document adds its terms, one per position ("" where a position has none); a
    position costs 4 bytes (its term's number) in a flat array filled by a C-level loop,
    instead of Python objects per posting or position. :meth:`terms` sorts them by term
    (then document and position) and packs the positions
    (:class:`~searchkit._whoosh.formats.PackedPositions`) when the segment is written. The
    weight of a posting is its number of positions times the field's boost, as
    ``field.index`` gives.
    """

    def __init__(self, boost: float, positions: bool = True) -> None:
        self._boost = boost
        self._keep_positions = positions
        self._ids = self._new_ids()
        self._tids = array("I")  # per position: its term's number (0: no term)
        self._docs = array("I")  # per document: its number, its number of positions
        self._sizes = array("I")
        self._lengths = array("I")  # per document: the field's length (0 when it lacks the field)

    @staticmethod
    def _new_ids() -> defaultdict[str, int]:
        """Term -> its number: "" is 0, a new term gets the next number."""
        ids: defaultdict[str, int] = defaultdict(None, {"": 0})
        ids.default_factory = ids.__len__
        return ids

    def add(self, docnum: int, terms: Sequence[str]) -> int:
        """Add document ``docnum`` (numbered in order), given the term at each of its
        positions ("" for none); return the field's length (the positions with a term)."""
        self._tids.fromlist(list(map(self._ids.__getitem__, terms)))
        length = len(terms) - terms.count("")
        self._docs.append(docnum)
        self._sizes.append(len(terms))
        lengths = self._lengths
        if len(lengths) < docnum:
            lengths.extend(repeat(0, docnum - len(lengths)))
        lengths.append(length)
        return length

    def terms(self) -> Iterator[TermPostings]:
        """The postings of each term, terms in byte order; empties this object."""
        for chunk in self._chunks():
            doc_list, lengths = chunk.docs.tolist(), chunk.lengths.tolist()
            weights = (chunk.counts * self._boost).tolist()
            values = chunk.values.lists() if chunk.values is not None else None
            low = 0
            for tbytes, high in zip(chunk.keys, chunk.ends.tolist(), strict=True):
                yield tbytes, doc_list[low:high], weights[low:high], values[low:high] if values else None, lengths[low:high]
                low = high

    def write_to(self, writer: _TermWriter) -> None:
        """Write the postings of each term, terms in byte order; empty this object."""
        boost = self._boost
        if boost == int(boost) and boost >= 1:  # whole weights: the term statistics in bulk
            for chunk in self._chunks():
                writer.write_chunk(chunk, int(boost))
        else:
            for postings in self.terms():
                writer.write(*postings)

    def _chunks(self) -> Iterator[_Chunk]:
        """The postings sorted by term (terms in byte order), then document; empties this object.

        The positions are sorted once; they are packed :data:`_CHUNK` postings at a time, so
        that the memory this takes stays small whatever the segment's size.
        """
        keys = [term.encode("utf-8") for term in self._ids]  # by number; keys[0] is b"" (no term)
        rank = np.empty(len(keys), dtype=np.uint32)  # each term's place in byte order (b"" first)
        rank[sorted(range(len(keys)), key=keys.__getitem__)] = np.arange(len(keys), dtype=np.uint32)
        keys.sort()
        sizes = np.frombuffer(self._sizes, dtype=np.uint32)
        first = (np.cumsum(sizes, dtype=np.int64) - sizes).astype(np.uint32)  # each document's first position
        # sorted by term, then document and position: (rank << 32 | index) sorted directly (unique
        # keys), 7 times as fast as a stable argsort of the ranks
        keys64 = rank[np.frombuffer(self._tids, dtype=np.uint32)].astype(np.uint64) << np.uint64(32)
        del rank
        keys64 |= np.arange(len(keys64), dtype=np.uint64)
        keys64.sort()
        keys64 = keys64[int(np.searchsorted(keys64, np.uint64(1 << 32))) :]  # the positions without a term (rank 0) left out
        ranks = (keys64 >> np.uint64(32)).astype(np.uint32)
        order = (keys64 & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        del keys64
        at = np.repeat(np.arange(len(sizes), dtype=np.uint32), sizes)[order]  # each position's document, by index
        positions = order - first[at] if self._keep_positions else None
        del order, first
        docs = np.frombuffer(self._docs, dtype=np.uint32)[at]
        del at
        field_lengths = np.frombuffer(self._lengths, dtype=np.uint32)
        self._ids = self._new_ids()
        self._tids, self._docs, self._sizes, self._lengths = array("I"), array("I"), array("I"), array("I")
        # a posting starts where the term or the document changes
        starts = np.flatnonzero((ranks[1:] != ranks[:-1]) | (docs[1:] != docs[:-1])) + 1
        starts = np.concatenate(([0], starts)) if len(ranks) else starts
        counts = np.diff(starts, append=len(ranks))
        term_of = ranks[starts]
        docs = docs[starts]
        del ranks
        ends = np.cumsum(np.bincount(term_of, minlength=len(keys)))  # each term's postings end here
        term = 1
        while term < len(keys):  # a chunk: the terms whose postings end within _CHUNK of its start
            start = int(ends[term - 1])
            last = max(term, int(np.searchsorted(ends, start + _CHUNK, side="right")) - 1)
            end = int(ends[last])
            c = counts[start:end]
            values: PackedLists | None = None
            if positions is not None:
                begin = int(starts[start]) if end > start else 0
                values = pack_position_buffer(c, positions[begin : begin + int(c.sum())])
            chunk_docs = docs[start:end]
            yield _Chunk(keys[term : last + 1], ends[term : last + 1] - start, chunk_docs, c, values, field_lengths[chunk_docs])
            term = last + 1


class _Chunk(NamedTuple):
    """The postings of consecutive terms of a view: a term's are ``ends[i - 1]:ends[i]``."""

    keys: list[bytes]  # the terms' bytes
    ends: np.ndarray  # where each term's postings end
    docs: np.ndarray  # per posting: its document
    counts: np.ndarray  # its number of positions
    values: PackedLists | None  # its packed positions (None when the view keeps none)
    lengths: np.ndarray  # the field's length in its document


#: Postings whose positions :meth:`ViewPostings.terms` packs at a time (their Python lists are
#: what writing a segment holds at its peak: 1 << 16 took 16 MB more for 2,500 articles, no faster).
_CHUNK = 1 << 14


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

    def write_to(self, writer: _TermWriter) -> None:
        """Write the postings of each term, terms in byte order; empty this object."""
        write = writer.write
        for postings in self.terms():
            write(*postings)


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
            writer = _TermWriter(fieldwriter)
            postings[fieldname].write_to(writer)
            writer.flush()
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
    """Writes the posting lists of one field, a whole term (:meth:`write`) or a chunk of a text
    view's terms (:meth:`write_chunk`) at a time, as ``W3FieldWriter``'s
    ``start_term``, ``W3PostingsWriter.add_posting`` per posting and ``finish_term`` would
    (the same term statistics; blocks of ``blocklimit`` postings, each a length, the block
    info and the block data), without their per-posting calls and objects, and in fewer bytes,
    which Whoosh reads unchanged:

    * a posting list of at most :data:`INLINE_POSTINGS` postings is stored in its term's entry
      of the term table (Whoosh's "inlined" postings, which its writer means to do for lists
      under ``inlinelimit`` but never does), not as a block of its own; Whoosh reads them with
      a ``ListMatcher``;
    * each block's data, and the inlined postings, are pickled with protocol 3 without the
      memo (protocol 2 writes every value, bytes, as a call to ``_codecs.encode``; protocol 5
      adds a frame header and a memo entry per value), and blocks under
      :data:`_COMPRESS_FROM` bytes are left uncompressed (level 0 in the block info); the
      others are compressed at :data:`COMPRESSION`;
    * weights that are whole numbers (frequencies) are pickled as integers (2 bytes instead of 9).
    """

    def __init__(self, fieldwriter: Any) -> None:
        self._postfile = fieldwriter._postfile
        self._table = _TermTable(fieldwriter._tindex)
        self._add_term = self._table.add
        self.flush = self._table.flush
        self._dumps, self._dumps_info = _Pickler(3), _Pickler(2)
        self._prefix = pack_ushort(fieldwriter._fieldid)
        self._blocklimit = fieldwriter._postwriter._blocklimit  # made by start_field for the codec's settings
        fixed = fieldwriter._format.fixed_value_size()
        self._mini_values: Callable[[list[bytes]], Any] = (
            tuple if fixed is None or fixed < 0 else (lambda vs: None) if fixed == 0 else b"".join
        )

    def write(self, tbytes: bytes, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes] | None, lengths: Sequence[int]) -> None:
        """Write one term's postings (in document order) and its row of the terms table."""
        if len(ids) <= INLINE_POSTINGS:
            self._add_term(self._prefix + tbytes, _inlined(ids, weights, values, lengths, self._dumps))
            return
        postfile = self._postfile
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        limit = self._blocklimit
        total_weight: float = 0
        minlength: int | None = None
        maxlength = 0
        maxweight: float = 0
        for begin in range(0, len(ids), limit):
            end = begin + limit
            block_ids = ids[begin:end]
            block_weights = weights[begin:end]
            float_weights = array("f", block_weights)
            known = list(filter(None, lengths[begin:end]))
            block_min = min(known) if known else None
            block_max = max(known) if known else 0
            block_maxweight = max(0, *block_weights)
            # W3TermInfo.add_block
            total_weight += sum(float_weights)
            minlength = block_min if minlength is None else min(minlength, block_min)  # type: ignore[type-var]
            maxlength = max(maxlength, block_max)
            maxweight = max(maxweight, block_maxweight)
            # W3PostingsWriter._write_block with its _mini_* methods
            head = float_weights[0]
            if float_weights.count(head) == len(float_weights):
                mini_weights: Any = None if head == 1.0 else head  # as Whoosh: None for all 1.0, one number for all equal
            else:
                mini_weights = _whole(float_weights)
            deltas = tuple(map(sub, block_ids, [0, *block_ids]))
            block_values = self._mini_values(list(filter(None, values[begin:end])) if values else [])
            databytes = self._dumps((deltas, mini_weights, block_values))
            # Whoosh meant to leave blocks under 20 bytes uncompressed (a bug compresses them all);
            # zlib makes blocks under ~64 bytes longer, and a third of the blocks are that small.
            comp = COMPRESSION if len(databytes) >= _COMPRESS_FROM else 0
            if comp:
                databytes = zlib.compress(databytes, comp)
            info = (len(block_ids), block_ids[-1], _whole([block_maxweight])[0], comp, length_to_byte(block_min), length_to_byte(block_max))
            infobytes = self._dumps_info(info)
            blocklength = len(infobytes) + len(databytes)
            postfile.write(pack_int(-blocklength if end >= len(ids) else blocklength) + infobytes + databytes)
        # W3TermInfo.to_bytes, not inlined
        stats = _TERMINFO.pack(0, total_weight, len(ids), length_to_byte(minlength), length_to_byte(maxlength), maxweight, ids[0], ids[-1])
        self._add_term(self._prefix + tbytes, stats + pack_long(start) + pack_int(postfile.tell() - start))


    def write_chunk(self, chunk: _Chunk, boost: int) -> None:
        """Write the postings of a chunk of terms of a text view, whose weights are its counts
        times the whole number ``boost``: the same bytes as :meth:`write` of each term, with
        the term and block statistics computed for all terms at once, the pickles made in a
        row and the blocks written in one piece.

        A view's values (packed positions) are never empty, so none is left out as
        :meth:`write` leaves out empty ones.
        """
        ends = chunk.ends.astype(np.int64)
        if not len(ends):
            return
        weights = chunk.counts.astype(np.int64) * boost
        lengths = chunk.lengths.astype(np.int64)
        docs = chunk.docs.astype(np.int64)
        dfs = np.diff(ends, prepend=0)
        starts = ends - dfs
        inline = dfs <= INLINE_POSTINGS
        # W3TermInfo.to_bytes of every term (flags 1: inlined)
        stats = np.zeros(len(ends), dtype=_TERMINFO_ARRAY)
        stats["flags"] = inline
        stats["weight"] = np.add.reduceat(weights, starts)
        stats["df"] = dfs
        stats["min"], stats["max"] = length_bytes(lengths, starts)
        stats["maxweight"] = maxweights = np.maximum.reduceat(weights, starts)
        stats["first"] = docs[starts]
        stats["last"] = docs[ends - 1]
        table, size = stats.tobytes(), _TERMINFO.size
        heads = list(map(table.__getitem__, map(slice, range(0, len(table), size), range(size, len(table) + size, size))))
        doc_list, weight_list, packed = docs.tolist(), weights.tolist(), chunk.values
        # the inlined posting lists, as _inlined
        ones = (np.minimum.reduceat(weights, starts) == 1) & (maxweights == 1)
        inline_dfs = dfs[inline].tolist()
        if packed is None:
            inline_values = [(None,) * n for n in inline_dfs]
        else:
            values = packed.lists(np.flatnonzero(np.repeat(inline, dfs)))  # those of the inlined lists
            inline_values = list(map(tuple, map(values.__getitem__, map(slice, *_runs(inline_dfs)))))
        inlined = iter(
            self._dumps.many(
                [
                    (tuple(doc_list[low:high]), None if one else tuple(weight_list[low:high]), value)
                    for low, high, one, value in zip(starts[inline].tolist(), ends[inline].tolist(), ones[inline].tolist(), inline_values, strict=True)
                ]
            )
        )
        blocks = iter(self._blocks(docs, weights, lengths, packed, starts[~inline], dfs[~inline]))
        postfile = self._postfile
        position = postfile.tell()
        pieces: list[bytes] = []
        rows: list[tuple[bytes, bytes]] = []
        prefix, magic = self._prefix, WHOOSH3_HEADER_MAGIC
        for tbytes, head, is_inline in zip(chunk.keys, heads, inline.tolist(), strict=True):
            if is_inline:
                rows.append((prefix + tbytes, head + next(inlined)))
                continue
            written = next(blocks)
            pieces += (magic, written)
            length = len(magic) + len(written)
            rows.append((prefix + tbytes, head + pack_long(position) + pack_int(length)))
            position += length
        postfile.write(b"".join(pieces))
        self._table.extend(rows)

    def _blocks(
        self, docs: np.ndarray, weights: np.ndarray, lengths: np.ndarray, packed: PackedLists | None, starts: np.ndarray, dfs: np.ndarray
    ) -> list[bytes]:
        """The blocks of the posting lists at ``starts`` (``dfs`` postings each) of
        :meth:`write_chunk`'s arrays, each list's blocks as one byte string."""
        if not len(starts):
            return []
        limit = self._blocklimit
        nblocks = (dfs + limit - 1) // limit
        # each block's first posting and end, limit postings from the start of its list
        in_list = np.arange(int(nblocks.sum())) - np.repeat(np.cumsum(nblocks) - nblocks, nblocks)
        bstarts = np.repeat(starts, nblocks) + in_list * limit
        bends = np.minimum(bstarts + limit, np.repeat(starts + dfs, nblocks))
        last_block = np.zeros(len(bstarts), dtype=bool)
        last_block[np.cumsum(nblocks) - 1] = True
        deltas = docs.copy()
        deltas[1:] -= docs[:-1]
        deltas[bstarts] = docs[bstarts]  # a block's first document is absolute
        delta_list, weight_list = deltas.tolist(), weights.tolist()
        # reduceat over runs that skip the postings of inlined lists: bounds both ends
        bounds = np.ravel(np.column_stack((bstarts, bends)))
        if bounds[-1] == len(weights):
            bounds = bounds[:-1]
        smallest = np.minimum.reduceat(weights, bounds)[::2]
        largest = np.maximum.reduceat(weights, bounds)[::2]
        min_bytes, max_bytes = length_bytes(lengths, bounds)
        # W3PostingsWriter._write_block with its _mini_* methods
        mini_weights = [
            (None if large == 1 else float(large)) if small == large else tuple(weight_list[low:high])
            for low, high, small, large in zip(bstarts.tolist(), bends.tolist(), smallest.tolist(), largest.tolist(), strict=True)
        ]
        deltas_of = map(tuple, map(delta_list.__getitem__, map(slice, bstarts.tolist(), bends.tolist())))
        if packed is not None and self._mini_values is tuple:
            # the pickle of (deltas, weights, values) is that of (deltas, weights) without its
            # TUPLE2 and STOP, then the values tuple's, TUPLE3 and STOP: the values tuples are
            # pickled straight from the packed buffer
            values, value_starts, value_ends = pickle_tuples(packed, bstarts, bends)
            data = [
                b"".join((head[:-2], values[low:high], _TUPLE3_STOP))
                for head, low, high in zip(self._dumps.many(list(zip(deltas_of, mini_weights, strict=True))), value_starts, value_ends, strict=True)
            ]
        else:
            value_lists = packed.lists() if packed is not None else None
            mini_values = self._mini_values
            data = self._dumps.many(
                [
                    (deltas, weights_, mini_values(value_lists[low:high] if value_lists else []))
                    for deltas, weights_, low, high in zip(deltas_of, mini_weights, bstarts.tolist(), bends.tolist(), strict=True)
                ]
            )
        # Whoosh meant to leave blocks under 20 bytes uncompressed (a bug compresses them all);
        # zlib makes blocks under ~64 bytes longer, and a third of the blocks are that small.
        levels = [COMPRESSION if len(d) >= _COMPRESS_FROM else 0 for d in data]
        data = [zlib.compress(d, COMPRESSION) if level else d for d, level in zip(data, levels, strict=True)]
        infos = self._dumps_info.many(
            list(
                zip(
                    (bends - bstarts).tolist(),
                    docs[bends - 1].tolist(),
                    largest.tolist(),
                    levels,
                    min_bytes[::2],
                    max_bytes[::2],
                    strict=True,
                )
            )
        )
        out: list[bytes] = []
        pieces: list[bytes] = []
        for info, databytes, last in zip(infos, data, last_block.tolist(), strict=True):
            blocklength = len(info) + len(databytes)
            pieces += (pack_int(-blocklength if last else blocklength), info, databytes)
            if last:
                out.append(b"".join(pieces))
                pieces.clear()
        return out


class _TermTable:
    """Adds rows to a field writer's table of terms (Whoosh's ``OrderedHashWriter``) as its
    ``add`` does, :data:`_TABLE_ROWS` at a time: the same bytes, offsets, hashes and index,
    with one write a batch. :meth:`flush` before anything else writes to the table."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._hash = _md5_hash if table.hashfn is md5_hash else table.hashfn
        self._rows: list[tuple[bytes, bytes]] = []
        table._write_hashes = self._write_hashes  # called by the table's close()

    def add(self, key: bytes, value: bytes) -> None:
        """Add a row (keys must increase, as ``OrderedHashWriter`` requires)."""
        self._rows.append((key, value))
        if len(self._rows) >= _TABLE_ROWS:
            self.flush()

    def extend(self, rows: list[tuple[bytes, bytes]]) -> None:
        """Add rows (keys must increase)."""
        self._rows += rows
        if len(self._rows) >= _TABLE_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the rows added so far."""
        rows, table = self._rows, self._table
        if not rows:
            return
        if rows[0][0] <= table.lastkey:
            raise ValueError(f"Keys must increase: {table.lastkey!r}..{rows[0][0]!r}")
        dbfile, buckets, hashed = table.dbfile, table.buckets, self._hash
        position = dbfile.tell()
        offsets: list[int] = []
        pieces: list[bytes] = []
        for key, value in rows:  # HashWriter.add, the file position counted here
            offsets.append(position)
            pieces += (_ROW_LENGTHS.pack(len(key), len(value)), key, value)
            position += _ROW_LENGTHS.size + len(key) + len(value)
            h = hashed(key)
            buckets[h & 255].append((h, offsets[-1]))
        dbfile.write(b"".join(pieces))
        index = table.index  # OrderedHashWriter.add: each row's offset, in a growable array
        try:
            grown = array(index.array.typecode, offsets)
        except OverflowError:  # a bigger type needed: GrowableArray.append changes it
            index.extend(offsets)
        else:
            index.array.extend(grown)
        table.lastkey = rows[-1][0]
        rows.clear()

    def _write_hashes(self) -> None:
        """``HashWriter._write_hashes``: the 256 hash tables (linear probing, in the order the
        rows came), each written at once instead of one write a slot."""
        table = self._table
        dbfile = table.dbfile
        null = (0, 0)
        for entries in table.buckets:
            numslots = 2 * len(entries)
            table.directory.append((dbfile.tell(), numslots))
            hashtable = [null] * numslots
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while hashtable[slot] != null:
                    slot = (slot + 1) % numslots
                hashtable[slot] = (hashval, position)
            dbfile.write(b"".join(starmap(_POINTER.pack, hashtable)))


#: Rows of the terms table written at a time.
_TABLE_ROWS = 4096
_ROW_LENGTHS = struct.Struct("!ii")  # HashWriter's key and value lengths
_POINTER = struct.Struct("!Iq")  # a slot of its hash tables: hash value, row position


def _runs(sizes: list[int]) -> tuple[list[int], list[int]]:
    """The start and end of each of consecutive runs of ``sizes`` items."""
    ends = list(accumulate(sizes))
    return [0, *ends[:-1]], ends


_TUPLE3_STOP = pickle.TUPLE3 + pickle.STOP


def _md5_hash(key: bytes) -> int:
    """Whoosh's ``md5_hash`` (the low 32 bits of the key's MD5), without the hexadecimal detour."""
    return int.from_bytes(hashlib.md5(key).digest()[12:], "big")


def _inlined(
    ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes] | None, lengths: Sequence[int], dumps: Callable[[Any], bytes]
) -> bytes:
    """The term table entry of a short posting list: ``W3TermInfo.to_bytes`` of an inlined
    term info, the postings pickled as blocks are (read back as Whoosh's own)."""
    float_weights = array("f", weights)
    known = list(filter(None, lengths))
    stats = _TERMINFO.pack(
        1,
        sum(float_weights),
        len(ids),
        length_to_byte(min(known)) if known else 0,
        length_to_byte(max(known)) if known else 0,
        max(0, *weights),
        ids[0],
        ids[-1],
    )
    # Whoosh's ListMatcher takes absolute document numbers, None for weights all 1.0 and a
    # value per posting (None when the format keeps none).
    present = list(filter(None, values)) if values else None
    inlined = (
        tuple(ids),
        None if float_weights.count(1.0) == len(float_weights) else _whole(float_weights),
        tuple(present) if present else (None,) * len(ids),
    )
    return stats + dumps(inlined)


#: ``W3TermInfo``'s packed fields (flags, total weight, document frequency, min and max length
#: bytes, max weight, first and last document).
_TERMINFO = W3TermInfo._struct
#: The same as a numpy record, for :meth:`_TermWriter.write_chunk`.
_TERMINFO_ARRAY = np.dtype(
    [("flags", "u1"), ("weight", ">f4"), ("df", ">u4"), ("min", "u1"), ("max", "u1"), ("maxweight", ">f4"), ("first", ">u4"), ("last", ">u4")]
)
def _whole(weights: Any) -> tuple[Any, ...]:
    """Weights as integers when they all are whole numbers (they pickle in 2 bytes, not 9)."""
    weights = tuple(weights)
    ints = tuple(map(int, weights))
    return ints if ints == weights else weights


class _Pickler:
    """``pickle.dumps`` without the memo (nothing pickled here is shared or recursive), one
    pickler and buffer reused (a new pickler for each call took 4 times as long)."""

    def __init__(self, protocol: int) -> None:
        self._out = io.BytesIO()
        self._pickler = pickle.Pickler(self._out, protocol)
        self._pickler.fast = True

    def __call__(self, obj: Any) -> bytes:
        out = self._out
        out.seek(0)
        out.truncate()
        self._pickler.dump(obj)
        return out.getvalue()

    def many(self, objs: list[Any]) -> list[bytes]:
        """The pickle of each of ``objs``."""
        out = self._out
        out.seek(0)
        out.truncate()
        dump, tell = self._pickler.dump, out.tell
        ends = [0]
        for obj in objs:
            dump(obj)
            ends.append(tell())
        data = out.getvalue()
        return list(map(data.__getitem__, map(slice, ends, ends[1:])))
