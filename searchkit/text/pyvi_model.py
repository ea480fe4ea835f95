"""Reading pyvi's model files without importing pyvi: the CRFsuite weights and the word list.

pyvi ships a pickled ``sklearn_crfsuite.CRF`` (``models/pyvi3.pkl``) whose state holds the
bytes of a CRFsuite model file, and a word list (``models/words.txt``). This module finds
them without importing pyvi (its import loads the model), unpickles without building any
foreign object, parses CRFsuite's binary format (exact IEEE doubles) and turns model and
word list into the tables (:data:`Tables`) :mod:`searchkit.text.segment` tags with.
"""

from __future__ import annotations

import codecs
import importlib.util
import pickle
import struct
from pathlib import Path

from searchkit.errors import ModelError

__all__ = [
    "TABLES_LAYOUT", "Tables", "crfsuite_bytes", "model_dir", "parse_crfsuite", "parse_tables", "pyvi_version", "pyvi_words_path",
    "read_ngrams",
]

#: pyvi's CRF and word list as :mod:`searchkit.text.segment`'s model reads them (see :func:`parse_tables`): weights by
#: attribute, transitions, the id of ``I_W``, syllable ids, their base, and the n-gram codes.
Tables = tuple[
    dict[str, tuple[float, float]],
    tuple[float, float, float, float],
    int,
    dict[str, int],
    int,
    frozenset[int],
    frozenset[int],
    frozenset[int],
]
#: The layout of Tables, part of the key of their cached copy: change it with the layout.
TABLES_LAYOUT = 1



def model_dir() -> Path:
    """Return pyvi's ``models`` folder without importing pyvi (its import loads the model)."""
    spec = importlib.util.find_spec("pyvi")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("pyvi is not installed; install it with 'pip install pyvi'")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def pyvi_version() -> tuple[str, ...]:
    """The installed pyvi's distribution folder names beside its package ("pyvi-0.1.1.dist-info"),
    read without importing pyvi or :mod:`importlib.metadata` (slow to import); empty if none."""
    package = model_dir().parent
    try:
        return tuple(sorted(p.name for p in package.parent.glob("pyvi-*.dist-info")))
    except OSError:
        return ()


def pyvi_words_path() -> Path:
    """Return the path of pyvi's word list (``models/words.txt``) without importing pyvi.

    Raises:
        ModelError: pyvi is not installed.
    """
    return model_dir() / "words.txt"


