"""Vietnamese word segmentation: pyvi's model and word boundaries, without pyvi's slow path.

pyvi (``pyvi.ViTokenizer``) labels every syllable ``B_W`` (begins a word) or ``I_W`` (continues
one) with a linear-chain CRF, then rebuilds the text with ``_`` inside words. Most of its time
goes into building a Python feature dict per syllable. This module reads the same model
(``pyvi/models/pyvi3.pkl``, a pickled ``sklearn_crfsuite.CRF``) and word list
(``pyvi/models/words.txt``) once, and tags with precomputed per-syllable weights and a
two-label Viterbi. The model file is parsed directly (CRFsuite's binary format, exact
IEEE doubles); neither ``pyvi.ViTokenizer`` nor ``sklearn_crfsuite`` is imported.

Exactness: emission scores are summed in a different order than CRFsuite sums them, which
can only matter when two Viterbi paths score within rounding error of each other. Each such
near-tie is detected and the sequence is then re-scored in CRFsuite's exact summation order,
so the labels are pyvi's labels. The one-pass Viterbi runs in C when the optional extension
``searchkit.text._viterbi`` was built at install (``setup.py``; ``searchkit --version`` says
which), else in Python (:meth:`_Model._decode`, the reference): the labels are the same.

Two public entry points:

* :func:`segment` returns :class:`Word` spans over the caller's text for indexing and
  highlighting;
* :func:`tokenize_like_pyvi` returns the same string as ``pyvi.ViTokenizer.tokenize`` (used by
  the equivalence tests and ``benchmarks/segment.py``).

The model loads on first use (:func:`functools.lru_cache`), never at import, from a parsed copy
in the user's cache folder while pyvi's files are unchanged (:mod:`searchkit.text.cache`).
"""

from __future__ import annotations

import functools
import pickle
import re
import string
import struct
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import getitem, itemgetter, sub
from pathlib import Path
from typing import Any, NamedTuple, cast

from searchkit.errors import ModelError
from searchkit.text.cache import cached
from searchkit.text.codes import LONG_RUN, MAX_TOKEN_LENGTH, hinted_whole_spans, whole_spans
from searchkit.text.normalize import normalize, offset_arrays
from searchkit.text.pyvi_model import TABLES_LAYOUT, Tables, parse_crfsuite, parse_tables, pyvi_version
from searchkit.text.pyvi_model import model_dir as _pyvi_model_dir

