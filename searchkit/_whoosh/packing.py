"""Encoding many postings at once with numpy, for :mod:`searchkit._whoosh.segments`: position
lists packed as Whoosh's :class:`~searchkit._whoosh.formats.PackedPositions` keeps them, the
pickles of tuples of them as Whoosh's posting blocks hold them, and field length bytes.

Each gives exactly the bytes of the per-item Python it replaces (``pack_positions``,
``pickle.dumps``, ``length_to_byte``): ``tests/test_segments.py`` checks them against it.
"""

from __future__ import annotations

import pickle
from typing import NamedTuple

import numpy as np
from whoosh.util.numeric import _length_byte_cache

__all__ = ["PackedLists", "length_bytes", "pack_position_buffer", "pack_position_lists", "pickle_tuples"]


def pack_position_lists(counts: np.ndarray, positions: np.ndarray) -> list[bytes]:
    """:func:`~searchkit._whoosh.formats.pack_positions` of many position lists at once, with numpy.

    Each list becomes the deltas between its positions (the first one from 0) as
    variable-length integers, 7 bits a byte, low bits first, the high bit set on every byte
    but an integer's last.

    Args:
        counts: The length of each list (each >= 1).
        positions: The lists, one after the other (ascending within each list, < 2**32), as a
            ``uint32`` array (what segment building gives; wider integers are refused).

    Returns:
        The packed lists, in order (the same bytes as ``pack_positions`` gives).
    """
    return pack_position_buffer(counts, positions).lists()


class PackedLists(NamedTuple):
    """Packed position lists, one after the other in one buffer: list ``i`` is
    ``raw[starts[i]:ends[i]]``."""

    raw: np.ndarray  # uint8
    starts: np.ndarray
    ends: np.ndarray

    def lists(self, which: np.ndarray | None = None) -> list[bytes]:
        """The lists (those at the indices ``which``, or all) as byte strings."""
        raw = self.raw.tobytes()
        starts, ends = (self.starts, self.ends) if which is None else (self.starts[which], self.ends[which])
        return list(map(raw.__getitem__, map(slice, starts.tolist(), ends.tolist())))


def pack_position_buffer(counts: np.ndarray, positions: np.ndarray) -> PackedLists:
    """:func:`pack_position_lists` into one buffer."""
    if not len(counts):
        return PackedLists(np.empty(0, dtype=np.uint8), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    ends = np.cumsum(counts, dtype=np.int64)
    first = ends - counts  # index of each list's first position
    deltas = positions.astype(np.uint32)  # a copy
    deltas[1:] -= positions[:-1]
    deltas[first] = positions[first]
    top = int(deltas.max())
    if top < 0x80:  # one byte a delta
        return PackedLists(deltas.astype(np.uint8), first, ends)
    size = np.ones(len(deltas), dtype=np.uint8)  # bytes of each delta
    for bits in (7, 14, 21, 28):
        if top < (1 << bits):
            break
        size += deltas >= (1 << bits)
    stop = np.cumsum(size, dtype=np.int64)
    at = stop - size  # where each delta's bytes start
    buf = np.empty(int(stop[-1]), dtype=np.uint8)
    buf[at] = (deltas & 0x7F) | ((size > 1) << 7)
    for k in range(1, 5):
        more = np.flatnonzero(size > k)
        if not len(more):
            break
        buf[at[more] + k] = ((deltas[more] >> (7 * k)) & 0x7F) | ((size[more] > k + 1) << 7)
    return PackedLists(buf, at[first], stop[ends - 1])


def pickle_tuples(packed: PackedLists, starts: np.ndarray, ends: np.ndarray) -> tuple[bytes, list[int], list[int]]:
    """The pickles (protocol 3, no memo, no PROTO or STOP) of the tuples of the packed lists
    ``starts[i]:ends[i]`` (each run not empty), made with numpy: one buffer, and each tuple's
    start and end in it.

    A tuple of 4 or more items is MARK, the items, TUPLE; of 1 to 3, the items then TUPLE1 to
    TUPLE3; a list of n bytes is SHORT_BINBYTES n (n < 256) or BINBYTES and n in 4 bytes,
    little-endian, then its bytes.
    """
    n = ends - starts
    run_of = np.repeat(np.arange(len(n)), n)
    first = np.cumsum(n) - n  # each run's first item
    lists = np.arange(int(n.sum())) + np.repeat(starts - first, n)  # the lists of the runs, in order
    lengths = packed.ends[lists] - packed.starts[lists]
    short = lengths < 256
    heads = np.where(short, 2, 5)
    items = heads + lengths
    marks = (n >= 4).astype(np.int64)
    # an item follows the items before it, the MARKs of its run and those before, one closing byte a run before
    at = np.cumsum(items) - items + np.cumsum(marks)[run_of] + run_of
    run_starts = at[first] - marks
    last = first + n - 1
    run_ends = at[last] + items[last] + 1
    buf = np.empty(int(run_ends[-1]) if len(n) else 0, dtype=np.uint8)
    buf[run_starts[marks == 1]] = ord(pickle.MARK)
    buf[run_ends - 1] = np.where(n >= 4, ord(pickle.TUPLE), ord(pickle.TUPLE1) - 1 + n)
    buf[at] = np.where(short, ord(pickle.SHORT_BINBYTES), ord(pickle.BINBYTES))
    buf[at[short] + 1] = lengths[short]
    long_at, long_lengths = at[~short], lengths[~short]
    for k in range(4):
        buf[long_at + 1 + k] = (long_lengths >> (8 * k)) & 0xFF
    # each list's bytes, from packed.starts[list] to at + heads
    before = np.cumsum(lengths) - lengths
    span = np.arange(int(lengths.sum()))
    buf[span + np.repeat(at + heads - before, lengths)] = packed.raw[span + np.repeat(packed.starts[lists] - before, lengths)]
    return buf.tobytes(), run_starts.tolist(), run_ends.tolist()


#: ``length_to_byte``'s table: a length's byte is the first entry not under it (255 from the last).
_LENGTH_BYTES = np.array(_length_byte_cache[:255], dtype=np.int64)


def length_bytes(lengths: np.ndarray, starts: np.ndarray) -> tuple[list[int], list[int]]:
    """``length_to_byte`` of the smallest and largest nonzero length of each run of
    ``lengths`` (a run from each of ``starts`` to the next), 0 where a run has none."""
    known = np.where(lengths > 0, lengths, np.iinfo(np.int64).max)
    smallest = np.minimum.reduceat(known, starts)
    smallest[smallest == np.iinfo(np.int64).max] = 0
    largest = np.maximum.reduceat(lengths, starts)
    return np.searchsorted(_LENGTH_BYTES, smallest).tolist(), np.searchsorted(_LENGTH_BYTES, largest).tolist()
