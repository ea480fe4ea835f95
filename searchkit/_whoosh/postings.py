"""Reading Whoosh 2.7.4 postings and field lengths straight from a segment's files, for the ranker.

Whoosh reads a posting list one posting at a time, unpickling each block whole, positions
included. :func:`read_postings` reads a term's document numbers and weights a block at a
time and leaves the positions, most of a block, alone (see :func:`_block_ids_weights`); it
also says where the blocks are (:class:`Blocks`), so that :func:`decode_block` can later give
the positions of the few articles a ranking asks about. :func:`segment_lengths` reads a
field-length column in one piece, :func:`positions_at` the positions of a term in one
article through a matcher (for postings not read by blocks), :func:`field_postings` every
term of a field with its document numbers, read off the term table in one pass (facets).

Everything here depends on the codec of Whoosh 2.7.4 (``W3LeafMatcher``, its block layout,
the pickled block data, the length columns): it is checked against Whoosh's own readers by
``tests/test_rank.py``. Postings of another layout are read through Whoosh's public matcher API.
"""

from __future__ import annotations

import bisect
import io
import itertools
import pickle
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermInfo
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

__all__ = ["Blocks", "decode_block", "field_postings", "positions_at", "read_postings", "segment_lengths"]


@dataclass(frozen=True, slots=True)
class Blocks:
    """Where the posting blocks of a term are in one segment's postings file (for positions).

    Attributes:
        postfile: The segment's postings file.
        last_ids: The last document number (in the segment) of each block.
        extents: ``(offset, length, compression)`` of each block's data.
    """

    postfile: Any
    last_ids: np.ndarray
    extents: list[tuple[int, int, int]]




def read_postings(leaf: Any, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, Blocks | None]:
    """All document numbers (in the segment) and weights of a term's postings in one segment
    reader, deleted documents included, and where its blocks are when it was read block by
    block (None otherwise). The term must be in the segment."""
    m = leaf.postings(fieldname, btext)
    if isinstance(m, FilterMatcher) and m._exclude:
        m = m.child  # the deleted articles, which it leaves out: the caller drops them
    return _read_postings(m)


# A W3 term table (an OrderedHashReader) holds, in key order, records of two big-endian int32
# lengths, the key (the field's number as a big-endian ushort, then the term) and the value
# (W3TermInfo.to_bytes: a fixed header with the document frequency and the first and last
# document, then an inlined pickled posting list, or the offset of its blocks).
_RECORD_LENGTHS = struct.Struct("!ii")
_TERM_INFO = W3TermInfo._struct  # flags, weight, df, min length, max length, max weight, min id, max id
_OFFSET = struct.Struct("!q")


def field_postings(leaf: Any, fieldname: str, prefix: bytes = b"") -> Iterator[tuple[bytes, Sequence[int]]]:
    """Every term of ``fieldname`` (that starts with ``prefix``) in one segment reader, in
    order, with the document numbers (in the segment) holding it, deleted documents included.

    Whoosh decodes each term's info into an object and opens a matcher for every posting
    list; here the term table is walked record by record in place: a term in one or two
    documents names them in its info, a short list is inlined there, and only longer lists
    are read from their blocks (without a matcher). A reader of another layout is read
    through Whoosh's public API (the same terms and documents).
    """
    try:
        terms = leaf._terms
        table = terms._tindex
        n = len(terms._keycoder(fieldname, b""))  # the field's part of a key
        start = terms._keycoder(fieldname, prefix)
        buf = table.dbfile._buf
        end = table.endofdata
        postfile = terms._postfile
    except AttributeError:
        for btext, _ in leaf.iter_field(fieldname, prefix):
            if not btext.startswith(prefix):
                return
            yield btext, read_postings(leaf, fieldname, btext)[0].tolist()
        return
    pos = table.closest_key_pos(start)
    if pos is None:
        return
    wanted = len(start)
    header = _TERM_INFO.size
    lengths, info = _RECORD_LENGTHS.unpack_from, _TERM_INFO.unpack_from
    while pos < end:
        keylen, datalen = lengths(buf, pos)
        keypos = pos + _RECORD_LENGTHS.size
        datapos = keypos + keylen
        if bytes(buf[keypos : keypos + wanted]) != start:
            return  # past the prefix, or the next field's terms
        btext = bytes(buf[keypos + n : datapos])
        inlined, _, df, _, _, _, first, last = info(buf, datapos)
        if df == 1:
            yield btext, (first,)
        elif df == 2:
            yield btext, (first, last)
        elif inlined:
            yield btext, pickle.loads(buf[datapos + header : datapos + datalen])[0]
        else:
            (offset,) = _OFFSET.unpack_from(buf, datapos + header)
            blocks = _blocks_at(postfile, offset + 4) if postfile.get(offset, 4) == WHOOSH3_HEADER_MAGIC else None
            yield btext, (blocks[0] if blocks is not None else read_postings(leaf, fieldname, btext)[0]).tolist()
        pos = datapos + datalen


