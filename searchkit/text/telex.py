"""Raw Telex and VNI keystrokes read back as the Vietnamese syllable they were meant to type.

With the input method switched off, "thành ủy Đà Nẵng" comes out as the keys that were
pressed: ``thanhf uyr ddaf nawngx`` (Telex) or ``tha2nh u3y d9a2 na8ng`` (VNI). This module
turns one such word back into a syllable; whether to use the result is the caller's call
(did-you-mean offers it only when the typed word is neither in the index nor a known word,
and the result is a word the index holds, so "sex", "fax", "web" or "x" are left as they are).
The converter itself only checks that the result has the shape of a syllable.

Telex: ``aa`` â, ``aw`` ă, ``ee`` ê, ``oo`` ô, ``ow`` ơ, ``uw`` or a lone ``w`` ư, ``uow`` ươ,
``dd`` đ; tone keys ``s`` sắc, ``f`` huyền, ``r`` hỏi, ``x`` ngã, ``j`` nặng and ``z`` to
clear, typed anywhere after the first vowel (``thanhf`` and ``thafnh`` are both "thành"). A
mark key may also come after the final consonant, as the input methods allow (``duongw``
"dương", ``tienes`` "tiến").

VNI: ``1``–``5`` sắc, huyền, hỏi, ngã, nặng, ``0`` to clear, ``6`` circumflex (â ê ô), ``7``
horn (ơ ư, ``uo7`` ươ), ``8`` breve (ă), ``9`` đ, each typed anywhere after its letter.

The tone is placed the way :func:`~searchkit.text.normalize.normalize` writes it ("hòa",
"thủy"), so a converted word meets the index's spelling.

>>> from_telex("thanhf"), from_telex("ddaf"), from_telex("nawngx"), from_telex("nguwowif")
('thành', 'đà', 'nẵng', 'người')
>>> from_vni("tha2nh"), from_vni("d9a2"), from_vni("na8ng4"), from_vni("nguo72i")
('thành', 'đà', 'nẵng', 'người')
>>> convert("Thanhf"), convert("UYR"), convert("fax"), convert("2017")
('Thành', 'ỦY', None, None)
"""

from __future__ import annotations

import re
import unicodedata

from searchkit.text.normalize import normalize

__all__ = ["convert", "from_telex", "from_vni"]

_VOWELS = "aeiouyăâêôơư"
_TELEX_TONES = {"s": "\u0301", "f": "\u0300", "r": "\u0309", "x": "\u0303", "j": "\u0323"}
_VNI_TONES = {"1": "\u0301", "2": "\u0300", "3": "\u0309", "4": "\u0303", "5": "\u0323"}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư", "a": "ă"}  # Telex "w" also makes ă; VNI uses 8 for it
_MARKED = "ăâêôơư"
# The shape of a Vietnamese syllable: an initial consonant, one to three vowels, a final.
_SYLLABLE = re.compile(f"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?[{_VOWELS}]{{1,3}}(?:ch|ng|nh|[cmnpt])?")
_MAX_LENGTH = 12  # the longest syllable ("nghiêng") plus its keys, with room to spare


def convert(word: str) -> str | None:
    """The syllable ``word`` types as raw VNI (when it holds a digit) or Telex keystrokes.

    Args:
        word: One query word as typed.

    Returns:
        The syllable, in the case ``word`` was typed in (first letter or all capitals), or
        None when ``word`` holds no keystroke to read (plain letters that spell themselves,
        a number) or its keys do not make a Vietnamese syllable.

    >>> convert("ddaf"), convert("d9a2"), convert("Hà"), convert("web"), convert("x")
    ('đà', 'đà', None, None, None)
    """
    if not word or len(word) > _MAX_LENGTH or not word.isascii() or not word.isalnum() or word.isdigit():
        return None
    lower = word.lower()
    result = from_vni(lower) if any(c.isdigit() for c in lower) else from_telex(lower)
    if result is None or result == lower:
        return None
    if word.isupper() and len(word) > 1:
        return result.upper()
    return result[0].upper() + result[1:] if word[0].isupper() else result