class _Stub:
    """Stands in for every class named in pyvi's pickle, keeping only its state."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.state: object = None

    def __setstate__(self, state: object) -> None:
        self.state = state


class _ModelUnpickler(pickle.Unpickler):
    """Unpickler that builds no foreign objects: the CRFsuite model bytes are all we need."""

    def find_class(self, module: str, name: str) -> object:
        if (module, name) == ("_codecs", "encode"):  # rebuilds the pickled numpy scalars' bytes
            return codecs.encode
        return _Stub


def crfsuite_bytes(pickle_path: Path) -> bytes:
    """Extract the CRFsuite model file stored inside a pickled ``sklearn_crfsuite.CRF``."""
    with pickle_path.open("rb") as stream:
        crf = _ModelUnpickler(stream).load()
    resource = crf.state["modelfile"]
    data = resource.state["__FILE_RESOURCE_DATA__"]
    if not isinstance(data, bytes):
        raise ModelError(f"{pickle_path}: no CRFsuite model inside the pickle")
    return data


def _cqdb_strings(data: bytes, offset: int) -> list[str]:
    """Read the id → string array of a CRFsuite "constant quark database" chunk."""
    chunk, _size, _flag, byteorder, count, backward = struct.unpack_from("<4sIIIII", data, offset)
    if chunk != b"CQDB" or byteorder != 0x62445371:
        raise ModelError("corrupt CRFsuite model: bad CQDB chunk")
    strings: list[str] = []
    for i, record in enumerate(struct.unpack_from(f"<{count}I", data, offset + backward)):
        if record == 0:
            strings.append("")
            continue
        ident, size = struct.unpack_from("<iI", data, offset + record)
        if ident != i:
            raise ModelError("corrupt CRFsuite model: CQDB ids out of order")
        raw = data[offset + record + 8 : offset + record + 7 + size]
        strings.append(raw.decode("utf-8", "surrogateescape"))
    return strings


def parse_crfsuite(
    data: bytes,
) -> tuple[dict[str, tuple[float, float]], tuple[float, float, float, float], int]:
    """Parse a CRFsuite CRF1d model: state weights by attribute, transitions, I_W's label id.

    Returns:
        ``(weights, transitions, inside)``: ``weights[attribute] = (weight for label 0,
        weight for label 1)``; ``transitions = (t00, t01, t10, t11)`` with ``tij`` the weight
        of label i followed by label j; ``inside`` the id of label ``I_W``.
    """
    header = struct.unpack_from("<4sI4sIIIIIIIII", data, 0)
    magic, _size, kind, _version, _nf, num_labels, num_attrs, off_features = header[:8]
    off_labels, off_attrs = header[8], header[9]
    if magic != b"lCRF" or kind != b"FOMC":
        raise ModelError("not a CRFsuite CRF1d model")
    labels = _cqdb_strings(data, off_labels)
    attrs = _cqdb_strings(data, off_attrs)
    if num_labels != 2 or sorted(labels) != ["B_W", "I_W"] or len(attrs) != num_attrs:
        raise ModelError(f"unexpected pyvi model labels {labels!r}")
    chunk, _chunk_size, count = struct.unpack_from("<4sII", data, off_features)
    if chunk != b"FEAT":
        raise ModelError("corrupt CRFsuite model: no feature chunk")
    state: dict[int, list[float]] = {}
    trans = [[0.0, 0.0], [0.0, 0.0]]
    for kind_id, src, dst, weight in struct.iter_unpack("<IIId", data[off_features + 12 : off_features + 12 + 20 * count]):
        if kind_id == 0:
            pair = state.setdefault(src, [0.0, 0.0])
            pair[dst] += weight  # pyvi's model has one feature per (attribute, label)
        else:
            trans[src][dst] += weight
    weights = {attrs[src]: (pair[0], pair[1]) for src, pair in state.items()}
    transitions = (trans[0][0], trans[0][1], trans[1][0], trans[1][1])
    return weights, transitions, labels.index("I_W")


def read_ngrams(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """Read pyvi's words.txt exactly as pyvi does: two- and three-syllable entries."""
    bigrams: set[str] = set()
    trigrams: set[str] = set()
    for entry in path.read_text(encoding="utf-8").split("\n"):
        parts = entry.split(" ")
        if len(parts) == 2:
            bigrams.add(entry)
        elif len(parts) == 3:
            trigrams.add(entry)
    return frozenset(bigrams), frozenset(trigrams)


def parse_tables(models: Path) -> Tables:
    """Parse pyvi's CRF (``pyvi3.pkl``) and word list (``words.txt``) into :data:`Tables`.

    The n-grams become integers: syllable ids in base ``base`` (id 0, "not in any n-gram",
    never appears in a code). Lowercased syllables hold no space, so (a, b) is a bigram code
    exactly when "a b" is in words.txt.
    """
    weights, transitions, inside = parse_crfsuite(crfsuite_bytes(models / "pyvi3.pkl"))
    bigrams, trigrams = read_ngrams(models / "words.txt")
    parts = sorted({part for entry in bigrams | trigrams for part in entry.split(" ")})
    ids = {part: i for i, part in enumerate(parts, 1)}
    base = len(parts) + 1
    bigram_codes = frozenset(ids[x] * base + ids[y] for x, y in (e.split(" ") for e in bigrams))
    triples = [[ids[part] for part in e.split(" ")] for e in trigrams]
    trigram_heads = frozenset(x * base + y for x, y, _ in triples)
    trigram_codes = frozenset((x * base + y) * base + z for x, y, z in triples)
    return weights, transitions, inside, ids, base, bigram_codes, trigram_heads, trigram_codes