__all__ = [
    "MAX_LINE_WINDOW", "MAX_TOKEN_LENGTH", "Word", "dictionary_words", "forget_syllables", "segment", "tokenize_like_pyvi",
    "word_spans",
]


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: one syllable, several syllables ("Đà Nẵng"), a number or a code.

    Attributes:
        text: The word exactly as it appears in the text given to :func:`segment`,
            ``text == source[start:end]`` (whitespace between syllables included).
        start: Offset of the first character in the source text.
        end: Offset one past the last character in the source text.
    """

    text: str
    start: int
    end: int


# --- pyvi's syllabification (ViTokenizer.sylabelize), alternatives in pyvi's order ---------
_PYVI_PATTERN = (
    "("
    + "|".join(
        [
            r"[A-ZĐ]+\.",
            r"Tp\.",
            r"Mr\.",
            r"Mrs\.",
            r"Ms\.",
            r"Dr\.",
            r"ThS\.",
            r"==>",
            r"->",
            r"\.\.\.",
            r">>",
            "\n",
            r"\w+://[^\s]+",
            r"([a-zA-Z0-9_.+-]+@([a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+)",
            r"\d+([\.,_]\d+)+",
            r"[^\w\s]",
            r"\w+",
        ]
    )
    + ")"
)
# The same matches, found faster: no token starts at a blank other than "\n", and a run of
# letters and digits (first not a digit, no "_") ended by anything but a word character or
# one of ".:@+-" is what all of pyvi's alternatives would give it: the whole run.
_PYVI_SYLLABLE = re.compile(r"(?![^\S\n])(?:[^\W\d_][^\W_]*(?![\w.:@+\-])|" + _PYVI_PATTERN + ")")
# The same tokens as the one group of a split: a line's pieces alternate blanks and tokens,
# and their lengths summed give the tokens' offsets without a match object each.
_SPLIT_SYLLABLES = re.compile("(" + re.sub(r"\((?!\?)", "(?:", _PYVI_SYLLABLE.pattern) + ")")
_PUNCTUATION = string.punctuation  # pyvi tests ``token in string.punctuation`` (a substring test)

#: Lines longer than this many characters are segmented in windows of at most this size, cut
#: after a sentence end or at a blank when there is one in the window's second half.
MAX_LINE_WINDOW = 100_000
_SIMPLE_SYLLABLE = re.compile(f"\\w{{1,{MAX_TOKEN_LENGTH}}}|[^\\w\\s]")
_WINDOW_CUT = re.compile(r"[.!?;…][\"'”’)\]]*[ \t]|[ \t]")
_RUN = re.compile(r"\S+")
_LINE = re.compile(r"[^\r\n]+")
_SENTENCE_END = frozenset({".", "!", "?", "...", ";"})

# --- a line as a string of one symbol per token (see _symbols) -----------------------------
_SYMBOLS = itemgetter(7)  # _Syllable.symbols
# Tokens that continue the word of the token before them: pyvi's rules on the symbols.
# (The symbol is tested before the one in front of it: most tokens fail at once.)
_CONTINUES = re.compile(r"[lm](?<=[TtVvLlMm].)|[tv](?<=[TtVv].)")
# The last token of a word: a kept token ("~" continues a word) that the next does not continue.
_ENDS = re.compile(r"[TtVvLlMmBC~](?!~)")
_HEADS = bytes(1 if chr(i) in "TtVvLlMmBC" else 0 for i in range(256))
_TAILS = bytes(1 if chr(i) == "e" else 0 for i in range(256))
# Words need trimming when a token's first or last character is no letter or digit, or a
# combining mark follows one.
_UNTRIMMED = re.compile("[CVvMmK]")

# Lines longer than this many syllables are tagged in pieces cut after a sentence end.
_MAX_SEQUENCE = 2000
# The per-syllable score cache is cleared when it grows past this many entries.
_MAX_CACHED_SYLLABLES = 200_000


class _Syllable(NamedTuple):
    """A syllable's cached facts, for the fast path (score differences are label 0 − label 1).

    The hot loops unpack it as a tuple (faster than attribute access); the field order is
    the unpacking order.
    """

    lower: str  # lowercased
    code: int  # id among the syllables of words.txt's bigrams and trigrams, or 0
    own: float  # its own features
    before: float  # what it adds to the next syllable ("-1:" features)
    after: float  # what it adds to the previous syllable ("+1:" features)
    blocker: bool  # pyvi's post-rules: never glued (punctuation, or starts with a digit)
    title: bool  # first character title case
    symbols: str  # its symbol in a line's symbol string, by label id (see _line_words)




class _Model:
    """pyvi's CRF as plain numbers, with a per-syllable score cache.

    Label ids are the model file's (CRFsuite breaks Viterbi ties towards the lower id);
    ``inside`` is the id of ``I_W``. Weight pairs are ``(label 0, label 1)``.
    """

    __slots__ = (
        "base",
        "bigram_codes",
        "decode",
        "ids",
        "inside",
        "ngram_differences",
        "ngrams",
        "syllables",
        "transitions",
        "trigram_codes",
        "trigram_heads",
        "weights",
    )

    def __init__(self, tables: Tables) -> None:
        weights, transitions, inside, ids, base, bigram_codes, trigram_heads, trigram_codes = tables
        self.weights = weights
        self.transitions = transitions
        self.inside = inside
        self.ids = ids
        self.base = base
        self.bigram_codes = bigram_codes
        self.trigram_heads = trigram_heads
        self.trigram_codes = trigram_codes
        self.ngrams: tuple[frozenset[str], frozenset[str]] | None = None  # words.txt's, when asked for
        names = ("-1:word.bi_gram()", "+1:word.bi_gram()", "-2:word.tri_gram()", "+2:word.tri_gram()")
        self.ngram_differences = cast(tuple[float, float, float, float], tuple(self._difference(name) for name in names))
        self.syllables: dict[str, _Syllable] = {}
        #: :meth:`_decode`, computed in C when :mod:`searchkit.text._viterbi` was built (same results).
        self.decode: Callable[[list[_Syllable], float], tuple[list[int], bool]] = _compiled_decode(self) or self._decode

    @property
    def bigrams(self) -> frozenset[str]:
        """words.txt's two-syllable entries (for :meth:`exact_scores`), spelled out from their codes."""
        return self._ngrams()[0]

    @property
    def trigrams(self) -> frozenset[str]:
        """words.txt's three-syllable entries, spelled out from their codes."""
        return self._ngrams()[1]

    def _ngrams(self) -> tuple[frozenset[str], frozenset[str]]:
        ngrams = self.ngrams
        if ngrams is None:
            parts = ["", *sorted(self.ids, key=self.ids.__getitem__)]  # by id (0 is never used)
            base = self.base
            bigrams = frozenset(f"{parts[c // base]} {parts[c % base]}" for c in self.bigram_codes)
            trigrams = frozenset(f"{parts[c // base // base]} {parts[c // base % base]} {parts[c % base]}" for c in self.trigram_codes)
            ngrams = self.ngrams = (bigrams, trigrams)
        return ngrams

    def weight(self, attribute: str) -> tuple[float, float]:
        """Weights of one attribute; CRFsuite reads attribute names as C strings (stop at NUL)."""
        if "\x00" in attribute:
            attribute = attribute.split("\x00", 1)[0]
        return self.weights.get(attribute, (0.0, 0.0))

    def _difference(self, *names: str) -> float:
        """Sum of label-0 minus label-1 weights of some attributes."""
        total0 = total1 = 0.0
        for name in names:
            w0, w1 = self.weight(name)
            total0 += w0
            total1 += w1
        return total0 - total1

    def syllable(self, token: str) -> _Syllable:
        """Return (and cache) the precomputed facts of one syllable."""
        found = self.syllables.get(token)
        if found is not None:
            return found
        if len(self.syllables) >= _MAX_CACHED_SYLLABLES:
            self.syllables.clear()
        lower = token.lower()
        flags = {"isupper()": token.isupper(), "istitle()": token.istitle(), "isdigit()": token.isdigit()}
        # a False bool feature adds weight * 0.0, which changes nothing: leave it out
        own = self._difference("bias", "word.lower():" + lower, *[f"word.{k}" for k, on in flags.items() if on])
        context = ["word.lower():" + lower, *[f"word.{k}" for k in ("istitle()", "isupper()") if flags[k]]]
        before = self._difference(*["-1:" + name for name in context])  # seen from the next syllable
        after = self._difference(*["+1:" + name for name in context])  # seen from the previous one
        first = token[0]
        blocker = token in _PUNCTUATION or first.isdigit()
        wordy = any(c.isalnum() for c in token)
        symbols = _symbols(token, wordy, blocker, first.istitle())
        if self.inside == 0:
            symbols = symbols[::-1]
        found = _Syllable(lower, self.ids.get(lower, 0), own, before, after, blocker, first.istitle(), symbols)
        self.syllables[token] = found
        return found

    def joins(self, tokens: Sequence[str]) -> list[bool]:
        """For each token, whether pyvi's ``tokenize`` glues it to the previous one with ``_``.

        That is: the CRF labels it ``I_W`` and pyvi's post-rules allow the join (neither token
        is punctuation or starts with a digit, and the previous one does not start lower case
        when this one starts title case).
        """
        n = len(tokens)
        if n == 0:
            return []
        syllables = self.syllables
        found = [syllables.get(t) or self.syllable(t) for t in tokens]
        labels, near_tie = self.decode(found, 1e-12 * n * (n + 10))
        if near_tie:  # rounding could decide: redo the scores in CRFsuite's exact order
            labels = self._viterbi(*self.exact_scores(tokens))
        inside = self.inside
        return [
            False,
            *[
                label == inside and not a.blocker and not b.blocker and (a.title or not b.title)
                for label, a, b in zip(labels[1:], found, found[1:], strict=False)
            ],
        ]

    def symbols(self, tokens: Sequence[str]) -> str:
        """One symbol per token: its class and whether it continues pyvi's word (see ``_symbols``).

        A line longer than ``_MAX_SEQUENCE`` tokens is tagged in pieces (:func:`_chunks`); the
        first token of a piece never continues a word.
        """
        cached: list[_Syllable | None] = list(map(self.syllables.get, tokens))
        found = [f or self.syllable(t) for f, t in zip(cached, tokens, strict=True)] if None in cached else cast(list[_Syllable], cached)
        labels: list[int] = []
        for lo, hi in _chunks(tokens):
            piece = found[lo:hi]
            n = hi - lo
            tagged, near_tie = self.decode(piece, 1e-12 * n * (n + 10))
            if near_tie:  # rounding could decide: redo the scores in CRFsuite's exact order
                tagged = self._viterbi(*self.exact_scores(tokens[lo:hi]))
            tagged[0] = 1 - self.inside
            labels += tagged
        return "".join(map(getitem, map(_SYMBOLS, found), labels))

    def tags(self, tokens: Sequence[str]) -> list[bool]:
        """For each token, whether the CRF alone (before pyvi's post-rules) labels it ``I_W``."""
        if not tokens:
            return []
        return [label == self.inside for label in self._viterbi(*self.exact_scores(tokens))]

    def _decode(self, found: list[_Syllable], tolerance: float) -> tuple[list[int], bool]:
        """Viterbi over the cached per-syllable sums, in one pass, on score differences.

        With two labels only ``d = alpha(label 0) - alpha(label 1)`` matters: CRFsuite's test
        ``alpha0 + t0j < alpha1 + t1j`` is ``d < t1j - t0j``. Position ``t - 1``'s score is
        complete once syllable ``t`` (and ``t + 1`` for the trigram feature) is known. The
        sums round differently from CRFsuite's, so a decision closer than ``tolerance`` is
        reported as a near tie and the caller redoes the sequence exactly.
        """
        n = len(found)
        t00, t01, t10, t11 = self.transitions
        c0, c1 = t10 - t00, t11 - t01
        low0, high0, low1, high1 = c0 - tolerance, c0 + tolerance, c1 - tolerance, c1 + tolerance
        bigram_m, bigram_p, trigram_m, trigram_p = self.ngram_differences
        bigrams, heads, trigrams, base = self.bigram_codes, self.trigram_heads, self.trigram_codes, self.base
        near_tie = False
        back = bytearray(n)
        _, prev_code, e, prev_before, *_ = found[0]  # e: the (incomplete) score difference of t - 1
        late = 0.0  # a trigram's contribution to position t
        d = 0.0  # alpha difference at position t - 2
        for t in range(1, n):
            _, cur_code, own, before, after, _, _, _ = found[t]
            e += after  # "+1:" features of t
            c = own + prev_before + late  # own and "-1:" features of t
            late = 0.0
            code = prev_code * base + cur_code
            if code in bigrams:
                e += bigram_p
                c += bigram_m
            if code in heads and t + 1 < n and code * base + found[t + 1].code in trigrams:
                e += trigram_p
                late = trigram_m
            if t == 1:
                d = e
            else:
                if low0 < d < high0 or low1 < d < high1:
                    near_tie = True
                if d < c0:
                    m0, step = t10, 1
                else:
                    m0, step = d + t00, 0
                if d < c1:
                    m1 = t11
                    step |= 2
                else:
                    m1 = d + t01
                back[t - 1] = step
                d = m0 - m1 + e
            e = c
            prev_code, prev_before = cur_code, before
        if n == 1:
            d = e
        else:
            if low0 < d < high0 or low1 < d < high1:
                near_tie = True
            if d < c0:
                m0, step = t10, 1
            else:
                m0, step = d + t00, 0
            if d < c1:
                m1 = t11
                step |= 2
            else:
                m1 = d + t01
            back[n - 1] = step
            d = m0 - m1 + e
        if -tolerance < d < tolerance:
            near_tie = True
        label = 1 if d < 0.0 else 0
        labels = [0] * n
        for t in range(n - 1, -1, -1):
            labels[t] = label
            label = (back[t] >> label) & 1
        return labels, near_tie

    def exact_scores(self, tokens: Sequence[str]) -> tuple[list[float], list[float]]:
        """State scores summed feature by feature in pyvi's order, exactly as CRFsuite does."""
        n = len(tokens)
        score0: list[float] = []
        score1: list[float] = []
        for i, word in enumerate(tokens):
            features: list[tuple[str, bool]] = [
                ("bias", True),
                ("word.lower():" + word.lower(), True),
                ("word.isupper()", word.isupper()),
                ("word.istitle()", word.istitle()),
                ("word.isdigit()", word.isdigit()),
            ]
            if i > 0:
                prev = tokens[i - 1]
                features += [
                    ("-1:word.lower():" + prev.lower(), True),
                    ("-1:word.istitle()", prev.istitle()),
                    ("-1:word.isupper()", prev.isupper()),
                    ("-1:word.bi_gram()", " ".join([prev, word]).lower() in self.bigrams),
                ]
                if i > 1:
                    features.append(("-2:word.tri_gram()", " ".join(tokens[i - 2 : i + 1]).lower() in self.trigrams))
            if i < n - 1:
                nxt = tokens[i + 1]
                features += [
                    ("+1:word.lower():" + nxt.lower(), True),
                    ("+1:word.istitle()", nxt.istitle()),
                    ("+1:word.isupper()", nxt.isupper()),
                    ("+1:word.bi_gram()", " ".join([word, nxt]).lower() in self.bigrams),
                ]
                if i < n - 2:
                    features.append(("+2:word.tri_gram()", " ".join(tokens[i : i + 3]).lower() in self.trigrams))
            s0 = s1 = 0.0
            for name, on in features:
                if on:
                    w0, w1 = self.weight(name)
                    s0 += w0
                    s1 += w1
            score0.append(s0)
            score1.append(s1)
        return score0, score1

    def _viterbi(self, score0: list[float], score1: list[float]) -> list[int]:
        """Two-label Viterbi computed exactly like CRFsuite's ``crf1dc_viterbi``."""
        t00, t01, t10, t11 = self.transitions
        n = len(score0)
        a0, a1 = score0[0], score1[0]
        back = bytearray(n)
        for t in range(1, n):
            x = a0 + t00
            y = a1 + t10
            if x < y:  # CRFsuite keeps the first (lower) label unless the next is strictly better
                m0, step = y, 1
            else:
                m0, step = x, 0
            x = a0 + t01
            y = a1 + t11
            if x < y:
                m1 = y
                step |= 2
            else:
                m1 = x
            back[t] = step
            a0 = m0 + score0[t]
            a1 = m1 + score1[t]
        label = 1 if a0 < a1 else 0
        labels = [0] * n
        for t in range(n - 1, -1, -1):
            labels[t] = label
            label = (back[t] >> label) & 1
        return labels


