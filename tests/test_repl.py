"""The REPL: :meth:`Repl.handle` with a captured console, and the real shell in a pseudo-terminal."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text

from searchkit.index import Index
from searchkit.ui.repl import Repl

REPO = Path(__file__).resolve().parents[1]

LONG_BODY = "\n\n".join(
    f"Đoạn {i}: Ban Chỉ đạo 35 thành phố Hải Phòng giao các đơn vị báo cáo kết quả tuần {i} về công tác "
    f"bảo vệ nền tảng tư tưởng của Đảng."
    for i in range(1, 41)
) + "\n\nĐoạn cuối: hội nghị bế mạc lúc 11 giờ."

# Original short articles (written for these tests); four of them mention "chỉ đạo".
ARTICLES = [
    {"id": "hp-bcd35", "title": "Ban Chỉ đạo 35 thành phố Hải Phòng sơ kết quý III",
     "body": "Ban Chỉ đạo 35 thành phố Hải Phòng đề nghị báo chí tăng thông tin tích cực.\n\n"
             "Kết thúc hội nghị, các đại biểu thống nhất chương trình quý IV.",
     "published": "2024-10-05T08:30:00", "views": 1204, "category": "Chính trị"},
    {"id": "dn-mua-lu", "title": "Thành uỷ Đà Nẵng chỉ đạo khắc phục mưa lũ",
     "body": "Thường trực Thành uỷ Đà Nẵng yêu cầu các quận khẩn trương dọn bùn đất.\n\n"
             "Người dân được hỗ trợ gạo và nước sạch trong ba ngày.",
     "published": "2022-10-15T17:05:00", "views": 3100, "category": "Xã hội",
     "source": "Bản tin thử", "author": "Lê Thu", "url": "https://example.com/dn-mua-lu"},
    {"id": "qn-bcd35", "title": "Ban Chỉ đạo 35 tỉnh Quảng Ninh triển khai nhiệm vụ",
     "body": "Ban Chỉ đạo 35 tỉnh Quảng Ninh chỉ đạo lực lượng nòng cốt phản bác thông tin sai trái.",
     "published": "2024-01-20T14:00:00", "views": 88, "category": "Chính trị"},
    {"id": "qn-du-lich", "title": "UBND tỉnh Quảng Ninh họp bàn du lịch",
     "body": "UBND tỉnh Quảng Ninh chỉ đạo các sở chuẩn bị đón khách quốc tế tại vịnh Hạ Long.",
     "published": "2023-06-12T09:00:00", "views": 530, "category": "Kinh tế"},
    {"id": "hp-dai", "title": "Biên bản dài: tổng hợp ý kiến chỉ đạo trong năm", "body": LONG_BODY,
     "published": "2021-12-30T10:00:00", "views": 12, "category": "Tư liệu"},
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """One small index for the module (analysis in this process)."""
    ix = Index.create(tmp_path_factory.mktemp("repl") / "index")
    report = ix.add(ARTICLES, workers=0)
    assert report.added == len(ARTICLES)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The 42 example articles (enough for several pages at any terminal size)."""
    ix = Index.create(tmp_path_factory.mktemp("repl-examples") / "index")
    assert ix.add_path(REPO / "examples" / "articles", workers=0).added == 42
    yield ix
    ix.close()


def make_repl(index: Index, *, width: int = 100, height: int = 40, **kwargs: object) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    return Repl(index, Console(file=out, width=width, height=height), **kwargs), out


def run(repl: Repl, out: io.StringIO, line: str) -> str:
    """Handle one line and return only what it printed."""
    start = len(out.getvalue())
    assert repl.handle(line) is True
    return out.getvalue()[start:]


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error: ")]


def test_query_shows_a_page_of_results(index: Index) -> None:
    repl, out = make_repl(index)
    shown = run(repl, out, "ban chi dao 35")
    assert "1. Ban Chỉ đạo 35" in shown
    assert "2024-10-05 08:30 · 1,204 views · Chính trị · score" in shown
    assert "[Ban Chỉ đạo 35 thành phố Hải Phòng]" in shown  # org label
    assert re.search(r"\d+ results \(showing 1–\d+\) in [\d.]+ ms", shown)
    assert error_lines(shown) == []


def test_matches_and_orgs_have_two_styles(index: Index) -> None:
    out = io.StringIO()
    repl = Repl(index, Console(file=out, width=100, force_terminal=True, color_system="standard"))
    repl.handle("mưa lũ")
    text = out.getvalue()
    assert "\x1b[1;30;43m" in text  # match: bold black on yellow
    assert "\x1b[4;36m" in text  # organization: underline cyan


