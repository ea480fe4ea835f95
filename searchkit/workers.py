"""Spread the building of index segments over worker processes.

:class:`Workers` takes the articles to write, in order, and builds one commit *window* of
them at a time. The first :data:`INLINE_LIMIT` articles are held back: a call that writes no
more is built in this process, since starting workers would cost more. Past that, worker
processes start (``spawn``, each with a :class:`~searchkit.writing.SegmentBuilder` of its
own) and articles go out to them in small batches; when every worker's queue is full, this
process builds the batch itself instead of waiting, so no core idles while workers start or
catch up. Finishing a window makes every builder that took part write its
segment; the window is ready to commit once all of them have answered, and windows become
ready in the order they were finished, while the articles of the next window keep flowing.

An id that comes twice in one window keeps its last copy: the earlier one is marked deleted
in its segment before the window is handed back.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from searchkit.documents import Article
from searchkit.errors import SearchKitError
from searchkit.writing import BuiltSegment, SegmentBuilder, prepare

__all__ = ["Window", "Workers"]

#: Articles sent to a worker at a time.
BATCH = 64
#: Batches waiting in a worker's queue before this process builds the next one itself.
QUEUED = 2
#: A call that writes at most this many articles builds them all in this process: starting
#: worker processes (imports, models) costs more than it saves.
INLINE_LIMIT = 200

_FINISH = "finish"
_HERE = -1  # the slot of this process's own builder


@dataclass
class Window:
    """The articles of one commit, and the segments they were written to."""

    #: id -> digest of the copy written (the last one when an id came twice).
    digests: dict[str, str] = field(default_factory=dict)
    built: dict[int, BuiltSegment | None] = field(default_factory=dict)
    _where: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (slot, docnum)
    _superseded: dict[int, list[int]] = field(default_factory=dict)  # slot -> docnums
    _waiting: set[int] = field(default_factory=set)  # worker slots that have not answered

    def segments(self) -> list[BuiltSegment]:
        """The finished segments, with the earlier copies of repeated ids marked deleted."""
        out = []
        for slot, b in self.built.items():
            if b is None:
                continue
            for docnum in self._superseded.get(slot, ()):
                b.segment.delete_document(docnum)
            out.append(b)
        return out


class _Process:
    def __init__(self, ctx: Any, folder: str, indexname: str) -> None:
        self.inbox = ctx.Queue(QUEUED)
        self.outbox = ctx.Queue()
        self.process = ctx.Process(target=_serve, args=(folder, indexname, self.inbox, self.outbox), daemon=True)
        self.process.start()
        self.sent = 0  # articles sent in the current window
        self.awaited: deque[Window] = deque()  # finished windows waiting for this worker's segment


class Workers:
    """Build segments of articles, a commit window at a time (see the module docstring).

    Args:
        folder: The index folder (segments are written to its staging folder).
        indexname: The Whoosh index name.
        processes: How many worker processes to use at most; 0 builds everything here.
    """

    def __init__(self, folder: str, indexname: str, processes: int) -> None:
        self._folder = folder
        self._indexname = indexname
        self._nprocs = processes
        self._procs: list[_Process] = []
        self._here: SegmentBuilder | None = None
        self._batch: list[Article] = []
        self._window = Window()
        self._pending: deque[Window] = deque()
        self._written = 0
        self._next = 0  # round robin over the workers

    def add(self, article: Article) -> None:
        """Write ``article`` in the current window."""
        self._batch.append(article)
        self._written += 1
        if not self._nprocs:
            self._send()
        elif not self._procs:
            if self._written > INLINE_LIMIT:  # a big call: start the workers, send what was held
                ctx = multiprocessing.get_context("spawn")
                self._procs = [_Process(ctx, self._folder, self._indexname) for _ in range(self._nprocs)]
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
                self._put(slot, _FINISH)
                proc.awaited.append(window)
                window._waiting.add(slot)
                proc.sent = 0
        if self._here is not None:
            window.built[_HERE] = self._here.finish()
            self._here = None
        self._pending.append(window)
        self._window = Window()

    def ready(self, *, wait: bool = False) -> list[Window]:
        """The finished windows whose segments are all written, oldest first.

        With ``wait``, blocks until every finished window is ready.

        Raises:
            SearchKitError: A worker failed or died.
        """
        self._collect(wait)
        out = []
        while self._pending and not self._pending[0]._waiting:
            out.append(self._pending.popleft())
        return out

    def close(self) -> None:
        """Stop the worker processes (after :meth:`ready` with ``wait``, or to abandon work)."""
        idle = not self._pending and not any(proc.sent for proc in self._procs)
        for proc in self._procs:
            if idle and proc.process.is_alive():
                try:
                    proc.inbox.put(None, timeout=1.0)
                    proc.process.join(5)
                except queue.Full:
                    pass
            if proc.process.is_alive():  # abandoned work, or a worker that does not stop
                proc.process.terminate()
                proc.process.join()
            # Batches nobody will read must not keep this process from exiting.
            proc.inbox.cancel_join_thread()
            proc.inbox.close()
            proc.outbox.close()
        self._procs = []
        if self._here is not None:
            self._here.cancel()
            self._here = None

    # -- internals ---------------------------------------------------------------------------

    def _send(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        slot = self._place(batch)
        if slot == _HERE:
            if self._here is None:
                self._here = SegmentBuilder(self._folder, self._indexname)
            first = len(self._here)
            for article in batch:
                self._here.add(prepare(article))
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
        """Queue ``batch`` with a worker that has room, or return :data:`_HERE`."""
        if not self._procs:
            return _HERE
        for k in range(len(self._procs)):
            slot = (self._next + k) % len(self._procs)
            try:
                self._procs[slot].inbox.put_nowait(batch)
            except queue.Full:
                continue
            self._next = slot + 1
            return slot
        return _HERE

    def _put(self, slot: int, message: str) -> None:
        proc = self._procs[slot]
        while True:
            try:
                proc.inbox.put(message, timeout=1.0)
                return
            except queue.Full:
                self._check(slot)

    def _check(self, slot: int) -> None:
        proc = self._procs[slot]
        if not proc.process.is_alive():
            self._raise_failure(slot, f"died (exit code {proc.process.exitcode})")

    def _raise_failure(self, slot: int, what: str) -> None:
        try:  # the worker's own report, if it made one before exiting
            kind, payload = self._procs[slot].outbox.get(timeout=0.5)
            if kind == "failed":
                what = f"failed: {payload}"
        except queue.Empty:
            pass
        raise SearchKitError(f"indexing worker {slot + 1} {what}")

    def _collect(self, wait: bool) -> None:
        for slot, proc in enumerate(self._procs):
            while proc.awaited:
                try:
                    kind, payload = proc.outbox.get(timeout=1.0) if wait else proc.outbox.get_nowait()
                except queue.Empty:
                    if not wait:
                        break
                    self._check(slot)
                    continue
                if kind != "built":
                    raise SearchKitError(f"indexing worker {slot + 1} failed: {payload}")
                window = proc.awaited.popleft()
                window.built[slot] = payload
                window._waiting.discard(slot)


def _serve(folder: str, indexname: str, inbox: Any, outbox: Any) -> None:
    """A worker process: build a segment from the batches it is sent until told to finish."""
    builder: SegmentBuilder | None = None
    try:
        while True:
            message: Sequence[Article] | str | None = inbox.get()
            if message is None:
                return
            if isinstance(message, str):  # _FINISH
                outbox.put(("built", None if builder is None else builder.finish()))
                builder = None
                continue
            if builder is None:
                builder = SegmentBuilder(folder, indexname)
            for article in message:
                builder.add(prepare(article))
    except BaseException as e:  # reported to the parent, which raises
        if builder is not None:
            builder.cancel()
        outbox.put(("failed", f"{type(e).__name__}: {e}"))