def _compiled_decode(model: _Model) -> Callable[[list[_Syllable], float], tuple[list[int], bool]] | None:
    """``model``'s :meth:`_Model._decode` in C, or None when the extension was not built.

    The C decoder keeps codes in 64-bit integers: a code reaches ``base ** 3`` (checked).
    """
    try:
        from searchkit.text import _viterbi
    except ImportError:
        return None
    if model.base**3 >= 2**63:
        return None
    decoder = _viterbi.Decoder(model.transitions, model.ngram_differences, model.bigram_codes, model.trigram_heads, model.trigram_codes, model.base)
    return decoder.decode


@functools.lru_cache(maxsize=1)
def _load_model() -> _Model:
    """Load pyvi's CRF and word list once per process, from the parsed copy in the user's cache
    folder when the model files are unchanged (:func:`searchkit.text.cache.cached`).

    Raises:
        ModelError: pyvi is missing or its model files cannot be read.
    """
    models = _pyvi_model_dir()
    try:
        # the code that parses the model is a source too: a copy made by another release is not used
        sources = [models / "pyvi3.pkl", models / "words.txt", Path(__file__), Path(sys.modules[parse_crfsuite.__module__].__file__ or "")]
        tables = cached("pyvi-model", sources, lambda: parse_tables(models), extra=(pyvi_version(), TABLES_LAYOUT))
    except ModelError:
        raise
    except (OSError, pickle.UnpicklingError, struct.error, KeyError, AttributeError, TypeError, ValueError, EOFError) as e:
        raise ModelError(f"cannot load pyvi's word-segmentation model from {models}: {e}") from e
    return _Model(tables)