def test_open_shows_the_whole_article_with_highlights(index: Index) -> None:
    repl, out = make_repl(index)
    run(repl, out, "mua lu da nang")
    shown = run(repl, out, ":open 1")
    assert "Thành ủy Đà Nẵng chỉ đạo khắc phục mưa lũ" in shown
    assert "Người dân được hỗ trợ gạo và nước sạch trong ba ngày." in shown
    facts = {line.split(None, 1)[0]: line.split(None, 1)[1].strip() for line in shown.splitlines()[1:8]}
    assert facts == {"id": "dn-mua-lu", "published": "2022-10-15 17:05", "views": "3,100", "category": "Xã hội",
                     "source": "Bản tin thử", "author": "Lê Thu", "url": "https://example.com/dn-mua-lu"}
    assert "no result 9: there" in error_lines(run(repl, out, ":open 9"))[0]
    assert ":open needs a result number" in error_lines(run(repl, out, ":open x"))[0]


def test_open_pages_a_long_article(index: Index) -> None:
    asked: list[int] = []

    def more() -> str:
        asked.append(1)
        return "" if len(asked) < 2 else "q"  # read one more screen, then stop

    out = io.StringIO()
    repl = Repl(index, Console(file=out, width=100, height=12), more=more)
    repl.handle("title:biên bản")
    start = len(out.getvalue())
    repl.handle(":open 1")
    shown = out.getvalue()[start:]
    assert "Đoạn 1:" in shown and "Đoạn cuối" not in shown
    assert len(asked) == 2 and len(shown.splitlines()) == 2 * 10
    whole, whole_out = make_repl(index)  # without a pager: everything
    run(whole, whole_out, "title:biên bản")
    assert "Đoạn cuối: hội nghị bế mạc" in run(whole, whole_out, ":open 1")


@pytest.mark.parametrize("typed", [":filter org=Bộ Y tế", "quốc hội", ":quit"])
def test_a_line_typed_at_the_pager_runs_next(index: Index, typed: str) -> None:
    """What the user types at "-- more --" stops the paging and is run, not lost (a query that
    starts with q included)."""
    out = io.StringIO()
    repl = Repl(index, Console(file=out, width=100, height=12), more=lambda: typed)
    repl.handle("title:biên bản")
    start = len(out.getvalue())
    keep = repl.handle(":open 1")
    shown = out.getvalue()[start:]
    assert "Đoạn cuối" not in shown
    if typed == ":quit":
        assert keep is False
    else:
        assert keep is True
        assert repl.query == ("quốc hội" if typed == "quốc hội" else "title:biên bản")
        assert (repl.filters.get("org") == "Bộ Y tế") == typed.startswith(":filter")


def test_next_and_prev(index: Index) -> None:
    repl, out = make_repl(index, page_size=2)
    first = run(repl, out, "chỉ đạo")
    assert "1. " in first and "3. " not in first
    second = run(repl, out, ":next")
    assert "3. " in second and "(showing 3–4)" in second
    assert "1. " in run(repl, out, ":prev")
    assert "already on the first page" in error_lines(run(repl, out, ":prev"))[0]
    run(repl, out, ":next")
    run(repl, out, ":next")
    assert "no more results" in error_lines(run(repl, out, ":next"))[0]
    assert run(repl, out, ":open 5").startswith("5. ")  # on the page shown
    first = run(repl, out, ":open 1")  # result 1 of the list, not the first of this page
    fresh, fresh_out = make_repl(index, page_size=2)
    assert first.splitlines()[0] == run(fresh, fresh_out, "chỉ đạo").splitlines()[0]


def test_bad_query_is_one_line_and_the_repl_goes_on(index: Index) -> None:
    repl, out = make_repl(index)
    shown = run(repl, out, "date:hôm-qua")
    assert error_lines(shown) == [shown.strip()]
    assert "not a date" in shown and "Traceback" not in shown
    assert "title: needs a value" in run(repl, out, "mưa title:")
    assert "Thành ủy Đà Nẵng" in run(repl, out, "mua lu")
    assert repl.errors == 2


def test_unknown_command(index: Index) -> None:
    repl, out = make_repl(index)
    shown = run(repl, out, ":frobnicate")
    assert error_lines(shown) == ["error: unknown command :frobnicate (:help lists the commands)"]
    assert "did you mean :open?" in run(repl, out, ":opn 1")


def test_commands_that_need_results(index: Index) -> None:
    repl, out = make_repl(index)
    for command in (":open 1", ":next", ":prev", ":facets"):
        assert "type a query first" in error_lines(run(repl, out, command))[0]


