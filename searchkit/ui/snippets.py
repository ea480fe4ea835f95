"""Render a :class:`~searchkit.search.highlight.Snippet`: HTML, rich text for the terminal, JSON.

All three are exported from :mod:`searchkit`. rich is imported only when :func:`to_rich` runs.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from searchkit.search.highlight import ORG, Snippet, Span, SpanKind, full_highlight
from searchkit.search.results import snippet_json

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["MATCH_STYLE", "ORG_STYLE", "legend", "to_html", "to_json", "to_rich"]

#: Rich style of query words (``to_rich``'s default).
MATCH_STYLE = "bold black on yellow"
#: Rich style of organization names (``to_rich``'s default); a match inside a name has both.
ORG_STYLE = "underline cyan"

# Control characters rich.text.Text would strip (shifting every offset after them): shown as spaces.
_RICH_CONTROLS = dict.fromkeys([*range(9), *range(11, 32), 127], " ")
# An org and a match over the same range: the org is the outer tag, and is styled first.
_KIND_ORDER = {"org": 0, "match": 1}


def _valid_spans(snippet: Snippet) -> list[Span]:
    """The snippet's spans clipped to its text (a hand-made Snippet may hold anything)."""
    n = len(snippet.text)
    if all(s.end <= n for s in snippet.spans):
        return [s for s in snippet.spans if s.start < s.end]
    return list(full_highlight(snippet.text, snippet.spans).spans)


def _nested(text: str, spans: list[Span]) -> list[Span]:
    """Split each match that crosses an organization name at the name's edge, so that tags
    nest; a piece never starts or ends with whitespace."""
    def trimmed(a: int, b: int, kind: SpanKind) -> list[Span]:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        return [Span(a, b, kind)] if a < b else []

    orgs = [t for s in spans if s.kind == ORG for t in trimmed(s.start, s.end, s.kind)]
    out = list(orgs)
    for span in (s for s in spans if s.kind != ORG):
        crossing = [o for o in orgs if (o.start < span.start < o.end < span.end) or (span.start < o.start < span.end < o.end)]
        cuts = sorted({p for o in crossing for p in (o.start, o.end) if span.start < p < span.end})
        for a, b in zip([span.start, *cuts], [*cuts, span.end], strict=True):
            out.extend(trimmed(a, b, span.kind))
    return out


def to_html(snippet: Snippet) -> str:
    """Render a snippet as HTML: escaped text, ``<mark>`` for matches, ``<mark class="org">``.

    CSS classes: a match is a bare ``mark`` (style ``mark:not(.org)``), an organization name
    is ``mark.org``, and a match inside a name is ``mark.org mark``. Tags always nest: a match
    that crosses a name's edge is split there. No tag starts or ends with whitespace.

    Args:
        snippet: The snippet to render.

    Returns:
        An HTML fragment (no ``<`` or ``&`` from the text is left unescaped).

    >>> to_html(Snippet("Ban Chỉ đạo <b>", (Span(0, 11, "org"), Span(4, 11, "match"))))
    '<mark class="org">Ban <mark>Chỉ đạo</mark></mark> &lt;b&gt;'
    >>> to_html(Snippet("a b c", (Span(0, 3, "org"), Span(2, 5, "match"))))
    '<mark class="org">a <mark>b</mark></mark> <mark>c</mark>'
    """
    text = snippet.text
    spans = _nested(text, _valid_spans(snippet))
    if not spans:
        return html.escape(text)
    points = sorted({p for s in spans for p in (s.start, s.end)})
    starting: dict[int, list[Span]] = {}
    for span in spans:
        starting.setdefault(span.start, []).append(span)
    out: list[str] = []
    stack: list[Span] = []
    pos = 0
    for point in points:
        out.append(html.escape(text[pos:point]))
        pos = point
        reopen: list[Span] = []
        if any(s.end == point for s in stack):
            while any(s.end == point for s in stack):
                span = stack.pop()
                out.append("</mark>")
                if span.end != point:
                    reopen.append(span)
        for span in sorted(reopen + starting.get(point, []), key=lambda s: (-s.end, _KIND_ORDER[s.kind])):
            stack.append(span)
            out.append('<mark class="org">' if span.kind == ORG else "<mark>")
    out.append(html.escape(text[pos:]))
    out.extend("</mark>" for _ in stack)
    return "".join(out)


def to_rich(
    snippet: Snippet, *, match_style: str = MATCH_STYLE, org_style: str = ORG_STYLE
) -> Text:
    """Render a snippet as :class:`rich.text.Text` for the terminal.

    Organization names are styled first and matches on top, so where they overlap both show
    (the match colours with the org underline). Control characters other than tab and line
    feed are shown as spaces (rich would drop them and shift the spans).

    Args:
        snippet: The snippet to render.
        match_style: Rich style of matches.
        org_style: Rich style of organization names.

    Returns:
        A Text whose plain text is ``snippet.text`` (control characters aside), spans at the
        same offsets.

    >>> text = to_rich(Snippet("Ban Chỉ đạo", (Span(4, 11, "match"),)))
    >>> text.plain, [(s.start, s.end, str(s.style)) for s in text.spans]
    ('Ban Chỉ đạo', [(4, 11, 'bold black on yellow')])
    """
    from rich.text import Text  # rich is only needed when rendering for a terminal

    rendered = Text(snippet.text.translate(_RICH_CONTROLS))
    spans = _valid_spans(snippet)
    for span in sorted(spans, key=lambda s: _KIND_ORDER[s.kind]):
        rendered.stylize(org_style if span.kind == ORG else match_style, span.start, span.end)
    return rendered


def legend(*, console_markup: bool = True) -> str:
    """One line saying what the highlight colours mean, for a footer or a help text.

    Args:
        console_markup: Style the samples with rich console markup (for ``Console.print``);
            False gives plain text (for a README or a terminal without colour).

    Returns:
        The legend line.

    >>> legend(console_markup=False)
    'Legend: yellow = your query words (or an alias of them) · cyan underline = organization name · both = your words inside a name'
    """
    if not console_markup:
        return (
            "Legend: yellow = your query words (or an alias of them) · cyan underline = organization name"
            " · both = your words inside a name"
        )
    return (
        f"Legend: [{MATCH_STYLE}]query words[/] · [{ORG_STYLE}]organization name[/]"
        f" · [{ORG_STYLE}]name with [{MATCH_STYLE}]your words[/] inside[/]"
    )


def to_json(snippet: Snippet) -> dict[str, Any]:
    """Render a snippet as a JSON-ready dict (the shape of the snippets in ``SearchResults.to_json()``).

    Args:
        snippet: The snippet to render.

    Returns:
        ``{"text": ..., "spans": [{"start": ..., "end": ..., "kind": ...}, ...]}``.

    >>> to_json(Snippet("Ban Chỉ đạo", (Span(4, 11, "match"),)))
    {'text': 'Ban Chỉ đạo', 'spans': [{'start': 4, 'end': 11, 'kind': 'match'}]}
    """
    return snippet_json(snippet)
