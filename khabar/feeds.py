"""Feeds: RSS 2.0, Atom and JSON Feed per language and per term, their discovery links, OPML.

Each story's entry is worked out once per language and shared by every feed it appears
in, so a site with many terms costs (feeds × items), not (feeds × stories). Nothing here
reads the clock: a feed's date is its newest entry's, and a rebuild is byte-identical.
RSS, Atom and OPML come from the theme's `feeds/*` templates (autoescaped, overridable by
a site); JSON Feed is serialised by `json`, which cannot produce invalid JSON.

A feed's HTML is read away from the site, and readers resolve relative links against the
feed's address: every `href` and `src` of a story's body is made absolute against the
story's own URL (`#fn-1` becomes `STORY#fn-1`), once per story, in the entry all its
feeds share. An entry's author is the article's own, else the site's (`author:`); the
outlet a story reports on is its source (`_khabar.source`, the item's HTML, Atom's
rel="via" link), never its author.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import Any
from urllib.parse import urljoin

import jinja2
from markupsafe import Markup

from . import __version__, dates
from .config import Taxonomy
from .context import FeedLinks
from .markup import plain, shorten
from .render import Link, PageKind, PageSpec, SiteView, image_view
from .stories import MACHINE, PENDING, REVIEWED, Story
from .text import clean_line, strip_controls
from .urls import FEED_TYPES, Urls

KINDS = ("rss", "atom", "json")
TEMPLATES = {"rss": "feeds/rss.xml", "atom": "feeds/atom.xml"}
ITEM_TEMPLATES = {"rss": "feeds/rss-item.xml", "atom": "feeds/atom-entry.xml"}
ITEM_HTML = "feeds/_item.html"  # the macros that make an entry's HTML, in every format
KIND_NAMES = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}
# The category scheme that marks a translated entry's provenance (machine or reviewed).
TRANSLATION_SCHEME = "urn:khabar:translation"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# Atom requires <updated> even on an empty feed; a fixed date keeps rebuilds identical.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GENERATOR = "Khabar"
GENERATOR_URI = "https://github.com/khabar/khabar"


@dataclass(frozen=True)
class Category:
    term: str    # the term's slug: stable across languages and renames of its name
    label: str   # the term's name in the entry's language
    scheme: str  # the taxonomy's absolute URL (or TRANSLATION_SCHEME)
    url: str     # the term's page, empty for provenance


@dataclass(frozen=True)
class FeedImage:
    """A story's picture in feeds: Media RSS, an Atom enclosure, JSON Feed's `image`."""

    url: str  # absolute: the largest file made of it, or its own address
    media_type: str  # "" when unknown (a remote picture)
    width: int  # 0 when unknown
    height: int
    alt: str


@dataclass(frozen=True)
class Version:
    """Another language's version of a story."""

    lang: str
    name: str  # the language's own name
    url: str


@dataclass(frozen=True)
class Entry:
    """One story as every feed of its language shows it."""

    slug: str  # the story's
    id: str  # the absolute permalink: stable across builds, unique per language
    url: str
    lang: str
    title: str
    summary: str  # plain text, never empty (see _summary)
    body_html: str  # the story's HTML, its links absolute; "" in summary feeds (the
    #                 theme's feeds/_item.html puts the provenance notice, the source and
    #                 other versions' links around it)
    published: datetime
    updated: datetime
    categories: tuple[Category, ...]
    state: str  # original | machine | reviewed
    state_label: str  # "Machine translation" in the entry's language; "" for an original
    stale: bool
    engine: str
    model: str
    original: Version | None  # the source this translation was made from
    versions: tuple[Version, ...]  # every other language's (non-pending) version
    source_name: str  # the outlet the story reports on: its source, not its author
    source_url: str
    author: str  # the article's own author, else the site's (the newsroom)
    image: FeedImage | None = None
    by_person: bool = False  # a translation its file says a person made (`engine: human`)

    @property
    def published_rfc822(self) -> str:
        return dates.rfc822(self.published)

    @property
    def published_iso(self) -> str:
        return dates.iso(self.published)

    @property
    def updated_iso(self) -> str:
        return dates.iso(self.updated)

    @property
    def provenance(self) -> Category | None:
        """The translation's provenance as a category (machine or reviewed), if translated."""
        if self.state not in (MACHINE, REVIEWED):
            return None
        return Category(self.state, self.state_label, TRANSLATION_SCHEME, "")


