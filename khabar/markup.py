"""Markdown to safe HTML: Python-Markdown for structure, nh3 (an allowlist) for safety.

The dialect is Python-Markdown's, with tables, footnotes, fenced code and sane lists
always on, and the extensions a site enables (`markdown:` in site.yaml) besides: the one
static generators in Python speak, and one a site can extend. It differs from CommonMark
in places a writer coming from GitHub meets (a list needs a blank line before it, a
nested list four spaces): `khabar.dialect` finds those in a body. Khabar's own work on a
body (direction of other-script blocks, heading ids, table alignment) is done on the
element tree by the extensions in `khabar.markdown_ext`; whatever any extension emits,
the sanitiser has the last word.
Content is data, never a template: nothing in an article is evaluated by Jinja2.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import unescape
from types import MappingProxyType
from typing import Any

import markdown
import nh3
from markdown.treeprocessors import InlineProcessor

from . import text
from .config import MarkdownSettings as MarkdownSettings  # re-exported: defined with config
from .markdown_ext import (
    DirectionExtension,
    HeadingIdsExtension,
    PageExtension,
    TableAlignExtension,
)

# Python-Markdown extensions every body is read with (a translation segmenter reads bodies
# the same way); Khabar's own (markdown_ext) come on top.
BUILTIN_EXTENSIONS: tuple[str, ...] = ("tables", "footnotes", "fenced_code", "sane_lists")
# Footnote ids as #fn-1 / #fnref-1; no backlink title: it would be English on every page.
BUILTIN_CONFIGS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "footnotes": MappingProxyType({"SEPARATOR": "-", "BACKLINK_TITLE": ""}),
})

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
    "code", "em", "strong", "b", "i", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "sup", "sub", "div", "span", "del", "s", "ins", "abbr", "dl", "dt", "dd", "figure",
    "figcaption", "bdi", "small", "mark", "q", "cite", "section", "kbd",
}
_ATTRS = {
    "*": {"id", "class", "dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
# Ids the default theme gives its own elements: no element of a body may take one.
THEME_IDS = frozenset({"main"})
_TAG_RE = re.compile(r"<[^>]+>")
_FOOTNOTE_REF = re.compile(r"<sup[^>]*>.*?</sup>", re.S)
_ID = re.compile(r' id="([^"]*)"')
_A_TAG = re.compile(r"<a\b[^>]*>")
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r' alt="([^"]*)"')
_LANG_VALUE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^-?[0-9]{1,9}$")
_SIZE = re.compile(r"^[0-9]{1,5}$")
# What a body must keep when an extension is tried (`extension_problem`).
_PROBE = "Note: kept\n\n## Heading\n\nText[^1].\n\n[^1]: note\n"
_PROBE_IDS = ('id="heading"', 'id="fn-1"', 'id="fnref-1"')


@dataclass(frozen=True)
class Rendered:
    html: str
    first_paragraph: str  # plain text: the summary when the front matter gives none


def _unique_ids(html: str) -> str:
    """The first element with an id keeps it; a later one (the same id written in raw
    HTML on the same tag) loses it: a page with one id twice is not valid HTML."""
    seen: set[str] = set()

    def keep(m: re.Match[str]) -> str:
        if m.group(1) in seen:
            return ""
        seen.add(m.group(1))
        return m.group(0)

    return _ID.sub(keep, html)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's filter of allowed attributes: values the HTML standard accepts, or none.
    No ids: those a body may have are the renderer's to give (`MarkdownRenderer`);
    an empty title (a footnote backlink's) says nothing."""
    if name == "id":
        return None
    if name == "dir":
        return value if value in ("ltr", "rtl", "auto") else None
    if name == "lang":
        return value if _LANG_VALUE.match(value) else None
    if name == "start":  # Python-Markdown reads `۳.` as item 3, and says so in Persian
        value = text.ascii_digits(value)
        return value if _INTEGER.match(value) else None
    if name in ("width", "height"):
        return value if _SIZE.match(value) else None
    if name == "title":
        return value or None
    return value


