"""The terminal renderers of the command line and the REPL: rich renderables of search results,
articles, organizations, facets, index statistics and indexing reports.

Each function returns a renderable and prints nothing; the caller prints it on its
:class:`rich.console.Console`. Query matches and organization names are styled with
:data:`MATCH_STYLE` and :data:`ORG_STYLE` (both survive ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from searchkit.index import IndexReport, IndexStats
from searchkit.search import FacetValue, Highlighted, Hit, SearchResults
from searchkit.ui.snippets import to_rich

__all__ = [
    "MATCH_STYLE",
    "ORG_STYLE",
    "render_article",
    "render_deleted",
    "render_facets",
    "render_orgs",
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


def _meta(published: datetime | None, views: int | None, category: str | None, source: str | None) -> list[str]:
    parts = [_date(published), None if views is None else f"{views:,} views", category, source]
    return [p for p in parts if p]


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
    meta = _meta(hit.published, hit.views, hit.category, hit.source)
    if hit.score:
        meta.append(f"score {hit.score:.2f}")
    lines: list[RenderableType] = [title, Text(" · ".join(meta), style="dim")]
    if hit.orgs:
        lines.append(_labels(hit.orgs))
    if hit.snippet.text:
        lines.append(to_rich(hit.snippet, match_style=MATCH_STYLE, org_style=ORG_STYLE))
    row.add_row(Text(f"{rank}.", style="bold"), Group(*lines))
    return row


def render_results(results: SearchResults) -> RenderableType:
    """A page of results: one block per hit, then the total, the time and any suggestion."""
    parts: list[RenderableType] = []
    last = results.offset + len(results.hits)
    width = len(str(last)) + 1
    for i, hit in enumerate(results.hits, results.offset + 1):
        parts.append(_hit(hit, i, width))
        parts.append(Text(""))
    noun = "result" if results.total == 1 else "results"
    footer = Text(f"{results.total:,} {noun}", style="bold")
    if results.hits:
        footer.append(f" (showing {results.offset + 1}–{last})", style="")
    elif results.total and results.offset:
        footer.append(" (no more on this page)", style="")
    footer.append(f" in {results.took_ms:.1f} ms", style="dim")
    parts.append(footer)
    if results.suggestion:
        parts.append(Text.assemble(("Did you mean: ", "dim"), (results.suggestion, "bold")))
    return Group(*parts)


def render_article(hit: Hit, highlighted: Highlighted) -> RenderableType:
    """A whole article with every highlight (from :meth:`searchkit.Index.highlight`), the
    facts of its hit (date, views, category, source, organizations) above it."""
    title, body = highlighted.title, highlighted.body
    heading = to_rich(title, match_style=MATCH_STYLE, org_style=ORG_STYLE) if title.text else Text("(no title)")
    heading.stylize("bold")
    meta = Text(" · ".join([hit.id, *_meta(hit.published, hit.views, hit.category, hit.source)]), style="dim")
    parts: list[RenderableType] = [heading, meta]
    if hit.orgs:
        parts.append(_labels(hit.orgs, limit=len(hit.orgs)))
    parts.append(Text(""))
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
        f"{report.processed:,} articles in {report.seconds:.1f} s ({rate:,.0f} articles/s) into {report.index}", style="bold"
    ))
    return Group(*parts)


def render_deleted(deleted: Sequence[str], missing: Sequence[str], asked: int) -> RenderableType:
    """What ``searchkit delete`` did: how many of the ``asked`` ids were deleted, and the
    ``missing`` ones (already gone, or never there)."""
    parts: list[RenderableType] = [Text(f"deleted {len(deleted):,} of {asked:,} articles")]
    if missing:  # already gone (a re-run) or never there: the index holds none of them
        listed = ", ".join(missing[:_TABLE_ROWS]) + (" …" if len(missing) > _TABLE_ROWS else "")
        parts.append(Text(f"not in the index ({len(missing):,}): {listed}", style="dim"))
    return Group(*parts)
