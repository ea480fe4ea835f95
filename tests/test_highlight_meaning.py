"""Issue #12 on the example articles: highlights keep the difference between the words of a
query and an organization name, phrases and free text expand organization aliases, and an
unquoted ``org:`` value takes only the words that name a body. Each example is checked
through the API, the command line (``--json``) and the REPL.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from searchkit import Hit, Index, Snippet, build_index, fold, org_aliases, to_html
from searchkit.search.plan import build_plan
from searchkit.search.query import parse_query
from searchkit.text.terms import span_terms
from searchkit.ui.cli import main
from searchkit.ui.repl import Repl
from searchkit.ui.snippets import legend

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "articles"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("meaning") / "index"
    build_index(path, [EXAMPLES], workers=0)
    return path


@pytest.fixture(scope="module")
def ix(index_dir: Path) -> Iterator[Index]:
    index = Index.open(index_dir)
    yield index
    index.close()


def marked(snippet: Snippet, kind: str) -> list[str]:
    return [snippet.text[s.start : s.end] for s in snippet.spans if s.kind == kind]


def spans_of(hit: Hit) -> list[tuple[Snippet, str, str]]:
    """(snippet, kind, text) of every span of a hit's title and snippet."""
    return [(sn, s.kind, sn.text[s.start : s.end]) for sn in (hit.title_snippet, hit.snippet) for s in sn.spans]


