"""Experiment: a linear-chain CRF over syllables, with the rule recognizer's output as features (#13).

Trains python-crfsuite (it comes with pyvi) on the ``dev`` and ``tune`` gold sets only, with features
per syllable token: the word, its case and shape, its neighbours, membership in searchkit's own data
files (heads, fields, qualifiers, place words, provinces, districts/wards/communes, countries, stop
words, family names, compounds), whether a title word ("Chủ tịch", "Bí thư", "Giám đốc"…) precedes,
and the BIO tag of :func:`searchkit.text.orgs.find_orgs` (the rules). Then combines the CRF's spans
with the rules' in a few ways and scores each with the same code as ``benchmarks/orgs.py``.

Usage::

    python benchmarks/orgs_crf.py cv                 # 5-fold cross-validation on dev+tune (feature sets, c1/c2, combinations)
    python benchmarks/orgs_crf.py test --c1 .. --c2 .. --features .. --combine ..   # train on dev+tune, score test ONCE (totals)
    python benchmarks/orgs_crf.py speed --articles 2000   # find_orgs, find_orgs + CRF, segment() on the same VNTC bodies

Held-out batches whose rules never saw them (the honest protocol; see ``heldout``)::

    PYTHONPATH=/work/wt-base python benchmarks/orgs_crf.py dump --out /tmp/crf/e.pkl   # features with 42b8d95's rules
    PYTHONPATH=/work/wt-r4 python benchmarks/orgs_crf.py dump --out /tmp/crf/d.pkl     # features with 965408a's rules
    python benchmarks/orgs_crf.py heldout --dumps e=/tmp/crf/e.pkl,d=/tmp/crf/d.pkl --features lex,lex+rule

Each held-out batch trains on dev and the batches older than itself (``ORDER``). ``--oof f=/tmp/crf/f.pkl,…`` gives
training batches the rule tags of the rules that first scored them (dumps of older commits, e.g. ``git archive
b68d8ec searchkit | tar -x -C /tmp/snap-f``), so the CRF does not learn from rules that are in-sample on its data.

Nothing here is used by searchkit itself; the test split is only ever read as totals.
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable

import orgs_gold
import pycrfsuite
from _common import read_jsonl
from orgs import score

from searchkit.text.normalize import normalize
from searchkit.text.orgs import find_orgs
from searchkit.text.orgs.lexicon import get_lexicon

Span = tuple[int, int, str]
_TOKEN = re.compile(r"[^\W_]+|\S")
_TITLES = frozenset((
    "chủ tịch", "phó chủ tịch", "bí thư", "phó bí thư", "giám đốc", "phó giám đốc", "trưởng", "phó", "bộ trưởng",
    "thứ trưởng", "chánh", "chánh án", "chánh văn phòng", "chánh thanh tra", "viện trưởng", "cục trưởng",
    "phó cục trưởng", "vụ trưởng", "tổng cục trưởng", "ủy viên", "uỷ viên", "đại biểu", "thủ trưởng", "trưởng ban",
    "phó trưởng ban", "trưởng phòng", "phó trưởng phòng", "hiệu trưởng", "tổng biên tập", "chỉ huy trưởng",
    "tư lệnh", "chính ủy", "chính uỷ", "chủ nhiệm", "phó chủ nhiệm", "thường trực", "tổng giám đốc",
    "phát ngôn viên", "lãnh đạo", "đại diện", "cán bộ", "thanh tra viên", "điều tra viên", "kiểm sát viên",
    "thẩm phán", "trưởng đoàn", "đội trưởng", "trưởng công an", "tổng thư ký", "thư ký", "chủ tọa", "chủ toạ",
))


# ------------------------------------------------------------------------------------------------
# Tokens and lexicon membership


def tokenize(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _TOKEN.findall(normalize(text)) if w[0].isalnum())


class Gazetteer:
    """The data files of searchkit/data/orgs as sets of casefolded word sequences."""

    def __init__(self) -> None:
        lex = get_lexicon(False)
        self.lex = lex
        head_kinds: dict[tuple[str, ...], str] = {}
        for head in lex.heads.values():
            for form in head.forms:
                head_kinds.setdefault(_words(form), head.kind)
        self.tables: dict[str, dict[tuple[str, ...], str]] = {
            "head": head_kinds,
            "field": {_words(f): "" for e in lex.fields.values() for f in e.forms},
            "qual": {_words(f): "" for e in lex.quals.values() for f in e.forms},
            "ptype": {_words(f): e.info for e in lex.ptypes.values() for f in e.forms},
            "place": {_words(f): "" for e in lex.places.values() for f in e.forms},
            "country": {_words(f): "" for e in lex.countries.values() for f in e.forms},
            "unit": dict.fromkeys(lex.units, ""),
            "title": {_words(t): "" for t in _TITLES},
        }
        for table in self.tables.values():
            table.pop((), None)
        self.longest = {name: max(map(len, table)) for name, table in self.tables.items()}
        self.stop = lex.stop_words
        self.surnames = {s.casefold() for s in lex.surnames}
        self.compound_syllables = frozenset(lex.compounds)

    def marks(self, words: list[str]) -> list[list[str]]:
        """Per word: "table=B|I|L[:info]" for the longest entry of each table starting at each word."""
        out: list[list[str]] = [[] for _ in words]
        n = len(words)
        for name, table in self.tables.items():
            longest = self.longest[name]
            i = 0
            while i < n:
                for k in range(min(longest, n - i), 0, -1):
                    info = table.get(tuple(words[i : i + k]))
                    if info is not None:
                        suffix = f":{info}" if info else ""
                        out[i].append(f"{name}=B{suffix}")
                        for j in range(i + 1, i + k):
                            out[j].append(f"{name}=I")
                        out[i + k - 1].append(f"{name}=L")
                        break
                i += 1
        return out


def shape(word: str) -> str:
    s = re.sub(r"[A-ZĐÀ-Ỹ]", "X", word)
    s = re.sub(r"[^\WX\d_]", "x", s)
    s = re.sub(r"\d", "d", s)
    return re.sub(r"(.)\1+", r"\1\1", s)


# ------------------------------------------------------------------------------------------------
# Features


def rule_tags(tokens: list[tuple[int, int]], spans: Iterable[Span]) -> list[str]:
    tags = ["O"] * len(tokens)
    for s, e, kind in spans:
        inside = [i for i, (ts, te) in enumerate(tokens) if ts >= s and te <= e]
        for n, i in enumerate(inside):
            tags[i] = ("B-" if n == 0 else "I-") + kind
        if inside:
            tags[inside[-1]] += "-L"
    return tags


def _own_features(gaz: Gazetteer, raw: list[str], low: list[str], tokens: list[tuple[int, int]],
                  rules: list[str] | None, groups: frozenset[str]) -> list[list[str]]:
    """The features of each token by itself: word, shape, case, lexicon marks, rule tag."""
    marks = gaz.marks(low) if "lex" in groups else [[] for _ in raw]
    per: list[list[str]] = []
    for i, w in enumerate(raw):
        f = [f"w={low[i]}", f"sh={shape(w)}", *marks[i]]
        flags = (
            ("cap", w[:1].isupper()),
            ("upper", w.isupper() and len(w) > 1),
            ("glued", i > 0 and tokens[i][0] == tokens[i - 1][1]),
            ("stop", "lex" in groups and low[i] in gaz.stop),
            ("surname", "lex" in groups and w in gaz.lex.surnames),
            ("compound", "lex" in groups and low[i] in gaz.compound_syllables),
        )
        f += [name for name, on in flags if on]
        if rules is not None:
            f.append(f"rule={rules[i]}")
        per.append(f)
    return per


_NEAR = ("w=", "sh=", "cap", "upper", "rule=", "head=", "field=", "ptype=", "place=", "unit=", "stop", "surname",
         "country=", "qual=", "title=")
_FAR = ("w=", "sh=", "cap", "rule=")


def features(gaz: Gazetteer, text: str, tokens: list[tuple[int, int]], rules: list[str] | None,
             groups: frozenset[str]) -> list[list[str]]:
    """Per token: its own features, its neighbours' (one or two each side), bigrams, a title before it."""
    normalized = normalize(text)
    norm = normalized if len(normalized) == len(text) else text
    raw = [norm[s:e] for s, e in tokens]
    low = [w.casefold() for w in raw]
    per = _own_features(gaz, raw, low, tokens, rules, groups)
    n = len(raw)
    window = (-2, -1, 1, 2) if "wide" in groups else (-1, 1)
    out: list[list[str]] = []
    for i in range(n):
        f = list(per[i])
        f += [tag for tag, on in (("BOS", i == 0), ("EOS", i == n - 1)) if on]
        for d in window:
            if 0 <= i + d < n:
                keep = _FAR if abs(d) == 2 else _NEAR
                f.extend(f"{d}:{x}" for x in per[i + d] if x.startswith(keep))
        if i:
            f.append(f"bi-={low[i - 1]}|{low[i]}")
        if i < n - 1:
            f.append(f"bi+={low[i]}|{low[i + 1]}")
        back = [low[j] for j in range(max(0, i - 3), i)]
        if "title" in groups and any(" ".join(back[k:]) in _TITLES for k in range(len(back))):
            f.append("after_title")
        out.append(f)
    return out


