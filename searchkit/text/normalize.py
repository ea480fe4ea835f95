"""Text normalization for Vietnamese: one spelling for every way a word can be typed.

Two public functions:

* :func:`normalize` makes the *stored* form of a text: Unicode NFC, a single tone-placement
  style, one Đ, no invisible characters. searchkit applies it to every article before it is
  stored and to every query before it is analyzed, so both sides meet on the same string.
* :func:`fold` removes all diacritics (and maps đ to d) for diacritic-insensitive matching.

Tone placement
--------------
Vietnamese has two conventions for where the tone mark sits on the vowel pairs *oa*, *oe*
and *uy* when they end a syllable: "hoà, khoẻ, thuỷ, uỷ" (mark on the second vowel) and
"hòa, khỏe, thủy, ủy" (mark on the first vowel). searchkit writes **every** such syllable
with the mark on the first vowel ("hòa", "khỏe", "thủy", "ủy", "Thành ủy"): it is the
placement most Vietnamese news sites and keyboards produce today, and the one used by most
of the real news text we measured. Syllables where both conventions agree are untouched:
with a final consonant ("hoàng", "quyết"), with a third vowel ("khoái", "ngoáy"), and after
*qu*, where the *u* belongs to the consonant ("quý", "quỷ").

Which steps change the length of a text
---------------------------------------
Highlighting slices stored text by character offsets, so it matters which steps change the
length. :func:`normalize` changes it only by:

1. NFC composition (an NFD "ủ" is 3 code points, the NFC one is 1);
2. removing invisible characters: every Unicode *default-ignorable* code point (zero-width
   space/non-joiner/joiner U+200B–U+200D, word joiner and invisible operators U+2060–U+206F,
   byte-order mark U+FEFF, soft hyphen U+00AD, combining grapheme joiner U+034F, bidi marks
   and embeddings U+200E/U+200F, U+202A–U+202E, U+2066–U+2069, U+061C, variation selectors
   U+FE00–U+FE0F and U+E0100–U+E01EF, Mongolian U+180B–U+180F, Hangul fillers, tags
   U+E0000–U+E007F…), and control characters other than tab, line feed and carriage return
   (the stray backspaces found in scraped news);
3. composing "D"/"d" followed by a combining stroke (U+0335/U+0336) into "Đ"/"đ".

Invisible characters are removed *before* composition, so one between a letter and its
combining marks, or between two marks ("a\u200b\u0302" for "â"), cannot stop them composing:
the NFD, NFC and invisible-laced spellings of a text normalize to one string.

Everything else is one character for one character: NBSP and the other Unicode spaces become
" ", U+2028/U+2029 become "\\n", the look-alikes of Đ (Icelandic Ð U+00D0, ð U+00F0, African
Ɖ U+0189, ɖ U+0256) become Đ/đ, and tone marks move between two letters. Normalizing a text
that is already normalized returns it unchanged, so offsets into stored (normalized) text
stay valid. Case is kept: lowercasing is the analyzer's job.
"""

from __future__ import annotations

import re
import unicodedata
from array import array

__all__ = ["COMBINING_MARKS", "INVISIBLE", "TONE_MARKS", "fold", "normalize", "normalize_with_offsets", "offset_arrays"]

# Invisible characters (Unicode's Default_Ignorable_Code_Point) and control characters other
# than tab, LF and CR: dropped (length-changing).
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
)
_DROP = re.compile(f"[{INVISIBLE}]")
#: The blocks of combining marks Latin text uses, as the body of a regular-expression class
#: (the one definition: syllables, highlighting and normalization all read it).
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# The same without U+034F (the combining grapheme joiner), which normalize drops as invisible.
_MARKS = COMBINING_MARKS.replace("\u0300-\u036f", "\u0300-\u034e\u0350-\u036f")
# One-for-one replacements.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_TRANSLATE = {ord(c): " " for c in _SPACES}
_TRANSLATE.update({0x2028: "\n", 0x2029: "\n", 0x00D0: "\u0110", 0x00F0: "\u0111", 0x0189: "\u0110", 0x0256: "\u0111"})
_STROKED_D = re.compile("([Dd])[\u0335\u0336]")
# Any character _TRANSLATE replaces: str.translate looks every character up in a dict, so it
# runs only when this (a scan in C) finds one.
_TO_TRANSLATE = re.compile("[" + "".join(map(chr, _TRANSLATE)) + "]")

