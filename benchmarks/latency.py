"""Query latency on the VNTC news articles, searchkit beside stock Whoosh and tantivy.

Indexes ../shared/data/vntc/news.jsonl.gz (all 39,786 articles unless ``--articles N``) with
searchkit, Whoosh's StandardAnalyzer (title + body) and tantivy's default tokenizer, then runs
a fixed list of news queries (accented, the same without diacritics, organization names)
through each, top 10 with snippets:

* searchkit: ``ix.search(q, limit=10)`` (facets on, the default) and again with ``facets=False``;
* Whoosh: ``MultifieldParser`` over the lowercased syllables, then ``hit.highlights("body")``;
* tantivy: ``parse_query`` over the syllables, then ``SnippetGenerator`` on the body.

Every engine runs all queries once to warm up, then each query is timed (``--repeat`` times,
the median kept). Prints p50/p95/p99/mean per engine with ratios to searchkit, the same for
the warm-up pass (the first queries on a freshly opened index), the slowest searchkit
queries, and a cProfile summary of one searchkit pass over all queries.

Before that, fresh processes (``--cold-runs`` per engine and query, interleaved) measure what
a user waits for first, each engine in a new interpreter (``benchmarks/_oneshot.py``):

* open + first query: import, then time ``Index.open`` + one search (``FIRST_QUERIES``: plain
  words, an organization, a place without diacritics) on the benchmark index;
* one-shot search from the shell, wall time: ``python -m searchkit search Q --index DIR`` on
  the example corpus (examples/articles), beside a script that imports Whoosh or tantivy,
  opens its index of the same articles and prints 10 hits with a snippet.

searchkit's modules (and the baseline's) are compiled to bytecode first, as an installed
package's are (see :func:`compile_sources`).

Built indexes are cached in ``benchmarks/_work/latency-<N>/`` and ``latency-examples/``
(git-ignored); ``--rebuild`` builds them again. A searchkit index of an older format, or
without file times in its manifest, is rebuilt automatically.

    python benchmarks/latency.py [--articles N] [--rebuild] [--repeat R] [--cold-runs K] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from _common import WORK, print_table, read_jsonl, syllables

import searchkit as searchkit_package
from searchkit import Article, Index, SearchKitError, build_index, fold, iter_path
from searchkit.index.storage import read_manifest

# -- the queries ------------------------------------------------------------------------------

# fmt: off
# Common words and phrases of Vietnamese news, written for this benchmark (1-4 words).
NEWS = [
    "giá xăng", "bóng đá", "thủ tướng", "tai nạn giao thông", "kinh tế", "giáo dục", "chứng khoán",
    "bất động sản", "thị trường", "xuất khẩu", "lạm phát", "ngân hàng", "lãi suất", "giá vàng",
    "đội tuyển", "huấn luyện viên", "cầu thủ", "bệnh viện", "cúm gia cầm", "học sinh", "sinh viên",
    "thi đại học", "tuyển sinh", "ô nhiễm môi trường", "biến đổi khí hậu", "bão lũ", "mưa lớn",
    "cháy rừng", "động đất", "tham nhũng", "cải cách hành chính", "đầu tư nước ngoài", "doanh nghiệp",
    "khu công nghiệp", "nông dân", "thủy sản", "du lịch", "văn hóa", "âm nhạc", "điện ảnh", "ca sĩ",
    "máy tính", "điện thoại di động", "công nghệ thông tin", "phần mềm", "hội nghị", "bầu cử",
    "tổng thống Mỹ", "Trung Quốc", "Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Cần Thơ",
    "đường sắt", "sân bay", "xe máy", "ma túy", "giết người", "xét xử", "bị cáo", "khởi tố",
    "lừa đảo", "an toàn thực phẩm", "nước sạch", "quy hoạch", "đất đai", "giải phóng mặt bằng",
    "nhà ở", "xóa đói giảm nghèo", "việc làm", "tiền lương", "bảo hiểm xã hội", "sức khỏe",
    "HIV/AIDS", "ung thư", "trẻ em", "phụ nữ", "tết nguyên đán", "lễ hội", "SEA Games", "Olympic",
    "quần vợt", "giá dầu", "điện", "hàng không", "thời tiết", "người cao tuổi", "vi phạm",
    "hợp đồng", "nghiên cứu khoa học", "giá cả", "thuế", "ô tô", "cơ sở hạ tầng",
]
# The same, typed without diacritics (derived with searchkit.fold, so the list stays fixed).
UNACCENTED_FROM = [
    "giá xăng", "bóng đá", "thủ tướng", "tai nạn giao thông", "kinh tế", "giáo dục", "chứng khoán",
    "bất động sản", "xuất khẩu", "ngân hàng", "giá vàng", "đội tuyển", "bệnh viện", "học sinh",
    "thi đại học", "ô nhiễm môi trường", "tham nhũng", "doanh nghiệp", "du lịch", "văn hóa",
    "công nghệ thông tin", "Hà Nội", "Đà Nẵng", "xe máy", "ma túy", "lừa đảo", "nhà ở", "việc làm",
    "sức khỏe", "trẻ em", "điện", "thuế", "cầu thủ", "thời tiết", "an toàn thực phẩm",
]
# Organization names, in the spellings and abbreviations people type.
ORGS = [
    "UBND", "UBND tỉnh", "UBND TP", "HĐND", "Bộ Chính trị", "Thành ủy", "Thành uỷ", "Tỉnh ủy",
    "Ban chỉ đạo", "Ban Chỉ đạo", "Ban Bí thư", "Bộ Giáo dục", "Bộ Giáo dục và Đào tạo", "Bộ GD&ĐT",
    "Sở Y tế", "Bộ Y tế", "Bộ Công an", "Bộ Tài chính", "Bộ Quốc phòng", "Bộ Ngoại giao",
    "Bộ Thương mại", "Bộ Giao thông vận tải", "Bộ Nông nghiệp", "Sở Giáo dục", "Sở Giao thông",
    "Ngân hàng Nhà nước", "Mặt trận Tổ quốc", "Hội Nông dân", "Đoàn Thanh niên", "Công an tỉnh",
    "Viện Kiểm sát", "Tòa án nhân dân", "Liên hợp quốc", "WTO", "ASEAN", "Quốc hội", "Chính phủ",
    "Trung ương Đảng", "Ủy ban nhân dân", "Hội đồng nhân dân", "TP.HCM", "Sở Tài nguyên",
]
ORGS_UNACCENTED = ["bo chinh tri", "thanh uy", "ban chi dao", "bo giao duc", "so y te", "ubnd tinh", "quoc hoi"]
# fmt: on

QUERIES = [*NEWS, *(fold(q) for q in UNACCENTED_FROM), *ORGS, *ORGS_UNACCENTED]

Runner = Callable[[str], int]  # runs one query (top 10 with snippets), returns total hits


# -- the engines ------------------------------------------------------------------------------


def articles(limit: int | None) -> Iterator[dict]:
    for d in read_jsonl("vntc/news.jsonl.gz", limit):
        yield {"id": d["id"], "title": d["title"], "body": d["body"], "category": d["category_vi"]}


def _done(folder: Path) -> bool:
    return (folder / ".complete").exists()


def _mark(folder: Path, seconds: float) -> None:
    (folder / ".complete").write_text(f"{seconds:.1f}\n", encoding="utf-8")


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def _opens(folder: Path) -> bool:
    """True when a finished searchkit index at ``folder`` opens with this searchkit (an older format does not)."""
    if not _done(folder):
        return False
    try:
        Index.open(folder).close()
    except SearchKitError:
        return False
    return True


def searchkit_index(folder: Path, limit: int | None, rebuild: bool) -> tuple[Index, float | None]:
    if not rebuild and _done(folder):
        try:
            ix = Index.open(folder)
        except SearchKitError as e:  # an older index format: build again
            print(f"searchkit index not reusable ({e}); rebuilding")
        else:
            if "stamped" in read_manifest(folder).get("checksums", {}):
                return ix, None
            ix.close()  # built before file times were recorded: every open would read it all
            print("searchkit index has no file times in its manifest; rebuilding")
    _fresh(folder)
    t0 = time.perf_counter()
    ix = Index.create(folder, overwrite=True)
    report = ix.add(articles(limit))
    took = time.perf_counter() - t0
    print(f"searchkit: indexed {report.added} articles in {took:.0f} s ({report.added / took:.0f}/s)")
    _mark(folder, took)
    return ix, took


def searchkit_runner(ix: Index, *, facets: bool) -> Runner:
    def run(q: str) -> int:
        return ix.search(q, limit=10, facets=facets).total

    return run


def whoosh_build(folder: Path, docs: Iterable[dict], rebuild: bool) -> float | None:
    """Index ``docs`` with stock Whoosh (StandardAnalyzer) unless built already; seconds taken."""
    from whoosh import index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    if not rebuild and _done(folder):
        return None
    _fresh(folder)
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=TEXT(analyzer=StandardAnalyzer(), stored=True),
    )
    t0 = time.perf_counter()
    ix = index.create_in(str(folder), schema)
    with ix.writer(limitmb=256) as w:
        for d in docs:
            w.add_document(id=d["id"], title=d["title"], body=d["body"])
    took = time.perf_counter() - t0
    _mark(folder, took)
    return took


def whoosh_runner(folder: Path, limit: int | None, rebuild: bool) -> tuple[Runner, float | None]:
    from whoosh import index, qparser

    took = whoosh_build(folder, articles(limit), rebuild)
    if took is not None:
        print(f"whoosh: indexed in {took:.0f} s")
    ix = index.open_dir(str(folder))
    parser = qparser.MultifieldParser(["title", "body"], ix.schema, group=qparser.OrGroup)
    searcher = ix.searcher()

    def run(q: str) -> int:
        results = searcher.search(parser.parse(" ".join(syllables(q))), limit=10, terms=True)
        for hit in results:
            hit.highlights("body")
            hit["title"]
        return len(results)

    return run, took


def _tantivy_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    return builder.build()


def tantivy_build(folder: Path, docs: Iterable[dict], rebuild: bool) -> float | None:
    """Index ``docs`` with tantivy's default tokenizer unless built already; seconds taken."""
    import tantivy

    if not rebuild and _done(folder):
        return None
    _fresh(folder)
    t0 = time.perf_counter()
    ix = tantivy.Index(_tantivy_schema(), path=str(folder))
    writer = ix.writer()
    for d in docs:
        writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
    writer.commit()
    writer.wait_merging_threads()
    took = time.perf_counter() - t0
    _mark(folder, took)
    return took


