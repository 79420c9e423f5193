"""The units of a segmented body: what the model sees, and what each placeholder stands for.

A text read by segment_inline.py is a list of nodes: plain text, opaque items (kept verbatim)
and spans (markup kept round text that is read on). `Units.add_nodes` flattens them into one
`Unit`: the text with a numbered placeholder `[n]` per item and per end of a span, and the
table of tokens that says what each number stands for. An image's alt text and a link's or
image's title are plain units of their own (`add_plain`), which the token names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

# What the model may return for `[n]`.
TOKEN_RE = re.compile(r"[\[⟦【]\s*([0-9۰-۹٠-٩]{1,4})\s*[\]⟧】]")
# URLs and e-mail addresses in text: Python-Markdown links none of them, but they are no words to
# translate either.
URL_RE = re.compile(
    r"(?:https?|ftp)://[^\s<>\"]+|www\.[A-Za-z0-9-]+\.[^\s<>\"]+"
    r"|(?:mailto:)?[A-Za-z0-9.+_-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+",
    re.I,
)


@dataclass(frozen=True)
class Title:
    """The title of a link or image: `shown` is the text the page shows (what a line read back
    must give where the title was translated). With a `unit` (its translation), the quoted
    source title is `[start:end]` of the markup that holds it, and the translation is written
    there instead."""

    shown: str
    unit: int | None = None
    start: int = 0
    end: int = 0

    def moved(self, by: int) -> Title:
        """The same title in markup with `by` more characters before it."""
        return replace(self, start=self.start + by, end=self.end + by)


@dataclass(frozen=True)
class Token:
    """What one placeholder of a unit stands for.

    `role` is "opaque" (restored verbatim), "open" or "close" (a markup pair, `pair` being the
    other half's number). `ancestors` are the open-token numbers around it in the source: a
    pair may only come back inside those.
    """

    role: Literal["opaque", "open", "close"]
    markup: str
    pair: int = 0
    ancestors: frozenset[int] = frozenset()
    kind: str = ""
    link_label: str = ""
    alt_unit: int | None = None
    title: Title | None = None  # an image's, or a link's on its close token


@dataclass(frozen=True)
class Unit:
    """One text to translate, with the placeholders it carries."""

    text: str
    tokens: tuple[Token, ...]
    translatable: bool
    plain: bool = False  # restore as plain text (titles, alt text), not escaped Markdown


@dataclass(frozen=True)
class Text:
    text: str
    raw: str | None = None  # its Markdown, where that is not the text (`\*`, `&amp;`)

    @property
    def source(self) -> str:
        return self.text if self.raw is None else self.raw


@dataclass(frozen=True)
class Opaque:
    raw: str
    kind: str = "opaque"
    alt_unit: int | None = None  # images: "![" + alt translation + raw
    title: Title | None = None  # images: in `raw`


@dataclass(frozen=True)
class Span:
    kind: str  # "em", "strong", "del", "link"
    open: str
    close: str
    children: tuple[Node, ...]
    label: str = ""
    title: Title | None = None  # links: in `close`


Node = Text | Opaque | Span


class Units:
    """The units of one document, collected while it is read (local to one `segment` call)."""

    def __init__(self) -> None:
        self.items: list[Unit] = []
        self.tags: list[str] = []  # per unit: the element (or attribute) its text is

    def add_nodes(self, nodes: Sequence[Node], tag: str = "") -> int:
        return self._append(_flatten(nodes, plain=False), tag)

    def add_plain(self, text: str, tag: str = "") -> int:
        """Plain text (a title, an image's alt text): only URLs are kept from the model."""
        nodes: list[Node] = []
        pos = 0
        for m in URL_RE.finditer(text):
            if m.start() and text[m.start() - 1].isalnum():
                continue
            url = trim_url(m.group())
            nodes += [Text(text[pos : m.start()]), Opaque(url, "url")]
            pos = m.start() + len(url)
        nodes.append(Text(text[pos:]))
        return self._append(_flatten(nodes, plain=True), tag)

    def in_order(self, mark: int, index: int) -> None:
        """The units from `mark` to unit `index` (alt texts and titles read while unit `index`
        was: by pattern, not by place) in the order its tokens name them, the source's; any
        no token names (in markup kept whole) last."""
        unit = self.items[index]
        named = [
            n
            for t in unit.tokens
            for n in (t.alt_unit, t.title.unit if t.title else None)
            if n is not None
        ]
        order = [*named, *(n for n in range(mark, index) if n not in named)]
        if order == list(range(mark, index)):
            return
        new = {old: mark + i for i, old in enumerate(order)}
        self.items[mark:index] = [self.items[n] for n in order]
        self.tags[mark:index] = [self.tags[n] for n in order]
        self.items[index] = replace(unit, tokens=tuple(_renumbered(t, new) for t in unit.tokens))

    def drop(self, mark: int) -> None:
        """Forget the units from `mark` on."""
        del self.items[mark:]
        del self.tags[mark:]

    def _append(self, unit: Unit, tag: str) -> int:
        self.items.append(unit)
        self.tags.append(tag)
        return len(self.items) - 1


def _renumbered(token: Token, new: dict[int, int]) -> Token:
    """A token naming units by their `new` numbers."""
    title = token.title
    if title is not None and title.unit is not None:
        title = replace(title, unit=new[title.unit])
    alt = None if token.alt_unit is None else new[token.alt_unit]
    return replace(token, alt_unit=alt, title=title)


def trim_url(url: str) -> str:
    """A URL without the punctuation ending the sentence round it or an unbalanced `)`."""
    while url and (
        url[-1] in "?!.,:;*_~'\"" or (url[-1] == ")" and url.count(")") > url.count("("))
    ):
        url = url[:-1]
    return url


def _flatten(nodes: Sequence[Node], *, plain: bool) -> Unit:
    """Nodes as the text the model sees, with the table of what each placeholder stands for."""
    parts: list[str] = []
    tokens: list[Token] = []
    letters = False

    def add(token: Token) -> int:
        tokens.append(token)
        parts.append(f"[{len(tokens)}]")
        return len(tokens)

    def walk(items: Sequence[Node], ancestors: frozenset[int]) -> None:
        nonlocal letters
        for node in items:
            if isinstance(node, Text):
                text = re.sub(r"\s+", " ", node.text)
                letters = letters or any(ch.isalpha() for ch in text)
                pos = 0
                for m in TOKEN_RE.finditer(text):  # literal "[3]" in the source
                    parts.append(text[pos : m.start()])
                    raw = m.group() if plain else re.sub(r"([\[\]])", r"\\\1", m.group())
                    add(Token("opaque", raw, ancestors=ancestors, kind="literal"))
                    pos = m.end()
                parts.append(text[pos:])
            elif isinstance(node, Opaque):
                raw = node.raw.replace("\n", " ")
                add(Token("opaque", raw, 0, ancestors, node.kind, alt_unit=node.alt_unit,
                          title=node.title))
            else:
                index = len(tokens)
                opened = add(Token("open", node.open))
                walk(node.children, ancestors | {opened})
                closed = add(
                    Token("close", node.close, opened, ancestors, node.kind, title=node.title)
                )
                tokens[index] = Token(
                    "open", node.open, closed, ancestors, node.kind, link_label=node.label
                )

    walk(nodes, frozenset())
    text = "".join(parts).strip()
    return Unit(text, tuple(tokens), translatable=letters, plain=plain)
