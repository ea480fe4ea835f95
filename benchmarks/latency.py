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

Built indexes are cached in ``benchmarks/_work/latency-<N>/`` (git-ignored); ``--rebuild``
builds them again. A searchkit index of an older format is rebuilt automatically.

    python benchmarks/latency.py [--articles N] [--rebuild] [--repeat R]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import WORK, print_table, read_jsonl, syllables

from searchkit import Index, SearchKitError, fold

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


def searchkit_index(folder: Path, limit: int | None, rebuild: bool) -> tuple[Index, float | None]:
    if not rebuild and _done(folder):
        try:
            return Index.open(folder), None
        except SearchKitError as e:  # an older index format: build again
            print(f"searchkit index not reusable ({e}); rebuilding")
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


def whoosh_runner(folder: Path, limit: int | None, rebuild: bool) -> tuple[Runner, float | None]:
    from whoosh import index, qparser
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    took = None
    if rebuild or not _done(folder):
        _fresh(folder)
        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=StandardAnalyzer(), stored=True),
            body=TEXT(analyzer=StandardAnalyzer(), stored=True),
        )
        t0 = time.perf_counter()
        ix = index.create_in(str(folder), schema)
        with ix.writer(limitmb=256) as w:
            for d in articles(limit):
                w.add_document(id=d["id"], title=d["title"], body=d["body"])
        took = time.perf_counter() - t0
        print(f"whoosh: indexed in {took:.0f} s")
        _mark(folder, took)
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


def tantivy_runner(folder: Path, limit: int | None, rebuild: bool) -> tuple[Runner, float | None]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    schema = builder.build()
    took = None
    if rebuild or not _done(folder):
        _fresh(folder)
        t0 = time.perf_counter()
        ix = tantivy.Index(schema, path=str(folder))
        writer = ix.writer()
        for d in articles(limit):
            writer.add_document(tantivy.Document(id=d["id"], title=d["title"], body=d["body"]))
        writer.commit()
        writer.wait_merging_threads()
        took = time.perf_counter() - t0
        print(f"tantivy: indexed in {took:.0f} s")
        _mark(folder, took)
    ix = tantivy.Index(schema, path=str(folder), reuse=True)
    ix.reload()
    searcher = ix.searcher()

    def run(q: str) -> int:
        words = " ".join(syllables(q))
        if not words:
            return 0
        query = ix.parse_query(words, ["title", "body"])
        result = searcher.search(query, 10, count=True)
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "body")
        for _, addr in result.hits:
            doc = searcher.doc(addr)
            snippets.snippet_from_doc(doc).to_html()
        return result.count or 0

    return run, took


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=None, help="index only the first N articles (default: all)")
    ap.add_argument("--rebuild", action="store_true", help="build the cached indexes again")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs per query (the median is kept)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    args = ap.parse_args()
    if len(QUERIES) != len(set(QUERIES)):
        raise SystemExit("duplicate queries in the fixed list")
    work = WORK / f"latency-{args.articles or 'all'}"
    work.mkdir(parents=True, exist_ok=True)

    ix, _ = searchkit_index(work / "searchkit", args.articles, args.rebuild)
    whoosh_run, _ = whoosh_runner(work / "whoosh", args.articles, args.rebuild)
    tantivy_run, _ = tantivy_runner(work / "tantivy", args.articles, args.rebuild)
    n_docs = len(ix)
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
