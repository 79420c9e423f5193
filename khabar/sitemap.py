"""Sitemaps for search engines: every indexable page with its hreflang alternates, a
Google News sitemap per language, and robots.txt naming them.

The pages and their alternates come from render.pages(), the same specs the HTML is made
from, so the sitemap cannot list a page that is not written, nor miss one that is.
Pending translations are noindex pages and appear nowhere here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from . import dates
from .render import PageKind, PageSpec, SiteView
from .stories import PENDING
from .text import clean_line

MAX_URLS = 50_000   # per sitemap file (sitemaps.org); above it an index lists the parts
NEWS_MAX_URLS = 1_000  # per news sitemap (Google News)
NEWS_WINDOW = timedelta(days=2)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _x(text: str) -> str:
    """Text for an XML element or a double-quoted attribute."""
    # not xml.sax.saxutils: it imports urllib.request, ssl and http.client
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


@dataclass(frozen=True)
class Location:
    loc: str
    lastmod: str  # RFC 3339 with offset, or "" where a page has no date of its own
    alternates: tuple[tuple[str, str], ...]  # (hreflang, absolute URL), x-default included


def locations(site: SiteView, specs: Sequence[PageSpec]) -> tuple[Location, ...]:
    """Every indexable page. A page with versions in other languages lists all of them and
    itself (so every pair is reciprocal), plus x-default: the default language's version."""
    cfg, urls = site.config, site.urls
    modified = {(s.lang, s.slug): s.updated or s.date
                for ss in site.stories.values() for s in ss}
    out: list[Location] = []
    for spec in specs:
        if not spec.indexable:
            continue
        alternates: tuple[tuple[str, str], ...] = ()
        # the root leads to every home but is none of them: it has no alternates of its own
        if spec.kind is not PageKind.ROOT and len(spec.alternates) > 1:
            pairs = [(code, urls.absolute(r)) for code, r in sorted(spec.alternates.items())]
            default = spec.alternates.get(cfg.default_language)
            if default is not None:
                pairs.append(("x-default", urls.absolute(default)))
            alternates = tuple(pairs)
        lastmod = ""
        if spec.kind is PageKind.ARTICLE and (spec.lang, spec.key[1]) in modified:
            lastmod = dates.iso(modified[(spec.lang, spec.key[1])])
        out.append(Location(urls.absolute(spec.route), lastmod, alternates))
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


def news(site: SiteView, lang: str) -> bytes:
    """Google News sitemap: the stories of the two days before the newest one (not the
    build's clock, so a rebuild gives the same file)."""
    urls = site.urls
    stories = [s for s in site.stories[lang] if s.state != PENDING]
    newest = max((s.date for s in stories), default=None)
    recent = [s for s in stories if newest is not None and s.date >= newest - NEWS_WINDOW]
    name = _x(clean_line(site.config.title.get(lang, "")))
    parts = [HEADER, f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n']
    for s in recent[:NEWS_MAX_URLS]:
        parts.append(
            f"<url><loc>{_x(urls.absolute(urls.article(lang, s.slug)))}</loc><news:news>"
            f"<news:publication><news:name>{name}</news:name>"
            f"<news:language>{_x(lang)}</news:language></news:publication>"
            f"<news:publication_date>{dates.iso(s.date)}</news:publication_date>"
            f"<news:title>{_x(clean_line(s.title))}</news:title></news:news></url>\n")
    parts.append("</urlset>\n")
    return "".join(parts).encode("utf-8")


def robots(site: SiteView) -> bytes:
    urls = site.urls
    maps = [urls.sitemap()] + [urls.news_sitemap(lang.code) for lang in site.config.languages]
    lines = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {urls.absolute(m)}" for m in maps]
    return ("\n".join(lines) + "\n").encode("utf-8")


def files(site: SiteView, specs: Sequence[PageSpec], *, with_robots: bool = True,
          max_urls: int = MAX_URLS) -> Iterator[tuple[str, bytes]]:
    """(route, bytes) of the sitemap (or index and parts), news sitemaps and robots.txt."""
    urls = site.urls
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
        yield urls.news_sitemap(lang.code), news(site, lang.code)
    if with_robots:
        yield urls.robots(), robots(site)
