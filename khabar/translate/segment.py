"""Markdown-aware segmentation: only prose reaches the translator, the rest is carried round it.

`segment` cuts a Markdown body (Python-Markdown dialect: tables, footnotes, fenced code) into
blocks. Paragraphs, headings, list items, quotes, table cells and footnotes give translation
units: their inline text, one unit per paragraph or cell, so a sentence is never cut at a link.

Inside a unit, everything that must not be translated (code spans, URLs, autolinks, inline HTML,
footnote markers, images) becomes one placeholder `[n]`, and each emphasis or link becomes a
pair of placeholders around its text (`[1]text[2]`). Bracketed ASCII digits survive
sentencepiece models well (they are common in the training data as citation marks); on the way
back `⟦n⟧`, `【n】`, spaces inside the brackets and Persian digits are accepted too.

`Document.render` re-applies the markup. What the model lost is handled per placeholder:

* an opaque item missing from the output is appended at the end; a duplicate is dropped;
* an emphasis or link pair that is missing, duplicated, reversed, or nests differently than in
  the source is dropped, its text kept as plain text; a dropped link is appended at the end of
  the unit as `[host](same target)` so that no link is ever lost;
* text from the model is always escaped, so it can add no markup, block or link of its own.

Block layout is kept line for line (only the lines of one paragraph are joined), so the output
has the same block structure as the source even where this parser and Python-Markdown differ.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

Translator = Callable[[Sequence[str]], list[str]]

# ---------------------------------------------------------------------------------------------
# Placeholders

# What the model may return for `[n]`.
_TOKEN_RE = re.compile(r"[\[⟦【]\s*([0-9۰-۹٠-٩]{1,4})\s*[\]⟧】]")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _placeholder(number: int) -> str:
    return f"[{number}]"


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


# ---------------------------------------------------------------------------------------------
# Inline parsing

_ESCAPABLE = frozenset("\\`*_{}[]()>#+-.!|")
_BACKTICK_RE = re.compile(r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)(.+?)(?<!`)\2(?!`))", re.S)
_AUTOLINK_RE = re.compile(r"<(?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*>")
_AUTOMAIL_RE = re.compile(r"<[^<> !]+@[^@<> ]+>")
_HTML_RE = re.compile(r"<(?:/?[a-zA-Z][^<>@ ]*(?: [^<>]*)?|!--(?:(?!<!--|-->).)*--)>", re.S)
_ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z0-9]+);")
_URL_RE = re.compile(r"https?://[!-~]+")
_FOOTREF_RE = re.compile(r"\[\^[^\]\s]+\]")
_ANGLE_TARGET_RE = re.compile(r"\(\s*<[^<>\n]*>\s*(?:(?:'[^']*'|\"[^\"]*\")\s*)?\)")


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Opaque:
    raw: str
    kind: str = "opaque"
    alt_unit: int | None = None  # images: "![" + alt translation + raw


@dataclass(frozen=True)
class _Span:
    kind: str  # "em", "strong", "link"
    open: str
    close: str
    children: tuple[_Node, ...]
    label: str = ""


_Node = _Text | _Opaque | _Span


@dataclass(frozen=True)
class _Piece:
    text: str
    markup: bool  # True: verbatim Markdown; False: model text, to be escaped


def _code_spans(s: str) -> dict[int, int]:
    """Start → end of code spans: Python-Markdown finds them before anything else."""
    return {m.start(): m.end() for m in _BACKTICK_RE.finditer(s) if m.group(2)}


def _match_bracket(s: str, start: int, spans: dict[int, int]) -> int | None:
    """Index of the `]` closing the `[` at `start` (nesting, escapes and code spans skipped)."""
    depth = 0
    i = start
    while i < len(s):
        if i in spans:
            i = spans[i]
            continue
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _match_parens(s: str, start: int) -> int | None:
    """Index just past the `)` closing the `(` at `start`, with nested parentheses."""
    if m := _ANGLE_TARGET_RE.match(s, start):
        return m.end()
    depth = 0
    quote = ""
    i = start
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if quote:
            if c == quote and re.match(r"\s*\)", s[i + 1 :]):
                quote = ""
        elif c in "\"'" and s[i - 1].isspace():
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c == "\n" and s[i + 1 : i + 2] == "\n":
            return None
        i += 1
    return None


def _ref_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class _LinkMatch:
    end: int
    text: str
    close: str  # Markdown after the text: "](target)" or "][id]"
    target: str


def _match_link(
    s: str, start: int, spans: dict[int, int], refs: dict[str, str]
) -> _LinkMatch | None:
    """A link (or, after `!`, an image) starting with the `[` at `start`, as Python-Markdown
    would see it: inline target, full or collapsed reference, or a defined shortcut."""
    close = _match_bracket(s, start, spans)
    if close is None:
        return None
    text = s[start + 1 : close]
    after = close + 1
    if s.startswith("(", after):
        end = _match_parens(s, after)
        if end is not None:
            inner = s[after + 1 : end - 1].strip()
            if inner.startswith("<"):
                url = inner[1 : inner.find(">")]
            else:
                url = inner.split()[0] if inner.split() else ""
            return _LinkMatch(end, text, s[close:end], url)
    m = re.compile(r"[ ]?(?:\n[ ]*)?\[([^\]]*)\]").match(s, after)
    if m:
        key = _ref_key(m.group(1) or text)
        if key in refs:
            return _LinkMatch(m.end(), text, "][" + (m.group(1) or text) + "]", refs[key])
        return None
    key = _ref_key(text)
    if key in refs and "\n" not in text:
        return _LinkMatch(after, text, "][" + text + "]", refs[key])
    return None


def _link_label(url: str) -> str:
    """A short readable text for a link whose translated text was lost: its host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "link"
    if parts.hostname:
        return parts.hostname.removeprefix("www.")
    if parts.scheme == "mailto":
        return parts.path
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return tail or "link"


