"""Table column alignment as a class (`align-left`): Python-Markdown writes it as a
`style` (or an obsolete `align`), and the sanitiser lets no style through."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.treeprocessors import Treeprocessor

from .base import PageExtension

_STYLE = re.compile(r"^\s*text-align:\s*(left|center|right)\s*;?\s*$")
_ALIGNS = ("left", "center", "right")


class TableAlignTreeprocessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for tag in ("th", "td"):
            for cell in root.iter(tag):
                align = cell.attrib.pop("align", None)
                style = cell.get("style")
                if style is not None and (m := _STYLE.match(style)):
                    align = m.group(1)
                    del cell.attrib["style"]
                if align in _ALIGNS:
                    given = cell.get("class")
                    cell.set("class", f"{given} align-{align}" if given else f"align-{align}")


class TableAlignExtension(PageExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(TableAlignTreeprocessor(md), "khabar-table-align", 3)
