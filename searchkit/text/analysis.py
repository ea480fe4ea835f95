"""Whoosh analyzers for Vietnamese: three views of the same text.

A query has to match Vietnamese text three ways, so every text field is indexed three times:

* the **word** view (:func:`word_analyzer`): pyvi word segmentation, so "chỉ đạo" is one
  term ``chỉ_đạo`` and stopwords (whole function words, see ``data/stopwords.txt``) are
  removed with gaps left in the positions;
* the **syllable** view (:func:`syllable_analyzer`): every syllable, so "đạo" alone matches
  and phrases are exact;
* the **folded** view (:func:`folded_analyzer`): every syllable with its diacritics removed,
  so "ban chi dao" matches "Ban Chỉ đạo".

They compose the Whoosh way, ``Tokenizer | Filter | Filter``. The tokenizers never change
the text they are given: each token's ``startchar:endchar`` slices exactly its source out of
the analyzed string, whatever that string holds (NFD, NBSP, emoji, CRLF). The filters then
turn the token text into the term: :class:`NormalizeFilter` (searchkit's
:func:`~searchkit.text.normalize.normalize`, so "Uỷ"/"Ủy"/NFD meet), Whoosh's ``LowercaseFilter``,
:class:`FoldFilter` and Whoosh's ``StopFilter``. What a syllable is and how text becomes a
term is defined once, in :mod:`searchkit.text.terms`; the tokenizers and filters only call it.

Analyzers are pickled into the index's schema: they hold no model, only small settings,
and pyvi is loaded lazily the first time the word view runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    StopFilter,
    Token,
    Tokenizer,
)

from searchkit.text.segment import word_spans as segment_spans
from searchkit.text.terms import SYLLABLE, fold_term, stopwords, word_term

__all__ = [
    "ANALYZER_VERSION",
    "FoldFilter",
    "NormalizeFilter",
    "SegmentedText",
    "SyllableTokenizer",
    "WordTokenizer",
    "folded_analyzer",
    "syllable_analyzer",
    "word_analyzer",
    "word_spans",
]

#: Bumped whenever a change to this module changes the terms an index holds.
ANALYZER_VERSION = 1


class SegmentedText(str):
    """A string that carries its word spans, computed elsewhere (e.g. in a worker process).

    :class:`WordTokenizer` uses ``word_spans`` instead of running the segmenter again, which
    lets the indexer segment articles in parallel and keep one Whoosh writer.

    >>> s = SegmentedText("Ban Chỉ đạo", ((0, 3), (4, 11)))
    >>> s.word_spans
    ((0, 3), (4, 11))
    """

    word_spans: tuple[tuple[int, int], ...]

    def __new__(cls, text: str, word_spans: Sequence[tuple[int, int]]) -> SegmentedText:
        obj = super().__new__(cls, text)
        obj.word_spans = tuple((int(a), int(b)) for a, b in word_spans)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (SegmentedText, (str(self), self.word_spans))


def word_spans(text: str, *, normalized: bool = False) -> tuple[tuple[int, int], ...]:
    """Return the ``(start, end)`` spans of the words of ``text`` (pyvi segmentation).

    ``normalized``: the caller knows that ``normalize(text) == text``, so it is not normalized again.
    """
    spans = getattr(text, "word_spans", None)
    if spans is not None:
        return spans  # type: ignore[no-any-return]
    return tuple(segment_spans(text, normalized=normalized))


class _Stateless:
    """Analysis components without settings: any two of the same class are equal."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


class _SpanTokenizer(_Stateless, Tokenizer):
    """Shared machinery: yield one reused Token per ``(start, end)`` span of the input."""

    def _spans(self, value: str) -> Iterator[tuple[int, int]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for pos, (start, end) in enumerate(self._spans(value), start_pos):
            t.text = value[start:end]
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class SyllableTokenizer(_SpanTokenizer):
    """Yield every syllable (run of letters/digits with their combining marks) as it stands.

    Syllables are :data:`searchkit.text.terms.SYLLABLE`: runs longer than
    :data:`~searchkit.text.segment.MAX_TOKEN_LENGTH` characters are cut into pieces of that length.

    >>> [t.text for t in SyllableTokenizer()("Ban Chỉ đạo 35-NQ/TW")]
    ['Ban', 'Chỉ', 'đạo', '35', 'NQ', 'TW']
    """

    def _spans(self, value: str) -> Iterator[tuple[int, int]]:
        for match in SYLLABLE.finditer(value):
            yield match.span()


class WordTokenizer(_SpanTokenizer):
    """Yield pyvi words ("Chỉ đạo", "35-NQ/TW") as they stand in the text.

    The word text keeps the whitespace between its syllables; :class:`NormalizeFilter` turns
    it into a term such as ``chỉ_đạo``. The segmenter loads lazily on first use.

    >>> [t.text for t in WordTokenizer()("Ban Chỉ đạo")]  # doctest: +SKIP
    ['Ban', 'Chỉ đạo']
    """

    def _spans(self, value: str) -> Iterator[tuple[int, int]]:
        return iter(word_spans(value))


class _TermFilter(_Stateless, Filter):
    """Replace each token's text by ``_term(text)``; drop tokens whose term is empty."""

    @staticmethod
    def _term(text: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        term = self._term
        for t in tokens:
            t.text = term(t.text)
            if t.text:
                yield t


class NormalizeFilter(_TermFilter):
    """Turn a token's text into its normalized term (:func:`searchkit.text.terms.word_term`)."""

    _term = staticmethod(word_term)


class FoldFilter(_TermFilter):
    """Remove the diacritics of every token (đ becomes d).

    >>> [t.text for t in FoldFilter()(SyllableTokenizer()("Chỉ đạo"))]
    ['Chi', 'dao']
    """

    _term = staticmethod(fold_term)


def word_analyzer() -> Analyzer:
    """The word view: pyvi words, normalized, lowercased, stopwords removed (gaps kept).

    >>> [t.text for t in word_analyzer()("Ban Chỉ đạo của Thành uỷ")]  # doctest: +SKIP
    ['ban', 'chỉ_đạo', 'thành_ủy']
    """
    return WordTokenizer() | NormalizeFilter() | LowercaseFilter() | StopFilter(stopwords(), minsize=1, renumber=False)


def syllable_analyzer() -> Analyzer:
    """The syllable view: every syllable, normalized and lowercased (no stopwords removed).

    >>> [t.text for t in syllable_analyzer()("Thành uỷ Đà Nẵng")]
    ['thành', 'ủy', 'đà', 'nẵng']
    """
    return SyllableTokenizer() | NormalizeFilter() | LowercaseFilter()


def folded_analyzer() -> Analyzer:
    """The folded view: every syllable without diacritics, lowercased.

    >>> [t.text for t in folded_analyzer()("Ban Chỉ đạo 35")]
    ['ban', 'chi', 'dao', '35']
    """
    return SyllableTokenizer() | NormalizeFilter() | LowercaseFilter() | FoldFilter()