def _valid_tags(html: str) -> str:
    """What the allowlist leaves that HTML still forbids: rel without href (a link whose
    javascript: target was removed), an img without src, or without alt."""
    if "<a" in html:
        html = _A_TAG.sub(lambda m: m.group(0) if " href=" in m.group(0)
                          else m.group(0).replace(' rel="noopener noreferrer"', ""), html)
    if "<img" in html:
        html = _IMG_TAG.sub(_valid_img, html)
    return html


def _valid_img(m: re.Match[str]) -> str:
    """An img whose src was removed shows its alt text, as a browser shows a broken
    image's; one without alt gets an empty one (decorative, as far as anyone said)."""
    tag = m.group(0)
    alt = _ALT.search(tag)
    if " src=" not in tag:
        return alt.group(1) if alt else ""
    return tag if alt else tag[:4] + ' alt=""' + tag[4:]


def _cleaner(attribute_filter: Callable[[str, str, str], str | None]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )


class MarkdownRenderer:
    """Renders article bodies with one `markdown.Markdown`, reset between bodies: make
    one per process (or thread), not one per article; building one loads every
    extension."""

    def __init__(self, settings: MarkdownSettings | None = None) -> None:
        settings = settings or MarkdownSettings()
        self._ids = HeadingIdsExtension(reserved=THEME_IDS)
        self._page: tuple[PageExtension, ...] = (
            DirectionExtension(), self._ids, TableAlignExtension())
        names = [*BUILTIN_EXTENSIONS,
                 *(n for n in dict.fromkeys(settings.extensions) if n not in BUILTIN_EXTENSIONS)]
        configs = {name: dict(settings.extension_configs.get(name, {})) for name in names}
        for name, fixed in BUILTIN_CONFIGS.items():  # Khabar's options win: ids depend on them
            configs[name].update(fixed)
        self._md = markdown.Markdown(
            extensions=[*names, *self._page],
            extension_configs={k: v for k, v in configs.items() if v},
            output_format="html")
        # The inline pass looks a pattern up by index in a Registry, which checks it is
        # sorted at every lookup: a fifth of a body's time. Its patterns are all registered
        # by now, so it gets them as a tuple, in the same order.
        inline = self._md.treeprocessors["inline"]
        if isinstance(inline, InlineProcessor):
            inline.inlinePatterns = tuple(self._md.inlinePatterns)  # type: ignore[assignment]
        # per renderer: its filter lets through the ids of the body being rendered
        self._clean = _cleaner(self._attribute).clean

    def _attribute(self, tag: str, name: str, value: str) -> str | None:
        if name == "id":
            return value if (tag, value) in self._ids.ids else None
        return _attribute(tag, name, value)

    def render(self, body: str, page_dir: str = "rtl") -> Rendered:
        for extension in self._page:
            extension.page_dir = page_dir
        body, aside = _set_aside(body)
        try:
            html = self._md.reset().convert(body)
        except RecursionError:  # lists nested some 250 deep: shown as text, not a traceback
            self._md.parser.state.clear()  # the parser's nesting, left where it stopped
            html = _as_text(body)
        if aside:
            html = _put_back(html, aside)
        html = _valid_tags(text.strip_controls(self._clean(html)))
        if ' id="' in html:
            html = _unique_ids(html)
        return Rendered(html=html, first_paragraph=first_paragraph(html))


# Python-Markdown looks for the end of every `[` it meets: a paragraph of thousands takes
# seconds to minutes (2,000: 0.7 s; 4,000: 2.9 s). Past this many, a block is shown as
# written, escaped, without going through it (dialect.notes tells the writer).
BRACKETS_PER_BLOCK = 1000
_BLOCKS = re.compile(r"(\n[ \t]*\n)")
_CROWDED = "\ue000{}\ue000"  # private-use marks: no letters, so no direction of its own


