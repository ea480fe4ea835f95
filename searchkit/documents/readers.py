"""The readers that stream articles out of files and folders.

Inputs
------
* ``.txt``: one article per file, in the layout of the news pages searchkit started from
  (see :func:`parse_txt`): a title line, an optional "Đăng ngày DD-MM-YYYY HH:MM, Lượt xem: N"
  line, the body, an optional byline in capitals, page boilerplate that is dropped. The
  article id is the file's path relative to the folder being read (POSIX style), or the file
  name when a single file is read. At most :data:`MAX_TXT_BYTES` per file.
* ``.jsonl`` / ``.ndjson`` (also gzip-compressed, ``.jsonl.gz``): one JSON object per line,
  read line by line, so memory stays bounded whatever the file size. Keys are those of
  :meth:`~searchkit.documents.Article.from_dict`; blank lines are skipped; a bad line is
  reported by number and the other lines still go through.

Encodings
---------
``.txt`` files may be UTF-8 (with or without BOM), UTF-16/32 with a BOM, or the legacy
Vietnamese encodings TCVN3 (ABC) and VNI, which are detected and converted
(:mod:`searchkit.text.encodings`). JSONL must be UTF-8 (a BOM is allowed) or UTF-16/32 with
a BOM. Text is stored normalized (see :mod:`searchkit.documents.article`).

Problems never raise out of :func:`iter_path`: each one is a :class:`Rejected` record in the
stream, so a caller can index what is good and report the rest.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Literal, cast

from searchkit.documents.article import (
    DMY_DATE,
    Article,
    check_id,
    check_views,
    clean_text,
    json_type,
    text_field,
)
from searchkit.documents.files import Rejected, is_utf8, iter_files, open_input, shown
from searchkit.errors import DocumentError, EncodingError
from searchkit.text.encodings import bom_encoding, decode_bytes, is_binary
from searchkit.text.normalize import fold

__all__ = ["MAX_JSONL_LINE_BYTES", "MAX_TXT_BYTES", "InputFormat", "Rejected", "input_format", "iter_path", "parse_txt"]


#: The largest .txt file read as one article.
MAX_TXT_BYTES = 20 * 1024 * 1024
#: The longest JSONL line (one article) read, in bytes (characters for UTF-16/32 files), also
#: after gzip decompression: a longer line is rejected without being held in memory, and the
#: reader goes on after its newline, so a gzip bomb costs time, never memory.
MAX_JSONL_LINE_BYTES = 20 * 1024 * 1024

#: The kinds of input file: one .txt article, JSONL lines, gzipped JSONL lines.
InputFormat = Literal["txt", "jsonl", "jsonl.gz"]
_TXT_SUFFIXES = (".txt",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_GZIP_SUFFIX = ".gz"


# --- the .txt layout --------------------------------------------------------------------------------

_META_START = ("dang ngay", "ngay dang", "luot xem")
_META_VIEWS = re.compile(r"luot\s*xem\s*:?\s*(\d{1,3}(?:[.,]\d{3})+|\d+)")
# Lines that are page furniture, compared folded, lower-case, single-spaced, without a final ":".
_BOILERPLATE = frozenset(
    {"danh gia bai viet", "in bai viet", "in bai", "gui bai viet", "chia se", "chia se bai viet",
     "binh luan", "ve dau trang", "len dau trang", "quay lai", "ban in", "xem them"}
)
# A line like this starts the list of other articles: it and everything after it go.
_TAIL = frozenset(
    {"cac tin khac", "tin khac", "tin lien quan", "cac tin lien quan", "tin cung chuyen muc",
     "bai viet lien quan", "cac bai viet khac", "tin moi hon", "tin cu hon", "xem tiep"}
)
_BYLINE_CHARS = frozenset(" .-,&/()")


def _key(line: str) -> str:
    return " ".join(fold(line).lower().split()).rstrip(":").rstrip()


def _parse_meta(line: str) -> tuple[datetime | None, int | None] | None:
    """Read "Đăng ngày DD-MM-YYYY HH:MM, Lượt xem: N" (either part may be missing)."""
    key = _key(line)
    if len(key) > 120 or not key.startswith(_META_START):
        return None
    date_match = DMY_DATE.search(key)
    views_match = _META_VIEWS.search(key)
    if date_match is None and views_match is None:
        return None
    published = None
    if date_match is not None:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in date_match.groups())
        try:
            published = datetime(year, month, day, hour, minute, second)
        except ValueError:
            published = None  # an impossible date on a page: keep the article, drop the date
    views = None if views_match is None else check_views(int(re.sub(r"[.,]", "", views_match.group(1))))
    return published, views


def _is_byline(line: str) -> bool:
    """A short line in capitals, no digits: "THANH NGUYÊN", "HỒNG VÂN - MINH ANH"."""
    if not line or len(line) > 60 or len(line.split()) > 8 or line != line.upper():
        return False
    if sum(c.isalpha() for c in line) < 2:
        return False
    return all(c.isalpha() or c in _BYLINE_CHARS for c in line)


def parse_txt(text: str, *, article_id: str, source: str | None = None) -> Article:
    """Parse the text of one article in the .txt layout.

    Layout: the first non-empty line is the title; within the next three non-empty lines, a
    line starting "Đăng ngày" or "Lượt xem" gives ``published`` (DD-MM-YYYY, optional HH:MM)
    and ``views`` (either may be missing; spacing, case and missing diacritics are
    tolerated; an impossible date such as 32-13-2023 is left out, the article kept); the
    body follows. A line such as "Các tin khác" or "Tin liên quan" and
    everything after it is dropped, as are lines of page furniture ("ĐÁNH GIÁ BÀI VIẾT",
    "Chia sẻ", "In bài viết"). A short last line in capitals becomes ``author``. Blocks of
    lines separated by blank lines are paragraphs, joined by "\\n\\n"; lines inside a block
    are kept, joined by "\\n". Image captions are ordinary body lines.

    Args:
        text: The decoded file text (any normalization, any line endings).
        article_id: The article id.
        source: The file, for :attr:`Article.origin` and error messages.

    Returns:
        The normalized article.

    Raises:
        DocumentError: The text is empty or holds a value that cannot be stored (a lone
            surrogate, a view count over :data:`MAX_VIEWS`, an id over :data:`MAX_TERM_BYTES`).

    >>> a = parse_txt("Họp Ban Chỉ đạo 35\\nĐăng ngày 18-08-2023 19:46, Lượt xem: 272\\n\\n"
    ...               "Chiều 18-8, Ban Tuyên giáo Thành uỷ họp.\\n\\nMINH AN\\n\\nCác tin khác\\nTin cũ",
    ...               article_id="bcd35.txt")
    >>> a.title, a.published, a.views, a.author, a.body
    ('Họp Ban Chỉ đạo 35', datetime.datetime(2023, 8, 18, 19, 46), 272, 'MINH AN', 'Chiều 18-8, Ban Tuyên giáo Thành ủy họp.')
    """
    check_id(article_id)
    text_field(text, "text")
    lines = [" ".join(line.split()) for line in clean_text(text).split("\n")]
    start = next((i for i, line in enumerate(lines) if line), None)
    if start is None:
        raise DocumentError("empty file", source=source)
    title = lines[start]
    rest = lines[start + 1 :]

    published: datetime | None = None
    views: int | None = None
    looked = 0
    for i, line in enumerate(rest):
        if not line:
            continue
        meta = _parse_meta(line)
        if meta is not None:
            published, views = meta
            rest[i] = ""
            break
        looked += 1
        if looked == 3:
            break

    body_lines: list[str] = []
    for line in rest:
        key = _key(line)
        if key in _TAIL:
            break
        if key not in _BOILERPLATE:
            body_lines.append(line)
    while body_lines and not body_lines[-1]:
        body_lines.pop()
    author = None
    if body_lines and _is_byline(body_lines[-1]):
        author = body_lines.pop()

    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*body_lines, ""]:
        if line:
            block.append(line)
        elif block:
            paragraphs.append("\n".join(block))
            block = []
    return Article(
        id=article_id, title=title, body="\n\n".join(paragraphs), published=published, views=views,
        author=author, origin=source,
    )


# --- readers --------------------------------------------------------------------------------------


def iter_path(path: str | os.PathLike[str]) -> Iterator[Article | Rejected]:
    """Stream the articles of a file or of a folder (recursively).

    A folder is walked in sorted order (by path, names compared as strings), so two runs
    yield the same sequence, and without recursion, so any depth works (a path too long for
    the system to open is a :class:`Rejected`). Hidden files and folders (name starting with
    ".") are left out silently; files of other types, symbolic links to folders and
    anything that is not a regular file (FIFOs, sockets, devices, also behind a symbolic
    link) are reported as :class:`Rejected` with a reason starting "skipped:" and never
    opened. A file or folder whose name is not valid UTF-8 is rejected, its name shown with
    ``\\xNN`` escapes. Every problem with a file or a line is a :class:`Rejected` in the
    stream; nothing raises once iteration has started.

    Memory stays bounded: JSONL is read line by line (at most :data:`MAX_JSONL_LINE_BYTES` a
    line) and a .txt file holds one article (at most :data:`MAX_TXT_BYTES`).

    Args:
        path: A .txt, .jsonl, .ndjson or .jsonl.gz file, or a folder.

    Returns:
        An iterator of :class:`Article` and :class:`Rejected`, in file order and, within a
        JSONL file, line order.

    Raises:
        DocumentError: ``path`` does not exist (raised by this call, before iteration).

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Tiêu đề\\n\\nNội dung bài.", encoding="utf-8")
    >>> _ = (folder / "b.pdf").write_bytes(b"%PDF-1.7")
    >>> for item in iter_path(folder):
    ...     print(item.id if isinstance(item, Article) else item.reason)
    a.txt
    skipped: unsupported extension .pdf
    """
    root = Path(path)
    try:
        is_dir = stat.S_ISDIR(os.stat(root).st_mode)
    except FileNotFoundError:
        raise DocumentError("no such file or folder", source=shown(root)) from None
    except OSError as e:
        return iter([Rejected(shown(root), None, f"cannot read: {e.strerror or e}")])
    return _read_items(iter_files(root), root if is_dir else None)


def input_format(path: str | os.PathLike[str]) -> InputFormat | None:
    """How the readers read a file, by its name (any case): None for a file they skip.

    >>> input_format("tin.TXT"), input_format("a.ndjson"), input_format("a.jsonl.gz"), input_format("a.txt.gz")
    ('txt', 'jsonl', 'jsonl.gz', None)
    """
    name = os.path.basename(os.fspath(path)).lower()
    gz = name.endswith(_GZIP_SUFFIX)
    stem = name[: -len(_GZIP_SUFFIX)] if gz else name
    if stem.endswith(_JSONL_SUFFIXES):
        return "jsonl.gz" if gz else "jsonl"
    if stem.endswith(_TXT_SUFFIXES) and not gz:
        return "txt"
    return None


def _read_items(files: Iterator[Path | Rejected], root: Path | None) -> Iterator[Article | Rejected]:
    for item in files:
        if isinstance(item, Rejected):
            yield item
        else:
            yield from _iter_file(item, item.name if root is None else item.relative_to(root).as_posix(), shown(item))


def _iter_file(path: Path, txt_id: str, source: str) -> Iterator[Article | Rejected]:
    if not is_utf8(path.name):
        yield Rejected(source, None, "file name is not valid UTF-8")
        return
    kind = input_format(path)
    if kind in ("jsonl", "jsonl.gz"):
        yield from _iter_jsonl(path, source, gz=kind == "jsonl.gz")
    elif kind == "txt":
        yield _read_txt(path, txt_id, source)
    else:
        gz = path.name.lower().endswith(_GZIP_SUFFIX)
        suffix = "".join(path.suffixes[-2:]) if gz else path.suffix
        what = f"unsupported extension {suffix}" if suffix else "no file extension"
        yield Rejected(source, None, f"skipped: {what}")


def _read_txt(path: Path, txt_id: str, source: str) -> Article | Rejected:
    try:
        with open_input(path) as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_TXT_BYTES:
                return Rejected(source, None, _too_large(size))
            data = f.read(MAX_TXT_BYTES + 1)
    except DocumentError as e:
        return Rejected(source, None, str(e.args[0]))
    except OSError as e:
        return Rejected(source, None, f"cannot read file: {e.strerror or e}")
    if len(data) > MAX_TXT_BYTES:
        return Rejected(source, None, _too_large(len(data)))
    if not data:
        return Rejected(source, None, "empty file")
    try:
        text = decode_bytes(data).text
    except EncodingError as e:
        return Rejected(source, None, str(e.args[0]))
    return _convert(lambda: parse_txt(text, article_id=txt_id, source=source), source, None)


def _too_large(size: int) -> str:
    return f"file too large for one article: {size / 2**20:.1f} MB (limit {MAX_TXT_BYTES // 2**20} MB)"


def _iter_jsonl(path: Path, source: str, *, gz: bool) -> Iterator[Article | Rejected]:
    try:
        raw = open_input(path)
    except DocumentError as e:
        yield Rejected(source, None, str(e.args[0]))
        return
    with raw:
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if gz else raw
        try:
            head = stream.peek(8192)[:8192]  # type: ignore[attr-defined]
        except (OSError, EOFError, zlib.error) as e:
            yield Rejected(source, None, f"corrupt gzip file: {e}")
            return
        bom = bom_encoding(head[:4])
        if bom is not None and bom[0] != "utf-8-sig":
            encoding = "utf-16" if bom[0].startswith("utf-16") else "utf-32"
            lines: Iterator[tuple[int, str | Rejected]] = _text_lines(stream, encoding, source)
        elif is_binary(head):
            yield Rejected(source, None, "binary file (not text)")
            return
        else:
            if bom is not None:
                stream.read(3)  # peeked above: already in memory
            lines = _utf8_lines(stream, source)
        empty = True
        for number, line in lines:
            empty = False
            if isinstance(line, Rejected):
                yield line
            else:
                yield _record(line, source, number)
        if empty:
            yield Rejected(source, None, "empty file")


def _utf8_lines(stream: IO[bytes], source: str) -> Iterator[tuple[int, str | Rejected]]:
    """Non-blank lines of a UTF-8 stream, numbered; a bad line becomes a Rejected.

    A line over :data:`MAX_JSONL_LINE_BYTES` is skipped in chunks up to the next newline
    without being held; a corrupt gzip stream ends the file with one Rejected.
    """
    number = 0  # the line being read
    try:
        while (number := number + 1) and (line := stream.readline(MAX_JSONL_LINE_BYTES + 1)):
            if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith(b"\n"):
                while (chunk := stream.readline(_SKIP_CHUNK)) and not chunk.endswith(b"\n"):
                    pass
                yield number, Rejected(source, number, _line_too_long())
            elif line.strip():
                try:
                    yield number, line.decode("utf-8")
                except UnicodeDecodeError as e:
                    yield number, Rejected(source, number, f"invalid UTF-8 at byte {e.start} of the line")
    except (OSError, EOFError, zlib.error) as e:
        yield number, Rejected(source, number, f"corrupt gzip data: {e}")


def _text_lines(stream: IO[bytes], encoding: str, source: str) -> Iterator[tuple[int, str | Rejected]]:
    """Non-blank lines of a UTF-16/32 stream (the codec reads and drops the BOM).

    As :func:`_utf8_lines`, the cap counting characters: a line over
    :data:`MAX_JSONL_LINE_BYTES` characters is skipped up to the next newline.
    """
    text = io.TextIOWrapper(stream, encoding=encoding, newline=None)  # type: ignore[arg-type]
    number = 0  # the line being read
    try:
        while (number := number + 1) and (line := text.readline(MAX_JSONL_LINE_BYTES + 1)):
            if len(line) > MAX_JSONL_LINE_BYTES and not line.endswith("\n"):
                while (chunk := text.readline(_SKIP_CHUNK)) and not chunk.endswith("\n"):
                    pass
                yield number, Rejected(source, number, _line_too_long())
            elif line.strip():
                yield number, line
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as e:
        yield number, Rejected(source, number, f"invalid {encoding.upper()} from this line on ({e})")
    finally:
        text.detach()


#: Bytes read at a time while skipping the rest of an over-long line.
_SKIP_CHUNK = 1 << 20


def _line_too_long() -> str:
    cap = MAX_JSONL_LINE_BYTES
    return f"line too long (over {cap // 2**20} MB)" if cap % 2**20 == 0 else f"line too long (over {cap:,} bytes)"


def _record(line: str, source: str, number: int) -> Article | Rejected:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return Rejected(source, number, f"invalid JSON: {e.msg} at column {e.colno}")
    except RecursionError:
        return Rejected(source, number, "invalid JSON: nested too deeply")
    except ValueError as e:  # a number of over 4,300 digits
        return Rejected(source, number, f"invalid JSON: {str(e).split(':')[0]}")
    if not isinstance(obj, dict):
        return Rejected(source, number, f"expected a JSON object, got {json_type(obj)}")
    return _convert(lambda: Article.from_dict(obj, source=source), source, number)


def _convert(build: Callable[[], Article], source: str, line: int | None) -> Article | Rejected:
    """``build()``, or the :class:`Rejected` that says why it failed.

    A :class:`DocumentError` is the expected failure. Any other exception is a bug met on one
    record: it is reported with its type instead of ending the run. :class:`MemoryError`
    still propagates: inputs are capped (:data:`MAX_TXT_BYTES`, :data:`MAX_JSONL_LINE_BYTES`),
    so running out of memory says the process is in trouble, not that the record is bad.
    KeyboardInterrupt and SystemExit are not Exceptions and propagate too.
    """
    try:
        return build()
    except DocumentError as e:
        return Rejected(source, line, str(e.args[0]))
    except MemoryError:
        raise
    except Exception as e:
        message = " ".join(str(e).split())[:200]
        return Rejected(source, line, f"unexpected error: {type(e).__name__}: {message}")
