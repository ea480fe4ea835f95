"""The command line through ``main(argv)``: every subcommand, its JSON, its errors and exit codes."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from searchkit.documents import count_inputs
from searchkit.index import Index, build_index
from searchkit.ui import cli
from searchkit.ui.cli import (
    EXIT_FATAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    main,
)

# Original short articles (written for these tests).
TXT_ARTICLES = {
    "haiphong/bcd35.txt": (
        "Ban Chỉ đạo 35 thành phố Hải Phòng sơ kết công tác quý III\n"
        "Đăng ngày 05-10-2024 08:30, Lượt xem: 1.204\n\n"
        "Sáng 5-10, Ban Chỉ đạo 35 thành phố Hải Phòng họp sơ kết công tác bảo vệ nền tảng tư tưởng.\n\n"
        "Hội nghị chỉ đạo các cơ quan báo chí tăng cường thông tin tích cực trên mạng xã hội.\n"
    ),
    "danang/mua-lu.txt": (
        "Thành uỷ Đà Nẵng chỉ đạo khắc phục hậu quả mưa lũ\n"
        "Đăng ngày 15-10-2022 17:05, Lượt xem: 3.100\n\n"
        "Thường trực Thành uỷ Đà Nẵng yêu cầu các quận, huyện khẩn trương dọn dẹp bùn đất sau mưa lớn.\n"
    ),
}
JSONL_ARTICLES = [
    {"id": "qn-du-lich", "title": "UBND tỉnh Quảng Ninh họp bàn phát triển du lịch biển đảo",
     "body": "UBND tỉnh Quảng Ninh thống nhất kế hoạch đón khách quốc tế tại vịnh Hạ Long.",
     "published": "2023-06-12T09:00:00", "views": 530, "category": "Kinh tế"},
    {"id": "qn-bcd35", "title": "Ban Chỉ đạo 35 tỉnh Quảng Ninh triển khai nhiệm vụ năm 2024",
     "body": "Ban Chỉ đạo 35 tỉnh Quảng Ninh chỉ đạo lực lượng nòng cốt đấu tranh phản bác quan điểm sai trái.",
     "published": "2024-01-20T14:00:00", "views": 88, "category": "Chính trị"},
    {"id": "lua-gao", "title": "Giá lúa gạo tăng nhẹ ở đồng bằng sông Cửu Long",
     "body": "Thương lái thu mua lúa tươi với giá cao hơn tuần trước khoảng hai trăm đồng mỗi ký.",
     "published": "2024-03-02T06:30:00", "views": 2450, "category": "Kinh tế"},
]


def write_sources(folder: Path) -> Path:
    """Write the test articles (two .txt files and one .jsonl) into ``folder``."""
    for name, text in TXT_ARTICLES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    lines = [json.dumps(a, ensure_ascii=False) for a in JSONL_ARTICLES]
    (folder / "tin.jsonl").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small index built once for the read-only tests of this module."""
    root = tmp_path_factory.mktemp("cli")
    src = write_sources(root / "src")
    with Index.create(root / "index") as ix:
        report = ix.add_path(src, workers=0)
    assert report.added == 5 and report.ok
    return root / "index"


@pytest.fixture()
def fresh_index(tmp_path: Path) -> Path:
    """An index of the test articles that a test may change."""
    src = write_sources(tmp_path / "src")
    with Index.create(tmp_path / "index") as ix:
        ix.add_path(src, workers=0)
    return tmp_path / "index"