def labels(tokens: list[tuple[int, int]], gold: list[list]) -> list[str]:
    tags = ["O"] * len(tokens)
    for s, e, _surface, kind in gold:
        first = True
        for i, (ts, te) in enumerate(tokens):
            if ts >= s and te <= e:
                tags[i] = ("B-" if first else "I-") + kind
                first = False
    return tags


def decode(tokens: list[tuple[int, int]], tags: list[str], probs: list[float] | None = None) -> list[tuple[int, int, str, float]]:
    """Spans (start, end, kind, confidence) from BIO tags; an I after O or another kind opens a span."""
    out: list[tuple[int, int, str, float]] = []
    cur: list | None = None
    for i, tag in enumerate(tags):
        closes = tag == "O" or tag.startswith("B-") or (cur is not None and tag[2:] != cur[2])
        if closes and cur is not None:
            out.append((cur[0], cur[1], cur[2], cur[3]))
            cur = None
        if tag != "O":
            p = probs[i] if probs else 1.0
            if cur is None:
                cur = [tokens[i][0], tokens[i][1], tag[2:], p]
            else:
                cur[1] = tokens[i][1]
                cur[3] = min(cur[3], p)
    if cur is not None:
        out.append((cur[0], cur[1], cur[2], cur[3]))
    return out