def dictionary_words() -> frozenset[str]:
    """pyvi's words of two and three syllables (``words.txt``), as written there ("tham nhũng").

    Loads the model on first use.
    """
    model = _load_model()
    return model.bigrams | model.trigrams


def forget_syllables() -> None:
    """Empty the model's cache of syllable facts (up to 200,000 syllables, about 50 MB when
    full), if the model is loaded; it fills again as texts are segmented."""
    if _load_model.cache_info().currsize:
        _load_model().syllables.clear()


def tokenize_like_pyvi(text: str) -> str:
    """Segment ``text`` exactly like ``pyvi.ViTokenizer.tokenize``, only faster.

    Syllables are found with pyvi's own regular expression on the NFC text and words are
    written with ``_`` between their syllables; tokens are separated by one space.

    Args:
        text: Any text.

    Returns:
        pyvi's output string (``text`` itself when it holds no token, as pyvi does).

    Raises:
        ModelError: pyvi's model cannot be loaded.

    >>> tokenize_like_pyvi("Ban Chỉ đạo 35 thành phố Hải Phòng")
    'Ban Chỉ_đạo 35 thành_phố Hải_Phòng'
    """
    tokens = [m.group(0) for m in _PYVI_SYLLABLE.finditer(unicodedata.normalize("NFC", text))]
    if not tokens:
        return text
    joins = _load_model().joins(tokens)
    return tokens[0] + "".join([("_" if join else " ") + token for token, join in zip(tokens[1:], joins[1:], strict=True)])