@dataclass(frozen=True)
class Feed:
    """One feed, format-agnostic: the RSS, Atom and JSON files are three views of it."""

    lang: str
    dir: str
    taxonomy: str | None
    term: str | None
    title: str
    description: str
    home: str  # the HTML page the feed follows (absolute)
    urls: Mapping[str, str]  # kind -> absolute feed URL
    author: str  # the site's (`author:` in site.yaml, by default its title)
    make_entries: Callable[[], tuple[Entry, ...]] = field(compare=False, repr=False)
    icon: str = ""  # absolute URL of a square PNG made from the site's logo; "" without one
    logo: str = ""  # absolute URL of the wide share card made from it
    favicon: str = ""
    copyright: str = ""  # the language's `copyright:`; "" when the site states none
    hub: str = ""  # a WebSub hub's absolute URL, or ""

    @cached_property
    def entries(self) -> tuple[Entry, ...]:
        """Its latest stories, made when first asked for (a rebuild asks few feeds)."""
        return self.make_entries()

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=EPOCH)

    @property
    def updated_iso(self) -> str:
        return dates.iso(self.updated)

    @property
    def updated_rfc822(self) -> str:
        """Empty for a feed without entries: RSS then simply omits lastBuildDate."""
        return dates.rfc822(self.updated) if self.entries else ""

    @property
    def published_rfc822(self) -> str:
        newest = max((e.published for e in self.entries), default=None)
        return dates.rfc822(newest) if newest else ""


def _engine(s: Story) -> tuple[str, str]:
    """Machine provenance only: a person's translation names no engine (as on the page)."""
    return s.translation.software if s.translation else ("", "")


# A start tag as the sanitiser (nh3) writes it: its name, then attributes whose values are
# all double-quoted (a `"` inside one is `&quot;`, so none ends early). Text is escaped:
# a `<` in a body is `&lt;`, and no text can look like a tag. Only a and img have
# URLs (markup's allowlist: href and src). No name holds a `<`: a scan never runs past
# the next tag, so text that is not a tag costs one pass.
_LINKING_TAG = re.compile(r'<(a|img)((?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*)(\s*/?>)')
_ATTRIBUTE = re.compile(r'(\s+)([^\s"\'<>/=]+)(?:="([^"]*)")?')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def absolute_links(html: str, base: str) -> str:
    """`html` with every href and src made absolute against `base` (the story's URL):
    `../other/`, `/site/fa/...`, `x.png` and `#fn-1` all point where they do on the page.
    Absolute URLs (and mailto:) are left as written; so is anything the sanitiser did not
    write (a tag this does not recognise keeps its attributes)."""
    if "<a" not in html and "<img" not in html:
        return html
    resolved: dict[str, str] = {}  # a body links the same few places many times

    def attribute(m: re.Match[str]) -> str:
        value = m.group(3)
        if m.group(2).lower() not in ("href", "src") or value is None:
            return m.group(0)
        new = resolved.get(value)
        if new is None:
            url = html_lib.unescape(value).strip()
            new = resolved[value] = value if _SCHEME.match(url) else \
                html_lib.escape(urljoin(base, url))
        return f'{m.group(1)}{m.group(2)}="{new}"'

    def tag(m: re.Match[str]) -> str:
        if "href=" not in m.group(2) and "src=" not in m.group(2):
            return m.group(0)
        return f"<{m.group(1)}{_ATTRIBUTE.sub(attribute, m.group(2))}{m.group(3)}"

    return _LINKING_TAG.sub(tag, html)


def _summary(s: Story, body: str) -> str:
    """Plain text for an entry's summary, never empty: the story's summary (its own, or
    its first paragraph), else the text of its body (a brief that is a list, a quote),
    else its title."""
    return clean_line(s.summary) or shorten(plain(body)) or clean_line(s.title)


def _published(site: SiteView) -> dict[str, frozenset[str]]:
    """The slugs each language shows in its own words (not as a pending placeholder)."""
    return {code: frozenset(s.slug for s in ss if s.state != PENDING)
            for code, ss in site.stories.items()}


