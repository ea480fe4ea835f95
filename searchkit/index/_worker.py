"""The program an indexing worker process runs: ``python -P -m searchkit.index._worker PARENT FOLDER NAME LIMIT``.

:class:`searchkit.index.workers.Workers` starts it as a fresh interpreter, so the caller's
``__main__`` (a script, ``python -``, ``python -c``, a notebook) is never imported or run
again. It is not meant to be started by hand.

The worker and its parent talk in *frames*, each a pickle preceded by its length, over the
worker's standard input and output. The worker moves both to private descriptors before
anything else runs: its fd 0 then reads ``/dev/null`` and its fd 1 writes to its standard
error, so nothing printed by a library can corrupt the stream.

* In: a batch (a list of :class:`~searchkit.documents.Article`) to add to the segment being
  built, or :data:`FINISH` to write that segment.
* Out: ``(DONE, n)`` once a batch of n articles is added, ``(BUILT, segments)`` for a
  :data:`FINISH` (the :class:`~searchkit.index.writing.BuiltSegment` list of the articles
  sent since the last one, in their order; empty when none came), ``(FAILED, "Type: message")``
  before exiting on an error (an ``OSError`` instead of the text when the operating system
  refused: the parent raises it as its own).

A worker writes a segment whenever the one it builds holds LIMIT articles, without waiting
for :data:`FINISH` (:class:`~searchkit.index.writing.SegmentSeries`), and before writing each
segment it empties its caches of analyzed terms and hands the memory it freed back to the
system (:func:`release_memory`): its memory follows LIMIT, not the commit window or all it
has seen.

The worker exits at the end of its input (the parent closed the pipe, or died) and when its
parent dies, whatever killed it: on Linux the kernel sends it SIGKILL (``PR_SET_PDEATHSIG``),
and everywhere a watchdog thread exits once the parent pid changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import struct
import sys
import threading
import time
from typing import IO, Any

#: Tells a worker to write the segment it is building and send it back.
FINISH = "finish"
#: Answers: a batch was added; a segment was written; the worker failed.
DONE, BUILT, FAILED = "done", "built", "failed"

_LENGTH = struct.Struct(">Q")
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_M_MMAP_THRESHOLD = -3  # from <malloc.h>
#: Blocks of at least this many bytes are mapped apart (glibc), not taken from the heap.
MMAP_THRESHOLD = 1 << 20
_WATCH_EVERY = 0.5  # seconds between two looks at the parent pid


def write_frame(stream: IO[bytes], message: Any) -> None:
    """Write ``message`` to ``stream`` as one frame and flush it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """Read the next frame's message from ``stream``.

    Raises:
        EOFError: The stream ended, possibly in the middle of a frame.
    """
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def _die_with(parent: int) -> None:
    """Make sure this process ends when ``parent`` does, whatever signal ends it."""
    if sys.platform == "linux":
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog below still works
            pass
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(0)
    threading.Thread(target=_watchdog, args=(parent,), name="searchkit-watchdog", daemon=True).start()


def _watchdog(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_EVERY)
    os._exit(0)


def _private_streams() -> tuple[IO[bytes], IO[bytes]]:
    """Move the protocol off fds 0 and 1: (commands, answers)."""
    commands = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)  # print() and C libraries writing to stdout reach stderr instead
    return commands, answers


def map_large_blocks() -> None:
    """With glibc, serve every block of :data:`MMAP_THRESHOLD` bytes or more (the postings
    of a segment, its packed arrays) by a mapping of its own, given back whole when freed.

    By default glibc raises that threshold to the largest block freed so far (up to 32 MB),
    so after the first segment such blocks come from the heap, and the holes they leave grow
    a worker's memory by ~10 MB a segment: on 39,786 VNTC articles its peak went 120 ->
    150 MB over 8 segments; with a fixed threshold it stays at 122-133 MB, for ~2% more CPU
    (mapping and zeroing fresh pages).
    """
    _glibc("mallopt", _M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_memory() -> None:
    """Empty the caches of analyzed terms, collect garbage and, with glibc, give the freed
    heap back to the system (``malloc_trim``): without it the heap keeps the high-water mark
    of every segment built so far, and later segments, placed in its holes, raise it further."""
    from searchkit.index.writing import forget_terms

    forget_terms()
    gc.collect()
    _glibc("malloc_trim", 0)


def _glibc(function: str, *args: int) -> None:
    """Call the C library's ``function`` on Linux; nothing where it has none (musl, not Linux)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            getattr(ctypes.CDLL(None), function)(*args)


def serve(folder: str, indexname: str, limit: int, commands: IO[bytes], answers: IO[bytes]) -> int:
    """Build segments of at most ``limit`` articles from the batches read from ``commands``;
    return the exit code."""
    from searchkit.index.writing import SegmentSeries  # after the streams are private

    series = SegmentSeries(folder, indexname, limit, release=release_memory)
    try:
        while True:
            try:
                message = read_frame(commands)
            except EOFError:  # the parent is done with us, or gone
                series.cancel()
                return 0
            if message == FINISH:
                write_frame(answers, (BUILT, series.finish()))
            else:
                series.add(message)
                write_frame(answers, (DONE, len(message)))
    except BaseException as e:  # reported to the parent, which raises
        with contextlib.suppress(OSError):
            series.cancel()
        # An operating-system error (a full disk) goes back as itself, so the parent reports
        # it as it reports its own; anything else as one line of text.
        report: OSError | str = OSError(e.errno, e.strerror, e.filename) if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
        with contextlib.suppress(OSError):  # the parent may be gone
            write_frame(answers, (FAILED, report))
        return 1


def main(argv: list[str]) -> int:
    """Run a worker for the parent pid, index folder, index name and articles per segment
    given in ``argv``."""
    parent, folder, indexname, limit = int(argv[0]), argv[1], argv[2], int(argv[3])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    _die_with(parent)
    map_large_blocks()
    commands, answers = _private_streams()
    return serve(folder, indexname, limit, commands, answers)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
