"""The place of a dangling place word ("UBND thành phố"), read from the sentence around it."""

from __future__ import annotations

import bisect
import re

from searchkit.text.orgs.lexicon import SP, Lexicon, Part
from searchkit.text.orgs.parser import Parse, Parser, without_place_word

__all__ = ["attach_places"]

# A sentence ends at a line break or at ".", "!", "?", "…" followed by a space or the end
# ("TP.HCM" and "3.5" do not end one).
_SENTENCE_BREAK = re.compile(r"\n|[.!?…]+(?=[\"'”’)\]]*(?:\s|$))")
_GAP = re.compile(SP)


def attach_places(lex: Lexicon, text: str, found: list[tuple[int, int, Parse]]) -> None:
    """Name the place of a dangling place word from the sentence around it, in place.

    "Phó Chủ tịch UBND thành phố" in a sentence that also names "thành phố Hải Phòng" (or
    "Hải Phòng", "TP Hải Phòng", in another name or not) is the people's committee of Hải
    Phòng. Only a place of the same type counts ("thành phố" for "thành phố", "tỉnh" for
    "tỉnh"), foreign places never, and only when the sentence names exactly one such place;
    otherwise the part stays dangling and the canonical name has no place.
    """
    pending = [parsed for _, _, parsed in found if any(p.dangling for p in parsed.parts)]
    if not pending:
        return
    breaks = [(m.start(), m.end()) for m in _SENTENCE_BREAK.finditer(text)]
    places_in: dict[tuple[int, int], list[Part]] = {}
    for start, end, parsed in found:
        index = next((i for i, p in enumerate(parsed.parts) if p.dangling), None)
        if index is None:
            continue
        i = bisect.bisect_right(breaks, (start, len(text)))
        bounds = (breaks[i - 1][1] if i else 0, next((b for b, _ in breaks[i:] if b >= end), len(text)))
        if bounds not in places_in:
            places_in[bounds] = _places(lex, text[bounds[0] : bounds[1]])
        word = parsed.parts[index].canonical
        named = {p.canonical: p for p in places_in[bounds] if p.canonical.casefold().startswith(word + " ")}
        if len(named) == 1:
            (part,) = named.values()
            parsed.parts[index] = without_place_word(part) if parsed.bare else part


def _places(lex: Lexicon, sentence: str) -> list[Part]:
    """The Vietnamese places named in ``sentence`` ("thành phố Hải Phòng", "Quảng Ninh", "quận 1")."""
    padded = " " + sentence
    parser = Parser(lex, padded)
    places: list[Part] = []
    for gap in _GAP.finditer(padded):
        # a place that is neither a known name nor a place word is foreign or none (most words)
        if not (lex.may_list(padded, gap.start()) and (parser.known_place(gap.start()) or parser.place_word(gap.start()))):
            continue
        found = parser.place(gap.start(), None)
        if found and not found[2] and not found[0].dangling:
            places.append(found[0])
    return places
