"""The units of a segmented body: what the model sees, and what each placeholder stands for.

A text read by segment_inline.py is a list of nodes: plain text, opaque items (kept verbatim)
and spans (markup kept round text that is read on). `Units.add_nodes` flattens them into one
`Unit`: the text with a numbered placeholder `[n]` per item and per end of a span, and the
table of tokens that says what each number stands for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Span:
    kind: str  # "em", "strong", "del", "link"
    open: str
    close: str
    children: tuple[Node, ...]
    label: str = ""


Node = Text | Opaque | Span


class Units:
    """The units of one document, collected while it is read (local to one `segment` call)."""

    def __init__(self) -> None:
        self.items: list[Unit] = []

    def add_nodes(self, nodes: Sequence[Node]) -> int:
        return self._append(_flatten(nodes, plain=False))

    def add_plain(self, text: str) -> int:
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
        return self._append(_flatten(nodes, plain=True))

    def _append(self, unit: Unit) -> int:
        self.items.append(unit)
        return len(self.items) - 1


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
                add(Token("opaque", raw, 0, ancestors, node.kind, alt_unit=node.alt_unit))
            else:
                index = len(tokens)
                opened = add(Token("open", node.open))
                walk(node.children, ancestors | {opened})
                closed = add(Token("close", node.close, opened, ancestors, node.kind))
                tokens[index] = Token(
                    "open", node.open, closed, ancestors, node.kind, link_label=node.label
                )

    walk(nodes, frozenset())
    text = "".join(parts).strip()
    return Unit(text, tuple(tokens), translatable=letters, plain=plain)
