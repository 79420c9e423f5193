"""What a translation takes from its original: the date, kind and tags belong to the
story, not to one language's file. A version that states others is warned, on its line,
and the original's are used."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import dates
from .config import SiteConfig
from .errors import Collector, Diagnostic

if TYPE_CHECKING:
    from .content import Article

_INHERIT_HINT = "remove the line: a translation takes date, kind and tags from its original"


def _original_of(a: Article, config: SiteConfig) -> tuple[str, str] | None:
    """(lang, slug) of the file `a` would be a version of: the `from` of its translation
    block, or else the language its own is translated from (a person's English file
    without a block is still a version of the Persian story)."""
    if a.translation is not None:
        return a.translation.from_lang, a.slug
    origin = config.language(a.lang).translate_from
    return (origin, a.slug) if origin else None


def inherit(articles: list[Article], present: set[tuple[str, str]], config: SiteConfig,
             errors: Collector) -> list[Article]:
    """Each article with the date, kind and tags of its original (what the story is
    about belongs to the story, not to one language's file), warned where it states
    others; an error where a file states no date and has no original to take one from."""
    by_key: dict[tuple[str, str], Article] = {}
    for a in articles:
        by_key.setdefault((a.lang, a.slug), a)
    done: dict[tuple[str, str], Article] = {}

    def resolve(a: Article, chain: frozenset[tuple[str, str]]) -> Article:
        key = (a.lang, a.slug)
        if key in done:
            return done[key]
        wanted = _original_of(a, config)
        origin = by_key.get(wanted) if wanted is not None and wanted not in chain else None
        if origin is None or origin is a:
            result = a
            # an original that exists with errors of its own: those are reported
            broken = wanted is not None and wanted not in by_key \
                and (wanted[1], wanted[0]) in present
            if a.date is None and not broken:
                errors.error(a.path, 2, "missing required field 'date'",
                             "add e.g. 'date: 2024-11-23' (or Solar Hijri 1403-09-03); only a "
                             "translation whose original exists may leave it out")
        else:
            result = _take_from(a, resolve(origin, chain | {key}), config)
        done[key] = result
        return result

    return [resolve(a, frozenset()) for a in articles]


def _take_from(a: Article, origin: Article, config: SiteConfig) -> Article:
    """`a` with its original's date, kind and tags, and a warning for each it states
    otherwise."""
    warnings: list[Diagnostic] = []

    def differs(key: str, mine: str, theirs: str) -> None:
        warnings.append(Diagnostic(
            a.path, a.stated[key], f"{key} {mine} differs from the original's {theirs} "
            f"({origin.path}); the original's is used", _INHERIT_HINT, "warning"))

    if "date" in a.stated and a.date is not None and origin.date is not None \
            and a.date != origin.date:
        differs("date", dates.iso(a.date), dates.iso(origin.date))
    if "kind" in a.stated and a.kind != origin.kind:
        differs("kind", a.kind, origin.kind)
    for t in config.taxonomies:
        mine, theirs = a.terms.get(t.key, ()), origin.terms.get(t.key, ())
        if t.key in a.stated and set(mine) != set(theirs):
            differs(t.key, f"[{', '.join(mine)}]", f"[{', '.join(theirs)}]")
    date = origin.date if origin.date is not None else a.date
    if not warnings and (date, origin.kind, origin.terms) == (a.date, a.kind, a.terms):
        return a  # the usual translation: it says what its original says
    return replace(a, date=date, kind=origin.kind, terms=origin.terms,
                   warnings=a.warnings + tuple(warnings))
