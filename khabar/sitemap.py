"""Sitemaps for search engines: every indexable page with its hreflang alternates and the
date it last changed, a Google News sitemap per language, and robots.txt naming them.

The pages and their alternates come from render.pages(), the same specs the HTML is made
from, so the sitemap cannot list a page that is not written, nor miss one that is.
Pending translations are noindex pages and appear nowhere here.

A news sitemap holds the stories of the two days before the build (Google News takes only
those). The build's time is the clock's, or SOURCE_DATE_EPOCH's where it is set, so a
build can be repeated byte for byte. With nothing that recent a news sitemap is an empty
<urlset>: Google says an empty news sitemap causes no problem (Search Console warns once,
to make sure it was meant), and its address stays the one robots.txt and Search Console
know. (The sitemaps.org XSD wants one <url> at least; Google's word decides here.)
Above 1,000 stories it becomes a sitemap index of numbered parts at the same address.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import dates
from .errors import CommandError
from .render import PageKind, PageSpec, SiteView, home_days
from .stories import PENDING, Story
from .taxonomy import paginate
from .text import clean_line

MAX_URLS = 50_000   # per sitemap file (sitemaps.org); above it an index lists the parts
NEWS_MAX_URLS = 1_000  # per news sitemap (Google News); above it an index lists the parts
NEWS_WINDOW = timedelta(days=2)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
EPOCH_VARIABLE = "SOURCE_DATE_EPOCH"  # https://reproducible-builds.org/specs/source-date-epoch/


def _x(text: str) -> str:
    """Text for an XML element or a double-quoted attribute."""
    # not xml.sax.saxutils: it imports urllib.request, ssl and http.client
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def build_time(environ: Mapping[str, str] | None = None) -> datetime:
    """The time of the build: SOURCE_DATE_EPOCH (seconds since 1970, UTC) where it is set,
    else the clock. A value that is not a whole number of seconds is an error (as the
    variable's specification asks), not a silent fall back to the clock."""
    value = (os.environ if environ is None else environ).get(EPOCH_VARIABLE, "").strip()
    if not value:
        return datetime.now(UTC)
    if not re.fullmatch(r"[0-9]{1,12}", value):
        raise CommandError(f"{EPOCH_VARIABLE} is '{value}', not a number of seconds since "
                           "1970-01-01 UTC",
                           "set it to a whole number such as `date +%s` prints, or unset it")
    return datetime.fromtimestamp(int(value), UTC)


@dataclass(frozen=True)
class Location:
    loc: str
    lastmod: str  # RFC 3339 with offset, or "" where a page has no date of its own
    alternates: tuple[tuple[str, str], ...]  # (hreflang, absolute URL), x-default included


def _changed(stories: Iterable[Story]) -> datetime | None:
    """When the newest of these stories last changed: its `updated`, else its date (a
    translation's `updated` is its own where it states one)."""
    return max((s.updated or s.date for s in stories), default=None)


def _lastmods(site: SiteView) -> dict[tuple[str, ...], datetime]:
    """When each page that shows stories last changed, by (language, *page key): the newest
    change among the stories it shows (as teasers, or counted), with the same choices
    render.pages makes for the pages' contexts. Pages that show no story have none."""
    cfg = site.config
    out: dict[tuple[str, ...], datetime] = {}

    def put(key: tuple[str, ...], stories: Iterable[Story]) -> None:
        changed = _changed(stories)
        if changed is not None:
            out[key] = changed

    for lang, stories in site.stories.items():
        for s in stories:
            put((lang, PageKind.ARTICLE, s.slug), (s,))
        days = site.days[lang]
        shown = home_days(days, cfg.home.days, cfg.home.items)
        put((lang, PageKind.HOME), (s for d in days[:shown] for s in d.stories))
        put((lang, PageKind.BRIEFINGS), stories)  # every day, with its count
        for d in days:
            put((lang, PageKind.BRIEFING, d.day.isoformat()), d.stories)
        for tax, groups in site.terms[lang].items():
            put((lang, PageKind.TAXONOMY, tax), (s for g in groups for s in g.stories))
            for g in groups:
                for n, chunk in enumerate(paginate(g.stories, cfg.per_page), start=1):
                    put((lang, PageKind.TERM, tax, g.term, str(n)), chunk)
    return out


def locations(site: SiteView, specs: Sequence[PageSpec]) -> tuple[Location, ...]:
    """Every indexable page. A page with versions in other languages lists all of them and
    itself (so every pair is reciprocal), plus x-default: the default language's version;
    for the home pages, the root page that leads to each of them (and lists the same set).
    Every page that shows stories has the newest change among them as its lastmod."""
    cfg, urls = site.config, site.urls
    homes = {spec.lang: spec.route for spec in specs
             if spec.kind is PageKind.HOME and spec.indexable}
    has_root = any(spec.kind is PageKind.ROOT and spec.indexable for spec in specs)
    root = urls.absolute(urls.root())
    lastmods = _lastmods(site)
    out: list[Location] = []
    for spec in specs:
        if not spec.indexable:
            continue
        is_root = spec.kind is PageKind.ROOT
        cluster = homes if is_root else spec.alternates
        alternates: tuple[tuple[str, str], ...] = ()
        if len(cluster) > 1:
            pairs = [(code, urls.absolute(r)) for code, r in sorted(cluster.items())]
            if has_root and spec.kind in (PageKind.ROOT, PageKind.HOME):
                pairs.append(("x-default", root))
            elif cfg.default_language in cluster:
                pairs.append(("x-default", urls.absolute(cluster[cfg.default_language])))
            alternates = tuple(pairs)
        changed = lastmods.get((spec.lang, *spec.key))
        out.append(Location(urls.absolute(spec.route),
                            dates.iso(changed) if changed is not None else "", alternates))
    return tuple(out)


def urlset(entries: Sequence[Location]) -> bytes:
    parts = [HEADER, f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n']
    for e in entries:
        parts.append(f"<url><loc>{_x(e.loc)}</loc>")
        if e.lastmod:
            parts.append(f"<lastmod>{e.lastmod}</lastmod>")
        parts.extend(f'<xhtml:link rel="alternate" hreflang="{_x(code)}" href="{_x(href)}"/>'
                     for code, href in e.alternates)
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode("utf-8")


def index(locs: Sequence[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{_x(loc)}</loc></sitemap>\n" for loc in locs)
    return (f'{HEADER}<sitemapindex xmlns="{SITEMAP_NS}">\n{body}</sitemapindex>\n'
            ).encode()


def recent(site: SiteView, lang: str, now: datetime) -> list[Story]:
    """A language's stories of the two days before `now`, newest first (pending
    translations are not pages of their own). One dated after `now` is published all the
    same, and listed."""
    since = now - NEWS_WINDOW
    return [s for s in site.stories[lang] if s.state != PENDING and s.date >= since]


def news_expiry(site: SiteView, now: datetime) -> datetime | None:
    """Until when the news sitemaps made at `now` stay right: when the first story they
    list falls out of the two days (None: they list none, and time adds none). A build
    that keeps the last build's sitemaps (nothing changed, or only a story's body) must
    make them again from this moment on."""
    since = now - NEWS_WINDOW
    return min((s.date + NEWS_WINDOW for ss in site.stories.values() for s in ss
                if s.state != PENDING and s.date >= since), default=None)


def news(site: SiteView, lang: str, stories: Sequence[Story]) -> bytes:
    """A Google News sitemap of these stories; an empty <urlset> for none."""
    urls = site.urls
    name = _x(clean_line(site.config.title.get(lang, "")))
    parts = [HEADER, f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n']
    for s in stories:
        parts.append(
            f"<url><loc>{_x(urls.absolute(urls.article(lang, s.slug)))}</loc><news:news>"
            f"<news:publication><news:name>{name}</news:name>"
            f"<news:language>{_x(lang)}</news:language></news:publication>"
            f"<news:publication_date>{dates.iso(s.date)}</news:publication_date>"
            f"<news:title>{_x(clean_line(s.title))}</news:title></news:news></url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode("utf-8")


def news_part(site: SiteView, lang: str, part: int) -> str:
    """The route of a numbered part of a language's news sitemap (`sitemap-news-2.xml`)."""
    return site.urls.news_sitemap(lang).removesuffix(".xml") + f"-{part}.xml"


def news_files(site: SiteView, lang: str, now: datetime, max_urls: int = NEWS_MAX_URLS
               ) -> Iterator[tuple[str, bytes]]:
    """A language's news sitemap; above `max_urls` stories, numbered parts and, at the
    news sitemap's own address, the index listing them (none is left out)."""
    urls = site.urls
    stories = recent(site, lang, now)
    if len(stories) <= max_urls:
        yield urls.news_sitemap(lang), news(site, lang, stories)
        return
    chunks = [stories[i:i + max_urls] for i in range(0, len(stories), max_urls)]
    for n, chunk in enumerate(chunks, start=1):
        yield news_part(site, lang, n), news(site, lang, chunk)
    yield urls.news_sitemap(lang), index([urls.absolute(news_part(site, lang, n))
                                          for n in range(1, len(chunks) + 1)])


def robots(site: SiteView) -> bytes:
    urls = site.urls
    maps = [urls.sitemap()] + [urls.news_sitemap(lang.code) for lang in site.config.languages]
    lines = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {urls.absolute(m)}" for m in maps]
    return ("\n".join(lines) + "\n").encode("utf-8")


def files(site: SiteView, specs: Sequence[PageSpec], *, with_robots: bool = True,
          max_urls: int = MAX_URLS, now: datetime | None = None,
          news_max_urls: int = NEWS_MAX_URLS) -> Iterator[tuple[str, bytes]]:
    """(route, bytes) of the sitemap (or index and parts), news sitemaps and robots.txt.
    `now`: the build's time, which the news sitemaps count two days back from; by default
    SOURCE_DATE_EPOCH's, else the clock's (read once here)."""
    urls = site.urls
    when = build_time() if now is None else now
    entries = locations(site, specs)
    if len(entries) <= max_urls:
        yield urls.sitemap(), urlset(entries)
    else:
        chunks = [entries[i:i + max_urls] for i in range(0, len(entries), max_urls)]
        for n, chunk in enumerate(chunks, start=1):
            yield urls.sitemap(n), urlset(chunk)
        yield urls.sitemap(), index([urls.absolute(urls.sitemap(n))
                                     for n in range(1, len(chunks) + 1)])
    for lang in site.config.languages:
        yield from news_files(site, lang.code, when, news_max_urls)
    if with_robots:
        yield urls.robots(), robots(site)
