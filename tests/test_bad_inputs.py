"""Hostile inputs (issue #10): one bad record is one Rejected, never a lost run, and every input is
read in bounded memory and time (FIFOs, devices, gzip bombs, huge lines, deep folders, bad names)."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

import searchkit.documents.article as article
import searchkit.documents.readers as readers
from searchkit.documents import MAX_TERM_BYTES, MAX_VIEWS, Article, Rejected, count, iter_path, parse_txt
from searchkit.errors import DocumentError
from searchkit.index import Index
from searchkit.ui import cli

GOOD = 600
BODY = "Ủy ban nhân dân thành phố họp bàn kế hoạch phát triển du lịch biển đảo năm tới."

# (record fields over a valid article, the reason its Rejected must give)
BAD_RECORDS: list[tuple[dict[str, object], str]] = [
    ({"views": 2**63}, "invalid views 9,223,372,036,854,775,808: larger than 9,223,372,036,854,775,807"),
    ({"views": str(2**63)}, "invalid views 9,223,372,036,854,775,808: larger than 9,223,372,036,854,775,807"),
    ({"views": "1" + "0" * 40}, "invalid views '1" + "0" * 38 + "…: larger than"),
    ({"views": 1e300}, "invalid views about 2^996: larger than 9,223,372,036,854,775,807"),
    ({"views": "²"}, "invalid views '²': expected a whole number"),
    ({"published": "9999-12-31T23:59:59-07:00"},
     "invalid published '9999-12-31T23:59:59-07:00': out of range in Vietnam time (UTC+7)"),
    ({"date": "0001-01-01T00:00:00+14:00"}, "invalid date '0001-01-01T00:00:00+14:00': out of range"),
    ({"title": "\ud800"}, "invalid title: lone surrogate '\\ud800' at character 0 (not text)"),
    ({"id": "a\udfff"}, "invalid id: lone surrogate '\\udfff' at character 1 (not text)"),
    ({"body": None, "text": "Nội dung \ud83d bài"}, "invalid text: lone surrogate '\\ud83d' at character 9"),
    ({"author": "\udc80"}, "invalid author: lone surrogate"),
    ({"url": "https://x.vn/\ud800"}, "invalid url: lone surrogate"),
    ({"category": "Kinh t\udfff"}, "invalid category: lone surrogate"),
    ({"source": "\ud800"}, "invalid source: lone surrogate"),
    ({"id": "x" * (MAX_TERM_BYTES + 1)}, "invalid id: longer than 4,096 bytes ('xxxx"),
    ({"id": 10 ** 4200}, "invalid id: longer than 4,096 bytes"),
    ({"category": "ô" * MAX_TERM_BYTES}, "invalid category: longer than 4,096 bytes"),
]


def good_record(i: int) -> dict[str, object]:
    return {"id": f"good-{i}", "title": f"Tin số {i}", "body": BODY, "views": i, "published": "2024-01-02T03:04:05+07:00"}


def bad_record(n: int, patch: dict[str, object]) -> dict[str, object]:
    return {"id": f"bad-{n}", "title": "Tin hỏng", "body": BODY} | patch


@pytest.fixture(scope="module")
def hostile_jsonl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    """600 good articles with every bad record of BAD_RECORDS (and two bad JSON lines) among them.

    Returns the file and, for each bad line number, the start of its expected reason.
    """
    path = tmp_path_factory.mktemp("hostile") / "tin.jsonl"
    lines: list[str] = []
    expected: dict[int, str] = {}
    for i in range(GOOD):
        lines.append(json.dumps(good_record(i), ensure_ascii=False))
        if i % 30 == 7 and (n := len(expected)) < len(BAD_RECORDS):
            patch, reason = BAD_RECORDS[n]
            lines.append(json.dumps(bad_record(n, patch)))  # ensure_ascii: "\\ud800" escapes, as in the wild
            expected[len(lines)] = reason
    lines.insert(100, "[" * 100_000 + "]" * 100_000)
    lines.insert(200, '{"id": "big-number", "body": "x", "views": ' + "9" * 5000 + "}")
    expected = {n + (n > 100) + (n > 200): r for n, r in expected.items()}
    expected[101] = "invalid JSON: nested too deeply"
    expected[201] = "invalid JSON: Exceeds the limit (4300 digits) for integer string conversion"
    assert len(expected) == len(BAD_RECORDS) + 2
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, expected


def check_rejections(failed: list[Rejected] | tuple[Rejected, ...], path: Path, expected: dict[int, str]) -> None:
    assert [(r.source, r.line) for r in failed] == [(str(path), n) for n in sorted(expected)]
    for r in failed:
        assert r.reason.startswith(expected[r.line or 0]), (r.line, r.reason)
        assert "\n" not in str(r) and len(str(r)) < 300
        str(r).encode("utf-8")  # printable: no lone surrogate leaks into the report


@pytest.mark.parametrize(("patch", "reason"), BAD_RECORDS)
def test_from_dict_rejects_each_unstorable_value_naming_it(patch: dict[str, object], reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        Article.from_dict(bad_record(0, patch))
    assert str(caught.value).startswith(reason)


def test_values_at_the_limits_are_accepted() -> None:
    a = Article.from_dict({"id": "é" * (MAX_TERM_BYTES // 2), "body": "x", "views": str(MAX_VIEWS),
                           "published": "9999-12-31T23:59:59+07:00", "category": "c" * MAX_TERM_BYTES})
    assert a.views == MAX_VIEWS and a.published is not None and a.published.year == 9999
    assert Article.from_dict({"id": 1, "body": "x", "views": float(2**62)}).views == 2**62
    assert Article.from_dict({"id": 1, "body": "😀 x", "title": "\U0001f600"}).title == "😀"  # a pair is fine


def test_reader_rejects_each_bad_record_and_keeps_the_others(hostile_jsonl: tuple[Path, dict[int, str]]) -> None:
    path, expected = hostile_jsonl
    items = list(iter_path(path))
    articles = [i for i in items if isinstance(i, Article)]
    assert [a.id for a in articles] == [f"good-{i}" for i in range(GOOD)]
    check_rejections([i for i in items if isinstance(i, Rejected)], path, expected)


def test_index_add_path_indexes_the_good_articles(hostile_jsonl: tuple[Path, dict[int, str]], tmp_path: Path) -> None:
    path, expected = hostile_jsonl
    with Index.create(tmp_path / "ix") as ix:
        report = ix.add_path(path, workers=0)
        assert report.added == GOOD and len(ix) == GOOD
        check_rejections(report.failed, path, expected)
        assert ix.article("good-599") is not None


def test_cli_index_reports_each_bad_record_and_exits_1(hostile_jsonl: tuple[Path, dict[int, str]], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path, expected = hostile_jsonl
    status = cli.main(["index", str(path), "--index", str(tmp_path / "ix"), "--workers", "0", "--json"])
    out, err = capsys.readouterr()
    assert status == cli.EXIT_PARTIAL
    report = json.loads(out)
    assert report["added"] == GOOD
    assert [(f["source"], f["line"]) for f in report["failed"]] == [(str(path), n) for n in sorted(expected)]
    assert err.strip() == f"searchkit: error: {len(expected)} inputs could not be indexed (listed in the JSON report)"


def test_cli_report_lines_stay_whole_when_piped(tmp_path: Path) -> None:
    """Redirected to a file or a pipe, a failure of the human report is one line, whatever its length."""
    source = tmp_path / "records.jsonl"
    source.write_text('{"id": "1", "title": "Một", "body": "Một.", "date": "2023-13-45 and a long tail of words past eighty columns"}\n'
                      '{"id": "2", "title": "Hai", "body": "Hai."}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "searchkit", "index", str(source), "--index", str(tmp_path / "ix"),
                           "--workers", "0"], capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == cli.EXIT_PARTIAL, done.stderr
    lines = [line for line in done.stdout.splitlines() if "records.jsonl:1:" in line]
    assert len(lines) == 1 and lines[0].rstrip().endswith("[HH:MM]"), done.stdout


def test_index_add_rejects_bad_dicts_too(tmp_path: Path) -> None:
    with Index.create(tmp_path / "ix") as ix:
        report = ix.add([bad_record(0, {"views": 2**64}), good_record(1), bad_record(1, {"title": "\ud800"})], workers=0)
    assert report.added == 1
    assert [(r.line, r.reason.split(":")[0]) for r in report.failed] == [(1, "invalid views 18,446,744,073,709,551,616"),
                                                                        (3, "invalid title")]


def test_txt_with_unstorable_views_or_id_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Tiêu đề\nĐăng ngày 01-02-2024 08:00, Lượt xem: 99999999999999999999\n\nThân bài.", encoding="utf-8")
    assert list(iter_path(path)) == [
        Rejected(str(path), None, "invalid views 99,999,999,999,999,999,999: larger than 9,223,372,036,854,775,807")
    ]
    with pytest.raises(DocumentError, match="invalid id: longer than 4,096 bytes"):
        parse_txt("Tiêu đề\nThân bài.", article_id="d/" * 3000 + "a.txt")
    with pytest.raises(DocumentError, match="invalid text: lone surrogate"):
        parse_txt("Tiêu đề\n\ud800", article_id="a.txt")


def test_an_unexpected_error_on_one_record_is_one_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = article._one_line

    def flaky(text: str) -> str:
        if text == "boom":
            raise RuntimeError("a bug\nover two lines")
        if text == "oom":
            raise MemoryError
        return real(text)

    monkeypatch.setattr(article, "_one_line", flaky)
    path = tmp_path / "a.jsonl"
    records = [{"id": "1", "title": "ok", "body": "x"}, {"id": "2", "title": "boom", "body": "x"}, {"id": "3", "body": "x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    items = list(iter_path(path))
    assert [i.id for i in items if isinstance(i, Article)] == ["1", "3"]
    assert [i for i in items if isinstance(i, Rejected)] == [
        Rejected(str(path), 2, "unexpected error: RuntimeError: a bug over two lines")
    ]
    path.write_text(json.dumps({"id": "4", "title": "oom", "body": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(MemoryError):  # the process is out of memory: not a record's fault, not hidden
        list(iter_path(path))


# --- files that must never be opened, or read whole ---------------------------------------------


def lines_of(items: Iterator[Article | Rejected]) -> list[str]:
    return [i.id if isinstance(i, Article) else str(i) for i in items]


def write_jsonl(path: Path, *ids: str) -> Path:
    path.write_text("".join(json.dumps({"id": i, "body": BODY}) + "\n" for i in ids), encoding="utf-8")
    return path


@pytest.fixture()
def specials(tmp_path: Path) -> Path:
    """A folder with a FIFO, a symbolic link to /dev/zero and a socket-free good file."""
    os.mkfifo(tmp_path / "fifo.jsonl")
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    write_jsonl(tmp_path / "ok.jsonl", "ok")
    return tmp_path


def test_fifos_and_devices_are_never_opened(specials: Path) -> None:
    assert lines_of(iter_path(specials)) == [
        f"{specials / 'dangling.txt'}: broken symbolic link",
        f"{specials / 'fifo.jsonl'}: skipped: not a regular file (a FIFO)",
        "ok",
        f"{specials / 'zero.jsonl'}: skipped: not a regular file (a character device)",
        f"{specials / 'zero.txt'}: skipped: not a regular file (a character device)",
    ]
    for name, kind in (("fifo.jsonl", "a FIFO"), ("zero.jsonl", "a character device"), ("zero.txt", "a character device")):
        assert lines_of(iter_path(specials / name)) == [f"{specials / name}: not a regular file ({kind})"]


def test_cli_index_of_fifos_and_devices_finishes(specials: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(specials / "fifo.jsonl"), str(specials / "zero.jsonl"), str(specials)]
    status = cli.main(["index", *args, "--index", str(tmp_path / "ix"), "--workers", "0", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == cli.EXIT_PARTIAL and report["added"] == 1
    assert [f["reason"] for f in report["failed"]] == [
        "not a regular file (a FIFO)", "not a regular file (a character device)", "broken symbolic link"
    ]
    assert count.count_inputs([specials / "fifo.jsonl", specials / "zero.jsonl", specials]) == 1 + 1 + 1


def test_count_inputs_stops_at_its_budget_with_an_estimate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    newlines = tmp_path / "newlines.jsonl"
    with newlines.open("wb") as f:
        for _ in range(32):
            f.write(b"\n" * 2**20)
    write_jsonl(tmp_path / "small.jsonl", "a", "b")
    lines = 16 * 2**20  # an estimate: blank lines between records are not counted, runs in part
    assert count.count_inputs([newlines]) == lines  # under the budget: read to its end
    monkeypatch.setattr(count, "COUNT_BUDGET_BYTES", 4 * 2**20)
    started = time.perf_counter()
    assert count.count_inputs([newlines]) == lines  # 4 MB read, the rest extrapolated from the file size
    # Past the budget a file is not read: its size times the lines per byte seen so far (here 1/2).
    small = tmp_path / "small.jsonl"
    assert count.count_inputs([newlines, small]) == lines + round(small.stat().st_size / 2)
    assert time.perf_counter() - started < 2
    monkeypatch.setattr(count, "COUNT_BUDGET_SECONDS", 0.0)
    assert count.count_inputs([newlines]) == 0  # out of time before the first file


def write_bomb(path: Path, megabytes: int) -> Path:
    """A small .jsonl.gz whose second line inflates to ``megabytes`` MB."""
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as g:
        g.write(b'{"id": "before", "body": "x"}\n{"id": "bomb", "body": "')
        chunk = b"a" * (1 << 20)
        for _ in range(megabytes):
            g.write(chunk)
        g.write(b'"}\n{"id": "after", "body": "y"}\n')
    return path


def test_gzip_bomb_line_is_rejected_in_bounded_memory(tmp_path: Path) -> None:
    path = write_bomb(tmp_path / "bomb.jsonl.gz", 200)
    assert path.stat().st_size < 300_000
    code = (
        "import resource, sys; from searchkit.documents import iter_path; from searchkit.documents import count_inputs\n"
        "items = [str(i) if hasattr(i, 'reason') else i.id for i in iter_path(sys.argv[1])]\n"
        "print(items)\nprint(count_inputs([__import__('pathlib').Path(sys.argv[1])]))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=True)
    seconds = time.perf_counter() - started
    items, count, peak_mb = done.stdout.splitlines()
    assert items == f"['before', '{path}:2: line too long (over 20 MB)', 'after']"
    assert 1 <= int(count) <= 10  # 64 MB read, the rest estimated
    assert int(peak_mb) < 150, f"peak RSS {peak_mb} MB reading a line of 200 MB"
    assert seconds < 20


def test_long_line_in_utf16_is_skipped_to_its_newline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_JSONL_LINE_BYTES", 1000)
    path = tmp_path / "a.jsonl"
    lines = [json.dumps({"id": "a", "body": "x"}), "y" * 5000, json.dumps({"id": "b", "body": "x"})]
    path.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le"))
    assert lines_of(iter_path(path)) == ["a", f"{path}:2: line too long (over 1,000 bytes)", "b"]


def test_corrupt_gzip_ends_that_file_with_one_rejected(tmp_path: Path) -> None:
    data = gzip.compress("".join(json.dumps({"id": f"g{i}", "body": "x" * 50}) + "\n" for i in range(5000)).encode())
    (tmp_path / "a.jsonl.gz").write_bytes(data[:-40])  # truncated
    (tmp_path / "b.jsonl.gz").write_bytes(data + b"garbage after the member")
    (tmp_path / "c.jsonl.gz").write_bytes(data[:-8] + bytes([data[-8] ^ 1]) + data[-7:])  # wrong CRC
    write_jsonl(tmp_path / "d.jsonl", "d")
    items = list(iter_path(tmp_path))
    rejected = [i for i in items if isinstance(i, Rejected)]
    truncated_at = sum(isinstance(i, Article) and i.origin == str(tmp_path / "a.jsonl.gz") for i in items) + 1
    assert 1000 < truncated_at < 5000
    assert [(Path(r.source).name, r.line, r.reason.split(":")[0]) for r in rejected] == [
        ("a.jsonl.gz", truncated_at, "corrupt gzip data"), ("b.jsonl.gz", 5001, "corrupt gzip data"),
        ("c.jsonl.gz", 5001, "corrupt gzip data"),
    ]
    assert [r.reason.split(": ", 1)[1] for r in rejected] == [
        "Compressed file ended before the end-of-stream marker was reached", "Not a gzipped file (b'ga')",
        f"CRC check failed {hex(int.from_bytes(data[-8:-4], 'little') ^ 1)} != {hex(int.from_bytes(data[-8:-4], 'little'))}",
    ]
    assert items[-1] == Article.from_dict({"id": "d", "body": BODY})
    assert count.count_inputs([tmp_path]) == (truncated_at - 1) + 5000 + 5000 + 1


def test_names_that_are_not_utf8_are_rejected_with_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    write_jsonl(folder / os.fsdecode(b"tin-\xff.jsonl"), "bad-name")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("Tiêu đề\nThân bài.", encoding="utf-8")
    (folder / os.fsdecode(b"th\xe1ng")).mkdir()
    (folder / os.fsdecode(b"th\xe1ng") / "x.txt").write_text("Tiêu đề\nThân bài.", encoding="utf-8")
    write_jsonl(folder / "tot.jsonl", "good")
    expected = [
        f"{folder}/caf\\xe9.txt: file name is not valid UTF-8",
        f"{folder}/th\\xe1ng: folder name is not valid UTF-8 (not read)",
        f"{folder}/tin-\\xff.jsonl: file name is not valid UTF-8",
        "good",
    ]
    assert lines_of(iter_path(folder)) == expected
    assert lines_of(iter_path(folder / os.fsdecode(b"tin-\xff.jsonl"))) == [expected[2]]

    status = cli.main(["index", str(folder), "--index", str(tmp_path / "ix"), "--workers", "0"],
                      console=Console(file=io.StringIO()))
    assert status == cli.EXIT_PARTIAL
    assert capsys.readouterr().err == "searchkit: error: 3 inputs could not be indexed (listed above)\n"


def nest(base: Path, depth: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ``base``/d/d/.../d (``depth`` levels) one relative step at a time: any depth works."""
    monkeypatch.chdir(base)
    for _ in range(depth):
        os.mkdir("d")
        os.chdir("d")
    Path("a.txt").write_text("Bài ở rất sâu\nThân bài.", encoding="utf-8")
    monkeypatch.undo()
    return base


