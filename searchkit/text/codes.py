"""Whole tokens: the URLs, e-mail addresses, numbers and codes that segmentation keeps as one word.

pyvi cuts "35-NQ/TW", "1.000.000", "TP.HCM" or "http://x.vn/a" into pieces;
:mod:`searchkit.text.segment` finds them here, in a line of normalized text, and makes each
one word. Only whole tokens of at most :data:`MAX_TOKEN_LENGTH` characters are found.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

__all__ = ["LONG_RUN", "MAX_TOKEN_LENGTH", "hinted_whole_spans", "whole_spans"]

#: The longest word or syllable, in characters (like Lucene's ``maxTokenLength``). A run of
#: non-blank characters longer than this is not read as one URL, e-mail address or code: it is
#: split into its letter/digit runs and punctuation, a letter/digit run longer than this is cut
#: into pieces of this length, and pyvi's words are never joined past it. No Vietnamese word
#: comes near it; the cap keeps analysis memory linear in the input (a 5 MB "word" is 20,000
#: tokens of 255 characters, not one 5 MB term).
MAX_TOKEN_LENGTH = 255
# pyvi's e-mail alternative rescans a run of [\w.+-] from every token start (quadratic):
# runs longer than the cap are split with a linear expression instead.
LONG_RUN = re.compile(f"\\S{{{MAX_TOKEN_LENGTH + 1},}}")

# --- searchkit's own whole tokens: URLs, e-mail addresses, numbers and codes --------------
# Each alternative starts only where its characters start (look-behinds), so scanning a long
# run of symbols stays linear.
_URL = r"(?<![\w.+\-])(?:[A-Za-z][A-Za-z0-9+.\-]{0,15}://|www\.)[^\s<>\"]+"
_EMAIL = r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"
_COMPOUND = r"(?<!\w)\w+(?:[\-./,&:+]\w+)+"
_WHOLE = re.compile(f"{_URL}|{_EMAIL}|{_COMPOUND}")
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,15}://|www\.")
_URL_TRAILER = re.compile(r"[.,;:!?)\]}'\"»”’]+$")
_CONNECTOR = re.compile(r"([\-./,&:+])")
# Where a URL, e-mail address, number or code may be: no whole word lies in a run of non-blanks
# without one of these.
_HINT = re.compile(r"[\-./,&:+](?<=\w.)(?=\w)|@|://|www\.")


def hinted_whole_spans(norm: str, begin: int, end: int, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
    """:func:`whole_spans` of a line with no long run, scanning only the runs of non-blanks
    (runs of tokens with nothing between them) that hold a :data:`_HINT`."""
    found: list[tuple[int, int]] = []
    done = begin
    last = len(starts) - 1
    for hint in _HINT.finditer(norm, begin, end):
        if hint.start() < done:
            continue
        i = j = bisect_right(starts, hint.start()) - 1  # the token holding the hint
        while i > 0 and ends[i - 1] == starts[i]:
            i -= 1
        while j < last and starts[j + 1] == ends[j]:
            j += 1
        found.extend(_whole_spans_in(norm, starts[i], ends[j]))
        done = ends[j]
    return found


def whole_spans(norm: str, begin: int, end: int) -> list[tuple[int, int]]:
    """Spans of URLs, e-mail addresses, numbers and codes that must stay one word.

    Runs of more than :data:`MAX_TOKEN_LENGTH` non-blank characters hold none (their parts
    are syllables): a whole word is at most that long.
    """
    found: list[tuple[int, int]] = []
    for lo, hi in _short_run_gaps(norm, begin, end):
        found.extend(_whole_spans_in(norm, lo, hi))
    return found


def _short_run_gaps(norm: str, begin: int, end: int) -> Iterator[tuple[int, int]]:
    """The stretches of ``norm[begin:end]`` between its runs of over MAX_TOKEN_LENGTH non-blanks."""
    position = begin
    for run in LONG_RUN.finditer(norm, begin, end):
        if run.start() > position:
            yield position, run.start()
        position = run.end()
    if position < end:
        yield position, end


def _whole_spans_in(norm: str, begin: int, end: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in _WHOLE.finditer(norm, begin, end):
        s, e = match.span()
        candidate = match.group(0)
        if "@" in candidate or _URL_START.match(candidate):
            trailer = _URL_TRAILER.search(candidate)
            if trailer is not None:
                e -= len(candidate) - trailer.start()
            if e > s:
                found.append((s, e))
            continue
        found.extend(_code_runs(candidate, s))
    return found


def _code_runs(candidate: str, offset: int) -> list[tuple[int, int]]:
    """Split "piece sep piece sep ..." into the runs whose separators join (numbers, codes)."""
    parts = _CONNECTOR.split(candidate)  # piece, sep, piece, sep, ..., piece
    runs: list[tuple[int, int]] = []
    run_start = offset
    position = offset + len(parts[0])
    joined = False
    for k in range(1, len(parts), 2):
        left, sep, right = parts[k - 1], parts[k], parts[k + 1]
        if _joins(left, sep, right):
            joined = True
        else:
            if joined:
                runs.append((run_start, position))
            run_start = position + len(sep)
            joined = False
        position += len(sep) + len(right)
    if joined:
        runs.append((run_start, position))
    return runs


def _joins(left: str, sep: str, right: str) -> bool:
    """Whether ``left sep right`` is one number or code ("3,5", "18-8", "NQ/TW", "TP.HCM")."""
    left_digit = any(c.isdigit() for c in left)
    right_digit = any(c.isdigit() for c in right)
    if sep in ",:":
        return left_digit and right_digit
    if sep == ".":
        return (left_digit and right_digit) or (left.isupper() and right.isupper())
    return left_digit or right_digit or (left.isupper() and right.isupper())
