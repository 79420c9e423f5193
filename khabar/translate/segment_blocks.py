"""Where the prose of a body is, as Python-Markdown reads it (the renderer's own parser).

The body is parsed by Python-Markdown itself (its preprocessors and block parser, with the
extensions the site enables), so lists, quotes, code, HTML blocks, tables, footnotes and any
extension's blocks are exactly what the renderer will make of them. Every text of that tree the
renderer would run inline patterns over (a paragraph, heading, list item, cell, term...) is a
`Slot`.

Python-Markdown keeps no source positions, so the body is parsed twice: once as written, once
with every letter replaced by a code letter (a CJK ideograph or Hangul syllable: also a word
character, with no case) unique to its place. No block rule of Python-Markdown tells one letter
from another, so both parses give the same tree (checked: a tree that differs is not trusted),
and the coded text of a slot says which line and column each of its letters came from. Letters
inside HTML tags and on fence lines keep their value, as the HTML and fence rules read them; if
the trees still differ (an extension reading ASCII words), only non-ASCII letters are coded,
and failing that the body is left as it is. So is what the renderer shows as written without
parsing it (`set_aside`), and a body Python-Markdown cannot parse at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import markdown
from markdown import util
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.extensions.footnotes import NBSP_PLACEHOLDER, FootnoteExtension
from markdown.extensions.toc import TocTreeprocessor

from ..markup import BUILTIN_CONFIGS, BUILTIN_EXTENSIONS, crowded_blocks

# Code letters: word characters with no case, 81,476 of them; a longer body reuses them, and
# the text each decodes to is checked.
_CODE_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0xAC00, 0xD7A3))
_CODE_COUNT = sum(b - a + 1 for a, b in _CODE_RANGES)
_TAG_RE = re.compile(r"<[A-Za-z/!?][^<>]*>")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_UNDERLINE = re.compile(r"^[ >]*[-=:|][-=:| ]*$")
_FENCE_LINE_RE = re.compile(r"^[ ]*(?:`{3,}|~{3,})")
_STASHED = re.compile(f"[{util.STX}{util.ETX}]")
_ASIDE = "\ue000"  # what stands for a line of a block set aside: no letter, no markup


def new_markdown(
    extensions: Sequence[str], configs: Mapping[str, Mapping[str, Any]] | None
) -> markdown.Markdown:
    """A Python-Markdown instance as khabar/markup.py builds one (its own tree processors
    aside: they change no structure)."""
    names = list(dict.fromkeys([*BUILTIN_EXTENSIONS, *extensions]))
    options = {name: dict((configs or {}).get(name, {})) for name in names}
    for name, fixed in BUILTIN_CONFIGS.items():
        options[name].update(fixed)
    return markdown.Markdown(
        extensions=names, extension_configs={k: v for k, v in options.items() if v}
    )


@dataclass(frozen=True)
class Span:
    """Where a slot's text lies in the body: from (first, start) to (last, end), lines and
    columns of the body with tabs expanded (its `lines`)."""

    first: int
    start: int
    last: int
    end: int


@dataclass(frozen=True)
class Slot:
    """One text the renderer runs inline patterns over, and where it stands in the body."""

    text: str  # inline Markdown, lines joined by "\n"
    tag: str  # the element it belongs to ("p", "li", "h2", "td", ...); the text may be its tail
    span: Span
    suffix: str = ""  # what the renderer adds to the text before its inline pass


@dataclass(frozen=True)
class Parsed:
    lines: tuple[str, ...]  # the body's lines as Python-Markdown reads them (tabs expanded)
    slots: tuple[Slot, ...]
    md: markdown.Markdown  # after the parse: references, footnotes and abbreviations known


def set_aside(source: str) -> str:
    """`source` with each block the renderer sets aside (more than BRACKETS_PER_BLOCK `[`:
    Python-Markdown would take minutes over it; it is shown as written) as as many lines of
    a mark, which make a paragraph of no text as the renderer's one-line mark does."""
    parts = crowded_blocks(source)
    if parts is None:
        return source
    out: list[str] = []
    for crowded, block in parts:
        if crowded:
            count = len(block.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
            block = "\n".join([_ASIDE] * count)
        out.append(block)
    return "".join(out)


def normalize(source: str) -> list[str]:
    """The body's lines as Python-Markdown's first preprocessor leaves them, one for one."""
    text = source.replace(util.STX, "").replace(util.ETX, "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    lines = text.split("\n")
    return [lines[0], *("" if not line.strip(" ") else line for line in lines[1:])]


def _code_char(n: int) -> str:
    n %= _CODE_COUNT
    for a, b in _CODE_RANGES:
        if n <= b - a:
            return chr(a + n)
        n -= b - a + 1
    raise AssertionError("unreachable")


Places = dict[str, list[tuple[int, int]]]  # code letter -> (line, column) it stands at


def _coded(lines: Sequence[str], ascii_too: bool) -> tuple[list[str], Places]:
    """`lines` with their letters replaced by code letters, and where each code letter stands."""
    places: Places = {}
    text = "\n".join(lines)
    kept = bytearray(len(text))
    for m in _TAG_RE.finditer(text):
        kept[m.start() : m.end()] = b"\1" * (m.end() - m.start())
    out: list[str] = []
    offset = 0
    count = 0
    for i, line in enumerate(lines):
        chars = list(line)
        if not _FENCE_LINE_RE.match(line):
            for j, c in enumerate(chars):
                if c.isalpha() and not kept[offset + j] and (ascii_too or not c.isascii()):
                    code = _code_char(count)
                    count += 1
                    places.setdefault(code, []).append((i, j))
                    chars[j] = code
        out.append("".join(chars))
        offset += len(line) + 1
    return out, places


def _block_tree(md: markdown.Markdown, lines: list[str]) -> tuple[Element, list[Element]]:
    """The block tree of `lines` and the parsed footnote definitions (in definition order)."""
    for prep in md.preprocessors:
        lines = prep.run(lines)
    root = Element("div")
    tree = md.parser.parseDocument(lines).getroot()
    if tree is not None:
        root = tree
    notes: list[Element] = []
    for ext in md.registeredExtensions:
        if isinstance(ext, FootnoteExtension):
            for text in ext.footnotes.values():
                holder = Element("div")
                md.parser.parseChunk(holder, text)
                notes.append(holder)
    return root, notes


def _shape(trees: Sequence[Element]) -> list[tuple[str, int, int]]:
    return [
        (el.tag, len(el.text or ""), len(el.tail or "")) for tree in trees for el in tree.iter()
    ]


def _texts(real: Element, coded: Element, note: bool) -> Iterator[tuple[str, str, str, str]]:
    """(text, coded text, tag, suffix) of every text the inline pass reads: each element's text
    and tail below the root, code (an AtomicString) and stashed HTML excepted. A footnote's last
    paragraph ends in the placeholder of its backlink (footnotes.makeFootnotesDiv) when read."""
    parents = {child: parent for parent in real.iter() for child in parent}
    last = real[-1] if note and len(real) and real[-1].tag == "p" else None
    for r, c in zip(real.iter(), coded.iter(), strict=True):
        if r is real:
            continue
        suffix = NBSP_PLACEHOLDER if r is last else ""
        for mine, theirs, tag, end in (
            (r.text, c.text, r.tag, suffix),
            (r.tail, c.tail, parents[r].tag, ""),
        ):
            if (
                mine
                and theirs
                and mine.strip()
                and not isinstance(mine, util.AtomicString)
                and not _STASHED.search(mine)
            ):
                yield mine, theirs, tag, end


def parse(
    source: str, extensions: Sequence[str], configs: Mapping[str, Mapping[str, Any]] | None
) -> Parsed:
    """The body's slots, each placed in its lines (see the module docstring)."""
    lines = normalize(set_aside(source))
    md = new_markdown(extensions, configs)
    try:
        trees = _trees(md, lines, extensions, configs) if source.strip() else None
    except RecursionError:  # lists nested too deep: the renderer shows the body as text
        md, trees = new_markdown(extensions, configs), None
    if trees is None:
        return Parsed(tuple(lines), (), md)
    real_trees, coded_trees, places = trees
    trim = _attr_trim(md)
    # toc replaces a paragraph that is its marker (`[TOC]`) with the table of contents.
    markers = {p.marker for p in md.treeprocessors if isinstance(p, TocTreeprocessor)}
    slots: list[Slot] = []
    for n, (real, coded) in enumerate(zip(real_trees, coded_trees, strict=True)):
        for text, coded_text, tag, suffix in _texts(real, coded, note=n > 0):
            text, coded_text = trim(text, coded_text, tag)
            if tag == "p" and text in markers:
                continue
            span = _place(text, coded_text, lines, places)
            if span is not None and _joinable(span, lines):
                slots.append(Slot(text, tag, span, suffix))
    return Parsed(tuple(lines), tuple(slots), md)


def _trees(
    md: markdown.Markdown,
    lines: list[str],
    extensions: Sequence[str],
    configs: Mapping[str, Mapping[str, Any]] | None,
) -> tuple[list[Element], list[Element], Places] | None:
    """The body's block trees (document, then footnotes) read with `md`, the same read with
    its letters coded, and where each code letter stands; None if the two differ."""
    root, notes = _block_tree(md, list(lines))
    for ascii_too in (True, False):
        coded_lines, places = _coded(lines, ascii_too)
        coded_root, coded_notes = _block_tree(new_markdown(extensions, configs), coded_lines)
        if _shape([root, *notes]) == _shape([coded_root, *coded_notes]):
            return [root, *notes], [coded_root, *coded_notes], places
    return None


def _attr_trim(md: markdown.Markdown) -> Callable[[str, str, str], tuple[str, str]]:
    """A function cutting the slot text down to its prose: leading and trailing blanks, and
    with attr_list on, an attribute list at the end (kept where it is, out of the unit)."""
    attrs = next(
        (p for p in md.treeprocessors if isinstance(p, AttrListTreeprocessor)), None
    )

    def trim(text: str, coded: str, tag: str) -> tuple[str, str]:
        lead = len(text) - len(text.lstrip())
        text, coded = text[lead:], coded[lead:]
        if attrs is not None:
            header = tag in ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "td", "th")
            m = (attrs.HEADER_RE if header else attrs.BLOCK_RE).search(text)
            if m and text[: m.start()].endswith("  "):
                return "", ""  # a hard break before the list: it is the break's (left as is)
            if m:
                text, coded = text[: m.start()], coded[: m.start()]
        if re.search(r"  \n\s*$", text):
            return "", ""  # ends in a hard break (before an empty line of a quote): left as is
        end = len(text.rstrip())
        return text[:end], coded[:end]

    return trim


def _joinable(span: Span, lines: Sequence[str]) -> bool:
    """Whether the span's text may become one line where it stands. Not after raw HTML on its
    line (`<!-- x --> text` is read by the rules of the HTML block's tail), nor when a line
    of `-`, `=` or a table's delimiters follows several lines of it: joined, they would be the
    first line of a setext heading or of a table."""
    if _TAG_START.search(lines[span.first][: span.start]):
        return False
    after = lines[span.last + 1] if span.last + 1 < len(lines) else ""
    return span.last == span.first or not (_UNDERLINE.match(after) and re.search("[-=]", after))


def _place(
    text: str, coded: str, lines: Sequence[str], places: Places
) -> Span | None:
    """Where `text` lies in `lines`, from the code letters of `coded`; None when a line cannot
    be placed or the body there is not the text (a title Python-Markdown made up)."""
    rows = text.split("\n")
    coded_rows = coded.split("\n")
    for k, (row, coded_row) in enumerate(zip(rows, coded_rows, strict=True)):
        at = next((t for t, c in enumerate(coded_row) if c != row[t]), None)
        if at is None:
            continue
        for i, j in places.get(coded_row[at], []):
            first, col = i - k, j - at
            if first >= 0 and lines[i][col : col + len(row)] == row:
                return _span(rows, lines, first, k, col)
    return None


def _span(rows: Sequence[str], lines: Sequence[str], first: int, k: int, col: int) -> Span | None:
    """The span of `rows` whose row `k` is at column `col` of line `first + k`: the other rows
    are the ends of the lines round it (Python-Markdown only takes prefixes off lines)."""
    starts: list[int] = []
    for n, row in enumerate(rows):
        i = first + n
        if i >= len(lines):
            return None
        if n == k:
            starts.append(col)
            continue
        line = lines[i].rstrip(" ") if n == len(rows) - 1 else lines[i]
        if not line.endswith(row):
            return None
        starts.append(len(line) - len(row))
    last = first + len(rows) - 1
    return Span(first, starts[0], last, starts[-1] + len(rows[-1]))
