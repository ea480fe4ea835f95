"""The files of an index folder: which ones are searchkit's, the manifest, and checksums.

An index folder holds, for the index name ``MAIN``:

* ``searchkit.json`` — the manifest: index format, analyzer and searchkit versions,
  timestamps, and the size and CRC-32 of every file of the latest commit;
* ``_MAIN_<generation>.toc`` — Whoosh's table of contents of a commit;
* ``MAIN_<segment id>.<ext>`` — segment files (the id is Whoosh's 16 random lowercase letters
  and digits), never changed once written;
* ``MAIN_WRITELOCK`` — the writer's lock file, and ``MAIN.tmp/``, the writer's scratch folder;
* ``.staging/`` — segments being written by an indexing run.

Only files of these exact shapes are ever deleted by searchkit (:func:`remove_index_files`);
anything else a user keeps in the folder is left alone. :func:`verify` compares the files
of the latest commit with the checksums the manifest recorded when it was made, so a
truncated, missing or bit-flipped file is reported by name instead of giving wrong results.

The record holds, for each file, its size and CRC-32 (``files``) and its modification time in
nanoseconds (``mtimes``), and the clock time it was taken at (``stamped``). Reading every byte of a big index at each open
costs about 25 ms per 100 MB, so the usual check (``"quick"``) reads only what may have
changed: a file whose size differs is damaged; a file under :data:`SMALL_FILE` bytes (the
TOC), a file whose modification time is not the recorded one, and a file whose recorded time
was too close to the moment of the record to tell a later write apart (the clock that stamps
files ticks coarsely; git's "racily clean" files) are read and their CRC-32 compared (a commit
waits out that margin, at most 50 ms, before it records big files). A
changed byte written through the file system therefore changes the time and is caught; what
the quick check misses is damage that keeps size and time (a failing disk, a tool that sets
times back), which the ``"full"`` check, reading everything, catches.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import time
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from searchkit._whoosh.files import segment_pattern, toc_filename, toc_pattern
from searchkit.errors import IndexCorruptError, IndexVersionError, SearchKitError

__all__ = [
    "MANIFEST",
    "SMALL_FILE",
    "STAGING",
    "Verify",
    "checksums",
    "clean_unused",
    "foreign_entries",
    "is_ours",
    "latest_generation",
    "os_error",
    "read_from_files",
    "read_manifest",
    "remove_index_files",
    "verify",
    "write_manifest",
]

MANIFEST = "searchkit.json"
#: Folder, inside the index folder, where workers write segments before they are committed.
#: Whoosh's clean-up of unused files ignores names starting with a dot, so a commit made while
#: workers are still writing cannot delete their files.
STAGING = ".staging"
_CHUNK = 1 << 20  # bytes read at a time for a checksum
#: Files up to this size are read and checksummed by every check, whatever their times say.
SMALL_FILE = 1 << 20
# A file modified less than this long before its record was taken may be modified again
# without its time changing (file times come from a clock that ticks every 1-10 ms); its time
# proves nothing and its content is read. On file systems that keep whole seconds (FAT keeps
# even ones) the margin is _RACY_COARSE_NS.
_RACY_NS = 50_000_000
_RACY_COARSE_NS = 2_000_000_000

#: How :func:`verify` checks files: "sizes" only, "quick" (see the module docs) or "full".
Verify = Literal["sizes", "quick", "full"]


def _patterns(indexname: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return toc_pattern(indexname), segment_pattern(indexname)


def is_ours(name: str, indexname: str) -> bool:
    """Whether a file name in an index folder is one searchkit (or Whoosh for it) writes.

    >>> [is_ours(n, "MAIN") for n in ("_MAIN_3.toc", "MAIN_0123456789abcdef.seg", "notes.seg", "MAIN_README.md")]
    [True, True, False, False]
    """
    toc, segment = _patterns(indexname)
    return (
        name in (MANIFEST, MANIFEST + ".tmp", f"{indexname}_WRITELOCK", f"{indexname}.tmp", STAGING)
        or toc.fullmatch(name) is not None
        or segment.fullmatch(name) is not None
    )


def latest_generation(folder: Path, indexname: str) -> int:
    """The generation of the newest table of contents in ``folder``, or -1 when there is none."""
    toc, _ = _patterns(indexname)
    try:
        names = os.listdir(folder)
    except OSError:
        return -1
    return max((int(n[len(indexname) + 2 : -4]) for n in names if toc.fullmatch(n)), default=-1)


def foreign_entries(folder: Path, indexname: str) -> list[str]:
    """Names in ``folder`` that searchkit did not write (hidden names aside), sorted."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if not n.startswith(".") and not is_ours(n, indexname))


