"""Gold sets for organization names: load them, draw new sentences, turn annotations into offsets.

Three sets, each a list of ``{sid, doc, text, orgs: [[start, end, surface, type]]}``:

- ``dev``: ``../shared/data/orgs/orgs_dev.jsonl`` (300 sentences; the rules were first tuned on it);
- ``tune``: ``benchmarks/gold/orgs_tune.jsonl``, sentences the rules may be tuned on;
- ``test``: ``benchmarks/gold/orgs_test.jsonl``, sentences nobody tunes on: only its totals are read.

How they were made (each batch annotated from ``../shared/data/orgs/GUIDELINES.md`` after calibrating on
``orgs_dev``): ``t…`` (690), ``x…`` (570) and ``n…`` (600) were annotated twice independently and adjudicated;
``u…``, ``h…`` (400 each), ``m…`` (400), ``k…``, ``j…``, ``g…``, ``f…``, ``e…``, ``d…``, ``c…``, ``b…``, ``a…`` and ``y…`` (600 each)
were annotated once.
Each batch was scored untouched first, as unseen text, before any rule was tuned on it. Since 2026-11-30 (third
round; ``e``, ``d``, ``c``, ``b``, ``a`` and ``y`` joined in the fourth to ninth) ``tune`` holds ``t``, ``u``, ``x``, ``h``,
``m``, ``k``, ``j``, ``g``, ``f``, ``e``, ``d``, ``c``, ``b``, ``a`` and ``y`` (``x`` and ``h`` were the test set of
the first two rounds, read then only as totals), and ``test`` is ``n``: drawn and annotated for that round,
committed before its rules changed, and never read sentence by sentence.

``tune`` and ``test`` hold no article text, only where it is: ``{sid, doc, field, start, end, crc, orgs:
[[start, end, type]]}``. ``doc`` is an article id of ``vntc/news.jsonl.gz`` or ``news_modern/news.jsonl.gz``,
``field`` is ``title`` or ``body``, ``start``/``end`` cut the sentence out of that field as stored, and the
sentence is that slice in NFC. Name offsets point into the NFC sentence; ``crc`` (CRC-32 of its UTF-8) proves
the data still matches.

Usage::

    python benchmarks/orgs_gold.py sample --n 240 --seed 1 --out /tmp/batch1.jsonl   # draw sentences
    python benchmarks/orgs_gold.py build /tmp/batch1.annotated.jsonl --out benchmarks/gold/orgs_tune.jsonl
    python benchmarks/orgs_gold.py check                                                # every set loads

``sample`` draws sentences the way ``orgs_dev`` was drawn: about three in four from VNTC (half of those from
"Chính trị - Xã hội"), one in four from ``news_modern``, from articles ``orgs_dev`` and the existing sets do not
use; about two in three contain a word that looks like the head of a name in any case ("bộ", "ban", "sở",
"UBND", …, so false friends such as "toàn bộ" or "sở hữu" come too) or a capitalised abbreviation, the rest are
any sentence. The annotator adds ``"orgs": [["surface", "gov"|"other"], ...]`` in order of appearance (the
guidelines' format); ``build`` finds each surface after the previous one and stores offsets.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path

from _common import DATA, REPO, read_jsonl

GOLD = REPO / "benchmarks" / "gold"
SETS = ("dev", "tune", "test")
SOURCES = {"vntc": "vntc/news.jsonl.gz", "news_modern": "news_modern/news.jsonl.gz"}
DEV = "orgs/orgs_dev.jsonl"

# A sentence ends at . ! ? … (and closing quotes/brackets after them) followed by space and a capital or
# an opening quote/dash; a line break always ends one.
_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\-–A-ZĐÀ-Ỹ0-9])")
_CUE = re.compile(
    r"(?i)(?<!\w)(bộ|ban|sở|ủy|uỷ|ubnd|hđnd|cục|vụ|viện|hội|đoàn|đảng|công an|tòa|toà|trung tâm|công ty|"
    r"quốc hội|chính phủ|trường|bệnh viện|tổng|phòng|chi cục|thanh tra|mặt trận|ngân hàng|tỉnh ủy|thành ủy)(?!\w)"
    r"|(?<!\w)[A-ZĐ]{2,}(?!\w)"
)
_GOV_CUE = re.compile(
    r"(?i)(?<!\w)(bộ|ban|sở|ủy ban|uỷ ban|ubnd|hđnd|cục|chi cục|vụ|viện kiểm sát|vksnd|đảng|đảng ủy|đảng uỷ|công an|"
    r"tòa án|toà án|tand|quốc hội|chính phủ|tỉnh ủy|tỉnh uỷ|thành ủy|thành uỷ|huyện ủy|huyện uỷ|mặt trận|mttq|"
    r"thanh tra|hội đồng nhân dân|biên phòng|kiểm lâm|hải quan|thành đoàn|công đoàn|hội nông dân|hội liên hiệp)(?!\w)"
)


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of ``text``: stripped, 30 to 400 characters, at least five words."""
    for line in re.finditer(r"[^\r\n]+", text):
        begin = line.start()
        cuts = [m.start() for m in _END.finditer(line.group())] + [len(line.group())]
        for cut in cuts:
            piece = text[begin : line.start() + cut]
            lead = len(piece) - len(piece.lstrip())
            s, e = begin + lead, begin + len(piece.rstrip())
            begin = line.start() + cut
            if 30 <= e - s <= 400 and len(text[s:e].split()) >= 5:
                yield s, e