def segment(text: str) -> list[Word]:
    """Split ``text`` into words with pyvi's model; return their spans in ``text``.

    The text is normalized first (:func:`searchkit.text.normalize.normalize`: NFC, one tone
    placement, no invisible characters) and the model's features are computed on the
    normalized syllables; the spans refer to the text as given. Unlike pyvi, which tags the
    whole input as one sequence, every line is tagged on its own (a word never spans a line
    break), and a line longer than 2,000 syllables is tagged in pieces cut after a sentence
    end (a line longer than :data:`MAX_LINE_WINDOW` characters is first cut into windows).
    Punctuation is not returned. URLs, e-mail addresses, numbers ("1.000.000", "3,5",
    "18-08-2023") and codes ("35-NQ/TW", "TP.HCM", "GD&ĐT", "COVID-19") are single words.
    No word is longer than :data:`MAX_TOKEN_LENGTH` (255) characters of normalized text:
    longer runs are split (see there), so memory stays linear in the input.

    Args:
        text: Any text: NFC or NFD, any tone placement, CRLF, NBSP, invisible characters
            anywhere (even between a letter and its combining marks).

    Returns:
        The words in order, non-overlapping; ``word.text == text[word.start:word.end]``.
        The NFD, NFC and invisible-laced spellings of a text give the same words (the same
        :func:`~searchkit.text.normalize.normalize`-d texts) at their own offsets.

    Raises:
        ModelError: pyvi's model cannot be loaded.

    >>> [w.text for w in segment("Ban Chỉ đạo 35 thành phố Hải Phòng")]
    ['Ban', 'Chỉ đạo', '35', 'thành phố', 'Hải Phòng']
    >>> segment("Nghị quyết 35-NQ/TW.")[1]
    Word(text='35-NQ/TW', start=11, end=19)
    """
    # Each Word is built by filling its slots: a frozen dataclass's __init__ sets every field
    # through object.__setattr__, which costs half as much again.
    new, set_text, set_start, set_end = object.__new__, _WORD_TEXT.__set__, _WORD_START.__set__, _WORD_END.__set__
    words: list[Word] = []
    append = words.append
    for start, stop in word_spans(text):
        word = new(Word)
        set_text(word, text[start:stop])
        set_start(word, start)
        set_end(word, stop)
        append(word)
    return words