def tantivy_runner(folder: Path, limit: int | None, rebuild: bool) -> tuple[Runner, float | None]:
    import tantivy

    schema = _tantivy_schema()
    took = tantivy_build(folder, articles(limit), rebuild)
    if took is not None:
        print(f"tantivy: indexed in {took:.0f} s")
    ix = tantivy.Index(schema, path=str(folder), reuse=True)
    ix.reload()
    return tantivy_query_runner(ix, schema), took


def tantivy_query_runner(ix: Any, schema: Any) -> Runner:
    """One query on an open tantivy index as searchkit runs it: top 10 with a snippet each, and the total."""
    import tantivy

    searcher = ix.searcher()

    def run(q: str) -> int:
        words = " ".join(syllables(q))
        if not words:
            return 0
        query = ix.parse_query(words, ["title", "body"])
        result = searcher.search(query, 10, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
        for _, addr in result.hits:
            snippets.snippet_from_doc(searcher.doc(addr)).to_html()
        return result.count or 0

    return run


# -- measuring --------------------------------------------------------------------------------


def time_queries(run: Runner, queries: list[str], repeat: int) -> tuple[list[float], list[int], list[float]]:
    """Warm up with one pass, then time every query ``repeat`` times; median ms and totals,
    and the ms of each query in the warm-up pass."""
    first: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        first.append((time.perf_counter() - t0) * 1000)
    times: list[float] = []
    totals: list[int] = []
    for q in queries:
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            total = run(q)
            samples.append((time.perf_counter() - t0) * 1000)
        times.append(statistics.median(samples))
        totals.append(total)
    return times, totals, first


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "mean": statistics.fmean(times),
    }