def search_json(index_dir: Path, query: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    capsys.readouterr()
    assert main(["search", query, "--index", str(index_dir), "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def repl_output(index: Index, line: str, *, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=color, color_system="standard" if color else None)
    Repl(index, console).handle(line)
    return out.getvalue()


# -- a match covers the typed words, an org the whole name --------------------------------------


def test_ban_chi_dao_35_marks_the_words_not_the_whole_name(ix: Index) -> None:
    hit = next(h for h in ix.search("Ban Chỉ đạo 35").hits if h.id == "haiphong/bcd35-tong-ket-2023.txt")
    title = hit.title_snippet
    assert marked(title, "org") == ["Ban Chỉ đạo 35 thành phố Hải Phòng"]
    assert marked(title, "match") == ["Ban Chỉ đạo 35"]
    for _, kind, text in spans_of(hit):
        assert kind == "org" or "thành phố" not in text


def test_uy_ban_nhan_dan_marks_only_the_alias_in_ubnd_mentions(ix: Index) -> None:
    results = ix.search("Ủy ban nhân dân", limit=10)
    matches = [text for hit in results.hits for _, kind, text in spans_of(hit) if kind == "match"]
    assert "UBND" in matches
    assert not any("thành phố" in m or "Hải Phòng" in m or m.startswith("UBND ") for m in matches)
    orgs = [text for hit in results.hits for _, kind, text in spans_of(hit) if kind == "org"]
    assert any(o.startswith("UBND ") for o in orgs)  # the org span still covers the whole name


def test_no_whitespace_inside_marks_in_html(ix: Index) -> None:
    for query in ("Ban Chỉ đạo 35", "Ủy ban nhân dân", "ban chi dao 35", "uy ban nhan dan tinh quang ninh"):
        for hit in ix.search(query, limit=10).hits:
            for snippet in (hit.snippet, hit.title_snippet):
                rendered = to_html(snippet)
                assert not re.search(r"<mark[^>]*>\s|\s</mark>", rendered), rendered


def test_html_nests_a_match_inside_an_org() -> None:
    from searchkit import Span

    snippet = Snippet("Theo UBND thành phố Hải Phòng", (Span(5, 29, "org"), Span(5, 9, "match")))
    assert to_html(snippet) == 'Theo <mark class="org"><mark>UBND</mark> thành phố Hải Phòng</mark>'


def test_unaccented_common_syllable_lights_only_in_the_typed_sequence(ix: Index) -> None:
    hits = ix.search("ban chi dao 35", limit=10).hits
    for hit in hits:
        for snippet, kind, text in spans_of(hit):
            if kind == "match":
                assert len(span_terms(text)) >= 2 or text.startswith(("UBND", "BCĐ")), (hit.id, text, snippet.text)
    lead = next(h for h in hits if h.id == "haiphong/bcd35-tong-ket-2023.txt")
    assert "Ban Chỉ đạo 35" in marked(lead.snippet, "match")  # the fragment holding the phrase


def test_snippet_prefers_the_phrase_to_repetitions_of_a_syllable(ix: Index) -> None:
    for hit in ix.search("ban chi dao 35", limit=4).hits:
        assert any(fold(m).lower().startswith("ban chi dao") for m in marked(hit.snippet, "match")), hit.snippet.text


# -- aliases everywhere ---------------------------------------------------------------------------


def test_phrase_expands_aliases(ix: Index) -> None:
    saying = set()
    for hit in ix.search("quang ninh", limit=100).hits:
        whole = ix.highlight(hit.id, "")
        if whole is not None and "UBND tỉnh Quảng Ninh" in whole.title.text + whole.body.text:
            saying.add(hit.id)
    assert saying
    found = {h.id for h in ix.search('"Ủy ban nhân dân tỉnh Quảng Ninh"', limit=50).hits}
    assert saying <= found
    back = {h.id for h in ix.search('"UBND tỉnh Quảng Ninh"', limit=50).hits}
    assert saying <= back
    assert {h.id for h in ix.search('"uy ban nhan dan tinh quang ninh"', limit=50).hits} >= saying


def test_unaccented_place_prefers_the_place(ix: Index) -> None:
    top = ix.search("uy ban nhan dan tinh quang ninh", limit=3).hits
    assert top[0].id.startswith("quangninh/")
    assert "UBND tỉnh Quảng Ninh" in [text for _, kind, text in spans_of(top[0]) if kind == "match"]
    for hit in top:  # "ninh" of "an ninh" is not lit alone
        assert not any(text.lower() == "ninh" for _, kind, text in spans_of(hit) if kind == "match")


# -- org: without quotes --------------------------------------------------------------------------


def test_unquoted_org_takes_the_known_name_only(ix: Index) -> None:
    unquoted = [h.id for h in ix.search("org:Ban Chỉ đạo 35 tổng kết").hits]
    quoted = [h.id for h in ix.search('org:"Ban Chỉ đạo 35" tổng kết').hits]
    assert unquoted == quoted
    assert quoted  # every word required: the BCĐ 35 articles that also say "tổng kết"
    assert len(ix.search('org:"Ban Chỉ đạo 35" tổng kết', match="any").hits) == 4
    assert [(c.kind, c.text) for c in parse_query("org:Ban Chỉ đạo 35 tổng kết").clauses] == [
        ("org", "Ban Chỉ đạo 35"),
        ("text", "tổng kết"),
    ]


# -- the command line -----------------------------------------------------------------------------


def test_cli_json_span_kinds_and_offsets(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = search_json(index_dir, "Ủy ban nhân dân", capsys)
    pairs = []
    for hit in data["hits"]:
        text = hit["snippet"]["text"]
        for span in hit["snippet"]["spans"]:
            piece = text[span["start"] : span["end"]]
            assert piece == piece.strip() and piece
            pairs.append((span["kind"], piece))
    assert ("match", "UBND") in pairs
    assert any(kind == "org" and piece.startswith("UBND ") for kind, piece in pairs)


def test_cli_phrase_alias_place_and_unquoted_org(index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    phrase = search_json(index_dir, '"Ủy ban nhân dân tỉnh Quảng Ninh"', capsys)
    assert "quangninh/vinh-ha-long-du-lich.txt" in [h["id"] for h in phrase["hits"]]
    place = search_json(index_dir, "uy ban nhan dan tinh quang ninh", capsys)
    assert place["hits"][0]["id"].startswith("quangninh/")
    unquoted = search_json(index_dir, "org:Ban Chỉ đạo 35 tổng kết", capsys)
    quoted = search_json(index_dir, 'org:"Ban Chỉ đạo 35" tổng kết', capsys)
    assert [h["id"] for h in unquoted["hits"]] == [h["id"] for h in quoted["hits"]]
    assert unquoted["total"] == quoted["total"] >= 1
    bcd = search_json(index_dir, "Ban Chỉ đạo 35", capsys)
    title = next(h["title_snippet"] for h in bcd["hits"] if h["id"] == "haiphong/bcd35-tong-ket-2023.txt")
    kinds = {(s["kind"], title["text"][s["start"] : s["end"]]) for s in title["spans"]}
    assert kinds == {("org", "Ban Chỉ đạo 35 thành phố Hải Phòng"), ("match", "Ban Chỉ đạo 35")}


# -- the REPL -------------------------------------------------------------------------------------


def test_repl_help_has_the_legend(ix: Index) -> None:
    shown = repl_output(ix, ":help")
    assert "Legend:" in shown
    assert "organization name" in shown
    assert "[" not in legend(console_markup=False)


def test_repl_marks_the_alias_inside_the_org(ix: Index) -> None:
    shown = repl_output(ix, "Ủy ban nhân dân", color=True)
    # "UBND" bold black on yellow with the org underline, the rest of the name underlined cyan
    assert re.search(r"\x1b\[1;4;30;43mUBND\x1b\[0m\x1b\[4;36m (tỉnh|thành phố)", shown)
    plain = repl_output(ix, "org:Ban Chỉ đạo 35 tổng kết")
    total = ix.search('org:"Ban Chỉ đạo 35" tổng kết').total
    assert f"{total} result" in plain


def test_repl_open_marks_the_typed_words_only(ix: Index) -> None:
    out = io.StringIO()
    repl = Repl(ix, Console(file=out, width=100, force_terminal=True, color_system="standard"))
    repl.handle("ban chi dao 35")
    repl.handle(":open 1")
    shown = out.getvalue()
    assert "\x1b[1;4;30;43mBan Chỉ đạo 35\x1b[0m\x1b[4;36m thành phố" in shown
    assert "\x1b[1;30;43mban\x1b[0m hành" not in shown


# -- properties -----------------------------------------------------------------------------------

WORDS = [
    "Ban", "Chỉ", "đạo", "35", "ban", "chi", "dao", "Ủy", "ban", "nhân", "dân", "uy", "nhan", "dan", "UBND",
    "HĐND", "tỉnh", "tinh", "Quảng", "Ninh", "quang", "ninh", "thành", "phố", "Hải", "Phòng", "hai", "phong",
    "hành", "hanh", "Thành", "ủy", "thanh", "uy", "Hà", "Nội", "ha", "noi", "tổng", "kết", "TP.HCM", "an",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), st.booleans())
@example(["dan", "TP.HCM", "UBND"], False)  # the place marked in another spelling joins the alias of UBND
def test_marks_never_hold_edge_whitespace_nor_an_untyped_org(ix: Index, words: list[str], quoted: bool) -> None:
    query = " ".join(words)
    if quoted:
        query = f'"{query}"'
    built = build_plan(parse_query(query))
    typed = [t for w in words for t in span_terms(w)]
    named = {span_terms(a) for name in built.orgs for a in (name, *org_aliases(name))}
    named |= built.phrases  # a province or city the query named, in any of its spellings

    def typed_run(keys: tuple[str, ...]) -> bool:
        # an alias of a name or place the query holds, or words the query typed (in any order: "tỉnh UBND")
        return keys in named or set(keys) <= {fold(t) for t in typed} | {k for n in named for k in n}

    for hit in ix.search(query, limit=5).hits:
        for snippet in (hit.snippet, hit.title_snippet):
            matches = [s for s in snippet.spans if s.kind == "match"]
            for span in snippet.spans:
                piece = snippet.text[span.start : span.end]
                assert piece and piece == piece.strip(), (query, span, piece)
            for org in (s for s in snippet.spans if s.kind == "org"):
                if any(m.start <= org.start and org.end <= m.end for m in matches):
                    assert typed_run(span_terms(snippet.text[org.start : org.end])), (query, snippet.text[org.start : org.end])
            assert not re.search(r"<mark[^>]*>\s|\s</mark>", to_html(snippet))
