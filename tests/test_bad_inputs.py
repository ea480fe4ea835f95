"""Hostile inputs (issue #10): one bad record is one Rejected, never a lost run, and every input is
read in bounded memory and time (FIFOs, devices, gzip bombs, huge lines, deep folders, bad names)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import searchkit.documents as documents
from searchkit import cli
from searchkit.documents import MAX_TERM_BYTES, MAX_VIEWS, Article, Rejected, iter_path, parse_txt
from searchkit.errors import DocumentError
from searchkit.index import Index

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
    real = documents._one_line

    def flaky(text: str) -> str:
        if text == "boom":
            raise RuntimeError("a bug\nover two lines")
        if text == "oom":
            raise MemoryError
        return real(text)

    monkeypatch.setattr(documents, "_one_line", flaky)
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


def lines_of(items: Iterator[Article | Rejected]) -> list[str]:
    return [i.id if isinstance(i, Article) else str(i) for i in items]
