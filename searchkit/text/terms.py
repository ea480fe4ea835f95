"""The one mapping from text to index terms, for indexing, querying and highlighting alike.

Every text field is indexed three ways (see :mod:`searchkit.text.analysis`), and each view
turns a piece of text into a term with the functions of this module, and only these:

* a **syllable** is a letter or digit followed by letters, digits and combining marks
  (:data:`SYLLABLE`; "_" is not part of it); longer runs are cut every
  :data:`~searchkit.text.segment.MAX_TOKEN_LENGTH` characters;
* :func:`word_term` normalizes a word or syllable and joins its syllables with "_"
  ("Chỉ  đạo" -> ``Chỉ_đạo``); :func:`index_term` is the same lowercased: the term of the
  **word** view (a pyvi word, ``chỉ_đạo``, dropped when it is in :func:`stopwords`) and of
  the **syllable** view (one syllable, ``đạo``);
* :func:`fold_term` removes the diacritics of such a term: the **folded** view (``dao``).

Users: the Whoosh analyzers (:mod:`searchkit.text.analysis`), segment writing
(:func:`view_terms`, called by :mod:`searchkit.index.writing`), the query (the typed
:class:`QueryWord` values made once by :func:`query_words` when a query is parsed) and
highlighting (:func:`syllable_keys`, :func:`span_terms`). ``tests/test_terms.py`` checks that
they agree.

The character classes these rules are written with (combining marks, tone marks) are defined
once, in :mod:`searchkit.text.normalize`, and re-exported here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from searchkit.text.cache import cached
from searchkit.text.normalize import COMBINING_MARKS, TONE_MARKS, fold, normalize
from searchkit.text.pyvi_model import pyvi_words_path
from searchkit.text.segment import MAX_TOKEN_LENGTH, dictionary_words, word_spans

__all__ = [
    "COMBINING_MARKS",
    "SYLLABLE",
    "TONE_MARKS",
    "Postings",
    "QueryWord",
    "clear_term_caches",
    "fold_term",
    "index_term",
    "is_accented",
    "is_dictionary_word",
    "iter_syllables",
    "query_words",
    "regroup_unmarked",
    "span_terms",
    "stopwords",
    "syllable_keys",
    "syllables",
    "view_postings",
    "view_terms",
    "word_term",
]

#: A syllable: a letter or digit, then letters, digits and combining marks ("_" is not part
#: of it). A longer run is cut into pieces of MAX_TOKEN_LENGTH characters (bounded memory).
SYLLABLE = re.compile(f"[^\\W_](?:[^\\W_]|[{COMBINING_MARKS}]){{0,{MAX_TOKEN_LENGTH - 1}}}")
# SYLLABLE in a text without combining marks (most normalized text): one character class, faster.
_PLAIN_SYLLABLE = re.compile(f"[^\\W_]{{1,{MAX_TOKEN_LENGTH}}}")
_COMBINING_MARK = re.compile(f"[{COMBINING_MARKS}]")

#: Term -> positions, for one view of one text.
Postings = dict[str, list[int]]


def syllables(text: str) -> list[str]:
    """The syllables of ``text`` as they stand (the texts of the syllable tokenizer's tokens).

    A run of letters and digits longer than :data:`~searchkit.text.segment.MAX_TOKEN_LENGTH`
    (255) characters is cut into pieces of that length.

    >>> syllables("Ban Chỉ đạo 35-NQ/TW")
    ['Ban', 'Chỉ', 'đạo', '35', 'NQ', 'TW']
    >>> [len(s) for s in syllables("a" * 600)]
    [255, 255, 90]
    """
    return SYLLABLE.findall(text)


def iter_syllables(text: str) -> Iterator[str]:
    """:func:`syllables` one at a time (no list of every syllable of a long text)."""
    for match in SYLLABLE.finditer(text):
        yield match.group(0)


@functools.lru_cache(maxsize=200_000)
def word_term(text: str) -> str:
    """Return the term for a word or syllable as it stands in text (before lowercasing).

    The text is normalized and its syllables are joined with "_", so every spelling of a
    word gives one term.

    >>> word_term("Thành  uỷ")
    'Thành_ủy'
    >>> word_term("35-NQ/TW")
    '35_NQ_TW'
    """
    return "_".join(SYLLABLE.findall(normalize(text)))


@functools.lru_cache(maxsize=200_000)
def index_term(text: str) -> str:
    """The term of the word and syllable views: :func:`word_term`, lowercased ("" for none).

    >>> index_term("Chỉ đạo"), index_term("Uỷ"), index_term("--")
    ('chỉ_đạo', 'ủy', '')
    """
    return word_term(text).lower()


def _index_term(text: str) -> str:
    """:func:`index_term`, computed without its caches (for :func:`view_terms`' own)."""
    return word_term.__wrapped__(text).lower()


@functools.lru_cache(maxsize=200_000)
def fold_term(term: str) -> str:
    """The folded view's term for a term: its diacritics removed, đ mapped to d.

    >>> fold_term("chỉ_đạo")
    'chi_dao'
    """
    return fold(term)


@functools.lru_cache(maxsize=100_000)
def syllable_keys(raw: str) -> tuple[str, str]:
    """``(syllable-view term, folded-view term)`` of one syllable as it stands in a text.

    >>> syllable_keys("Đạo")
    ('đạo', 'dao')
    """
    term = index_term(raw)
    return term, fold_term(term)


@functools.lru_cache(maxsize=100_000)
def span_terms(text: str) -> tuple[str, ...]:
    """The folded terms of the syllables of ``text``, in order ("Chỉ đạo" -> ``('chi', 'dao')``).

    >>> span_terms("Chỉ đạo") == span_terms("chi dao")
    True
    """
    return tuple(t for t in fold_term(index_term(text)).split("_") if t)


def is_accented(text: str) -> bool:
    """True when ``text`` holds a diacritic (or đ): it differs from its folded form.

    >>> is_accented("chỉ đạo"), is_accented("chi dao")
    (True, False)
    """
    return fold(text) != text


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Return searchkit's Vietnamese stopwords as word-view terms ("có thể" -> "có_thể").

    >>> "của" in stopwords() and "có_thể" in stopwords() and "ban" not in stopwords()
    True
    """
    text = resources.files("searchkit").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(index_term(w) for w in words if w and not w.startswith("#"))


def view_terms(text: str, spans: Sequence[tuple[int, int]]) -> tuple[list[str], list[str], list[str]]:
    """The terms of the word, syllable and folded views of one text, one per position.

    Args:
        text: The text of a field.
        spans: Its word spans (:func:`~searchkit.text.segment.word_spans`).

    Returns:
        ``(words, syllables, folded)``: the term at each position, "" where a position has
        none (a stopword of the word view, a word without a syllable). Word positions count
        every word, stopwords included (they leave gaps); the folded view has the syllables'
        positions ("hoà" and "hóa" fold to one term).

    >>> words, sylls, folded = view_terms("Ban Chỉ đạo của Thành uỷ", [(0, 3), (4, 11), (12, 15), (16, 24)])
    >>> words
    ['ban', 'chỉ_đạo', '', 'thành_ủy']
    >>> sylls[1], folded[1]
    ('chỉ', 'chi')
    """
    word_terms, syllable_terms, folded_terms = _view_caches()
    words = [word_terms[text[start:end]] for start, end in spans]
    pattern = SYLLABLE if _COMBINING_MARK.search(text) else _PLAIN_SYLLABLE
    tokens = list(map(syllable_terms.__getitem__, pattern.findall(text)))
    return words, tokens, list(map(folded_terms.__getitem__, tokens))


#: How many entries each of :func:`view_terms`' caches holds before it is emptied.
_MAX_CACHED_TERMS = 200_000


class _TermCache(dict[str, str]):
    """Text -> term, computed by ``compute`` on first use (``cache[text]`` finds a known term in C).

    Emptied when it reaches :data:`_MAX_CACHED_TERMS` entries.
    """

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: str) -> str:
        if len(self) >= _MAX_CACHED_TERMS:
            self.clear()
        value = self[key] = self.compute(key)
        return value


@functools.lru_cache(maxsize=1)
def _view_caches() -> tuple[_TermCache, _TermCache, _TermCache]:
    """:func:`view_terms`' caches: word -> word-view term ("" for a stopword), syllable ->
    syllable-view term, term -> folded term (plain dicts: hits cost less than ``lru_cache``'s)."""
    unstopped = dict.fromkeys(stopwords(), "")

    def word_view_term(text: str) -> str:
        term = _index_term(text)
        return unstopped.get(term, term)

    return _TermCache(word_view_term), _TermCache(_index_term), _TermCache(fold)


def clear_term_caches() -> None:
    """Empty the caches of analyzed terms: :func:`word_term`'s, :func:`index_term`'s,
    :func:`fold_term`'s and :func:`view_terms`' (up to 200,000 terms each)."""
    for cache in (word_term, index_term, fold_term, _view_caches):
        cache.cache_clear()


def view_postings(text: str, spans: Sequence[tuple[int, int]]) -> tuple[Postings, Postings, Postings]:
    """The postings of the word, syllable and folded views of one text (:func:`view_terms`
    gathered by term).

    Returns:
        ``(words, syllables, folded)``: term -> sorted positions, terms in order of first
        occurrence.

    >>> words, sylls, folded = view_postings("Ban Chỉ đạo của Thành uỷ", [(0, 3), (4, 11), (12, 15), (16, 24)])
    >>> words
    {'ban': [0], 'chỉ_đạo': [1], 'thành_ủy': [3]}
    >>> folded["chi"], sylls["ủy"]
    ([1], [5])
    """
    words, tokens, folded = view_terms(text, spans)
    return _positions(words), _positions(tokens), _positions(folded)


def _positions(terms: Iterable[str]) -> Postings:
    """Term -> its positions in ``terms``, in order of first occurrence; no empty term."""
    postings: Postings = {}
    get = postings.get
    for position, term in enumerate(terms):
        found = get(term)
        if found is None:
            postings[term] = [position]
        else:
            found.append(position)
    postings.pop("", None)
    return postings


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A word of a query, as the views index it.

    Attributes:
        syllables: Its syllable-view terms (normalized, lowercase): ``("chỉ", "đạo")``.
        folded: The same without diacritics (folded view): ``("chi", "dao")``.
        stop: Whether the word is a stopword of the word view.
    """

    syllables: tuple[str, ...]
    folded: tuple[str, ...]
    stop: bool

    @classmethod
    def of(cls, syllables: tuple[str, ...], stop: bool = False) -> QueryWord:
        """The word of these syllable terms (its folded forms computed here).

        >>> QueryWord.of(("chỉ", "đạo"))
        QueryWord(syllables=('chỉ', 'đạo'), folded=('chi', 'dao'), stop=False)
        """
        return cls(syllables, tuple(fold_term(s) for s in syllables), stop)

    @property
    def word(self) -> str:
        """The word-view term: ``chỉ_đạo``."""
        return "_".join(self.syllables)


def query_words(text: str) -> tuple[QueryWord, ...]:
    """Segment normalized query text into words, once (words with no term are left out).

    Args:
        text: Text already :func:`~searchkit.text.normalize.normalize`-d (a parsed query's).

    pyvi's model reads capitals as names: an all-caps query is segmented in lowercase.

    >>> [(w.word, w.stop) for w in query_words("Ban Chỉ đạo của Thành ủy")]  # doctest: +SKIP
    [('ban', False), ('chỉ_đạo', False), ('của', True), ('thành_ủy', False)]
    """
    lowered = text.isupper()
    if lowered:
        text = text.lower()  # lowercasing can unnormalize ("İ" -> "i\u0307"): checked again
    stops = stopwords()
    out: list[QueryWord] = []
    for start, end in word_spans(text, normalized=not lowered):
        term = index_term(text[start:end])
        if term:
            out.append(QueryWord.of(tuple(term.split("_")), term in stops))
    return tuple(out)


#: The longest dictionary word :func:`regroup_unmarked` reads, in syllables.
_LONGEST_WORD = 3


@functools.lru_cache(maxsize=1)
def _folded_dictionary() -> frozenset[tuple[str, ...]]:
    """pyvi's words of two and three syllables, lowercase and without diacritics; kept in the
    user's cache folder (:func:`~searchkit.text.cache.cached`): folding the 25,000 words took
    ~50 ms of the first query typed without diacritics in every process."""
    def fold_words() -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(fold_term(s) for s in word.lower().split()) for word in dictionary_words())

    return cached("folded-words", [pyvi_words_path(), Path(__file__)], fold_words)


@functools.lru_cache(maxsize=1)
def _marked_dictionary() -> frozenset[tuple[str, ...]]:
    """pyvi's words of two and three syllables as syllable-view terms, with their diacritics;
    kept in the user's cache folder as :func:`_folded_dictionary` is."""
    def terms() -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(index_term(normalize(s)) for s in word.split()) for word in dictionary_words())

    return cached("marked-words", [pyvi_words_path(), Path(__file__)], terms)


def is_dictionary_word(syllables: Sequence[str]) -> bool:
    """Whether syllable-view terms spell a word of pyvi's dictionary with their diacritics
    exactly as they are: "tham nhũng" is a word ("tham" has no marks to leave out), "hội
    nghi" is not ("nghị" typed without its mark). Loads the segmentation model on first use.

    >>> is_dictionary_word(("tham", "nhũng")), is_dictionary_word(("hội", "nghi"))  # doctest: +SKIP
    (True, False)
    """
    return tuple(syllables) in _marked_dictionary()


def regroup_unmarked(words: Sequence[QueryWord]) -> tuple[QueryWord, ...]:
    """The words of a query with each run typed without diacritics cut again by pyvi's dictionary.

    pyvi segments text without diacritics poorly ("tham nhung" is two words to it). The
    syllables of a run of words typed without marks (letters only) are grouped from the left,
    longest first, into words of two or three syllables whose spelling without diacritics is
    in pyvi's dictionary ("tham nhũng"); the rest stay single syllables. Words with marks,
    numbers and codes are kept as they are. Loads the segmentation model on first use.

    >>> [w.word for w in regroup_unmarked(query_words("tham nhung ở hội an"))]  # doctest: +SKIP
    ['tham_nhung', 'ở', 'hội_an']
    """
    known = _folded_dictionary()
    stops = stopwords()
    out: list[QueryWord] = []
    run: list[str] = []

    def flush() -> None:
        i = 0
        while i < len(run):
            size = next((n for n in range(min(_LONGEST_WORD, len(run) - i), 1, -1) if tuple(run[i : i + n]) in known), 1)
            piece = tuple(run[i : i + size])
            out.append(QueryWord(piece, piece, "_".join(piece) in stops))
            i += size
        run.clear()

    for word in words:
        if word.syllables == word.folded and all(s.isalpha() for s in word.syllables):
            run.extend(word.syllables)
        else:
            flush()
            out.append(word)
    flush()
    return tuple(out)