def _entry(site: SiteView, s: Story, published: Mapping[str, frozenset[str]]) -> Entry:
    """A story's feed entry, without its body (see `_full`); only called for stories some
    feed shows (at most N per feed)."""
    cfg, urls, lang = site.config, site.urls, s.lang
    t = site.words[lang].plain
    url = urls.absolute(urls.article(lang, s.slug))
    versions = tuple(
        Version(o.code, o.name, urls.absolute(urls.article(o.code, s.slug)))
        for o in cfg.languages if o.code != lang and s.slug in published.get(o.code, ()))
    original = next((v for v in versions if v.lang == s.original_lang), None) \
        if s.original_lang != lang else None
    engine, model = _engine(s)
    categories = tuple(
        Category(slug, clean_line(tax.terms[slug].names[lang]),
                 urls.absolute(urls.taxonomy(lang, tax.key)),
                 urls.absolute(urls.term(lang, tax.key, slug)))
        for tax in cfg.taxonomies for slug in s.terms.get(tax.key, ()) if slug in tax.terms)
    return Entry(
        slug=s.slug, id=url, url=url, lang=lang, title=clean_line(s.title),
        summary=_summary(s, s.html), body_html="",
        published=s.date, updated=max(s.updated or s.date, s.date),
        categories=categories, state=s.state,
        state_label=t[s.state] if s.state in (MACHINE, REVIEWED) else "", stale=s.stale,
        engine=engine, model=model,
        original=original, versions=versions,
        source_name=clean_line(s.source.name) if s.source else "",
        source_url=(s.source.url or "") if s.source else "",
        author=clean_line(s.author) or clean_line(cfg.author.get(lang, "")),
        image=_image(site, s),
        by_person=s.translation is not None and s.translation.engine == "human")


def _full(entry: Entry, s: Story) -> Entry:
    """The entry with the story's body: letters as written (only controls go), every link
    absolute. Made once per story and language; every full-content feed shares it."""
    return replace(entry, body_html=absolute_links(strip_controls(s.html).strip(), entry.url))


def _image(site: SiteView, s: Story) -> FeedImage | None:
    if s.image is None:
        return None
    view = image_view(s.image, site.config, site.urls)
    return FeedImage(view.share, view.media_type, view.share_width, view.share_height,
                     clean_line(view.alt))


def catalogue(site: SiteView) -> tuple[Feed, ...]:
    """Every feed of the site: each language's, then each of its terms' (those with pages).
    Their entries are made when asked for."""
    cfg, urls = site.config, site.urls
    limit = cfg.feeds.items
    published = _published(site)
    brand = site.brand
    marks = {"icon": brand.icon_absolute, "logo": brand.share,
             "favicon": brand.favicon_absolute} if brand else {}
    feeds: list[Feed] = []
    for language in cfg.languages:
        lang = language.code
        title = clean_line(cfg.title.get(lang, ""))
        # each story's entry is made once, shared by its feeds (full text, or summary only)
        made: dict[tuple[str, bool], Entry] = {}
        author = clean_line(cfg.author.get(lang, "")) or title
        rights = clean_line(cfg.copyright.get(lang, ""))

        def pick(stories: Sequence[Story], full: bool,
                 made: dict[tuple[str, bool], Entry] = made) -> tuple[Entry, ...]:
            chosen: list[Entry] = []
            for s in stories:  # newest first already: stop at the limit
                if len(chosen) >= limit:
                    break
                if s.state == PENDING:
                    continue
                entry = made.get((s.slug, full))
                if entry is None:
                    brief = made.get((s.slug, False))
                    if brief is None:
                        brief = made[(s.slug, False)] = _entry(site, s, published)
                    entry = made[(s.slug, full)] = _full(brief, s) if full else brief
                chosen.append(entry)
            return tuple(chosen)

        feeds.append(Feed(
            lang=lang, dir=language.dir, taxonomy=None, term=None, title=title,
            description=clean_line(cfg.description.get(lang, "")) or title,
            home=urls.absolute(urls.home(lang)),
            urls={k: urls.absolute(urls.feed(k, lang)) for k in KINDS}, author=author,
            make_entries=partial(pick, site.stories[lang], cfg.feeds.full_content),
            copyright=rights, hub=cfg.hub, **marks))
        colon = site.words[lang].plain["colon"]
        for tax in cfg.taxonomies:
            tax_title = clean_line(tax.title.get(lang, tax.key))
            for group in site.terms[lang][tax.key]:
                name = clean_line(tax.terms[group.term].names[lang])
                feeds.append(Feed(
                    lang=lang, dir=language.dir, taxonomy=tax.key, term=group.term,
                    title=f"{name} · {title}", description=f"{tax_title}{colon}{name}",
                    home=urls.absolute(urls.term(lang, tax.key, group.term)),
                    urls={k: urls.absolute(urls.feed(k, lang, tax.key, group.term))
                          for k in KINDS},
                    author=author,
                    make_entries=partial(pick, group.stories, cfg.feeds.terms_full_content),
                    copyright=rights, hub=cfg.hub, **marks))
    return tuple(feeds)


