"""Where names start: every head of a text tried left to right with the parser.

:func:`scan` yields every name of a normalized text, left to right and without overlaps.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from itertools import chain

from searchkit.text.orgs.context import excluded_by_left
from searchkit.text.orgs.lexicon import Lexicon, Part
from searchkit.text.orgs.parse import lowercase_refused
from searchkit.text.orgs.parser import Parse, Parser

__all__ = ["scan"]


def scan(lex: Lexicon, text: str) -> Iterator[tuple[int, int, Parse]]:
    """Yield ``(start, end, parse)`` for each name in normalized ``text``, left to right."""
    if _GLUED_CUE.search(text):
        text = _GLUED_NUMBER.sub(_blank_glued, text)
    parser = Parser(lex, text)
    # Candidates are found on the lowercased text with a case-sensitive pattern: the regex
    # engine scans much faster than with IGNORECASE. Each is then matched on the text itself.
    lowered = text.lower()
    if len(lowered) == len(text) and len(text) <= _SHORT:
        # a short text, such as a query: its word starts that begin like a head, tried one by one
        # without compiling the head patterns (what the search below would find, in order)
        candidates: Iterator[int] = iter(_head_starts(lex, text, lowered))
    else:
        if len(lowered) == len(text):
            search, haystack = lex.head_search.search, lowered
        else:
            search, haystack = lex.head_re.search, text
        candidates = _searched(search, haystack, text)
    codes = deque(_police_codes(text) if _CODE_CUE.search(text) else ())
    pos = 0
    # the codes are merged in by position; the last "candidate", past the text, yields the rest
    for start in chain(candidates, (len(text) + 1,)):
        while codes and codes[0][0] < start:
            code_start, code_end = codes.popleft()
            if code_start >= pos:
                yield code_start, code_end, _code_parse(text, code_start, code_end)
                pos = code_end
        if start < pos or start > len(text):
            continue
        found = parser.head_at(start)
        if found is None:
            continue
        head, end = found
        if lowercase_refused(head, text[start:end]) or excluded_by_left(head, text, start):
            continue  # the first test is the parse's own, before the slower second
        parsed = parser.parse(head, start, end)
        if parsed is None or _plural(text, start, parsed.end):
            continue
        end = parsed.end
        if text[end - 1] == "." and not text[end : end + 1].strip():
            end -= 1  # "… được UBND TP.": the sentence's full stop, not the abbreviation's
        yield start, end, parsed
        pos = parsed.end


_PLURAL = re.compile(r"(?<![^\W_])(?:các|những|mọi)[ \t]+$")
_LISTED = re.compile(r"[ \t]*(?:,|và(?![^\W_]))[ \t]*")


def _plural(text: str, start: int, end: int) -> bool:
    """True when "các" makes the name at ``start`` plural ("các Sở Du lịch": one body in each), not
    the first of a list of bodies ("các Bộ Công an, Bộ Tư pháp", "các Bộ Tài chính, Thủy sản"; not
    "các Sở Giáo dục | và ngược lại")."""
    if not _PLURAL.search(text, max(0, start - 8), start):
        return False
    listed = _LISTED.match(text, end)
    return not (listed and text[listed.end() : listed.end() + 1].isupper())


# A police department named by its code alone: "PC13", "PA25" ("Phòng PC45" is read by the
# parser); a "C" code ("C14", "C.13") only in a sentence about the police, since "C60", "C15.0"
# and "kênh C16" are other things.
_CODE_CUE = re.compile(r"[PC]\.?\d\d")
_POLICE_CODE = re.compile(r"(?<![^\W_.])(P[ACKV]\.?\d\d|C\.?\d\d)(?![^\W_]|[.,/]\d)")
_NOT_A_BODY = re.compile(r"(?<![^\W_])(?:khu|km|lô|tầng|kênh|số|phòng|cổng|dãy|nhà)[ \t]+$", re.IGNORECASE)
_POLICE_CUE = re.compile(r"[Cc]ông an|[Cc]ảnh sát|CSĐT|CSGT|[Đđ]iều tra|[Tt]rinh sát|Bộ CA|[Kk]hởi tố|[Tt]ội phạm|[Tt]ruy nã")


def _police_codes(text: str) -> list[tuple[int, int]]:
    """The spans of police department codes in ``text`` that make a name by themselves."""
    found = []
    for m in _POLICE_CODE.finditer(text):
        if m.group(1)[0] == "C":
            if _NOT_A_BODY.search(text, max(0, m.start() - 8), m.start()):
                continue  # "khu C12", "km C15": a place
            # the sentence around the code, at most 200 characters each way
            low, high = max(0, m.start() - 200), min(len(text), m.end() + 200)
            line_start = max(text.rfind("\n", low, m.start()), text.rfind(". ", low, m.start()), low)
            ends = [x for x in (text.find("\n", m.end(), high), text.find(". ", m.end(), high)) if x >= 0]
            if not _POLICE_CUE.search(text, line_start, min(ends, default=high)):
                continue
        found.append(m.span(1))
    return found


def _code_parse(text: str, start: int, end: int) -> Parse:
    code = text[start:end]
    return Parse(end, [Part(code, (code,))], "gov", has_name=True, capitalized=True)


# digits glued to a lowercase letter: a footnote mark ("HĐND tỉnh Đồng Tháp37.") or a lost space
# a cheap test first: a digit after a letter that may be lowercase (the digit first: digits are rare)
_GLUED_CUE = re.compile(r"\d(?<=[a-zà-ỹ]\d)")
_GLUED_NUMBER = re.compile(r"(?<=[^\W\d_])\d+(?![^\W_])")


def _blank_glued(m: re.Match[str]) -> str:
    """Spaces for the digits of ``m`` when a lowercase letter precedes them (offsets stay put)."""
    return " " * len(m.group(0)) if m.string[m.start() - 1].islower() else m.group(0)


def _searched(search: Callable[[str, int], re.Match[str] | None], haystack: str, text: str) -> Iterator[int]:
    """Each position at a word start where ``search`` finds a head spelling, left to right."""
    pos = 0
    while pos < len(text):
        m = search(haystack, pos)
        if not m:
            return
        start = m.start()
        pos = start + 1
        if start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_"):
            yield start


# Texts up to this long are read word start by word start (:func:`_head_starts`), not searched.
_SHORT = 512


def _head_starts(lex: Lexicon, text: str, lowered: str) -> list[int]:
    """The word starts of ``text`` where ``lowered`` (``text`` lowercased, as long) begins with
    the first word of some head spelling: ``head_search`` can only match there, and :func:`scan`
    skips matches inside a word."""
    starts = lex.head_starts
    return [
        p
        for p in range(len(lowered))
        if (p == 0 or not (text[p - 1].isalnum() or text[p - 1] == "_")) and lowered.startswith(starts, p)
    ]