def articles(source: str) -> Iterator[dict]:
    return read_jsonl(SOURCES[source])


def crc(text: str) -> str:
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def _dev() -> list[dict]:
    return list(read_jsonl(DEV))


def _stored(name: str) -> list[dict]:
    path = GOLD / f"orgs_{name}.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")] if path.is_file() else []


def _resolve(rows: list[dict]) -> list[dict]:
    """Rebuild the sentences of stored rows from the articles."""
    wanted = {row["doc"] for row in rows}
    fields: dict[str, dict] = {}
    for source in SOURCES:
        for article in articles(source):
            if article["id"] in wanted:
                fields[article["id"]] = article
    out = []
    for row in rows:
        raw = fields[row["doc"]][row["field"]][row["start"] : row["end"]]
        text = unicodedata.normalize("NFC", raw)
        if crc(text) != row["crc"]:
            raise SystemExit(f"gold sentence {row['sid']} no longer matches {row['doc']} (crc {crc(text)} != {row['crc']})")
        orgs = [[s, e, text[s:e], kind] for s, e, kind in row["orgs"]]
        out.append({"sid": row["sid"], "doc": row["doc"], "text": text, "orgs": orgs})
    return out


def load(name: str) -> list[dict]:
    """The sentences of gold set ``name`` ("dev", "tune" or "test") with their names; [] if the data is absent."""
    if name not in SETS:
        raise ValueError(f"unknown gold set {name!r} (use one of {', '.join(SETS)})")
    if not all((DATA / relative).is_file() for relative in (DEV, *SOURCES.values())):
        return []
    return _dev() if name == "dev" else _resolve(_stored(name))


