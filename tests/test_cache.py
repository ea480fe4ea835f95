"""The parsed copies of data files in the user's cache folder (searchkit.text.cache), and pyvi's
model loaded through one: same tables, same segmentation, rebuilt when a source changes, and
parsed as before wherever the cache folder cannot be used."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.text.cache import cache_dir, cached
from searchkit.text.pyvi_model import model_dir, parse_tables, read_ngrams

segment_module = importlib.import_module("searchkit.text.segment")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "searchkit"


class Builder:
    """Counts its calls; builds a table from a source file's text."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self) -> dict[str, tuple[float, int]]:
        self.calls += 1
        return {line: (0.1 * len(line), i) for i, line in enumerate(self.source.read_text().splitlines())}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text("hà nội\nđà nẵng\n", encoding="utf-8")
    return path


def test_the_folder_honours_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "searchkit"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "searchkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == tmp_path / "home" / ".cache" / "searchkit"
    for home in ("relative/home", ""):  # a relative or empty HOME names no place that stays put
        monkeypatch.setenv("HOME", home)
        assert cache_dir() is None


def test_a_copy_of_the_model_follows_the_code_that_parses_it(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy written by another release of searchkit (another segment.py) is not used."""
    segment = segment_module
    seen: list[list[Path]] = []
    real = segment.cached

    def spy(name: str, sources: list[Path], build, extra=None):  # type: ignore[no-untyped-def]
        seen.append(list(sources))
        return real(name, sources, build, extra)

    monkeypatch.setattr(segment, "cached", spy)
    segment._load_model.cache_clear()
    try:
        segment._load_model()
    finally:
        segment._load_model.cache_clear()
    assert Path(segment.__file__) in seen[0]
    assert any(p.name == "pyvi_model.py" for p in seen[0])


def test_a_copy_is_written_once_and_read_back_equal(cache: Path, source: Path) -> None:
    build = Builder(source)
    first = cached("words", [source], build, extra=("v1",))
    assert build.calls == 1 and len(list(cache.glob("words-*.marshal"))) == 1
    again = cached("words", [source], build, extra=("v1",))
    assert build.calls == 1
    assert again == first and again is not first


def test_a_changed_source_or_extra_makes_a_new_copy(cache: Path, source: Path) -> None:
    build = Builder(source)
    cached("words", [source], build, extra=1)
    source.write_text("hà nội\nđà nẵng\nhuế\n", encoding="utf-8")  # size and time change
    assert "huế" in cached("words", [source], build, extra=1)
    assert build.calls == 2
    st = source.stat()
    source.write_text("hà nội\nđà nẵng\nhuê\n", encoding="utf-8")  # same size: the time tells
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert "huê" in cached("words", [source], build, extra=1)
    assert build.calls == 3
    assert len(list(cache.glob("words-*.marshal"))) == 1  # the older copies are gone
    cached("words", [source], build, extra=2)  # another pyvi version, another layout
    assert build.calls == 4
    cached("words", [source], build, extra=2)
    assert build.calls == 4
    assert len(list(cache.glob("words-*.marshal"))) == 1
    other = Builder(source)
    cached("other", [source], other)  # another name: its own copy, the first one kept
    assert sorted(p.name.split("-")[0] for p in cache.glob("*.marshal")) == ["other", "words"]


def test_a_truncated_or_foreign_copy_is_rebuilt(cache: Path, source: Path) -> None:
    build = Builder(source)
    expected = cached("words", [source], build)
    (copy,) = cache.glob("words-*.marshal")
    for damaged in (copy.read_bytes()[:100], b"not marshal at all", b""):
        copy.write_bytes(damaged)
        assert cached("words", [source], build) == expected
    assert build.calls == 4
    assert cached("words", [source], build) == expected  # and written again, whole
    assert build.calls == 4


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_cache_folder_parses_every_time(cache: Path, source: Path) -> None:
    cache.parent.mkdir()
    cache.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        build = Builder(source)
        assert cached("words", [source], build) == cached("words", [source], build)
        assert build.calls == 2
    finally:
        cache.parent.chmod(stat.S_IRWXU)


def test_a_copy_that_cannot_be_written_leaves_nothing(cache: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(importlib.import_module("searchkit.text.cache").os, "replace", refuse)
    build = Builder(source)
    assert cached("words", [source], build) == cached("words", [source], build)
    assert build.calls == 2
    assert list(cache.iterdir()) == []  # no temporary file left behind


def test_an_unusable_cache_folder_parses_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # "searchkit" cannot be made inside a file
    build = Builder(source)
    assert cached("words", [source], build) == cached("words", [source], build)
    assert build.calls == 2


def test_a_missing_source_is_the_builds_error(cache: Path, tmp_path: Path) -> None:
    def build() -> dict[str, int]:
        raise FileNotFoundError("no words")

    with pytest.raises(FileNotFoundError, match="no words"):
        cached("words", [tmp_path / "absent.txt"], build)
    assert not cache.exists()


# -- pyvi's model through the cache ----------------------------------------------------------


def test_the_cached_model_holds_the_parsed_tables(cache: Path) -> None:
    parsed = parse_tables(model_dir())
    segment_module._load_model.cache_clear()
    try:
        written = segment_module._load_model()  # parses and writes the copy
        assert len(list(cache.glob("pyvi-model-*.marshal"))) == 1
        segment_module._load_model.cache_clear()
        read = segment_module._load_model()  # reads it
    finally:
        segment_module._load_model.cache_clear()
    for model in (written, read):
        tables = (model.weights, model.transitions, model.inside, model.ids, model.base,
                  model.bigram_codes, model.trigram_heads, model.trigram_codes)  # fmt: skip
        assert tables == parsed
        assert (model.bigrams, model.trigrams) == read_ngrams(model_dir() / "words.txt")


SENTENCES = [
    "Ban Chỉ đạo 35 thành phố Hải Phòng",
    "UBND tỉnh Quảng Ninh vừa phê duyệt quy hoạch khu công nghiệp Đông Mai",
    "Giá xăng dầu trong nước tăng lần thứ ba liên tiếp, theo Bộ Công Thương.",
    "HLV Park Hang-seo gọi 30 cầu thủ lên đội tuyển U23 Việt Nam",
]


def _segment_in_fresh_process(env: dict[str, str]) -> str:
    code = (
        "import json, sys\nfrom searchkit.text.segment import tokenize_like_pyvi\n"
        f"print(json.dumps([tokenize_like_pyvi(s) for s in {SENTENCES!r}], ensure_ascii=False))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, encoding="utf-8", check=True)
    return done.stdout


def test_fresh_processes_segment_alike_with_and_without_the_copy(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    writing = _segment_in_fresh_process(env)  # parses the model, writes the copy
    assert list((tmp_path / "xdg" / "searchkit").glob("pyvi-model-*.marshal"))
    reading = _segment_in_fresh_process(env)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    without = _segment_in_fresh_process({**env, "XDG_CACHE_HOME": str(blocker)})
    assert writing == reading == without
    assert "Chỉ_đạo" in reading


# -- the organization tables through the cache -----------------------------------------------


@pytest.mark.parametrize("folded", [False, True])
def test_the_cached_admin_units_are_the_parsed_ones(cache: Path, folded: bool) -> None:
    from searchkit.text.orgs import lexicon

    parsed = lexicon._load_units(lexicon._preparer(folded))
    written = lexicon.Lexicon(folded)._units  # parses and writes the copy
    assert len(list(cache.glob("orgs-admin_units-*.marshal"))) == 1
    read = lexicon.Lexicon(folded)._units
    assert written == read == parsed
    east = "dong" if folded else "đông"
    assert lexicon.Lexicon(folded).unit_prefixes >= {(east,), (east, "anh")}


@pytest.mark.parametrize("folded", [False, True])
@pytest.mark.parametrize(("table", "load"), [("heads", "_load_heads"), ("fields", "_load_fields")])
def test_the_cached_heads_and_fields_are_the_parsed_ones(cache: Path, folded: bool, table: str, load: str) -> None:
    from searchkit.text.orgs import lexicon

    abbreviations: set[str] = set()
    values, forms = getattr(lexicon, load)(lexicon._preparer(folded), abbreviations)
    written = getattr(lexicon.Lexicon(folded), f"_{table}")
    assert len(list(cache.glob(f"orgs-{table}-*.marshal"))) == 1
    read = getattr(lexicon.Lexicon(folded), f"_{table}")
    assert written == read == (values, forms, frozenset(abbreviations))
    # one object per row, shared by all its spellings' keys, as when parsed
    assert len({id(v) for v in read[0].values()}) == len({id(v) for v in values.values()})


@pytest.mark.parametrize("folded", [False, True])
def test_the_cached_entry_tables_are_the_parsed_ones(cache: Path, folded: bool) -> None:
    from searchkit.text.orgs import lexicon

    prep = lexicon._preparer(folded)
    ptypes = lexicon._load_entries("place_types.tsv", 1, prep)
    parsed = {
        "_quals": lexicon._load_entries("qualifiers.tsv", 1, prep),
        "_ptypes": ptypes,
        "_places": lexicon._load_places(prep, ptypes[0]),
        "_countries": lexicon._load_entries("countries.txt", None, prep),
    }
    for table, expected in parsed.items():
        written = getattr(lexicon.Lexicon(folded), table)
        read = getattr(lexicon.Lexicon(folded), table)
        assert written == read == expected, table
    assert len(list(cache.glob("orgs-*.marshal"))) == 4
