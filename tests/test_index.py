"""The index on disk: create/open, incremental updates, bad input, crash safety, locking.

Articles are small original texts generated here (``_article``); the parallel-vs-inline
comparison also runs on real VNTC articles when ../shared/data is present.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, read_jsonl, worker_pids
from whoosh import index as whoosh_index

from searchkit._whoosh.segments import INLINE_POSTINGS
from searchkit.documents import Article, iter_path
from searchkit.errors import (
    DocumentError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    SearchKitError,
)
from searchkit.index import MANIFEST, Index, workers, writing
from searchkit.index.schema import INDEX_FORMAT, build_schema
from searchkit.index.workers import INLINE_LIMIT
from searchkit.index.writing import document_fields, prepare
from searchkit.text.analysis import SegmentedText

PLACES = ["Quảng Ninh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Hà Nội", "Thừa Thiên Huế", "Nghệ An"]
TOPICS = ["phòng chống thiên tai", "cải cách hành chính", "chuyển đổi số", "xây dựng nông thôn mới", "an toàn giao thông"]


def _article(i: int, version: int = 0) -> dict[str, Any]:
    place, topic = PLACES[i % len(PLACES)], TOPICS[i % len(TOPICS)]
    return {
        "id": f"bai-{i}",
        "title": f"UBND tỉnh {place} họp bàn về {topic} (số {i})",
        "body": (
            f"Sáng nay, Ủy ban nhân dân tỉnh {place} tổ chức hội nghị về {topic}. "
            f"Lãnh đạo các sở, ngành đã báo cáo kết quả quý {i % 4 + 1} và đề xuất {i + version} giải pháp.\n\n"
            f"Chủ tịch UBND tỉnh yêu cầu các đơn vị khẩn trương triển khai kế hoạch số {i}/KH-UBND."
        ),
    }


def _articles(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [_article(i) for i in range(start, start + n)]


def _content(path: Path) -> tuple[Any, ...]:
    """Everything a search can see: terms with their postings, field lengths, stored fields."""
    reader = whoosh_index.open_dir(str(path), indexname="MAIN").reader()
    try:
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        by_id = {reader.stored_fields(d)["id"]: d for d in live}
        docs = sorted(by_id)
        rank = {by_id[i]: n for n, i in enumerate(docs)}
        terms = []
        for fieldname, text in reader.all_terms():
            if fieldname.endswith(("_s", "_f")):
                items = sorted((rank[d], tuple(v)) for d, v in reader.postings(fieldname, text).items_as("positions") if d in rank)
            elif fieldname.endswith("_w"):  # frequencies only
                m = reader.postings(fieldname, text)
                items = sorted((rank[d], w) for d, w in zip(m.all_ids(), _weights(reader, fieldname, text), strict=True) if d in rank)
            else:
                items = sorted((rank[d], 0) for d in reader.postings(fieldname, text).all_ids() if d in rank)
            if items:
                terms.append((fieldname, text, tuple(items)))
        lengths = tuple((i, name, reader.doc_field_length(by_id[i], name) or 0) for i in docs for name in sorted(reader.indexed_field_names()))
        stored = tuple(sorted(reader.stored_fields(by_id[i]).items()) for i in docs)
        return tuple(terms), lengths, stored
    finally:
        reader.close()


def _weights(reader: Any, fieldname: str, text: bytes) -> list[float]:
    m = reader.postings(fieldname, text)
    out = []
    while m.is_active():
        out.append(m.weight())
        m.next()
    return out


def _decoded_postings(path: Path) -> list[tuple[str, bytes, tuple[Any, ...], list[tuple[Any, Any]]]]:
    """A one-segment index's term statistics and postings (document numbers, weights and
    values, block by block with each block's info), term by term: everything Whoosh's
    matchers read, whatever pickle protocol and compression level wrote them, and whether
    the postings are in blocks or inlined in the term table."""
    reader = whoosh_index.open_dir(str(path), indexname="MAIN").reader()
    try:
        assert reader.is_atomic(), "compare one-segment indexes"
        terms = reader._terms
        out = []
        for fieldname, btext in reader.all_terms():
            info = terms.term_info(fieldname, btext)
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight(), info.min_id(), info.max_id())
            m = reader.postings(fieldname, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), float(m.weight()), m.value() or None))
                m.next()
            blocks = []
            if not info.is_inlined():
                offset, _ = info.extent()
                pos = offset + 4  # after the "W3Bl" tag
                while True:
                    length = terms._postfile.get_int(pos)
                    block = bytes(terms._postfile.get(pos + 4, abs(length)))
                    block_info = pickle.load(io.BytesIO(block))
                    blocks.append((*block_info[:2], float(block_info[2]), *block_info[4:]))  # whatever the compression
                    if length < 0:
                        break
                    pos += 4 + abs(length)
            out.append((fieldname, btext, stats, postings, blocks if len(postings) > INLINE_POSTINGS else []))
        return out
    finally:
        reader.close()


# --- create / open ----------------------------------------------------------------------------


def test_create_open_len_article_delete(tmp_path: Path) -> None:
    with Index.create(tmp_path / "ix") as ix:
        report = ix.add(_articles(3))
        assert (report.added, report.updated, report.unchanged, report.failed) == (3, 0, 0, ())
        assert len(ix) == 3
    with Index.open(tmp_path / "ix") as ix:
        assert len(ix) == 3
        art = ix.article("bai-1")
        assert art is not None and art.title == _article(1)["title"]
        assert ix.article("nope") is None
        assert ix.delete("bai-1") is True
        assert ix.delete("bai-1") is False
        assert len(ix) == 2 and ix.article("bai-1") is None
        assert [h.id for h in ix.search('"Hải Phòng"').hits] == []  # bai-1 was the Hải Phòng one


def test_open_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        Index.open(tmp_path / "nothing-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFoundError):
        Index.open(tmp_path / "empty")


@pytest.mark.parametrize("key", ["format", "analyzer"])
def test_open_index_of_another_version_says_how_to_rebuild(tmp_path: Path, key: str) -> None:
    Index.create(tmp_path).close()
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    manifest[key] = 999
    (tmp_path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexVersionError, match="--rebuild"):
        Index.open(tmp_path)


def test_create_on_existing_index_needs_overwrite(tmp_path: Path) -> None:
    with Index.create(tmp_path) as ix:
        ix.add(_articles(2))
    with pytest.raises(SearchKitError, match="already exists"):
        Index.create(tmp_path)
    with Index.open(tmp_path) as ix:
        assert len(ix) == 2  # nothing lost
    with Index.create(tmp_path, overwrite=True) as ix:
        assert len(ix) == 0


@pytest.mark.parametrize("shards", [None, 2])
def test_create_on_a_file_is_one_error_and_keeps_the_file(tmp_path: Path, shards: int | None) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text('{"id": "1"}\n', encoding="utf-8")
    with pytest.raises(SearchKitError, match="it is a file, not a folder"):
        Index.create(path, shards=shards)
    assert path.read_text(encoding="utf-8") == '{"id": "1"}\n'


# --- incremental updates ----------------------------------------------------------------------


def _write_folder(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a = _article(i)
        (folder / f"{a['id']}.txt").write_text(f"{a['title']}\n\n{a['body']}\n", encoding="utf-8")


def test_re_adding_a_folder_is_incremental(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_folder(src, 5)
    with Index.create(tmp_path / "ix") as ix:
        assert ix.add_path(src).added == 5
        again = ix.add_path(src)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
        (src / "bai-2.txt").write_text("Tiêu đề mới\n\nNội dung đã sửa về Hội đồng nhân dân.\n", encoding="utf-8")
        changed = ix.add_path(src)
        assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 4)
        assert len(ix) == 5
        assert ix.article("bai-2.txt").title == "Tiêu đề mới"
        assert [h.id for h in ix.search('"hội đồng nhân dân"').hits] == ["bai-2.txt"]


def test_same_id_twice_in_one_call_keeps_the_last(tmp_path: Path) -> None:
    first, second = _article(1), _article(1, version=7)
    second["title"] = "Bản sửa lần hai"
    with Index.create(tmp_path) as ix:
        report = ix.add([first, _article(2), second])
        assert report.duplicates == ("bai-1",)
        assert (report.added, report.updated) == (2, 0)
        assert len(ix) == 2 and ix.article("bai-1").title == "Bản sửa lần hai"
        # Across commits too: the earlier copy is committed, the later one replaces it.
        report = ix.add([_article(3), {**second, "title": "Lần ba"}, _article(3, version=1)], commit_every=1)
        assert report.duplicates == ("bai-3",)
        assert len(ix) == 3 and ix.article("bai-1").title == "Lần ba"
        assert sorted(_content(tmp_path)[2][i][3] for i in range(3)) != []


def test_add_dicts_with_a_bad_one(tmp_path: Path) -> None:
    items: list[Any] = [_article(0), {"title": "Không có id", "body": "Nội dung."}, _article(2), 42]
    with Index.create(tmp_path) as ix:
        report = ix.add(items)
        assert report.added == 2 and len(ix) == 2
        assert (report.failed[0].line, report.failed[0].reason) == (2, "missing id")
        assert report.failed[1].line == 4 and "expected a JSON object" in report.failed[1].reason
        assert not report.ok


def test_add_path_with_bad_files(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_folder(src, 2)
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (src / "latin.txt").write_bytes("Tiêu đề\n\nNội dung".encode()[:-3] + b"\xff\xfe\xfa" + b"\x00" * 3)
    lines = [
        json.dumps(_article(10), ensure_ascii=False),
        '{"id": "hong", "title": "Thiếu ngoặc"',
        json.dumps({"title": "Không có id", "body": "x"}, ensure_ascii=False),
        json.dumps(_article(11), ensure_ascii=False),
    ]
    (src / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (src / "bad-utf8.jsonl").write_bytes(json.dumps(_article(12)).encode() + b"\n" + b'{"id": "x", "title": "\xc3\x28"}\n')
    (src / "report.pdf").write_bytes(b"%PDF-1.7")
    with Index.create(tmp_path / "ix") as ix:
        report = ix.add_path(src)
        assert len(ix) == report.added == 5  # 2 .txt + 2 good JSONL lines + 1 good line of bad-utf8
        failed = {(Path(f.source).name, f.line): f.reason for f in report.failed}
        assert failed[("empty.txt", None)] == "empty file"
        assert "binary" in failed[("binary.txt", None)]
        assert ("latin.txt", None) in failed
        assert failed[("news.jsonl", 2)].startswith("invalid JSON")
        assert failed[("news.jsonl", 3)] == "missing id"
        assert failed[("bad-utf8.jsonl", 2)].startswith("invalid UTF-8")
        assert [(Path(s.source).name, s.reason) for s in report.skipped] == [("report.pdf", "skipped: unsupported extension .pdf")]
        files = {Path(f.source).name: f for f in report.files}
        assert (files["news.jsonl"].added, files["news.jsonl"].failed) == (2, 2)


def test_add_path_missing(tmp_path: Path) -> None:
    with Index.create(tmp_path) as ix, pytest.raises(DocumentError):
        ix.add_path(tmp_path / "missing")


def test_file_disappearing_mid_run(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write_folder(src, 4)
    doomed = src / "bai-3.txt"

    def progress(handled: int) -> None:
        if handled == 1:
            doomed.unlink()

    with Index.create(tmp_path / "ix") as ix:
        report = ix.add_path(src, progress=progress)
        assert report.added == 3 and len(ix) == 3
        assert [(Path(f.source).name, f.reason) for f in report.failed] == [("bai-3.txt", "file disappeared while reading")]


def test_large_jsonl_is_streamed(tmp_path: Path) -> None:
    """A 50 MB JSONL file is read lazily: memory does not grow with the file.

    Indexing 50 MB takes minutes, so this measures the reading side of ingestion only: the
    Python allocations (tracemalloc) while ``add_path`` reads, analyzes and holds the first
    300 articles, then the run is stopped from the progress callback. A reader that loaded
    the file (or a list built from it) would allocate more than the file's 50 MB. What stays
    in memory while writing is bounded by ``commit_every``, not by the input size.
    """
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while f.tell() < 50 * 2**20:
            f.write(json.dumps(_article(i), ensure_ascii=False) + "\n")
            i += 1

    class Stop(Exception):
        pass

    def progress(handled: int) -> None:
        if handled >= 300:
            raise Stop

    with Index.create(tmp_path / "ix") as ix:
        ix.add(_articles(1))  # load the segmenter and the organization rules before measuring
        tracemalloc.start()
        try:
            with pytest.raises(Stop):
                ix.add_path(path, workers=0, progress=progress)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 25 * 2**20, f"{peak / 2**20:.1f} MB allocated while reading a 50 MB file"
        assert len(ix) == 1  # the stopped run committed nothing; the index is intact
        assert ix.add(_articles(2)).added == 1  # and the lock was released


# --- crash safety, locking, concurrent readers -------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from test_index import _article
    from searchkit import Index

    marker = Path({marker!r})

    def articles():
        for i in range({n}):
            if i == {block_at}:
                marker.write_text("committed")
                time.sleep(600)
            yield _article(i)

    ix = Index.open({path!r})
    ix.add(articles(), workers=0, commit_every={every})
    """
)


