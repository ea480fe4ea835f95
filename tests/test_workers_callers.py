"""Indexing workers from every kind of caller, and their end when the caller is killed.

Every test runs real processes: a caller script (a file without a ``__main__`` guard, stdin,
``python -c``, a thread, a process with a busy thread) indexing synthetic articles past
:data:`~searchkit.workers.INLINE_LIMIT`, or a caller killed by a signal while its workers work.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import child_pids, worker_pids

from searchkit.index._worker import read_frame
from searchkit.index.workers import INLINE_LIMIT, _environment

REPO = Path(__file__).resolve().parents[1]
LINUX = sys.platform == "linux"
N = 260  # past INLINE_LIMIT: the workers start

#: Builds original synthetic articles (sentences written for these tests, varied by numbers).
ARTICLES = '''
PLACES = ["Nghệ An", "Cần Thơ", "Đà Nẵng", "Lào Cai", "Bình Định"]
def articles(n):
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        yield {
            "id": f"tin-{i}",
            "title": f"{place}: phiên họp thứ {i} của hội đồng nhân dân",
            "body": (
                f"Hội đồng nhân dân tỉnh {place} họp phiên thứ {i} để bàn kế hoạch năm {2000 + i % 25}. "
                f"Giá cà phê tăng {i % 13} nghìn đồng mỗi ký, lúa ngập {i * 7 % 300} ha sau {i % 9 + 1} ngày mưa.\\n\\n"
                f"Đội bóng của {place} thắng {i % 5} bàn trong trận giao hữu số {i % 40}."
            ),
        }
'''

#: A caller without a ``__main__`` guard: {call} runs ``index()``.
SCRIPT = '''\
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from searchkit import Index

HERE = Path({here!r})
with open(HERE / "ran.txt", "a", encoding="utf-8") as marker:
    marker.write("ran\\n")
{articles}
def index():
    with Index.create(HERE / "ix") as ix:
        report = ix.add(articles({n}), workers=2)
        result = {{"added": report.added, "length": len(ix),
                   "segments": ix.stats().segments,
                   "file": getattr(sys.modules["__main__"], "__file__", None)}}
    (HERE / "result.json").write_text(json.dumps(result), encoding="utf-8")

{call}
'''

CALLS = {
    "direct": "index()",
    "thread": "t = threading.Thread(target=index)\nt.start()\nt.join()",
    "busy thread": textwrap.dedent("""\
        stop = threading.Event()
        def busy():
            while not stop.is_set():
                sum(i * i for i in range(2000))
                time.sleep(0.001)
        threading.Thread(target=busy, daemon=True).start()
        try:
            index()
        finally:
            stop.set()
    """),
}


def _script(here: Path, call: str, n: int = N) -> str:
    return SCRIPT.format(here=str(here), articles=ARTICLES, n=n, call=call)


def _run(args: list[str], here: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, *args], cwd=here, input=stdin, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _check(here: Path, main_file: str | None) -> None:
    assert (here / "ran.txt").read_text(encoding="utf-8") == "ran\n"  # the caller's code ran once
    result = json.loads((here / "result.json").read_text(encoding="utf-8"))
    assert (result["added"], result["length"]) == (N, N)
    # Built here alone, one window is one segment: more means the workers wrote some.
    assert result["segments"] >= 2
    assert result["file"] == main_file
    script = ["script.py"] if (here / "script.py").exists() else []
    assert sorted(p.name for p in here.iterdir()) == sorted(["ix", "ran.txt", "result.json", *script])  # no stray index
    assert not (here / "ix" / ".staging").exists()


def test_the_articles_are_enough_to_start_workers() -> None:
    assert N > INLINE_LIMIT


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_script_without_a_main_guard(tmp_path: Path, call: str) -> None:
    (tmp_path / "script.py").write_text(_script(tmp_path, CALLS[call]), encoding="utf-8")
    _run(["script.py"], tmp_path)
    _check(tmp_path, main_file=str(tmp_path / "script.py"))


def test_a_script_read_from_stdin(tmp_path: Path) -> None:
    _run(["-"], tmp_path, stdin=_script(tmp_path, CALLS["direct"]))
    _check(tmp_path, main_file="<stdin>")  # a main module no process can import again


def test_python_c_like_a_notebook_without_main_file(tmp_path: Path) -> None:
    _run(["-c", _script(tmp_path, CALLS["direct"])], tmp_path)
    _check(tmp_path, main_file=None)


def test_a_source_checkout_is_found_by_the_workers() -> None:
    assert str(REPO) in _environment()["PYTHONPATH"].split(os.pathsep)


# -- the worker program --------------------------------------------------------------------------


def test_the_worker_ends_quietly_at_the_end_of_its_input(tmp_path: Path) -> None:
    """``python -m searchkit.index._worker`` runs alone (no second copy of the module: no runpy
    warning) and exits when its input closes."""
    done = subprocess.run(
        [sys.executable, "-P", "-W", "error::RuntimeWarning", "-m", "searchkit.index._worker", str(os.getpid()), str(tmp_path), "MAIN", "100"],
        stdin=subprocess.DEVNULL, capture_output=True, env=_environment(), timeout=30,
    )
    assert (done.returncode, done.stdout) == (0, b"")
    assert b"RuntimeWarning" not in done.stderr


def test_printing_in_a_worker_does_not_reach_the_protocol_stream() -> None:
    code = (
        "import os, sys\nfrom searchkit.index import _worker\n"
        "commands, answers = _worker._private_streams()\n"
        "print('noise', flush=True)\nos.write(1, b'more noise')\n"
        "_worker.write_frame(answers, ('done', 3))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30, env=_environment())
    assert done.returncode == 0, done.stderr
    assert b"noise" not in done.stdout and b"noise\nmore noise" in done.stderr
    assert read_frame(io.BytesIO(done.stdout)) == ("done", 3)


# -- the caller killed ---------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _workers_of(pid: int, deadline: float) -> list[int]:
    """Wait until process ``pid`` runs two workers that have started building; return them."""
    while time.monotonic() < deadline:
        workers = [c for c in child_pids(pid) if b"searchkit.index._worker" in _cmdline(c)]
        if len(workers) == 2:
            return workers
        time.sleep(0.05)
    pytest.fail(f"process {pid} never started its workers")


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@pytest.fixture
def killer() -> Iterator[list[int]]:
    """Pids to SIGKILL at the end of the test whatever happened (a failed test leaks nothing)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not LINUX, reason="finds the workers through /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_workers_end_with_their_killed_caller(tmp_path: Path, sig: signal.Signals, killer: list[int]) -> None:
    (tmp_path / "script.py").write_text(_script(tmp_path, CALLS["direct"], n=4000), encoding="utf-8")
    caller = subprocess.Popen([sys.executable, "script.py"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killer.append(caller.pid)
    workers = _workers_of(caller.pid, time.monotonic() + 30)
    killer.extend(workers)
    time.sleep(1.0)  # let them import and take batches
    every = set(child_pids(caller.pid))  # no helper (resource tracker, ...) besides the workers
    assert every == set(workers)
    caller.send_signal(sig)
    assert caller.wait(10) == -sig
    assert _gone_within(workers, 5.0) == []


@pytest.mark.skipif(not LINUX, reason="finds the workers through /proc")
def test_a_worker_ends_with_its_parent_even_when_its_input_stays_open(killer: list[int], tmp_path: Path) -> None:
    """No end of input reaches the worker (another process holds the pipe): the parent's death
    alone stops it."""
    code = textwrap.dedent(f"""\
        import os, subprocess, sys, time
        from searchkit.index.workers import _environment
        worker = subprocess.Popen([sys.executable, "-P", "-m", "searchkit.index._worker", str(os.getpid()), {str(tmp_path)!r}, "MAIN", "100"],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=_environment())
        holder = subprocess.Popen(["sleep", "60"], pass_fds=(worker.stdin.fileno(),))
        print(worker.pid, holder.pid, flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    killer.append(parent.pid)
    assert parent.stdout is not None
    worker, holder = map(int, parent.stdout.readline().split())
    killer.extend([worker, holder])
    time.sleep(1.0)  # the worker has set its parent-death signal
    parent.kill()
    parent.wait(10)
    parent.stdout.close()
    assert _gone_within([worker], 5.0) == []
    assert _alive(holder)  # the pipe was open all along


@pytest.mark.skipif(not LINUX, reason="finds the processes through /proc")
def test_a_pipeline_ends_soon_after_searchkit_is_killed(tmp_path: Path, killer: list[int]) -> None:
    source = tmp_path / "tin.jsonl"
    code = ARTICLES + f"\nimport json\nwith open({str(source)!r}, 'w', encoding='utf-8') as f:\n" \
        "    f.writelines(json.dumps(a, ensure_ascii=False) + '\\n' for a in articles(4000))\n"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)
    index = tmp_path / "ix"
    shell = subprocess.Popen(
        ["bash", "-c", f"{sys.executable} -m searchkit index {source} --index {index} --workers 2 | cat >/dev/null"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_environment(), start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        searchkit = None
        while searchkit is None and time.monotonic() < deadline:
            searchkit = next((c for c in child_pids(shell.pid) if b"searchkit\x00index" in _cmdline(c)), None)
            time.sleep(0.05)
        assert searchkit is not None, "searchkit never started"
        killer.append(searchkit)
        workers = _workers_of(searchkit, deadline)
        killer.extend(workers)
        time.sleep(1.0)
        os.kill(searchkit, signal.SIGKILL)
        started = time.monotonic()
        shell.wait(5)
        assert time.monotonic() - started < 5
        assert _gone_within(workers, 5.0) == []
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()


def test_a_failing_worker_ends_the_call_with_its_error_and_stops(tmp_path: Path) -> None:
    """The workers cannot write where they are told: their own report, an operating-system
    error, is raised as it is (the index turns it into its one-line message)."""
    from searchkit.documents import Article
    from searchkit.index.workers import Workers

    namespace: dict[str, Any] = {}
    exec(ARTICLES, namespace)
    workers = Workers(str(tmp_path / "missing" / "ix"), "MAIN", 2)
    try:
        with pytest.raises(FileNotFoundError, match=r"No such file or directory.*missing"):
            for a in namespace["articles"](INLINE_LIMIT + 1):  # held, then all sent to the workers
                workers.add(Article.from_dict(a))
            workers.finish()
            workers.ready(wait=True)
    finally:
        workers.close()
    assert worker_pids(os.getpid()) == []


def test_a_worker_that_dies_says_why_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that exits without reporting (here an interpreter that cannot start) is named
    with its exit code and the last line it wrote to its standard error."""
    from searchkit.documents import Article
    from searchkit.errors import SearchKitError
    from searchkit.index.workers import Workers

    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'ImportError: no whoosh here' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(broken))
    workers = Workers(str(tmp_path), "MAIN", 2)
    try:
        with pytest.raises(SearchKitError, match=r"^indexing worker \d died \(exit code 3\): ImportError: no whoosh here; what was committed is kept"):
            for i in range(INLINE_LIMIT + 1):  # may already raise: a dead worker is noticed at once
                workers.add(Article.from_dict({"id": str(i), "title": f"Tin {i}", "body": f"Nội dung số {i}."}))
            workers.finish()
            workers.ready(wait=True)
    finally:
        workers.close()
    assert worker_pids(os.getpid()) == []