def _find_closer(
    s: str, start: int, delim: str, spans: dict[int, int], refs: dict[str, str]
) -> int | None:
    """Where the emphasis run `delim` opened before `start` closes, if it does.

    Code spans, links and tags are whole to emphasis: Python-Markdown finds them first.
    """
    c = delim[0]
    i = start
    while i < len(s):
        if i in spans:
            i = spans[i]
            continue
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == "[" and (link := _match_link(s, i, spans, refs)):
            i = link.end
            continue
        if s[i] == "<" and (tag := _AUTOLINK_RE.match(s, i) or _HTML_RE.match(s, i)):
            i = tag.end()
            continue
        if s[i] == c:
            j = i
            while j < len(s) and s[j] == c:
                j += 1
            if (
                j - i == len(delim)
                and i > start
                and not s[i - 1].isspace()
                and not (c == "_" and j < len(s) and (s[j].isalnum() or s[j] == "_"))
            ):
                return i
            i = j
            continue
        i += 1
    return None


def _parse_inline(s: str, refs: dict[str, str], units: _Units) -> list[_Node]:
    """Inline Markdown as text, opaque items and markup spans."""
    nodes: list[_Node] = []
    buf: list[str] = []
    spans = _code_spans(s)

    def flush() -> None:
        if buf:
            nodes.append(_Text("".join(buf)))
            buf.clear()

    def opaque(raw: str, kind: str = "opaque", alt_unit: int | None = None) -> None:
        flush()
        nodes.append(_Opaque(raw, kind, alt_unit))

    i = 0
    while i < len(s):
        c = s[i]
        if i in spans:
            opaque(s[i : spans[i]], "code")
            i = spans[i]
            continue
        if c == "\\" and i + 1 < len(s) and s[i + 1] in _ESCAPABLE:
            buf.append(s[i + 1])
            i += 2
            continue
        if c == "[":
            m = _FOOTREF_RE.match(s, i)
            if m:
                opaque(m.group(), "footnote")
                i = m.end()
                continue
            link = _match_link(s, i, spans, refs)
            if link:
                flush()
                children = tuple(_parse_inline(link.text, refs, units))
                label = _link_label(link.target)
                nodes.append(_Span("link", "[", link.close, children, label))
                i = link.end
                continue
        if c == "!" and s.startswith("![", i):
            link = _match_link(s, i + 1, spans, refs)
            if link:
                alt = _unescape(link.text)
                if any(ch.isalpha() for ch in alt):
                    opaque(link.close, "image", units.add_plain(alt))
                else:
                    opaque(s[i : link.end], "image")
                i = link.end
                continue
        if c == "<":
            m = _AUTOLINK_RE.match(s, i) or _AUTOMAIL_RE.match(s, i) or _HTML_RE.match(s, i)
            if m:
                opaque(m.group(), "html")
                i = m.end()
                continue
        if c == "&":
            m = _ENTITY_RE.match(s, i)
            if m:
                buf.append(html.unescape(m.group()))
                i = m.end()
                continue
        if c == "h" and (i == 0 or not s[i - 1].isalnum()):
            m = _URL_RE.match(s, i)
            if m:
                url = _trim_url(m.group())
                opaque(url, "url")
                i += len(url)
                continue
        if c == "\n":
            text = "".join(buf)
            if text.endswith("  "):  # a hard line break, kept as the HTML it stands for
                buf[:] = [text.rstrip(" ")]
                opaque("<br />", "break")
            else:
                buf.append(" ")
            i += 1
            continue
        if c in "*_":
            j = i
            while j < len(s) and s[j] == c:
                j += 1
            run = j - i
            intraword = c == "_" and i > 0 and (s[i - 1].isalnum() or s[i - 1] == "_")
            if not intraword and j < len(s) and not s[j].isspace():
                for n in sorted({min(run, 3), min(run, 2), 1}, reverse=True):
                    end = _find_closer(s, i + n, c * n, spans, refs)
                    if end is None:
                        continue
                    flush()
                    inner = tuple(_parse_inline(s[i + n : end], refs, units))
                    if n == 3:
                        inner = (_Span("em", "*", "*", inner),)
                    kind = "em" if n == 1 else "strong"
                    mark = "*" if n == 1 else "**"
                    nodes.append(_Span(kind, mark, mark, inner))
                    i = end + n
                    break
                else:
                    buf.append(s[i:j])
                    i = j
                continue
            buf.append(s[i:j])
            i = j
            continue
        buf.append(c)
        i += 1
    flush()
    return nodes