def test_sigkill_keeps_the_last_commit_and_the_rerun_completes(tmp_path: Path) -> None:
    n, every, block_at = 120, 25, 60  # blocked after 2 commits (50 articles) with 10 pending
    path, marker = tmp_path / "ix", tmp_path / "marker"
    Index.create(path).close()
    code = _CHILD.format(tests=str(Path(__file__).parent), marker=str(marker), n=n, block_at=block_at, path=str(path), every=every)
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the indexing child exited early"
            assert time.monotonic() < deadline, "the indexing child never reached its second commit"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with Index.open(path) as ix:
        assert len(ix) == 50  # exactly the articles of the last commit
        assert ix.article("bai-49") is not None and ix.article("bai-50") is None
        report = ix.add(_articles(n), workers=0, commit_every=every)  # the lock died with the child
        assert (report.added, report.unchanged) == (n - 50, 50)
        assert len(ix) == n
        ids = list(ix.ids())
        assert len(ids) == len(set(ids)) == n


def test_a_dead_worker_stops_the_run_with_a_clear_error_and_loses_no_commit(tmp_path: Path) -> None:
    n, every = 900, 300
    killed: list[int] = []

    def progress(handled: int) -> None:
        if handled == 700 and not killed:  # after the first window, with workers running
            for pid in worker_pids(os.getpid()):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    with Index.create(tmp_path) as ix:
        killed_line = r"^indexing worker \d was killed \(SIGKILL\); what was committed is kept: add the same input again to finish$"
        with pytest.raises(SearchKitError, match=killed_line):
            ix.add(_articles(n), workers=2, commit_every=every, progress=progress)
        assert killed
        assert len(ix) % every == 0 and len(ix) < n  # whole commits only
        assert not (tmp_path / writing.STAGING).exists()
    with Index.open(tmp_path) as ix:  # the lock was released; the rerun completes the work
        report = ix.add(_articles(n), workers=0)
        assert report.added + report.unchanged == n
        ids = list(ix.ids())
        assert len(ids) == len(set(ids)) == n


