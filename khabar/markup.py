"""Markdown to safe HTML: Python-Markdown for structure, nh3 (an allowlist) for safety.

Content is data, never a template: nothing in an article is evaluated by Jinja2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from xml.etree import ElementTree

import markdown
import nh3
from markdown.extensions.toc import TocExtension
from markdown.treeprocessors import Treeprocessor
from markdown.util import STX

from . import text

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
    "code", "em", "strong", "b", "i", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "sup", "sub", "div", "span", "del", "s", "abbr", "dl", "dt", "dd", "figure", "figcaption",
    "bdi", "small", "mark", "q", "cite",
}
_ATTRS = {
    "*": {"id", "class", "dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
    "abbr": set(),
}
_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dt", "dd")
_TAG_RE = re.compile(r"<[^>]+>")
_FOOTNOTE_REF = re.compile(r"<sup[^>]*>.*?</sup>", re.S)


@dataclass(frozen=True)
class Rendered:
    html: str
    first_paragraph: str  # plain text: the summary when the front matter gives none


class _Direction(Treeprocessor):
    """Marks blocks written mostly in the other script with their own direction.

    Not `dir=auto` on every block: a Persian sentence that starts with a Latin name would
    then be laid out left-to-right. Only a block whose strong letters are mostly of the
    other direction (an English quote in a Persian story) gets an explicit `dir`.
    """

    def __init__(self, md: markdown.Markdown, page_dir: str) -> None:
        super().__init__(md)
        self.page_dir = page_dir

    def run(self, root: ElementTree.Element) -> None:
        for el in root.iter():
            if el.tag in _BLOCKS and el.get("dir") is None:
                content = "".join(el.itertext())
                if STX in content:  # a stashed block (code, raw HTML): not prose
                    continue
                own = text.dominant_direction(content)
                if own is not None and own != self.page_dir:
                    el.set("dir", own)


class MarkdownRenderer:
    """One Python-Markdown instance per direction, reset between documents (not shared
    across processes or threads)."""

    def __init__(self) -> None:
        self._md: dict[str, markdown.Markdown] = {}

    def _instance(self, page_dir: str) -> markdown.Markdown:
        md = self._md.get(page_dir)
        if md is None:
            md = markdown.Markdown(extensions=[
                "tables", "footnotes", "fenced_code", "attr_list", "sane_lists",
                TocExtension(slugify=lambda value, _sep: text.slugify(value), toc_depth="2-4"),
            ], output_format="html")
            md.treeprocessors.register(_Direction(md, page_dir), "khabar-direction", 1)
            self._md[page_dir] = md
        return md

    def render(self, body: str, page_dir: str = "rtl") -> Rendered:
        md = self._instance(page_dir)
        md.reset()
        html = sanitize(md.convert(body))
        return Rendered(html=html, first_paragraph=first_paragraph(html))


def sanitize(html: str) -> str:
    """Allowlist cleaning: no script, no on* attribute, no javascript:/data: URL survives."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


def first_paragraph(html: str) -> str:
    html = _FOOTNOTE_REF.sub("", html)
    m = re.search(r"<p[^>]*>(.*?)</p>", html, re.S)
    return plain(m.group(1)) if m else ""


def plain(html: str) -> str:
    """Visible text of an HTML fragment, one line."""
    return text.clean_line(unescape(_TAG_RE.sub("", html)))


def shorten(value: str, limit: int = 280) -> str:
    """Cut at a word boundary, for summaries and descriptions."""
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ،,.;:؛") + "…"
