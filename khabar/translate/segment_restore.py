"""A unit's Markdown rebuilt round the model's text, whatever the model did to the placeholders.

* an opaque item missing from the output is appended at the end; a duplicate is dropped;
* an emphasis or link pair that is missing, duplicated, reversed, or nests differently than in
  the source is dropped, its text kept as plain text; a dropped link is appended at the end of
  the unit as `[host](same target)` so that no link is ever lost;
* text from the model is always escaped for Python-Markdown, so it can add no markup, block or
  link of its own; a translated link or image title is escaped too, and quoted so that it ends
  where it should and Python-Markdown shows it as it was translated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .segment_units import TOKEN_RE, Node, Opaque, Span, Token, Unit

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Python-Markdown's own escapable characters; an extension adds more (`~` for pymdownx.tilde).
_BASE_ESCAPES = frozenset("\\`*_{}[]()>#+-.!")
# Always escaped in model text: what opens code, emphasis, links, attribute lists, or closes a
# `#` heading.
_ALWAYS = "\\`*_{}[]#"
# What may open a block at the start of a line, here or in a common extension (`:` definition
# lists, `!!!` admonitions, `???` details, `///` blocks, `~~~` fences, `$$` math).
_LINE_START = frozenset(">-+=:!~|%?/$@^")


@dataclass(frozen=True)
class Style:
    """How model text is escaped for one document: the characters its Markdown instance lets a
    backslash escape (ESCAPED_CHARS, extensions included)."""

    escapable: frozenset[str] = _BASE_ESCAPES | {"|"}

    def escape(self, text: str, *, cell: bool = False) -> str:
        """Model text as inert Markdown: no emphasis, link, code, HTML, entity or attribute
        list; in a table cell, no pipe either."""
        extra = "".join(sorted(self.escapable - _BASE_ESCAPES - {" ", "|"}))
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        text = re.sub(f"([{re.escape(_ALWAYS + extra)}])", r"\\\1", text)
        return text.replace("|", "\\|") if cell else text

    def line_start(self, text: str) -> str:
        """Escaped text that could otherwise open a block (list, quote, rule, definition...)
        where it begins a line."""
        if m := re.match(r"\d+(?=[.)])", text):
            return m.group() + "\\" + text[m.end() :]
        if text[:1] in _LINE_START:
            c = text[0]
            return ("\\" + c if c in self.escapable else f"&#{ord(c)};") + text[1:]
        return text


@dataclass(frozen=True)
class _Piece:
    text: str
    markup: bool  # True: verbatim Markdown; False: model text, to be escaped
    kind: str = ""  # "url" for a URL, which model text must not touch
    group: int = 0  # emphasis markup: the pair it belongs to
    tag: str = ""  # emphasis markup: the same as an HTML tag ("<em>", "</em>")
    event: str = ""  # what Python-Markdown should read here: "+em", "-em", "o:code", ...
    title: str | None = None  # a link's close or an image: the translated title it must show


@dataclass
class _Group:
    """An accepted markup pair while a unit is rebuilt (local to one `restore` call)."""

    number: int
    items: list[_Piece | _Group] = field(default_factory=list)


@dataclass(frozen=True)
class Restored:
    text: str  # the unit's Markdown, one line
    intact: bool  # whether every placeholder came back once, in a nesting the source allows
    lead: str  # the markup the line starts with ("" when it starts with text)
    events: tuple[str, ...]  # the inline structure the line should read as (`events`)
    # per link and image, in the order of `events`: the title it should show (None: as it was)
    titles: tuple[str | None, ...] = ()


def events(nodes: Sequence[Node]) -> tuple[str, ...]:
    """The inline structure of read nodes: spans opened and closed, opaque items, in order."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Span):
            out += [f"+{node.kind}", *events(node.children), f"-{node.kind}"]
        elif isinstance(node, Opaque):
            out.append(_event(node.kind, node.raw))
    return tuple(out)


def titles(nodes: Sequence[Node]) -> tuple[str | None, ...]:
    """The title each link and image of read nodes shows (None: none), in the order of their
    events (a link's with its close)."""
    out: list[str | None] = []
    for node in nodes:
        if isinstance(node, Span):
            out += titles(node.children)
            if node.kind == "link":
                out.append(node.title.shown if node.title else None)
        elif isinstance(node, Opaque) and node.kind == "image":
            out.append(node.title.shown if node.title else None)
    return tuple(out)


def _titled(event: str) -> bool:
    """Whether an event is a link's or image's: one with a title (`titles`)."""
    return event in ("-link", "o:image")


