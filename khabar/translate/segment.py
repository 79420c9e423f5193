"""Markdown-aware segmentation: only prose reaches the translator, the rest is carried round it.

`segment` reads a body the way the renderer (khabar/markup.py) does: with Python-Markdown
itself, the built-in extensions (tables, footnotes, fenced_code, sane_lists) and the ones the
site enables (segment_blocks.py says how each text is found in the source). So a `- x` line
right after a paragraph line is paragraph text, lists nest by four spaces, `~~x~~` is text
unless pymdownx.tilde is on, and an extension's blocks (admonitions, definition lists) are read
as it reads them. Every text the renderer runs inline patterns over (a paragraph, heading,
list item, table cell, footnote, term, admonition title...) gives one translation unit, so a
sentence is never cut at a link.

Inside a unit, everything that must not be translated (code spans, autolinks, inline HTML,
hard breaks, footnote markers, images, abbreviations, attribute lists) becomes one
placeholder `[n]`, and each emphasis, strikethrough or link becomes a pair of placeholders
around its text (`[1]text[2]`): Python-Markdown's own inline patterns decide what is what
(segment_inline.py). Bracketed ASCII digits survive sentencepiece models well (they are common
in the training data as citation marks); on the way back `⟦n⟧`, `【n】`, spaces inside the
brackets and Persian digits are accepted too.

An image's alt text and a link's or image's title (inline, or from a reference definition) are
units of their own (tags "img" and "title"), in the order they come, before the unit of the text
they are in: translated as plain text and written back inside the image or link markup, a title
quoted and escaped so that Python-Markdown shows it as translated. One without letters (digits,
punctuation) is kept as it is, and so is one Python-Markdown read markup in (emphasis in an alt
text, a code span in a title) or a title whose place in the source is not certain (a quote in
the link's target).

`Document.render` puts each unit back where its text was, on one line, and leaves every other
line of the body as it was: markers, indentation, blank lines, code, HTML, reference and
abbreviation definitions. What the model lost is handled per placeholder (segment_restore.py):

* an opaque item missing from the output is appended at the end; a duplicate is dropped;
* an emphasis or link pair that is missing, duplicated, reversed, or nests differently than in
  the source is dropped, its text kept as plain text; a dropped link is appended at the end of
  the unit as `[host](same target)` so that no link is ever lost;
* text from the model is always escaped, so it can add no markup, block or link of its own;
* the rebuilt line is read back with the same patterns and must give the spans and items meant,
  in that order (an escaped `*` next to emphasis can make Python-Markdown pair the rest
  otherwise), and each translated title as translated: if not, emphasis is written as HTML
  tags (`<em>`), and failing that, or when the line would open a block (a tag or footnote
  marker moved to its start), the unit keeps its source text and is reported.

Reference links are written back as inline links (their name may be the text the model
translates); texts Python-Markdown itself cannot be traced back from (it misplaces some
emphasis after an earlier match), several lines that would join into a heading or a table, and
text after raw HTML on its line are left as they are, untranslated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown import Markdown

from .segment_blocks import Span, new_markdown, parse
from .segment_inline import InlineReader
from .segment_restore import Restored, Style, events, restore, titles
from .segment_units import Token, Unit, Units

__all__ = ["Document", "Token", "Translator", "Unit", "segment", "translate_inline",
           "translate_markdown"]

Translator = Callable[[Sequence[str]], list[str]]
_CELLS = frozenset({"td", "th"})


@dataclass(frozen=True)
class Placed:
    """A unit that replaces the body's text at `span` (the text of a `tag` element)."""

    unit: int
    span: Span
    tag: str
    suffix: str = ""  # what the renderer reads after the text (a footnote's backlink)


