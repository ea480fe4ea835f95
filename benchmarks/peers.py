"""What other Vietnamese analyzers produce, beside what searchkit produces, and why they differ.

Runs the 111 cases of ../shared/data/peers/peer_cases.jsonl (Elasticsearch vi plugins,
coccoc-tokenizer, underthesea, pyvi) through the comparable searchkit output, chosen from the
case's ``component`` and ``notes``:

* ``segment``: ``[w.text for w in searchkit.segment(input)]`` (words as they stand, any case);
* ``terms``: the word view's terms without stopword removal, "_" shown as a space
  (normalized, lowercased), for peers that lowercase but keep every word;
* ``analyzer``: ``word_analyzer()`` terms, "_" shown as a space (lowercased, stopwords out);
* ``pretok``: the segmented words split into syllables (codes, dates, URLs stay whole), for
  syllable-level pre-tokenizers;
* ``normalize``: ``searchkit.normalize(input).split()`` (lowercased when the peer lowercases);
* ``folding``: the analyzer terms, each preceded by its folded form when that differs.

Every mismatching stretch of tokens (``difflib`` alignment) is put down to a cause; a case
counts once per cause it shows. Then our stopword list is compared with the Elasticsearch
plugin's.

    python benchmarks/peers.py [--show all|mismatch|none]
"""

from __future__ import annotations

import argparse
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from _common import need, print_table, read_jsonl

from searchkit import fold, normalize, segment
from searchkit.text.analysis import word_analyzer
from searchkit.text.terms import stopwords, word_term

# cause -> (what it means, deliberate?)
CAUSES: dict[str, tuple[str, str]] = {
    "other": ("none of the causes below: read the case", "no"),
    "peer option": (
        "the case exercises a peer option we do not offer (fixed_words, split_url, sticky-phrase -u, custom stop list)",
        "n/a",
    ),
    "tone repair": (
        "peer repairs a tone mark on the wrong vowel ('baỏ', 'lựơng', 'đaị'); our normalize() unifies only oa/oe/uy placement",
        "no (gap)",
    ),
    "sticky words": (
        "peer splits run-together syllables in domains ('thegioididong' -> 'the gioi', 'di dong'); we keep the run",
        "no (gap, minor)",
    ),
    "segmentation": (
        "word boundaries: the peer's dictionary/model (CocCoc, vnTokenizer, underthesea) differs from pyvi's, "
        "which we follow exactly",
        "by design (pyvi-exact)",
    ),
    "url/email": (
        "URLs with a scheme and e-mails stay whole in segment() (term 'https_duydo_me'); "
        "bare domains ('google.com') split in two",
        "deliberate",
    ),
    "numbers/codes": (
        "numbers, units, dates and codes: we keep '20k', '2010-2015', '1.600m-2.000m' whole and drop '%', peers split some",
        "deliberate",
    ),
    "inner punctuation": (
        "peer keeps a word with its dots/hyphen/apostrophe ('v.v...', 'UBND.', 'Rolls-Royce', \"H'Mông\"); "
        "we split or drop the mark",
        "deliberate (phrases still match)",
    ),
    "stopwords": ("stopword lists differ (a word one side drops and the other keeps)", "deliberate"),
    "normalization": (
        "peer returns normalized/NFC text where segment() returns the source slice (our terms are normalized)",
        "deliberate",
    ),
    "case": (
        "case: segment() returns the source text, terms are lowercased; some peers lowercase in the tokenizer",
        "deliberate",
    ),
    "punctuation": ("peer emits punctuation, symbol, emoticon or emoji tokens; we index words only", "deliberate"),
}
PRIORITY = list(CAUSES)

_PUNCT = re.compile(r"^[\W_]+$")
_MARKS = re.compile(r"[.\-'’]")
_URL = re.compile(r"://|@|www\.|\w\.(?:com|vn|net|org|me)\b", re.IGNORECASE)
_SYL = re.compile(r"[^\W_]+")
_OPTION = re.compile(r"fixed_words|split_url=true|-u:|-n:|custom stop list|stopwords=\[", re.IGNORECASE)


def view_for(case: dict) -> str:
    component, notes = case["component"], case["notes"].lower()
    if component in ("analyzer", "stopwords"):
        return "analyzer"
    if component == "analyzer+folding":
        return "folding"
    if component == "normalizer":
        return "normalize"
    if component == "pre-tokenizer":
        return "pretok"
    if "lowercase" in notes and "no lowercas" not in notes:
        return "terms"
    return "segment"


def ours(text: str, view: str, notes: str) -> list[str]:
    if view == "segment":
        return [w.text for w in segment(text)]
    if view == "pretok":
        return [s for w in segment(text) for s in w.text.split()]
    if view == "terms":
        terms = (word_term(w.text).lower().replace("_", " ") for w in segment(text))
        return [t for t in terms if t]
    if view == "normalize":
        out = normalize(text)
        return (out.lower() if "lowercase" in notes.lower() else out).split()
    terms = [t.text.replace("_", " ") for t in word_analyzer()(text)]
    if view == "folding":
        return [x for t in terms for x in ((fold(t), t) if fold(t) != t else (t,))]
    return terms


def _sylls(tokens: Sequence[str]) -> list[str]:
    return [s for t in tokens for s in _SYL.findall(normalize(t).lower())]


def _is_stop(token: str) -> bool:
    return word_term(token).lower() in stopwords()


def _symbolic(token: str) -> bool:
    """Punctuation, emoji or an emoticon such as ':))' or '<3'."""
    return bool(_PUNCT.match(token)) or sum(c.isalnum() for c in token) * 2 <= len(token)