def quote_title(text: str, style: Style, *, cell: bool = False) -> str:
    """A translated title as Markdown, quotes included, that Python-Markdown reads back as
    `text`: escaped as model text is (parentheses too, so none can end the link), in `"`, or
    `'` if it has `"` but no `'`, else `"` with its `"` as `&quot;`; a quote that would start
    and end it is written `&quot;`/`&#39;` (Python-Markdown strips such quotes)."""
    body = re.sub(r"([()])", r"\\\1", style.escape(text, cell=cell))
    quote = "'" if '"' in body and "'" not in body else '"'
    if quote in body:
        body = body.replace(quote, "&quot;")
    if body and body[0] in "'\"" and body[-1] == body[0]:
        body = body[:-1] + ("&quot;" if body[0] == '"' else "&#39;")
    return quote + body + quote


def _event(kind: str, raw: str) -> str:
    """An opaque item as an event: its kind and source (an image's alt text aside)."""
    if kind == "literal":
        return ""
    if kind == "image":
        return "o:image"
    return "o:" + ("html" if kind == "break" else kind) + ":" + raw.replace("\n", " ")


def restore(
    unit: Unit,
    translation: str,
    alts: Sequence[str],
    style: Style,
    *,
    cell: bool = False,
    html: bool = False,
) -> Restored:
    """The unit's Markdown rebuilt around `translation` (emphasis as HTML tags if `html`)."""
    n = len(unit.tokens)
    seq: list[str | int] = []
    pos = 0
    for m in TOKEN_RE.finditer(translation):
        number = int(m.group(1).translate(_DIGITS))
        if 1 <= number <= n:
            seq += [translation[pos : m.start()], number]
            pos = m.end()
    seq.append(translation[pos:])
    counts = Counter(x for x in seq if isinstance(x, int))
    intact = all(counts[k] == 1 for k in range(1, n + 1))

    # Keep one copy of each opaque item and only pairs seen once each, open before close.
    seen: set[int] = set()
    kept: list[str | int] = []
    for x in seq:
        if isinstance(x, int):
            tok = unit.tokens[x - 1]
            if tok.role == "opaque":
                if x in seen:
                    continue
                seen.add(x)
            elif counts[x] != 1 or counts[tok.pair] != 1:
                continue
        kept.append(x)
    where = {x: i for i, x in enumerate(kept) if isinstance(x, int)}
    rejected: set[int] = set()
    for x in where:
        tok = unit.tokens[x - 1]
        if tok.role == "open" and where[x] > where[tok.pair]:
            rejected.add(x)
    # A pair may nest only inside pairs it was inside in the source; crossing pairs are cut.
    stack: list[int] = []
    for x in kept:
        if not isinstance(x, int):
            continue
        tok = unit.tokens[x - 1]
        if tok.role == "open" and x not in rejected:
            if stack and stack[-1] not in tok.ancestors:
                rejected.add(x)
            else:
                stack.append(x)
        elif tok.role == "close" and tok.pair not in rejected:
            if stack and stack[-1] == tok.pair:
                stack.pop()
            else:
                rejected.add(tok.pair)
                stack.remove(tok.pair)
    intact = intact and not rejected

    def title_of(tok: Token) -> str | None:
        """The translated title a token's markup is written with (None: its own)."""
        if tok.title is None or tok.title.unit is None:
            return None
        return alts[tok.title.unit] or None

    def markup_of(number: int) -> str:
        tok = unit.tokens[number - 1]
        markup = tok.markup
        if (title := title_of(tok)) is not None and tok.title is not None:
            t = tok.title
            markup = markup[: t.start] + quote_title(title, style, cell=cell) + markup[t.end :]
        if tok.alt_unit is not None:
            return "![" + style.escape(alts[tok.alt_unit], cell=cell) + markup
        return markup

    def piece(number: int, event: str, kind: str = "") -> _Piece:
        """A token's markup as a piece: what Python-Markdown should read there."""
        title = title_of(unit.tokens[number - 1]) if _titled(event) else None
        return _Piece(markup_of(number), True, kind, event=event, title=title)

    root = _Group(0)
    frames = [root]
    for x in kept:
        if isinstance(x, str):
            frames[-1].items.append(_Piece(x, False))
            continue
        tok = unit.tokens[x - 1]
        if tok.role == "opaque":
            frames[-1].items.append(piece(x, _event(tok.kind, tok.markup), tok.kind))
        elif tok.role == "open" and x not in rejected:
            group = _Group(x)
            frames[-1].items.append(group)
            frames.append(group)
        elif tok.role == "close" and tok.pair not in rejected:
            frames.pop()
    pieces = _render_tree(unit, root.items, piece)
    present = set(where) - rejected
    for number, tok in enumerate(unit.tokens, start=1):
        if tok.role == "opaque" and number not in present:
            pieces += [_Piece(" ", False), piece(number, _event(tok.kind, tok.markup), tok.kind)]
        elif tok.role == "open" and tok.kind == "link" and number not in present:
            pieces += [
                _Piece(" ", False),
                _Piece("[", True, event="+link"),
                _Piece(tok.link_label, False),
                piece(tok.pair, "-link"),
            ]
    text, lead, tagged = _join(pieces, style, plain=unit.plain, cell=cell, html=html)
    expected = tuple(
        f"o:html:{p.tag}" if p.group in tagged else p.event for p in pieces if p.event
    )
    shown = tuple(p.title for p in pieces if _titled(p.event))
    return Restored(text, intact, lead, expected, shown)


