"""The :class:`Article` value type and the readers that stream articles out of files and folders.

Inputs
------
* ``.txt``: one article per file, in the layout of the news pages searchkit started from
  (see :func:`parse_txt`): a title line, an optional "Đăng ngày DD-MM-YYYY HH:MM, Lượt xem: N"
  line, the body, an optional byline in capitals, page boilerplate that is dropped. The
  article id is the file's path relative to the folder being read (POSIX style), or the file
  name when a single file is read. At most :data:`MAX_TXT_BYTES` per file.
* ``.jsonl`` / ``.ndjson`` (also gzip-compressed, ``.jsonl.gz``): one JSON object per line,
  read line by line, so memory stays bounded whatever the file size. Keys are those of
  :meth:`Article.from_dict`; blank lines are skipped; a bad line is reported by number and
  the other lines still go through.

Encodings
---------
``.txt`` files may be UTF-8 (with or without BOM), UTF-16/32 with a BOM, or the legacy
Vietnamese encodings TCVN3 (ABC) and VNI, which are detected and converted
(:mod:`searchkit.encodings`). JSONL must be UTF-8 (a BOM is allowed) or UTF-16/32 with a BOM.

What is stored
--------------
The readers and :meth:`Article.from_dict` store every text field in the canonical form of
:func:`searchkit.normalize.normalize` (NFC, one tone placement, one Đ, no invisible
characters), with CRLF and CR line endings turned into LF and outer whitespace stripped.
The index analyzes exactly this stored text, so highlight offsets line up with it. The
:class:`Article` constructor itself stores what it is given (it is how the index rebuilds an
article from stored fields); build articles from raw text with :meth:`Article.from_dict`.

Problems never raise out of :func:`iter_path`: each one is a :class:`Rejected` record in the
stream, so a caller can index what is good and report the rest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import IO, Any, cast

from searchkit.encodings import bom_encoding, decode_bytes, is_binary
from searchkit.errors import DocumentError, EncodingError
from searchkit.files import Rejected, is_utf8, iter_files, open_input, shown
from searchkit.normalize import fold, normalize

__all__ = [
    "MAX_JSONL_LINE_BYTES",
    "MAX_TERM_BYTES",
    "MAX_TXT_BYTES",
    "MAX_VIEWS",
    "VIETNAM_TIME",
    "Article",
    "Rejected",
    "iter_path",
    "parse_txt",
]

#: The largest .txt file read as one article.
MAX_TXT_BYTES = 20 * 1024 * 1024
#: The longest JSONL line (one article) read, in bytes (characters for UTF-16/32 files), also
#: after gzip decompression: a longer line is rejected without being held in memory, and the
#: reader goes on after its newline, so a gzip bomb costs time, never memory.
MAX_JSONL_LINE_BYTES = 20 * 1024 * 1024
#: The longest ``id``, ``category``, ``source`` or ``author``, in bytes of UTF-8. Each is indexed
#: as one Whoosh term (``id`` is the key updates and deletes look up), which must stay small;
#: 4096 is also the longest path Linux opens, so every .txt path id fits.
MAX_TERM_BYTES = 4096
#: The largest view count: the ``views`` field is a signed 64-bit Whoosh NUMERIC.
MAX_VIEWS = 2**63 - 1
#: Time zone that timezone-aware dates are converted to before the offset is dropped.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

_TXT_SUFFIXES = (".txt",)
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_GZIP_SUFFIX = ".gz"
_BODY_KEYS = ("body", "text", "content")


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One news article, as stored in the index.

    The constructor stores its arguments as given. Use :meth:`from_dict` or the readers
    (:func:`iter_path`), which validate and normalize (see the module docs), to build one
    from raw input.

    Attributes:
        id: Unique key: the JSONL ``id``, or the .txt file's relative path.
        title: Title (normalized, one line; may be "" when the source has none).
        body: Text, paragraphs separated by "\\n\\n" (normalized).
        published: Publication time, naive, in Vietnam local time (UTC+7), or None.
        views: View count, or None.
        author: Byline (normalized), or None.
        url: Address of the original page, or None.
        category: Category or section (normalized), or None.
        source: The publication the article came from (the JSONL ``source`` value, e.g. a
            newspaper); None when the input does not say.
        origin: The input file the reader took the article from (for per-file reports);
            not part of the article's content, its digest or equality, and not stored.

    >>> a = Article.from_dict({"id": "a1", "title": "Thành uỷ họp", "body": "Nội dung."})
    >>> a.title
    'Thành ủy họp'
    >>> len(a.digest)
    40
    """

    id: str
    title: str
    body: str
    published: datetime | None = None
    views: int | None = None
    author: str | None = None
    url: str | None = None
    category: str | None = None
    source: str | None = None
    origin: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str | None = None) -> Article:
        """Build a normalized article from a JSONL-style mapping.

        Keys: ``id`` (string or integer, required); ``title``; the text in ``body``, ``text``
        or ``content`` (one is required); optional ``published`` or ``date`` (ISO 8601, or
        DD-MM-YYYY with an optional HH:MM; ``/`` and ``.`` also separate the date), ``views``
        (integer, or a string such as "1.234", at most :data:`MAX_VIEWS`), ``author``,
        ``url``, ``category``, ``source``. Other keys are ignored. A date with a UTC offset is
        converted to Vietnam time and stored naive. Text may not hold lone surrogates (a JSON
        ``"\\ud800"`` escape decodes to one), and ``id``, ``category``, ``source`` and
        ``author`` are at most :data:`MAX_TERM_BYTES` long.

        Args:
            d: The mapping (a parsed JSON object).
            source: The file the mapping was read from (kept as :attr:`origin`).

        Returns:
            The article, text fields normalized.

        Raises:
            DocumentError: A required key is missing or a value has the wrong type, format
                or range; the message names the key ("missing id", "invalid views ...").

        >>> a = Article.from_dict({"id": 7, "title": "Hoà bình", "text": "…", "date": "18-08-2023 19:46"})
        >>> a.id, a.title, a.published
        ('7', 'Hòa bình', datetime.datetime(2023, 8, 18, 19, 46))
        >>> Article.from_dict({"title": "Không có id", "body": "x"})
        Traceback (most recent call last):
        ...
        searchkit.errors.DocumentError: missing id
        """
        if not isinstance(d, Mapping):
            raise DocumentError(f"expected a JSON object, got {_json_type(d)}")
        article_id = _parse_id(d.get("id"))
        body_key = next((k for k in _BODY_KEYS if d.get(k) is not None), None)
        if body_key is None:
            raise DocumentError("missing body (expected 'body', 'text' or 'content')")
        title = _one_line(_text(d.get("title"), "title") or "")
        body = _clean(_text(d[body_key], body_key) or "")
        if not title and not body:
            raise DocumentError("empty article (no title and no text)")
        published_key = "published" if d.get("published") not in (None, "") else "date"
        article = cls(
            id=article_id,
            title=title,
            body=body,
            published=_parse_published(d.get(published_key), published_key),
            views=_parse_views(d.get("views")),
            author=_term(_optional(d.get("author"), "author"), "author"),
            url=_optional(d.get("url"), "url", normal=False),
            category=_term(_optional(d.get("category"), "category"), "category"),
            source=_term(_optional(d.get("source"), "source"), "source"),
            origin=source,
        )
        # The text fields are normalized already (and normalizing is idempotent): fill the
        # cached digest without normalizing them a second time.
        article.__dict__["digest"] = _digest(article, normalized=True)
        return article

    @cached_property
    def digest(self) -> str:
        """SHA-1 (hex) of the normalized content: title, body, published, views, author,
        url, category.

        ``id`` (the key) and ``source`` (where it was read from) are left out, so moving a
        file or reading it from another working directory does not count as a change.
        Stable across processes and versions of Python.

        >>> a = Article("x", "Thành uỷ", "Hoà bình")
        >>> a.digest == Article("x", "Thành ủy", "Hòa bình").digest
        True
        """
        return _digest(self, normalized=False)