def route(feed: Feed, kind: str) -> str:
    return Urls.feed(kind, feed.lang, feed.taxonomy, feed.term)


# (id of an Entry, kind): the entry (kept, so that its id is not reused) and its item, UTF-8
Fragments = dict[tuple[int, str], tuple[Entry, bytes]]
_ITEM_MARK = re.compile(r"<!--khabar-item-(\d+)-->")


def render_feed(feed: Feed, kind: str, env: jinja2.Environment, words: Mapping[str, str],
                fragments: Fragments | None = None) -> bytes:
    """One feed file. RSS and Atom from the theme's templates, JSON Feed from `json`.

    An entry appears in its language's feed and in one feed per term: its item is rendered
    (and encoded) once per format and kept in `fragments`. The feed's template is given a
    marker for each item, and the items' bytes are put in the markers' places: the long
    texts of full-content feeds are not copied and encoded again for every feed.
    """
    memo: Fragments = {} if fragments is None else fragments
    if kind == "json":
        return json_feed(feed, env, words, memo)
    item_template = env.get_template(ITEM_TEMPLATES[kind])
    items: list[bytes] = []
    for e in feed.entries:
        hit = memo.get((id(e), kind))
        if hit is None:
            hit = memo[(id(e), kind)] = (e, item_template.render(
                e=e, t=words, scheme=TRANSLATION_SCHEME).encode("utf-8"))
        items.append(hit[1])
    template = env.get_template(TEMPLATES[kind])
    envelope = template.render(
        feed=feed, items=[Markup(f"<!--khabar-item-{i}-->") for i in range(len(items))],
        generator=GENERATOR, generator_uri=GENERATOR_URI, version=__version__,
        scheme=TRANSLATION_SCHEME)
    parts = _ITEM_MARK.split(envelope)  # text, item number, text, item number, ..., text
    out = [parts[0].encode("utf-8")]
    for i in range(1, len(parts), 2):
        out += (items[int(parts[i])], parts[i + 1].encode("utf-8"))
    return b"".join(out)


def json_item(e: Entry, content_html: str) -> dict[str, Any]:
    """One JSON Feed item; Khabar's own data (provenance, other versions, the source
    outlet) under `_khabar`. `content_html` is the theme's (feeds/_item.html).
    `_khabar.translation.engine` is the software that made a machine translation, "human"
    for one its file says a person made (`engine: human`), "" when the file names none."""
    item: dict[str, Any] = {"id": e.id, "url": e.url, "title": e.title}
    item["content_html"] = content_html
    if e.summary:
        item["summary"] = e.summary
    item["date_published"] = e.published_iso
    item["date_modified"] = e.updated_iso
    if e.author:
        item["authors"] = [{"name": e.author}]
    item["language"] = e.lang
    item["tags"] = [c.label for c in e.categories]
    if e.source_url:
        item["external_url"] = e.source_url
    if e.image is not None:
        item["image"] = e.image.url
    ext: dict[str, Any] = {"state": e.state, "terms": [
        {"term": c.term, "name": c.label, "taxonomy": c.scheme, "url": c.url}
        for c in e.categories]}
    if e.state in (MACHINE, REVIEWED):
        ext["translation"] = {"status": e.state,
                              "engine": "human" if e.by_person else e.engine,
                              "model": e.model, "stale": e.stale}
    if e.original is not None:
        ext["original"] = {"language": e.original.lang, "url": e.original.url}
    if e.versions:
        ext["versions"] = [{"language": v.lang, "url": v.url} for v in e.versions]
    if e.source_name:
        ext["source"] = {"name": e.source_name, "url": e.source_url or None}
    item["_khabar"] = ext
    return item