def clean_unused(folder: Path, indexname: str, generation: int, segment_names: set[str]) -> None:
    """After commit ``generation``: remove older tables of contents and segment files no
    longer named by it (what Whoosh's ``clean_files`` does, but only for names of the exact
    shapes searchkit writes, so a user's ``MAIN_notes.txt`` survives). A file still open
    elsewhere that cannot be removed is left for a later commit."""
    toc, segment = _patterns(indexname)
    current = toc_filename(indexname, generation)
    for name in os.listdir(folder):
        if toc.fullmatch(name):
            unused = name != current
        elif segment.fullmatch(name):
            unused = name.split(".", 1)[0] not in segment_names
        else:
            continue
        if unused:
            with contextlib.suppress(OSError):
                os.remove(folder / name)


def remove_index_files(folder: Path, indexname: str) -> None:
    """Remove searchkit's files from ``folder`` (see :func:`is_ours`), except the write lock,
    which the caller holds. Anything else in the folder is kept."""
    for name in os.listdir(folder):
        if name == f"{indexname}_WRITELOCK" or not is_ours(name, indexname):
            continue
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the index in ``folder``.

    Raises:
        IndexVersionError: The manifest cannot be read or is not a JSON object.
    """
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexVersionError(f"index manifest {path} is unreadable ({e})") from e
    if not isinstance(data, dict):
        raise IndexVersionError(f"index manifest {path} is not a JSON object")
    return data


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Replace the manifest atomically (write a temporary file, then rename it)."""
    tmp = folder / (MANIFEST + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def checksums(folder: Path, indexname: str, generation: int, known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Sizes, CRC-32s and modification times of the files of commit ``generation`` (its TOC
    and every segment file now in the folder), for the manifest.

    Segment files never change once written, so a file listed in ``known`` (the previous
    record) with the same size and time keeps its checksum instead of being read again. The
    record is taken once the newest big file's time is safely in the past (see :func:`_settle`).
    """
    known_files: Mapping[str, Any] = (known or {}).get("files", {})
    known_times: Mapping[str, Any] = (known or {}).get("mtimes", {})
    toc, segment = _patterns(indexname)
    names = [n for n in sorted(os.listdir(folder)) if n == toc_filename(indexname, generation) or segment.fullmatch(n)]
    _settle(folder, names)
    files: dict[str, list[int]] = {}
    mtimes: dict[str, int] = {}
    stamped = time.time_ns()  # before any stat: every time read below is at most this late
    for name in names:
        path = folder / name
        st = path.stat()
        old = known_files.get(name)
        if old is not None and old[0] == st.st_size and known_times.get(name) == st.st_mtime_ns and not toc.fullmatch(name):
            files[name] = [st.st_size, old[1]]
        else:
            files[name] = [st.st_size, _crc(path)]
        mtimes[name] = st.st_mtime_ns
    # The times are kept apart from "files", whose [size, crc] pairs earlier releases read.
    return {"generation": generation, "files": files, "mtimes": mtimes, "stamped": stamped}


def _settle(folder: Path, names: list[str]) -> None:
    """Wait until the newest of the big files ``names`` was modified more than the margin ago.

    A file modified within :data:`_RACY_NS` of its record proves nothing by its time, and
    every open would read it (the segments a commit has just written, often most of a small
    index: ~12 ms at each open of 8,000 articles). Waiting the rest of the margin, at most
    50 ms, once per commit, spares that. Small files are read at every open anyway, and times
    of a coarse clock would need seconds: neither is waited for.
    """
    newest = 0
    for name in names:
        with contextlib.suppress(OSError):  # (a missing file is the check's to report)
            st = (folder / name).stat()
            if st.st_size > SMALL_FILE and st.st_mtime_ns % 1_000_000_000:
                newest = max(newest, st.st_mtime_ns)
    wait = newest + _RACY_NS + 1_000_000 - time.time_ns()
    if 0 < wait <= _RACY_NS + 1_000_000:  # (a time in the future, from another clock: not waited for)
        time.sleep(wait / 1e9)


def verify(folder: Path, record: Mapping[str, Any] | None, generation: int, *, check: Verify = "quick") -> None:
    """Check the files of commit ``generation`` against the manifest's ``record``.

    Does nothing when the record is absent or was made for another commit (an index from
    before checksums, or a crash between a commit and its manifest). Sizes are always
    compared; ``check`` says which files are also read and their CRC-32 compared: none
    ("sizes"), those that may have changed ("quick", see the module docs), or all ("full").

    Raises:
        IndexCorruptError: A file is missing, has another size or another checksum; the
            message names it.
    """
    if not record or record.get("generation") != generation:
        return
    rebuild = f"rebuild it with: searchkit index SRC --index {folder} --rebuild"
    stamped = record.get("stamped")
    mtimes: Mapping[str, Any] = record.get("mtimes", {})
    for name, (size, crc) in record.get("files", {}).items():
        path = folder / name
        try:
            st = path.stat()
            if st.st_size != size:
                raise IndexCorruptError(f"index file {path} is damaged ({st.st_size:,} bytes, {size:,} expected): {rebuild}")
            read = check == "full" or (check == "quick" and not _unchanged(st, mtimes.get(name), stamped))
            if read and _crc(path) != crc:
                raise IndexCorruptError(f"index file {path} is damaged (checksum mismatch): {rebuild}")
        except FileNotFoundError:
            raise IndexCorruptError(f"index file {path} is missing: {rebuild}") from None
        except OSError as e:
            raise IndexCorruptError(f"index file {path} cannot be read ({e.strerror or e}): {rebuild}") from e


def _unchanged(st: os.stat_result, mtime: object, stamped: object) -> bool:
    """Whether a file (of the recorded size) is known unchanged without reading it: it is big,
    it has the recorded modification time, and that time was safely before the record."""
    if st.st_size <= SMALL_FILE or not isinstance(mtime, int) or st.st_mtime_ns != mtime or not isinstance(stamped, int):
        return False
    margin = _RACY_COARSE_NS if mtime % 1_000_000_000 == 0 else _RACY_NS
    return mtime < stamped - margin


def os_error(error: OSError, folder: Path) -> SearchKitError:
    """A one-line :class:`SearchKitError` for an operating-system error met while writing the
    index in ``folder``; a full disk and a read-only folder are named as such."""
    if error.errno == errno.ENOSPC:
        return SearchKitError(
            f"disk full while writing the index at {folder}: every earlier commit is kept; free some space and run again"
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return SearchKitError(f"index at {folder} is read-only ({error.strerror}): nothing was changed")
    where = f": {error.filename}" if error.filename else ""
    return SearchKitError(f"cannot write the index at {folder}: {error.strerror or error}{where}")


#: Where reading the index's files happens: Whoosh, and searchkit's door to its internals.
_FILE_READERS = (os.sep + "whoosh" + os.sep, os.sep + "_whoosh" + os.sep)


def read_from_files(error: BaseException) -> bool:
    """True when ``error`` was raised while reading index files (its innermost Python frame is
    in Whoosh or :mod:`searchkit._whoosh`): damage, whatever its type (Whoosh raises anything
    from EOFError, struct.error, pickle and zlib errors to a bare Exception, "Block tag
    error"). Raised anywhere else it is a bug, shown as itself, not as a damaged index to
    rebuild."""
    tb = error.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    return any(part in tb.tb_frame.f_code.co_filename for part in _FILE_READERS)
