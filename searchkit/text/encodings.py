"""Turn the bytes of a text file into Unicode, including the legacy Vietnamese 8-bit encodings.

:func:`decode_bytes` accepts, in this order:

1. a byte-order mark: UTF-8 (``EF BB BF``), UTF-32 LE/BE, UTF-16 LE/BE;
2. UTF-8 without a BOM;
3. the two legacy Vietnamese encodings still found in old archives, when the text decodes to
   plausible Vietnamese (see *Detection* below):

   * **TCVN3** ("ABC", TCVN 5712:1993 VN3): one byte per letter; only the lower-case toned
     letters and the seven capitals Ă Â Ê Ô Ơ Ư Đ have codes (ABC's capital fonts drew the
     lower-case codes as capitals), so a toned capital decodes as its lower-case letter;
   * **VNI** (VNI-Windows): a base letter followed by one mark byte ("aù" is "á", "oâ" is
     "ô"), plus single bytes for ơ ư đ, the toned i and ỵ; capitals are the same sequences
     in upper case.

Bytes a legacy encoding does not define as a Vietnamese letter decode as Windows-1252 (curly
quotes, dashes), like the fonts did. There is no well-kept PyPI package for these two
encodings (the ones we checked implement the VNI *typing* method or are whole document
loaders), so the mapping is the data table :data:`_TABLE` below, written from the published
character tables of TCVN 5712:1993 (VN3) and of VNI-Windows.

Detection
---------
Invalid UTF-8 is decoded with each legacy table and the result is scored: the share of words
with non-ASCII letters that are well-formed Vietnamese syllables (onset, vowel nucleus, coda,
at most one tone). Mis-decoded text fails that test quickly: TCVN3 read as VNI leaves bytes
such as "µ" unmapped, VNI read as TCVN3 makes vowel clusters like "aứ", and Western European
text yields "cafộ". Letters that the candidate encoding does not define count as not
Vietnamese. The best candidate scoring at least :data:`ACCEPT_SCORE` wins; one scoring at
least :data:`SUSPECT_SCORE` is named in the error; otherwise the error reports the first
invalid UTF-8 byte.

Line endings are left as they are; :mod:`searchkit.documents` turns CRLF and CR into LF.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from searchkit.errors import EncodingError
from searchkit.text.normalize import TONE_MARKS

__all__ = [
    "ACCEPT_SCORE",
    "SUSPECT_SCORE",
    "Decoded",
    "LegacyEncoding",
    "bom_encoding",
    "decode_bytes",
    "decode_legacy",
    "encode_legacy",
    "is_binary",
    "is_syllable",
    "vietnamese_score",
]

LegacyEncoding = Literal["tcvn3", "vni"]

#: A legacy decoding is accepted when at least this share of its non-ASCII words are Vietnamese.
ACCEPT_SCORE = 0.85
#: Below ACCEPT_SCORE but at least this: the encoding is named in the error as the suspect.
SUSPECT_SCORE = 0.5

_NAMES: dict[str, str] = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI (VNI-Windows)"}

# One row per lower-case Vietnamese letter that is not plain ASCII, plus the untoned bases.
#   letter   the Unicode (NFC) letter
#   tcvn3    its TCVN3 byte in hex ("-" where the letter is ASCII)
#   TCVN3    the TCVN3 byte of its capital, for the seven capitals VN3 has ("-" otherwise)
#   vni      its VNI-Windows spelling as Windows-1252 characters (capitals: the same, upper-cased)
_TABLE = """
letter tcvn3 TCVN3 vni
a      -     -     a
à      B5    -     aø
á      B8    -     aù
ả      B6    -     aû
ã      B7    -     aõ
ạ      B9    -     aï
ă      A8    A1    aê
ằ      BB    -     aè
ắ      BE    -     aé
ẳ      BC    -     aú
ẵ      BD    -     aü
ặ      C6    -     aë
â      A9    A2    aâ
ầ      C7    -     aà
ấ      CA    -     aá
ẩ      C8    -     aå
ẫ      C9    -     aã
ậ      CB    -     aä
đ      AE    A7    ñ
e      -     -     e
è      CC    -     eø
é      D0    -     eù
ẻ      CE    -     eû
ẽ      CF    -     eõ
ẹ      D1    -     eï
ê      AA    A3    eâ
ề      D2    -     eà
ế      D5    -     eá
ể      D3    -     eå
ễ      D4    -     eã
ệ      D6    -     eä
i      -     -     i
ì      D7    -     ì
í      DD    -     í
ỉ      D8    -     æ
ĩ      DC    -     ó
ị      DE    -     ò
o      -     -     o
ò      DF    -     oø
ó      E3    -     où
ỏ      E1    -     oû
õ      E2    -     oõ
ọ      E4    -     oï
ô      AB    A4    oâ
ồ      E5    -     oà
ố      E8    -     oá
ổ      E6    -     oå
ỗ      E7    -     oã
ộ      E9    -     oä
ơ      AC    A5    ô
ờ      EA    -     ôø
ớ      ED    -     ôù
ở      EB    -     ôû
ỡ      EC    -     ôõ
ợ      EE    -     ôï
u      -     -     u
ù      EF    -     uø
ú      F3    -     uù
ủ      F1    -     uû
ũ      F2    -     uõ
ụ      F4    -     uï
ư      AD    A6    ö
ừ      F5    -     öø
ứ      F8    -     öù
ử      F6    -     öû
ữ      F7    -     öõ
ự      F9    -     öï
y      -     -     y
ỳ      FA    -     yø
ý      FD    -     yù
ỷ      FB    -     yû
ỹ      FC    -     yõ
ỵ      FE    -     î
"""

# Other spellings of the same letters that VNI keyboards and converters also produced (decoded,
# never written): i and y with the ordinary tone-mark bytes.
_VNI_ALTERNATES = {"iø": "ì", "iù": "í", "iû": "ỉ", "iõ": "ĩ", "iï": "ị", "yï": "ỵ"}

# Stands in, while scoring, for a letter the candidate encoding does not define (not Vietnamese).
_FOREIGN = "\u02ad"


@dataclass(frozen=True)
class Decoded:
    """The text of a file and the encoding it was read in.

    Attributes:
        text: The decoded text, BOM removed, line endings as in the file.
        encoding: One of "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le",
            "utf-32-be", "tcvn3", "vni".
    """

    text: str
    encoding: str


@cache
def _rows() -> tuple[tuple[str, int | None, int | None, str], ...]:
    rows = []
    for line in _TABLE.strip().splitlines()[1:]:
        letter, low, cap, vni = line.split()
        rows.append((letter, None if low == "-" else int(low, 16), None if cap == "-" else int(cap, 16), vni))
    return tuple(rows)


def _cp1252(byte: int) -> str:
    """Windows-1252 for a byte, Latin-1 where Windows-1252 leaves it undefined."""
    return bytes([byte]).decode("cp1252", errors="ignore") or chr(byte)


@cache
def _tcvn3_table(scoring: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    for byte in range(0x80, 0x100):
        char = _cp1252(byte)
        table[byte] = _FOREIGN if scoring and char.isalpha() else char
    for letter, low, cap, _ in _rows():
        if low is not None:
            table[low] = letter
        if cap is not None:
            table[cap] = letter.upper()
    return table


@cache
def _vni_sequences(scoring: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    mapping: dict[str, str] = {}
    for letter, _, _, vni in _rows():
        if vni.isascii():
            continue
        mapping[vni] = letter
        mapping[vni.upper()] = letter.upper()
        if len(vni) == 2:  # a capital base typed with a lower-case mark
            mapping[vni[0].upper() + vni[1]] = letter.upper()
    for vni, letter in _VNI_ALTERNATES.items():
        mapping.setdefault(vni, letter)
        mapping.setdefault(vni.upper(), letter.upper())
        mapping.setdefault(vni[0].upper() + vni[1], letter.upper())
    for byte in range(0x80, 0x100):  # leftovers: anything else in the high half, one by one
        char = _cp1252(byte)
        if char not in mapping:
            mapping[char] = _FOREIGN if scoring and char.isalpha() else char
    keys = sorted(mapping, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), mapping


def decode_legacy(data: bytes, encoding: LegacyEncoding) -> str:
    """Decode TCVN3 or VNI bytes to Unicode (NFC).

    Args:
        data: The file's bytes.
        encoding: "tcvn3" or "vni".

    Returns:
        The text. Bytes the encoding does not give a Vietnamese letter decode as
        Windows-1252 (Latin-1 where that is undefined).

    >>> decode_legacy(b"H\\xb5 N\\xe9i", "tcvn3")
    'Hà Nội'
    >>> decode_legacy(b"Ha\\xf8 No\\xe4i", "vni")
    'Hà Nội'
    """
    return _decode_legacy(data, encoding, scoring=False)


def _decode_legacy(data: bytes, encoding: LegacyEncoding, *, scoring: bool) -> str:
    if encoding == "tcvn3":
        return data.decode("latin-1").translate(_tcvn3_table(scoring))
    if encoding == "vni":
        pattern, mapping = _vni_sequences(scoring)
        text = data.decode("latin-1")
        return pattern.sub(lambda m: mapping[m.group(0)], text)
    raise EncodingError(f"unknown legacy encoding {encoding!r} (expected 'tcvn3' or 'vni')")


def encode_legacy(text: str, encoding: LegacyEncoding) -> bytes:
    """Encode Unicode text as TCVN3 or VNI bytes (the inverse of :func:`decode_legacy`).

    Meant for making test fixtures and for round-trip checks.

    Args:
        text: Vietnamese text; any normalization form.
        encoding: "tcvn3" or "vni".

    Returns:
        The bytes.

    Raises:
        EncodingError: A character has no code in the encoding (TCVN3 has no toned capitals;
            neither has characters outside Vietnamese and Windows-1252).

    >>> encode_legacy("Hà Nội", "tcvn3")
    b'H\\xb5 N\\xe9i'
    >>> encode_legacy("Hà Nội", "vni")
    b'Ha\\xf8 No\\xe4i'
    """
    if encoding not in _NAMES:
        raise EncodingError(f"unknown legacy encoding {encoding!r} (expected 'tcvn3' or 'vni')")
    table: dict[str, str] = {}
    for letter, low, cap, vni in _rows():
        if encoding == "tcvn3":
            if low is not None:
                table[letter] = chr(low)
            if cap is not None:
                table[letter.upper()] = chr(cap)
        else:
            table[letter] = vni
            table[letter.upper()] = vni.upper()
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        piece = table.get(char)
        if piece is not None:
            out += piece.encode("latin-1")
        elif char.isascii():
            out += char.encode("ascii")
        else:
            try:
                byte = char.encode("cp1252")
            except UnicodeEncodeError as e:
                raise EncodingError(f"{_NAMES[encoding]} has no code for {char!r}") from e
            if _decode_legacy(byte, encoding, scoring=False) != char:  # the byte means a letter there
                raise EncodingError(f"{_NAMES[encoding]} has no code for {char!r}")
            out += byte
    return bytes(out)


# --- Vietnamese plausibility -------------------------------------------------------------------

_NUCLEI = [
    "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyê", "uyu", "ươi", "ươu", "yêu",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi",
    "ơi", "oo", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "ya", "yê", "a",
    "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
]
_SYLLABLE = re.compile(
    "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    f"(?:{'|'.join(_NUCLEI)})"
    "(?:ch|ng|nh|[cmnpt])?"
)
_TONES = frozenset(TONE_MARKS)
_WORD = re.compile(r"[^\W\d_]+")


def is_syllable(word: str) -> bool:
    """Whether ``word`` is spelled as one Vietnamese syllable (at most one tone mark).

    >>> is_syllable("Thịnh"), is_syllable("Harvard")
    (True, False)
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for c in decomposed if c in _TONES)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
    return _SYLLABLE.fullmatch(bare) is not None