def one_error_line(err: str) -> str:
    """Assert ``err`` is one ``searchkit: error:`` line without a traceback; return it."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("searchkit: error: "), err
    assert "Traceback" not in err
    return lines[0]


# -- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["index", "search", "orgs", "stats", "delete", "repl"])
def test_every_subcommand_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Example" in out
    assert f"searchkit {command}" in out


def test_top_level_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == EXIT_OK
    assert "Example" in capsys.readouterr().out
    assert main(["--version"]) == EXIT_OK
    compiled = importlib.util.find_spec("searchkit.text._viterbi") is not None
    assert f"(segmentation Viterbi: {'C' if compiled else 'pure Python'})" in capsys.readouterr().out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_FATAL
    assert "usage" in capsys.readouterr().err


def test_unknown_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "x", "--bogus"]) == EXIT_FATAL
    line = one_error_line(capsys.readouterr().err)
    assert "--bogus" in line and "searchkit search --help" in line


# -- index --------------------------------------------------------------------------------------


def test_count_inputs(tmp_path: Path) -> None:
    src = write_sources(tmp_path)
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    assert count_inputs([src]) == 2 + 3
    assert count_inputs([src / "tin.jsonl", tmp_path / "missing"]) == 3


def test_index_creates_the_index_and_prints_a_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths: the table fits in 80 columns
    write_sources(tmp_path / "src")
    target = tmp_path / "ix"
    assert main(["index", "src", "--index", "ix", "--workers", "0"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    assert "tin.jsonl" in out and "bcd35.txt" in out and "Total" in out
    assert "5 articles" in out
    with Index.open(target) as ix:
        assert len(ix) == 5


def test_index_json_report_and_unchanged_second_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_sources(tmp_path / "src")
    target = str(tmp_path / "ix")
    assert main(["index", str(src), "--index", target, "--workers", "0", "--json"]) == EXIT_OK
    first = json.loads(capsys.readouterr().out)
    assert (first["added"], first["updated"], first["unchanged"], first["failed"]) == (5, 0, 0, [])
    assert {f["source"] for f in first["files"]} >= {str(src / "haiphong" / "bcd35.txt")}
    assert main(["index", str(src), "--index", target, "--workers", "0", "--json"]) == EXIT_OK
    second = json.loads(capsys.readouterr().out)
    assert (second["added"], second["unchanged"]) == (0, 5)


def test_index_rebuild_starts_from_scratch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_sources(tmp_path / "src")
    target = str(tmp_path / "ix")
    assert main(["index", str(src), "--index", target, "--workers", "0"]) == EXIT_OK
    capsys.readouterr()
    assert main(["index", str(src / "tin.jsonl"), "--index", target, "--rebuild", "--workers", "0", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["added"] == 3
    with Index.open(target) as ix:
        assert len(ix) == 3


def test_index_partial_failure_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    src = Path("src")
    src.mkdir()
    (src / "good.txt").write_text("Thành uỷ Đà Nẵng họp\n\nThành uỷ Đà Nẵng họp về mưa lũ.", encoding="utf-8")
    (src / "broken.jsonl").write_text('{"id": "a", "title": "Thiếu ngoặc"\n', encoding="utf-8")
    (src / "scan.pdf").write_bytes(b"%PDF-1.7")
    target = "ix"
    assert main(["index", str(src), "--index", target, "--workers", "0"]) == EXIT_PARTIAL
    out, err = capsys.readouterr()
    assert "could not be indexed" in one_error_line(err)
    assert f"{src / 'broken.jsonl'}:1: invalid JSON" in out
    assert "scan.pdf" in out and "Skipped" in out
    assert main(["index", str(src), "--index", target, "--workers", "0", "--json"]) == EXIT_PARTIAL
    report = json.loads(capsys.readouterr().out)
    assert report["failed"][0]["line"] == 1 and report["unchanged"] == 1
    assert report["skipped"][0]["reason"].startswith("skipped:")


def test_index_missing_src_exits_2_without_creating_an_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ix"
    assert main(["index", str(tmp_path / "nowhere"), "--index", str(target)]) == EXIT_FATAL
    assert "no such file or folder" in one_error_line(capsys.readouterr().err)
    assert not target.exists()


def test_index_one_missing_src_among_others_is_partial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_sources(tmp_path / "src")
    code = main(["index", str(src), str(tmp_path / "nowhere.jsonl"), "--index", str(tmp_path / "ix"), "--workers", "0", "--json"])
    assert code == EXIT_PARTIAL
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == 5
    assert report["failed"] == [{"source": str(tmp_path / "nowhere.jsonl"), "line": None, "reason": "no such file or folder"}]


def test_index_with_nothing_readable_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "scan.pdf").write_bytes(b"%PDF-1.7")
    assert main(["index", str(src), "--index", str(tmp_path / "ix")]) == EXIT_FATAL
    assert "nothing indexed" in one_error_line(capsys.readouterr().err)


def test_index_locked_exits_2(fresh_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = Index.open(fresh_index)
    writer = holder._ix.writer()  # another writer holds the lock
    try:
        assert main(["index", str(tmp_path / "src"), "--index", str(fresh_index), "--workers", "0"]) == EXIT_FATAL
        assert "locked" in one_error_line(capsys.readouterr().err)
        assert main(["delete", "qn-du-lich", "--index", str(fresh_index)]) == EXIT_FATAL
        assert "locked" in one_error_line(capsys.readouterr().err)
    finally:
        writer.cancel()
        holder.close()


def test_rebuild_of_a_locked_index_exits_2(fresh_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    holder = Index.open(fresh_index)
    writer = holder._ix.writer()
    try:
        code = main(["index", str(tmp_path / "src"), "--index", str(fresh_index), "--rebuild", "--workers", "0"])
        assert code == EXIT_FATAL
        assert "locked" in one_error_line(capsys.readouterr().err)
    finally:
        writer.cancel()
        holder.close()


def test_summary_is_per_input_file(tmp_path: Path) -> None:
    article = {**JSONL_ARTICLES[0], "source": "Báo Quảng Ninh"}  # a newspaper, not a file
    (tmp_path / "qn.jsonl").write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["index", str(tmp_path / "qn.jsonl"), "--index", str(tmp_path / "ix"), "--workers", "0", "--json"],
                console=Console(file=out)) == EXIT_OK
    assert [f["source"] for f in json.loads(out.getvalue())["files"]] == [str(tmp_path / "qn.jsonl")]


def test_negative_workers_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(tmp_path), "--workers", "-1"]) == EXIT_FATAL
    assert "--workers" in one_error_line(capsys.readouterr().err)


# -- search -------------------------------------------------------------------------------------


def test_search_renders_results(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "ban chi dao 35", "--index", str(index_dir)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Ban Chỉ đạo 35 thành phố Hải Phòng sơ kết công tác quý III" in out
    assert "2024-10-05 08:30" in out and "1,204 views" in out and "score" in out
    assert "[Ban Chỉ đạo 35 tỉnh Quảng Ninh]" in out  # organization label
    assert "results (showing 1–" in out and " ms" in out
    assert "\x1b[" not in out  # piped: no escape codes


def test_search_json(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "thành uỷ đà nẵng", "--index", str(index_dir), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "thành uỷ đà nẵng"
    assert data["hits"][0]["id"] == "danang/mua-lu.txt"
    assert "Thành ủy Đà Nẵng" in data["hits"][0]["orgs"]
    assert {"text", "spans"} <= set(data["hits"][0]["snippet"])


def search_ids(index_dir: Path, capsys: pytest.CaptureFixture[str], query: str, *extra: str) -> list[str]:
    assert main(["search", query, "--index", str(index_dir), "--json", *extra]) == EXIT_OK
    return [h["id"] for h in json.loads(capsys.readouterr().out)["hits"]]


def test_search_filters_and_sort(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def ids(*extra: str) -> list[str]:  # any word: four articles hold "chỉ" or "đạo"
        return search_ids(index_dir, capsys, "chỉ đạo", "--match", "any", *extra)

    assert ids("--org", "UBND Quảng Ninh") == ["qn-du-lich"]
    assert ids("--org", "Ban Chỉ đạo 35 tỉnh Quảng Ninh") == ["qn-bcd35"]
    assert ids("--category", "chính trị") == ["qn-bcd35"]
    assert ids("--since", "2024")[:2] == ["qn-bcd35", "haiphong/bcd35.txt"]
    assert ids("--until", "2022-10") == ["danang/mua-lu.txt"]
    assert ids("--since", "2024-01-20", "--until", "2024-01-20") == ["qn-bcd35"]
    assert ids("--sort", "date") == ["haiphong/bcd35.txt", "qn-bcd35", "qn-du-lich", "danang/mua-lu.txt"]
    assert ids("--sort", "views") == ["danang/mua-lu.txt", "haiphong/bcd35.txt", "qn-du-lich", "qn-bcd35"]
    assert ids("--sort", "date", "--limit", "1", "--offset", "1") == ["qn-bcd35"]


def test_search_filter_keeps_only_matching_articles(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "lua-gao" (2024) has neither "chỉ" nor "đạo": a date filter must not bring it in.
    assert "lua-gao" not in search_ids(index_dir, capsys, "chỉ đạo", "--since", "2024")
    assert "lua-gao" not in search_ids(index_dir, capsys, "chỉ đạo", "--category", "Kinh tế")


def test_search_bad_query_exits_2(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "title:", "--index", str(index_dir)]) == EXIT_FATAL
    assert "title: needs a value" in one_error_line(capsys.readouterr().err)
    assert main(["search", "date:hôm-qua", "--index", str(index_dir), "--json"]) == EXIT_FATAL
    out, err = capsys.readouterr()
    assert out == "" and "not a date" in one_error_line(err)


@pytest.mark.parametrize("args", [["--since", "2023-13"], ["--until", "mai"], ["--sort", "hay"], ["--limit", "x"]])
def test_search_bad_arguments_are_usage_errors(index_dir: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "x", "--index", str(index_dir), *args]) == EXIT_FATAL
    assert args[0] in one_error_line(capsys.readouterr().err)


def test_a_date_range_open_at_the_wanted_end_is_a_usage_error(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One date parser for the CLI and the REPL (searchkit.ui.usage.date_bound): the message of
    # a range open at the end asked for is the REPL's ("leaves the end open"), an intended change.
    assert main(["search", "x", "--index", str(index_dir), "--until", "2022.."]) == EXIT_FATAL
    line = one_error_line(capsys.readouterr().err)
    assert "--until" in line and "'2022..' leaves the end open; give a date such as 2023-08" in line
    assert search_ids(index_dir, capsys, "chỉ đạo", "--since", "2022..")  # its start is a date: exit 0


def test_search_needs_a_query_or_a_file(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--index", str(index_dir)]) == EXIT_FATAL
    assert "QUERY or --queries" in one_error_line(capsys.readouterr().err)


def test_missing_index_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["search", "x"], ["orgs"], ["stats"], ["delete", "x"], ["repl", "-c", "x"]):
        assert main([*argv, "--index", str(tmp_path / "none")]) == EXIT_FATAL
        line = one_error_line(capsys.readouterr().err)
        assert f"no searchkit index at {tmp_path / 'none'}" in line and "searchkit index SRC" in line


def test_default_index_location_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["stats"]) == EXIT_FATAL
    assert "no searchkit index at indexes/default" in one_error_line(capsys.readouterr().err)


def test_batch_queries_keep_their_order(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = ["lua gao", "", "thanh uy da nang", "title:", "  ", "quảng ninh du lịch", "xyzw qqqq"]
    path = tmp_path / "queries.txt"
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")
    assert main(["search", "--queries", str(path), "--index", str(index_dir), "--json"]) == EXIT_PARTIAL
    out, err = capsys.readouterr()
    assert "1 of 5 queries failed" in one_error_line(err)
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in rows] == [q.strip() for q in queries if q.strip()]
    assert rows[0]["hits"][0]["id"] == "lua-gao"
    assert rows[1]["hits"][0]["id"] == "danang/mua-lu.txt"
    assert set(rows[2]) == {"query", "line", "error"} and "title: needs a value" in rows[2]["error"]
    assert rows[2]["line"] == 4
    assert rows[3]["hits"][0]["id"] == "qn-du-lich"
    assert rows[4]["total"] == 0


def test_batch_human_output_is_one_line_per_query(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.txt"
    path.write_text("lua gao\n\nthanh uy da nang\n", encoding="utf-8")
    assert main(["search", "--queries", str(path), "--index", str(index_dir), "--limit", "1"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["lua gao\t1\tlua-gao", "thanh uy da nang\t" + lines[1].split("\t")[1] + "\tdanang/mua-lu.txt"]


def test_batch_line_that_is_not_utf8_is_one_failed_query(index_dir: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.txt"
    path.write_bytes(b"\xef\xbb\xbflua gao\nthanh \xff uy\n" + b"x" * 70_000 + b"\n\nthanh uy da nang\n")
    assert main(["search", "--queries", str(path), "--index", str(index_dir), "--json", "--limit", "1"]) == EXIT_PARTIAL
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["query"] for r in rows] == ["lua gao", "thanh \\xff uy", "x" * 200, "thanh uy da nang"]
    assert rows[1] == {"query": "thanh \\xff uy", "line": 2, "error": "not valid UTF-8 (byte 7 of the line)"}
    assert rows[2] == {"query": "x" * 200, "line": 3, "error": "line longer than 65,536 bytes"}
    assert rows[0]["hits"][0]["id"] == "lua-gao" and rows[3]["hits"][0]["id"] == "danang/mua-lu.txt"
    assert err.splitlines() == [
        f"searchkit: error: {path}:2: not valid UTF-8 (byte 7 of the line)",
        f"searchkit: error: {path}:3: line longer than 65,536 bytes",
        "searchkit: error: 2 of 4 queries failed (see their error lines)",
    ]
    assert main(["search", "--queries", str(path), "--index", str(index_dir), "--limit", "1"]) == EXIT_PARTIAL
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "thanh \\xff uy\terror\tnot valid UTF-8 (byte 7 of the line)" and len(lines) == 4


def test_batch_reads_stdin_as_bytes(index_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"lua gao\n\xc3\n"), encoding="utf-8"))
    assert main(["search", "--queries", "-", "--index", str(index_dir), "--limit", "1"]) == EXIT_PARTIAL
    out, err = capsys.readouterr()
    assert out.splitlines() == ["lua gao\t1\tlua-gao", "\\xc3\terror\tnot valid UTF-8 (byte 1 of the line)"]
    assert err.splitlines()[0] == "searchkit: error: <stdin>:2: not valid UTF-8 (byte 1 of the line)"


def test_batch_missing_file_exits_2(index_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--queries", str(tmp_path / "nope.txt"), "--index", str(index_dir)]) == EXIT_FATAL
    assert "nope.txt" in one_error_line(capsys.readouterr().err)


# -- orgs, stats, delete ------------------------------------------------------------------------


def test_orgs(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orgs", "--index", str(index_dir)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Thành ủy Đà Nẵng" in out and "Ủy ban nhân dân tỉnh Quảng Ninh" in out
    assert main(["orgs", "--index", str(index_dir), "--json", "--top", "2"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert len(data["organizations"]) == 2 and data["query"] is None
    assert main(["orgs", "--index", str(index_dir), "--json", "--query", "mưa lũ"]) == EXIT_OK
    values = [o["value"] for o in json.loads(capsys.readouterr().out)["organizations"]]
    assert values == ["Thành ủy Đà Nẵng"]


def test_stats(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--index", str(index_dir)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Articles" in out and "5" in out
    assert main(["stats", "--index", str(index_dir), "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["articles"] == 5 and data["path"] == str(index_dir)


def test_delete(fresh_index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["delete", "lua-gao", "--index", str(fresh_index)]) == EXIT_OK
    assert "deleted 1 of 1" in capsys.readouterr().out
    # Deleting is idempotent: an id already gone is listed, changes nothing and is no error.
    assert main(["delete", "qn-du-lich", "lua-gao", "--index", str(fresh_index), "--json"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert json.loads(out) == {"deleted": ["qn-du-lich"], "missing": ["lua-gao"]} and err == ""
    with Index.open(fresh_index) as ix:
        assert len(ix) == 3 and ix.article("lua-gao") is None
    assert main(["delete", "qn-du-lich", "lua-gao", "--index", str(fresh_index)]) == EXIT_OK
    assert "not in the index (2): qn-du-lich, lua-gao" in capsys.readouterr().out


# -- repl through main, output, interrupts ------------------------------------------------------


def test_repl_commands(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["repl", "--index", str(index_dir), "-c", "mua lu", "-c", ":open 1", "-c", ":q", "-c", ":stats"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Thường trực Thành ủy Đà Nẵng yêu cầu" in out
    assert "Segments" not in out  # :q stopped before :stats
    assert main(["repl", "--index", str(index_dir), "-c", ":nope"]) == EXIT_PARTIAL


def test_repl_builds_the_default_index_from_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    write_sources(tmp_path / "examples" / "articles")
    monkeypatch.chdir(tmp_path)
    assert main(["repl", "-c", "lua gao"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "building it from examples/articles" in out
    assert "Giá lúa gạo tăng nhẹ" in out
    assert (tmp_path / "indexes" / "default" / "searchkit.json").is_file()
    assert main(["repl", "-c", ":stats"]) == EXIT_OK  # second time: opened, not rebuilt
    assert "building" not in capsys.readouterr().out


def test_repl_without_index_or_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["repl", "-c", "x"]) == EXIT_FATAL
    line = one_error_line(capsys.readouterr().err)
    assert "indexes/default" in line and "examples/articles" in line


def test_injected_console_sets_the_width(index_dir: Path) -> None:
    buffer = io.StringIO()
    assert main(["search", "ban chi dao", "--index", str(index_dir)], console=Console(file=buffer, width=40)) == EXIT_OK
    lines = buffer.getvalue().splitlines()
    assert lines and max(len(line) for line in lines) <= 40


def test_no_color(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True)
    assert main(["search", "ban chi dao", "--index", str(index_dir)], console=console) == EXIT_OK
    out = buffer.getvalue()
    assert "\x1b[1m" in out or "\x1b[1;" in out  # bold survives
    assert "\x1b[33" not in out and "43m" not in out and "36m" not in out  # colours do not


def test_keyboard_interrupt_is_one_line_130(index_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "search", interrupted)
    assert main(["search", "x", "--index", str(index_dir)]) == EXIT_INTERRUPTED
    assert one_error_line(capsys.readouterr().err) == "searchkit: error: interrupted"


def test_os_error_is_one_line(index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(index_dir))

    monkeypatch.setattr(Index, "stats", broken)
    assert main(["stats", "--index", str(index_dir)]) == EXIT_FATAL
    assert "Permission denied" in one_error_line(capsys.readouterr().err)


def test_main_entry_exits_with_the_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.sys, "argv", ["searchkit", "--version"])
    with pytest.raises(SystemExit) as exc:
        cli.main_entry()
    assert exc.value.code == 0


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    src = write_sources(tmp_path / "src")
    buffer = io.StringIO()
    terminal = Console(file=buffer, width=100, force_terminal=True, color_system=None)
    with cli.progress_bar(terminal, "Indexing src") as progress:
        report = build_index(tmp_path / "ix", [src], workers=0, progress=progress)
    assert report.added == 5
    shown = buffer.getvalue()
    assert "Indexing" in shown and "5/5" in shown and "articles/s" in shown and "ETA" in shown


def test_duplicates_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    twice = [dict(JSONL_ARTICLES[0]), {**JSONL_ARTICLES[0], "views": 531}]
    Path("dup.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in twice), encoding="utf-8")
    # The same id with other content is a conflict: reported, exit 1, the last one kept.
    assert main(["index", "dup.jsonl", "--index", "ix", "--workers", "0"]) == EXIT_PARTIAL
    out = capsys.readouterr().out
    assert "Duplicate ids (1, the last one was kept): qn-du-lich" in out
    assert "dup.jsonl: id 'qn-du-lich' is also claimed elsewhere in the same input with other content" in " ".join(out.split())
    # The same article twice is harmless.
    Path("same.jsonl").write_text("\n".join(json.dumps(twice[1], ensure_ascii=False) for _ in range(2)), encoding="utf-8")
    assert main(["index", "same.jsonl", "--index", "ix2", "--workers", "0"]) == EXIT_OK
    assert "Duplicate ids (1, the last one was kept): qn-du-lich" in capsys.readouterr().out


def test_duplicate_id_keeps_only_the_last_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    twice = [dict(JSONL_ARTICLES[0]), {**JSONL_ARTICLES[0], "views": 531}]
    (tmp_path / "dup.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in twice), encoding="utf-8")
    assert main(["index", str(tmp_path / "dup.jsonl"), "--index", str(tmp_path / "ix"), "--workers", "0"]) == EXIT_PARTIAL
    with Index.open(tmp_path / "ix") as ix:
        assert len(ix) == 1
        assert ix.article("qn-du-lich").views == 531