def _trim_url(url: str) -> str:
    """A bare URL without the punctuation that ends the sentence around it."""
    while url and url[-1] in ".,;:!?'\"*_":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def _unescape(text: str) -> str:
    text = re.sub(r"\\([\\`*_{}\[\]()>#+\-.!|])", r"\1", text)
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text)


# ---------------------------------------------------------------------------------------------
# Units


class _Units:
    """The units of one document, collected while it is parsed (local to one `segment` call)."""

    def __init__(self, refs: dict[str, str]) -> None:
        self.refs = refs
        self.items: list[Unit] = []

    def add_markdown(self, text: str) -> int:
        nodes = _parse_inline(text, self.refs, self)
        return self._append(_flatten(nodes, plain=False))

    def add_plain(self, text: str) -> int:
        nodes: list[_Node] = []
        pos = 0
        for m in _URL_RE.finditer(text):
            if m.start() < pos or (m.start() and text[m.start() - 1].isalnum()):
                continue
            url = _trim_url(m.group())
            nodes += [_Text(text[pos : m.start()]), _Opaque(url, "url")]
            pos = m.start() + len(url)
        nodes.append(_Text(text[pos:]))
        return self._append(_flatten(nodes, plain=True))

    def _append(self, unit: Unit) -> int:
        self.items.append(unit)
        return len(self.items) - 1


def _flatten(nodes: Sequence[_Node], *, plain: bool) -> Unit:
    """Nodes as the text the model sees, with the table of what each placeholder stands for."""
    parts: list[str] = []
    tokens: list[Token] = []
    letters = False

    def add(token: Token) -> int:
        tokens.append(token)
        parts.append(_placeholder(len(tokens)))
        return len(tokens)

    def walk(items: Sequence[_Node], ancestors: frozenset[int]) -> None:
        nonlocal letters
        for node in items:
            if isinstance(node, _Text):
                text = re.sub(r"\s+", " ", node.text)
                letters = letters or any(ch.isalpha() for ch in text)
                pos = 0
                for m in _TOKEN_RE.finditer(text):  # literal "[3]" in the source
                    parts.append(text[pos : m.start()])
                    raw = m.group() if plain else _escape(m.group())
                    add(Token("opaque", raw, ancestors=ancestors, kind="literal"))
                    pos = m.end()
                parts.append(text[pos:])
            elif isinstance(node, _Opaque):
                add(Token("opaque", node.raw, 0, ancestors, node.kind, alt_unit=node.alt_unit))
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