def from_telex(keys: str) -> str | None:
    """Read lowercase Telex keystrokes as a syllable (None when they make none).

    >>> from_telex("tieengs"), from_telex("tienes"), from_telex("hoaf"), from_telex("wf")
    ('tiếng', 'tiến', 'hòa', 'ừ')
    """
    tone: str | None = None
    letters: list[str] = []
    for i, key in enumerate(keys):
        after_vowel = any(c in _VOWELS or c == "w" for c in letters)
        if after_vowel and key in _TELEX_TONES:
            if tone == _TELEX_TONES[key] or (i and keys[i - 1] == key):
                return None  # a doubled tone key types the letter itself
            tone = _TELEX_TONES[key]
        elif after_vowel and key == "z":
            tone = None
        else:
            letters.append(key)
    base = "".join(letters)
    if base.startswith("dd"):
        base = "đ" + base[2:]
    out: list[str] = []
    for key in base:
        if key == "w":
            if not _horn(out):
                out.append("ư")
        elif key in _CIRCUMFLEX and out and out[-1] == key:
            out[-1] = _CIRCUMFLEX[key]
        elif key in _CIRCUMFLEX and out and out[-1] not in _VOWELS and _circumflex(out, key):
            pass  # "tienes": the e typed again after the final consonant
        else:
            out.append(key)
    return _finish(out, tone)


def from_vni(keys: str) -> str | None:
    """Read lowercase VNI keystrokes as a syllable (None when they make none).

    >>> from_vni("vie6t5"), from_vni("duong7"), from_vni("hoa2"), from_vni("u23")
    ('việt', 'dương', 'hòa', None)
    """
    tone: str | None = None
    out: list[str] = []
    for key in keys:
        if key in _VNI_TONES:
            if tone is not None or not any(c in _VOWELS for c in out):
                return None
            tone = _VNI_TONES[key]
        elif key == "0":
            tone = None
        elif key == "6":
            if not any(_circumflex(out, v) for v in "aeo"):
                return None
        elif key == "7":
            if not _horn(out, breve=False):
                return None
        elif key == "8":
            if "a" not in out:
                return None
            out[len(out) - 1 - out[::-1].index("a")] = "ă"
        elif key == "9":
            if "d" not in out:
                return None
            out[out.index("d")] = "đ"
        else:
            out.append(key)
    return _finish(out, tone)


def _circumflex(out: list[str], vowel: str) -> bool:
    """Put a circumflex on the last ``vowel`` of the syllable so far; False if there is none."""
    for i in range(len(out) - 1, -1, -1):
        if out[i] == vowel:
            out[i] = _CIRCUMFLEX[vowel]
            return True
    return False


def _horn(out: list[str], *, breve: bool = True) -> bool:
    """Put a horn (Telex also: a breve) on the last o/u (a) of the syllable so far, making
    "uo" into "ươ"; False if there is no such vowel."""
    for i in range(len(out) - 1, -1, -1):
        c = out[i]
        if c == "o" or c == "u" or (breve and c == "a"):
            out[i] = _HORN[c]
            if c == "o" and i and out[i - 1] == "u":
                out[i - 1] = "ư"
            elif c == "u" and i + 1 < len(out) and out[i + 1] == "o":
                out[i + 1] = "ơ"
            return True
        if c in _MARKED:
            return False
    return False


def _finish(out: list[str], tone: str | None) -> str | None:
    """The letters with the tone placed; None when they are not a plausible syllable."""
    text = "".join(out)
    # "ưo" before a final is always "ươ" (input methods complete it: "dduwowng", "dduwong").
    text = re.sub("ưo(?=[a-zi])", "ươ", text)
    if not _SYLLABLE.fullmatch(text):
        return None
    if tone is None:
        return text
    i = _tone_position(text)
    return normalize(unicodedata.normalize("NFC", text[: i + 1] + tone + text[i + 1 :]))


def _tone_position(text: str) -> int:
    """Where the tone mark goes: on the marked vowel (ơ of ươ), else by the vowel cluster."""
    marked = [i for i, c in enumerate(text) if c in _MARKED]
    if marked:
        return marked[-1]
    start = 0
    if text.startswith("qu") or (text.startswith("gi") and len(text) > 2 and text[2] in _VOWELS):
        start = 2
    vowels = [i for i in range(start, len(text)) if text[i] in _VOWELS]
    if not vowels:  # "gi", "qu" alone: the i/u carries the tone
        return start - 1
    first, last = vowels[0], vowels[-1]
    cluster = vowels[: next((k for k in range(1, len(vowels)) if vowels[k] != vowels[k - 1] + 1), len(vowels))]
    if len(cluster) == 1:
        return first
    if last + 1 < len(text):  # a final consonant: the last vowel ("hoàng", "toán")
        return cluster[-1]
    return cluster[1] if len(cluster) == 3 else cluster[0]  # "khoái"; "mùa", "hòa", "thủy"
