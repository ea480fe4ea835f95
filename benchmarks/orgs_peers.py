"""Peers for the organization-name benchmark (benchmarks/orgs.py): what others find.

Two peers, each giving ``(start, end, kind)`` spans, exact character offsets into the text it
was given, ``kind`` "gov" or "other":

* ``underthesea``: ``underthesea.ner(text)`` (its default CRF model, which ships in the wheel:
  no download, works offline), the B-ORG/I-ORG runs of tokens as names. An I-ORG that does not
  follow an ORG token starts a name of its own. The text is fed one sentence at a time (its
  lines, each cut by ``underthesea.sent_tokenize``, which keeps "TP. HCM" together), as the
  model is meant to be used: ``ner`` on a whole article is superlinear in its length (about
  0.1 s for 1,000 characters, 0.8 s for 2,500).
* ``regex``: a naive regular-expression recognizer, the kind written in an afternoon: a head
  word of Vietnamese state bodies (``GOV_HEADS``, capitalized) followed by capitalized words,
  "và", "-" and abbreviations, up to the first lowercase word or punctuation; or one of
  UBND/HĐND/TAND/VKSND (or its spelled-out form) followed by an optional place word (tỉnh,
  thành phố, TP, quận, huyện, xã, phường) and capitalized words. Vietnamese words are often two
  syllables of which only the first is capitalized in a name ("Bộ Tài chính", "Sở Y tế"), so a
  capitalized syllable may carry one lowercase syllable after it unless that one is a common
  function word (``_STOP``); without this every such name would be cut after its first syllable.

Neither peer tells state bodies from other organizations, so both use one rule: a name is
"gov" when it begins with a word of ``GOV_HEADS`` (Bộ, Sở, Ủy ban, UBND, Cục, Công an...,
compared case-insensitively, "Uỷ"/"Ủy" and "Toà"/"Tòa" alike), else "other". Every regex name
begins with such a word, so all of its names are "gov". The comparison that matters most is
exact-span "gov" precision/recall/F1; "all names, any kind" is the other.

How underthesea's tokens are put back on the text: underthesea normalizes before it tokenizes
(NFC; "ð" -> "đ"; spelling and tone-placement fixes on short tokens such as "qui" -> "quy",
"tuỳ" -> "tùy", "đuợc" -> "được", "nghành" -> "ngành"), may split a token the text writes as one
("14-19h" -> "14-19 h") and drops the whitespace, so its tokens are not always substrings of the
text. Both the text and each token are therefore reduced to a skeleton: whitespace removed,
lowercased, diacritics stripped, đ -> d, y -> i; each skeleton character of the text remembers
its offset. Tokens are then found left to right: at the cursor (the usual case), else a little
further on (characters the tokenizer dropped), else by a fuzzy match of about the token's length
at the cursor (``difflib`` ratio >= 0.75, for fixes that add or remove a letter). A token that
still cannot be placed leaves the cursor where it was, and a name whose first or last token was
not placed is dropped. Span ends are extended over combining marks so that decomposed (NFD) text
keeps whole characters.

``python benchmarks/orgs.py`` measures both peers beside searchkit on every gold set, with the same
scoring (``--peers`` chooses them).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache

# Heads of names of Vietnamese state bodies, as written at the start of a name.
GOV_HEADS = (
    "Bộ", "Sở", "Ủy ban", "Uỷ ban", "UBND", "HĐND", "Ban", "Cục", "Tổng cục", "Chi cục", "Vụ",
    "Viện kiểm sát", "VKSND", "Tòa án", "Toà án", "TAND", "Công an", "Quốc hội", "Chính phủ",
    "Thành ủy", "Tỉnh ủy", "Huyện ủy", "Quận ủy", "Đảng", "Mặt trận", "MTTQ", "Thanh tra",
    "Văn phòng", "Hội đồng nhân dân",
)  # fmt: skip

Span = tuple[int, int, str]


def _canon(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower().replace("uỷ", "ủy").replace("toà", "tòa")


_GOV_START = re.compile(r"(?:{})(?!\w)".format("|".join(sorted({re.escape(_canon(h)) for h in GOV_HEADS}, key=len, reverse=True))))


def kind_of(name: str) -> str:
    """ "gov" when the name begins with a head word of state bodies, else "other"."""
    return "gov" if _GOV_START.match(_canon(name)) else "other"


# ---------------------------------------------------------------------------- underthesea


def _fold(text: str) -> str:
    """Skeleton of a string: no whitespace or diacritics, lowercased, đ -> d, y -> i."""
    out = unicodedata.normalize("NFD", text.lower())
    out = "".join(c for c in out if not unicodedata.combining(c) and not c.isspace())
    return out.replace("đ", "d").replace("ð", "d").replace("y", "i")


def _skeleton(text: str) -> tuple[str, list[int]]:
    """The text's skeleton and, for each of its characters, the offset in the text."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(text):
        f = _fold(c)
        chars.append(f)
        offsets.extend([i] * len(f))
    return "".join(chars), offsets


