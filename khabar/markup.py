"""Markdown to safe HTML: cmark-gfm for structure, nh3 (an allowlist) for safety.

The dialect is CommonMark with GitHub's extensions (tables, footnotes, strikethrough,
autolinks), the Markdown most writers know and the one Hugo's Goldmark speaks. cmark-gfm
is C: about 0.15 ms for a 500-word article where Python-Markdown took 3.6 ms, which
decides how fast a clean build of ten thousand articles can be (see bench/).
Content is data, never a template: nothing in an article is evaluated by Jinja2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from . import text

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
    "code", "em", "strong", "b", "i", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
    "sup", "sub", "div", "span", "del", "s", "abbr", "dl", "dt", "dd", "figure", "figcaption",
    "bdi", "small", "mark", "q", "cite", "section",
}
_ATTRS = {
    "*": {"id", "class", "dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
# Ids the default theme gives its own elements: a heading must not take one.
THEME_IDS = frozenset({"main"})
_OPTIONS = Options.CMARK_OPT_FOOTNOTES | Options.CMARK_OPT_UNSAFE  # nh3 does the cleaning
_TAG_RE = re.compile(r"<[^>]+>")
_FOOTNOTE_REF = re.compile(r"<sup[^>]*>.*?</sup>", re.S)
_HEADING = re.compile(r"<h([1-6])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
_ALIGN = re.compile(r'<(th|td) align="(left|center|right)">')
_PRE_LANG = re.compile(r'<pre lang="([^"]*)"><code>')
_FOOTNOTE_ID = re.compile(r' id="(fn(?:ref)?-[^"]*)"')
_ID = re.compile(r' id="([^"]*)"')
_A_TAG = re.compile(r"<a\b[^>]*>")
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_ALT = re.compile(r' alt="([^"]*)"')
_LANG_VALUE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_INTEGER = re.compile(r"^-?[0-9]{1,9}$")
_SIZE = re.compile(r"^[0-9]{1,5}$")
_BLOCK = re.compile(r"<(p|li|h[1-6]|td|th|dt|dd)(\s[^>]*)?>(.*?)</\1>", re.S)


@dataclass(frozen=True)
class Rendered:
    html: str
    first_paragraph: str  # plain text: the summary when the front matter gives none


def _heading_ids(html: str) -> str:
    """Fragment ids for headings, Persian letters kept (#پیشینه-خبر), unique per page: not
    the theme's ids nor the footnotes' (a heading "fn 1" would take #fn-1)."""
    taken = set(THEME_IDS) | set(_FOOTNOTE_ID.findall(html))
    seen: dict[str, int] = {}

    def add(m: re.Match[str]) -> str:
        slug = text.slugify(plain(m.group(3)))
        n = seen.get(slug, 0)
        ident = slug if n == 0 else f"{slug}-{n}"
        while ident in taken:
            n += 1
            ident = f"{slug}-{n}"
        seen[slug] = n + 1
        taken.add(ident)
        return f'<h{m.group(1)} id="{ident}"{m.group(2)}>{m.group(3)}</h{m.group(1)}>'

    return _HEADING.sub(add, html)


def _unique_ids(html: str) -> str:
    """The first element with an id keeps it; a later one (a footnote id written in raw
    HTML) loses it: a page with one id twice is not valid HTML."""
    seen: set[str] = set()

    def keep(m: re.Match[str]) -> str:
        if m.group(1) in seen:
            return ""
        seen.add(m.group(1))
        return m.group(0)

    return _ID.sub(keep, html)


def _attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's filter of allowed attributes: values the HTML standard accepts, or none.
    Ids only on footnotes (cmark-gfm's); headings get theirs after cleaning, so an id in
    raw HTML can never clash with the theme's or another's."""
    if name == "id":
        return value if (tag == "li" and value.startswith("fn-")) or \
            (tag == "a" and value.startswith("fnref-")) else None
    if name == "dir":
        return value if value in ("ltr", "rtl", "auto") else None
    if name == "lang":
        return value if _LANG_VALUE.match(value) else None
    if name == "start":
        return value if _INTEGER.match(value) else None
    if name in ("width", "height"):
        return value if _SIZE.match(value) else None
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


def _directions(html: str, page_dir: str) -> str:
    """Marks blocks written mostly in the other script with their own direction.

    Not `dir=auto` on every block: a Persian sentence that starts with a Latin name would
    then be laid out left-to-right. Only a block whose strong letters are mostly of the
    other direction (an English quote in a Persian story) gets an explicit `dir`.
    """

    def mark(m: re.Match[str]) -> str:
        attrs = m.group(2) or ""
        if "dir=" in attrs or (m.group(1) == "li" and "<p" in m.group(3)):
            return m.group(0)
        # on the text, not the HTML: `&quot;` around an English quotation is no Latin
        own = text.dominant_direction(unescape(_TAG_RE.sub("", m.group(3))))
        if own is None or own == page_dir:
            return m.group(0)
        return f'<{m.group(1)}{attrs} dir="{own}">{m.group(3)}</{m.group(1)}>'

    return _BLOCK.sub(mark, html)


class MarkdownRenderer:
    """Renders article bodies; stateless, safe to use from any process."""

    def render(self, body: str, page_dir: str = "rtl") -> Rendered:
        html = cmarkgfm.github_flavored_markdown_to_html(body, options=_OPTIONS)
        if "<t" in html:  # GFM's table alignment: align="" is obsolete HTML, a class is not
            html = _ALIGN.sub(r'<\1 class="align-\2">', html)
        if "<pre lang=" in html:  # ```lang: a language of code, not a BCP 47 language tag
            html = _PRE_LANG.sub(r'<pre><code class="language-\1">', html)
        other = "ltr" if page_dir == "rtl" else "rtl"
        if text.has_letters_of(other, _TAG_RE.sub("", html)):  # most articles: one script
            html = _directions(html, page_dir)
        html = _valid_tags(text.strip_controls(sanitize(html)))
        if "<h" in html:
            html = _heading_ids(html)
        if ' id="' in html:
            html = _unique_ids(html)
        return Rendered(html=html, first_paragraph=first_paragraph(html))


# One sanitizer, its allowlists converted once (a third faster than nh3.clean per call).
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRS,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
    attribute_filter=_attribute,
)


def sanitize(html: str) -> str:
    """Allowlist cleaning: no script, no on* attribute, no javascript:/data: URL survives."""
    return _CLEANER.clean(html)


_PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.S)


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