def json_feed(feed: Feed, env: jinja2.Environment, words: Mapping[str, str],
              fragments: Fragments | None = None) -> bytes:
    """JSON Feed 1.1, put together from items serialised once each."""
    memo: Fragments = {} if fragments is None else fragments
    macros = env.get_template(ITEM_HTML).module
    items: list[bytes] = []
    for e in feed.entries:
        hit = memo.get((id(e), "json"))
        if hit is None:
            # no indent: json's C encoder only runs without one (several times faster)
            html = getattr(macros, "content" if e.body_html else "summary")(e, words)
            hit = memo[(id(e), "json")] = (e, json.dumps(json_item(e, str(html)),
                                                         ensure_ascii=False).encode("utf-8"))
        items.append(hit[1])
    doc: dict[str, Any] = {
        "version": JSON_FEED_VERSION, "title": feed.title, "home_page_url": feed.home,
        "feed_url": feed.urls["json"], "description": feed.description,
        "language": feed.lang, "authors": [{"name": feed.author, "url": feed.home}],
    }
    if feed.icon:
        doc["icon"] = feed.icon
    if feed.favicon:
        doc["favicon"] = feed.favicon
    if feed.hub:
        doc["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    if feed.copyright:  # JSON Feed has no field for it: Khabar's extension holds it
        doc["_khabar"] = {"copyright": feed.copyright}
    head = json.dumps(doc, ensure_ascii=False)
    return (head[:-1] + ', "items": [\n').encode("utf-8") + b",\n".join(items) + b"\n]}\n"


def files(site: SiteView, env: jinja2.Environment, feeds: Sequence[Feed] | None = None
          ) -> Iterator[tuple[str, bytes]]:
    """(route, bytes) of every feed file and of the OPML list."""
    feeds = catalogue(site) if feeds is None else feeds
    for feed in feeds:
        for kind in KINDS:
            yield route(feed, kind), render_feed(feed, kind, env,
                                                 site.words[feed.lang].plain)
    yield site.urls.opml(), opml(site, feeds, env)


@dataclass(frozen=True)
class Outline:
    text: str
    lang: str
    feeds: tuple[Feed, ...]  # the language's own feed first, then no more
    groups: tuple[tuple[str, tuple[Feed, ...]], ...]  # (taxonomy title, its terms' feeds)


def opml(site: SiteView, feeds: Sequence[Feed], env: jinja2.Environment) -> bytes:
    """OPML 2.0: one outline per language, in it one per taxonomy: subscribe to a whole
    group (all countries) in one step. RSS only: the three formats carry the same items,
    and a reader importing all three would show every story three times."""
    cfg = site.config
    outlines: list[Outline] = []
    for language in cfg.languages:
        mine = [f for f in feeds if f.lang == language.code]
        groups = tuple(
            (clean_line(tax.title.get(language.code, tax.key)),
             tuple(f for f in mine if f.taxonomy == tax.key))
            for tax in cfg.taxonomies)
        outlines.append(Outline(
            text=clean_line(language.name), lang=language.code,
            feeds=tuple(f for f in mine if f.taxonomy is None),
            groups=tuple(g for g in groups if g[1])))
    title = clean_line(cfg.title.get(cfg.default_language, ""))
    owner_name = clean_line(cfg.author.get(cfg.default_language, ""))
    return env.get_template("feeds/feeds.opml").render(
        title=title, outlines=outlines, owner=site.urls.absolute("/"),
        owner_name=owner_name).encode("utf-8")


def links(site: SiteView) -> FeedLinks:
    """The discovery links of each page: its term's feeds first, then its language's."""
    cfg, urls = site.config, site.urls
    names: dict[str, Taxonomy] = {tax.key: tax for tax in cfg.taxonomies}
    has_term = {(lang, tax, g.term) for lang, by_tax in site.terms.items()
                for tax, groups in by_tax.items() for g in groups}

    def of(spec: PageSpec) -> Sequence[Link]:
        lang = spec.lang if spec.lang in cfg.codes else cfg.default_language
        title = clean_line(cfg.title.get(lang, ""))
        out: list[Link] = []
        if spec.kind is PageKind.TERM and (lang, spec.key[1], spec.key[2]) in has_term:
            tax, term = names[spec.key[1]], spec.key[2]
            name = clean_line(tax.terms[term].names[lang])
            out += [Link(f"{name} · {title} ({KIND_NAMES[k]})",
                         urls.href(urls.feed(k, lang, tax.key, term)), lang=lang,
                         note=FEED_TYPES[k]) for k in KINDS]
        out += [Link(f"{title} ({KIND_NAMES[k]})", urls.href(urls.feed(k, lang)), lang=lang,
                     note=FEED_TYPES[k]) for k in KINDS]
        return out

    return of

