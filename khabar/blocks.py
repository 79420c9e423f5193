"""A rendered body's top-level blocks (paragraphs, headings, lists, quotes, tables, the
footnotes): the units a translation keeps from its source, by which the bilingual view
sets the two side by side."""

from __future__ import annotations

from html.parser import HTMLParser
from itertools import pairwise

# elements without a closing tag (HTML's void elements): they open no level
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


class _Splitter(HTMLParser):
    """Finds where each top-level element starts and ends in the HTML it is fed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = 0
        self.spans: list[tuple[int, int]] = []  # (line, column) where each block starts
        self.starts: list[tuple[int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.starts.append(self.getpos())
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.starts.append(self.getpos())

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)


def split(html: str) -> list[str]:
    """The top-level blocks of sanitised body HTML, each as it is written. Text outside
    any element (there is none in what the renderer makes) stays with the block before
    it."""
    parser = _Splitter()
    parser.feed(html)
    parser.close()
    lines = html.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    cuts = [offsets[line - 1] + column for line, column in parser.starts]
    if not cuts:
        return [html.strip()] if html.strip() else []
    cuts[0] = 0
    bounds = [*cuts, len(html)]
    return [html[a:b].strip() for a, b in pairwise(bounds) if html[a:b].strip()]
