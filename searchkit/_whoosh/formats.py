"""searchkit's posting formats: what one posting of a text view holds, in as few bytes as it can.

Whoosh's ``Positions`` format stores a posting's positions as a 4-byte count and a pickled
list of deltas (13 bytes for a term that occurs once) and ``Frequency`` stores a 4-byte count
beside a weight that already is the count. The views of :mod:`searchkit.index.schema` use:

* :class:`PackedPositions` for the syllable and folded views, which phrases need: the
  deltas between positions as variable-length integers (7 bits a byte), nothing else; a term
  that occurs once in an article at a position below 128 costs one byte;
* :class:`Counts` for the word view, which only ever scores single terms: no value at all,
  the posting's weight is its frequency (the count of the term in the field).

Both are Whoosh ``Format`` classes (the posting values Whoosh's matchers hand to
``value_as``), pickled into the index's schema: keep them at this path.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh.formats import Format, tokens

__all__ = ["Counts", "PackedPositions", "pack_positions", "positions_arrays", "unpack_positions", "unpack_positions_many"]

#: One variable-length integer per delta below this, from a table (two bytes at most).
_TABLE_SIZE = 1 << 14


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


@functools.cache
def _varints() -> list[bytes]:
    """The table (made when positions are first packed: reading an index never needs it)."""
    return [_varint(n) for n in range(_TABLE_SIZE)]


@functools.lru_cache(maxsize=100_000)
def _one(position: int) -> bytes:
    return _varints()[position] if position < _TABLE_SIZE else _varint(position)


def pack_positions(positions: Sequence[int]) -> bytes:
    """The value of a posting at these sorted positions: their deltas as variable-length integers.

    >>> pack_positions([5]), pack_positions([5, 7, 300])
    (b'\\x05', b'\\x05\\x02\\xa5\\x02')
    """
    if len(positions) == 1:  # most terms occur once in an article
        return _one(positions[0])
    table, last, parts = _varints(), 0, []
    for p in positions:
        d = p - last
        parts.append(table[d] if d < _TABLE_SIZE else _varint(d))
        last = p
    return b"".join(parts)


def unpack_positions(value: bytes) -> list[int]:
    """The positions :func:`pack_positions` packed.

    >>> unpack_positions(b'\\x05\\x02\\xa5\\x02')
    [5, 7, 300]
    """
    if value.isascii():  # every delta below 128: one byte each
        return list(accumulate(value))
    if len(value) == 2:  # one position from 128 to 16383 (the last byte of a delta is below 128)
        return [(value[0] & 0x7F) | (value[1] << 7)]
    positions: list[int] = []
    position = 0
    rest = iter(value)
    for byte in rest:
        if byte & 0x80:  # a delta of several bytes, 7 bits each, lowest first
            delta, shift = byte & 0x7F, 7
            for byte in rest:
                delta |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
                shift += 7
            byte = delta
        position += byte
        positions.append(position)
    return positions


def unpack_positions_many(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of many packed values at once: for each position, the index of its value
    in ``values``, and the position (both int64 arrays, in the order of ``values``).

    The deltas are decoded together: a byte below 128 ends a delta, the bytes before it in the
    same delta carry its lower 7-bit groups (see :func:`pack_positions`); positions are the
    sums of the deltas, restarted at each value.

    >>> owner, positions = unpack_positions_many([b'\\x05\\x02', b'\\x01', b'\\x05\\x02\\xa5\\x02'])
    >>> owner.tolist(), positions.tolist()
    ([0, 0, 1, 2, 2, 2], [5, 7, 1, 5, 7, 300])
    """
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    data = np.frombuffer(b"".join(values), dtype=np.uint8)
    byte_owner = np.repeat(np.arange(len(values), dtype=np.int64), lengths)
    last = np.flatnonzero(data < 0x80)  # the last byte of each delta
    if len(last) == len(data):  # every delta one byte (the usual case)
        deltas, owner = data.astype(np.int64), byte_owner
    else:
        first = np.concatenate((np.zeros(1, dtype=np.int64), last[:-1] + 1))
        delta_of_byte = np.repeat(np.arange(len(last), dtype=np.int64), last - first + 1)
        shift = 7 * (np.arange(len(data), dtype=np.int64) - first[delta_of_byte])
        deltas = np.add.reduceat((data & 0x7F).astype(np.int64) << shift, first) if len(first) else np.zeros(0, dtype=np.int64)
        owner = byte_owner[last]
    total = np.cumsum(deltas)
    counts = np.bincount(owner, minlength=len(values))
    before = np.concatenate((np.zeros(1, dtype=np.int64), total))[np.cumsum(counts) - counts]
    return owner, total - before[owner]