# Word's slot descriptors (what its frozen __init__ sets through object.__setattr__)
_WORD_TEXT, _WORD_START, _WORD_END = (cast(Any, vars(Word)[name]) for name in ("text", "start", "end"))


def word_spans(text: str, *, normalized: bool = False) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of :func:`segment`'s words, without building Words.

    Args:
        text: Any text.
        normalized: The caller knows that ``normalize(text) == text`` (a parsed query's
            text), so it is not normalized again.

    >>> word_spans("Ban Chỉ đạo 35")
    [(0, 3), (4, 11), (12, 14)]
    """
    if not text or text.isspace():
        return []
    if normalized or normalize(text) == text:
        norm = text
        starts: Sequence[int] = range(len(text))
        ends: Sequence[int] = range(1, len(text) + 1)
    else:
        norm, starts, ends = offset_arrays(text)
        if len(norm) > 1 and starts[-1] == 0 and ends[0] == len(text):
            # offset_arrays could not map characters one by one (composition across pieces in
            # some scripts, never Latin letters and marks): segment the text as given instead.
            norm, starts, ends = text, range(len(text)), range(1, len(text) + 1)
    model = _load_model()
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(norm):
        for lo, hi in _windows(norm, line.start(), line.end()):
            if norm is text:
                spans += _line_words(model, norm, lo, hi)
            else:
                spans += [(starts[begin], ends[end - 1]) for begin, end in _line_words(model, norm, lo, hi)]
    return spans


def _windows(norm: str, begin: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a line longer than :data:`MAX_LINE_WINDOW` into windows (bounded memory per window).

    A window ends after the last sentence end followed by a blank in its second half, else at
    its last blank there, else (a run of 50,000 non-blank characters) at the size limit.
    """
    while end - begin > MAX_LINE_WINDOW:
        limit = begin + MAX_LINE_WINDOW
        half = begin + MAX_LINE_WINDOW // 2
        cut = cut_at_blank = 0
        for match in _WINDOW_CUT.finditer(norm, half, limit):
            if match.end() - match.start() > 1:
                cut = match.end()
            else:
                cut_at_blank = match.end()
        cut = cut or cut_at_blank or limit
        while cut > half and unicodedata.category(norm[cut])[0] == "M":
            cut -= 1  # never part a letter from its combining marks
        yield begin, cut
        begin = cut
    yield begin, end


