"""Sentence pairs of reviewed translations, for the translation memory and TMX.

A translation marked `status: reviewed` whose original is current says, sentence by
sentence, how a person translates the original. The translation keeps the original's
blocks (Khabar wrote it so, and a reviewer edits the words, not the layout), so the two
are aligned block by block: the title, the summary, the picture's words, and each unit of
the body (paragraph, heading, list item, cell...). A block gives pairs only when both
sides split into as many sentences, and each sentence pair carries the same placeholders
(the same links and emphasis): otherwise the reviewer merged, split or moved sentences,
and no pair of that block is taken. A body whose units differ in number or kind gives no
pair at all.
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
from .segment import Document, segment
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
    if ours is not None and theirs is not None and ours.kinds == theirs.kinds:
        mine = [u for u in ours.inline if u.translatable]
        yours = [u for u in theirs.inline if u.translatable]
        for a, b in zip(mine, yours, strict=True):
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
