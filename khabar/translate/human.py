"""Sentence pairs of reviewed translations, for the translation memory and TMX.

A translation marked `status: reviewed` whose original is current says, sentence by
sentence, how a person translates the original. The translation keeps the original's
blocks (Khabar wrote it so, and a reviewer edits the words, not the layout), so the two
are aligned block by block: the title, the summary, the picture's words, and each unit of
the body (paragraph, heading, list item, cell...). A block gives pairs only when both
sides split into as many sentences, and each sentence pair carries the same placeholders
(the same links and emphasis): otherwise the reviewer merged, split or moved sentences,
and no pair of that block is taken. A unit the translation turned into digits and code
alone pairs with nothing, and the others still pair by their lines; a body whose blocks
were otherwise added, removed or moved gives no pair at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from .. import content
from ..config import SiteConfig
from ..errors import KhabarError
from .memory import normalise_source
from .plan import Job
from .segment import Document, Unit, segment
from .split import split_sentences
from .tmx import Placeholder, numbers_in, placeholders_in


@dataclass(frozen=True)
class Reviewed:
    """The pairs one reviewed translation gives."""

    digest: str  # of both files' versions: read once into the memory
    pairs: tuple[tuple[str, str], ...]  # (source sentence, the person's sentence)
    markup: tuple[tuple[str, tuple[Placeholder, ...]], ...]  # per source sentence


def review_digest(job: Job, config: SiteConfig) -> str:
    """Names this reviewed translation of this version of its original."""
    assert job.existing is not None
    extensions = ",".join(sorted(config.markdown.extensions))
    key = f"{job.source.sha256} {job.existing.sha256} {extensions}"
    return hashlib.sha256(key.encode()).hexdigest()


def reviewed_pairs(job: Job, config: SiteConfig) -> Reviewed:
    """The sentence pairs of a reviewed, current translation (`job.existing`)."""
    source, made = job.source, job.existing
    assert made is not None
    pairs: list[tuple[str, str]] = []
    markup: list[tuple[str, tuple[Placeholder, ...]]] = []

    def plain(a: str | None, b: str | None) -> None:
        if a and b:
            pairs.extend(_aligned(split_sentences(a), split_sentences(b)) or [])

    plain(source.title, made.title)
    plain(source.summary, made.summary)
    if source.image is not None and made.image is not None:
        plain(source.image.alt, made.image.alt)
        plain(source.image.caption, made.image.caption)
    ours: Document | None
    theirs: Document | None
    try:
        ours = segment(content.body_of(source), config.markdown.extensions,
                       extension_configs=config.markdown.extension_configs)
        theirs = segment(content.body_of(made), config.markdown.extensions,
                         extension_configs=config.markdown.extension_configs)
    except KhabarError:  # changed while being read: taken next time
        ours = theirs = None
    if ours is not None and theirs is not None:
        for a, b in _unit_pairs(ours, theirs):
            if [(t.role, t.kind) for t in a.tokens] != [(t.role, t.kind) for t in b.tokens]:
                continue  # the person added or removed a link or emphasis
            got = _aligned(split_sentences(a.text), split_sentences(b.text), placeholders=True)
            if got is None:
                continue
            pairs.extend(got)
            markup.extend((s, placeholders_in(s, a.tokens)) for s, _t in got)
    kept = tuple((s, t) for s, t in pairs
                 if normalise_source(s) and t.strip()
                 and normalise_source(s) != normalise_source(t))
    return Reviewed(review_digest(job, config), kept,
                    tuple((s, m) for s, m in markup if m))


def _unit_pairs(ours: Document, theirs: Document) -> list[tuple[Unit, Unit]]:
    """Each unit of the original with the translation's unit in its place.

    Block for block when both have the same translatable units. Else, when the translation
    has the original's lines (as Khabar writes it), line by line: a line's units pair in
    order when both lines have as many, of the same kinds. That keeps the rest of a body
    whose translation turned one unit into digits and code alone (`۱۴۰۳ `x`` → `1403 `x``),
    no text left to translate, so no unit. Any other difference: the person moved blocks,
    and nothing pairs."""
    mine = [u for u in ours.inline if u.translatable]
    yours = [u for u in theirs.inline if u.translatable]
    if ours.kinds == theirs.kinds:
        return list(zip(mine, yours, strict=True))
    if len(ours.lines) != len(theirs.lines):
        return []
    rows, found = _by_line(ours), _by_line(theirs)
    if any(rows.get(line, []) and [t for t, _u in units] != [t for t, _u in rows[line]]
           for line, units in found.items()) or not set(found) <= set(rows):
        return []
    return [(a, b) for line, units in found.items()
            for (_t, a), (_k, b) in zip(rows[line], units, strict=True)]


def _by_line(doc: Document) -> dict[int, list[tuple[str, Unit]]]:
    """The translatable units on each line of a body, in order along it, with their kinds."""
    rows: dict[int, list[tuple[int, str, Unit]]] = {}
    for place in doc.places:
        unit = doc.inline[place.unit]
        if unit.translatable:
            rows.setdefault(place.span.first, []).append((place.span.start, place.tag, unit))
    return {line: [(tag, unit) for _c, tag, unit in sorted(found, key=lambda x: x[0])]
            for line, found in sorted(rows.items())}


def _aligned(ours: Sequence[str], theirs: Sequence[str], *, placeholders: bool = False
             ) -> list[tuple[str, str]] | None:
    """Sentence i with sentence i, when both sides have as many (and, with placeholders,
    each pair the same ones); None otherwise."""
    ours = [s for s in ours if s.strip()]
    theirs = [s for s in theirs if s.strip()]
    if not ours or len(ours) != len(theirs):
        return None
    if placeholders and any(numbers_in(a) != numbers_in(b)
                            for a, b in zip(ours, theirs, strict=True)):
        return None
    return list(zip(ours, theirs, strict=True))
