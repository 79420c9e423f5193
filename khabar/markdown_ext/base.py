"""What Khabar's extensions share: the page direction, and an element's visible text."""

from __future__ import annotations

import re
from collections.abc import Collection
from html import unescape
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.util import AMP_SUBSTITUTE, ETX, HTML_PLACEHOLDER_RE, STX

# A character escaped with a backslash (`\*`), until Python-Markdown's unescape step.
_ESCAPED = re.compile(f"{STX}([0-9]+){ETX}")
# Any other placeholder (the footnote backlink's "zz1337...qq"): no text a reader sees.
_PLACEHOLDER = re.compile(f"{STX}[^{ETX}]*{ETX}")
_TAG = re.compile(r"<[^>]*>")


class PageExtension(Extension):
    """An extension whose work depends on the page: the renderer sets `page_dir` before
    each convert, on the instance (a worker renders Persian and English pages alike)."""

    page_dir: str = "rtl"


def visible_text(md: Markdown, element: Element, skip: Collection[str] = ()) -> str:
    """The text a reader sees in `element`, inline HTML and entities resolved (`&quot;`
    is a quotation mark, not four Latin letters); children whose tag is in `skip` (a
    nested list) are left out, their tails kept."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in skip:
            parts.extend(child.itertext())
        parts.append(child.tail or "")
    found = "".join(parts)
    if STX in found:  # `&` of an entity written by an extension (toc's `&para;`)
        found = found.replace(AMP_SUBSTITUTE, "&")
    if "&" in found:
        found = unescape(found)
    if STX not in found:
        return found
    stash = md.htmlStash.rawHtmlBlocks

    def stashed(m: re.Match[str]) -> str:
        index = int(m.group(1))
        item = stash[index] if index < len(stash) else ""
        return unescape(_TAG.sub("", item)) if isinstance(item, str) else "".join(
            item.itertext())

    found = HTML_PLACEHOLDER_RE.sub(stashed, found)
    return _PLACEHOLDER.sub("", _ESCAPED.sub(lambda m: chr(int(m.group(1))), found))


def without_placeholders(found: str) -> str:
    """Text with Python-Markdown's placeholders dropped (for a quick look at letters)."""
    return _PLACEHOLDER.sub("", found) if STX in found else found


def only_stashed_html(element: Element) -> bool:
    """A paragraph that stands for a block of raw HTML: Python-Markdown swaps the whole
    `<p>PLACEHOLDER</p>` for that HTML, so it must keep no attribute of its own."""
    return not len(element) and element.text is not None and \
        HTML_PLACEHOLDER_RE.fullmatch(element.text.strip()) is not None