def positions_at(leaf: Any, fieldname: str, btext: bytes, docnum: int) -> Sequence[int] | None:
    """The positions of a term in document ``docnum`` of a segment reader, or None when the
    document lacks the term."""
    if (fieldname, btext) not in leaf:
        return None
    m = leaf.postings(fieldname, btext)
    return m.value_as("positions") if _seek(m, docnum) and m.id() == docnum else None  # type: ignore[no-any-return]


def decode_block(blocks: Blocks, b: int) -> tuple[list[int], Callable[[int], bytes]]:
    """The document numbers (in the segment) of one posting block, and a function returning
    the encoded value of its ``j``-th posting."""
    offset, length, compression = blocks.extents[b]
    data = blocks.postfile.get(offset, length)
    raw = zlib.decompress(data) if compression else data
    fast = _BlockValues.read(raw)
    if fast is not None:
        return fast.ids, fast.value
    deltas, _, values = pickle.loads(raw)
    return list(itertools.accumulate(deltas)), values.__getitem__


class _BlockValues:
    """The encoded values of a block's pickled data, each decoded when asked for.

    Unpickling a whole block (a bytes object per posting, each a call to ``_codecs.encode``)
    costs several times more than finding the few values a ranking needs. After the ids and
    weights, every value but the first starts with the same three bytes, a BINGET of
    ``_codecs.encode`` (``h`` and its memo index) and the BINUNICODE opcode (``X``), which
    the positions data inside a value cannot contain; the value's text follows its 4-byte
    length, and pickle memoizes it next (BINPUT or LONG_BINPUT). :meth:`read` accepts a block
    only when it splits into one piece per value; :meth:`value` checks the layout of the
    piece it reads, and unpickles the whole block when it differs.
    """

    def __init__(self, ids: list[int], raw: bytes, pieces: list[bytes]) -> None:
        self.ids = ids
        self._raw = raw
        self._pieces = pieces
        self._values: Sequence[bytes] | None = None

    @classmethod
    def read(cls, raw: bytes) -> _BlockValues | None:
        """The values of a block's decompressed data, or None when it is laid out otherwise."""
        cut = raw.find(_VALUES_START)
        first = cut + len(_VALUES_START) + 2  # after the BINPUT of _codecs.encode
        if cut < 0 or first >= len(raw) or raw[first - 2] != _BINPUT or raw[first] != _BINUNICODE:
            return None
        try:
            deltas, _ = pickle.loads(raw[:cut] + _TUPLE2_STOP)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return None
        if not isinstance(deltas, tuple) or len(deltas) < 4:
            return None
        # The first piece keeps its BINUNICODE opcode; the others start at the text's length.
        pieces = raw[first:].split(bytes((_BINGET, raw[first - 1], _BINUNICODE)))
        if len(pieces) != len(deltas):
            return None
        return cls(list(itertools.accumulate(deltas)), raw, pieces)

    def value(self, j: int) -> bytes:
        """The encoded value of the ``j``-th posting."""
        if self._values is None:
            piece = self._pieces[j]
            start = 5 if j == 0 else 4
            end = start + int.from_bytes(piece[start - 4 : start], "little")
            if end < len(piece) and piece[end] in (_BINPUT, _LONG_BINPUT):
                return piece[start:end].decode("utf-8").encode("latin-1")
            self._values = pickle.loads(self._raw)[2]  # not the expected layout after all
        return self._values[j]


def _seek(m: Any, target: int) -> bool:
    """Move a posting matcher to the first document at or after ``target``; False at the end."""
    if type(m) is not W3LeafMatcher:
        if m.is_active() and m.id() < target:
            m.skip_to(target)
        return bool(m.is_active())
    # Whoosh 2.7's block reader steps through a block one posting at a time: bisect instead.
    if not m.is_active():
        return False
    if target > m._maxid:
        m._skip_to_block(lambda: target > m._maxid)
        if not m.is_active():
            return False
    if m._ids is None:
        m._read_ids()
    m._i = bisect.bisect_left(m._ids, target, m._i)
    return True


# A W3 segment keeps each document's field length as one byte (whoosh.util.numeric's
# length_to_byte) in the column "_<field>_len"; 0 reads back as None.
_BYTE_LENGTHS = np.array([np.nan, *(byte_to_length(b) for b in range(1, 256))], dtype=np.float64)


def segment_lengths(leaf: Any, fieldname: str) -> np.ndarray:
    """One segment's field lengths, read from its length column in one piece.

    Falls back to ``doc_field_length`` per document for a reader of another layout.
    """
    n = leaf.doc_count_all()
    try:
        column = leaf._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        if column is None:  # no document has the field: Whoosh's default
            return np.ones(n, dtype=np.float64)
        if column._fixedlen != 1:
            raise TypeError(column._fixedlen)
        raw = np.frombuffer(bytes(column._dbfile.get(column._basepos, column._count)), dtype=np.uint8)
    except (AttributeError, TypeError):
        dfl = leaf.doc_field_length
        return np.fromiter((dfl(d, fieldname, 1) for d in range(n)), dtype=np.float64, count=n)
    codes = np.zeros(n, dtype=np.uint8)  # documents past the column's end have no length byte
    codes[: len(raw)] = raw[:n]
    return _BYTE_LENGTHS[codes]


