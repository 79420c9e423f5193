"""Markdown-aware segmentation: only prose reaches the translator, the rest is carried round it.

`segment` cuts a Markdown body into blocks the way cmark-gfm (khabar/markup.py) parses it:
CommonMark's block algorithm (containers continued line by line, lazy continuation, list item
indentation, the seven kinds of HTML block, setext headings, fences inside lists and quotes)
plus GFM's tables and footnote definitions. Paragraphs, headings, list items, quotes, table
cells and footnotes give translation units: their inline text, one unit per paragraph or cell,
so a sentence is never cut at a link.

Inside a unit, everything that must not be translated (code spans, GFM's bare URLs, `www.` names
and e-mail addresses, autolinks, inline HTML, hard breaks, footnote markers, images) becomes one
placeholder `[n]`, and each emphasis, strikethrough or link becomes a pair of placeholders around
its text (`[1]text[2]`). Bracketed ASCII digits survive sentencepiece models well (they are common
in the training data as citation marks); on the way back `⟦n⟧`, `【n】`, spaces inside the
brackets and Persian digits are accepted too.

`Document.render` re-applies the markup. What the model lost is handled per placeholder:

* an opaque item missing from the output is appended at the end; a duplicate is dropped;
* an emphasis or link pair that is missing, duplicated, reversed, or nests differently than in
  the source is dropped, its text kept as plain text; a dropped link is appended at the end of
  the unit as `[host](same target)` so that no link is ever lost;
* text from the model is always escaped, so it can add no markup, block or link (autolinks
  included) of its own; a paragraph whose rebuilt line would open another block (a tag or
  footnote marker moved to its start) falls back to the source text.

Containers are written back with their own markers and indentation and only the lines of one
paragraph are joined, so the output has the same block structure as the source even where this
parser and cmark-gfm differ on an edge case.
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

_ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_AUTOLINK_RE = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>")
_AUTOMAIL_RE = re.compile(
    r"<[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*>"
)
_HTML_RE = re.compile(
    r"(?:<[A-Za-z][A-Za-z0-9-]*"
    r"(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>|<!---?>|<!--(?:(?!--).)*-->|<\?.*?\?>|<![A-Za-z][^>]*>"
    r"|<!\[CDATA\[.*?\]\]>)",
    re.S,
)
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
# GFM's extended autolinks: bare URLs and `www.` names, and bare e-mail addresses.
_URL_RE = re.compile(r"(?:(?:https?|ftp)://|www\.)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*[^\s<]*", re.I)
_EMAIL_RE = re.compile(r"(?:mailto:|xmpp:)?[A-Za-z0-9.+_-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
_URL_BEFORE = frozenset(" \t\n*_~(")
_FOOTREF_RE = re.compile(r"\[\^[^\]\s]+\]")


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
    kind: str = ""  # "url" for a bare URL or e-mail address, whose ends must stay clear


def _past_escape_or_tag(s: str, i: int) -> int | None:
    """Where a backslash escape, autolink or inline HTML tag starting at `i` ends (their
    brackets and backticks are not Markdown); None when none starts there."""
    if s[i] == "\\":
        return i + 2
    if s[i] == "<" and (m := _AUTOLINK_RE.match(s, i) or _HTML_RE.match(s, i)):
        return m.end()
    return None


def _code_spans(s: str) -> dict[int, int]:
    """Start → end of code spans, found left to right as CommonMark does: an escaped backtick
    opens none, a tag or autolink met first hides the backticks in it."""
    spans: dict[int, int] = {}
    i = 0
    while i < len(s):
        if (past := _past_escape_or_tag(s, i)) is not None:
            i = past
            continue
        c = s[i]
        if c == "`":
            j = i
            while j < len(s) and s[j] == "`":
                j += 1
            run = s[i:j]
            k = j
            while (k := s.find(run, k)) != -1:
                end = k + len(run)
                if end < len(s) and s[end] == "`":
                    while end < len(s) and s[end] == "`":
                        end += 1
                    k = end
                    continue
                spans[i] = end
                break
            i = spans.get(i, j)
            continue
        i += 1
    return spans


def _match_bracket(s: str, start: int, spans: dict[int, int]) -> int | None:
    """Index of the `]` closing the `[` at `start` (nesting, escapes and code spans skipped)."""
    depth = 0
    i = start
    while i < len(s):
        if i in spans:
            i = spans[i]
            continue
        if (past := _past_escape_or_tag(s, i)) is not None:
            i = past
            continue
        c = s[i]
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


_TITLE_RE = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)", re.S)


def _match_parens(s: str, start: int) -> tuple[int, str] | None:
    """End of the inline target `(destination "title")` at `start`, and its destination."""
    i = start + 1
    ws = re.compile(r"[ \t]*\n?[ \t]*")
    i = ws.match(s, i).end()  # type: ignore[union-attr]
    if s.startswith("<", i):
        m = re.compile(r"<((?:[^<>\n\\]|\\.)*)>").match(s, i)
        if not m:
            return None
        dest, i = m.group(1), m.end()
    else:
        depth = 0
        j = i
        while j < len(s):
            c = s[j]
            if c == "\\" and j + 1 < len(s) and s[j + 1] in _ESCAPABLE:
                j += 2
                continue
            if c.isspace() or ord(c) < 32:
                break
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            j += 1
        if depth:
            return None
        dest, i = s[i:j], j
    after = ws.match(s, i).end()  # type: ignore[union-attr]
    if after > i and (m := _TITLE_RE.match(s, after)):
        after = ws.match(s, m.end()).end()  # type: ignore[union-attr]
        i = after
    else:
        i = after
    if not s.startswith(")", i):
        return None
    return i + 1, _unescape(dest)


def _ref_key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True)
class _LinkMatch:
    end: int
    text: str
    close: str  # Markdown after the text: "](target)" or "][id]"
    target: str


def _match_link(
    s: str, start: int, spans: dict[int, int], refs: dict[str, str]
) -> _LinkMatch | None:
    """A link (or, after `!`, an image) starting with the `[` at `start`, as CommonMark sees
    it: inline target, full or collapsed reference, or a defined shortcut."""
    close = _match_bracket(s, start, spans)
    if close is None:
        return None
    text = s[start + 1 : close]
    after = close + 1
    if s.startswith("(", after) and (target := _match_parens(s, after)):
        end, url = target
        return _LinkMatch(end, text, s[close:end], url)
    m = re.compile(r"\[((?:[^\\\[\]]|\\.){0,999})\]").match(s, after)
    if m and m.group(1).strip():
        key = _ref_key(m.group(1))
        if key in refs:
            return _LinkMatch(m.end(), text, "][" + m.group(1) + "]", refs[key])
        return None
    key = _ref_key(text)
    if key not in refs:
        return None
    end = m.end() if m else after  # "[]": collapsed
    return _LinkMatch(end, text, "][" + text + "]", refs[key])


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
    """Where the emphasis or strikethrough run `delim` opened before `start` closes, if it does.

    Code spans, links, tags and autolinks are whole to emphasis: CommonMark binds them first.
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


