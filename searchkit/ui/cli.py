"""The ``searchkit`` command line: argument parsing, rendering and exit codes, nothing else.

Every subcommand parses its arguments, makes one library call (:func:`searchkit.build_index`,
a method of :class:`searchkit.Index`), renders the result with :mod:`searchkit.ui.render` (or
prints its ``to_json()`` with ``--json``) and returns an exit status. Errors become one line on stderr,
``searchkit: error: ...``, in one place, :func:`main`:

====  ==========================================================================
0     success
1     partial failure: some inputs, ids or batch queries failed, the rest worked
2     usage error, or nothing could be done (no index, locked index, bad query, no SRC)
130   interrupted (Ctrl-C)
====  ==========================================================================

A reader that closes the pipe early (``searchkit search ... | head``) ends the command quietly
with status 1.

Human output adapts to the terminal width, honours ``NO_COLOR`` and stays plain when piped;
the consoles are created inside :func:`main`, never at import.
"""

from __future__ import annotations

import argparse
import codecs
import importlib.util
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any, NoReturn, cast

from rich.console import Console
from rich.text import Text

from searchkit._version import __version__
from searchkit.documents.files import shown
from searchkit.errors import IndexNotFoundError, QuerySyntaxError, SearchKitError
from searchkit.index import DEFAULT_INDEX, Index, IndexReport
from searchkit.search import MATCH_MODES, SORTS, SearchResults
from searchkit.ui.render import n_articles, render_deleted, render_orgs, render_report, render_results, render_stats
from searchkit.ui.usage import UsageError, date_bound, match_note

__all__ = ["EXIT_FATAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL", "main", "main_entry", "progress_bar"]

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130
#: Where ``searchkit repl`` builds its default index from when there is none.
EXAMPLES = Path("examples") / "articles"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (``... (see: searchkit index --help)``)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")


# -- the parser ----------------------------------------------------------------------------------

_EXAMPLES = {
    "index": """\
Examples:
  searchkit index examples/articles
  searchkit index news/ more.jsonl --index indexes/news --workers 4
  searchkit index examples/articles --rebuild --json > report.json

SRC is a .txt article, a .jsonl/.ndjson(.gz) file or a folder (read recursively). Articles
already indexed with the same content are skipped; changed ones are replaced.
Exit status: 0 all indexed, 1 some inputs failed, 2 nothing could be indexed.""",
    "search": """\
Examples:
  searchkit search "ban chi dao 35"
  searchkit search 'org:"UBND Quảng Ninh" du lịch' --since 2023 --sort date
  searchkit search "thành ủy" --category "Chính trị" --limit 5 --json
  searchkit search --queries questions.txt --json > answers.jsonl

Query language: "a phrase", -excluded, +required, a AND b, title:word, org:NAME,
category:NAME, date:2023-08 (also 2023, 2023-08-18, 2022..2023), a b OR c d (either run).
Hits hold every word (in any spelling; a name as a whole); when fewer than 3 articles do,
words are dropped, the least telling first (unknown words, bare numbers, the commonest), and
a dim line says which (--match all: never; --match any: any word).
Dates of --since/--until: YYYY, YYYY-MM or YYYY-MM-DD (inclusive).""",
    "orgs": """\
Examples:
  searchkit orgs
  searchkit orgs --top 50 --query "phòng chống dịch" --json""",
    "stats": """\
Example:
  searchkit stats --index indexes/news --json""",
    "delete": """\
Examples:
  searchkit delete j1 2023/bcd35.txt
All ids are deleted in one commit. Ids not in the index are listed and change nothing, so
running the same command again is harmless. Exit status: 0 done, 2 nothing could be done.""",
    "repl": """\
Examples:
  searchkit repl
  echo 'ban chi dao' | searchkit repl
  searchkit repl --command 'thanh uy da nang' --command ':open 1'

Without --index and with no index at indexes/default, the REPL first builds one from
examples/articles/ in the current folder. Type :help inside for the commands.""",
}


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return number


def _date_arg(end: bool) -> Callable[[str], datetime]:
    def convert(value: str) -> datetime:
        try:
            return date_bound(value, end=end)
        except QuerySyntaxError as e:
            raise argparse.ArgumentTypeError(f"use YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}") from e
        except UsageError as e:
            raise argparse.ArgumentTypeError(str(e)) from e

    convert.__name__ = "date"  # argparse names the type in its messages
    return convert


def _match_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--match", choices=MATCH_MODES, default="auto",
                   help="articles with all the words, relaxed when fewer than 3 have them (auto, default), "
                        "all of them strictly, or any of them")


