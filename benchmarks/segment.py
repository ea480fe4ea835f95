"""Benchmark searchkit.segment against pyvi: speed, equality of output, segmentation F1.

Runs ``pyvi.ViTokenizer.tokenize`` and :func:`searchkit.segment.tokenize_like_pyvi` on the
same texts in one process (the first N VNTC news articles, title and body, plus every
sentence of the UD Vietnamese-VTB dev set), counts the texts whose outputs differ, and
measures word-segmentation precision/recall/F1 of :func:`searchkit.segment.segment` and of
pyvi against the gold words of the dev set. Times are CPU seconds (``time.process_time``).
``word_spans`` and ``segment`` are timed with the decoder in use and, when that is the C one
(``searchkit.text._viterbi``), with the pure-Python reference too; ``segment`` both with every
output kept (the garbage collector then walks all the ``Word`` objects) and released per text.

Usage::

    python benchmarks/segment.py [--articles N] [--data PATH]

Scoring: a word is its ``(start, end)`` span in the sentence; gold ``text`` is
``" ".join(words)``. ``segment`` never returns punctuation, so punctuation-only words are
left out of gold and of both systems' output before comparing.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import itertools
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

if importlib.util.find_spec("searchkit") is None:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from searchkit.text.segment import _load_model, segment, tokenize_like_pyvi, word_spans

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 of predicted word spans against gold spans."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, gold: Iterable[set[Span]], predicted: Iterable[set[Span]]) -> Scores:
        """Micro-averaged scores over sentences (each a set of spans)."""
        correct = n_gold = n_predicted = 0
        for g, p in zip(gold, predicted, strict=True):
            correct += len(g & p)
            n_gold += len(g)
            n_predicted += len(p)
        precision = correct / n_predicted if n_predicted else 0.0
        recall = correct / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)


def read_articles(path: Path, limit: int) -> list[str]:
    """The first ``limit`` VNTC articles, each as title, newline, body."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [_article_text(json.loads(line)) for line in itertools.islice(stream, limit)]


def _article_text(record: dict[str, str]) -> str:
    return f"{record['title']}\n{record['body']}"


def read_gold(path: Path) -> list[tuple[str, list[str]]]:
    """``(text, words)`` for every gold sentence."""
    with path.open(encoding="utf-8") as stream:
        return [(r["text"], r["words"]) for r in map(json.loads, stream)]


def _is_word(text: str) -> bool:
    return any(c.isalnum() for c in text)


def gold_spans(text: str, words: Sequence[str]) -> set[Span]:
    """Spans of the gold words (not punctuation) in ``text == " ".join(words)``."""
    spans: set[Span] = set()
    position = 0
    for word in words:
        if _is_word(word):
            spans.add((position, position + len(word)))
        position += len(word) + 1
    return spans


def pyvi_spans(text: str, output: str) -> set[Span]:
    """Spans in ``text`` of the words of pyvi's output (syllables joined by ``_``)."""
    spans: set[Span] = set()
    position = 0
    for word in output.split(" "):
        parts = [p for p in word.split("_") if p]
        if not parts:
            continue
        start = text.find(parts[0], position)
        end = start
        for part in parts:
            end = text.find(part, end) + len(part)
        position = end
        if start >= 0 and _is_word(word):
            spans.add((start, end))
    return spans


def _timed(function: object, texts: Sequence[str]) -> tuple[list[str], float]:
    """Outputs of ``function`` on every text, all kept alive, and the CPU seconds taken."""
    started = time.process_time()
    outputs = [function(text) for text in texts]  # type: ignore[operator]
    return outputs, time.process_time() - started


def _timed_released(function: object, texts: Sequence[str]) -> float:
    """CPU seconds of ``function`` on every text, each output released before the next text."""
    started = time.process_time()
    for text in texts:
        function(text)  # type: ignore[operator]
    return time.process_time() - started


