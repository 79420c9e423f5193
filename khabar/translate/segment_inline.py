"""Inline Markdown as Python-Markdown reads it, with the source of every match kept.

Python-Markdown's inline pass (treeprocessors.InlineProcessor) is replayed step for step with
the Markdown instance's own patterns, in their order, each match replaced by a placeholder of
the same length, so every pattern (and any a site's extension adds) decides exactly as it does
when the page is rendered. What this pass keeps besides is the source text of each match: code,
HTML, autolinks, footnote references, breaks and anything unknown become one opaque item; a
link, emphasis or strikethrough becomes a span whose markup is kept round its text, which is
read on. A text becomes one `Unit`: prose with a numbered placeholder per item; an image's alt
text and a link's or image's title become units of their own, which the item or span names.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown import util
from markdown.extensions.abbr import AbbrTreeprocessor
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.inlinepatterns import (
    EscapeInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
    dequote,
)
from markdown.treeprocessors import InlineProcessor as InlinePass

from .segment_units import URL_RE, Node, Opaque, Span, Text, Title, Units, trim_url

# Spans whose text is translated, with the markup written round it: `_` emphasis comes back as
# `*`, which Python-Markdown also reads inside a word, where the model may put it.
_SIZES = {"em": 1, "strong": 2, "del": 2}
_MARKUP = {"em": "*", "strong": "**", "del": "~~"}
_COLLAPSED = re.compile(r"\]\s?\[\]")
_ESCAPED = re.compile(f"{util.STX}([0-9]+){util.ETX}")
_URL_GROUP = f"(?P<url>(?i:{URL_RE.pattern}))"
# Opaque items that are part of a text to Python-Markdown (stashed strings, or words and URLs
# this module keeps from the model), not elements of their own.
_IN_TEXT = frozenset({"html", "url", "abbr"})
_URL_ESCAPE = re.compile(r"([\\`*\[\]])")  # in a URL written back, what could open markup
_TITLE_SPACE = LinkInlineProcessor.RE_TITLE_CLEAN  # each space in a title, as getLink reads it


class InlineReader:
    """Reads slot texts with the patterns of one Markdown instance (after its block parse, so
    references, footnotes and abbreviations are known); local to one `segment` call."""

    def __init__(self, md: markdown.Markdown) -> None:
        self.md = md
        self.units: Units | None = None
        self.patterns = list(md.inlinePatterns)
        self.entity = md.inlinePatterns.get_index_for_name("entity") if (
            "entity" in md.inlinePatterns
        ) else -1
        attrs = [p for p in md.treeprocessors if isinstance(p, AttrListTreeprocessor)]
        self.attrs = attrs[0].INLINE_RE if attrs else None
        abbrs = [p for p in md.treeprocessors if isinstance(p, AbbrTreeprocessor)]
        words = sorted((k for k, v in abbrs[0].abbrs.items() if v), key=len, reverse=True) if (
            abbrs
        ) else []
        abbr = rf"|(?P<abbr>\b(?:{'|'.join(map(re.escape, words))})\b)" if words else ""
        self.words = re.compile(_URL_GROUP + abbr)
        self.real: dict[str, Element | str] = {}
        for p in md.treeprocessors:
            if isinstance(p, InlinePass):
                p.stashed_nodes = self.real  # HtmlInlineProcessor reads the stash
        self.stash: dict[str, Node] = {}
        self.raw: dict[str, str] = {}
        self.ancestors: list[str] = []
        self.unsure = False

    def read(
        self, text: str, tag: str, suffix: str = "", units: Units | None = None
    ) -> list[Node] | None:
        """The nodes of `text`, the text of a `tag` element, read with `suffix` after it as the
        renderer reads it; None when a match could not be traced back to its source (a text
        Python-Markdown itself garbles: best left as it is). Image alt texts and link and image
        titles become units of `units`, if given."""
        self.units = units
        for pattern in self.patterns:
            reset = getattr(pattern, "reset", None)
            if callable(reset):  # delimiter processors cache a text's pairs
                reset()
        self.ancestors = [tag]
        self.unsure = False
        for table in (self.stash, self.raw, self.real):
            table.clear()  # placeholders keep their length: four digits
        nodes = self._nodes(self._handle(text + suffix, 0))
        if any(self._second_round(n, 1) for n in nodes if isinstance(n, Span)):
            return None
        if suffix:
            last = nodes[-1] if nodes else None
            if not isinstance(last, Text) or not last.text.endswith(suffix):
                return None
            nodes[-1:] = [Text(last.text[: -len(suffix)])] if last.text != suffix else []
        return None if self.unsure else nodes

    # -- Python-Markdown's inline pass, replayed ------------------------------------------

    def _handle(self, data: str, index: int) -> str:
        if isinstance(data, util.AtomicString):
            return data
        start = 0
        while index < len(self.patterns):
            data, matched, start = self._apply(index, data, start)
            if not matched:
                index += 1
        return data

    def _apply(self, index: int, data: str, start: int) -> tuple[str, bool, int]:
        pattern = self.patterns[index]
        if any(x.lower() in self.ancestors for x in pattern.ANCESTOR_EXCLUDES):
            return data, False, 0
        if not isinstance(pattern, InlineProcessor):  # a legacy pattern: kept whole
            m = pattern.getCompiledRegExp().match(data[start:])
            if not m:
                return data, False, 0
            s = start + len(m.group(1))
            e = len(data) - len(m.groups()[-1])
            if pattern.handleMatch(m) is None:
                return data, True, s
            mine: Node = Opaque(self._expand(data[s:e]))
            holder = self._stash(data[s:e], data[s:e], mine)
            return data[:s] + holder + data[e:], True, s + len(holder)
        for m in pattern.getCompiledRegExp().finditer(data, start):
            node, s_, e_ = pattern.handleMatch(m, data)
            if s_ is not None and e_ is not None:
                break
        else:
            return data, False, 0
        if node is None:
            return data, True, e_
        mine = self._convert(index, pattern, m, node, s_, e_, data)
        holder = self._stash(node, data[s_:e_], mine)
        return data[:s_] + holder + data[e_:], True, s_ + len(holder)

    def _stash(self, real: Element | str, raw: str, mine: Node) -> str:
        key = f"{len(self.stash):04d}"
        self.real[key] = real
        self.stash[key] = mine
        self.raw[key] = self._expand(raw)
        return util.INLINE_PLACEHOLDER % key

    def _expand(self, data: str) -> str:
        """`data` with its placeholders back as the source they stand for."""
        return util.INLINE_PLACEHOLDER_RE.sub(lambda m: self.raw.get(m.group(1), m.group()), data)

    def _process(self, el: Element, index: int, *, own: bool) -> None:
        """Run the later patterns over an element's text (and this one over its tail), as the
        inline pass does for the element a pattern made and its children."""
        if el.text:
            self.ancestors.append(el.tag.lower())
            el.text = self._handle(el.text, index + 1 if own else 0)
            self.ancestors.pop()
        if el.tail:
            el.tail = self._handle(el.tail, index if own else 0)

    def _second_round(self, span: Span, depth: int) -> bool:
        """Whether the inline pass's second round would find more in this span: it runs every
        pattern again over the texts of elements below the top ones and the texts after them
        (a link written inside emphasis inside a link, say). Such a text is left as it is."""
        pieces: list[list[str]] = [[]]
        for node in span.children:
            if isinstance(node, Text):
                pieces[-1].append(node.source)
            elif isinstance(node, Opaque) and node.kind in _IN_TEXT:
                pieces[-1].append(node.raw)
            else:
                if isinstance(node, Span) and self._second_round(node, depth + 1):
                    return True
                pieces.append([])
        for n, piece in enumerate(pieces):
            if piece and (depth > 1 or n > 0):
                units, self.units = self.units, None
                found = self._nodes(self._handle("".join(piece), 0))
                self.units = units
                if any(not isinstance(x, Text) and x.kind not in _IN_TEXT for x in found):
                    return True
        return False

    # -- matches as nodes ----------------------------------------------------------------

    def _convert(
        self,
        index: int,
        pattern: InlineProcessor,
        m: re.Match[str],
        node: Element | str,
        s: int,
        e: int,
        data: str,
    ) -> Node:
        raw = self._expand(data[s:e])
        if "  \n" in raw and not (isinstance(node, Element) and node.tag in ("code", "br")):
            self.unsure = True  # a hard break inside a tag or link: not one line
        if isinstance(node, str):
            escaped = _ESCAPED.fullmatch(node)
            if isinstance(pattern, EscapeInlineProcessor) and escaped:
                return Text(chr(int(escaped.group(1))), raw)
            if index == self.entity:
                return Text(html.unescape(raw), raw)
            return Opaque(raw, "html")
        if isinstance(node.text, util.AtomicString):
            if "\n" in raw and node.tag != "code":
                self.unsure = True  # an autolink over two lines: its target has the line end
            return Opaque(raw, node.tag)
        if node.tag == "br":
            return Opaque("<br />", "break")
        if node.tag in ("a", "img") and isinstance(pattern, LinkInlineProcessor):
            text, _, ok = pattern.getText(data, m.end(0))
            body = m.end(0) + len(text)
            close = data[body:e]
            if not ok or (node.tag == "a" and data[m.end(0) : body] != (node.text or "")):
                self.unsure = True
                return Opaque(raw, node.tag)
            if isinstance(pattern, ReferenceInlineProcessor):
                # Written back as an inline link: the name of a shortcut is its text, which the
                # model translates, and a `][name]` next to other brackets may pair with them.
                target = node.get("href" if node.tag == "a" else "src") or ""
                inline = _inline_target(target, node.get("title"))
                short = (ShortReferenceInlineProcessor, ShortImageReferenceInlineProcessor)
                if inline is not None:
                    close = inline
                elif isinstance(pattern, short) or _COLLAPSED.fullmatch(close):
                    close = "][" + text + "]"
            if "\n" in self._expand(close):  # a target or title over two lines: not one line
                self.unsure = True
            if node.tag == "img":
                alt = node.get("alt") or ""
                plain = util.INLINE_PLACEHOLDER_PREFIX not in text  # no markup read in it
                alt_unit = None
                if self.units is not None and plain and any(ch.isalpha() for ch in alt):
                    alt_unit = self.units.add_plain(alt, "img")
                close, title = self._title(pattern, close, node.get("title"))
                if alt_unit is not None:
                    return Opaque(close, "image", alt_unit, title)
                if title is not None and title.unit is not None:  # the alt as it is
                    head = self._expand(data[s:body])
                    return Opaque(head + close, "image", None, title.moved(len(head)))
                return Opaque(raw, "image", title=title)
            self._process(node, index, own=True)
            children = tuple(self._nodes(node.text or ""))
            label = _link_label(node.get("href") or "")
            close, title = self._title(pattern, close, node.get("title"))
            return Span("link", self._expand(data[s : m.end(0)]), close, children, label, title)
        if node.tag in _SIZES:
            if self._delimited(node, data, s) != e:
                self.unsure = True
                return Opaque(raw, node.tag)
            for el in (node, *node):
                self._process(el, index, own=True)
            span = self._span(node, 0)
            if not _visible(span):  # `* *`: emphasis of nothing, which no rebuilt line keeps
                self.unsure = True
            return span
        return Opaque(raw, node.tag)

    def _title(
        self, pattern: InlineProcessor, close: str, title: str | None
    ) -> tuple[str, Title | None]:
        """A link's or image's `close` (`](target "title")`, placeholders in it) as its source,
        and the `title` Python-Markdown read from it; with words in it, the title is a unit of
        its own, placed at its quoted source in `close`. Not when markup other than escapes was
        read in it (it shows only that markup's text), or when where it is cannot be told for
        sure (a quote in the target)."""
        expanded = self._expand(close)
        if title is None:
            return expanded, None
        shown = html.unescape(_ESCAPED.sub(lambda m: chr(int(m.group(1))), title))
        at = _title_at(close)
        if self.units is None or at is None or not any(ch.isalpha() for ch in shown):
            return expanded, Title(shown)
        a, b = at
        quoted = close[a:b]
        keys = util.INLINE_PLACEHOLDER_RE.findall(quoted)
        read = _TITLE_SPACE.sub(" ", dequote(pattern.unescape(quoted[1:-1].strip())))
        if read != title or any(not isinstance(self.stash.get(k), Text) for k in keys):
            return expanded, Title(shown)
        head, quoted = self._expand(close[:a]), self._expand(quoted)
        unit = self.units.add_plain(shown, "title")
        return head + quoted + self._expand(close[b:]), Title(
            shown, unit, len(head), len(head) + len(quoted)
        )

    def _delimited(self, el: Element, data: str, pos: int) -> int:
        """Where the emphasis `el`, made from `data[pos:]`, ends in it; -1 if its texts and
        markup are not the source's in order (then it is kept whole)."""
        size = _SIZES.get(el.tag, 0)
        mark = data[pos : pos + size]
        if not size or len(set(mark)) != 1 or mark[0] not in "*_~":
            return -1
        pos += size
        for piece in (el.text, *(x for child in el for x in (child, child.tail))):
            if isinstance(piece, Element):
                pos = self._delimited(piece, data, pos)
                if pos < 0:
                    return -1
            elif piece:
                if not data.startswith(piece, pos):
                    return -1
                pos += len(piece)
        return pos + size if data[pos : pos + size] == mark else -1

    def _span(self, el: Element, depth: int) -> Span:
        """An emphasis element as a span; texts below the pattern's own children were left for
        the inline pass's second round, which runs every pattern."""
        children: list[Node] = []
        for child in (None, *el):
            if child is not None:
                if depth:
                    self._process(child, 0, own=False)
                children.append(self._span(child, depth + 1))
            piece = el.text if child is None else child.tail
            if piece:
                children += self._nodes(piece)
        mark = _MARKUP[el.tag]
        return Span(el.tag, mark, mark, tuple(children))

    def _nodes(self, data: str) -> list[Node]:
        """A processed text as nodes: text between placeholders, stashed nodes for them;
        abbreviations kept as they are, inline attribute lists glued to what they follow."""
        out: list[Node] = []
        pos = 0
        for m in util.INLINE_PLACEHOLDER_RE.finditer(data):
            if m.group(1) in self.stash:
                out += self._words(data[pos : m.start()])
                out.append(self.stash[m.group(1)])
                pos = m.end()
        out += self._words(data[pos:])
        merged: list[Node] = []
        for node in out:
            last = merged[-1] if merged else None
            if isinstance(node, Text) and isinstance(last, Text):
                merged[-1] = Text(last.text + node.text, last.source + node.source)
            else:
                merged.append(node)
        if self.attrs is not None:
            for i in range(1, len(merged)):
                node, before = merged[i], merged[i - 1]
                if isinstance(node, Text) and not isinstance(before, Text):
                    a = self.attrs.match(node.source)
                    if a and node.text.startswith(a.group()):
                        merged[i] = Text(node.text[a.end() :], node.source[a.end() :])
                        merged[i - 1] = (
                            replace(before, raw=before.raw + a.group())
                            if isinstance(before, Opaque)
                            else replace(before, close=before.close + a.group())
                        )
        return merged

    def _words(self, text: str) -> list[Node]:
        """Text, with what the model must not touch as opaque items: URLs (plain text to
        Python-Markdown, but no words to translate) and abbreviations (the renderer marks
        them up by their letters)."""
        out: list[Node] = []
        pos = 0
        for m in self.words.finditer(text):
            if m.lastgroup == "url":
                if m.start() and text[m.start() - 1].isalnum():
                    continue
                url = trim_url(m.group())
                out += [Text(text[pos : m.start()]), Opaque(_URL_ESCAPE.sub(r"\\\1", url), "url")]
                pos = m.start() + len(url)
            else:
                out += [Text(text[pos : m.start()]), Opaque(m.group(), "abbr")]
                pos = m.end()
        out.append(Text(text[pos:]))
        return [n for n in out if not isinstance(n, Text) or n.text]


def _visible(span: Span) -> bool:
    """Whether a span holds anything but blanks."""
    return any(
        not isinstance(n, Text) or n.text.strip()
        for n in span.children
        if not isinstance(n, Span) or _visible(n)
    )


def _inline_target(url: str, title: str | None) -> str | None:
    """`](url "title")` for a reference's target; None if it cannot be written so as it is."""
    if any(c in url for c in "<>\\\n") or (title and "\n" in title):
        return None
    dest = url if url and not re.search(r"[\s()]", url) else f"<{url}>"
    if title and '"' not in title:
        dest += f' "{title}"'
    elif title and "'" not in title:
        dest += f" '{title}'"
    elif title:
        return None
    return f"]({dest})"


def _title_at(close: str) -> tuple[int, int] | None:
    """Where the quoted title is in a link's `close` (`](target "title")`), as
    LinkInlineProcessor.getLink finds it; None if it has none, or if a quote before it (in the
    target) makes where uncertain."""
    if not close.startswith("](") or not close.endswith(")"):
        return None
    m = LinkInlineProcessor.RE_LINK.match(close, 1)
    if m and m.group(1):  # `](<target> "title")`
        return m.span(2) if m.group(2) else None
    end = len(close[:-1].rstrip(" "))
    quote = close[end - 1 : end]
    if quote not in ("'", '"'):
        return None
    start = close.find(quote, 2)
    if start >= end - 1 or "'" in close[2:start] or '"' in close[2:start]:
        return None
    return start, end


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