def test_filter_and_clear(index: Index) -> None:
    repl, out = make_repl(index)
    run(repl, out, "chỉ đạo")
    shown = run(repl, out, ":filter org=UBND tỉnh Quảng Ninh")
    assert "filters: org=UBND tỉnh Quảng Ninh" in shown
    assert "UBND tỉnh Quảng Ninh họp bàn du lịch" in shown and "1 result" in shown
    shown = run(repl, out, ":filter org= since=2024 until=2024-06")
    assert "filters: since=2024, until=2024-06" in shown
    assert "Ban Chỉ đạo 35 tỉnh Quảng Ninh triển khai" in shown and "Hải Phòng sơ kết" not in shown
    shown = run(repl, out, ":filter category=chính trị")
    assert "2 results" in shown or "1 result" in shown
    assert "unknown filter 'colour'" in error_lines(run(repl, out, ":filter colour=đỏ"))[0]
    assert "not a valid date" in error_lines(run(repl, out, ":filter since=2024-13"))[0]
    assert "error: since=abc is not a date" in error_lines(run(repl, out, ":filter since=abc"))[0]
    assert "usage: :filter" in error_lines(run(repl, out, ":filter Quảng Ninh"))[0]
    assert repl.filters == {"since": "2024", "until": "2024-06", "category": "chính trị"}
    shown = run(repl, out, ":clear")
    assert "filters: none" in shown and "5 results" in shown


def test_sort(index: Index) -> None:
    repl, out = make_repl(index)
    run(repl, out, "chỉ đạo")
    shown = run(repl, out, ":sort date")
    titles = [line for line in shown.splitlines() if re.match(r"\s*\d+\. ", line)]
    assert [t.split(". ", 1)[1][:20] for t in titles] == [
        "Ban Chỉ đạo 35 thành", "Ban Chỉ đạo 35 tỉnh ", "UBND tỉnh Quảng Ninh", "Thành ủy Đà Nẵng chỉ", "Biên bản dài: tổng h",
    ]
    assert "score" not in shown
    views = run(repl, out, ":sort views")
    assert views.index("Thành ủy Đà Nẵng") < views.index("Ban Chỉ đạo 35 thành phố Hải Phòng sơ kết")
    assert "unknown sort 'hot'" in error_lines(run(repl, out, ":sort hot"))[0]


def test_orgs_facets_stats_help(index: Index) -> None:
    repl, out = make_repl(index)
    shown = run(repl, out, ":orgs")
    assert "Organizations in the index" in shown and "Thành ủy Đà Nẵng" in shown
    run(repl, out, "quang ninh")
    shown = run(repl, out, ":orgs")
    assert "Organizations in the" in shown and "Thành ủy Đà Nẵng" not in shown
    assert "Ủy ban nhân dân tỉnh Quảng Ninh" in shown
    shown = run(repl, out, ":facets")
    assert "Year" in shown and "2024" in shown and "Category" in shown
    shown = run(repl, out, ":stats")
    assert "Articles" in shown and str(index.path) in shown
    shown = run(repl, out, ":help")
    for command in (":open N", ":next", ":prev", ":orgs", ":facets", ":filter", ":clear", ":sort", ":stats", ":quit"):
        assert command in shown


def test_quit(index: Index) -> None:
    repl, _ = make_repl(index)
    assert repl.handle(":quit") is False
    assert repl.handle(":q") is False
    assert repl.handle("   ") is True


def test_missing_index_is_an_error_line(tmp_path: Path) -> None:
    out = io.StringIO()
    repl = Repl(tmp_path / "none", Console(file=out, width=100))
    assert repl.handle("ban chi dao") is True
    assert repl.handle(":stats") is True
    lines = error_lines(out.getvalue())
    assert len(lines) == 2 and all("no searchkit index at" in line for line in lines)
    repl.close()


def test_run_reads_piped_lines(index: Index) -> None:
    repl, out = make_repl(index)
    assert repl.run(io.StringIO("mua lu\n\n:open 1\n:quit\n:stats\n")) == 0
    text = out.getvalue()
    assert "Người dân được hỗ trợ gạo" in text and "Segments" not in text
    repl, out = make_repl(index)
    assert repl.run(io.StringIO("title:\nmua lu\n")) == 1  # a failed line: exit status 1
    assert repl.run_commands(["mua lu", ":q"]) == 1


# -- the real shell in a pseudo-terminal ----------------------------------------------------------

_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-Za-z]?)|\r")


