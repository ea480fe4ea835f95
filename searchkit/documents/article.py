"""The :class:`Article` value type: one news article, validated and normalized.

What is stored
--------------
:meth:`Article.from_dict` stores every text field in the canonical form of
:func:`searchkit.text.normalize` (NFC, one tone placement, one Đ, no invisible characters),
with CRLF and CR line endings turned into LF and outer whitespace stripped. The index analyzes
exactly this stored text, so highlight offsets line up with it. The :class:`Article`
constructor itself stores what it is given (it is how the index rebuilds an article from
stored fields); build articles from raw text with :meth:`Article.from_dict`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any, cast

from searchkit.errors import DocumentError
from searchkit.text.normalize import normalize

__all__ = ["MAX_TERM_BYTES", "MAX_VIEWS", "VIETNAM_TIME", "Article"]


#: The longest ``id``, ``category``, ``source`` or ``author``, in bytes of UTF-8. Each is indexed
#: as one Whoosh term (``id`` is the key updates and deletes look up), which must stay small;
#: 4096 is also the longest path Linux opens, so every .txt path id fits.
MAX_TERM_BYTES = 4096
#: The largest view count: the ``views`` field is a signed 64-bit Whoosh NUMERIC.
MAX_VIEWS = 2**63 - 1
#: Time zone that timezone-aware dates are converted to before the offset is dropped.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")

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
            raise DocumentError(f"expected a JSON object, got {json_type(d)}")
        article_id = _parse_id(d.get("id"))
        body_key = next((k for k in _BODY_KEYS if d.get(k) is not None), None)
        if body_key is None:
            raise DocumentError("missing body (expected 'body', 'text' or 'content')")
        title = _one_line(text_field(d.get("title"), "title") or "")
        body = clean_text(text_field(d[body_key], body_key) or "")
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


def json_type(value: object) -> str:
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
        raise DocumentError(f"invalid id: expected a string or an integer, got {json_type(value)}")
    # Over 4,124 digits (so over the cap) for sure, and str() refuses integers of over 4,300
    # digits; shorter ones are measured exactly below.
    if isinstance(value, int) and value.bit_length() > 13_700:
        raise DocumentError(f"invalid id: longer than {MAX_TERM_BYTES:,} bytes")
    text = text_field(str(value), "id") or ""
    text = text.strip()
    if not text:
        raise DocumentError("missing id (empty)")
    return check_id(text)


def check_id(article_id: str) -> str:
    """``article_id`` if it can key an article in the index (no lone surrogate, one term)."""
    return cast(str, _term(text_field(article_id, "id"), "id"))


def _term(value: str | None, key: str) -> str | None:
    """``value``, checked to fit one Whoosh term (:data:`MAX_TERM_BYTES`)."""
    if value is not None and len(value) * 4 > MAX_TERM_BYTES and len(value.encode("utf-8")) > MAX_TERM_BYTES:
        raise DocumentError(f"invalid {key}: longer than {MAX_TERM_BYTES:,} bytes ({_preview(value)})")
    return value


def text_field(value: object, key: str) -> str | None:
    """A string field as given; a lone surrogate (not text, cannot be stored) is an error."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(f"invalid {key}: expected a string, got {json_type(value)}")
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


def clean_text(text: str) -> str:
    """Stored form of a multi-line text: LF line endings, normalized, outer whitespace stripped."""
    return normalize(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _one_line(text: str) -> str:
    return " ".join(normalize(text).split())


def _optional(value: object, key: str, *, normal: bool = True) -> str | None:
    """An optional one-line string field: normalized (unless ``normal`` is False), None when blank."""
    text = text_field(value, key)
    if text is None:
        return None
    text = _one_line(text) if normal else " ".join(text.split())
    return text or None


DMY_DATE = re.compile(
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
        raise DocumentError(f"invalid {key}: expected a date string, got {json_type(value)}")
    text = value.strip()
    match = DMY_DATE.fullmatch(text)
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
    return check_views(value)


_ASCII_DIGITS = re.compile("[0-9]+")


def check_views(value: int) -> int:
    if value > MAX_VIEWS:
        shown = f"{value:,}" if value.bit_length() < 256 else f"about 2^{value.bit_length() - 1}"
        raise DocumentError(f"invalid views {shown}: larger than {MAX_VIEWS:,}")
    return value