def _inert_urls(nodes: Sequence[_Node]) -> tuple[_Node, ...]:
    """Bare URLs in a link's text, written so that they stay text wherever the model puts
    them: GFM links none inside a link, but would link one moved out of it."""
    out: list[_Node] = []
    for n in nodes:
        if isinstance(n, _Opaque) and n.kind == "url":
            raw = re.sub(r"(?i)^(www)\.", r"\1\\.", re.sub(r":(?=//)", r"\\:", n.raw))
            out.append(_Opaque(raw))
        elif isinstance(n, _Span):
            out.append(_Span(n.kind, n.open, n.close, _inert_urls(n.children), n.label))
        else:
            out.append(n)
    return tuple(out)


def _has_link(nodes: Sequence[_Node]) -> bool:
    return any(isinstance(n, _Span) and (n.kind == "link" or _has_link(n.children)) for n in nodes)


_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_")


def _bare_link(s: str, i: int) -> str | None:
    """A GFM extended autolink (URL, `www.` name, e-mail address) starting at `i`, if any."""
    prev = s[i - 1] if i else " "
    c = s[i]
    if c in "hHfFwW" and (prev in _URL_BEFORE or not (prev.isascii() and prev.isalpha())):
        m = _URL_RE.match(s, i)
        if m and (c in "hHfF" or prev in _URL_BEFORE or prev.isspace()):
            url = _trim_url(m.group())
            if "." in url or "://" in url:
                return url
    if prev not in _LOCAL and c in _LOCAL and "@" in s[i : i + 300]:
        m = _EMAIL_RE.match(s, i)
        if m and m.group()[-1] not in "-_":
            return m.group()
    return None