# ------------------------------------------------------------------------------------------------
# Training, tagging, combining


class Prepared:
    """One sentence with tokens, rule spans and features computed once."""

    def __init__(self, gaz: Gazetteer, sentence: dict, groups: frozenset[str]) -> None:
        self.sentence = sentence
        self.tokens = tokenize(sentence["text"])
        self.rules: list[Span] = [(m.start, m.end, m.kind) for m in find_orgs(sentence["text"])]
        tags = rule_tags(self.tokens, self.rules) if "rule" in groups else None
        self.x = features(gaz, sentence["text"], self.tokens, tags, groups)
        self.y = labels(self.tokens, sentence.get("orgs", []))


def train(items: list[Prepared], c1: float, c2: float, path: str, iterations: int = 150) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for item in items:
        trainer.append(item.x, item.y)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    trainer.train(path)


def tag(tagger: pycrfsuite.Tagger, item: Prepared) -> list[tuple[int, int, str, float]]:
    if not item.tokens:
        return []
    tags = tagger.tag(item.x)
    probs = [tagger.marginal(t, i) for i, t in enumerate(tags)]
    return decode(item.tokens, tags, probs)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def combine(mode: str, rules: list[Span], crf: list[tuple[int, int, str, float]], threshold: float) -> list[Span]:
    """The spans a combination keeps.

    - ``rules``: the rules alone; ``crf``: the CRF's spans alone (confidence >= threshold);
    - ``fix``: rule spans whose boundaries the CRF moves where exactly one CRF span overlaps; rule
      spans the CRF drops are kept; CRF spans overlapping no rule span are left out (precision first);
    - ``fix+drop``: as ``fix``, and rule spans overlapped by no CRF span are dropped;
    - ``fix+add``: as ``fix``, and CRF-only spans with confidence >= threshold are added;
    - ``crf+rules``: CRF spans, then rule spans overlapping none of them.
    """
    if mode == "rules":
        return list(rules)
    kept = [(s, e, k) for s, e, k, p in crf if p >= threshold]
    if mode == "crf":
        return kept
    if mode == "crf+rules":
        return sorted(kept + [r for r in rules if not any(_overlaps(r[:2], c[:2]) for c in kept)])
    out: list[Span] = []
    for r in rules:
        over = [c for c in crf if _overlaps(r[:2], c[:2])]
        if len(over) == 1 and over[0][3] >= threshold and not any(
            _overlaps(over[0][:2], o[:2]) for o in rules if o is not r
        ):
            out.append((over[0][0], over[0][1], over[0][2]))
        elif over or mode != "fix+drop":
            out.append(r)
    if mode == "fix+add":
        out += [c for c in kept if not any(_overlaps(c[:2], r[:2]) for r in rules)]
    return sorted(set(out))