def test_an_error_in_the_reading_process_stops_the_workers_and_keeps_the_index(tmp_path: Path) -> None:
    class Stop(Exception):
        pass

    def progress(handled: int) -> None:
        if handled == 450:  # the workers are busy with the second window
            raise Stop

    with Index.create(tmp_path) as ix:
        with pytest.raises(Stop):
            ix.add(_articles(600), workers=2, commit_every=300, progress=progress)
        assert worker_pids(os.getpid()) == []
        committed = len(ix)
        assert committed in (0, 300)  # whole commits only
        assert not (tmp_path / writing.STAGING).exists()
        report = ix.add(_articles(600), workers=0)  # the lock was released
        assert (report.added, report.unchanged, len(ix)) == (600 - committed, committed, 600)


def test_second_writer_and_overwrite_fail_fast_while_a_writer_works(tmp_path: Path) -> None:
    errors: list[tuple[str, float]] = []

    def progress(handled: int) -> None:
        if handled == 5:
            for name, attempt in (
                ("add", lambda: Index.open(tmp_path).add(_articles(1, start=100))),
                ("delete", lambda: Index.open(tmp_path).delete("bai-0")),
                ("overwrite", lambda: Index.create(tmp_path, overwrite=True)),
            ):
                started = time.monotonic()
                with pytest.raises(IndexLockedError, match="locked by another writer"):
                    attempt()
                errors.append((name, time.monotonic() - started))

    with Index.create(tmp_path) as ix:
        ix.add(_articles(10), workers=0, progress=progress)
        assert [name for name, _ in errors] == ["add", "delete", "overwrite"]
        assert all(seconds < 2 for _, seconds in errors)
        assert len(ix) == 10  # the overwrite attempt destroyed nothing
    with Index.open(tmp_path) as ix:  # the lock is released once the writer is done
        assert ix.add(_articles(1, start=100)).added == 1