def align(text: str, tokens: list[str]) -> list[tuple[int, int] | None]:
    """Character span in ``text`` of each token (``None`` for a token that cannot be placed)."""
    skel, offsets = _skeleton(text)
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for token in tokens:
        key = _fold(token)
        found: tuple[int, int] | None = None
        if key:
            at = skel.find(key, cursor, cursor + len(key) + 8)
            if at >= 0:
                found = (at, at + len(key))
            else:
                lengths = range(max(1, len(key) - 2), min(len(key) + 2, len(skel) - cursor) + 1)
                ratio, length = max(((difflib.SequenceMatcher(None, key, skel[cursor : cursor + n]).ratio(), n) for n in lengths), default=(0.0, 0))
                if ratio >= 0.75:
                    found = (cursor, cursor + length)
        if found is None:
            spans.append(None)
            continue
        cursor = found[1]
        start, end = offsets[found[0]], offsets[found[1] - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        spans.append((start, end))
    return spans


def _sentences(text: str) -> list[tuple[int, str]]:
    """``(offset, sentence)`` pieces of the text: its lines cut by ``underthesea.sent_tokenize``."""
    from underthesea import sent_tokenize

    pieces: list[tuple[int, str]] = []
    for line in re.finditer(r"[^\n]+", text):
        cursor = 0
        for sentence in sent_tokenize(line.group()):
            at = line.group().find(sentence, cursor)
            if at < 0:  # not a substring after all: keep the line whole
                pieces = [p for p in pieces if p[0] < line.start()]
                pieces.append((line.start(), line.group()))
                break
            pieces.append((line.start() + at, sentence))
            cursor = at + len(sentence)
    return pieces


def _underthesea_orgs(text: str) -> list[Span]:
    return [(start + offset, end + offset, kind) for offset, sentence in _sentences(text) for start, end, kind in _sentence_orgs(sentence)]


def _sentence_orgs(text: str) -> list[Span]:
    from underthesea import ner

    tagged = ner(text)
    spans = align(text, [t[0] for t in tagged])
    runs: list[list[int]] = []  # token indices of each ORG name
    for i, t in enumerate(tagged):
        tag = t[-1]
        if tag == "B-ORG" or (tag == "I-ORG" and not (runs and runs[-1][-1] == i - 1)):
            runs.append([i])
        elif tag == "I-ORG":
            runs[-1].append(i)
    out: list[Span] = []
    for run in runs:
        first, last = spans[run[0]], spans[run[-1]]
        if first is not None and last is not None:
            out.append((first[0], last[1], kind_of(text[first[0] : last[1]])))
    return out


# ---------------------------------------------------------------------------------- regex


@cache
def _regex() -> re.Pattern[str]:
    up = "".join(sorted({c for c in map(chr, range(0x41, 0x1F00)) if c.isupper()}))
    low = "".join(sorted({c for c in map(chr, range(0x61, 0x1F00)) if c.islower()}))
    stop = "và|của|cho|đã|đang|sẽ|vừa|là|có|được|bị|với|về|tại|ở|trong|từ|theo|để|do|khi|này|cũng|không|các|những|thì|mà|năm|ngày"
    abbr = rf"[{up}]{{2,}}(?:-[{up}]{{2,}})*"  # UBND, GD-ĐT, KH-ĐT
    word = rf"(?:{abbr}|[{up}][{low}]*(?: (?!(?:{stop})\b)[{low}]+)?)"  # "Tài chính", "Y tế", "Hà Nội"
    words = rf"{word}(?:(?: | - | và |-){word})*"
    councils = "UBND|HĐND|TAND|VKSND|Ủy ban nhân dân|Uỷ ban nhân dân|Hội đồng nhân dân|Tòa án nhân dân|Toà án nhân dân|Viện kiểm sát nhân dân"
    place = r"(?:(?:tỉnh|thành phố|quận|huyện|xã|phường) |TP\.? ?)"
    heads = "|".join(sorted((re.escape(h) for h in GOV_HEADS), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:(?:{councils}) {place}?{words}|(?:Quốc hội|Chính phủ)(?: {words})?|(?:{heads}) {words})(?!\w)")


def _regex_orgs(text: str) -> list[Span]:
    return [(m.start(), m.end(), kind_of(m.group())) for m in _regex().finditer(text)]


# --------------------------------------------------------------------------------- peers


def available_peers() -> dict[str, str]:
    """Peer name -> "" when usable, else a one-line reason why not."""
    try:
        import underthesea  # noqa: F401
    except ImportError:
        reason = "underthesea not installed (pip install underthesea)"
    except Exception as e:  # a broken install should not stop the benchmark
        reason = f"underthesea does not import: {type(e).__name__}: {e}"
    else:
        reason = ""
    return {"underthesea": reason, "regex": ""}


def peer_orgs(name: str, text: str) -> list[Span]:
    """Organization names found by peer ``name``: (start, end, kind) character spans into ``text``."""
    if name == "underthesea":
        return _underthesea_orgs(text)
    if name == "regex":
        return _regex_orgs(text)
    raise ValueError(f"unknown peer {name!r}; known: {', '.join(available_peers())}")