def _render_tree(
    unit: Unit, items: Sequence[_Piece | _Group], piece: Callable[[int, str], _Piece]
) -> list[_Piece]:
    out: list[_Piece] = []
    for item in items:
        if isinstance(item, _Piece):
            out.append(item)
            continue
        tok = unit.tokens[item.number - 1]
        inner = _merge(_render_tree(unit, item.items, piece))
        empty = all(not p.markup and not p.text.strip() for p in inner)
        if tok.kind == "link":
            if empty:
                inner = [_Piece(tok.link_label, False)]
            out += [_Piece("[", True, event="+link"), *inner, piece(tok.pair, "-link")]
            continue
        if empty:
            out += inner
            continue
        # Emphasis hugs its text: `* x *` is not emphasis, so spaces move outside.
        lead = inner[0].text[: len(inner[0].text) - len(inner[0].text.lstrip())]
        trail = inner[-1].text[len(inner[-1].text.rstrip()) :]
        if not inner[0].markup and lead:
            inner[0] = _Piece(inner[0].text.lstrip(), False)
            out.append(_Piece(" ", False))
        if not inner[-1].markup and trail:
            inner[-1] = _Piece(inner[-1].text.rstrip(), False)
        k = tok.kind
        out += [
            _Piece(tok.markup, True, group=item.number, tag=f"<{k}>", event=f"+{k}"),
            *inner,
            _Piece(tok.markup, True, group=item.number, tag=f"</{k}>", event=f"-{k}"),
        ]
        if not inner[-1].markup and trail:
            out.append(_Piece(" ", False))
    return out


def _merge(pieces: Sequence[_Piece]) -> list[_Piece]:
    """Adjacent model-text pieces as one."""
    merged: list[_Piece] = []
    for p in pieces:
        if merged and not p.markup and not merged[-1].markup:
            merged[-1] = _Piece(merged[-1].text + p.text, False)
        else:
            merged.append(p)
    return merged


def _join(
    pieces: Sequence[_Piece], style: Style, *, plain: bool, cell: bool, html: bool
) -> tuple[str, str, set[int]]:
    """Pieces as one line (model text collapsed and escaped, markup as it is), the markup the
    line starts with, and the emphasis pairs written as HTML tags.

    Emphasis markup next to another `*`, `_` or `~` would join it in one delimiter run, which
    Python-Markdown pairs differently: such a pair is written as HTML tags instead.
    """
    merged = [p for p in _merge(pieces) if p.markup or p.text]
    texts = _texts(merged, style, plain=plain, cell=cell)
    risky: set[int] = set()
    for i, p in enumerate(merged):
        before = "".join(texts[:i])[-1:]
        after = "".join(texts[i + 1 :])[:1]
        if p.group and (html or before in ("*", "_", "~") or after in ("*", "_", "~")):
            risky.add(p.group)
    if risky:
        texts = [p.tag if p.group in risky else t for p, t in zip(merged, texts, strict=True)]
    line = "".join(texts)
    lead = next((t for p, t in zip(merged, texts, strict=True) if p.markup or t.strip()), "")
    first = next((p for p in merged if p.markup or p.text.strip()), None)
    return line.strip(), (lead if first is not None and first.markup else ""), risky


def _texts(merged: Sequence[_Piece], style: Style, *, plain: bool, cell: bool) -> list[str]:
    """Each piece as written: markup as it is, model text collapsed and escaped."""
    out: list[str] = []
    for i, p in enumerate(merged):
        started = bool("".join(out).strip())
        if p.markup:
            if p.kind == "url" and out and not out[-1][-1:].isspace():
                out[-1] += " "  # a URL keeps clear of the words round it
            out.append(p.text)
            if p.kind == "url" and i + 1 < len(merged) and merged[i + 1].text[:1].isalnum():
                out[-1] += " "
            continue
        text = re.sub(r"\s+", " ", p.text)
        if plain:
            out.append(text)
            continue
        if not started:
            text = text.lstrip()
        text = style.escape(text, cell=cell)
        if not started:
            text = style.line_start(text)
        if text.endswith("!") and i + 1 < len(merged) and merged[i + 1].text.startswith("["):
            text = text[:-1] + "\\!"  # "![" would start an image
        out.append(text)
    return out