def crowded_blocks(body: str) -> list[tuple[bool, str]] | None:
    """The body cut at blank lines (separators kept: joined, they give it back), each part
    with whether the renderer sets it aside: more than BRACKETS_PER_BLOCK `[`. None when
    no block is (most bodies: one count). The one rule for the renderer, the segmenter
    and the dialect notes."""
    if body.count("[") <= BRACKETS_PER_BLOCK:
        return None
    return [(part.count("[") > BRACKETS_PER_BLOCK, part) for part in _BLOCKS.split(body)]


def _set_aside(body: str) -> tuple[str, list[str]]:
    """`body` with each crowded block replaced by a marker, and those blocks."""
    parts = crowded_blocks(body)
    if parts is None:
        return body, []
    aside: list[str] = []
    out: list[str] = []
    for crowded, block in parts:
        if crowded:
            out.append(_CROWDED.format(len(aside)))
            aside.append(block)
        else:
            out.append(block)
    return "".join(out), aside


def _put_back(html: str, aside: list[str]) -> str:
    for i, block in enumerate(aside):
        html = html.replace(_CROWDED.format(i), html_lib.escape(block.strip()), 1)
    return html


def _as_text(body: str) -> str:
    """A body Python-Markdown cannot read, as escaped paragraphs."""
    return "".join(f"<p>{html_lib.escape(block.strip())}</p>"
                   for block in re.split(r"\n\s*\n", body) if block.strip())


def extension_problem(name: str, config: Mapping[str, Any]) -> str | None:
    """Why the Python-Markdown extension `name` with options `config` cannot be used, in
    one sentence for an error message; None when it loads and renders a test body."""
    try:
        MarkdownRenderer(MarkdownSettings((name,)))
    except ImportError as exc:
        missing = getattr(exc, "name", None) or name.split(":", 1)[0]
        return f"is not installed (no module named '{missing}')"
    except (AttributeError, TypeError):
        return "is not a Python-Markdown extension (its module has no makeExtension)"
    except Exception as exc:  # an extension's own constructor: any error it likes
        return f"fails to load: {_reason(exc)}"
    try:
        renderer = MarkdownRenderer(MarkdownSettings((name,), {name: config}))
    except KeyError as exc:
        return f"has no option {exc.args[0]!r}" if exc.args else "has an unknown option"
    except Exception as exc:
        return f"refuses its options: {_reason(exc)}"
    try:
        html = renderer.render(_PROBE, "ltr").html
    except Exception as exc:
        return f"fails on a test text: {_reason(exc)}"
    if "Note: kept" not in html:
        return ("drops text from the start of a body, as `meta` does (Khabar reads metadata "
                "from the front matter)")
    if not all(sign in html for sign in _PROBE_IDS):
        return ("changes the ids Khabar gives footnotes and headings, as `extra` does "
                "(list the parts you want instead: abbr, attr_list, def_list, md_in_html)")
    return None


def _reason(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


# Without ids: for HTML that has no renderer behind it.
_CLEAN = _cleaner(_attribute).clean


def sanitize(html: str) -> str:
    """Allowlist cleaning: no script, no on* attribute, no javascript:/data: URL survives."""
    return _CLEAN(html)


# `<p>` or `<p attrs>`, not `<pre>`
_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)</p>", re.S)


def first_paragraph(html: str) -> str:
    m = _PARAGRAPH.search(html)
    return plain(_FOOTNOTE_REF.sub("", m.group(1))) if m else ""


def plain(html: str) -> str:
    """Visible text of an HTML fragment, one line."""
    return text.clean_line(unescape(_TAG_RE.sub("", html)))


def shorten(value: str, limit: int = 280) -> str:
    """Cut at a word boundary, for summaries and descriptions."""
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ،,.;:؛") + "…"