#: The five Vietnamese tone marks as combining characters: huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_TONED_SECOND = "".join(unicodedata.normalize("NFC", base + mark) for base in "aeyAEY" for mark in TONE_MARKS)
# o+a, o+e or u+y ending a syllable, tone on the second vowel, not after q (qu- is a consonant).
# Not before a letter (a final consonant) nor a combining mark (the base letter would compose).
_SECOND_VOWEL_TONE = re.compile(f"(?<![qQ])([oOuU])([{_TONED_SECOND}])(?![^\\W\\d_]|[{_MARKS}])")
_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def _move_tone(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    base, mark = unicodedata.normalize("NFD", second)[0], unicodedata.normalize("NFD", second)[1:]
    if (first.lower(), base.lower()) not in _PAIRS:
        return match.group(0)
    return unicodedata.normalize("NFC", first + mark) + base


def normalize(text: str) -> str:
    """Return the canonical stored form of ``text`` (see the module docs for every step).

    Args:
        text: Any Unicode text: NFD or NFC, either tone placement, with NBSP or zero-width
            characters.

    Returns:
        The NFC text with tone marks on the first vowel of open *oa/oe/uy* syllables, one Đ,
        plain spaces and no invisible characters. Case is preserved.

    >>> normalize("Thành uỷ") == normalize("Thành ủy") == "Thành ủy"
    True
    >>> normalize("Ho\\u0300a bi\\u0300nh")
    'Hòa bình'
    >>> normalize("\\u00d0à Nẵng\\u00a0")
    'Đà Nẵng '
    """
    return _SECOND_VOWEL_TONE.sub(_move_tone, _compose(text))


def fold(text: str) -> str:
    """Remove every diacritic from ``text`` and map đ/Đ (and their look-alikes) to d/D.

    Case is preserved. The result may be shorter than the input (NFD marks are dropped).

    Args:
        text: Any Unicode text.

    Returns:
        The text with only base letters: "Chỉ đạo" becomes "Chi dao".

    >>> fold("Ban Chỉ đạo 35 thành phố Hải Phòng")
    'Ban Chi dao 35 thanh pho Hai Phong'
    >>> fold("Uỷ ban") == fold("Ủy ban") == "Uy ban"
    True
    """
    text = text.translate(_TRANSLATE).translate(_FOLD_D)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FOLD_D = {0x0110: "D", 0x0111: "d"}

# A base character with the combining marks after it (invisible characters between them
# included), or a run of invisible characters: the only places where normalizing is not one
# character for one character, apart from rare compositions handled by a slower path.
_SPECIAL = re.compile(f"(?s)[{INVISIBLE}]+|[^{INVISIBLE}](?:[{INVISIBLE}]*[{_MARKS}])+")
# A base character and the combining marks after it: the unit NFC composes within.
_CLUSTER = re.compile(f"(?s)[^{INVISIBLE}](?:[{INVISIBLE}]*[{_MARKS}])*|[{INVISIBLE}]+")
# Normalized pieces are joined into one string every this many pieces (bounded memory).
_JOIN_EVERY = 4096


def _compose(piece: str) -> str:
    """Steps 1-3 of :func:`normalize` (everything but tone placement) on one piece of text."""
    piece = _DROP.sub("", piece)
    if _TO_TRANSLATE.search(piece):
        piece = piece.translate(_TRANSLATE)
    piece = unicodedata.normalize("NFC", piece)
    if "\u0335" in piece or "\u0336" in piece:
        piece = _STROKED_D.sub(lambda m: "\u0110" if m.group(1) == "D" else "\u0111", piece)
    return piece


def normalize_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """Normalize ``text`` and say where each output character came from.

    Use it to find things in normalized text and report their position in the original:
    a span ``[i, j)`` of the normalized string comes from ``text[starts[i]:ends[j - 1]]``.
    A letter's source includes its combining marks and any invisible character between
    them; invisible characters before a letter belong to no output character.

    Args:
        text: Any Unicode text.

    Returns:
        ``(normalized, starts, ends)`` where ``normalized == normalize(text)`` and, for
        each index ``i`` of ``normalized``, ``text[starts[i]:ends[i]]`` is the source of
        character ``i`` (one character, or a base letter with its combining marks).

    >>> norm, starts, ends = normalize_with_offsets("Ho\u0300a\u200b")
    >>> norm, starts, ends
    ('Hòa', [0, 1, 3], [1, 3, 4])
    >>> normalize_with_offsets("a\u200b\u0302n")
    ('ân', [0, 3], [3, 4])
    """
    normalized, starts, ends = offset_arrays(text)
    return normalized, starts.tolist(), ends.tolist()


def offset_arrays(text: str) -> tuple[str, array[int], array[int]]:
    """:func:`normalize_with_offsets` with the offsets in compact arrays (8 bytes an offset).

    >>> offset_arrays("Ho\u0300a")
    ('Hòa', array('q', [0, 1, 3]), array('q', [1, 3, 4]))
    """
    chunks: list[str] = []
    out: list[str] = []
    starts = array("q")
    ends = array("q")
    position = 0

    def plain(begin: int, end: int) -> None:
        """Copy ``text[begin:end]`` (no invisible character, no mark after a letter)."""
        piece = text[begin:end]
        composed = _compose(piece)
        if len(composed) == len(piece):
            out.append(composed)
            starts.extend(range(begin, end))
            ends.extend(range(begin + 1, end + 1))
        else:  # a singleton or cross-cluster composition (rare): map cluster by cluster
            for match in _CLUSTER.finditer(text, begin, end):
                cluster(*match.span())

    def cluster(begin: int, end: int) -> None:
        composed = _compose(text[begin:end])
        out.append(composed)
        for _ in composed:
            starts.append(begin)
            ends.append(end)

    for match in _SPECIAL.finditer(text):
        begin, end = match.span()
        if begin > position:
            plain(position, begin)
        cluster(begin, end)
        position = end
        if len(out) >= _JOIN_EVERY:
            chunks.append("".join(out))
            out.clear()
    if position < len(text):
        plain(position, len(text))
    chunks.append("".join(out))
    composed = "".join(chunks)
    chunks.clear()  # free the pieces before the arrays grow further
    normalized = _SECOND_VOWEL_TONE.sub(_move_tone, composed)
    if len(normalized) != len(starts) or normalized != normalize(text):
        return _coarse_offsets(text)  # composition across pieces (rare scripts): keep exactness
    return normalized, starts, ends


def _coarse_offsets(text: str) -> tuple[str, array[int], array[int]]:
    """Offsets for text whose NFC composes across clusters: map every char to the whole text."""
    normalized = normalize(text)
    return normalized, array("q", [0]) * len(normalized), array("q", [len(text)]) * len(normalized)
