"""Placeholders as TMX 1.4 inline elements.

The model reads a sentence's inline markup as numbered placeholders (`[1]منابع[2]`); a
translator's tool reads TMX inline elements instead: a pair of placeholders (a link,
emphasis) becomes `<bpt i="1">…</bpt>` and `<ept i="1">…</ept>`, each holding the Markdown
it stands for; a half of a pair whose other half is not in the same sentence becomes an
isolated `<it pos="begin|end">`; an item kept whole (code, an image, a footnote marker, a
URL) becomes `<ph>`. `x` numbers a code the same way in the source and in the target.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from .segment_units import TOKEN_RE, Token

# TMX 1.4's recommended `type` values where one fits; others are user-defined (`x-`).
_PAIR_TYPES = {"link": "link", "em": "italic", "strong": "bold", "del": "x-strike"}
_ITEM_TYPES = {"image": "image", "break": "lb", "sup": "fnote"}
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_TYPE_SAFE = re.compile(r"[^a-z0-9-]")
NAME = "name"  # the kind of a placeholder standing for a protected name (glossary.py)


class Placeholder(NamedTuple):
    """What placeholder `[number]` of a source sentence stands for."""

    number: int
    role: str  # "open", "close" (a pair; `pair` is the other half's number) or "opaque"
    pair: int
    kind: str  # "link", "em", "code", "image", ...
    markup: str  # the Markdown it stands for


def placeholders_in(sentence: str, tokens: Sequence[Token]) -> tuple[Placeholder, ...]:
    """The placeholders of one sentence of a unit, from the unit's token table."""
    found: dict[int, Placeholder] = {}
    for m in TOKEN_RE.finditer(sentence):
        number = int(m.group(1).translate(_DIGITS))
        if 1 <= number <= len(tokens) and number not in found:
            t = tokens[number - 1]
            # an image whose alt text is translated on its own: its markup without the alt
            markup = "![" + t.markup if t.alt_unit is not None else t.markup
            found[number] = Placeholder(number, t.role, t.pair, t.kind, markup)
    return tuple(found.values())


def with_names(sentence: str, tokens: Sequence[Placeholder]) -> str:
    """A sentence whose protected names (placeholders of kind "name", see glossary.py) are
    written back as the source words they stand for: the sentence as its article has it."""
    names = {t.number: t.markup for t in tokens if t.kind == NAME}
    if not names:
        return sentence
    return TOKEN_RE.sub(lambda m: names.get(int(m.group(1).translate(_DIGITS)), m.group()),
                        sentence)


def numbers_in(sentence: str) -> Counter[int]:
    """How often each placeholder number occurs in a sentence."""
    return Counter(int(m.group(1).translate(_DIGITS)) for m in TOKEN_RE.finditer(sentence))


def seg_xml(text: str, tokens: Sequence[Placeholder]) -> str:
    """The content of a TMX `<seg>`: `text` escaped, its placeholders as inline elements.
    Without `tokens` (a sentence with no markup, or one stored before Khabar recorded it)
    the text is all there is."""
    if not tokens:
        return escape(text)
    table = {t.number: t for t in tokens}
    matches = [(m, int(m.group(1).translate(_DIGITS))) for m in TOKEN_RE.finditer(text)]
    matches = [(m, n) for m, n in matches if n in table]
    count = Counter(n for _m, n in matches)
    first: dict[int, int] = {}
    for index, (_m, n) in enumerate(matches):
        first.setdefault(n, index)
    out: list[str] = []
    pos = 0
    for index, (m, n) in enumerate(matches):
        out.append(escape(text[pos : m.start()]))
        pos = m.end()
        t = table[n]
        code = escape(t.markup)
        paired = (
            t.role in ("open", "close")
            and count[n] == 1
            and count[t.pair] == 1
            and (first[t.pair] > index if t.role == "open" else first[t.pair] < index)
        )
        kind = _type(t)
        if t.role == "opaque":
            out.append(f'<ph x="{n}"{kind}>{code}</ph>')
        elif paired and t.role == "open":
            out.append(f'<bpt i="{n}" x="{n}"{kind}>{code}</bpt>')
        elif paired:
            out.append(f'<ept i="{t.pair}">{code}</ept>')
        else:
            where = "begin" if t.role == "open" else "end"
            out.append(f'<it pos="{where}" x="{n}"{kind}>{code}</it>')
    out.append(escape(text[pos:]))
    return "".join(out)


def _type(t: Placeholder) -> str:
    table = _PAIR_TYPES if t.role != "opaque" else _ITEM_TYPES
    name = table.get(t.kind) or ("x-" + _TYPE_SAFE.sub("", t.kind.lower()) if t.kind else "")
    return f" type={quoteattr(name)}" if name and name != "x-" else ""