MODES = ("rules", "crf", "fix", "fix+drop", "fix+add", "crf+rules")


def gov_line(sentences: list[dict], found: list[list[Span]]) -> tuple[tuple[float, ...], tuple[float, ...], tuple[int, ...]]:
    result = score(sentences, found, "gov", False)
    return result["exact"], result["overlap"], result["counts"]


# ------------------------------------------------------------------------------------------------
# Commands


GROUPS = {
    "base": frozenset({"base"}),
    "lex": frozenset({"lex", "title"}),
    "rule": frozenset({"rule"}),
    "lex+rule": frozenset({"lex", "title", "rule"}),
    "lex+rule+wide": frozenset({"lex", "title", "rule", "wide"}),
    "lex+wide": frozenset({"lex", "title", "wide"}),
}


def folds(n: int, k: int, seed: int = 13) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


def cross_validate(gaz: Gazetteer, sentences: list[dict], groups: str, params: list[tuple[float, float]],
                   thresholds: list[float], k: int) -> None:
    items = [Prepared(gaz, s, GROUPS[groups]) for s in sentences]
    parts = folds(len(items), k)
    for c1, c2 in params:
        crf_out: list[list[tuple[int, int, str, float]]] = [[] for _ in items]
        with tempfile.TemporaryDirectory() as tmp:
            for n, held in enumerate(parts):
                held_set = set(held)
                path = os.path.join(tmp, f"fold{n}.crfsuite")
                train([it for i, it in enumerate(items) if i not in held_set], c1, c2, path)
                tagger = pycrfsuite.Tagger()
                tagger.open(path)
                for i in held:
                    crf_out[i] = tag(tagger, items[i])
                tagger.close()
        for mode in MODES:
            for threshold in (thresholds if mode in ("crf", "fix", "fix+add", "fix+drop", "crf+rules") else [0.0]):
                found = [combine(mode, it.rules, crf_out[i], threshold) for i, it in enumerate(items)]
                (p, r, f), (po, ro, _), counts = gov_line(sentences, found)
                print(f"cv {groups:14} c1={c1:<5} c2={c2:<5} {mode:10} t={threshold:.2f}  exact P {p:.3f} R {r:.3f} F1 {f:.3f}"
                      f"   overlap P {po:.3f} R {ro:.3f}   {counts[0]}/{counts[1]}/{counts[2]}", flush=True)


def evaluate_test(gaz: Gazetteer, groups: str, c1: float, c2: float, choices: list[tuple[str, float]], model: str) -> None:
    """Train on dev+tune, tag test, print gov totals of the rules and of each (mode, threshold): nothing else."""
    train_items = [Prepared(gaz, s, GROUPS[groups]) for name in ("dev", "tune") for s in orgs_gold.load(name)]
    train(train_items, c1, c2, model)
    tagger = pycrfsuite.Tagger()
    tagger.open(model)
    test = orgs_gold.load("test")
    items = [Prepared(gaz, s, GROUPS[groups]) for s in test]
    crf_out = [tag(tagger, it) for it in items]
    for m, threshold in [("rules", 0.0), *choices]:
        found = [combine(m, it.rules, crf_out[i], threshold) for i, it in enumerate(items)]
        (p, r, f), (po, ro, fo), counts = gov_line(test, found)
        print(f"test {groups:14} c1={c1} c2={c2} {m:10} t={threshold:.2f}  exact P {p:.3f} R {r:.3f} F1 {f:.3f}"
              f"   overlap P {po:.3f} R {ro:.3f} F1 {fo:.3f}   {counts[0]}/{counts[1]}/{counts[2]}")
    print(f"model {model}: {os.path.getsize(model)} bytes, {len(tagger.info().state_features)} state features")


