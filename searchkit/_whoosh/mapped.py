"""Reading an index's segment files in place, through a memory map, instead of copying them.

Whoosh 2.7.4 maps a compound segment file into memory, then opens each file inside it (terms,
postings, columns, lengths) as a ``BufferFile`` whose ``BytesIO`` *copies* that part of the
map. Opening a reader therefore copies nearly the whole index into the process's own memory,
once per reader: the process that adds articles (which holds a searcher for its id lookups
while a commit's writer opens another) grew by about 0.5 GB per 50,000 articles indexed.

:class:`MappedStorage` is a ``FileStorage`` that hands Whoosh's ``CompoundStorage`` a file able
to cut *subsets* of itself (the path Whoosh takes when the storage does not map files itself):
each subset is a view of one shared map of the file, read without a copy. Memory then holds
only the pages a search or a lookup touches, which the operating system can drop and read
again, whatever the size of the index. The bytes read are the same, so results are identical.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile

__all__ = ["MappedStorage", "create_index", "open_index"]

#: Bytes :meth:`_ViewReader.peek` offers at a time: the unpickler reads a pickle from what it
#: peeked (one call instead of one per opcode) and asks again when that is not enough.
_PEEK = 1024


def open_index(folder: str, indexname: str) -> Any:
    """Whoosh's ``open_dir(folder, indexname)``, reading through a :class:`MappedStorage`."""
    return MappedStorage(folder).open_index(indexname)


def create_index(folder: str, schema: Any, indexname: str) -> Any:
    """Whoosh's ``create_in(folder, schema, indexname)``, reading through a :class:`MappedStorage`."""
    return MappedStorage(folder).create_index(schema, indexname)


class MappedStorage(FileStorage):
    """A Whoosh ``FileStorage`` whose compound segment files are read in place (see the module docs).

    >>> import tempfile
    >>> MappedStorage(tempfile.mkdtemp()).supports_mmap  # Whoosh's copying map is not used
    False
    """

    def __init__(self, path: str, readonly: bool = False) -> None:
        super().__init__(path, supports_mmap=False, readonly=readonly)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        """The file ``name`` opened for reading; its subsets are views of a map of it."""
        return _MappedFile(open(self._fpath(name), "rb"), name=name, **kwargs)


class _MappedFile(StructFile):
    """A file whose :meth:`subset` is a view of one read-only map of the file, made on first use."""

    file: Any  # set by StructFile
    is_real: bool

    def __init__(self, fileobj: Any, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(fileobj, name=name, onclose=onclose)
        self._map: mmap.mmap | None = None

    def subset(self, offset: int, length: int, name: str | None = None) -> StructFile:
        if self._map is None:
            try:
                self._map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):  # cannot be mapped (an empty file): read it as Whoosh does
                return super().subset(offset, length, name=name)
            # Read the rest through the map too, and close the descriptor (as Whoosh does once
            # it has mapped a file): an open index then holds no descriptor per segment.
            opened, self.file, self.is_real = self.file, _ViewReader(memoryview(self._map)), False
            opened.close()
        return _View(memoryview(self._map)[offset : offset + length], name or self._name)

    def close(self) -> None:
        super().close()
        if self._map is not None:
            with contextlib.suppress(BufferError):  # views are still open: the map goes when the last one does
                self._map.close()
            self._map = None


class _View(BufferFile):
    """Whoosh's ``BufferFile`` over a view of a map, read without copying the view."""

    def __init__(self, view: memoryview, name: str | None) -> None:
        super().__init__(b"", name=name)
        self._buf = view
        self.file = _ViewReader(view)


class _ViewReader:
    """A read-only binary file over a memoryview (what ``BytesIO`` would be, without its copy)."""

    __slots__ = ("_pos", "_view")

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        if end <= start:
            return b""
        self._pos = end
        return self._view[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        return self._view[self._pos : self._pos + min(max(size, 1), _PEEK)].tobytes()

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start = at = self._pos
        while at < end:
            chunk = self._view[at : min(at + _PEEK, end)].tobytes()
            newline = chunk.find(b"\n")
            if newline >= 0:
                return self.read(at + newline + 1 - start)
            at += len(chunk)
        return self.read(end - start)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")
        self._pos = 0