def _read_postings(m: Any) -> tuple[np.ndarray, np.ndarray, Blocks | None]:
    """All document numbers and weights of a posting list, and where its blocks are when it
    was read block by block."""
    if type(m) is W3LeafMatcher and not m._byteids:
        found = _read_blocks(m)
        if found is not None:
            return found
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), None


# Whoosh 2.7 writes each block of postings as a header (a pickled info tuple) and the
# pickled, usually zlib-compressed, tuple ``(id deltas, weights, values)``. Whoosh's own writer
# pickles with protocol 2, where the values (positions) are bytes written as calls to
# ``_codecs.encode``: unpickling them is most of the cost of reading a block. The values of a
# block of more than three postings start with this (a MARK and the first such call), which
# the ids (integers) and weights (floats) cannot contain; the ids and weights are unpickled
# from the bytes before it. Blocks of searchkit's segment writer (protocol 3, bytes pickled
# as such) unpickle quickly whole.
_VALUES_START = b"(c_codecs\nencode\n"
_TUPLE2_STOP = b"\x86."
_BINPUT, _LONG_BINPUT, _BINGET, _BINUNICODE = b"qrhX"
_PROTOCOL_2 = b"\x80\x02"


def _read_blocks(m: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray, Blocks] | None:
    """Document numbers and weights of a W3 posting list, read block by block from its file
    (None if they disagree with the blocks' headers; the matcher ``m`` is left unmoved)."""
    return _blocks_at(m._postfile, m._baseoffset)  # the first block, after the header tag the matcher checked


def _blocks_at(postfile: Any, pos: int) -> tuple[np.ndarray, np.ndarray, Blocks] | None:
    """:func:`_read_blocks` of the posting list whose first block starts at ``pos``."""
    deltas: list[Sequence[int]] = []
    weights: list[Iterable[float]] = []
    sizes: list[int] = []
    last_ids: list[int] = []
    extents: list[tuple[int, int, int]] = []
    while True:
        length = postfile.get_int(pos)
        size = abs(length)
        block = postfile.get(pos + _INT_SIZE, size)
        stream = io.BytesIO(block)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        info_size = stream.tell()
        ids, block_weights = _block_ids_weights(block[info_size:], compression, count)
        deltas.append(ids)
        weights.append(block_weights)
        sizes.append(count)
        last_ids.append(last_id)
        extents.append((pos + _INT_SIZE + info_size, size - info_size, compression))
        if length < 0:  # the last block
            break
        pos += _INT_SIZE + size
    total = sum(sizes)
    gaps = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=total)
    # Each block's first delta is its first document number: make it relative to the block before.
    starts = np.cumsum(sizes)
    gaps[starts[:-1]] -= np.asarray(last_ids[:-1], dtype=np.int64)
    docnums = np.cumsum(gaps)
    ends = np.asarray(last_ids, dtype=np.int64)
    if not np.array_equal(docnums[starts - 1], ends):
        return None
    weights_array = np.fromiter(itertools.chain.from_iterable(weights), dtype=np.float64, count=total)
    return docnums, weights_array, Blocks(postfile, ends, extents)


def _block_ids_weights(data: bytes, compression: int, count: int) -> tuple[tuple[int, ...], Iterable[float]]:
    """The id deltas and the weights of one block's data."""
    inflater = zlib.decompressobj() if compression else None
    # Enough for the ids and weights of most blocks (<= 5 bytes per id, 9 per weight).
    head = inflater.decompress(data, 14 * count + 64) if inflater is not None else data
    if head.startswith(_PROTOCOL_2) and count > 3:
        cut = head.find(_VALUES_START)
        if cut < 0 and inflater is not None and inflater.unconsumed_tail:
            head += inflater.decompress(inflater.unconsumed_tail)
            cut = head.find(_VALUES_START)
        if cut > 0:
            try:
                ids, weights = pickle.loads(head[:cut] + _TUPLE2_STOP)
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
                pass
            else:
                if _block_shape(ids, weights, count):
                    return ids, _weights(weights, count)
    # Any other layout (small blocks, later pickle protocols, values without positions): the whole tuple.
    if inflater is not None and (inflater.unconsumed_tail or not inflater.eof):
        head += inflater.decompress(inflater.unconsumed_tail) + inflater.flush()
    ids, weights, _ = pickle.loads(head)
    return ids, _weights(weights, count)


def _weights(stored: Any, count: int) -> Iterable[float]:
    """Whoosh stores a block whose weights are all equal as one number (None for 1.0)."""
    if isinstance(stored, tuple):
        return stored
    return itertools.repeat(1.0 if stored is None else float(stored), count)


def _block_shape(ids: Any, weights: Any, count: int) -> bool:
    """True when ``(ids, weights)`` look like a block of ``count`` postings."""
    if not isinstance(ids, tuple) or len(ids) != count:
        return False
    return weights is None or isinstance(weights, float) or (isinstance(weights, tuple) and len(weights) == count)