def unnest(base: Path, depth: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove what :func:`nest` made, bottom up (``shutil.rmtree`` recurses and would fail)."""
    monkeypatch.chdir(base)
    for _ in range(depth):
        os.chdir("d")
    os.remove("a.txt")
    for _ in range(depth):
        os.chdir("..")
        os.rmdir("d")
    monkeypatch.undo()


@pytest.mark.parametrize("depth", [1200, 2100])
def test_deep_folders_are_walked_without_recursion(depth: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    write_jsonl(src / "z.jsonl", "z")
    nest(src, depth, monkeypatch)
    try:
        started = time.perf_counter()
        items = lines_of(iter_path(src))
        if len(str(src)) + 2 * depth + len("/a.txt") < 4096:
            assert items == ["d/" * depth + "a.txt", "z"]  # the id is long, but under MAX_TERM_BYTES
        else:  # deeper than the system opens: one Rejected, the rest still read
            assert len(items) == 2 and items[1] == "z"
            assert items[0].endswith("/d/d: cannot list folder: File name too long")
        assert count.count_inputs([src]) == (2 if depth == 1200 else 1)
        status = cli.main(["index", str(src), "--index", str(tmp_path / "ix"), "--workers", "0", "--json"])
        assert json.loads(capsys.readouterr().out)["added"] == 2 if depth == 1200 else 1
        assert status == (cli.EXIT_OK if depth == 1200 else cli.EXIT_PARTIAL)
        assert time.perf_counter() - started < 20
    finally:
        unnest(src, depth, monkeypatch)