def vietnamese_score(text: str, *, sample: int = 2000) -> tuple[float, int]:
    """Measure how much ``text`` looks like Vietnamese written in Unicode.

    Only words with a non-ASCII letter are counted (ASCII words say nothing about the
    encoding), and abbreviations in capitals that are not syllables ("ĐH") are left out.

    Args:
        text: Decoded text.
        sample: Stop after this many non-ASCII words.

    Returns:
        ``(share, count)``: the share of counted words that are well-formed Vietnamese
        syllables, and how many words were counted (share is 0.0 when none were).

    >>> vietnamese_score("Ủy ban nhân dân thành phố")
    (1.0, 5)
    >>> vietnamese_score("Müller café")
    (0.0, 2)
    """
    good = total = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        if word.isascii():
            continue
        valid = is_syllable(word)
        if not valid and len(word) > 1 and word.isupper():
            continue  # an abbreviation such as "ĐH" or "CĐ": says nothing either way
        total += 1
        good += valid
        if total >= sample:
            break
    return (good / total if total else 0.0), total


# --- Sniffing ----------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1a\x1b")


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """Return ``(encoding, bom_length)`` when ``head`` starts with a byte-order mark."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None


def is_binary(head: bytes) -> bool:
    """Say whether the first bytes of a file without a UTF-16/32 BOM are binary data.

    A NUL byte, or more than 10% control bytes other than tab, newlines, form feed,
    Ctrl-Z and ESC, means binary.

    >>> is_binary(b"%PDF-1.7\\n\\x00\\x01")
    True
    >>> is_binary("Hà Nội\\r\\n".encode())
    False
    """
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls * 10 > len(head)


def decode_bytes(data: bytes) -> Decoded:
    """Decode a whole text file, detecting its encoding (see the module docs).

    Args:
        data: The file's bytes.

    Returns:
        The text (BOM removed, line endings untouched) and the encoding used.

    Raises:
        EncodingError: Binary data, broken UTF-16/32, or invalid UTF-8 that is neither TCVN3
            nor VNI; the message names the problem (and the suspected encoding, if any).

    >>> decode_bytes("Thành ủy".encode("utf-16")).text
    'Thành ủy'
    >>> decode_bytes(encode_legacy("Ban Chỉ đạo thành phố", "vni"))
    Decoded(text='Ban Chỉ đạo thành phố', encoding='vni')
    """
    bom = bom_encoding(data[:4])
    if bom is not None and bom[0] != "utf-8-sig":
        name, size = bom
        try:
            text = data[size:].decode(name)
        except UnicodeDecodeError as e:
            raise EncodingError(f"invalid {name.upper()} at byte {e.start + size}") from e
        if "\x00" in text:
            raise EncodingError("binary file (not text)")
        return Decoded(text, name)
    start = 3 if bom is not None else 0
    if is_binary(data[:8192]):
        raise EncodingError("binary file (not text)")
    try:
        return Decoded(data[start:].decode("utf-8"), "utf-8-sig" if start else "utf-8")
    except UnicodeDecodeError as e:
        position = e.start + start
        error = e
    best: tuple[float, str] | None = None
    for encoding in ("tcvn3", "vni"):
        score, count = vietnamese_score(_decode_legacy(data[:262144], encoding, scoring=True))
        if count and (best is None or score > best[0]):
            best = (score, encoding)
    if best is not None and best[0] >= ACCEPT_SCORE:
        return Decoded(decode_legacy(data, best[1]), best[1])  # type: ignore[arg-type]
    if best is not None and best[0] >= SUSPECT_SCORE:
        raise EncodingError(
            f"invalid UTF-8 at byte {position}; looks like {_NAMES[best[1]]} but only "
            f"{best[0]:.0%} of its words decode to Vietnamese (convert the file to UTF-8)"
        ) from error
    raise EncodingError(f"invalid UTF-8 at byte {position} (not TCVN3 or VNI either)") from error
