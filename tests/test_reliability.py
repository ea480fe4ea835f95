"""What survives what: foreign files, id clashes, readers during commits, damaged files, full
and read-only disks, interrupted deletes (issue #10's cases 1, 2, 5, 8, 9, 10 and 12).

Articles are small original texts generated here. The disk cases mount a small tmpfs and skip
when the test does not run as root (CI does).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_cli import one_error_line

from searchkit.errors import ArgumentError, IndexCorruptError, SearchKitError
from searchkit.index import Index
from searchkit.index.storage import MANIFEST, is_ours
from searchkit.ui.cli import EXIT_FATAL, EXIT_OK, EXIT_PARTIAL, main
from searchkit.ui.repl import Repl

PLACES = ["Quảng Ninh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Nghệ An"]


def _article(i: int, words: int = 1) -> dict[str, Any]:
    place = PLACES[i % len(PLACES)]
    return {
        "id": f"tin-{i}",
        "title": f"UBND tỉnh {place} họp phiên thường kỳ số {i}",
        "body": " ".join(
            f"Ủy ban nhân dân tỉnh {place} bàn kế hoạch số {i}/KH-UBND về chuyển đổi số, đợt {k}." for k in range(words)
        ),
    }


def _txt(folder: Path, name: str, title: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"{title}\n\n{body}\n", encoding="utf-8")


# --- 1. only our files are ever deleted -----------------------------------------------------------

FOREIGN = ["poetry.lock", "Cargo.lock", "notes.seg", "agenda.toc", "MAIN_README.md", "MAIN_notes.txt"]


def test_rebuild_keeps_files_that_are_not_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    _txt(src, "a.txt", "Thành ủy Đà Nẵng họp", "Nội dung cuộc họp.")
    ix = tmp_path / "ix"
    assert main(["index", str(src), "--index", str(ix), "--workers", "0"]) == EXIT_OK
    for name in FOREIGN:  # a user's files dropped into the index folder later
        (ix / name).write_text("mine", encoding="utf-8")
    (ix / "MAIN_assets").mkdir()
    (ix / "MAIN_assets" / "logo.png").write_bytes(b"png")
    assert main(["index", str(src), "--index", str(ix), "--rebuild", "--workers", "0"]) == EXIT_OK
    for name in FOREIGN:
        assert (ix / name).read_text(encoding="utf-8") == "mine", name
    assert (ix / "MAIN_assets" / "logo.png").read_bytes() == b"png"
    with Index.open(ix) as index:
        assert len(index) == 1


def test_a_folder_with_other_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "project"
    shared.mkdir()
    for name in FOREIGN:
        (shared / name).write_text("mine", encoding="utf-8")
    src = tmp_path / "src"
    _txt(src, "a.txt", "Tin", "Nội dung.")
    for extra in ([], ["--rebuild"]):
        assert main(["index", str(src), "--index", str(shared), "--workers", "0", *extra]) == EXIT_FATAL
        assert "holds other files" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in shared.iterdir()) == sorted(FOREIGN)
    with pytest.raises(SearchKitError, match="holds other files"):
        Index.create(shared, overwrite=True)


def test_is_ours_matches_only_the_shapes_searchkit_writes() -> None:
    ours = ["searchkit.json", "_MAIN_12.toc", "MAIN_0123456789abcdef.seg", "MAIN_wfpam3le37jne0s9._stored.col",
            "MAIN_WRITELOCK", ".staging"]
    assert all(is_ours(n, "MAIN") for n in ours)
    assert not any(is_ours(n, "MAIN") for n in [*FOREIGN, "MAIN_assets", "_MAIN_x.toc", "MAIN_0123.seg"])


def test_a_first_run_that_indexes_nothing_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    assert main(["index", str(tmp_path / "empty.txt"), "--index", str(tmp_path / "new")]) == EXIT_FATAL
    assert not (tmp_path / "new").exists()


# --- 2. ids never collide silently ----------------------------------------------------------------


def test_two_folders_with_the_same_file_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    coll = tmp_path / "coll"
    _txt(coll / "a", "tin.txt", "Tin của bộ sưu tập A", "Ban Chỉ đạo 35 họp.")
    _txt(coll / "b", "tin.txt", "Tin của bộ sưu tập B", "Thành ủy Hải Phòng họp.")
    ix = tmp_path / "ix"
    assert main(["index", str(coll / "a"), str(coll / "b"), "--index", str(ix), "--json", "--workers", "0"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["updated"], report["failed"]) == (2, 0, [])
    with Index.open(ix) as index:
        assert index.article("a/tin.txt").title == "Tin của bộ sưu tập A"
        assert index.article("b/tin.txt").title == "Tin của bộ sưu tập B"
        # One folder alone keeps ids relative to itself; `base` pins them to the collection.
        again = index.add_path(coll / "a", base=coll, workers=0)
        assert (again.added, again.unchanged) == (0, 1)


def test_an_id_claimed_by_two_inputs_is_a_reported_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text(json.dumps({"id": "x", "title": "Bản một", "body": "Nội dung một."}, ensure_ascii=False), encoding="utf-8")
    two.write_text(json.dumps({"id": "x", "title": "Bản hai", "body": "Nội dung hai."}, ensure_ascii=False), encoding="utf-8")
    assert main(["index", str(one), str(two), "--index", str(tmp_path / "ix"), "--json", "--workers", "0"]) == EXIT_PARTIAL
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and len(report["failed"]) == 1
    failure = report["failed"][0]
    assert failure["source"] == str(one) and str(two) in failure["reason"] and "'x'" in failure["reason"]


# --- 5. readers survive commits -------------------------------------------------------------------

_WRITER = """
import sys
from searchkit import Index
with Index.open(sys.argv[1]) as ix:
    for round in range(int(sys.argv[2])):
        ix.add([{"id": f"w{round}-{i}", "title": f"Thành ủy Đà Nẵng họp lần {round}",
                 "body": "Ban Chỉ đạo 35 thành phố họp bàn công tác tuyên truyền."} for i in range(3)], workers=0)
        if round % 3 == 2:
            ix.delete(f"w{round - 1}-0")