def sample(n: int, seed: int, exclude: frozenset[str] | set[str] = frozenset(), rich: bool = False) -> list[dict]:
    """``n`` new sentences drawn as ``orgs_dev`` was, from articles no gold set (nor ``exclude``) uses.

    ``rich``: every sentence contains a word that heads state bodies (``_GOV_CUE``), to gather more
    "gov" names per sentence annotated; the sets record which sentences were drawn this way.
    """
    used = {row["doc"] for row in _dev()} | {row["doc"] for name in ("tune", "test") for row in _stored(name)} | set(exclude)
    rng = random.Random(seed)
    pools: dict[str, list[dict]] = {"vntc-XH": [], "vntc": [], "news_modern": []}
    for source in SOURCES:
        for article in articles(source):
            if article["id"] in used:
                continue
            pool = source if source == "news_modern" else ("vntc-XH" if "-XH_" in article["id"] else "vntc")
            pools[pool].append(article)
    quota = {"vntc-XH": round(n * 0.38), "vntc": round(n * 0.38)}
    quota["news_modern"] = n - sum(quota.values())
    out: list[dict] = []
    for pool, count in quota.items():
        docs = rng.sample(pools[pool], len(pools[pool]))
        for article in docs:
            if count == 0:
                break
            field = "title" if article["title"] and rng.random() < 0.05 else "body"
            spans = list(sentences(article[field]))
            if not spans:
                continue
            cue = _GOV_CUE if rich else _CUE
            cued = [span for span in spans if cue.search(article[field][span[0] : span[1]])]
            if rich and not cued:
                continue
            choice = cued if cued and (rich or rng.random() < 0.67) else spans
            s, e = rng.choice(choice)
            text = unicodedata.normalize("NFC", article[field][s:e])
            out.append({"doc": article["id"], "field": field, "start": s, "end": e, "crc": crc(text), "text": text}
                       | ({"drawn": "rich"} if rich else {}))
            count -= 1
    rng.shuffle(out)
    return out


def build(annotated: list[dict], prefix: str) -> list[dict]:
    """Stored rows (offsets only) from annotated samples ``{doc, field, start, end, crc, text, orgs: [[surface, type]]}``."""
    rows = []
    for number, item in enumerate(annotated, 1):
        text = item["text"]
        if crc(text) != item["crc"]:
            raise SystemExit(f"{item['doc']}: the annotated text was changed (crc mismatch)")
        spans, at = [], 0
        for surface, kind in item["orgs"]:
            if kind not in ("gov", "other"):
                raise SystemExit(f"{item['doc']}: type {kind!r} is not gov/other")
            found = text.find(surface, at)
            if found < 0 or not surface.strip() or surface != surface.strip():
                raise SystemExit(f"{item['doc']}: {surface!r} is not in the sentence after offset {at}: {text!r}")
            spans.append([found, found + len(surface), kind])
            at = found + len(surface)
        rows.append({"sid": f"{prefix}{number:03d}", "doc": item["doc"], "field": item["field"], "start": item["start"],
                     "end": item["end"], "crc": item["crc"], "orgs": spans} | ({"drawn": item["drawn"]} if "drawn" in item else {}))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_sample = sub.add_parser("sample", help="draw new sentences to annotate")
    p_sample.add_argument("--n", type=int, required=True)
    p_sample.add_argument("--seed", type=int, required=True)
    p_sample.add_argument("--out", type=Path, required=True)
    p_sample.add_argument("--rich", action="store_true", help="only sentences with a word that heads state bodies")
    p_sample.add_argument("--exclude", type=Path, help="a JSONL file of samples whose articles to avoid")
    p_build = sub.add_parser("build", help="annotated samples -> stored gold rows (offsets only)")
    p_build.add_argument("annotated", type=Path)
    p_build.add_argument("--out", type=Path, required=True)
    p_build.add_argument("--prefix", required=True, help="sid prefix, e.g. t (tune) or x (test)")
    sub.add_parser("check", help="load every set and print its counts")
    args = parser.parse_args(argv)
    if args.command == "sample":
        exclude = {json.loads(line)["doc"] for line in args.exclude.open(encoding="utf-8")} if args.exclude else set()
        rows = sample(args.n, args.seed, exclude, args.rich)
        with args.out.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(rows)} sentences -> {args.out}")
    elif args.command == "build":
        annotated = [json.loads(line) for line in args.annotated.open(encoding="utf-8") if line.strip()]
        rows = build(annotated, args.prefix)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(rows)} sentences, {sum(len(r['orgs']) for r in rows)} names -> {args.out}")
    else:
        for name in SETS:
            rows = load(name)
            gov = sum(1 for r in rows for o in r["orgs"] if o[3] == "gov")
            other = sum(1 for r in rows for o in r["orgs"] if o[3] == "other")
            print(f"{name:5} {len(rows):4} sentences  {gov:4} gov  {other:4} other  {sum(not r['orgs'] for r in rows):4} with none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
