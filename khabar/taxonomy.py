"""Grouping stories: by term of each taxonomy, and by day for the daily briefings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from .config import SiteConfig
from .dates import day_of
from .stories import Story, sort_key


@dataclass(frozen=True)
class TermGroup:
    taxonomy: str
    term: str
    stories: tuple[Story, ...]  # newest first


@dataclass(frozen=True)
class Day:
    day: date
    stories: tuple[Story, ...]  # reports first, then briefs; newest first within each


def by_term(config: SiteConfig, stories: Sequence[Story]) -> dict[str, tuple[TermGroup, ...]]:
    """For each taxonomy, its terms that have stories, in declaration order."""
    out: dict[str, tuple[TermGroup, ...]] = {}
    ordered = sorted(stories, key=sort_key)  # once: members keep this order
    for taxonomy in config.taxonomies:
        members: dict[str, list[Story]] = {}
        for story in ordered:
            for slug in story.terms.get(taxonomy.key, ()):
                members.setdefault(slug, []).append(story)
        out[taxonomy.key] = tuple(
            TermGroup(taxonomy.key, slug, tuple(members[slug]))
            for slug in taxonomy.terms if slug in members)
    return out


def by_day(stories: Sequence[Story], tz: ZoneInfo) -> tuple[Day, ...]:
    """One briefing per calendar day in the site's timezone, newest day first."""
    days: dict[date, list[Story]] = {}
    for s in stories:
        days.setdefault(day_of(s.date, tz), []).append(s)
    return tuple(
        Day(d, tuple(sorted(days[d], key=lambda s: (s.kind != "article", *sort_key(s)))))
        for d in sorted(days, reverse=True)
    )


def paginate(items: Sequence[Story], per_page: int) -> list[tuple[Story, ...]]:
    """Pages of at most `per_page` items; always at least one (possibly empty) page."""
    pages = [tuple(items[i:i + per_page]) for i in range(0, len(items), per_page)]
    return pages or [()]