def screen(text: str) -> str:
    """What the terminal shows, without escape sequences and carriage returns."""
    return _ANSI.sub("", text)


def test_repl_in_a_terminal(index: Index, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    history = tmp_path / "history"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SEARCHKIT_HISTORY": str(history), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable, ["-m", "searchkit", "repl", "--index", str(index.path)],
        cwd=str(tmp_path), env=env, encoding="utf-8", dimensions=(50, 120), timeout=30,
    )
    try:
        child.expect("searchkit> ")
        assert "articles in" in screen(child.before)

        child.sendline("mua lu da nang")
        child.expect("searchkit> ")
        shown = screen(child.before)
        assert "1. Thành ủy Đà Nẵng chỉ đạo khắc phục mưa lũ" in shown
        assert "2022-10-15 17:05 · 3,100 views" in shown
        assert re.search(r"\d+ results? \(showing 1–\d+\)", shown)

        child.sendline(":open 1")
        child.expect("searchkit> ")
        assert "Người dân được hỗ trợ gạo và nước sạch trong ba ngày." in screen(child.before)

        child.sendline(":next")
        child.expect("searchkit> ")
        assert "no more results" in screen(child.before)

        child.sendline("date:hôm-qua")
        child.expect("searchkit> ")
        errors = [line for line in screen(child.before).splitlines() if "error:" in line]
        assert len(errors) == 1 and "not a date" in errors[0]

        child.sendintr()  # Ctrl-C cancels the line, the shell stays
        child.expect("searchkit> ")

        child.sendline(":quit")
        child.expect(pexpect.EOF)
        assert "Traceback" not in screen(child.before)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "mua lu da nang" in history.read_text(encoding="utf-8")


