"""The terminal renderers of the command line and the REPL: rich renderables of search results,
articles, organizations, facets, index statistics and indexing reports.

Each function returns a renderable and prints nothing; the caller prints it on its
:class:`rich.console.Console`. Search results have two layouts: :func:`render_results`, a block
per hit for the command line (it scrolls), and :func:`render_page`, a fixed number of lines per
hit for the REPL, with :func:`fit_page` saying how many hits fit a terminal's height. Query matches and organization names are styled with
:data:`MATCH_STYLE` and :data:`ORG_STYLE` (both survive ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.table import Table
from rich.text import Text

from searchkit.index import IndexReport, IndexStats
from searchkit.search import FacetValue, Highlighted, Hit, SearchResults
from searchkit.ui.snippets import to_rich

__all__ = [
    "MATCH_STYLE",
    "ORG_STYLE",
    "PAGE_CHROME",
    "fit_page",
    "n_articles",
    "render_article",
    "render_deleted",
    "render_facets",
    "render_orgs",
    "render_page",
    "render_report",
    "render_results",
    "render_stats",
]

#: Style of query matches (bold survives NO_COLOR).
MATCH_STYLE = "bold black on yellow"
#: Style of organization names (underline survives NO_COLOR).
ORG_STYLE = "underline cyan"
_LABEL_STYLE = "cyan"
_MAX_LABELS = 4
#: Rows of a long list shown before "… N more (--json lists all)".
_TABLE_ROWS = 20


def _date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%d %H:%M") if (moment.hour, moment.minute) != (0, 0) else moment.strftime("%Y-%m-%d")


def _meta(hit: Hit) -> list[str]:
    """Date, views, category, source and author of a hit, those it has."""
    parts = [_date(hit.published), None if hit.views is None else f"{hit.views:,} views", hit.category, hit.source, hit.author]
    return [" ".join(p.split()) for p in parts if p]


def _labels(orgs: Sequence[str], limit: int = _MAX_LABELS) -> Text:
    """Organization names as small labels: ``[Thành ủy Đà Nẵng] [Bộ Y tế] +2``."""
    out = Text()
    for name in orgs[:limit]:
        if out:
            out.append(" ")
        out.append("[", style="dim")
        out.append(name, style=_LABEL_STYLE)
        out.append("]", style="dim")
    if len(orgs) > limit:
        out.append(f" +{len(orgs) - limit}", style="dim")
    return out


def _hit(hit: Hit, rank: int, width: int) -> Table:
    """One hit: the rank in a narrow column, the rest wrapped with a hanging indent."""
    row = Table.grid(padding=(0, 1))
    row.add_column(justify="right", width=width, no_wrap=True)
    row.add_column(overflow="fold")
    title = to_rich(hit.title_snippet, match_style=MATCH_STYLE, org_style=ORG_STYLE) if hit.title else Text("(no title)")
    title.stylize("bold")
    meta = _meta(hit)
    if hit.score:
        meta.append(f"score {hit.score:.2f}")
    lines: list[RenderableType] = [title, Text(" · ".join(meta), style="dim")]
    if hit.url:
        lines.append(Text(hit.url, style="dim"))
    if hit.orgs:
        lines.append(_labels(hit.orgs))
    if hit.snippet.text:
        lines.append(to_rich(hit.snippet, match_style=MATCH_STYLE, org_style=ORG_STYLE))
    row.add_row(Text(f"{rank}.", style="bold"), Group(*lines))
    return row


def _summary(results: SearchResults) -> Text:
    """``6 results (showing 1–6) in 3.1 ms``."""
    noun = "result" if results.total == 1 else "results"
    summary = Text(f"{results.total:,} {noun}", style="bold")
    if results.hits:
        summary.append(f" (showing {results.offset + 1}–{results.offset + len(results.hits)})", style="")
    elif results.total and results.offset:
        summary.append(" (no more on this page)", style="")
    summary.append(f" in {results.took_ms:.1f} ms", style="dim")
    return summary


def _suggestion(results: SearchResults) -> Text | None:
    return Text.assemble(("Did you mean: ", "dim"), (results.suggestion, "bold")) if results.suggestion else None


def render_results(results: SearchResults, footer_lines: Sequence[Text] = ()) -> RenderableType:
    """A page of results: one block per hit, then the total, the time, any suggestion and the
    ``footer_lines`` (notes about the query, a legend), one per line."""
    parts: list[RenderableType] = []
    width = len(str(results.offset + len(results.hits))) + 1
    for i, hit in enumerate(results.hits, results.offset + 1):
        parts.append(_hit(hit, i, width))
        parts.append(Text(""))
    parts.append(_summary(results))
    suggestion = _suggestion(results)
    if suggestion is not None:
        parts.append(suggestion)
    parts.extend(footer_lines)
    return Group(*parts)


#: Lines of a REPL screen that are not hits: the line the query was typed on, the summary
#: (total, time), a did-you-mean suggestion, the footer and the next prompt.
PAGE_CHROME = 5


def fit_page(height: int, most: int) -> tuple[int, int]:
    """How many hits (at most ``most``) :func:`render_page` fits in a terminal ``height`` lines
    high with :data:`PAGE_CHROME` lines to spare, and how many snippet lines each gets (2 when
    ``most`` hits fit with two, else 1).

    >>> fit_page(24, 10), fit_page(40, 10), fit_page(50, 10), fit_page(5, 10)
    ((6, 1), (10, 1), (10, 2), (1, 1))
    """
    room = height - PAGE_CHROME
    snippet_lines = 2 if room >= most * 4 else 1
    return max(1, min(most, room // (2 + snippet_lines))), snippet_lines


def render_page(results: SearchResults, *, snippet_lines: int = 1, footer_lines: Sequence[Text] = ()) -> RenderableType:
    """A page of results in a fixed number of lines, whatever the width: per hit the rank and
    title, then date · views · category · source · author · score and organization labels, then
    ``snippet_lines`` lines of snippet (each line cut with "…" at the terminal's width); then the
    total and time, any suggestion, and the ``footer_lines`` joined on one line.

    The page takes ``len(results.hits) * (2 + snippet_lines)`` lines plus one for the summary and
    one for each of the suggestion and the footer when there is one (see :func:`fit_page`).
    """
    return _Page(results, snippet_lines, tuple(footer_lines))


class _Page:
    """The renderable of :func:`render_page`: it lays out lines at the width it is given."""

    def __init__(self, results: SearchResults, snippet_lines: int, footer_lines: tuple[Text, ...]) -> None:
        self.results = results
        self.snippet_lines = max(1, snippet_lines)
        self.footer_lines = footer_lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        results = self.results
        rank_width = len(str(results.offset + len(results.hits)))
        for rank, hit in enumerate(results.hits, results.offset + 1):
            yield from self._hit(console, hit, rank, rank_width, width)
        summary = _summary(results)
        if results.offset + len(results.hits) < results.total:
            summary.append(" · :next for more", style="dim")
        yield _line(summary, width)
        suggestion = _suggestion(results)
        if suggestion is not None:
            yield _line(suggestion, width)
        if self.footer_lines:
            yield _line(Text("  ").join(self.footer_lines), width)

    def _hit(self, console: Console, hit: Hit, rank: int, rank_width: int, width: int) -> Iterator[Text]:
        indent = Text(" " * (rank_width + 2))
        title = to_rich(hit.title_snippet, match_style=MATCH_STYLE, org_style=ORG_STYLE) if hit.title else Text("(no title)")
        title.stylize("bold")
        yield _line(Text.assemble((f"{rank}.".rjust(rank_width + 1), "bold"), " ", title), width)
        meta = _meta(hit)
        if hit.score:
            meta.append(f"score {hit.score:.2f}")
        facts = Text(" · ".join(meta), style="dim")
        if hit.orgs:
            facts.append("  " if meta else "")
            facts.append_text(_labels(hit.orgs, limit=2))
        yield _line(indent + facts, width)
        snippet = _line(to_rich(hit.snippet, match_style=MATCH_STYLE, org_style=ORG_STYLE), None)
        lines = list(snippet.wrap(console, max(10, width - len(indent)), no_wrap=False)) if snippet else []
        if len(lines) > self.snippet_lines:
            lines = lines[: self.snippet_lines]
            lines[-1].rstrip()
            lines[-1].append(" …")
        for line in lines:
            yield _line(indent + line, width)
        for _ in range(self.snippet_lines - len(lines)):
            yield Text("")


def _line(text: Text, width: int | None) -> Text:
    """``text`` on one line (line breaks become spaces), cut with "…" at ``width``."""
    if "\n" in text.plain:
        text = Text(" ").join(text.split("\n"))
    text.no_wrap = True
    text.overflow = "ellipsis"
    if width is not None:
        text.truncate(width, overflow="ellipsis")
    return text


def render_article(hit: Hit, highlighted: Highlighted, rank: int | None = None) -> RenderableType:
    """A whole article with every highlight (from :meth:`searchkit.Index.highlight`), below its
    title a block of everything stored about it: id, date, views, category, source, author, url,
    organizations (and its ``rank`` in the results, when given)."""
    title, body = highlighted.title, highlighted.body
    heading = to_rich(title, match_style=MATCH_STYLE, org_style=ORG_STYLE) if title.text else Text("(no title)")
    heading.stylize("bold")
    if rank is not None:
        heading = Text.assemble((f"{rank}. ", "bold"), heading)
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    rows = [
        ("id", hit.id),
        ("published", _date(hit.published)),
        ("views", None if hit.views is None else f"{hit.views:,}"),
        ("category", hit.category),
        ("source", hit.source),
        ("author", hit.author),
        ("url", hit.url),
    ]
    for key, value in rows:
        if value:
            facts.add_row(key, Text(value))
    if hit.orgs:
        facts.add_row("orgs", _labels(hit.orgs, limit=len(hit.orgs)))
    parts: list[RenderableType] = [heading, facts, Text("")]
    parts.append(to_rich(body, match_style=MATCH_STYLE, org_style=ORG_STYLE))
    return Group(*parts)


def render_orgs(values: Sequence[FacetValue], title: str) -> RenderableType:
    """A ranked table of organizations and their article counts."""
    if not values:
        return Text(f"{title}: none found", style="dim")
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("Organization", overflow="fold")
    table.add_column("Articles", justify="right")
    for i, value in enumerate(values, 1):
        table.add_row(str(i), Text(value.value, style=_LABEL_STYLE), f"{value.count:,}")
    return table


def render_facets(facets: Mapping[str, Sequence[FacetValue]], top: int = 10) -> RenderableType:
    """One small table per facet (organization, year, category, source)."""
    names = {"org": "Organization", "year": "Year", "category": "Category", "source": "Source"}
    parts: list[RenderableType] = []
    for key, values in facets.items():
        if not values:
            continue
        table = Table(show_edge=False, pad_edge=False)
        table.add_column(names.get(key, key), overflow="fold")
        table.add_column("Articles", justify="right")
        for value in list(values)[:top]:
            table.add_row(Text(value.value), f"{value.count:,}")
        parts.append(table)
    return Group(*parts) if parts else Text("no facets for these results", style="dim")


def render_stats(stats: IndexStats) -> RenderableType:
    """The facts of :meth:`searchkit.Index.stats` as a two-column table."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = [
        ("Index", stats.path),
        ("Articles", f"{stats.articles:,}"),
        ("Size", _size(stats.size_bytes)),
        ("Segments", str(stats.segments)),
        ("Created", stats.created or "?"),
        ("Updated", stats.updated or "?"),
        ("Built by", f"searchkit {stats.searchkit_version} (format {stats.format}, analyzer {stats.analyzer_version})"),
    ]
    for key, value in rows:
        table.add_row(key, Text(value))
    return table


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def render_report(report: IndexReport) -> RenderableType:
    """What :meth:`searchkit.Index.add_path` did: a table of files (failures first), the failed and
    skipped inputs, duplicate ids and the speed (at most 20 rows of each; the JSON lists all)."""
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("File", overflow="fold")
    for name in ("Added", "Updated", "Unchanged", "Failed"):
        table.add_column(name, justify="right")
    files = sorted(report.files, key=lambda f: f.failed == 0)  # files with failures first
    for f in files[:_TABLE_ROWS]:
        table.add_row(Text(f.source), f"{f.added:,}", f"{f.updated:,}", f"{f.unchanged:,}",
                      Text(f"{f.failed:,}", style="red" if f.failed else ""))
    if len(files) > _TABLE_ROWS:
        table.add_row(Text(f"… {len(files) - _TABLE_ROWS:,} more files (--json lists all)", style="dim"), "", "", "", "")
    table.add_section()
    table.add_row(Text("Total", style="bold"), f"{report.added:,}", f"{report.updated:,}", f"{report.unchanged:,}",
                  f"{len(report.failed):,}")
    parts: list[RenderableType] = [table]
    for title, items in (("Failed", report.failed), ("Skipped", report.skipped)):
        if items:
            parts.append(Text(f"{title} ({len(items):,}):", style="bold red" if title == "Failed" else "bold"))
            for item in items[:_TABLE_ROWS]:
                parts.append(Text(f"  {item}"))
            if len(items) > _TABLE_ROWS:
                parts.append(Text(f"  … {len(items) - _TABLE_ROWS:,} more (--json lists all)", style="dim"))
    if report.duplicates:
        listed = ", ".join(report.duplicates[:_TABLE_ROWS]) + (" …" if len(report.duplicates) > _TABLE_ROWS else "")
        parts.append(Text(f"Duplicate ids ({len(report.duplicates):,}, the last one was kept): {listed}"))
    rate = report.processed / report.seconds if report.seconds > 0 else 0.0
    parts.append(Text(
        f"{n_articles(report.processed)} in {report.seconds:.1f} s ({rate:,.0f} articles/s) into {report.index}", style="bold"
    ))
    return Group(*parts)


def render_deleted(deleted: Sequence[str], missing: Sequence[str], asked: int) -> RenderableType:
    """What ``searchkit delete`` did: how many of the ``asked`` ids were deleted, and the
    ``missing`` ones (already gone, or never there)."""
    parts: list[RenderableType] = [Text(f"deleted {len(deleted):,} of {n_articles(asked)}")]
    if missing:  # already gone (a re-run) or never there: the index holds none of them
        listed = ", ".join(missing[:_TABLE_ROWS]) + (" …" if len(missing) > _TABLE_ROWS else "")
        parts.append(Text(f"not in the index ({len(missing):,}): {listed}", style="dim"))
    return Group(*parts)


def n_articles(n: int) -> str:
    """``"1 article"``, ``"2 articles"``, ``"1,200 articles"``."""
    return f"{n:,} article" if n == 1 else f"{n:,} articles"
