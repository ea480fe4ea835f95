"""The interactive shell (``searchkit repl``); its renderers are in :mod:`searchkit.ui.render`.

A line that does not start with ``:`` is a query; it shows a page of results that fits the
terminal (:func:`~searchkit.ui.render.fit_page`: at 80×24, six hits of three lines each - rank
and title; date, views, category, source, author, score and organization labels; a snippet with
query matches and organization names in two styles - then the total and time, so result 1 is
still on screen when the prompt comes back). Results are numbered over the whole list, and
``:open N`` opens result N wherever it is. Commands (``:help`` lists them) page, open an article, show
organizations and facets, filter, sort and show index statistics. Every error (bad query,
missing index, unknown command) is one readable line and the shell keeps going.

:meth:`Repl.handle` is pure with respect to input: it takes one line, prints to the
:class:`rich.console.Console` it was given and returns False when the user asked to quit, so
tests drive it with ``Console(file=io.StringIO())``. :meth:`Repl.run` adds the reading:

* on a terminal, line editing and a persistent history come from the standard library's
  :mod:`readline` (GNU readline or libedit): it needs no new dependency, gives the keys users
  expect (arrows, Ctrl-R, Ctrl-A/E) and reads/writes a plain history file. The file is
  ``~/.searchkit_history`` or ``$SEARCHKIT_HISTORY``; when readline is missing (Windows) or
  the file cannot be read or written, the shell works without it. prompt_toolkit would give
  more (completion, colours in the prompt) at the price of a dependency;
* when stdin is not a terminal (``echo 'ban chi dao' | searchkit repl``) lines are read
  without a prompt, and the exit status says whether any line failed.

Ctrl-D (or ``:quit``, ``:q``) leaves; Ctrl-C cancels the line being typed or the running search.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO, TypeVar

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from searchkit.errors import QuerySyntaxError, SearchKitError
from searchkit.index import Index
from searchkit.search import MATCH_MODES, SORTS, Hit, MatchMode, SearchResults, SortOrder
from searchkit.ui.render import fit_page, render_article, render_facets, render_orgs, render_page, render_stats
from searchkit.ui.snippets import legend
from searchkit.ui.usage import UsageError, date_bound, match_note

__all__ = ["Repl", "history_path"]

_Option = TypeVar("_Option", bound=str)

PROMPT = "searchkit> "
_FILTER_KEYS = ("org", "since", "until", "category")


def history_path() -> Path:
    """The REPL history file: ``$SEARCHKIT_HISTORY`` or ``~/.searchkit_history``."""
    env = os.environ.get("SEARCHKIT_HISTORY")
    return Path(env).expanduser() if env else Path.home() / ".searchkit_history"


# -- the shell ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Command:
    name: str
    usage: str
    summary: str


_COMMANDS = (
    _Command("help", ":help", "this list"),
    _Command("open", ":open N", "show result N in full (any N of the list), with highlights and all its facts"),
    _Command("next", ":next, :more", "next page of results"),
    _Command("prev", ":prev", "previous page of results"),
    _Command("orgs", ":orgs", "most frequent organizations (in the results, or the index)"),
    _Command("facets", ":facets", "organizations, years, categories and sources of the results"),
    _Command("filter", ":filter org=… since=… until=… category=…", "restrict results (key= removes one)"),
    _Command("clear", ":clear", "remove all filters"),
    _Command("sort", ":sort relevance|date|views", "order of results"),
    _Command("match", ":match auto|all|any", "hits hold all words (auto: relaxed if under 3), all strictly, or any"),
    _Command("stats", ":stats", "facts about the index"),
    _Command("quit", ":quit, :q", "leave (also Ctrl-D)"),
)

_ALIASES = {"q": "quit", "exit": "quit", "n": "next", "more": "next", "p": "prev", "o": "open", "h": "help", "?": "help"}


class Repl:
    """The interactive search shell.

    Args:
        index: An open :class:`~searchkit.Index`, or the folder of one (opened on first use, so
            a missing index is an error line, not a crash).
        console: Where everything is printed.
        page_size: The most hits per page; fewer when the console is not high enough for them
            (see :func:`~searchkit.ui.render.fit_page`).
        more: Called between screenfuls of a long article (``:open``); returns what was typed
            there: ``""`` shows the next screen, ``"q"`` stops, anything else stops and is run
            as the next line (a query or a command). None prints articles whole
            (non-interactive use).

    >>> import io, tempfile
    >>> from rich.console import Console
    >>> from searchkit.index import Index
    >>> ix = Index.create(tempfile.mkdtemp())
    >>> _ = ix.add([{"id": "1", "title": "Thành uỷ Đà Nẵng họp", "body": "Nội dung."}], workers=0)
    >>> out = io.StringIO()
    >>> repl = Repl(ix, Console(file=out, width=80))
    >>> repl.handle("thanh uy"), repl.handle(":quit")
    (True, False)
    >>> "Thành ủy Đà Nẵng họp" in out.getvalue()
    True
    """

    def __init__(
        self,
        index: Index | str | os.PathLike[str],
        console: Console,
        *,
        page_size: int = 10,
        more: Callable[[], str] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.console = console
        self.page_size = page_size
        self.more = more
        self._typed_at_pager: str | None = None  # a line typed at the pager, run once it stops
        self._index = index if isinstance(index, Index) else None
        self._path = index.path if isinstance(index, Index) else Path(index)
        self._owns_index = not isinstance(index, Index)
        self.query: str | None = None
        self.offset = 0
        self.sort: SortOrder = "relevance"
        self.match: MatchMode = "auto"
        self.filters: dict[str, str] = {}
        self.results: SearchResults | None = None
        self.errors = 0

    # -- public ------------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        """The index, opened on first use.

        Raises:
            IndexNotFoundError: There is no index at the path given.
        """
        if self._index is None:
            self._index = Index.open(self._path)
        return self._index

    def close(self) -> None:
        """Close the index if this shell opened it."""
        if self._owns_index and self._index is not None:
            self._index.close()
            self._index = None

    def handle(self, line: str) -> bool:
        """Run one line (a query or a ``:command``), then any line typed at the pager it
        showed; return False when the user quits."""
        keep = self._handle_line(line)
        while keep and self._typed_at_pager is not None:
            line, self._typed_at_pager = self._typed_at_pager, None
            keep = self._handle_line(line)
        self._typed_at_pager = None
        return keep

    def _handle_line(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self._command(line[1:])
            self.query = line
            self.offset = 0
            self._show_page()
        except (SearchKitError, UsageError) as e:
            self.error(str(e))
        except OSError as e:
            self.error(f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}")
        return True

    def error(self, message: str) -> None:
        """Print one error line and count it."""
        self.errors += 1
        self.console.print(Text.assemble(("error: ", "bold red"), " ".join(message.split())))

    def run(self, stdin: TextIO | None = None) -> int:
        """Read and handle lines until ``:quit`` or end of input.

        On a terminal this prompts, edits lines with readline and keeps the history; otherwise
        it reads lines without a prompt.

        Returns:
            0, or 1 when input was not a terminal and some line failed.
        """
        stream = sys.stdin if stdin is None else stdin
        if not _isatty(stream):
            for line in stream:
                try:
                    if not self.handle(line):
                        break
                except KeyboardInterrupt:
                    self.error("interrupted")
            return 1 if self.errors else 0
        self._interactive_loop()
        return 0

    def run_commands(self, commands: Iterable[str]) -> int:
        """Handle ``commands`` in order (stopping at ``:quit``); return 1 if any failed, else 0."""
        for command in commands:
            if not self.handle(command):
                break
        return 1 if self.errors else 0

    # -- reading -----------------------------------------------------------------------------

    def _interactive_loop(self) -> None:
        history = _History(history_path())
        self.more = self.more or _ask_more
        try:
            total = len(self.index)
            self.console.print(Text.assemble(
                ("searchkit", "bold"), f" — {total:,} articles in {self._path}. ",
                ("Type a query, :help for commands, :quit to leave.", "dim"),
            ))
        except SearchKitError as e:
            self.error(str(e))
        try:
            while True:
                try:
                    line = input(PROMPT)
                except KeyboardInterrupt:
                    self.console.print("^C")
                    continue
                except EOFError:
                    self.console.print()
                    break
                try:
                    if not self.handle(line):
                        break
                except KeyboardInterrupt:
                    self.console.print(Text("cancelled", style="dim"))
        finally:
            history.save()

    # -- commands ----------------------------------------------------------------------------

    def _command(self, text: str) -> bool:
        name, _, arg = text.strip().partition(" ")
        name = _ALIASES.get(name.lower(), name.lower())
        arg = arg.strip()
        if name == "quit":
            return False
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None or name not in {c.name for c in _COMMANDS}:
            close = difflib.get_close_matches(name, [c.name for c in _COMMANDS], n=1)
            hint = f"did you mean :{close[0]}? " if close else ""
            self.error(f"unknown command :{name or ''} ({hint}:help lists the commands)")
            return True
        handler(arg)
        return True

    def _cmd_help(self, _arg: str) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("text", "search (diacritics optional; \"phrases\", -word, title:, org:, date:2023-08)")
        for command in _COMMANDS:
            table.add_row(command.usage, command.summary)
        self.console.print(table)
        self.console.print(legend())

    def _cmd_next(self, _arg: str) -> None:
        results = self._need_results()
        if results.offset + len(results.hits) >= results.total:
            self.error("no more results (this is the last page)")
            return
        self.offset = results.offset + len(results.hits)
        self._show_page()

    def _cmd_prev(self, _arg: str) -> None:
        results = self._need_results()
        if results.offset == 0:
            self.error("already on the first page")
            return
        self.offset = max(0, results.offset - self._fit()[0])
        self._show_page()

    def _cmd_open(self, arg: str) -> None:
        n = self._result_number(arg)
        hit = self._result(n)
        highlighted = self.index.highlight(hit.id, self.query or "")
        if highlighted is None:
            raise SearchKitError(f"article {hit.id!r} is no longer in the index")
        self._page(render_article(hit, highlighted, rank=n))

    def _cmd_orgs(self, _arg: str) -> None:
        if self.results is not None and self.query:
            values = self.results.facets.get("org", ())
            self.console.print(render_orgs(values, f"Organizations in the {self.results.total:,} results"))
        else:
            self.console.print(render_orgs(self.index.organizations(20), "Organizations in the index"))

    def _cmd_facets(self, _arg: str) -> None:
        results = self._need_results()
        self.console.print(render_facets(results.facets))

    def _cmd_filter(self, arg: str) -> None:
        if not arg:
            self._show_filters()
            return
        updates = _parse_filters(arg)
        merged = {**self.filters, **updates}
        self.filters = {k: v for k, v in merged.items() if v}
        self._show_filters()
        self._rerun()

    def _cmd_clear(self, _arg: str) -> None:
        self.filters = {}
        self._show_filters()
        self._rerun()

    def _cmd_sort(self, arg: str) -> None:
        self.sort = _choice("sort", arg, SORTS)
        self.console.print(Text(f"sorted by {self.sort}", style="dim"))
        self._rerun()

    def _cmd_match(self, arg: str) -> None:
        if not arg:
            self.console.print(Text(f"match: {self.match}", style="dim"))
            return
        self.match = _choice("match", arg, MATCH_MODES)
        self.console.print(Text(f"match: {self.match}", style="dim"))
        self._rerun()

    def _cmd_stats(self, _arg: str) -> None:
        self.console.print(render_stats(self.index.stats()))

    # -- helpers -----------------------------------------------------------------------------

    def _result_number(self, arg: str) -> int:
        """The N of ``:open N``: a number from 1 to the total of the results.

        Raises:
            UsageError: No results yet, not a number, or no result N.
        """
        results = self._need_results()
        if not arg.isdigit():
            raise UsageError(f":open needs a result number, e.g. :open 1 (got {arg or 'nothing'!r})")
        n = int(arg)
        if not 1 <= n <= results.total:
            raise UsageError(f"no result {n}: there {'is' if results.total == 1 else 'are'} {results.total:,} (:open 1–{results.total:,})"
                             if results.total else f"no result {n}: the query found nothing")
        return n

    def _result(self, n: int) -> Hit:
        """Result ``n`` (from 1) of the whole list: from the page shown, else searched again."""
        results = self._need_results()
        if results.offset < n <= results.offset + len(results.hits):
            return results.hits[n - results.offset - 1]
        found = self._search(limit=1, offset=n - 1, facets=False).hits
        if not found:  # the index changed since the page was shown
            raise SearchKitError(f"no result {n} any more: search again")
        return found[0]

    def _footer_lines(self, results: SearchResults) -> list[Text]:
        """The page's footer (one line, already counted in :func:`fit_page`): how the query
        matched when that is not the plain default (match mode, words dropped), else the
        highlight legend once there are snippets to read it by (``:help`` shows it too): the
        note keeps the whole line, an 80-column terminal has no room for both."""
        notes = [f"match: {self.match}"] if self.match != "auto" else []
        note = match_note(results)
        if note:
            notes.append(note)
        if notes:
            return [Text(" · ".join(notes), style="dim")]
        return [Text.from_markup(legend())] if results.hits else []

    def _fit(self) -> tuple[int, int]:
        """Hits per page and snippet lines per hit for this console's height."""
        return fit_page(self.console.size.height, self.page_size)

    def _need_results(self) -> SearchResults:
        if self.results is None:
            raise UsageError("no results yet: type a query first")
        return self.results

    def _show_filters(self) -> None:
        shown = ", ".join(f"{k}={v}" for k, v in self.filters.items()) or "none"
        self.console.print(Text(f"filters: {shown}", style="dim"))

    def _rerun(self) -> None:
        if self.query:
            self.offset = 0
            self._show_page()

    def _search(self, *, limit: int, offset: int, facets: bool = True) -> SearchResults:
        """The current query with the current filters and order."""
        return self.index.search(
            self.query or "",
            limit=limit,
            offset=offset,
            org=self.filters.get("org"),
            category=self.filters.get("category"),
            since=_date_bound(self.filters.get("since"), end=False),
            until=_date_bound(self.filters.get("until"), end=True),
            sort=self.sort,
            facets=facets,
            match=self.match,
        )

    def _show_page(self) -> None:
        size, snippet_lines = self._fit()
        self.results = self._search(limit=size, offset=self.offset)
        self.console.print(render_page(self.results, snippet_lines=snippet_lines, footer_lines=self._footer_lines(self.results)))

    def _page(self, renderable: RenderableType) -> None:
        """Print ``renderable``, a screenful at a time when ``more`` is set."""
        if self.more is None:
            self.console.print(renderable)
            return
        with self.console.capture() as capture:
            self.console.print(renderable)
        lines = capture.get().splitlines(keepends=True)
        height = max(5, self.console.size.height - 2)
        for start in range(0, len(lines), height):
            if start:
                answer = self.more().strip()
                if answer:  # "q" stops; any other line stops too, and runs next
                    self._typed_at_pager = None if answer.lower() == "q" else answer
                    return
            self.console.file.write("".join(lines[start : start + height]))
            self.console.file.flush()