@dataclass(frozen=True)
class Document:
    """A segmented Markdown body: its lines, and the units its prose lives in."""

    lines: tuple[str, ...]  # the body's own lines
    normalized: tuple[str, ...]  # the same lines, tabs expanded, as the spans count columns
    places: tuple[Placed, ...]
    inline: tuple[Unit, ...]
    # per unit: the element its text is in ("img" for alt text, "title" for a link's or image's
    # title)
    tags: tuple[str, ...]
    style: Style
    reader: InlineReader = field(compare=False, repr=False)  # the body's own parse
    checker: Markdown = field(compare=False, repr=False)  # a clean one, to read lines alone

    @property
    def units(self) -> tuple[str, ...]:
        """The texts to translate, in order (placeholders included); text-free units are left
        out and kept as they are."""
        return tuple(u.text for u in self.inline if u.translatable)

    @property
    def kinds(self) -> tuple[str, ...]:
        """For each entry of `units`, the element it is the text of."""
        return tuple(t for u, t in zip(self.inline, self.tags, strict=True) if u.translatable)

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
        where = {p.unit: p for p in self.places}
        restored: list[str | None] = []
        broken: list[int] = []
        position = 0
        for index, (unit, text) in enumerate(zip(self.inline, texts, strict=True)):
            place = where.get(index)
            out: str | None = None
            intact = False
            for html in (False, True):
                alts = [a or "" for a in restored]
                cell = place is not None and place.tag in _CELLS
                r = restore(unit, text, alts, self.style, cell=cell, html=html)
                if place is None:  # alt text or a title: plain
                    out, intact = r.text, r.intact
                    break
                if self._holds(r, place):
                    out, intact = r.text, r.intact
                    break
            if unit.translatable:
                if not intact:
                    broken.append(position)
                position += 1
            restored.append(out)  # None: the source's text stays where it is
        return self._assemble(restored), tuple(broken)

    def _holds(self, r: Restored, place: Placed) -> bool:
        """Whether the rebuilt line reads as intended: not empty, opening no block with the
        markup it starts with (a tag or footnote marker the model moved there), with the
        spans and items `restore` meant, in that order (an escaped `*` next to emphasis can
        change how Python-Markdown pairs the others), and each translated title shown as
        translated."""
        if not r.text.strip() or (r.lead and self._opens_block(r.text)):
            return False
        nodes = self.reader.read(r.text, place.tag, place.suffix)
        return (
            nodes is not None
            and events(nodes) == r.events
            and _shows(titles(nodes), r.titles)
        )

    def _opens_block(self, line: str) -> bool:
        """Whether `line` read alone is anything but one paragraph of text."""
        md = self.checker.reset()
        lines = [line]
        for prep in md.preprocessors:
            lines = prep.run(lines)
        root = md.parser.parseDocument(lines).getroot()
        return root is None or not (
            len(root) == 1 and root[0].tag == "p" and root[0].text == line.strip()
        )

    def _assemble(self, restored: Sequence[str | None]) -> str:
        """The body's lines with each placed unit's text replaced by its restored text."""
        out = list(self.lines)
        dropped: set[int] = set()
        by_line: dict[int, list[Placed]] = {}
        for p in self.places:
            if restored[p.unit] is not None:
                by_line.setdefault(p.span.first, []).append(p)
        for first, placed in by_line.items():
            line = self.normalized[first]
            for p in sorted(placed, key=lambda p: p.span.start, reverse=True):
                s = p.span
                rest = self.normalized[s.last][s.end :] if s.last != first else line[s.end :]
                line = line[: s.start] + (restored[p.unit] or "") + (rest if rest.strip() else "")
                dropped.update(range(first + 1, s.last + 1))
            out[first] = line
        return "\n".join(line for i, line in enumerate(out) if i not in dropped)


def _shows(got: Sequence[str | None], wanted: Sequence[str | None]) -> bool:
    """Whether each link and image shows the title wanted for it (None: whatever it had)."""
    return len(got) == len(wanted) and all(
        want is None or want == shown for shown, want in zip(got, wanted, strict=True)
    )


def _overlaps(span: Span, taken: dict[int, list[tuple[int, int]]]) -> bool:
    """Whether `span` covers text another placed span covers (then it is left alone)."""
    ranges = [
        (i, span.start if i == span.first else 0, span.end if i == span.last else 1 << 30)
        for i in range(span.first, span.last + 1)
    ]
    if any(a < y and x < b for i, a, b in ranges for x, y in taken.get(i, [])):
        return True
    for i, a, b in ranges:
        taken.setdefault(i, []).append((a, b))
    return False


def segment(
    markdown: str,
    extensions: Sequence[str] = (),
    *,
    extension_configs: Mapping[str, Mapping[str, Any]] | None = None,
) -> Document:
    """Cut a Markdown body into translation units (see the module docstring). `extensions` are
    the Python-Markdown extensions the site enables besides the built-in ones, with their
    `extension_configs`, as the renderer is given them."""
    parsed = parse(markdown, extensions, extension_configs)
    style = Style(frozenset(parsed.md.ESCAPED_CHARS))
    units = Units()
    reader = InlineReader(parsed.md)
    places: list[Placed] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    for slot in parsed.slots:
        if _overlaps(slot.span, taken):
            continue
        mark = len(units.items)
        try:
            nodes = reader.read(slot.text, slot.tag, slot.suffix, units)
        except RecursionError:  # spans nested hundreds deep: the renderer shows them as text
            nodes = None
        index = units.add_nodes(nodes or [], slot.tag)
        if nodes is None or not any(u.translatable for u in units.items[mark:]):
            units.drop(mark)  # nothing to translate: its lines stay as they are
            continue
        units.in_order(mark, index)
        places.append(Placed(index, slot.span, slot.tag, slot.suffix))
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Document(
        lines=tuple(lines),
        normalized=parsed.lines,
        places=tuple(places),
        inline=tuple(units.items),
        tags=tuple(units.tags),
        style=style,
        reader=reader,
        checker=new_markdown(extensions, extension_configs),
    )


def translate_markdown(
    markdown: str, translate: Translator, extensions: Sequence[str] = ()
) -> str:
    """`markdown` with its prose translated in one batch call; structure, code and links kept."""
    doc = segment(markdown, extensions)
    units = doc.units
    return doc.render(translate(units) if units else [])


def translate_inline(text: str, translate: Translator) -> str:
    """A plain-text line (title, summary) translated, its URLs kept exactly."""
    units = Units()
    unit = units.items[units.add_plain(text)]
    if not unit.translatable:
        return " ".join(text.split())
    return restore(unit, translate([unit.text])[0], [], Style()).text