def profile(run: Runner, queries: list[str], top: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        run(q)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


# -- fresh processes ----------------------------------------------------------------------

ONESHOT = Path(__file__).with_name("_oneshot.py")
#: First queries of a freshly started process: plain words, an organization, a place typed
#: without diacritics.
FIRST_QUERIES = ["giá xăng", "UBND tỉnh", "ha noi"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


def _run(argv: list[str], source: Path | None = None) -> tuple[float, str]:
    """Run a command (with searchkit imported from the source tree ``source`` when given);
    its wall time in ms and its stdout. Any failure stops the benchmark."""
    env = None if source is None else {**os.environ, "PYTHONPATH": str(source)}
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    wall = (time.perf_counter() - t0) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout


#: A row of the fresh-process tables: (name, engine, index folder, searchkit source tree or None).
Contender = tuple[str, str, Path, Path | None]


def _contenders(work: Path, baseline: Path | None) -> list[Contender]:
    rows: list[Contender] = [("searchkit", "searchkit", work / "searchkit", None)]
    if baseline is not None:
        rows.append((f"searchkit {baseline.name}", "searchkit", work / "searchkit", baseline))
    return [*rows, ("whoosh", "whoosh", work / "whoosh", None), ("tantivy", "tantivy", work / "tantivy", None)]


def cold_starts(contenders: list[Contender], queries: list[str], runs: int) -> dict[str, dict[str, float]]:
    """``runs`` fresh processes per contender and query (interleaved, so a noisy moment hits
    all of them): median import, open + first query, and process wall time, in ms."""
    samples: dict[str, dict[str, list[float]]] = {c[0]: {"import": [], "open+first": [], "wall": []} for c in contenders}
    for _ in range(runs):
        for q in queries:
            for name, engine, folder, source in contenders:
                wall, out = _run([sys.executable, str(ONESHOT), engine, str(folder), q], source)
                ms = json.loads(out)
                samples[name]["import"].append(ms["import_ms"])
                samples[name]["open+first"].append(ms["open_ms"] + ms["query_ms"])
                samples[name]["wall"].append(wall)
    return {e: {k: statistics.median(v) for k, v in s.items()} for e, s in samples.items()}


def example_docs() -> Iterator[dict]:
    """The example articles (examples/articles), as the peers index them."""
    for a in iter_path(EXAMPLES):
        if isinstance(a, Article):
            yield {"id": a.id, "title": a.title, "body": a.body}


def one_shot_cli(contenders: list[Contender], queries: list[str], runs: int) -> dict[str, float]:
    """Wall time (median ms) of one search as a fresh process on the example corpus:
    ``python -m searchkit search Q --index DIR`` beside a script doing the same with stock
    Whoosh and tantivy (import, open, search, print 10 hits with a snippet)."""
    for _, engine, folder, _ in contenders:
        if engine == "searchkit" and not _opens(folder):
            _fresh(folder)
            build_index(folder, [EXAMPLES])
            _mark(folder, 0.0)
    whoosh_build(next(c[2] for c in contenders if c[1] == "whoosh"), example_docs(), rebuild=False)
    tantivy_build(next(c[2] for c in contenders if c[1] == "tantivy"), example_docs(), rebuild=False)
    walls: dict[str, list[float]] = {c[0]: [] for c in contenders}
    for _ in range(runs):
        for q in queries:
            for name, engine, folder, source in contenders:
                if engine == "searchkit":
                    argv = [sys.executable, "-m", "searchkit", "search", q, "--index", str(folder)]
                else:
                    argv = [sys.executable, str(ONESHOT), engine, str(folder), q, "--print"]
                walls[name].append(_run(argv, source)[0])
    return {e: statistics.median(v) for e, v in walls.items()}


def compile_sources(baseline: Path | None) -> None:
    """Compile searchkit's modules to bytecode, as ``pip install`` does: an editable install
    run with PYTHONDONTWRITEBYTECODE set (as in CI and on this machine) never writes its .pyc
    files, and every fresh process would compile all of searchkit (~70 ms) while Whoosh and
    tantivy load theirs from site-packages."""
    for package in [Path(searchkit_package.__file__).parent, *([baseline / "searchkit"] if baseline else [])]:
        compileall.compile_dir(package, quiet=1)


def cold_tables(work: Path, n_docs: int, runs: int, baseline: Path | None) -> None:
    """Print the fresh-process measurements: open + first query on the benchmark index, and a
    one-shot search from the shell on the example corpus."""
    compile_sources(baseline)
    cold = cold_starts(_contenders(work, baseline), FIRST_QUERIES, runs)
    base = cold["searchkit"]["open+first"]
    print_table(
        f"Fresh process: open the index + first query (ms, median of {runs} runs × {len(FIRST_QUERIES)} queries "
        f"{FIRST_QUERIES}; {n_docs:,} articles)",
        ["engine", "import", "open + first query", "× sk", "process wall"],
        [
            [e, f"{m['import']:.0f}", f"{m['open+first']:.0f}", f"{m['open+first'] / base:.2f}", f"{m['wall']:.0f}"]
            for e, m in cold.items()
        ],
    )
    shot = one_shot_cli(_contenders(WORK / "latency-examples", baseline), FIRST_QUERIES, runs)
    print_table(
        f"One-shot search from the shell, example corpus (wall ms, median of {runs} runs × {len(FIRST_QUERIES)} queries)",
        ["engine", "command", "wall ms", "× sk"],
        [
            [e, "python -m searchkit search Q --index DIR" if e.startswith("searchkit") else f"_oneshot.py {e} DIR Q --print",
             f"{ms:.0f}", f"{ms / shot['searchkit']:.2f}"]
            for e, ms in shot.items()
        ],
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=None, help="index only the first N articles (default: all)")
    ap.add_argument("--rebuild", action="store_true", help="build the cached indexes again")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per query (the median is kept)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    ap.add_argument("--cold-runs", type=int, default=5, help="fresh processes per engine and first query (0: none)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="also time, in the fresh-process tables, searchkit imported from this source tree (e.g. an export of main)")
    args = ap.parse_args()
    if len(QUERIES) != len(set(QUERIES)):
        raise SystemExit("duplicate queries in the fixed list")
    work = WORK / f"latency-{args.articles or 'all'}"
    work.mkdir(parents=True, exist_ok=True)

    ix, _ = searchkit_index(work / "searchkit", args.articles, args.rebuild)
    whoosh_run, _ = whoosh_runner(work / "whoosh", args.articles, args.rebuild)
    tantivy_run, _ = tantivy_runner(work / "tantivy", args.articles, args.rebuild)
    n_docs = len(ix)
    if args.cold_runs:
        cold_tables(work, n_docs, args.cold_runs, args.baseline)
    engines: dict[str, Runner] = {
        "searchkit (snippets, facets)": searchkit_runner(ix, facets=True),
        "searchkit (snippets, facets=False)": searchkit_runner(ix, facets=False),
        "whoosh-stock (hit.highlights)": whoosh_run,
        "tantivy-default (SnippetGenerator)": tantivy_run,
    }
    measured: dict[str, tuple[list[float], list[int], list[float]]] = {}
    for name, run in engines.items():
        measured[name] = time_queries(run, QUERIES, args.repeat)

    base = summary(measured["searchkit (snippets, facets)"][0])
    rows = []
    for name, (times, totals, _) in measured.items():
        s = summary(times)
        rows.append(
            [
                name,
                *(f"{v:.1f}" for v in s.values()),
                f"{s['p95'] / base['p95']:.2f}",
                f"{s['mean'] / base['mean']:.2f}",
                f"{statistics.fmean(totals):.0f}",
            ]
        )
    print_table(
        f"Latency: {len(QUERIES)} queries, top 10 with snippets, {n_docs:,} VNTC articles (ms, median of {args.repeat})",
        ["engine", "p50", "p95", "p99", "mean", "p95 × sk", "mean × sk", "mean hits"],
        rows,
    )

    # The warm-up pass of an engine that runs first on its index: nothing cached in the process
    # yet (searchkit reads every posting list for the first time; the OS file cache is warm).
    print_table(
        f"First pass after opening the index (ms, one run per query; {n_docs:,} articles)",
        ["engine", "p50", "p95", "p99", "mean"],
        [
            [name, *(f"{v:.1f}" for v in summary(first).values())]
            for name, (_, _, first) in measured.items()
            if name != "searchkit (snippets, facets=False)"  # it runs on the index the facets pass warmed
        ],
    )

    sk_times, sk_totals, _ = measured["searchkit (snippets, facets)"]
    nf_times, _, _ = measured["searchkit (snippets, facets=False)"]
    slow = sorted(range(len(QUERIES)), key=lambda i: -sk_times[i])[:10]
    print_table(
        "Slowest searchkit queries",
        ["query", "ms (facets)", "ms (no facets)", "total hits"],
        [[QUERIES[i], f"{sk_times[i]:.1f}", f"{nf_times[i]:.1f}", sk_totals[i]] for i in slow],
    )
    over = sum(t > 50 for t in sk_times)
    print(f"searchkit queries over 50 ms: {over} / {len(QUERIES)}")

    if not args.no_profile:
        print("\ncProfile, one searchkit pass (facets on) over all queries:")
        print(profile(engines["searchkit (snippets, facets)"], QUERIES))
    ix.close()


if __name__ == "__main__":
    main()