def _choice(command: str, arg: str, options: tuple[_Option, ...]) -> _Option:
    """The option of ``:command`` that ``arg`` names (any case).

    Raises:
        UsageError: ``arg`` names none of them.
    """
    found = next((o for o in options if o == arg.lower()), None)
    if found is None:
        raise UsageError(f"unknown {command} {arg!r}: use :{command} {'|'.join(options)}")
    return found


def _ask_more() -> str:
    try:
        answer = input("-- more -- (Enter: next screen, q: stop, or a query or :command) ")
    except (EOFError, KeyboardInterrupt):
        print()
        return "q"
    readline = sys.modules.get("readline")
    if answer.strip().lower() == "q" and readline is not None:  # keep "q" out of the query history
        length = readline.get_current_history_length()
        if length:
            readline.remove_history_item(length - 1)
    return answer


_FILTER_RE = re.compile(r"(?:^|\s)(\w+)=")


def _parse_filters(text: str) -> dict[str, str]:
    """``org=UBND tỉnh Quảng Ninh since=2023`` -> ``{"org": "UBND tỉnh Quảng Ninh", "since": "2023"}``.

    Raises:
        UsageError: Text without ``key=`` or an unknown key.
        QuerySyntaxError: A date that is not a date.
    """
    found = list(_FILTER_RE.finditer(text))
    if not found or text[: found[0].start()].strip():
        raise UsageError(f"usage: :filter {' '.join(k + '=…' for k in _FILTER_KEYS)} (got {text!r})")
    out: dict[str, str] = {}
    for m, following in zip(found, [*found[1:], None], strict=True):
        key = m.group(1).lower()
        if key not in _FILTER_KEYS:
            raise UsageError(f"unknown filter {key!r}: use {', '.join(_FILTER_KEYS)}")
        value = text[m.end() : following.start() if following else len(text)].strip().strip('"')
        if value and key in ("since", "until"):
            try:  # validate now, not at the next search
                _date_bound(value, end=key == "until")
            except QuerySyntaxError as e:
                raise QuerySyntaxError(str(e).replace(f"date:{value}", f"{key}={value}")) from e  # name the filter
        out[key] = value
    return out


def _date_bound(value: str | None, *, end: bool) -> datetime | None:
    """The start (or end) of a YYYY, YYYY-MM or YYYY-MM-DD filter value, None when unset."""
    return date_bound(value, end=end) if value else None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _History:
    """readline history in a file; every failure (no readline, unreadable file) is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            import readline
        except ImportError:
            self.readline = None
            return
        self.readline = readline
        readline.set_history_length(1000)
        with contextlib.suppress(OSError):
            readline.read_history_file(path)

    def save(self) -> None:
        if self.readline is None:
            return
        with contextlib.suppress(OSError):
            self.readline.write_history_file(self.path)