"""


def test_searches_never_fail_while_another_process_commits(tmp_path: Path) -> None:
    with Index.create(tmp_path) as ix:
        ix.add([_article(i) for i in range(20)], workers=0)
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "40"])
    errors: list[BaseException] = []
    totals: list[int] = []
    with Index.open(tmp_path) as ix:
        repl_out = __import__("io").StringIO()
        repl = Repl(ix, __import__("rich.console", fromlist=["Console"]).Console(file=repl_out, width=100))

        def read() -> None:
            try:
                while writer.poll() is None:
                    results = ix.search("thành ủy đà nẵng", limit=3)
                    assert results.total >= len(results.hits)
                    totals.append(len(ix))
                    ix.organizations(5)
                    for hit in results.hits:
                        ix.highlight(hit.id, "ban chỉ đạo")
            except BaseException as e:  # collected: the assertion below shows it
                errors.append(e)

        threads = [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        while writer.poll() is None:
            assert repl.run_commands(["thanh uy da nang", ":stats"]) == 0
        for t in threads:
            t.join()
        assert writer.wait() == 0
        assert not errors, errors[0]
        assert len(totals) > 10
        assert len(ix) == 20 + 40 * 3 - 13  # the last commit is seen at once
        assert "Traceback" not in repl_out.getvalue()


def test_an_index_opened_empty_sees_later_commits(tmp_path: Path) -> None:
    Index.create(tmp_path).close()
    with Index.open(tmp_path) as reader:
        assert reader.search("thành ủy").total == 0
        with Index.open(tmp_path) as writer:
            writer.add([_article(1)], workers=0)
        assert [h.id for h in reader.search("ủy ban nhân dân").hits] == ["tin-1"]
        assert len(reader) == 1


# --- 8. a damaged index names the file ------------------------------------------------------------


@pytest.fixture()
def small_index(tmp_path: Path) -> Path:
    with Index.create(tmp_path / "ix") as ix:
        ix.add([_article(i, words=6) for i in range(30)], workers=0)
        ix.add([_article(i, words=3) for i in range(30, 40)], workers=0)
    return tmp_path / "ix"


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name != MANIFEST and p.is_file() and p.stat().st_size > 0
                  and is_ours(p.name, "MAIN") and not p.name.endswith("WRITELOCK"))


def test_truncated_and_missing_files_are_named(small_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    victim = next(p for p in _files(small_index) if p.suffix == ".seg")
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match=victim.name):
        Index.open(small_index, verify=False)  # sizes are checked even without checksums
    assert main(["search", "ủy ban", "--index", str(small_index)]) == EXIT_FATAL
    line = one_error_line(capsys.readouterr().err)
    assert victim.name in line and "--rebuild" in line
    victim.unlink()
    with pytest.raises(IndexCorruptError, match=f"{victim.name} is missing"):
        Index.open(small_index)


def test_every_single_byte_flip_is_detected(small_index: Path) -> None:
    rng = random.Random(7)
    files = _files(small_index)
    for _ in range(30):
        victim = rng.choice(files)
        data = bytearray(victim.read_bytes())
        at = rng.randrange(len(data))
        original = data[at]
        data[at] ^= 1 << rng.randrange(8)
        victim.write_bytes(bytes(data))
        try:
            with pytest.raises(IndexCorruptError, match=victim.name):
                Index.open(small_index)
        finally:
            data[at] = original
            victim.write_bytes(bytes(data))
    with Index.open(small_index) as ix:
        assert len(ix) == 40


def test_damage_without_checksums_is_still_one_error(small_index: Path) -> None:
    """Unverified (``verify=False``), a flipped byte either changes nothing visible or is an
    IndexCorruptError: never a raw Whoosh, pickle or struct exception."""
    rng = random.Random(11)
    seg = next(p for p in _files(small_index) if p.suffix == ".seg")
    data = seg.read_bytes()
    for _ in range(25):
        at = rng.randrange(len(data))
        seg.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
        try:
            with Index.open(small_index, verify=False) as ix:
                ix.search("ủy ban nhân dân quảng ninh", limit=5)
                ix.article("tin-3")
        except IndexCorruptError:
            pass
    seg.write_bytes(data)
    manifest = json.loads((small_index / MANIFEST).read_text(encoding="utf-8"))
    toc = next(n for n in manifest["checksums"]["files"] if n.endswith(".toc"))
    (small_index / toc).write_bytes(b"\x00" * 50)
    with pytest.raises(IndexCorruptError, match=toc):
        Index.open(small_index, verify=False)


def test_a_bug_while_searching_is_not_reported_as_damage(small_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what is raised while reading the index's files (in Whoosh or searchkit._whoosh) is
    damage to rebuild; an error raised by searchkit's own search code shows as itself."""
    from searchkit.search import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError("a bug in planning")

    monkeypatch.setattr(engine, "plan_with_filters", broken)
    with Index.open(small_index) as ix, pytest.raises(TypeError, match="a bug in planning"):
        ix.search("ủy ban nhân dân")