def _chunks(tokens: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Cut a long token list after sentence ends into pieces of at most ``_MAX_SEQUENCE``."""
    begin, n = 0, len(tokens)
    while n - begin > _MAX_SEQUENCE:
        cut = begin + _MAX_SEQUENCE
        for i in range(cut - 1, begin + _MAX_SEQUENCE // 2, -1):
            if tokens[i] in _SENTENCE_END:
                cut = i + 1
                break
        yield begin, cut
        begin = cut
    yield begin, n


def _line_words(model: _Model, norm: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The ``[start, end)`` spans (in ``norm``) of the words of one line, in order.

    pyvi's tokens are tagged into a string of one symbol each (:meth:`_Model.symbols`); the
    tokens that overlap a whole word (URL, number, code) become ``x``; regular expressions over
    that string then mark where words start and end, so no Python code runs per token.
    """
    plain = LONG_RUN.search(norm, begin, end) is None
    if plain:
        pieces = _SPLIT_SYLLABLES.split(norm[begin:end])  # blanks, token, blanks, ..., token, blanks
        offsets = list(accumulate(map(len, pieces), initial=begin))
        tokens, starts, ends = pieces[1::2], offsets[1:-2:2], offsets[2:-1:2]
    else:  # a line with runs longer than MAX_TOKEN_LENGTH
        spans = _syllable_spans(norm, begin, end)
        tokens = [norm[s:e] for s, e in spans]
        starts, ends = [s for s, _ in spans], [e for _, e in spans]
    if not tokens:
        return []
    symbols = model.symbols(tokens)
    trim_all = _UNTRIMMED.search(symbols) is not None
    whole = hinted_whole_spans(norm, begin, end, starts, ends) if plain else whole_spans(norm, begin, end)
    covered: list[tuple[int, int]] = []
    if whole:
        symbols, covered = _claimed(symbols, starts, ends, whole)
    marked = _CONTINUES.sub("~", symbols)
    heads = marked.encode("ascii").translate(_HEADS)
    tails = _ENDS.sub("e", marked).encode("ascii").translate(_TAILS)
    first, last = list(compress(starts, heads)), list(compress(ends, tails))
    if first and max(map(sub, last, first)) > MAX_TOKEN_LENGTH:
        words = _capped(starts, ends, compress(range(len(starts)), heads), compress(range(len(ends)), tails))
    else:
        words = list(zip(first, last, strict=True))
    if covered:
        covered = _merged(covered)
        if not trim_all:
            covered = _trimmed(norm, covered)
        words = sorted(words + covered)  # no word overlaps a whole word
    return _trimmed(norm, words) if trim_all else words


def _symbols(token: str, wordy: bool, blocker: bool, title: bool) -> str:
    """A token's symbols as labelled ``B_W`` and ``I_W``: upper case begins a word, lower case
    may continue one (pyvi's post-rules decide which, see ``_CONTINUES``).

    ``T``/``t`` a title-case syllable, ``L``/``l`` any other syllable that may be glued, ``B``
    one that never is (a number); ``V``, ``M`` and ``C`` are the same whose first or last
    character is no letter or digit (``TP.``, ``_x``); ``K`` a combining mark, ``x`` any
    other token without a letter or digit (punctuation: no word).
    """
    if not wordy:
        return "KK" if len(token) == 1 and token > "\u02ff" and unicodedata.category(token)[0] == "M" else "xx"
    clean = token[0].isalnum() and token[-1].isalnum()
    if blocker:
        return "BB" if clean else "CC"
    if title:
        return "Tt" if clean else "Vv"
    return "Ll" if clean else "Mm"


def _capped(starts: list[int], ends: list[int], heads: Iterable[int], tails: Iterable[int]) -> list[tuple[int, int]]:
    """Words from their first and last tokens, cut where they would pass MAX_TOKEN_LENGTH."""
    words: list[tuple[int, int]] = []
    for head, tail in zip(heads, tails, strict=True):
        start = starts[head]
        for k in range(head + 1, tail + 1):
            if ends[k] - start > MAX_TOKEN_LENGTH:
                words.append((start, ends[k - 1]))
                start = starts[k]
        words.append((start, ends[tail]))
    return words


def _claimed(symbols: str, starts: list[int], ends: list[int], whole: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """Take the tokens a whole word overlaps out of pyvi's words (their symbols become ``x``).

    Returns the new symbols and each whole word's span widened to the tokens it overlaps
    ("HCM." in "TP.HCM.").
    """
    chars = list(symbols)
    covered: list[tuple[int, int]] = []
    for s, e in whole:
        i, j = bisect_right(ends, s), bisect_left(starts, e)
        if i < j:
            chars[i:j] = "x" * (j - i)
            s, e = min(s, starts[i]), max(e, ends[j - 1])
        covered.append((s, e))
    return "".join(chars), covered


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping ones merged (one pyvi token can reach over two codes)."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _trimmed(norm: str, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Words without punctuation at their ends, with the combining marks after their last letter."""
    trimmed: list[tuple[int, int]] = []
    size = len(norm)
    for s, e in words:
        if not norm[s].isalnum() or not norm[e - 1].isalnum():
            while s < e and not norm[s].isalnum():
                s += 1
            while e > s and not norm[e - 1].isalnum():
                e -= 1
            if s == e:
                continue
        # combining marks that pyvi's \w leaves out belong to the letter before them
        while e < size and norm[e] > "\u02ff" and unicodedata.category(norm[e])[0] == "M":
            e += 1
        trimmed.append((s, e))
    return trimmed


def _syllable_spans(norm: str, begin: int, end: int) -> list[tuple[int, int]]:
    """pyvi's syllables of ``norm[begin:end]`` (one line), linear even on pathological runs."""
    if LONG_RUN.search(norm, begin, end) is None:
        return [m.span() for m in _PYVI_SYLLABLE.finditer(norm, begin, end)]
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(norm, begin, end):
        lo, hi = run.span()
        pattern = _SIMPLE_SYLLABLE if hi - lo > MAX_TOKEN_LENGTH else _PYVI_SYLLABLE
        spans.extend(m.span() for m in pattern.finditer(norm, lo, hi))
    return spans
