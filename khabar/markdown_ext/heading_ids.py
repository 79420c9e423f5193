"""Every id of a page body, decided in one place: fragment ids for headings, Persian
letters kept (#پیشینه-خبر), unique per page, never one the theme gives its own elements
nor a footnote's (a heading "fn 1" would take #fn-1).

Two passes. `HeadingIdsTreeprocessor` runs after footnotes and attr_list: ids already in
the tree (footnotes', a writer's `{#id}`) are reserved first, then each heading takes its
own (`slug`, `slug-1`, ...). `IdCollector` runs last of all, after any extension a site
enabled, and keeps only ids that are unique and not the theme's; what it keeps, by tag,
is the only ids the sanitiser lets through: an id written in raw HTML (which never
reaches the tree) cannot take the theme's `main`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from .. import text
from .base import PageExtension, visible_text

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_VALID_ID = re.compile(r"[^ \t\n\f\r]+")  # HTML: at least one character, no ASCII space


class HeadingIdsTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, extension: HeadingIdsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: Element) -> None:
        taken = set(self.extension.reserved)
        headings: list[Element] = []
        for element in root.iter():
            if element.tag in HEADINGS:
                headings.append(element)
            elif (ident := element.get("id")) is not None:
                if ident in taken or not _VALID_ID.fullmatch(ident):
                    del element.attrib["id"]
                else:
                    taken.add(ident)
        seen: dict[str, int] = {}
        for heading in headings:
            given = heading.attrib.pop("id", None)  # `## Title {#anchor}` with attr_list
            slug = given if given and _VALID_ID.fullmatch(given) else text.slugify(
                visible_text(self.md, heading))
            n = seen.get(slug, 0)
            ident = slug if n == 0 else f"{slug}-{n}"
            while ident in taken:
                n += 1
                ident = f"{slug}-{n}"
            seen[slug] = n + 1
            taken.add(ident)
            heading.set("id", ident)


class IdCollector(Treeprocessor):
    """The last word on ids in the tree: the first of two equal ids keeps it."""

    def __init__(self, md: Markdown, extension: HeadingIdsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: Element) -> None:
        kept: set[str] = set()
        allowed: set[tuple[str, str]] = set()
        for element in root.iter():
            ident = element.get("id")
            if ident is None:
                continue
            if ident in kept or ident in self.extension.reserved or \
                    not _VALID_ID.fullmatch(ident) or not isinstance(element.tag, str):
                del element.attrib["id"]
                continue
            kept.add(ident)
            allowed.add((element.tag, ident))
        self.extension.ids = frozenset(allowed)


class HeadingIdsExtension(PageExtension):
    """`reserved`: ids no element of a body may take (the theme's). After each render,
    `ids` holds the (tag, id) pairs the body's tree gave."""

    def __init__(self, reserved: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reserved = frozenset(reserved)
        self.ids: frozenset[tuple[str, str]] = frozenset()

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)  # md.reset() calls reset()
        # after attr_list (8), before toc (5): toc keeps the ids it finds
        md.treeprocessors.register(HeadingIdsTreeprocessor(md, self), "khabar-heading-ids", 6)
        md.treeprocessors.register(IdCollector(md, self), "khabar-ids", -100)

    def reset(self) -> None:
        self.ids = frozenset()