def _cluster_flag(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--cluster", metavar="ADDRESS", default=None, help=f"{what}, e.g. tcp://host:8786")


def _version() -> str:
    """The ``--version`` line: searchkit's version and which segmentation decoder is in use (the
    C one of ``searchkit.text._viterbi`` when it was built at install, else the pure-Python one,
    with the same output)."""
    decoder = "C" if importlib.util.find_spec("searchkit.text._viterbi") else "pure Python"
    return f"searchkit {__version__} (segmentation Viterbi: {decoder})"


def build_parser() -> argparse.ArgumentParser:
    """Return the ``searchkit`` argument parser (one subparser per subcommand)."""
    parser = _Parser(
        prog="searchkit",
        description="Full-text search over Vietnamese news articles (diacritics optional).",
        epilog="Example:\n  searchkit index examples/articles && searchkit search \"ban chi dao\"\n\n"
        "Run 'searchkit COMMAND --help' for the options of a command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(name: str, summary: str, run: Callable[[argparse.Namespace, Console], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=summary, description=summary, epilog=_EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--index", metavar="DIR", type=Path, default=None,
                       help=f"index folder (default: {DEFAULT_INDEX})")
        p.set_defaults(run=run)
        return p

    def json_flag(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print JSON instead of tables")

    p = command("index", "Add articles from files or folders to an index (created if missing).", _cmd_index)
    p.add_argument("sources", nargs="+", metavar="SRC", type=Path, help=".txt, .jsonl, .jsonl.gz or folder")
    p.add_argument("--rebuild", action="store_true", help="delete the index and build it again")
    p.add_argument("--workers", metavar="N", type=_positive, default=None,
                   help="analysis processes (default: one per core; 0: none)")
    p.add_argument("--shards", metavar="N", type=_positive, default=None,
                   help="make a new index of N shards (see README, Scaling out)")
    _cluster_flag(p, "Dask tasks on this scheduler's workers analyze and write the articles (a sharded index)")
    json_flag(p)

    p = command("search", "Search an index.", _cmd_search)
    p.add_argument("query", nargs="?", metavar="QUERY", help="what to look for")
    p.add_argument("--queries", metavar="FILE", type=Path,
                   help="batch mode: one query per line ('-' for stdin), one result line per query")
    p.add_argument("--limit", metavar="N", type=_positive, default=10, help="hits to show (default: 10)")
    p.add_argument("--offset", metavar="N", type=_positive, default=0, help="hits to skip (default: 0)")
    p.add_argument("--org", metavar="NAME", help="only articles naming this organization (any alias)")
    p.add_argument("--category", metavar="C", help="only articles of this category")
    p.add_argument("--since", metavar="DATE", type=_date_arg(end=False), help="published on or after DATE")
    p.add_argument("--until", metavar="DATE", type=_date_arg(end=True), help="published on or before DATE")
    p.add_argument("--sort", choices=SORTS, default="relevance", help="order of hits (default: relevance)")
    _match_flag(p)
    _cluster_flag(p, "search on this Dask scheduler's workers (a sharded index)")
    json_flag(p)

    p = command("orgs", "Show the most frequent organizations.", _cmd_orgs)
    p.add_argument("--top", metavar="N", type=_positive, default=20, help="how many (default: 20)")
    p.add_argument("--query", metavar="Q", help="count only the articles matching Q")
    _match_flag(p)
    json_flag(p)

    p = command("stats", "Show facts about an index.", _cmd_stats)
    json_flag(p)

    p = command("delete", "Delete articles by id.", _cmd_delete)
    p.add_argument("ids", nargs="+", metavar="ID", help="article ids")
    json_flag(p)

    p = command("repl", "Search interactively.", _cmd_repl)
    p.add_argument("--command", "-c", dest="commands", metavar="CMD", action="append",
                   help="run CMD (a query or :command) and exit; repeatable")
    _cluster_flag(p, "search on this Dask scheduler's workers (a sharded index)")
    return parser


# -- entry points --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line and return its exit status (never raises, never exits).

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` when None.
        console: Where human output goes (tests pass ``Console(file=io.StringIO())``); a
            fresh ``Console()`` on stdout when None. Errors always go to stderr.

    >>> main(["search", "ban chi dao", "--index", "/nonexistent"])
    2
    """
    parser = build_parser()
    try:
        return _dispatch(parser, argv, console)
    except SystemExit as e:  # --help and --version
        return e.code if isinstance(e.code, int) else EXIT_OK
    except UsageError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # `searchkit search ... | head`: the reader left, nothing to say
        _silence_stdout()
        return EXIT_PARTIAL
    except (SearchKitError, OSError) as e:
        return _fail(_describe(e))


def _dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None, console: Console | None) -> int:
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the subcommand whose --help to read
        prog = f"searchkit {args.command}" if args.command else "searchkit"
        raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see: {prog} --help)")
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_FATAL
    if console is None:
        # Piped or redirected, a line of the report stays one line (grep finds it): no wrapping at 80 columns.
        console = Console()
        console.soft_wrap = not console.is_terminal
    return int(args.run(args, console))


def _describe(error: SearchKitError | OSError) -> str:
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror or error}{where}"
    return str(error)


def main_entry() -> None:
    """Console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())


def _fail(message: str, status: int = EXIT_FATAL) -> int:
    _warn(message)
    return status


def _warn(message: str) -> None:
    """One line on stderr about an input that was skipped, the command going on."""
    sys.stderr.write(f"searchkit: error: {' '.join(message.split())}\n")
    sys.stderr.flush()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing at exit cannot fail on a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def _index_path(args: argparse.Namespace) -> Path:
    return args.index if args.index is not None else DEFAULT_INDEX


def _print_json(console: Console, data: Any) -> None:
    """Write JSON as is (no wrapping, no markup) to the console's file."""
    console.file.write(json.dumps(data, ensure_ascii=False) + "\n")
    console.file.flush()


# -- index ---------------------------------------------------------------------------------------


def _rate_column() -> Any:
    """A progress column showing ``123 articles/s`` (rich.progress is imported when a bar is
    shown, not at every start of the command line)."""
    from rich.progress import ProgressColumn, Task

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f} articles/s", style="progress.data.speed")

    return RateColumn()


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on ``console`` for :func:`searchkit.build_index`'s ``progress``: yields
    the callback, or None when ``console`` is no terminal (then nothing is counted or shown)."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _rate_column(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(label, total=1)

    def advance(done: int, expected: int) -> None:
        progress.update(task, total=max(expected, done, 1), completed=done)

    with progress:
        yield advance


def _index_status(report: IndexReport) -> int:
    if report.processed == 0:
        return EXIT_FATAL
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _cmd_index(args: argparse.Namespace, console: Console) -> int:
    from searchkit.index.build import build_index  # (the indexing side: not loaded by a search)

    path = _index_path(args)
    present = [s for s in args.sources if s.exists()]
    label = f"Indexing {present[0].name or present[0]}" + (" …" if len(present) > 1 else "") if present else "Indexing"
    with progress_bar(Console(stderr=True), label) as progress:
        report = build_index(
            path, args.sources, rebuild=args.rebuild, workers=args.workers, progress=progress, shards=args.shards,
            cluster=args.cluster,
        )
    if args.json:
        _print_json(console, report.to_json())
    else:
        console.print(render_report(report))
    status = _index_status(report)
    where = "in the JSON report" if args.json else "above"
    if status == EXIT_FATAL:
        return _fail(f"nothing indexed: no readable articles in {', '.join(map(str, args.sources))} (see {where})")
    if status == EXIT_PARTIAL:
        n = len(report.failed)
        return _fail(f"{n:,} input{'s' if n != 1 else ''} could not be indexed (listed {where})", EXIT_PARTIAL)
    return EXIT_OK


# -- search --------------------------------------------------------------------------------------


def _search_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "limit": args.limit, "offset": args.offset, "org": args.org, "category": args.category,
        "since": args.since, "until": args.until, "sort": args.sort, "match": args.match,
    }


def _cmd_search(args: argparse.Namespace, console: Console) -> int:
    if (args.query is None) == (args.queries is None):
        raise UsageError("give either QUERY or --queries FILE (see: searchkit search --help)")

    with Index.open(_index_path(args), cluster=args.cluster) as ix:
        if args.queries is not None:
            return _batch(ix, args, console)
        results = ix.search(args.query, facets=args.json, **_search_kwargs(args))
        if args.json:
            _print_json(console, results.to_json())
        else:
            console.print(render_results(results))
            note = match_note(results)
            if note:
                console.print(Text(note, style="dim"))
    return EXIT_OK


#: The longest line of a ``search --queries`` file read, in bytes; a longer one is a failed
#: query, skipped to its newline without being held.
MAX_QUERY_LINE_BYTES = 64 * 1024


def _read_queries(stream: IO[bytes]) -> Iterator[tuple[int, str, str | None]]:
    """``(line number, query, error)`` for each non-blank line, read one line at a time.

    A line that is not UTF-8 or is over :data:`MAX_QUERY_LINE_BYTES` comes with an error,
    its text shown with ``\\xNN`` escapes (cut to 200 characters when too long).
    """
    number = 0
    while line := stream.readline(MAX_QUERY_LINE_BYTES + 1):
        number += 1
        error = None
        if len(line) > MAX_QUERY_LINE_BYTES and not line.endswith(b"\n"):
            while (chunk := stream.readline(MAX_QUERY_LINE_BYTES)) and not chunk.endswith(b"\n"):
                pass
            line, error = line[:200], f"line longer than {MAX_QUERY_LINE_BYTES:,} bytes"
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            query = line.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            query = line.decode("utf-8", "backslashreplace").strip()
            error = error or f"not valid UTF-8 (byte {e.start + 1} of the line)"
        if query:
            yield number, query, error


def _open_queries(path: Path) -> IO[bytes]:
    if str(path) != "-":
        return open(path, "rb")
    if hasattr(sys.stdin, "buffer"):
        return cast(IO[bytes], sys.stdin.buffer)
    return io.BytesIO(sys.stdin.read().encode("utf-8", "surrogateescape"))  # a text stand-in (tests)


def _batch(ix: Index, args: argparse.Namespace, console: Console) -> int:
    """One output line per query, in order: a JSON object (--json) or ``query<TAB>total<TAB>ids``.

    A failed query is ``{"query", "line", "error"}`` (--json) or ``query<TAB>error<TAB>message``;
    a line that cannot be read as a query (not UTF-8, too long) is also reported on stderr.
    The file is read one line at a time, each query answered before the next is read.
    """
    failed = total = 0
    where = "<stdin>" if str(args.queries) == "-" else shown(args.queries)
    stream = _open_queries(args.queries)
    try:
        for number, query, error in _read_queries(stream):
            total += 1
            results: SearchResults | None = None
            if error is not None:
                _warn(f"{where}:{number}: {error}")
            else:
                try:
                    results = ix.search(query, facets=args.json, **_search_kwargs(args))
                except SearchKitError as e:
                    error = " ".join(str(e).split())
            if results is None:
                failed += 1
                if args.json:
                    _print_json(console, {"query": query, "line": number, "error": error})
                else:
                    console.file.write(f"{query}\terror\t{error}\n")
            elif args.json:
                _print_json(console, results.to_json())
            else:
                ids = " ".join(h.id for h in results.hits)
                console.file.write(f"{query}\t{results.total}\t{ids}\n")
    finally:
        if stream is not getattr(sys.stdin, "buffer", None):
            stream.close()
    console.file.flush()
    if failed:
        return _fail(f"{failed:,} of {total:,} queries failed (see their error lines)", EXIT_PARTIAL)
    return EXIT_OK


# -- orgs, stats, delete -------------------------------------------------------------------------


def _cmd_orgs(args: argparse.Namespace, console: Console) -> int:

    with Index.open(_index_path(args)) as ix:
        values = ix.organizations(args.top, query=args.query, match=args.match)
    if args.json:
        _print_json(console, {"query": args.query, "organizations": [{"value": v.value, "count": v.count} for v in values]})
    else:
        where = f"articles matching {args.query!r}" if args.query else "the index"
        console.print(render_orgs(values, f"Most frequent organizations in {where}"))
    return EXIT_OK


def _cmd_stats(args: argparse.Namespace, console: Console) -> int:

    with Index.open(_index_path(args)) as ix:
        stats = ix.stats()
    if args.json:
        _print_json(console, stats.to_json())
    else:
        console.print(render_stats(stats))
    return EXIT_OK


def _cmd_delete(args: argparse.Namespace, console: Console) -> int:
    with Index.open(_index_path(args), verify=False) as ix:
        deleted = ix.delete_many(args.ids)
    gone = set(deleted)
    missing = [i for i in dict.fromkeys(args.ids) if i not in gone]
    if args.json:
        _print_json(console, {"deleted": list(deleted), "missing": missing})
    else:
        console.print(render_deleted(deleted, missing, len(set(args.ids))))
    return EXIT_OK


# -- repl ----------------------------------------------------------------------------------------


def _cmd_repl(args: argparse.Namespace, console: Console) -> int:
    path = _index_path(args)
    try:
        ix = Index.open(path, cluster=args.cluster)
    except IndexNotFoundError:
        if args.index is not None or args.cluster is not None:
            raise
        ix = _build_default(path, console)
    from searchkit.ui.repl import Repl  # (not loaded by the other commands)

    with ix:
        repl = Repl(ix, console)
        if args.commands:
            return repl.run_commands(args.commands)
        return repl.run()


def _build_default(path: Path, console: Console) -> Index:
    """Build the default index from ./examples/articles/ so a fresh clone searches at once."""
    from searchkit.documents.count import count_inputs
    from searchkit.index.build import build_index

    if not EXAMPLES.is_dir() or count_inputs([EXAMPLES]) == 0:
        raise IndexNotFoundError(
            f"no searchkit index at {path} and no articles in {EXAMPLES}/ here to build one from "
            f"(create one with: searchkit index SRC --index {path})"
        )
    console.print(Text(f"No index at {path}: building it from {EXAMPLES}/ …", style="dim"))
    report = build_index(path, [EXAMPLES])
    if report.processed == 0:
        raise SearchKitError(f"no readable articles in {EXAMPLES}/ to build {path} from")
    console.print(Text(f"Indexed {n_articles(report.processed)} into {path}.", style="dim"))
    return Index.open(path)