# ---------------------------------------------------------------------------------------------
# Restoring a unit


def _escape(text: str, *, cell: bool = False) -> str:
    """Model text as inert Markdown: it can add no emphasis, link, code, HTML or block."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    if cell:
        text = text.replace("|", "&#124;")
    return text


def _escape_line_start(text: str) -> str:
    """Escape what would start a block if this text began a line."""
    if not text:
        return text
    if m := re.match(r"\d+(?=[.)])", text):
        return m.group() + "\\" + text[m.end() :]
    if text[:1] in "#>+-":
        return "\\" + text
    if text[:1] == "=":
        return "&#61;" + text[1:]
    if text[:1] == "~":
        return "&#126;" + text[1:]
    return text


def _restore(
    unit: Unit, translation: str, alts: Sequence[str], *, cell: bool = False
) -> tuple[str, bool]:
    """The unit's Markdown rebuilt around `translation`, and whether all placeholders held."""
    n = len(unit.tokens)
    seq: list[str | int] = []
    pos = 0
    for m in _TOKEN_RE.finditer(translation):
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

    def markup_of(number: int) -> str:
        tok = unit.tokens[number - 1]
        if tok.alt_unit is not None:
            return "![" + _escape(alts[tok.alt_unit]) + tok.markup
        return tok.markup

    # Build the tree of accepted pairs and render it.
    root = _Group(0)
    frames = [root]
    for x in kept:
        if isinstance(x, str):
            frames[-1].items.append(_Piece(x, False))
            continue
        tok = unit.tokens[x - 1]
        if tok.role == "opaque":
            frames[-1].items.append(_Piece(markup_of(x), True))
        elif tok.role == "open" and x not in rejected:
            group = _Group(x)
            frames[-1].items.append(group)
            frames.append(group)
        elif tok.role == "close" and tok.pair not in rejected:
            frames.pop()
    pieces = _render_tree(unit, root.items)
    present = set(where) - rejected
    for number, tok in enumerate(unit.tokens, start=1):
        if tok.role == "opaque" and number not in present:
            pieces += [_Piece(" ", False), _Piece(markup_of(number), True)]
        elif tok.role == "open" and tok.kind == "link" and number not in present:
            pieces += [
                _Piece(" ", False),
                _Piece("[", True),
                _Piece(tok.link_label, False),
                _Piece(unit.tokens[tok.pair - 1].markup, True),
            ]
    return _join(pieces, plain=unit.plain, cell=cell), intact


@dataclass
class _Group:
    """An accepted markup pair while a unit is rebuilt (local to one `_restore` call)."""

    number: int
    items: list[_Piece | _Group] = field(default_factory=list)


def _render_tree(unit: Unit, items: Sequence[_Piece | _Group]) -> list[_Piece]:
    out: list[_Piece] = []
    for item in items:
        if isinstance(item, _Piece):
            out.append(item)
            continue
        tok = unit.tokens[item.number - 1]
        inner = _merge(_render_tree(unit, item.items))
        empty = all(not p.markup and not p.text.strip() for p in inner)
        if tok.kind == "link":
            if empty:
                inner = [_Piece(tok.link_label, False)]
            out += [_Piece("[", True), *inner, _Piece(unit.tokens[tok.pair - 1].markup, True)]
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
        out += [_Piece(tok.markup, True), *inner, _Piece(tok.markup, True)]
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


def _join(pieces: Sequence[_Piece], *, plain: bool, cell: bool) -> str:
    """Pieces as one line: model text collapsed and escaped, markup as it is."""
    merged = _merge(pieces)
    out: list[str] = []
    for i, p in enumerate(merged):
        if p.markup:
            out.append(p.text)
            continue
        text = re.sub(r"\s+", " ", p.text)
        if plain:
            out.append(text)
            continue
        if not "".join(out).strip():
            text = text.lstrip()
        text = _escape(text, cell=cell)
        if not "".join(out).strip():
            text = _escape_line_start(text)
        if text.endswith("!") and i + 1 < len(merged) and merged[i + 1].text.startswith("["):
            text = text[:-1] + "\\!"  # "![" would start an image
        out.append(text)
    return "".join(out).strip()