def _decoder_timings(texts: Sequence[str]) -> dict[str, float]:
    """CPU seconds of word_spans and segment() (outputs kept / released per text), with the
    decoder in use and, when that is the compiled one, with the pure-Python reference too."""
    model = _load_model()
    compiled = model.decode
    decoders = {"C decoder": compiled, "pure-Python decoder": model._decode} if compiled != model._decode else {"pure-Python decoder": compiled}
    timings: dict[str, float] = {}
    try:
        for name, decode in decoders.items():
            model.decode = decode
            timings[f"word_spans ({name})"] = _timed(word_spans, texts)[1]
            timings[f"segment, outputs kept ({name})"] = _timed(segment, texts)[1]
            timings[f"segment, outputs released per text ({name})"] = _timed_released(segment, texts)
    finally:
        model.decode = compiled
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the tables; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="VNTC articles to use (default 2000)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args(argv)
    console = Console(width=140)

    news, dev = args.data / "vntc" / "news.jsonl.gz", args.data / "ws" / "ws_dev.jsonl"
    for path in (news, dev):
        if not path.exists():
            parser.exit(2, f"benchmark data not found: {path}\n")
    articles = read_articles(news, args.articles)
    gold = read_gold(dev)
    texts = articles + [text for text, _ in gold]
    characters = sum(map(len, texts))

    started = time.perf_counter()
    from pyvi import ViTokenizer

    pyvi_load = time.perf_counter() - started
    started = time.perf_counter()
    tokenize_like_pyvi("khởi động")  # loads searchkit's copy of the model
    ours_load = time.perf_counter() - started

    ours, ours_seconds = _timed(tokenize_like_pyvi, texts)
    theirs, pyvi_seconds = _timed(ViTokenizer.tokenize, texts)
    differing = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    timings = _decoder_timings(texts)

    speed = Table(title=f"pyvi vs searchkit: {len(articles)} VNTC articles + {len(gold)} UD-VTB dev sentences, {characters:,} characters")
    speed.add_column("segmenter")
    speed.add_column("model load s", justify="right")
    speed.add_column("CPU s", justify="right")
    speed.add_column("Mchar/s", justify="right")
    speed.add_column("× pyvi", justify="right")
    speed.add_column("texts differing from pyvi", justify="right")
    speed.add_row("pyvi ViTokenizer.tokenize", f"{pyvi_load:.2f}", f"{pyvi_seconds:.2f}", f"{characters / pyvi_seconds / 1e6:.2f}", "1.0", "-")
    speed.add_row(
        "searchkit tokenize_like_pyvi",
        f"{ours_load:.2f}",
        f"{ours_seconds:.2f}",
        f"{characters / ours_seconds / 1e6:.2f}",
        f"{pyvi_seconds / ours_seconds:.1f}",
        f"{len(differing)} / {len(texts)}",
    )
    for name, seconds in timings.items():
        speed.add_row(f"searchkit {name}", "", f"{seconds:.2f}", f"{characters / seconds / 1e6:.2f}", f"{pyvi_seconds / seconds:.1f}", "")
    console.print(speed)
    for i in differing[:10]:
        console.print(f"[bold]differs[/bold] text {i}: ours {ours[i][:200]!r}\n  pyvi {theirs[i][:200]!r}")

    gold_sets = [gold_spans(text, words) for text, words in gold]
    pyvi_output = theirs[len(articles) :]
    systems = {
        "pyvi ViTokenizer.tokenize": [pyvi_spans(text, out) for (text, _), out in zip(gold, pyvi_output, strict=True)],
        "searchkit segment": [{(w.start, w.end) for w in segment(text)} for text, _ in gold],
    }
    quality = Table(title=f"Word segmentation on UD-VTB dev ({len(gold)} sentences, punctuation excluded)")
    for column in ("segmenter", "precision", "recall", "F1"):
        quality.add_column(column, justify="left" if column == "segmenter" else "right")
    for name, predicted in systems.items():
        scores = Scores.of(gold_sets, predicted)
        quality.add_row(name, f"{scores.precision:.4f}", f"{scores.recall:.4f}", f"{scores.f1:.4f}")
    console.print(quality)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