# --- field parsing --------------------------------------------------------------------------------


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _preview(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for one-line messages."""
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else f"{text[:limit]}…"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_id(value: object) -> str:
    if value is None:
        raise DocumentError("missing id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DocumentError(f"invalid id: expected a string or an integer, got {_json_type(value)}")
    # Over 4,124 digits (so over the cap) for sure, and str() refuses integers of over 4,300
    # digits; shorter ones are measured exactly below.
    if isinstance(value, int) and value.bit_length() > 13_700:
        raise DocumentError(f"invalid id: longer than {MAX_TERM_BYTES:,} bytes")
    text = _text(str(value), "id") or ""
    text = text.strip()
    if not text:
        raise DocumentError("missing id (empty)")
    return _check_id(text)


def _check_id(article_id: str) -> str:
    """``article_id`` if it can key an article in the index (no lone surrogate, one term)."""
    return cast(str, _term(_text(article_id, "id"), "id"))


def _term(value: str | None, key: str) -> str | None:
    """``value``, checked to fit one Whoosh term (:data:`MAX_TERM_BYTES`)."""
    if value is not None and len(value) * 4 > MAX_TERM_BYTES and len(value.encode("utf-8")) > MAX_TERM_BYTES:
        raise DocumentError(f"invalid {key}: longer than {MAX_TERM_BYTES:,} bytes ({_preview(value)})")
    return value


def _text(value: object, key: str) -> str | None:
    """A string field as given; a lone surrogate (not text, cannot be stored) is an error."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"invalid {key}: expected a string, got {_json_type(value)}")
    if not value.isascii() and (bad := _SURROGATE.search(value)) is not None:
        raise DocumentError(
            f"invalid {key}: lone surrogate {bad.group()!r} at character {bad.start():,} (not text)"
        )
    return value


def _digest(a: Article, *, normalized: bool) -> str:
    """:attr:`Article.digest`; ``normalized`` says the text fields need no normalizing."""
    norm = (lambda text: text) if normalized else normalize
    fields = [
        "searchkit-article-1",
        norm(a.title),
        norm(a.body),
        None if a.published is None else a.published.isoformat(),
        a.views,
        None if a.author is None else norm(a.author),
        a.url,
        None if a.category is None else norm(a.category),
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _clean(text: str) -> str:
    """Stored form of a multi-line text: LF line endings, normalized, outer whitespace stripped."""
    return normalize(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _one_line(text: str) -> str:
    return " ".join(normalize(text).split())


def _optional(value: object, key: str, *, normal: bool = True) -> str | None:
    """An optional one-line string field: normalized (unless ``normal`` is False), None when blank."""
    text = _text(value, key)
    if text is None:
        return None
    text = _one_line(text) if normal else " ".join(text.split())
    return text or None


_DMY = re.compile(
    r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})"
    r"(?:\s*(?:,|-|–|\||luc|lúc|T)?\s*(\d{1,2})\s*[:hg]\s*(\d{2})(?:\s*:\s*(\d{2}))?)?"
)


def _parse_published(value: object, key: str = "published") -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _naive(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise DocumentError(f"invalid {key}: expected a date string, got {_json_type(value)}")
    text = value.strip()
    match = _DMY.fullmatch(text)
    try:
        if match:
            day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            return datetime(year, month, day, hour, minute, second)
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise DocumentError(f"invalid {key} {_preview(value)}: expected ISO 8601 or DD-MM-YYYY [HH:MM]") from e
    return _naive(moment, key)


def _naive(moment: datetime, key: str = "published") -> datetime:
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(VIETNAM_TIME).replace(tzinfo=None)
    except OverflowError as e:  # 9999-12-31T23:59-07:00 is in year 10000 in Vietnam
        raise DocumentError(f"invalid {key} {_preview(moment.isoformat())}: out of range in Vietnam time (UTC+7)") from e


def _parse_views(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DocumentError("invalid views: expected a whole number, got a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        digits = re.sub(r"(?<=[0-9])[.,\s](?=[0-9]{3}\b)", "", value.strip())
        if not _ASCII_DIGITS.fullmatch(digits):
            raise DocumentError(f"invalid views {_preview(value)}: expected a whole number")
        if len(digits.lstrip("0")) > len(str(MAX_VIEWS)):
            raise DocumentError(f"invalid views {_preview(value)}: larger than {MAX_VIEWS:,}")
        value = int(digits)
    if not isinstance(value, int) or value < 0:
        raise DocumentError(f"invalid views {_preview(value)}: expected a whole number ≥ 0")
    return _check_views(value)


_ASCII_DIGITS = re.compile("[0-9]+")


def _check_views(value: int) -> int:
    if value > MAX_VIEWS:
        shown = f"{value:,}" if value.bit_length() < 256 else f"about 2^{value.bit_length() - 1}"
        raise DocumentError(f"invalid views {shown}: larger than {MAX_VIEWS:,}")
    return value


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
    date_match = _DMY.search(key)
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
    views = None if views_match is None else _check_views(int(re.sub(r"[.,]", "", views_match.group(1))))
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
    tolerated); the body follows. A line such as "Các tin khác" or "Tin liên quan" and
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
    _check_id(article_id)
    _text(text, "text")
    lines = [" ".join(line.split()) for line in _clean(text).split("\n")]
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
    name = path.name.lower()
    gz = name.endswith(_GZIP_SUFFIX)
    stem = name[: -len(_GZIP_SUFFIX)] if gz else name
    if stem.endswith(_JSONL_SUFFIXES):
        yield from _iter_jsonl(path, source, gz=gz)
    elif stem.endswith(_TXT_SUFFIXES) and not gz:
        yield _read_txt(path, txt_id, source)
    else:
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
        return Rejected(source, number, f"expected a JSON object, got {_json_type(obj)}")
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
    except Exception as e:  # noqa: BLE001 (one record must not end the run; see the docstring)
        message = " ".join(str(e).split())[:200]
        return Rejected(source, line, f"unexpected error: {type(e).__name__}: {message}")
