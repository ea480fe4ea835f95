"""Spread the building of index segments over worker processes.

:class:`Workers` takes the articles to write, in order, and builds one commit *window* of
them at a time. The first :data:`INLINE_LIMIT` articles are held back: a call that writes no
more is built in this process, since starting workers would cost more. Past that, worker
processes start and articles go out to them in small batches, each to a worker with room
for it; when every worker already holds :data:`QUEUED` batches besides the one it is
building, this process waits. It never builds a batch itself once the workers run: with one
worker per core (the default) the cores are busy, and this process's work (reading,
deciding what changed, committing) stays off the workers' way. A builder writes a segment
whenever the one it builds holds :data:`SEGMENT_ARTICLES` articles, so its memory follows
that figure, not the window; finishing a window makes every builder that took part write
the segment it is building; the window is ready to commit once all of them have answered, and windows become ready in the order they were finished,
while the articles of the next window keep flowing.

An id that comes twice in one window keeps its last copy: the earlier one is marked deleted
in its segment before the window is handed back.

Each worker is a fresh interpreter running only :mod:`searchkit.index._worker`
(``python -P -m searchkit.index._worker``), not a ``multiprocessing`` child: the ``spawn`` and
``forkserver`` start methods import the caller's main module again (a script without a
``__main__`` guard runs twice, ``python -`` cannot be imported at all) and ``fork`` is unsafe
in a process that runs threads. The worker finds the ``searchkit`` this process imported (its
folder is put on ``PYTHONPATH`` unless it is a site-packages folder). Batches and answers
travel as pickled frames over the worker's pipes, written and read by two threads per worker
in this process, so this process never blocks on a worker. A worker never holds the caller's
standard streams (its standard error goes to a temporary file whose last line explains a
crash), and it exits when this process ends, however that happens (see
:mod:`searchkit.index._worker`). A worker that fails or dies ends the call with a one-line
:class:`~searchkit.errors.SearchKitError`; what was committed stays committed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import site
import subprocess
import sys
import tempfile
import threading
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any, cast

from searchkit.documents.article import Article
from searchkit.errors import SearchKitError
from searchkit.index.writing import BuiltSegment, SegmentSeries, forget_terms

# searchkit.index._worker is imported where a worker starts, not here: the package imports this
# module, and ``python -m searchkit.index._worker`` must not find that module imported already.

__all__ = ["Window", "Workers"]

#: Articles sent to a worker at a time.
BATCH = 64
#: Batches waiting for a worker, besides the one it is building, before this process waits.
QUEUED = 2
#: A call that writes at most this many articles builds them all in this process: starting
#: worker processes (imports, models) costs more than it saves.
INLINE_LIMIT = 200
#: Articles per segment: a builder writes its segment once it holds this many (rounded up to
#: a batch), even in the middle of a window, so that the postings it holds in memory follow
#: this figure, not the commit window (see README, "Memory while indexing").
SEGMENT_ARTICLES = 2500

_HERE = -1  # the slot of this process's own builder
_CLOSE = object()  # tells a feeder thread to close the worker's input
_GONE = "gone"  # the worker's output ended
_STOP_WAIT = 5.0  # seconds a worker gets to exit before it is killed
_POLL = 0.5  # seconds between checks while waiting for an answer
@dataclass
class Window:
    """The articles of one commit, and the segments they were written to."""

    #: id -> digest of the copy written (the last one when an id came twice).
    digests: dict[str, str] = field(default_factory=dict)
    #: slot -> the segments its builder wrote for this window, in the order of their articles.
    built: dict[int, list[BuiltSegment]] = field(default_factory=dict)
    _where: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (slot, number in the slot's share)
    _superseded: dict[int, list[int]] = field(default_factory=dict)  # slot -> numbers in its share
    _waiting: set[int] = field(default_factory=set)  # worker slots that have not answered

    def segments(self) -> list[BuiltSegment]:
        """The finished segments, with the earlier copies of repeated ids marked deleted."""
        out = []
        for slot, built in self.built.items():
            superseded = sorted(self._superseded.get(slot, ()))
            start = 0
            for b in built:
                end = start + len(b.ids)
                for number in superseded[bisect_left(superseded, start) : bisect_left(superseded, end)]:
                    b.segment.delete_document(number - start)
                out.append(b)
                start = end
        return out


class _Process:
    """One worker process, a thread that feeds it and a thread that reads its answers.

    Started and stopped by the thread that runs :meth:`Workers.add` and :meth:`Workers.close`
    (on Linux a worker dies with the thread that started it, not only with the process).
    """

    def __init__(self, folder: str, indexname: str, limit: int, slot: int, room: queue.SimpleQueue[int]) -> None:
        if not sys.executable:
            raise SearchKitError("cannot start indexing workers: no Python executable known (use workers=0)")
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's stderr, unlinked; closed by close()
        command = [sys.executable, "-P", "-m", _protocol().__name__, str(os.getpid()), folder, indexname, str(limit)]
        try:
            self.popen = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=_environment()
            )
        except OSError as e:
            self.errors.close()
            raise SearchKitError(f"cannot start an indexing worker: {e}") from e
        # The worker's slot goes into ``room`` once for each batch it may take: one it builds and
        # QUEUED waiting, then again each time it has added one.
        self._slot = slot
        self._room = room
        for _ in range(QUEUED + 1):
            room.put(slot)
        self._stdin = cast(IO[bytes], self.popen.stdin)
        self._stdout = cast(IO[bytes], self.popen.stdout)
        self.commands: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.answers: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self.sent = 0  # articles sent in the current window
        self.awaited: deque[Window] = deque()  # finished windows waiting for this worker's segment
        self._feeder = threading.Thread(target=self._feed, name=f"searchkit-feed-{self.popen.pid}", daemon=True)
        self._reader = threading.Thread(target=self._read, name=f"searchkit-read-{self.popen.pid}", daemon=True)
        self._feeder.start()
        self._reader.start()

    def send(self, message: Any) -> None:
        """Queue ``message`` for the worker (never blocks)."""
        self.commands.put(message)

    def death(self) -> str:
        """How the worker ended, once its output has ended."""
        try:
            code = self.popen.wait(_STOP_WAIT)
        except subprocess.TimeoutExpired:  # closed its output yet lives on
            self.popen.kill()
            code = self.popen.wait()
        what = f"died (exit code {code})"
        if code < 0:  # ended by a signal: name it
            with contextlib.suppress(ValueError):
                what = f"was killed ({signal.Signals(-code).name})"
        if code > 0:  # a Python error: its last line says what
            self.errors.seek(0, os.SEEK_END)
            self.errors.seek(max(0, self.errors.tell() - 2000))
            lines = self.errors.read().decode("utf-8", "replace").strip().splitlines()
            if lines:
                what += f": {lines[-1].strip()[:300]}"
        return what

    def close(self, *, wait: bool) -> None:
        """Stop the worker: let it finish reading (``wait``), or end it at once."""
        if not wait:
            self.popen.terminate()
        self.commands.put(_CLOSE)  # end of input: the worker exits
        try:
            self.popen.wait(_STOP_WAIT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._feeder.join(_STOP_WAIT)
        self._reader.join(_STOP_WAIT)
        self._stdout.close()
        self.errors.close()

    def _feed(self) -> None:
        write_frame = _protocol().write_frame
        try:
            while (message := self.commands.get()) is not _CLOSE:
                write_frame(self._stdin, message)
        except OSError:  # the worker is gone: the reader reports it
            pass
        except Exception as e:
            self.answers.put((_protocol().FAILED, f"cannot send a batch: {type(e).__name__}: {e}"))
        finally:
            with contextlib.suppress(OSError):
                self._stdin.close()

    def _read(self) -> None:
        read_frame, done = _protocol().read_frame, _protocol().DONE
        try:
            while True:
                kind, payload = read_frame(self._stdout)
                if kind == done:
                    self._room.put(self._slot)
                else:
                    self.answers.put((kind, payload))
        except EOFError:  # the worker exited
            pass
        except Exception as e:
            self.answers.put((_protocol().FAILED, f"unreadable answer: {type(e).__name__}: {e}"))
        self.answers.put((_GONE, None))


def _protocol() -> ModuleType:
    """:mod:`searchkit.index._worker`, imported on first use (see the note at the imports)."""
    from searchkit.index import _worker

    return _worker


def _environment() -> dict[str, str]:
    """The worker's environment: this one, with the folder holding the ``searchkit`` this
    process imported on ``PYTHONPATH`` (a source checkout works without installing it)."""
    env = dict(os.environ)
    root = Path(__file__).resolve().parents[2]
    sites = {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if root not in sites:  # site-packages ahead of the standard library could shadow it
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


class Workers:
    """Build segments of articles, a commit window at a time (see the module docstring).

    Args:
        folder: The index folder (segments are written to its staging folder).
        indexname: The Whoosh index name.
        processes: How many worker processes to use at most; 0 builds everything here.
        segment_articles: Articles per segment (None: :data:`SEGMENT_ARTICLES`).
    """

    def __init__(self, folder: str, indexname: str, processes: int, segment_articles: int | None = None) -> None:
        self._folder = folder
        self._indexname = indexname
        self._nprocs = processes
        self._limit = SEGMENT_ARTICLES if segment_articles is None else segment_articles
        self._procs: list[_Process] = []
        self._here = SegmentSeries(folder, indexname, self._limit, release=forget_terms)
        self._batch: list[Article] = []
        self._window = Window()
        self._pending: deque[Window] = deque()
        self._written = 0
        self._room: queue.SimpleQueue[int] = queue.SimpleQueue()  # slots of workers with room (see _Process)

    def add(self, article: Article) -> None:
        """Write ``article`` in the current window."""
        self._batch.append(article)
        self._written += 1
        if not self._nprocs:
            self._send()
        elif not self._procs:
            if self._written > INLINE_LIMIT:  # a big call: start the workers, send what was held
                for slot in range(self._nprocs):
                    self._procs.append(_Process(self._folder, self._indexname, self._limit, slot, self._room))
                held, self._batch = self._batch, []
                for start in range(0, len(held), BATCH):
                    self._batch = held[start : start + BATCH]
                    self._send()
        elif len(self._batch) >= BATCH:
            self._send()

    def finish(self) -> None:
        """Close the current window: its builders write their segments. Articles added from
        now on go to the next window."""
        self._send()
        window = self._window
        for slot, proc in enumerate(self._procs):  # the workers first: they finish meanwhile
            if proc.sent:
                proc.send(_protocol().FINISH)
                proc.awaited.append(window)
                window._waiting.add(slot)
                proc.sent = 0
        built = self._here.finish()
        if built:
            window.built[_HERE] = built
        self._pending.append(window)
        self._window = Window()

    def ready(self, *, wait: bool = False) -> list[Window]:
        """The finished windows whose segments are all written, oldest first.

        With ``wait``, blocks until every finished window is ready.

        Raises:
            SearchKitError: A worker failed or died.
            OSError: A worker's operating-system error (a full disk), raised as it is.
        """
        self._collect(wait)
        out = []
        while self._pending and not self._pending[0]._waiting:
            out.append(self._pending.popleft())
        return out

    def close(self) -> None:
        """Stop the worker processes and their threads (after :meth:`ready` with ``wait``, or
        to abandon work)."""
        idle = not self._pending and not any(proc.sent for proc in self._procs)
        for proc in self._procs:
            proc.close(wait=idle)
        self._procs = []
        self._here.cancel()

    # -- internals ---------------------------------------------------------------------------

    def _send(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        slot = self._place(batch)
        if slot == _HERE:
            first = len(self._here)
            self._here.add(batch)
        else:
            first = self._procs[slot].sent
            self._procs[slot].sent += len(batch)
        window = self._window
        for i, article in enumerate(batch):
            earlier = window._where.get(article.id)
            if earlier is not None:
                window._superseded.setdefault(earlier[0], []).append(earlier[1])
            window._where[article.id] = (slot, first + i)
            window.digests[article.id] = article.digest
        self._collect(False)

    def _place(self, batch: list[Article]) -> int:
        """Queue ``batch`` with a worker that has room (waiting for one), or return :data:`_HERE`
        when no worker runs.

        Raises:
            SearchKitError: A worker failed or died while this process waited.
        """
        if not self._procs:
            return _HERE
        while True:
            try:
                slot = self._room.get(timeout=_POLL)
            except queue.Empty:
                self._collect(False)  # a dead worker frees no room: it raises here
                continue
            self._procs[slot].send(batch)
            return slot

    def _collect(self, wait: bool) -> None:
        """Take the workers' answers; with ``wait``, until no finished window waits for one.

        Raises:
            SearchKitError: A worker failed or died.
            OSError: A worker's operating-system error (a full disk), raised as it is.
        """
        for slot, proc in enumerate(self._procs):
            while True:
                block = wait and bool(proc.awaited)
                try:
                    kind, payload = proc.answers.get(timeout=_POLL) if block else proc.answers.get_nowait()
                except queue.Empty:
                    if block:
                        continue
                    break
                if kind == _GONE:
                    raise SearchKitError(
                        f"indexing worker {slot + 1} {proc.death()}; what was committed is kept: add the same input again to finish"
                    )
                if kind != _protocol().BUILT:
                    if isinstance(payload, OSError):  # a full disk, say: the caller names it
                        raise payload
                    raise SearchKitError(f"indexing worker {slot + 1} failed: {payload}")
                window = proc.awaited.popleft()
                window.built[slot] = payload
                window._waiting.discard(slot)