def speed(gaz: Gazetteer, groups: str, model: str, n_articles: int, windowed: bool, mode: str, threshold: float) -> None:
    """Time per article of segment(), find_orgs() and find_orgs() + the CRF on the same VNTC bodies."""
    from searchkit.text.segment import segment

    bodies = [r["body"] for r in read_jsonl("vntc/news.jsonl.gz", n_articles)]
    tagger = pycrfsuite.Tagger()
    tagger.open(model)
    segment(bodies[0])
    find_orgs(bodies[0])
    recognizers: dict[str, Callable[[str], object]] = {
        "segment": segment,
        "find_orgs": find_orgs,
        "find_orgs+crf": lambda text: crf_orgs(gaz, tagger, text, GROUPS[groups], windowed, mode, threshold),
    }
    times = dict.fromkeys(recognizers, 0.0)
    for rnd in range(2):
        for name, fn in (recognizers.items() if rnd == 0 else reversed(recognizers.items())):
            t0 = time.perf_counter()
            for body in bodies:
                fn(body)
            times[name] += time.perf_counter() - t0
    base = times["segment"]
    for name, t in times.items():
        print(f"{name:14} {t / 2 / len(bodies) * 1000:7.2f} ms/article   {t / base:.2f}x segment()")


_SENTENCE = re.compile(r"[^\r\n]+")


def crf_orgs(gaz: Gazetteer, tagger: pycrfsuite.Tagger, text: str, groups: frozenset[str], windowed: bool,
             mode: str = "fix", threshold: float = 0.9) -> list[Span]:
    """The rules, then the CRF over each line (or only lines where the rules found a name), combined."""
    rules = [(m.start, m.end, m.kind) for m in find_orgs(text)]
    out: list[Span] = []
    for line in _SENTENCE.finditer(text):
        base = line.start()
        inside = [(s - base, e - base, k) for s, e, k in rules if s >= base and e <= line.end()]
        if windowed and not inside:
            continue
        tokens = tokenize(line.group())
        if not tokens:
            continue
        x = features(gaz, line.group(), tokens, rule_tags(tokens, inside) if "rule" in groups else None, groups)
        tags = tagger.tag(x)
        probs = [tagger.marginal(t, i) for i, t in enumerate(tags)] if threshold > 0 else None
        out += [(s + base, e + base, k) for s, e, k in combine(mode, inside, decode(tokens, tags, probs), threshold)]
    return out


# ------------------------------------------------------------------------------------------------
# Held-out batches scored with rules that never saw them


# Batches in the order they joined tune; a held-out batch trains on nothing newer than itself.
ORDER = ("s", "t", "u", "x", "h", "m", "k", "j", "g", "f", "e", "d")


def dump(gaz: Gazetteer, out: str) -> None:
    """Rule spans and the full feature set (lex+rule+wide) of every dev+tune sentence, with the searchkit on the path.

    Run once per rule snapshot (``PYTHONPATH=<checkout>``): the lexicon marks and rule tags are that snapshot's.
    """
    import searchkit

    rows = {}
    for name in ("dev", "tune"):
        for s in orgs_gold.load(name):
            item = Prepared(gaz, s, GROUPS["lex+rule+wide"])
            rows[s["sid"]] = {"rules": item.rules, "x": item.x}
    with open(out, "wb") as f:
        pickle.dump({"searchkit": searchkit.__file__, "rows": rows}, f)
    print(f"{len(rows)} sentences, searchkit from {searchkit.__file__} -> {out}")


_LEX = ("head=", "field=", "qual=", "ptype=", "place=", "country=", "unit=", "title=", "stop", "surname", "compound",
        "after_title")


