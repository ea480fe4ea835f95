"""Where the bytes of an index go: searchkit beside stock Whoosh, per file type and per field.

Builds both indexes of the first N VNTC articles (as ``benchmarks/index.py`` does; kept in
``benchmarks/_work/size-<N>/``), or reads the folders given with ``--folders``, and prints for
each: its size by file type inside the segment files (postings ``.pst``, term table ``.trm``,
stored fields and length columns ``.col``), then per indexed field the postings bytes, the
term-table bytes (entries and their share of the hash tables), the number of terms, of terms
in one article only, of terms whose postings are inlined in the term table, and of postings;
and per stored field its bytes compressed alone (what it adds to an article's stored record).

    python benchmarks/index_size.py [--articles N] [--folders SEARCHKIT WHOOSH]
"""

from __future__ import annotations

import argparse
import collections
import pickle
import shutil
import zlib
from pathlib import Path

import index as index_bench  # benchmarks/index.py: the same engines on the same articles
from _common import WORK, dir_size_mb, print_table
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.system import unpack_ushort


def breakdown(folder: Path) -> tuple[dict[str, int], dict[str, collections.Counter[str]], dict[str, int]]:
    """``(bytes by file type, counters by indexed field, stored bytes by field)`` of one index."""
    ix = whoosh_index.open_dir(str(folder), indexname="MAIN")
    files: collections.Counter[str] = collections.Counter()
    fields: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    stored: collections.Counter[str] = collections.Counter()
    for segment in ix._segments():
        compound = segment.open_compound_file(ix.storage)
        for name in compound.list():
            kind = name.rsplit(".", 1)[-1]
            files["col (lengths)" if kind == "col" and "_len" in name else "col (stored)" if kind == "col" else kind] += (
                compound.file_length(name)
            )
        terms = segment.codec().terms_reader(compound, segment)
        names = {v: k for k, v in terms._tindex.extras["fieldmap"].items()}
        entries = 0
        here: collections.Counter[str] = collections.Counter()  # terms of each field in this segment
        for key, value in terms._tindex.items():
            info = W3TermInfo.from_bytes(value)
            name = names[unpack_ushort(key[:2])[0]]
            here[name] += 1
            f = fields[name]
            f["terms"] += 1
            f["df=1"] += info.doc_frequency() == 1
            f["inlined"] += info.is_inlined()
            f["postings"] += info.doc_frequency()
            f["trm"] += 8 + len(key) + len(value)
            entries += 8 + len(key) + len(value)
            if not info.is_inlined():
                length = info.extent()[1]  # Whoosh reads it back as a 1-tuple
                f["pst"] += length[0] if isinstance(length, tuple) else length
        # The hash tables and the ordered index: shared out by the number of terms.
        overhead = compound.file_length(segment.make_filename(".trm")) - entries
        for name, n in here.items():
            fields[name]["trm"] += overhead * n // max(sum(here.values()), 1)
        perdoc = segment.codec().per_document_reader(compound, segment)
        for d in range(segment.doc_count_all()):
            for name, value in perdoc.stored_fields(d).items():
                stored[name] += len(zlib.compress(pickle.dumps(value, 2), 6))
    return dict(files), fields, dict(stored)


def report(engine: str, folder: Path) -> None:
    files, fields, stored = breakdown(folder)
    mb = 1e6
    print_table(
        f"{engine}: {dir_size_mb(folder):.1f} MB ({folder})",
        ["part", "MB"],
        [[k, f"{v / mb:.2f}"] for k, v in sorted(files.items(), key=lambda kv: -kv[1])],
    )
    rows = [
        [name, f"{f['pst'] / mb:.2f}", f"{f['trm'] / mb:.2f}", f"{f['terms']:,}", f"{f['df=1']:,}", f"{f['inlined']:,}", f"{f['postings']:,}"]
        for name, f in sorted(fields.items(), key=lambda kv: -(kv[1]["pst"] + kv[1]["trm"]))
    ]
    print_table(f"{engine}: indexed fields", ["field", "pst MB", "trm MB", "terms", "in 1 article", "inlined", "postings"], rows)
    print_table(
        f"{engine}: stored fields (each compressed alone)",
        ["field", "MB"],
        [[k, f"{v / mb:.2f}"] for k, v in sorted(stored.items(), key=lambda kv: -kv[1])],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000, help="how many VNTC articles (default 5,000)")
    parser.add_argument("--folders", nargs=2, type=Path, metavar=("SEARCHKIT", "WHOOSH"), help="existing indexes")
    parser.add_argument("--rebuild", action="store_true", help="build the cached indexes again")
    args = parser.parse_args(argv)
    if args.folders:
        folders = dict(zip(("searchkit", "whoosh"), args.folders, strict=True))
    else:
        folders = {e: WORK / f"size-{args.articles}" / e for e in ("searchkit", "whoosh")}
        docs = None
        for engine, folder in folders.items():
            if folder.exists() and not args.rebuild:
                continue
            docs = docs or index_bench._load(args.articles)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            index_bench._RUNNERS[engine](docs, folder)
    for engine, folder in folders.items():
        report(engine, folder)
    sizes = [dir_size_mb(f) for f in folders.values()]
    print(f"searchkit / whoosh: {sizes[0]:.1f} / {sizes[1]:.1f} MB = {sizes[0] / sizes[1]:.2f}x")


if __name__ == "__main__":
    main()
