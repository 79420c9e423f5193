"""`dir` for blocks written mostly in the other script (an English quotation in a Persian
story), decided on each block's own text.

Not `dir=auto` on every block: a Persian sentence that starts with a Latin name would then
be laid out left-to-right. Only a block whose strong letters are mostly of the other
direction gets an explicit `dir`, compared with the direction it inherits (the page's, or
that of the list item it is nested in).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from .. import text
from .base import PageExtension, only_stashed_html, visible_text, without_placeholders

BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd"})
# Blocks inside an item that are judged on their own, not as part of the item's text.
_OWN_BLOCKS = frozenset({"ul", "ol", "dl", "blockquote", "pre", "table", "div", "p"})
# Elements that hold no block: nothing below them to look at.
_LEAVES = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "pre", "code"})
_DIRS = ("ltr", "rtl")


class DirectionTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, extension: DirectionExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: Element) -> None:
        page = self.extension.page_dir
        other = "ltr" if page == "rtl" else "rtl"
        # most articles are in one script: one look at all the text, and done
        if not text.has_letters_of(other, without_placeholders("".join(root.itertext()))):
            return
        stack: list[tuple[Element, str]] = [(root, page)]
        while stack:  # not recursive: a deeply nested list costs no Python stack
            parent, inherited = stack.pop()
            for element in parent:
                here = self._mark(element, inherited)
                if element.tag not in _LEAVES and len(element):
                    stack.append((element, here))

    def _mark(self, element: Element, inherited: str) -> str:
        """Gives `element` its own `dir` where needed; returns the direction it has."""
        given = element.get("dir")
        if given in _DIRS:
            return given
        if given is not None or element.tag not in BLOCKS or only_stashed_html(element):
            return inherited
        if element.tag in ("li", "dd") and any(child.tag == "p" for child in element):
            return inherited  # a loose item: its paragraphs are judged one by one
        # on the text, not the HTML: `&quot;` around an English quotation is no Latin
        own = text.dominant_direction(visible_text(self.md, element, _OWN_BLOCKS))
        if own is None or own == inherited:
            return inherited
        element.set("dir", own)
        return own


class DirectionExtension(PageExtension):
    """Registers the direction pass after inline parsing and attr_list (a `{dir=ltr}`
    the writer gave is kept)."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(DirectionTreeprocessor(md, self), "khabar-direction", 3)