def _parse_inline(s: str, refs: dict[str, str], units: _Units) -> list[_Node]:
    """Inline Markdown (CommonMark with GFM's extensions) as text, opaque items and spans."""
    nodes: list[_Node] = []
    buf: list[str] = []
    spans = _code_spans(s)

    def flush() -> None:
        if buf:
            nodes.append(_Text("".join(buf)))
            buf.clear()

    def opaque(raw: str, kind: str = "opaque", alt_unit: int | None = None) -> None:
        flush()
        nodes.append(_Opaque(raw.replace("\n", " "), kind, alt_unit))

    i = 0
    while i < len(s):
        c = s[i]
        if i in spans:
            opaque(s[i : spans[i]], "code")
            i = spans[i]
            continue
        if c == "\\" and s.startswith("\n", i + 1):  # a hard line break
            buf[:] = ["".join(buf).rstrip(" ")]
            opaque("<br />", "break")
            i += 2
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
                children = _inert_urls(_parse_inline(link.text, refs, units))
                if not _has_link(children):  # no link inside a link: the inner one wins
                    flush()
                    label = _link_label(link.target)
                    nodes.append(_Span("link", "[", link.close.replace("\n", " "), children, label))
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
        if c.isascii() and c.isalnum() and (url := _bare_link(s, i)):
            opaque(url, "url")
            i += len(url)
            continue
        if c == "\n":
            text = "".join(buf)
            if text.endswith("  "):  # a hard line break, kept as the HTML it stands for
                buf[:] = [text.rstrip(" ")]
                opaque("<br />", "break")
            else:
                buf[:] = [text.rstrip(" "), " "]
            i += 1
            continue
        if c in "*_~":
            j = i
            while j < len(s) and s[j] == c:
                j += 1
            run = j - i
            intraword = c == "_" and i > 0 and (s[i - 1].isalnum() or s[i - 1] == "_")
            sizes = [n for n in (2, 1) if n == run] if c == "~" else [min(run, 3), min(run, 2), 1]
            if not intraword and j < len(s) and not s[j].isspace():
                for n in sorted(set(sizes), reverse=True):
                    end = _find_closer(s, i + n, c * n, spans, refs)
                    if end is None:
                        continue
                    flush()
                    inner = tuple(_parse_inline(s[i + n : end], refs, units))
                    if c == "~":
                        nodes.append(_Span("del", c * n, c * n, inner))
                        i = end + n
                        break
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
    """A bare URL without what GFM leaves out of it: the punctuation ending the sentence round
    it, an unbalanced closing parenthesis, an entity reference."""
    url = url.split("<", 1)[0]
    while url:
        if url[-1] in "?!.,:*_~'\"":
            url = url[:-1]
        elif url.endswith(";"):
            url = (
                re.sub(r"&[A-Za-z0-9]+;$", "", url)
                if re.search(r"&[A-Za-z0-9]+;$", url)
                else url[:-1]
            )
        elif url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
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
    """Model text as inert Markdown: it can add no emphasis, link, code, HTML or block, and no
    GFM autolink either (`http\\://`, `www\\.`, a word joiner after `@`)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([\\`*_~\[\]])", r"\\\1", text)
    text = re.sub(r":(?=//)", r"\\:", text)
    text = re.sub(r"(?i)(?<![A-Za-z0-9])(www)\.", r"\1\\.", text)
    text = re.sub(r"@(?=[A-Za-z0-9_-])", "@\u2060", text)
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
            # A bare URL moved into a link's text would be no link any more: put it after.
            links = [i for i, f in enumerate(frames) if f.number and _is_link(unit, f.number)]
            at = links[0] - 1 if tok.kind == "url" and links else -1
            frames[at].items.append(_Piece(markup_of(x), True, tok.kind))
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
            pieces += [_Piece(" ", False), _Piece(markup_of(number), True, tok.kind)]
        elif tok.role == "open" and tok.kind == "link" and number not in present:
            pieces += [
                _Piece(" ", False),
                _Piece("[", True),
                _Piece(tok.link_label, False),
                _Piece(unit.tokens[tok.pair - 1].markup, True),
            ]
    return _join(pieces, plain=unit.plain, cell=cell), intact


def _is_link(unit: Unit, number: int) -> bool:
    return unit.tokens[number - 1].kind == "link"


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
        if p.kind == "url":
            # GFM reads a bare URL up to the next space: keep model text off both its ends.
            before = "".join(out)[-1:]
            if before and not before.isspace() and before not in "*_~(":
                out.append(" ")
            after = "".join(q.text for q in merged[i + 1 :]).split(" ", 1)[0]
            if after and _bare_link(" " + p.text + after, 1) != p.text:
                out += [p.text, " "]
                continue
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

    kind: Literal["blank", "code", "html", "hr", "reference"]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Paragraph:
    unit: int
    task: str = ""  # a GFM task-list box ("[ ] ", "[x] ") kept in front of the text


@dataclass(frozen=True)
class Heading:
    level: int
    unit: int
    underline: str | None = None  # setext underline; None for `#` headings


@dataclass(frozen=True)
class ListItem:
    marker: str  # "-", "*", "+", "3." or "3)"
    children: tuple[Block, ...]
    width: int = 0  # columns from the marker to the content: continuation lines are indented so


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

_ATX_RE = re.compile(r"(#{1,6})(?:[ \t]+|$)(.*)")
_ATX_CLOSE_RE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE_OPEN_RE = re.compile(r"(`{3,})[^`]*$|(~{3,}).*$")
_FENCE_CLOSE_RE = re.compile(r"(`{3,}|~{3,})[ \t]*$")
_HR_RE = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT_RE = re.compile(r"(=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"([-+*]|\d{1,9}[.)])(?=[ \t]|$)")
_FOOTDEF_RE = re.compile(r"\[\^([^\]\s]+)\]:[ \t]*")
_TASK_RE = re.compile(r"\[[ xX]\](?=[ \t]|$)[ \t]*")
_DELIM_ROW_RE = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_TAG_NAME = r"[A-Za-z][A-Za-z0-9-]*"
_ATTRIBUTE = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_OPEN_TAG = rf"<{_TAG_NAME}{_ATTRIBUTE}*\s*/?>"
_CLOSE_TAG = rf"</{_TAG_NAME}\s*>"
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h1|h2|h3|h4|h5|"
    "h6|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|"
    "option|p|param|section|source|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
# The seven kinds of HTML block: how each starts, and the line that ends it (None: the line
# before a blank one). The seventh cannot interrupt a paragraph.
_HTML_BLOCKS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        re.compile(r"<(?:script|pre|style|textarea)(?:[ \t>]|$)", re.I),
        re.compile(r"</(?:script|pre|style|textarea)>", re.I),
    ),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf"</?(?:{_HTML_BLOCK_TAGS})(?:[ \t>]|/>|$)", re.I), None),
    (re.compile(rf"(?:{_OPEN_TAG}|{_CLOSE_TAG})[ \t]*$"), None),
)
_HTML_RAW_TEXT = re.compile(r"</?(?:script|style|pre|textarea)\b", re.I)
_REFDEF_RE = re.compile(
    r"[ ]{0,3}\[(?=[^\]]*\S)((?:[^\\\[\]]|\\.){1,999})\]:[ \t]*\n?[ \t]*"
    r"(<(?:[^<>\n\\]|\\.)*>|[^\s<][^\s]*)"
    r"(?:(?:[ \t]+\n?|[ \t]*\n)[ \t]*"
    r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t]*(?:\n|$)",
    re.S,
)

_CONTAINERS = frozenset({"doc", "quote", "item", "foot"})


@dataclass(eq=False)
class _N:
    """A block while the document is parsed (local to one `segment` call).

    Leaves keep their lines as they are once the container prefixes are taken off.
    """

    kind: str  # doc quote item foot | para setext atx code fence html hr table blank
    lines: list[str] = field(default_factory=list)
    children: list[_N] = field(default_factory=list)
    open: bool = True
    marker: str = ""  # list marker, fence, footnote label, setext underline
    width: int = 0  # list item: content column; fence: its indentation
    shown: int = 0  # list item: columns from marker to content, as rendered
    end: re.Pattern[str] | None = None  # HTML block end; None: a blank line ends it


def _columns(s: str, col: int) -> tuple[int, int]:
    """Leading whitespace of `s` (which starts at column `col`): its width in columns, tabs
    stopping every 4, and its length in characters."""
    width = 0
    i = 0
    while i < len(s) and s[i] in " \t":
        width += 4 - (col + width) % 4 if s[i] == "\t" else 1
        i += 1
    return width, i


def _advance(s: str, col: int, n: int) -> tuple[str, int]:
    """`s` without `n` columns of leading whitespace; a tab only partly taken leaves the rest of
    its width as spaces, as CommonMark says."""
    i = 0
    c = col
    while c < col + n and i < len(s) and s[i] in " \t":
        if s[i] == "\t":
            stop = c + 4 - c % 4
            if stop > col + n:
                return " " * (stop - col - n) + s[i + 1 :], col + n
            c = stop
        else:
            c += 1
        i += 1
    return s[i:], c


def _close(node: _N) -> None:
    node.open = False
    if node.children:
        _close(node.children[-1])


def _add(container: _N, node: _N) -> _N:
    """`node` as the last child of `container`, whatever was open in it closed."""
    if container.children:
        _close(container.children[-1])
    container.children.append(node)
    return node


def _tip(node: _N) -> _N:
    while node.children and node.children[-1].open:
        node = node.children[-1]
    return node


def _continues(node: _N, s: str, col: int) -> tuple[str, int] | None:
    """The rest of a line that continues the open container `node`, or None."""
    indent, k = _columns(s, col)
    blank = not s.strip()
    if node.kind == "quote":
        if indent > 3 or s[k : k + 1] != ">":
            return None
        rest, c = s[k + 1 :], col + indent + 1
        if rest[:1] == " ":
            return rest[1:], c + 1
        return _advance(rest, c, 1) if rest[:1] == "\t" else (rest, c)
    if blank:
        if node.kind == "item" and not any(c.kind != "blank" for c in node.children):
            return None  # an item may start with at most one blank line
        return "", col + indent
    need = node.width if node.kind == "item" else 4
    return _advance(s, col, need) if indent >= need else None


def _split_row(row: str) -> list[str]:
    """A table row's cells, split the way GFM splits them: on every `|` not escaped, code spans
    included; the outer pipes are borders."""
    row = row.strip(" \t")
    cells: list[str] = []
    start = 0
    i = 0
    while i < len(row):
        if row[i] == "\\":
            i += 2
            continue
        if row[i] == "|":
            cells.append(row[start:i])
            start = i + 1
        i += 1
    cells.append(row[start:])
    if row.startswith("|"):
        cells.pop(0)
    if len(cells) > 1 and row.endswith("|") and not row.endswith("\\|"):
        cells.pop()
    return [c.strip(" \t") for c in cells]


def _add_line(root: _N, line: str) -> None:
    """One line into the tree: CommonMark's algorithm (continue the open containers, open new
    blocks, else continue a paragraph lazily)."""
    s, col = line, 0
    node = root
    matched = True
    while node.children and node.children[-1].open and node.children[-1].kind in _CONTAINERS:
        cont = _continues(node.children[-1], s, col)
        if cont is None:
            matched = False
            break
        s, col = cont
        node = node.children[-1]
    last = node.children[-1] if matched and node.children and node.children[-1].open else None
    indent, k = _columns(s, col)
    if last is not None and last.kind == "fence":
        close = _FENCE_CLOSE_RE.match(s, k) if indent < 4 else None
        if (
            close
            and close.group(1)[0] == last.marker[0]
            and len(close.group(1)) >= len(last.marker)
        ):
            last.open = False
        last.lines.append(s)
        return
    if last is not None and last.kind == "html":
        if last.end is not None or s.strip():
            last.lines.append(s)
            if last.end is not None and last.end.search(s):
                last.open = False
            return
        last.open = False
    if last is not None and last.kind == "code":
        if indent >= 4 or not s.strip():
            last.lines.append(s)
            return
        last.open = False
    maybe_lazy = _tip(root).kind == "para"
    container = node
    while True:
        indent, k = _columns(s, col)
        rest = s[k:]
        here = container is node and matched
        para = last if here and last is not None and last.kind == "para" and last.open else None
        if not rest:
            break
        if indent >= 4:
            if not maybe_lazy:
                _add(container, _N("code", [s]))
                return
            break
        if rest[0] == ">":
            quote = _add(container, _N("quote"))
            s, col = rest[1:], col + indent + 1
            if s[:1] == " ":
                s, col = s[1:], col + 1
            elif s[:1] == "\t":
                s, col = _advance(s, col, 1)
            container = quote
            continue
        if _ATX_RE.match(rest):
            _add(container, _N("atx", [s]))
            return
        if m := _FENCE_OPEN_RE.match(rest):
            _add(container, _N("fence", [s], marker=m.group(1) or m.group(2), width=indent))
            return
        for number, (start, end) in enumerate(_HTML_BLOCKS):
            if start.match(rest) and not (number == 6 and para is not None):
                if number == 6 and _HTML_RAW_TEXT.match(rest):
                    continue
                block = _add(container, _N("html", [s], end=end))
                if end is not None and end.search(rest, 1):
                    block.open = False
                return
        if para is not None and _SETEXT_RE.match(rest) and _split_refdefs(para.lines)[1]:
            para.kind, para.marker, para.open = "setext", rest.rstrip(), False
            return
        if _HR_RE.match(rest):
            _add(container, _N("hr", [s]))
            return
        if m := _FOOTDEF_RE.match(rest):
            foot = _add(container, _N("foot", marker=m.group(1)))
            s, col = rest[m.end() :], col + indent + m.end()
            container = foot
            continue
        if m := _LIST_RE.match(rest):
            marker = m.group(1)
            after = rest[m.end() :]
            if not (para and (not after.strip() or (marker[-1] in ".)" and int(marker[:-1]) != 1))):
                at = col + indent + len(marker)
                spaces, j = _columns(after, at)
                if not after.strip():
                    s, col, width = "", at + 1, len(marker) + 1
                elif spaces >= 5:
                    (s, col), width = _advance(after, at, 1), len(marker) + 1
                else:
                    s, col, width = after[j:], at + spaces, len(marker) + spaces
                container = _add(container, _N("item", marker=marker, width=indent + width))
                container.shown = width
                continue
        if para is not None and _DELIM_ROW_RE.match(rest):
            head = para.lines[-1]
            if len(_split_row(head)) == len(_split_row(rest)) and _split_refdefs(para.lines)[1]:
                para.lines.pop()
                if not para.lines:
                    container.children.pop()
                para.open = False
                container.children.append(_N("table", [head, s]))
                return
        break
    if not s.strip():
        _add(container, _N("blank", [""]))
        return
    tip = _tip(root)
    if container is node and tip.kind == "para" and tip.open:
        tip.lines.append(s)
        return
    if container is node and matched and last is not None and last.kind == "table":
        last.lines.append(s)
        return
    _add(container, _N("para", [s]))


def _split_refdefs(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Link reference definitions at the start of a paragraph, and the lines left after them."""
    text = "\n".join(lines)
    pos = 0
    while m := _REFDEF_RE.match(text, pos):
        pos = m.end()
    used = text[:pos].count("\n") + (1 if pos == len(text) and pos else 0)
    return list(lines[:used]), list(lines[used:])