# ---------------------------------------------------------------------------------------------
# Blocks


@dataclass(frozen=True)
class Verbatim:
    """Lines kept byte for byte: code, HTML, rules, blank lines, reference definitions."""

    kind: Literal["blank", "code", "html", "hr", "reference", "text"]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Paragraph:
    unit: int


@dataclass(frozen=True)
class Heading:
    level: int
    unit: int
    underline: str | None = None  # setext underline; None for `#` headings


@dataclass(frozen=True)
class ListItem:
    marker: str  # "-", "*", "+" or "3."
    children: tuple[Block, ...]


@dataclass(frozen=True)
class BlockQuote:
    children: tuple[Block, ...]


@dataclass(frozen=True)
class TableRow:
    cells: tuple[int, ...]  # unit numbers


@dataclass(frozen=True)
class Table:
    header: TableRow
    separator: str
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class FootnoteDef:
    label: str
    children: tuple[Block, ...]


Block = Verbatim | Paragraph | Heading | ListItem | BlockQuote | Table | FootnoteDef

_FENCE_RE = re.compile(
    r"^(?P<fence>~{3,}|`{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(\"|').*?\2[ ]*)?)$"
)
_ANY_FENCE_RE = re.compile(r"^ {0,3}(~{3,}|`{3,})")
_ATX_RE = re.compile(r"^(#{1,6})(.*?)#*\s*$")
_HR_RE = re.compile(r"^ {0,3}(?:(?:-+ {0,2}){3,}|(?:_+ {0,2}){3,}|(?:\*+ {0,2}){3,})\s*$")
_SETEXT_RE = re.compile(r"^(=+|-+)[ ]*$")
_QUOTE_RE = re.compile(r"^ {0,3}> ?(.*)$")
_LIST_RE = re.compile(r"^ {0,3}([*+-]|\d+\.)[ ]+(.*)$")
_FOOTDEF_RE = re.compile(r"^ {0,3}\[\^([^\]]+)\]:[ ]*(.*)$")
_REFDEF_RE = re.compile(r"^ {0,3}\[([^\[\]]*)\]:[ ]*(\S+)[ ]*(.*)$")
_TITLE_LINE_RE = re.compile(r"^[ ]*(?:\"[^\"]*\"|'[^']*'|\([^()]*\))[ ]*$")
_HTML_START_RE = re.compile(r"^ {0,3}<(!--|[a-zA-Z][a-zA-Z0-9]*)")
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
        "canvas",
        "colgroup",
        "dd",
        "body",
        "dt",
        "group",
        "html",
        "iframe",
        "li",
        "legend",
        "math",
        "map",
        "noscript",
        "output",
        "object",
        "option",
        "progress",
        "script",
        "style",
        "summary",
        "tbody",
        "td",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "tr",
        "video",
        "center",
    ]
)
_VOID_TAGS = frozenset({"hr", "br", "img", "input", "col", "area", "base", "meta", "link"})
_CODE_PIPES_RE = re.compile(r"(?:(\\\\)|(\\`+)|(`+)|(\\\|)|(\|))")
_END_BORDER_RE = re.compile(r"(?<!\\)(?:\\\\)*\|$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_html_start(line: str) -> bool:
    m = _HTML_START_RE.match(line)
    return m is not None and (m.group(1) == "!--" or m.group(1).lower() in _BLOCK_TAGS)


def _interrupts(line: str, top: bool) -> bool:
    """Whether `line` ends a paragraph (Python-Markdown finds these inside a block too)."""
    return bool(
        not line.strip()
        or _ATX_RE.match(line)
        or _HR_RE.match(line)
        or _QUOTE_RE.match(line)
        or _ANY_FENCE_RE.match(line)
        or (top and _is_html_start(line))
        or _FOOTDEF_RE.match(line)
        or _REFDEF_RE.match(line)
        or _SETEXT_RE.match(line)
        # Python-Markdown lets a list line continue a paragraph outside lists; cutting there
        # anyway is harmless, since the line layout is kept.
        or _LIST_RE.match(line)
    )


def _split_cells(row: str, border: bool) -> list[str]:
    """A table row's cells, split the way Python-Markdown's tables extension splits them."""
    row = row.strip(" ")
    if border:
        if row.startswith("|"):
            row = row[1:]
        row = _END_BORDER_RE.sub("", row)
    pipes: list[int] = []
    tics: list[tuple[int, int, int, int]] = []  # size, start, end, escape
    for m in _CODE_PIPES_RE.finditer(row):
        if m.group(2):
            tics.append((len(m.group(2)) - 1, m.start(2), m.end(2) - 1, 1))
        elif m.group(3):
            tics.append((len(m.group(3)), m.start(3), m.end(3) - 1, 0))
        elif m.group(5):
            pipes.append(m.start(5))
    regions: list[tuple[int, int]] = []
    pos = 0
    while pos < len(tics):
        size = tics[pos][0] - tics[pos][3]
        later = [t[0] for t in tics[pos + 1 :]]
        if size and size in later:
            index = later.index(size) + 1
            regions.append((tics[pos][1], tics[pos + index][2]))
            pos += index + 1
        else:
            pos += 1
    good = [p for p in pipes if not any(a <= p <= b for a, b in regions)]
    cells: list[str] = []
    start = 0
    for p in good:
        cells.append(row[start:p].strip())
        start = p + 1
    cells.append(row[start:].strip())
    return cells


def _table_border(header: str) -> bool:
    h = header.strip(" ")
    return h.startswith("|") or _END_BORDER_RE.search(h) is not None


def _is_table(lines: Sequence[str], i: int) -> bool:
    if i + 1 >= len(lines) or not lines[i + 1].strip():
        return False
    border = _table_border(lines[i])
    head = _split_cells(lines[i], border)
    if len(head) < 2 and not border:
        return False
    sep = _split_cells(lines[i + 1], border)
    return len(sep) == len(head) and set("".join(sep)) <= set("|:- ")


def _html_end(lines: Sequence[str], i: int) -> int:
    """End (exclusive) of the raw HTML block starting at line `i`: after the element closes,
    up to the next blank line; the whole rest of the document if it never closes."""
    m = _HTML_START_RE.match(lines[i])
    assert m
    name = m.group(1).lower()
    j = i
    if name == "!--":
        while j < len(lines) and "-->" not in lines[j]:
            j += 1
    elif name not in _VOID_TAGS:
        depth = 0
        opener = re.compile(rf"<{name}(?=[\s/>])[^>]*?(/?)>", re.I)
        closer = re.compile(rf"</{name}\s*>", re.I)
        while j < len(lines):
            depth += sum(1 for o in opener.finditer(lines[j]) if not o.group(1))
            depth -= len(closer.findall(lines[j]))
            if depth <= 0:
                break
            j += 1
    while j < len(lines) and lines[j].strip():
        j += 1
    return min(j, len(lines))


def _container_lines(lines: Sequence[str], i: int, first: str, top: bool) -> tuple[list[str], int]:
    """Content lines of a list item or footnote opening at line `i`: lazy continuation lines,
    and lines indented four spaces (after blank lines too), de-indented."""
    out = [first]
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if not line.strip():
            k = j
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k < len(lines) and _indent(lines[k]) >= 4:
                out += [""] * (k - j)
                j = k
                continue
            break
        if _indent(line) >= 4:
            out.append(line[4:])
        elif _LIST_RE.match(line) or _interrupts(line, top) or not out[-1].strip():
            break
        else:
            out.append(line.lstrip(" "))
        j += 1
    return out, j


def _parse_blocks(
    lines: Sequence[str], raw: Sequence[str], units: _Units, top: bool
) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            blocks.append(Verbatim("blank", ("",)))
            i += 1
            continue
        fence = _FENCE_RE.match(line) if top else _ANY_FENCE_RE.match(line)
        if fence:
            mark = fence.group(1) if not top else fence.group("fence")
            closing = re.compile(rf"^{re.escape(mark)}[ ]*$" if top else rf"^ {{0,3}}{mark}[ ]*$")
            j = next((k for k in range(i + 1, n) if closing.match(lines[k])), None)
            if j is not None:
                blocks.append(Verbatim("code", tuple(raw[i : j + 1])))
                i = j + 1
            else:
                blocks.append(Verbatim("text", (raw[i],)))
                i += 1
            continue
        if top and _is_html_start(line):
            j = _html_end(lines, i)
            blocks.append(Verbatim("html", tuple(raw[i : max(j, i + 1)])))
            i = max(j, i + 1)
            continue
        if _indent(line) >= 4:
            j = i + 1
            while j < n:
                if _indent(lines[j]) >= 4 and lines[j].strip():
                    j += 1
                    continue
                k = j
                while k < n and not lines[k].strip():
                    k += 1
                if k > j and k < n and _indent(lines[k]) >= 4:
                    j = k
                    continue
                break
            blocks.append(Verbatim("code", tuple(raw[i:j])))
            i = j
            continue
        if m := _ATX_RE.match(line):
            blocks.append(Heading(len(m.group(1)), units.add_markdown(m.group(2).strip())))
            i += 1
            continue
        if _HR_RE.match(line):
            blocks.append(Verbatim("hr", (raw[i],)))
            i += 1
            continue
        if m := _FOOTDEF_RE.match(line):
            content, j = _container_lines(lines, i, m.group(2), top)
            children = _parse_blocks(content, content, units, False)
            blocks.append(FootnoteDef(m.group(1), tuple(children)))
            i = j
            continue
        if _REFDEF_RE.match(line):
            j = i + 1
            if j < n and _TITLE_LINE_RE.match(lines[j]):
                j += 1
            blocks.append(Verbatim("reference", tuple(raw[i:j])))
            i = j
            continue
        if _QUOTE_RE.match(line):
            content = []
            j = i
            while j < n:
                if m := _QUOTE_RE.match(lines[j]):
                    content.append(m.group(1))
                elif _interrupts(lines[j], top) or _LIST_RE.match(lines[j]):
                    break
                else:
                    content.append(lines[j])
                j += 1
            blocks.append(BlockQuote(tuple(_parse_blocks(content, content, units, False))))
            i = j
            continue
        if m := _LIST_RE.match(line):
            content, j = _container_lines(lines, i, m.group(2), top)
            children = _parse_blocks(content, content, units, False)
            blocks.append(ListItem(m.group(1), tuple(children)))
            i = j
            continue
        if _is_table(lines, i):
            border = _table_border(lines[i])
            j = i + 2
            while j < n and lines[j].strip():
                j += 1
            header = TableRow(tuple(_cells(lines[i], border, units)))
            rows = tuple(TableRow(tuple(_cells(r, border, units))) for r in lines[i + 2 : j])
            blocks.append(Table(header, lines[i + 1].strip(), rows))
            i = j
            continue
        if i + 1 < n and _SETEXT_RE.match(lines[i + 1]):
            level = 1 if lines[i + 1].lstrip().startswith("=") else 2
            unit = units.add_markdown(line.strip())
            blocks.append(Heading(level, unit, lines[i + 1].strip()))
            i += 2
            continue
        j = i + 1
        while j < n and not _interrupts(lines[j], top):
            if j + 1 < n and _SETEXT_RE.match(lines[j + 1]):
                break
            j += 1
        text = "\n".join(
            x.strip() if k == j - 1 else x.lstrip() for k, x in enumerate(lines[i:j], i)
        )
        blocks.append(Paragraph(units.add_markdown(text)))
        i = j
    return blocks


def _cells(row: str, border: bool, units: _Units) -> list[int]:
    return [units.add_markdown(cell) for cell in _split_cells(row, border)]


def _collect_refs(lines: Sequence[str]) -> dict[str, str]:
    """Reference definitions anywhere in the document: `[text][id]` links need them."""
    refs: dict[str, str] = {}
    for line in lines:
        stripped = re.sub(r"^(?:\s*>)*\s*", "", line)
        m = _REFDEF_RE.match(stripped)
        if m and not stripped.startswith("[^"):
            refs.setdefault(_ref_key(m.group(1)), m.group(2).strip("<>"))
    return refs


# ---------------------------------------------------------------------------------------------
# Document


@dataclass(frozen=True)
class Document:
    """A segmented Markdown body: its blocks, and the inline units their text lives in."""

    blocks: tuple[Block, ...]
    inline: tuple[Unit, ...]
    final_newline: bool

    @property
    def units(self) -> tuple[str, ...]:
        """The texts to translate, in order (placeholders included); text-free units are left
        out and kept as they are."""
        return tuple(u.text for u in self.inline if u.translatable)

    def render(self, translations: Sequence[str]) -> str:
        """Markdown with the same blocks, links and code, its prose replaced by `translations`
        (one per entry of `units`)."""
        return self.render_report(translations)[0]

    def render_report(self, translations: Sequence[str]) -> tuple[str, tuple[int, ...]]:
        """`render`, and the indices (into `units`) of translations whose placeholders did not
        all come back intact, so the caller can log them."""
        wanted = sum(1 for u in self.inline if u.translatable)
        if len(translations) != wanted:
            raise ValueError(f"expected {wanted} translations, got {len(translations)}")
        given = iter(translations)
        texts = [next(given) if u.translatable else u.text for u in self.inline]
        in_cell = _cell_units(self.blocks)
        restored: list[str] = []
        broken: list[int] = []
        position = 0
        for index, (unit, text) in enumerate(zip(self.inline, texts, strict=True)):
            out, intact = _restore(unit, text, restored, cell=index in in_cell)
            if not out.strip() and unit.text.strip():
                # An empty line would end a list item or merge blocks: keep the source.
                out, intact = _restore(unit, unit.text, restored, cell=index in in_cell)[0], False
            if unit.translatable:
                if not intact:
                    broken.append(position)
                position += 1
            restored.append(out)
        lines: list[str] = []
        for block in self.blocks:
            lines += _render_block(block, restored)
        body = "\n".join(lines)
        return body + ("\n" if self.final_newline else ""), tuple(broken)


def _cell_units(blocks: Sequence[Block]) -> set[int]:
    found: set[int] = set()
    for block in blocks:
        if isinstance(block, Table):
            for row in (block.header, *block.rows):
                found.update(row.cells)
        elif isinstance(block, ListItem | BlockQuote | FootnoteDef):
            found |= _cell_units(block.children)
    return found


def _nest(first: str, rest: str, lines: Sequence[str]) -> list[str]:
    if not lines:
        return [first]
    out = [first + lines[0]]
    out += [(rest + line) if line else "" for line in lines[1:]]
    return out


def _render_block(block: Block, texts: Sequence[str]) -> list[str]:
    if isinstance(block, Verbatim):
        return list(block.lines)
    if isinstance(block, Paragraph):
        return [texts[block.unit]]
    if isinstance(block, Heading):
        if block.underline is not None:
            return [texts[block.unit] or "\\-", block.underline]
        # Python-Markdown strips closing hashes: "C#" must not lose its "#".
        text = re.sub(r"(?<!\\)#+$", lambda m: "\\#" * len(m.group()), texts[block.unit])
        return [("#" * block.level + " " + text).rstrip()]
    if isinstance(block, ListItem | FootnoteDef):
        inner = [line for child in block.children for line in _render_block(child, texts)]
        if isinstance(block, ListItem):
            return _nest(block.marker + " ", "    ", inner)
        return _nest(f"[^{block.label}]: ", "    ", inner)
    if isinstance(block, BlockQuote):
        inner = [line for child in block.children for line in _render_block(child, texts)]
        return [f"> {line}" if line else ">" for line in inner] or [">"]
    rows = [block.header, *block.rows]
    out = ["| " + " | ".join(texts[c] for c in row.cells) + " |" for row in rows]
    return [out[0], block.separator, *out[1:]]


def segment(markdown: str) -> Document:
    """Cut a Markdown body into blocks and translation units (see the module docstring)."""
    source = markdown.replace("\r\n", "\n").replace("\r", "\n")
    final_newline = source.endswith("\n")
    raw = source.split("\n")
    if final_newline:
        raw.pop()
    lines = [line.expandtabs(4) for line in raw]
    units = _Units(_collect_refs(lines))
    blocks = _parse_blocks(lines, raw, units, top=True)
    return Document(tuple(blocks), tuple(units.items), final_newline)


def translate_markdown(markdown: str, translate: Translator) -> str:
    """`markdown` with its prose translated in one batch call; structure, code and links kept."""
    doc = segment(markdown)
    units = doc.units
    return doc.render(translate(units) if units else [])


def translate_inline(text: str, translate: Translator) -> str:
    """A plain-text line (title, summary) translated, its URLs kept exactly."""
    units = _Units({})
    unit = units.items[units.add_plain(text)]
    if not unit.translatable:
        return re.sub(r"\s+", " ", text).strip()
    return _restore(unit, translate([unit.text])[0], [])[0]