def block_cause(peer: Sequence[str], mine: Sequence[str]) -> str:
    """The cause of one mismatching stretch: ``peer`` tokens where we have ``mine``."""
    symbols = [t for t in peer if _symbolic(t)]
    words_p = [t for t in peer if not _symbolic(t)]
    if symbols and len(symbols) == len(peer) and (not mine or _sylls(peer) == _sylls(mine)):
        return "punctuation"
    if any(_URL.search(t) for t in [*peer, *mine]):
        return "url/email"
    if [t.lower() for t in peer] == [t.lower() for t in mine]:
        return "case"
    if [normalize(t) for t in peer] == [normalize(t) for t in mine]:
        return "normalization"
    if [normalize(t).lower() for t in peer] == [normalize(t).lower() for t in mine]:
        return "case"
    if any(unicodedata.category(c) == "Lm" for t in mine for c in t):
        return "other"  # a modifier letter used as a quote mark ('ʺ1') is read as part of the word
    sp, sm = _sylls(words_p), _sylls(mine)
    if any(c.isdigit() for t in [*words_p, *mine] for c in t):
        return "numbers/codes"
    if sp != sm and "".join(sp) == "".join(sm):
        return "sticky words"
    if sp != sm and [fold(x) for x in sp] == [fold(x) for x in sm]:
        return "tone repair"
    if sp == sm:
        if any(_MARKS.search(t) for t in words_p) and len(words_p) <= len(mine):
            return "inner punctuation"
        return "segmentation" if words_p or not symbols else "punctuation"
    # one side dropped words the other kept: stopwords (possibly inside a different segmentation)
    if (not mine and words_p and all(_is_stop(t) for t in words_p)) or (not words_p and mine):
        return "stopwords"
    if set(sp) ^ set(sm) and all(_is_stop(s) for s in set(sp) ^ set(sm)):
        return "stopwords"
    return "other"


def compare(case: dict) -> tuple[str, list[str], list[str], list[str]]:
    """Return (view, our tokens, causes, details) for one case; no causes means a match."""
    view = view_for(case)
    mine = ours(case["input"], view, case["notes"])
    peer = list(case["expected_tokens"])
    causes: list[str] = []
    details: list[str] = []
    matcher = difflib.SequenceMatcher(a=peer, b=mine, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        cause = block_cause(peer[i1:i2], mine[j1:j2])
        details.append(f"{cause}: {peer[i1:i2]} vs {mine[j1:j2]}")
        if cause not in causes:
            causes.append(cause)
    if causes and _OPTION.search(case["notes"]):
        causes.insert(0, "peer option")
    causes.sort(key=PRIORITY.index)
    return view, mine, causes, details


def stopword_comparison() -> tuple[set[str], set[str], set[str]]:
    lines = need("peers/stopwords_duydo.txt").read_text(encoding="utf-8").splitlines()
    theirs = {word_term(w).lower() for w in (line.strip() for line in lines) if w and not w.startswith("#")}
    theirs.discard("")
    mine = set(stopwords())
    return mine & theirs, theirs - mine, mine - theirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", choices=("all", "mismatch", "none"), default="mismatch", help="cases to list")
    args = ap.parse_args()
    cases = list(read_jsonl("peers/peer_cases.jsonl"))

    matched = 0
    deliberate_only = 0
    any_cause: Counter[str] = Counter()
    primary: Counter[str] = Counter()
    by_source: dict[str, list[int]] = {}
    listing = []
    for n, case in enumerate(cases):
        view, _, causes, details = compare(case)
        src = case["source_repo"].split("/")[0]
        by_source.setdefault(src, [0, 0])
        by_source[src][1] += 1
        if not causes:
            matched += 1
            by_source[src][0] += 1
        else:
            if all(CAUSES[c][1].startswith("deliberate") for c in causes):
                deliberate_only += 1
            any_cause.update(causes)
            primary[causes[0]] += 1
        if args.show == "all" or (args.show == "mismatch" and causes):
            listing.append([n, src, case["component"], view, ", ".join(causes) or "match", "; ".join(details)[:160]])

    if listing:
        print_table("Peer cases", ["#", "peer", "component", "our view", "causes", "first differences (peer vs ours)"], listing)
    print_table(
        f"Peer analyzer cases: {matched} / {len(cases)} match exactly",
        ["cause", "cases showing it", "as first cause", "deliberate?", "meaning"],
        [[c, any_cause[c], primary[c], CAUSES[c][1], CAUSES[c][0]] for c in PRIORITY if any_cause[c]],
    )
    print(
        f"{matched} match; {deliberate_only} more differ only by deliberate choices "
        f"(punctuation, codes, URLs, inner punctuation, stopwords, case, normalization); "
        f"{len(cases) - matched - deliberate_only} show a segmentation difference, a peer option or a gap."
    )
    print_table(
        "By peer",
        ["peer (owner)", "match", "cases"],
        [[src, m, total] for src, (m, total) in sorted(by_source.items())],
    )
    both, only_theirs, only_ours = stopword_comparison()
    print_table(
        "Stopwords: searchkit vs duydo/elasticsearch-analysis-vietnamese",
        ["set", "count", "words"],
        [
            ["both", len(both), " ".join(sorted(both))],
            ["only theirs", len(only_theirs), " ".join(sorted(only_theirs))],
            ["only ours", len(only_ours), " ".join(sorted(only_ours))],
        ],
    )


if __name__ == "__main__":
    main()