def select(x: list[list[str]], groups: frozenset[str], rule_x: list[list[str]] | None = None) -> list[list[str]]:
    """The features of ``groups`` out of a full lex+rule+wide set; rule features from ``rule_x`` when given."""
    out = []
    for i, feats in enumerate(x):
        keep = []
        for f in feats:
            body = f.split(":", 1)[1] if f[:1] in "-12" and ":" in f[:3] else f
            if body.startswith("rule=") and ("rule" not in groups or rule_x is not None):
                continue
            if f.startswith(("-2:", "2:")) and "wide" not in groups:
                continue
            if body.startswith(_LEX) and "lex" not in groups:
                continue
            keep.append(f)
        if rule_x is not None and "rule" in groups:
            keep += [f for f in rule_x[i] if "rule=" in f and ("wide" in groups or not f.startswith(("-2:", "2:")))]
        out.append(keep)
    return out


def _load_dump(path: str, batch: str | None = None) -> dict:
    with open(path, "rb") as f:
        data = pickle.load(f)
    if batch is not None:
        data["rows"] = {sid: row for sid, row in data["rows"].items() if sid[0] == batch}
    return data


def _train_and_tag(gold: dict[str, dict], rows: dict[str, dict], train_sids: list[str], test_sids: list[str],
                   groups: frozenset[str], c1: float, c2: float, iterations: int,
                   oof_rows: dict[str, dict[str, dict]]) -> tuple[list[list[tuple[int, int, str, float]]], float]:
    """Train on ``train_sids`` (rule tags from ``oof_rows`` where given), tag ``test_sids``: CRF spans, seconds."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for sid in train_sids:
        tokens = tokenize(gold[sid]["text"])
        if tokens:
            other = oof_rows.get(sid[0], {}).get(sid)
            trainer.append(select(rows[sid]["x"], groups, other["x"] if other else None), labels(tokens, gold[sid]["orgs"]))
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    crf_out: list[list[tuple[int, int, str, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.crfsuite")
        t0 = time.perf_counter()
        trainer.train(path)
        took = time.perf_counter() - t0
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        for sid in test_sids:
            tokens = tokenize(gold[sid]["text"])
            tags = tagger.tag(select(rows[sid]["x"], groups)) if tokens else []
            crf_out.append(decode(tokens, tags, [tagger.marginal(t, i) for i, t in enumerate(tags)]))
        tagger.close()
    return crf_out, took


def heldout(dumps: dict[str, str], feature_sets: list[str], params: list[tuple[float, float]], thresholds: list[float],
            oof: dict[str, str], iterations: int) -> None:
    """For each held-out batch B: train on dev+tune older than B (features with B's snapshot rules), tag B, score.

    ``oof``: batch -> dump of the rules that first scored that batch; its training sentences then carry those
    (out-of-sample) rule tags instead of the held-out snapshot's in-sample ones.
    """
    gold = {s["sid"]: s for name in ("dev", "tune") for s in orgs_gold.load(name)}
    loaded = {b: _load_dump(path) for b, path in dumps.items()}
    oof_rows = {b: _load_dump(path, b)["rows"] for b, path in oof.items()}
    for b, path in oof.items():
        print(f"batch {b} trains with the rule tags of {path}", flush=True)
    for b, d in loaded.items():
        print(f"batch {b}: features from {d['searchkit']}", flush=True)
    for groups in feature_sets:
        for c1, c2 in params:
            results: dict[tuple[str, float], dict[str, tuple]] = {}
            for b, d in loaded.items():
                newer = set(ORDER[ORDER.index(b):])
                train_sids = [sid for sid in gold if sid[0] not in newer]
                test_sids = [sid for sid in gold if sid[0] == b]
                crf_out, took = _train_and_tag(gold, d["rows"], train_sids, test_sids, GROUPS[groups], c1, c2, iterations,
                                               oof_rows)
                print(f"# {groups} c1={c1} c2={c2} batch {b}: trained on {len(train_sids)} in {took:.0f} s", flush=True)
                rules = [[tuple(r) for r in d["rows"][sid]["rules"]] for sid in test_sids]
                sentences = [gold[sid] for sid in test_sids]
                for mode in MODES:
                    for threshold in (thresholds if mode != "rules" else [0.0]):
                        found = [combine(mode, rules[i], crf_out[i], threshold) for i in range(len(test_sids))]
                        results.setdefault((mode, threshold), {})[b] = gov_line(sentences, found)
            base = sum(v[0][2] for v in results[("rules", 0.0)].values()) / len(loaded)
            for (mode, threshold), per in results.items():
                cells = "   ".join(f"{b} P {v[0][0]:.3f} R {v[0][1]:.3f} F1 {v[0][2]:.3f} ({v[2][0]}/{v[2][1]}/{v[2][2]})"
                                   for b, v in per.items())
                mean = sum(v[0][2] for v in per.values()) / len(per)
                print(f"heldout {groups:14} c1={c1:<5} c2={c2:<5} {mode:10} t={threshold:.2f}  {cells}   mean F1 {mean:.3f} "
                      f"({mean - base:+.3f})", flush=True)

def _params(text: str) -> list[tuple[float, float]]:
    """"0.1:0.01,0.3:0.01" -> [(0.1, 0.01), (0.3, 0.01)] (c1, c2)."""
    return [(float(c1), float(c2)) for c1, c2 in (item.split(":") for item in text.split(","))]


def _pairs(text: str) -> dict[str, str]:
    """"a=x,b=y" -> {"a": "x", "b": "y"}."""
    return dict(item.split("=", 1) for item in text.split(",") if item)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_cv = sub.add_parser("cv")
    p_cv.add_argument("--features", default="lex+rule")
    p_cv.add_argument("--params", default="0.05:0.01,0.1:0.01,0.3:0.01,0.1:0.1")
    p_cv.add_argument("--thresholds", default="0.0,0.5,0.7,0.9")
    p_cv.add_argument("--folds", type=int, default=5)
    p_test = sub.add_parser("test")
    p_speed = sub.add_parser("speed")
    for p in (p_test, p_speed):
        p.add_argument("--features", default="lex+rule")
        p.add_argument("--model", default="/tmp/orgs_crf.crfsuite")
    p_test.add_argument("--c1", type=float, default=0.1)
    p_test.add_argument("--c2", type=float, default=0.01)
    p_test.add_argument("--combine", default="fix:0.9", help="MODE:THRESHOLD,… (modes: " + ", ".join(MODES) + ")")
    p_speed.add_argument("--articles", type=int, default=2000)
    p_speed.add_argument("--combine", default="fix:0.9", help="MODE:THRESHOLD")
    p_speed.add_argument("--all-lines", action="store_true", help="tag every line, not only lines with a rule name")
    p_dump = sub.add_parser("dump", help="rule spans and features of dev+tune with the searchkit on PYTHONPATH")
    p_dump.add_argument("--out", required=True)
    p_held = sub.add_parser("heldout", help="train on older batches, score held-out batches (rules never saw them)")
    p_held.add_argument("--dumps", required=True, help="BATCH=DUMP,… (the dump made with the rules that first scored BATCH)")
    p_held.add_argument("--oof", default="", help="BATCH=DUMP,… rule tags of training batches from their first-contact rules")
    p_held.add_argument("--features", default="lex,lex+rule")
    p_held.add_argument("--params", default="0.1:0.01,0.3:0.01")
    p_held.add_argument("--thresholds", default="0.0,0.5,0.7,0.9")
    p_held.add_argument("--iterations", type=int, default=150)
    args = parser.parse_args(argv)
    if args.command == "heldout":
        heldout(_pairs(args.dumps), args.features.split(","), _params(args.params),
                [float(t) for t in args.thresholds.split(",")], _pairs(args.oof), args.iterations)
        return 0
    gaz = Gazetteer()
    if args.command == "cv":
        sentences = orgs_gold.load("dev") + orgs_gold.load("tune")
        params = _params(args.params)
        for groups in args.features.split(","):
            cross_validate(gaz, sentences, groups, params, [float(t) for t in args.thresholds.split(",")], args.folds)
    elif args.command == "dump":
        dump(gaz, args.out)
    elif args.command == "test":
        choices = [(m, float(t)) for m, t in (c.split(":") for c in args.combine.split(","))]
        evaluate_test(gaz, args.features, args.c1, args.c2, choices, args.model)
    else:
        mode, threshold = args.combine.split(":")
        speed(gaz, args.features, args.model, args.articles, not args.all_lines, mode, float(threshold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