def _collect_refs(node: _N, refs: dict[str, str]) -> None:
    """Reference definitions anywhere in the document (the first of a label wins)."""
    for child in node.children:
        if child.kind in ("para", "setext"):
            defs = "\n".join(_split_refdefs(child.lines)[0])
            for m in _REFDEF_RE.finditer(defs):
                target = m.group(2)
                target = target[1:-1] if target.startswith("<") else target
                refs.setdefault(_ref_key(m.group(1)), _unescape(target))
        _collect_refs(child, refs)


def _build(node: _N, units: _Units) -> list[Block]:
    """The parse tree as blocks, its text as units, in document order."""
    blocks: list[Block] = []
    for child in node.children:
        kind = child.kind
        if kind in ("para", "setext"):
            defs, body = _split_refdefs(child.lines)
            if defs:
                blocks.append(Verbatim("reference", tuple(defs)))
            if not body:
                continue
            joined = "\n".join(x.lstrip(" \t") for x in body).rstrip(" \t")
            if kind == "setext":
                level = 1 if child.marker.startswith("=") else 2
                blocks.append(Heading(level, units.add_markdown(joined), child.marker))
                continue
            task = ""
            if node.kind == "item" and child is node.children[0] and (m := _TASK_RE.match(joined)):
                task, joined = m.group(), joined[m.end() :]
            blocks.append(Paragraph(units.add_markdown(joined), task.rstrip() + " " * bool(task)))
        elif kind == "atx":
            m = _ATX_RE.match(child.lines[0].lstrip(" \t"))
            assert m
            text = _ATX_CLOSE_RE.sub("", m.group(2).strip(" \t")).strip(" \t")
            blocks.append(Heading(len(m.group(1)), units.add_markdown(text)))
        elif kind in ("code", "fence", "html", "hr", "blank"):
            verbatim = "code" if kind == "fence" else kind
            blocks.append(Verbatim(verbatim, tuple(child.lines)))  # type: ignore[arg-type]
        elif kind == "table":
            header, separator, *rows = child.lines
            count = len(_split_row(header))
            head = TableRow(tuple(units.add_markdown(c) for c in _split_row(header)))
            table_rows = tuple(
                TableRow(tuple(units.add_markdown(c) for c in _split_row(r)[:count])) for r in rows
            )
            blocks.append(Table(head, separator.strip(), table_rows))
        elif kind == "quote":
            blocks.append(BlockQuote(tuple(_build(child, units))))
        elif kind == "item":
            blocks.append(ListItem(child.marker, tuple(_build(child, units)), child.shown))
        elif kind == "foot":
            blocks.append(FootnoteDef(child.marker, tuple(_build(child, units))))
    return blocks


