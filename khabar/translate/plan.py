"""What `translate` would do for each source article: a pure decision over loaded content.

The rules that protect people's work live here: an English file a person wrote, one
marked `status: reviewed`, or a machine file edited since it was written is never
overwritten; when its source changed it is reported stale instead. A machine file made
through a pivot language (its `model` names a chain) is made again once a model for the
pair itself is installed: a chain adds the errors of two models and loses what the pivot
language cannot say, so the direct model is taken as better; a new version of the same
model, like for like, leaves current files alone (`--force` retranslates them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..config import SiteConfig
from ..content import Article, body_of
from .engine import PIVOT_ARROW

TRANSLATE = "translate"      # missing, or a machine translation of an older source
CURRENT = "current"          # a machine translation of the current source
REVIEWED = "reviewed"        # reviewed and current
STALE_REVIEWED = "stale-reviewed"  # reviewed (or hand-edited), but the source changed
EDITED = "edited"            # a machine translation a person edited since: kept
ORIGINAL = "original"        # written in the target language, not a translation


@dataclass(frozen=True)
class Job:
    source: Article
    target_lang: str
    existing: Article | None
    action: str
    reason: str


def content_digest(title: str, summary: str | None, body: str, picture: str = "") -> str:
    """The hash of what a translation file says, recorded when Khabar writes it, so a
    later hand edit is noticed (of its picture's words too: `picture_words`). Line endings
    count as LF: an editor that re-saves the file with CRLF has not edited it."""
    return _digest(title, summary, body.replace("\r\n", "\n").replace("\r", "\n") + picture)


def picture_words(alt: str, caption: str) -> str:
    """What of a picture a translation says in its own words, as content_digest counts it
    ("" without a picture: a file's digest is what it was before pictures had words)."""
    return f"\0{alt}\0{caption}" if alt or caption else ""


def _digest(title: str, summary: str | None, body: str) -> str:
    return hashlib.sha256(f"{title}\n{summary or ''}\n{body}".encode()).hexdigest()


def as_written(translation: Article) -> bool:
    """Whether a machine translation still says what Khabar wrote: its `output_sha256`
    is the digest of its text now, line endings as LF or (as recorded before) as they
    are."""
    tr = translation.translation
    if tr is None or not tr.output_sha256:
        return True
    body = body_of(translation)
    image = translation.image
    picture = picture_words(image.alt, image.caption) if image is not None else ""
    return tr.output_sha256 in (
        content_digest(translation.title, translation.summary, body, picture),
        _digest(translation.title, translation.summary, body + picture))


def made_through_pivot(model: str) -> bool:
    """Whether a recorded `model` names a chain of models (fa→en, then en→fr)."""
    return PIVOT_ARROW in model


def decide(config: SiteConfig, articles: Sequence[Article], *, to_lang: str | None = None,
           force: bool = False,
           direct_model: Callable[[str, str], bool] | None = None) -> list[Job]:
    """A job per (source article, target language). `direct_model(from, to)` says whether
    a model for the pair itself would translate now; it is asked only about current,
    unedited machine files made through a pivot."""
    by_key = {(a.lang, a.slug): a for a in articles}
    jobs: list[Job] = []
    for language in config.languages:
        origin = language.translate_from
        if origin is None or (to_lang is not None and language.code != to_lang):
            continue
        for source in articles:
            if source.lang != origin:
                continue
            existing = by_key.get((language.code, source.slug))
            jobs.append(_decide_one(source, language.code, existing, force, direct_model))
    return jobs


def _decide_one(source: Article, lang: str, existing: Article | None, force: bool,
                direct_model: Callable[[str, str], bool] | None) -> Job:
    def job(action: str, reason: str) -> Job:
        return Job(source, lang, existing, action, reason)

    if existing is None:
        return job(TRANSLATE, "missing")
    tr = existing.translation
    if tr is None:
        return job(ORIGINAL, "written in this language")
    current = source.matches_digest(tr.source_sha256)
    if tr.status == "reviewed":
        return job(REVIEWED, "reviewed") if current else job(STALE_REVIEWED, "source changed")
    if not as_written(existing):
        return job(EDITED, "edited by a person") if current else job(
            STALE_REVIEWED, "edited by a person; source changed")
    if not current:
        return job(TRANSLATE, "source changed")
    if (made_through_pivot(tr.model) and direct_model is not None
            and direct_model(source.lang, lang)):
        return job(TRANSLATE, f"made through a pivot; a {source.lang}→{lang} model is "
                   "installed now")
    if force:
        return job(TRANSLATE, "forced")
    return job(CURRENT, "up to date")
