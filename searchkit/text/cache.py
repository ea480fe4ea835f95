"""Parsed copies of data files in the user's cache folder, so a fresh process skips the parsing.

pyvi's model (a 4 MB pickle and a 70,000-line word list) takes ~35 ms to parse into the tables
:mod:`searchkit.text.segment` tags with, on every first segmentation of a process (a search
segments its query); the same tables load from a :mod:`marshal` copy in ~5 ms. :func:`cached`
writes such a copy the first time and reads it while the files it was made from are unchanged.

A copy is keyed by the path, size and modification time (ns) of each source file, by what the
caller adds (pyvi's version, the layout of its tables) and by the Python that wrote it (marshal's
format may change between versions). The key names the file and is stored in it, and a copy
whose key differs is never used: a changed file, another pyvi or another Python makes a new
copy. marshal stores floats as exact IEEE doubles, so a copy holds the very values parsed.

Where: ``$XDG_CACHE_HOME/searchkit`` (``~/.cache/searchkit`` when the variable is unset or not
an absolute path), read when a copy is first asked for, never at import. Anything that fails
(no home folder, a read-only or full disk, a truncated or foreign file) only means the data are
parsed as without a cache; a copy is written to a temporary file and renamed into place, so
processes racing to write it never read half of one. Writing a copy deletes the other copies
of the same name (made from older files, another pyvi or another Python), so the folder holds
one set (~1.2 MB); two installations used in turn remake each other's copies, parsing no more
than without a cache. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

__all__ = ["cache_dir", "cached"]

T = TypeVar("T")


def cache_dir() -> Path | None:
    """The folder of searchkit's cached copies: ``$XDG_CACHE_HOME/searchkit``, else
    ``~/.cache/searchkit``; None when neither can be told (no home folder, or a relative one)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is ignored
        try:
            home = Path.home()
        except RuntimeError:  # no home folder
            return None
        if not home.is_absolute() or home == Path("/"):
            return None  # HOME empty or relative: no place that stays put
        base = str(home / ".cache")
    return Path(base) / "searchkit"


def _key(name: str, sources: Sequence[Path], extra: Any) -> tuple[Any, ...] | None:
    """What a copy of ``sources`` must match to be used; None when a source cannot be read."""
    stamps = []
    for path in sources:
        try:
            st = path.stat()
        except OSError:  # the build reports it
            return None
        stamps.append((str(path.absolute()), st.st_size, st.st_mtime_ns))
    return (name, sys.implementation.cache_tag, marshal.version, tuple(stamps), extra)


def cached(name: str, sources: Sequence[Path], build: Callable[[], T], extra: Any = None) -> T:
    """``build()``, or the copy of its result that an earlier call (in any process) kept.

    Args:
        name: What is cached (the start of the copy's file name).
        sources: The files ``build`` reads: a copy is used only while each has the size and
            modification time it had when the copy was made.
        build: Parses the sources; its result must be made of what :mod:`marshal` writes
            (numbers, strings, tuples, lists, dicts, sets, frozensets) and compare equal to
            the copy read back.
        extra: Anything else the result depends on (a version, the layout); marshal-able.

    Raises:
        Whatever ``build`` raises; never an error of the cache itself.

    >>> cached("doctest", [], lambda: {"a": (1.5, 2)}, extra=1)
    {'a': (1.5, 2)}
    """
    key = _key(name, sources, extra)
    folder = cache_dir()
    if key is None or folder is None:
        return build()
    try:
        blob = marshal.dumps(key)
    except ValueError:  # an extra marshal cannot write: no copy
        return build()
    path = folder / f"{name}-{hashlib.sha256(blob).hexdigest()[:20]}.marshal"
    try:
        stored_key, value = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable, truncated or foreign
        pass
    else:
        if stored_key == key:
            return cast(T, value)
    value = build()
    if _write(path, (key, value)):
        for other in folder.glob(f"{name}-*.marshal"):  # copies of older files, versions, Pythons
            if other != path:
                with contextlib.suppress(OSError):
                    other.unlink()
    return value


def _write(path: Path, item: Any) -> bool:
    """Write ``item`` to ``path`` through a temporary file; False (and nothing written) on any failure."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        data = marshal.dumps(item)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except (OSError, ValueError):  # read-only, full, no permission; or not marshal-able
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    return True