def test_repl_ctrl_d_leaves(index: Index, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PYTHONPATH": str(REPO), "SEARCHKIT_HISTORY": str(tmp_path / "h")}
    child = pexpect.spawn(
        sys.executable, ["-m", "searchkit", "repl", "--index", str(index.path)],
        cwd=str(tmp_path), env=env, encoding="utf-8", dimensions=(30, 100), timeout=30,
    )
    try:
        child.expect("searchkit> ")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


# -- a page that fits the terminal ------------------------------------------------------------------

SIZES = [(80, 24), (120, 40)]


def ranks(text: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\. ", text, re.MULTILINE)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_page_fits_the_console(examples: Index, width: int, height: int) -> None:
    repl, out = make_repl(examples, width=width, height=height)
    shown = run(repl, out, "ban chi dao")
    lines = shown.splitlines()
    # with the line the query was typed on and the next prompt, result 1 is still on screen
    assert len(lines) + 2 <= height  # the footer (the highlight legend) included
    assert all(len(line) <= width for line in lines)
    assert lines[0].startswith(" 1. " if "10. " in shown else "1. ")
    assert ranks(shown) == list(range(1, len(repl.results.hits) + 1)) and len(ranks(shown)) >= 5
    more = " · :next for more" if repl.results.total > len(ranks(shown)) else ""
    assert re.match(rf"{repl.results.total} results \(showing 1–{len(ranks(shown))}\) in [\d.]+ ms{more}$", lines[-2])
    assert lines[-1].startswith("Legend: query words · organization name")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_footer_lines_have_their_line(examples: Index, width: int, height: int) -> None:
    class WithFooter(Repl):
        def _footer_lines(self, results: object) -> list[Text]:
            return [Text("legend: match org"), Text("relaxed: " + "x" * 200)]

    out = io.StringIO()
    repl = WithFooter(examples, Console(file=out, width=width, height=height))
    repl.handle("ban chi dao")
    lines = out.getvalue().splitlines()
    assert len(lines) + 2 <= height and lines[-1].startswith("legend: match org  relaxed: xxx")
    assert lines[-1].endswith("…") and len(lines[-1]) == width


def test_page_size_is_the_most_per_page(examples: Index) -> None:
    repl, out = make_repl(examples, width=120, height=100, page_size=3)
    assert ranks(run(repl, out, "ban chi dao")) == [1, 2, 3]


def test_pages_number_the_whole_list(examples: Index) -> None:
    repl, out = make_repl(examples, width=80, height=24)
    first = ranks(run(repl, out, "ban"))  # 32 of the 42 example articles: three pages and more
    per_page = len(first)
    second = ranks(run(repl, out, ":more"))
    assert second == list(range(per_page + 1, 2 * per_page + 1))
    assert ranks(run(repl, out, ":next"))[0] == 2 * per_page + 1
    assert ranks(run(repl, out, ":prev")) == second
    assert ranks(run(repl, out, ":p")) == first


def test_open_n_is_result_n_of_the_whole_list(examples: Index) -> None:
    # match any: enough results for three pages on the 42 example articles
    expected = [h.id for h in examples.search("ban chi dao", limit=40, match="any").hits]
    total = examples.search("ban chi dao", match="any").total
    repl, out = make_repl(examples, width=80, height=24)
    run(repl, out, ":match any")
    run(repl, out, "ban chi dao")
    run(repl, out, ":next")
    run(repl, out, ":next")  # results 13-18 on screen
    assert repl.results.offset == 12

    def opened(n: int) -> str:
        shown = run(repl, out, f":open {n}")
        assert shown.startswith(f"{n}. ")
        return re.search(r"^id\s+(\S+)", shown, re.MULTILINE).group(1)

    assert opened(3) == expected[2]  # not #15, the third of this page
    assert opened(14) == expected[13]  # on this page
    assert opened(23) == expected[22]  # on a later page
    assert opened(total) == expected[total - 1]
    assert repl.results.offset == 12  # opening did not move the page
    for arg in (str(total + 1), "0"):
        shown = run(repl, out, f":open {arg}")
        assert error_lines(shown) == [shown.strip()]
        assert f"no result {arg}: there are {total} (:open 1–{total})" in shown


def test_open_when_nothing_matched(index: Index) -> None:
    repl, out = make_repl(index)
    run(repl, out, "zzqx")
    assert "no result 1: the query found nothing" in error_lines(run(repl, out, ":open 1"))[0]


def test_page_shows_author_source_and_orgs(index: Index) -> None:
    repl, out = make_repl(index, width=120)
    shown = run(repl, out, "mua lu da nang")
    assert "2022-10-15 17:05 · 3,100 views · Xã hội · Bản tin thử · Lê Thu · score" in shown
    assert "[Thành ủy Đà Nẵng]" in shown


def test_help_lists_every_command(index: Index) -> None:
    repl, out = make_repl(index)
    shown = run(repl, out, ":help")
    for name in ("help", "open", "next", "more", "prev", "orgs", "facets", "filter", "clear", "sort", "stats", "quit"):
        assert f":{name}" in shown


# -- the real shell at the sizes people use ---------------------------------------------------------


def terminal_screen(index: Index, tmp_path: Path, width: int, height: int, query: str) -> list[str]:
    """The rows of a ``width``×``height`` terminal after typing ``query`` into ``searchkit repl``."""
    pexpect = pytest.importorskip("pexpect")
    pyte = pytest.importorskip("pyte")
    term = pyte.Screen(width, height)
    stream = pyte.Stream(term)
    env = {**os.environ, "PYTHONPATH": str(REPO), "SEARCHKIT_HISTORY": str(tmp_path / "history"), "TERM": "xterm"}
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    child = pexpect.spawn(
        sys.executable, ["-m", "searchkit", "repl", "--index", str(index.path)],
        cwd=str(tmp_path), env=env, encoding="utf-8", dimensions=(height, width), timeout=30,
    )
    try:
        child.expect("searchkit> ")
        stream.feed(child.before + child.after)
        child.sendline(query)
        child.expect("searchkit> ")
        stream.feed(child.before + child.after)
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    return [row.rstrip() for row in term.display]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_result_1_is_on_the_terminal_screen(examples: Index, tmp_path: Path, width: int, height: int) -> None:
    first = examples.search("ban chi dao", limit=1).hits[0]
    rows = terminal_screen(examples, tmp_path, width, height, "ban chi dao")
    title_rows = [row for row in rows if re.match(r"\s*1\. ", row)]
    assert len(title_rows) == 1, "\n".join(rows)
    assert first.title[: width - 10] in title_rows[0]
    assert rows.index(title_rows[0]) >= 1 and rows[rows.index(title_rows[0]) - 1].startswith("searchkit> ban chi dao")
    assert any(re.match(r"\d+ results \(showing 1–\d+\)", row) for row in rows)
    assert [row for row in rows if row][-1] == "searchkit>"  # the next prompt, below it all


def test_the_note_on_dropped_words_is_whole_at_80_columns(index: Index) -> None:
    repl, out = make_repl(index, width=80, height=24)
    shown = run(repl, out, "chỉ đạo xyzzyqwert")
    assert "also showing articles without: xyzzyqwert" in shown  # not cut by the legend sharing its line
    assert "also showing" not in run(repl, out, "chỉ đạo")  # nothing dropped: the legend instead