def positions_arrays(decoded: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of positions as :func:`unpack_positions_many` gives them: owner and position arrays."""
    counts = np.fromiter(map(len, decoded), dtype=np.int64, count=len(decoded))
    positions = np.fromiter((p for found in decoded for p in found), dtype=np.int64, count=int(counts.sum()))
    return np.repeat(np.arange(len(decoded), dtype=np.int64), counts), positions


def _count(value: bytes) -> int:
    """The number of positions in a packed value (bytes without the continuation bit)."""
    return len(value) - sum(b >> 7 for b in value) if not value.isascii() else len(value)


class PackedPositions(Format):
    """Positions for phrase searching, packed as variable-length deltas (see the module docs).

    Supports: frequency, weight, positions, position_boosts (always 1.0), as Whoosh's
    ``Positions`` does. The weight of a posting is its frequency times the field boost.

    >>> fmt = PackedPositions()
    >>> fmt.decode_positions(fmt.encode([3, 9])), fmt.decode_frequency(fmt.encode([3, 9]))
    ([3, 9], 2)
    """

    def __init__(self, field_boost: float = 1.0, **options: Any) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        """``(term, frequency, weight, packed positions)`` of each term of ``value``."""
        positions: defaultdict[str, list[int]] = defaultdict(list)
        weights: defaultdict[str, float] = defaultdict(float)
        kwargs["positions"] = True
        kwargs["boosts"] = True
        for t in tokens(value, analyzer, kwargs):
            positions[t.text].append(t.pos)
            weights[t.text] += t.boost
        for term, found in positions.items():
            yield term, len(found), weights[term] * self.field_boost, pack_positions(found)

    def encode(self, positions: Sequence[int]) -> bytes:
        """The value of a posting at these sorted positions."""
        return pack_positions(positions)

    def decode_positions(self, value: bytes) -> list[int]:
        return unpack_positions(value)

    def decode_frequency(self, value: bytes) -> int:
        return _count(value)

    def decode_weight(self, value: bytes) -> float:
        return _count(value) * self.field_boost

    def decode_position_boosts(self, value: bytes) -> list[tuple[int, float]]:
        return [(p, 1.0) for p in unpack_positions(value)]

    def combine(self, values: Iterable[bytes]) -> bytes:
        return pack_positions(sorted({p for v in values for p in unpack_positions(v)}))


class Counts(Format):
    """Term frequencies only, as the postings' weights (frequency times the field boost): a
    posting has no value. For fields that score single terms and never run phrases.

    >>> Counts().fixed_value_size()
    0
    """

    posting_size = 0

    def __init__(self, field_boost: float = 1.0, **options: Any) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        """``(term, frequency, weight, b"")`` of each term of ``value``."""
        freqs: defaultdict[str, int] = defaultdict(int)
        weights: defaultdict[str, float] = defaultdict(float)
        kwargs["boosts"] = True
        for t in tokens(value, analyzer, kwargs):
            freqs[t.text] += 1
            weights[t.text] += t.boost
        for term, freq in freqs.items():
            yield term, freq, weights[term] * self.field_boost, b""

    def encode(self, value: Any) -> bytes:
        return b""

    def combine(self, values: Iterable[bytes]) -> bytes:
        return b""