def test_threads_writing_through_one_index_take_turns(tmp_path: Path) -> None:
    """Two threads adding through the same Index both succeed, one after the other; a writer
    elsewhere still fails at once (the test above)."""
    outcomes: list[object] = []
    started = threading.Event()

    def progress(handled: int) -> None:
        started.set()
        time.sleep(0.01)  # hold the turn a while

    def add(articles: list[dict[str, str]], **options: object) -> None:
        try:
            outcomes.append(ix.add(articles, workers=0, **options).added)
        except Exception as e:
            outcomes.append(e)

    with Index.create(tmp_path) as ix:
        first = threading.Thread(target=add, args=(_articles(20),), kwargs={"progress": progress})
        first.start()
        assert started.wait(30)
        second = threading.Thread(target=add, args=(_articles(5, start=100),))
        second.start()
        ix.delete("bai-0")  # this thread waits its turn too
        first.join()
        second.join()
        assert sorted(outcomes, key=str) == [20, 5]
        assert len(ix) == 24


def test_readers_search_while_a_writer_is_mid_ingest(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    reader = Index.create(tmp_path)

    def progress(handled: int) -> None:
        if handled in (5, 25):
            seen.append((len(reader), len(reader.search("quảng ninh", limit=50).hits)))

    with Index.open(tmp_path) as writer:
        writer.add(_articles(30), workers=0, commit_every=10, progress=progress)
    # Before the first commit the reader sees nothing; at input 25 the commit of 20 articles.
    # (Handled counts inputs read: analysis keeps no look-ahead with workers=0 beyond the head.)
    assert seen[0][0] == 0
    assert seen[1][0] in (10, 20) and seen[1][1] >= 1
    assert len(reader) == 30
    reader.close()


# --- the writer and the parallel path ----------------------------------------------------------


def test_pre_analyzed_writer_matches_whoosh_add_document(tmp_path: Path) -> None:
    """The fast path (workers analyze, the writer adds postings) builds the same index as
    Whoosh's own ``add_document`` running the schema's analyzers."""
    articles = [a for a in iter_path(EXAMPLES) if isinstance(a, Article)]
    assert len(articles) > 20
    with Index.create(tmp_path / "fast") as ix:
        ix.add(articles, workers=0)
    (tmp_path / "plain").mkdir()
    plain = whoosh_index.create_in(str(tmp_path / "plain"), build_schema(), indexname="MAIN")
    (tmp_path / "plain" / MANIFEST).write_text("{}", encoding="utf-8")
    writer = plain.writer()
    for a in articles:
        p = prepare(a)
        fields = document_fields(p)
        fields.update(
            title_w=SegmentedText(a.title, p.title_spans),
            title_s=a.title,
            title_f=a.title,
            body_w=SegmentedText(a.body, p.body_spans),
            body_s=a.body,
            body_f=a.body,
        )
        writer.add_document(**fields)
    writer.commit()
    assert _content(tmp_path / "fast") == _content(tmp_path / "plain")
    assert _decoded_postings(tmp_path / "fast") == _decoded_postings(tmp_path / "plain")


def test_small_segments_are_merged_once_there_are_many(tmp_path: Path) -> None:
    with Index.create(tmp_path) as ix:
        for k in range(writing.MAX_SMALL_SEGMENTS):
            ix.add(_articles(3, start=3 * k), workers=0)
        assert ix.stats().segments == writing.MAX_SMALL_SEGMENTS
        ix.add(_articles(3, start=100), workers=0)  # this commit merges the small ones
        assert ix.stats().segments == 2
        assert len(ix) == 3 * writing.MAX_SMALL_SEGMENTS + 3
        assert ix.search("quảng ninh").total == ix.search("quang ninh").total > 0
        assert ix.delete("bai-0") and ix.article("bai-0") is None and ix.article("bai-1") is not None


def test_articles_go_to_workers_with_their_digest() -> None:
    a = Article.from_dict(_article(3))
    a.digest  # noqa: B018 - computed by the process deciding what to write
    q = pickle.loads(pickle.dumps(a))
    assert q == a and "digest" in vars(q)


def _sample() -> list[dict[str, Any]]:
    try:
        return [{"id": str(d["id"]), "title": d["title"], "body": d["body"]} for d in read_jsonl("vntc/news.jsonl.gz", 240)]
    except pytest.skip.Exception:
        return _articles(240)


def test_parallel_analysis_builds_the_same_index(tmp_path: Path) -> None:
    """Worker processes build the same index as this process alone, including an id repeated
    within one commit whose copies land in different segments (the last copy wins)."""
    articles = _sample()
    articles.insert(220, {**articles[3], "title": "Bản sửa: " + articles[3]["title"]})
    every = len(articles) - 10  # a window past INLINE_LIMIT, where the workers take over, then a small one
    assert every > INLINE_LIMIT + 10
    with Index.create(tmp_path / "inline") as ix:
        inline = ix.add(articles, workers=0, commit_every=every)
        assert ix.stats().segments == 2  # one segment a commit
    with Index.create(tmp_path / "parallel") as ix:
        parallel = ix.add(articles, workers=2, commit_every=every)
        assert ix.stats().segments >= 3  # the workers wrote segments too
        assert ix.article(articles[3]["id"]).title.startswith("Bản sửa")
    assert (inline.added, inline.failed, inline.duplicates) == (parallel.added, parallel.failed, parallel.duplicates)
    assert (inline.added, inline.duplicates) == (len(articles) - 1, (articles[3]["id"],))
    inline_content, parallel_content = _content(tmp_path / "inline"), _content(tmp_path / "parallel")
    for part, a, b in zip(("terms", "lengths", "stored"), inline_content, parallel_content, strict=True):
        only_inline = [x for x in a if x not in b][:3]
        only_parallel = [x for x in b if x not in a][:3]
        assert a == b, f"{part} differ: inline only {only_inline!r:.600}; parallel only {only_parallel!r:.600}"


def test_builders_write_a_segment_every_segment_articles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A builder writes its segment once it holds SEGMENT_ARTICLES articles, whatever the commit
    window (so its memory follows that figure, issue #14): one window gives several segments
    per builder, the same index, and an id repeated in two segments of one builder keeps its
    last copy."""
    articles = _sample()
    articles.insert(220, {**articles[3], "title": "Bản sửa: " + articles[3]["title"]})
    with Index.create(tmp_path / "whole") as ix:
        ix.add(articles, workers=0)
        assert ix.stats().segments == 1
    monkeypatch.setattr(workers, "SEGMENT_ARTICLES", 60)
    for name, processes, at_least in (("inline", 0, 4), ("parallel", 2, 4)):
        with Index.create(tmp_path / name) as ix:
            report = ix.add(articles, workers=processes)
            assert ix.stats().segments >= at_least, name
            assert ix.article(articles[3]["id"]).title.startswith("Bản sửa")
            assert report.duplicates == (articles[3]["id"],)
        assert _content(tmp_path / name) == _content(tmp_path / "whole"), name


def test_fast_analysis_equals_the_schema_analyzers_on_real_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """``prepare``'s fast path gives exactly the postings of Whoosh running the analyzers."""
    articles = [Article.from_dict(d) for d in _sample()]
    articles += [Article.from_dict({"id": "odd", "title": "Thành uỷ  ĐÀ NẴNG_35-NQ/TW", "body": "Hoà bình\u00a0của 1.000 người; có thể…"})]

    def postings(exact: bool) -> list[Any]:
        monkeypatch.setattr(writing, "_EXACT", exact)
        out = []
        for a in articles:
            for name in ("title", "body"):
                text = getattr(a, name)
                out += [(field, _gathered(terms)) for field, terms in writing._analyze(name, text, writing.word_spans(text))]
        return out

    assert postings(False) == postings(True)


def test_an_index_of_the_flat_layout_asks_for_a_rebuild(tmp_path: Path) -> None:
    """Indexes written before the modules moved into subpackages (format 1) pickled their
    analyzers under the old module paths: they are refused with the rebuild command, before
    anything is unpickled."""
    Index.create(tmp_path).close()
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    manifest["format"] = 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexVersionError, match=rf"format 1.*format {INDEX_FORMAT}.*searchkit index SRC --index .* --rebuild"):
        Index.open(tmp_path)


def _prepared_digests(limit: int) -> tuple[str, str]:
    """Digests of what :func:`prepare` gives for the first ``limit`` VNTC articles: the word
    spans, the terms and positions of every view and the stored fields; and the organizations."""
    import hashlib

    analysis, orgs = hashlib.sha256(), hashlib.sha256()
    for d in read_jsonl("vntc/news.jsonl.gz", limit):
        p = prepare(Article.from_dict({"id": str(d["id"]), "title": d["title"], "body": d["body"], "category": d["category"]}))
        views = [(name, sorted(_gathered(terms).items()), len(terms) - terms.count("")) for name, terms in p.analyzed]
        stored = sorted((k, repr(v)) for k, v in document_fields(p).items() if k not in ("orgs", "org_spans"))
        analysis.update(repr((p.title_spans, p.body_spans, views, stored)).encode())
        orgs.update(repr((p.orgs, p.org_spans)).encode())
    return analysis.hexdigest()[:16], orgs.hexdigest()[:16]


def _gathered(terms: list[str]) -> dict[str, list[int]]:
    """Term -> its positions, from the term at each position ("" for none)."""
    postings: dict[str, list[int]] = {}
    for position, term in enumerate(terms):
        if term:
            postings.setdefault(term, []).append(position)
    return postings


def test_prepare_output_is_unchanged_on_real_articles() -> None:
    # Computed on main before the speed work of #14: any change to segmentation, the term
    # mapping, positions, offsets or stored values changes the first digest; a change to the
    # organization rules (expected when they are tuned) changes only the second.
    analysis, orgs = _prepared_digests(300)
    assert analysis == "380457520bdfd142", "prepare() produces other spans, terms, positions or stored values than before"
    assert orgs == "a668877acd9ce3ec", "prepare() finds other organization names (update this digest if the rules changed on purpose)"
