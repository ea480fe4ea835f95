"""Finding and opening input files safely, and :class:`Rejected`, the record of one that failed.

Whatever a path names, the readers (:mod:`searchkit.documents`) and the progress pre-count
(:func:`~searchkit.documents.count_inputs`) go through here, so that every input costs bounded time and memory:

* folders are walked one level at a time without recursion (:func:`iter_files`), so any depth
  works; a path too long to open is a :class:`Rejected`, not an ``OSError``;
* only regular files are opened (:func:`open_input`): FIFOs, sockets and devices, also behind
  symbolic links, are rejected by ``os.stat`` before opening and ``os.fstat`` after, and the
  open never blocks;
* a name whose bytes are not UTF-8 cannot become an id or a line of a report: such files and
  folders are rejected, their names shown with ``\\xNN`` escapes (:func:`shown`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from searchkit.errors import DocumentError

__all__ = ["Rejected", "is_utf8", "iter_files", "open_input", "shown"]

_SURROGATE = re.compile("[\\ud800-\\udfff]")


@dataclass(frozen=True)
class Rejected:
    """An input that did not become an article, or a file that was skipped.

    Attributes:
        source: The file or folder it concerns, its path as :func:`shown` prints it.
        line: The 1-based line in ``source`` (JSONL), or None for a whole file.
        reason: One line saying why, e.g. "invalid JSON: Expecting ',' delimiter at column
            17", "missing id", "empty file", "binary file (not text)". Skipped files have a
            reason starting with "skipped:" ("skipped: unsupported extension .pdf").
    """

    source: str
    line: int | None
    reason: str

    @property
    def skipped(self) -> bool:
        """True for a file deliberately not read (unsupported type), False for a failure."""
        return self.reason.startswith("skipped:")

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.reason}"



def shown(path: str | os.PathLike[str]) -> str:
    """A path as text that can always be printed: bytes of a name that are not UTF-8 as ``\\xNN``.

    >>> shown(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    """
    text = os.fspath(path)
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def iter_files(path: str | os.PathLike[str]) -> Iterator[Path | Rejected]:
    """The files :func:`iter_path` opens for ``path``, in its order, and what it rejects unopened.

    A file is yielded as is, whatever its type (:func:`iter_path` checks it when opening
    it); a folder's entries are listed as :func:`iter_path` describes, one folder at a time,
    without recursion. Files deleted since their folder was listed are still yielded (reading
    them says so).

    >>> list(iter_files("/nonexistent"))
    [PosixPath('/nonexistent')]
    """
    root = Path(path)
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            yield root
            return
    except OSError:
        yield root
        return
    listing = _list_folder(root)
    if isinstance(listing, Rejected):
        yield listing
        return
    stack = [iter(listing)]  # one iterator of sorted entries per open folder: no recursion
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        problem = _entry_problem(entry)
        if problem == "folder":
            listing = _list_folder(path)
            if isinstance(listing, Rejected):
                yield listing
            else:
                stack.append(iter(listing))
        elif problem:
            yield Rejected(shown(path), None, problem)
        else:
            yield path


def _list_folder(folder: Path) -> list[os.DirEntry[str]] | Rejected:
    """The entries of ``folder`` to read, sorted by name, hidden ones left out."""
    try:
        with os.scandir(folder) as scan:
            return sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    except FileNotFoundError:
        return Rejected(shown(folder), None, "folder disappeared while reading")
    except OSError as e:
        return Rejected(shown(folder), None, f"cannot list folder: {e.strerror or e}")


def _entry_problem(entry: os.DirEntry[str]) -> str | None:
    """"folder" for a folder to walk into, a reason to reject the entry, or None to read it."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return "folder" if is_utf8(entry.name) else "folder name is not valid UTF-8 (not read)"
        if entry.is_symlink() and entry.is_dir():
            return "skipped: symbolic link to a folder"
        if not is_utf8(entry.name):
            return "file name is not valid UTF-8"
        if not stat.S_ISREG(entry.stat().st_mode):  # follows symbolic links
            return f"skipped: not a regular file ({_file_type(entry.stat().st_mode)})"
    except FileNotFoundError:
        return "broken symbolic link" if _is_link(entry) else None  # None: gone since the listing
    except OSError as e:
        return f"cannot read: {e.strerror or e}"
    return None


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def is_utf8(name: str) -> bool:
    """True unless ``name`` (as ``os`` decodes it) holds bytes that are not UTF-8."""
    return name.isascii() or _SURROGATE.search(name) is None


def _file_type(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open a regular file for reading, never blocking on or reading a FIFO, socket or device.

    The target (after symbolic links) is checked with ``os.stat`` before opening, and the
    opened file again with ``os.fstat`` (it may have been replaced in between); the open
    itself does not block (``O_NONBLOCK``).

    Raises:
        DocumentError: "not a regular file (a FIFO)", "file disappeared while reading" or
            "cannot read file: ..." (the message names the problem).

    >>> open_input("/dev/null")
    Traceback (most recent call last):
    ...
    searchkit.errors.DocumentError: not a regular file (a character device)
    """
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise DocumentError(f"not a regular file ({_file_type(mode)})")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise DocumentError("file disappeared while reading") from None
    except OSError as e:
        raise DocumentError(f"cannot read file: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DocumentError(f"not a regular file ({_file_type(mode)})")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