def _parse(lines: Sequence[str]) -> _N:
    root = _N("doc")
    for line in lines:
        _add_line(root, line)
    return root


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
        places = _unit_places(self.blocks)
        restored: list[str] = []
        broken: list[int] = []
        position = 0
        for index, (unit, text) in enumerate(zip(self.inline, texts, strict=True)):
            cell = places.get(index) == "cell"
            out, intact = _restore(unit, text, restored, cell=cell)
            if (not out.strip() and unit.text.strip()) or (
                places.get(index) == "line" and not _plain_line(out)
            ):
                # An empty line would end a list item or merge blocks, and a line that starts
                # with a moved tag or footnote marker could open a block: keep the source.
                out, intact = _restore(unit, unit.text, restored, cell=cell)[0], False
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


def _unit_places(blocks: Sequence[Block]) -> dict[int, str]:
    """Units that are table cells ("cell") or begin a line of their own ("line")."""
    found: dict[int, str] = {}
    for block in blocks:
        if isinstance(block, Table):
            for row in (block.header, *block.rows):
                found.update(dict.fromkeys(row.cells, "cell"))
        elif isinstance(block, Paragraph) or (isinstance(block, Heading) and block.underline):
            found[block.unit] = "line"
        elif isinstance(block, ListItem | BlockQuote | FootnoteDef):
            found |= _unit_places(block.children)
    return found