def test_quick_check_reads_only_what_may_have_changed(small_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default check reads no file whose size and time are as recorded (here every file
    counts as big); a byte changed through the file system changes the time and is caught;
    damage that keeps size and time is left to ``verify="full"``."""
    from searchkit.index import storage

    record = json.loads((small_index / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    stamped = record["stamped"]
    record["stamped"] = stamped + 60 * 10**9  # as if the record were taken a minute later
    manifest = json.loads((small_index / MANIFEST).read_text(encoding="utf-8"))
    manifest["checksums"] = record
    (small_index / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setattr(storage, "SMALL_FILE", 0)
    read: list[str] = []
    crc = storage._crc
    monkeypatch.setattr(storage, "_crc", lambda path: read.append(path.name) or crc(path))
    Index.open(small_index).close()
    assert read == []
    victim = next(p for p in _files(small_index) if p.suffix == ".seg")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x10
    victim.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=victim.name):
        Index.open(small_index)
    mtime = record["mtimes"][victim.name]
    os.utime(victim, ns=(mtime, mtime))  # damage that kept the time (a failing disk, a tool)
    Index.open(small_index).close()
    with pytest.raises(IndexCorruptError, match=victim.name):
        Index.open(small_index, verify="full")
    with pytest.raises(ArgumentError, match="verify"):
        Index.open(small_index, verify="yes")  # type: ignore[arg-type]


def test_a_file_written_just_before_its_record_is_always_read(small_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are stamped by a coarse clock: a file modified within the margin before the
    record could be modified again with the same time, so its time proves nothing."""
    from searchkit.index import storage

    monkeypatch.setattr(storage, "SMALL_FILE", 0)
    record = json.loads((small_index / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    read: list[str] = []
    crc = storage._crc
    monkeypatch.setattr(storage, "_crc", lambda path: read.append(path.name) or crc(path))
    Index.open(small_index).close()
    racy = {n for n, t in record["mtimes"].items() if t >= record["stamped"] - storage._RACY_NS}
    assert racy and set(read) >= racy  # the fixture's files were all written moments before


def test_a_commit_is_recorded_once_its_files_times_prove_them_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit takes its record once the files it wrote are older than the margin (here every
    file counts as big), so opening the index right after reads none of them."""
    from searchkit.index import storage

    monkeypatch.setattr(storage, "SMALL_FILE", 0)
    with Index.create(tmp_path / "ix") as ix:
        ix.add([_article(i) for i in range(10)], workers=0)
    record = json.loads((tmp_path / "ix" / MANIFEST).read_text(encoding="utf-8"))["checksums"]
    assert all(t < record["stamped"] - storage._RACY_NS for t in record["mtimes"].values())
    read: list[str] = []
    monkeypatch.setattr(storage, "_crc", lambda path: read.append(path.name) or 0)
    Index.open(tmp_path / "ix").close()
    assert read == []


# --- 9 and 10. full and read-only disks -------------------------------------------------------------


@pytest.fixture()
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_full_disk_keeps_the_index_and_cleans_up(workers: str, tiny_disk: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text("\n".join(json.dumps(_article(i), ensure_ascii=False) for i in range(10)), encoding="utf-8")
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(json.dumps(_article(i, words=150), ensure_ascii=False) for i in range(10, 400)),
                   encoding="utf-8")
    ix = tiny_disk / "ix"
    assert main(["index", str(first), "--index", str(ix), "--workers", "0"]) == EXIT_OK
    capsys.readouterr()
    status = main(["index", str(big), "--index", str(ix), "--workers", workers])
    assert status == EXIT_FATAL
    assert "disk full" in one_error_line(capsys.readouterr().err)  # one line: no worker traceback either
    assert not (ix / ".staging").exists()
    manifest = json.loads((ix / MANIFEST).read_text(encoding="utf-8"))
    listed = set(manifest["checksums"]["files"])
    leftovers = {p.name for p in ix.iterdir()} - listed - {MANIFEST, "MAIN_WRITELOCK"}
    assert not leftovers  # no orphan segment keeps the disk full
    with Index.open(ix) as index:
        assert len(index) == 10
        assert index.delete("tin-3") is True  # there is room again to commit
        assert len(index) == 9


def test_a_read_only_index_says_so(tiny_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ix = tiny_disk / "ix"
    with Index.create(ix) as index:
        index.add([_article(i) for i in range(5)], workers=0)
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    with Index.open(ix) as index:
        assert index.search("ủy ban").total == 5  # reading works
        with pytest.raises(SearchKitError, match="read-only"):
            index.add([_article(9)], workers=0)
        with pytest.raises(SearchKitError, match="read-only"):
            index.delete("tin-1")
    assert main(["delete", "tin-1", "--index", str(ix)]) == EXIT_FATAL
    assert "read-only" in one_error_line(capsys.readouterr().err)


# --- 12. deletes: one commit per call, idempotent re-runs ------------------------------------------


def test_deleting_many_ids_is_one_commit_and_can_be_repeated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Index.create(tmp_path) as ix:
        ix.add([_article(i) for i in range(320)], workers=0)
    tocs = sorted(p.name for p in tmp_path.glob("_MAIN_*.toc"))
    ids = [f"tin-{i}" for i in range(300)]
    started = time.perf_counter()
    assert main(["delete", *ids, "--index", str(tmp_path), "--json"]) == EXIT_OK
    assert time.perf_counter() - started < 20
    assert json.loads(capsys.readouterr().out)["deleted"] == ids
    after = sorted(p.name for p in tmp_path.glob("_MAIN_*.toc"))
    generation = lambda names: int(names[-1][6:-4])  # noqa: E731
    assert generation(after) == generation(tocs) + 1
    assert main(["delete", *ids, "--index", str(tmp_path), "--json"]) == EXIT_OK  # a re-run changes nothing
    assert json.loads(capsys.readouterr().out) == {"deleted": [], "missing": ids}
    with Index.open(tmp_path) as ix:
        assert len(ix) == 20