def _plain_line(text: str) -> bool:
    """Whether `text` on a line of its own is a paragraph, not the start of another block."""
    tree = _parse([text])
    kinds = [child.kind for child in tree.children]
    return kinds == ["para"] and not _split_refdefs(tree.children[0].lines)[0]


def _nest(first: str, rest: str, lines: Sequence[str]) -> list[str]:
    if not lines:
        return [first.rstrip()]
    out = [first + lines[0]]
    out += [(rest + line) if line else "" for line in lines[1:]]
    return out


def _render_block(block: Block, texts: Sequence[str]) -> list[str]:
    if isinstance(block, Verbatim):
        return list(block.lines)
    if isinstance(block, Paragraph):
        return [block.task + texts[block.unit]]
    if isinstance(block, Heading):
        if block.underline is not None:
            return [texts[block.unit] or "\\-", block.underline]
        # A closing run of `#` after a space is dropped from a heading: "C #" keeps its "#".
        text = re.sub(r"(?<!\\)#+$", lambda m: "\\#" * len(m.group()), texts[block.unit])
        return [("#" * block.level + " " + text).rstrip()]
    if isinstance(block, ListItem | FootnoteDef):
        inner = [line for child in block.children for line in _render_block(child, texts)]
        if isinstance(block, ListItem):
            width = max(block.width, len(block.marker) + 1)
            return _nest(block.marker.ljust(width), " " * width, inner)
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
    lines = source.split("\n")
    if final_newline:
        lines.pop()
    tree = _parse(lines)
    refs: dict[str, str] = {}
    _collect_refs(tree, refs)
    units = _Units(refs)
    blocks = _build(tree, units)
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
