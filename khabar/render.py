"""Pages: which pages the site has, what each shows, and their HTML from the templates.

Templates only present: every URL, date text and label is worked out here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import blocks, dates, i18n
from .brand import Brand
from .config import SiteConfig, Taxonomy
from .i18n import Words
from .images import Picture
from .markup import shorten
from .stories import MACHINE, PENDING, Story, StoryImage, search_parts
from .taxonomy import Day, TermGroup, by_day, by_term, paginate
from .theme import theme_dir as theme_dir  # re-exported: tests and themes use it
from .translate.confidence import flagged_blocks
from .urls import Urls

RECENT_DAYS = 14  # older days listed on the home page, under their months
RELATED = 5  # related stories on a story's page
SAME_DAY = 12  # other stories of its day on a story's page


def environment(site_root: Path, compiled: Path | None = None) -> jinja2.Environment:
    """Site templates first, then the default theme; autoescape on for every template.

    `compiled`: a folder where Jinja keeps compiled templates between runs (checked
    against each template's source, so an edited template is compiled again)."""
    loaders: list[jinja2.BaseLoader] = []
    own = site_root / "templates"
    if own.is_dir() and own.resolve() != theme_dir().resolve():
        loaders.append(jinja2.FileSystemLoader(own))
    loaders.append(jinja2.FileSystemLoader(theme_dir()))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None,
    )


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    lang: str = ""
    dir: str = ""
    note: str = ""
    count: int = 0  # the stories behind the link (a day's, a term's): for `plural`


@dataclass(frozen=True)
class ImageView:
    """A story's picture as a template shows it: every URL made, the sizes known."""

    src: str  # the middle variant (a browser without srcset), or the remote address
    srcset: str  # "URL 480w, URL 800w, …"; "" for one file
    width: int  # of `src`: width and height reserve the space (0: unknown, remote)
    height: int
    alt: str
    caption: str
    credit: str
    lang: str  # of alt, caption and credit
    dir: str
    share: str  # absolute URL of the largest file: og:image, JSON-LD, feeds
    share_width: int
    share_height: int
    media_type: str  # "" when unknown (remote)


@dataclass(frozen=True)
class StoryView:
    """A story as a template shows it."""

    slug: str
    url: str
    title: str
    text_lang: str
    text_dir: str
    summary: str
    date_iso: str
    date_text: str
    time_text: str  # the time of day in the site's timezone; "" when the date gives none
    when_text: str  # the day and the time of day together, as the language joins them
    updated_iso: str
    updated_text: str
    kind: str
    kind_label: str  # "" for an article; the word for a brief
    state: str
    state_label: str
    stale: bool
    html: str
    terms: tuple[Link, ...]
    source: Link | None
    original: Link | None  # the original-language page, for translations and pending
    engine: str
    model: str
    image: ImageView | None = None


@dataclass(frozen=True)
class StoryRef:
    """A story as a line of a short list (a story page's same-day and related ones): only
    what the line shows, so a page listing it changes only when that does."""

    slug: str
    url: str
    title: str
    text_lang: str
    text_dir: str
    date_iso: str
    when_text: str


@dataclass(frozen=True)
class DayView:
    """One day's stories as a list shows them under the day's heading."""

    link: Link  # the day (with its weekday) and its briefing
    iso: str
    reports: tuple[StoryView, ...]
    briefs: tuple[StoryView, ...]


@dataclass(frozen=True)
class MonthView:
    """A month of the briefings archive (a Solar Hijri one on Persian pages)."""

    label: str
    days: tuple[Link, ...]


class PageKind(StrEnum):
    """What a page is: the first part of its key."""

    HOME = "home"
    BRIEFING = "briefing"  # one day
    BRIEFINGS = "briefings"  # the list of days
    ARTICLE = "article"
    TAXONOMY = "taxonomy"  # the index of a taxonomy's terms
    TERM = "term"
    SEARCH = "search"  # a language's search page
    BILINGUAL = "bilingual"  # a translation beside its original
    ROOT = "root"  # the language chooser at the site's root
    NOT_FOUND = "404"


@dataclass
class PageSpec:
    """A page before rendering: where it goes, which template, and its own context."""

    route: str
    lang: str
    template: str
    key: tuple[str, ...]  # (PageKind, ...what names it within its kind): the same page
    #                       in every language has the same key
    title: str
    context: Callable[[], dict[str, Any]]  # the template's own values, made when needed
    description: str = ""
    indexable: bool = True
    alternates: dict[str, str] = field(default_factory=dict)
    canonical: str = ""  # the route search engines should take instead of this one's

    @property
    def kind(self) -> PageKind:
        return PageKind(self.key[0])


@dataclass(frozen=True)
class SiteView:
    """Everything the render stage derives from the loaded site, per language."""

    config: SiteConfig
    urls: Urls
    stories: Mapping[str, tuple[Story, ...]]
    days: Mapping[str, tuple[Day, ...]]
    terms: Mapping[str, Mapping[str, tuple[TermGroup, ...]]]
    words: Mapping[str, Words]  # each language's interface words, read once a build
    pictures: Mapping[str, Picture] = field(default_factory=dict)  # local images by src
    brand: Brand | None = None  # the logo and what is made from it


def derive(config: SiteConfig, stories: Mapping[str, tuple[Story, ...]], urls: Urls,
           pictures: Mapping[str, Picture] | None = None,
           brand: Brand | None = None) -> SiteView:
    """The site as pages see it; reads the message catalogues (a KhabarError names every
    missing or misshapen word)."""
    tz = config.tz
    return SiteView(
        config=config, urls=urls, stories=stories,
        days={lang: by_day(s, tz) for lang, s in stories.items()},
        terms={lang: by_term(config, s) for lang, s in stories.items()},
        words=i18n.load(config.root, theme_dir(), config.languages),
        pictures=pictures or {}, brand=brand,
    )


def image_view(image: StoryImage, config: SiteConfig, urls: Urls) -> ImageView:
    """A story's picture with its URLs: local files by their variants, a remote one as
    it is."""
    ref, picture = image.ref, image.picture
    words = dict(alt=ref.alt, caption=ref.caption, credit=ref.credit, lang=image.lang,
                 dir=config.language(image.lang).dir)
    if picture is None:
        return ImageView(src=ref.src, srcset="", width=0, height=0, share=ref.src,
                         share_width=0, share_height=0, media_type="", **words)
    variants = picture.variants
    # the file a browser without srcset shows: 800 px (a column's width), or the largest
    middle = next((v for v in variants if v.width >= 800), variants[-1])
    largest = variants[-1]
    srcset = ", ".join(f"{urls.href(urls.media(v.name))} {v.width}w" for v in variants) \
        if len(variants) > 1 else ""
    return ImageView(src=urls.href(urls.media(middle.name)), srcset=srcset,
                     width=middle.width, height=middle.height,
                     share=urls.absolute(urls.media(largest.name)),
                     share_width=largest.width, share_height=largest.height,
                     media_type=picture.media_type, **words)


class _Views:
    """Builds StoryViews and links for one language."""

    def __init__(self, site: SiteView, lang: str) -> None:
        self.site, self.lang = site, lang
        self.config, self.urls = site.config, site.urls
        self.words = site.words[lang]
        self.t = self.words.plain
        language = self.config.language(lang)
        self.dir, self.calendar, self.digits = language.dir, language.calendar, language.digits
        self.also_gregorian = language.also_gregorian

    def term_name(self, taxonomy: Taxonomy, slug: str, lang: str | None = None) -> str:
        return taxonomy.terms[slug].names[lang or self.lang]

    def story(self, s: Story) -> StoryView:
        cfg, urls, lang = self.config, self.urls, self.lang
        terms = tuple(
            Link(self.term_name(tax, slug), urls.href(urls.term(lang, tax.key, slug)),
                 note=tax.title.get(lang, tax.key))
            for tax in cfg.taxonomies for slug in s.terms.get(tax.key, ()))
        original = None
        if s.original_lang != lang:
            olang = cfg.language(s.original_lang)
            original = Link(olang.name, urls.href(urls.article(olang.code, s.slug)),
                            lang=olang.code, dir=olang.dir)
        source = Link(s.source.name, s.source.url or "") if s.source else None
        state_label = "" if s.state == "original" else self.t[s.state]
        engine, model = s.translation.software if s.translation else ("", "")
        date_text = self.day_text(dates.day_of(s.date, cfg.tz), weekday=False)
        time_text = dates.format_time(s.date, lang, cfg.tz, self.digits) \
            if dates.has_time(s.date, cfg.tz) else ""
        return StoryView(
            slug=s.slug, url=urls.href(urls.article(lang, s.slug)), title=s.title,
            text_lang=s.text_lang, text_dir=cfg.language(s.text_lang).dir, summary=s.summary,
            date_iso=dates.iso(s.date),
            date_text=date_text, time_text=time_text,
            when_text=dates.join_day_time(date_text, time_text, lang),
            updated_iso=dates.iso(s.updated) if s.updated else "",
            updated_text=self.day_text(dates.day_of(s.updated, cfg.tz), weekday=False)
            if s.updated else "",
            kind=s.kind, kind_label=self.t["brief"] if s.kind == "brief" else "",
            state=s.state, state_label=state_label, stale=s.stale, html=s.html,
            terms=terms, source=source, original=original, engine=engine, model=model,
            image=image_view(s.image, cfg, urls) if s.image else None)

    def day_text(self, d: date, weekday: bool = True) -> str:
        text = dates.format_day(d, self.lang, weekday, self.calendar, self.digits)
        if self.also_gregorian and self.calendar == "persian":
            text += f" ({dates.format_day(d, self.lang, False, 'gregorian', self.digits)})"
        return text

    def months(self, days: Sequence[Day], links: Sequence[Link]) -> list[MonthView]:
        """Days (newest first) with their links, grouped by month in the language's
        calendar."""
        out: list[MonthView] = []
        current: tuple[int, int] | None = None
        for d, link in zip(days, links, strict=True):
            month = dates.month_of(d.day, self.calendar)
            if month != current:
                current = month
                out.append(MonthView(dates.format_month(d.day, self.lang, self.calendar,
                                                        self.digits), ()))
            out[-1] = replace(out[-1], days=(*out[-1].days, link))
        return out

    def number(self, n: int) -> str:
        return self.words.number(n)


def pages(site: SiteView) -> list[PageSpec]:
    """Every HTML page of the site, with hreflang alternates resolved. Their contexts are
    made when asked for: an incremental build that redoes a few pages still needs every
    page's route for the alternates, and no other page's context."""
    specs: list[PageSpec] = []
    for language in site.config.languages:
        specs.extend(_language_pages(site, language.code))
    specs.append(_root(site))
    specs.extend(_not_found(site))
    by_key: dict[tuple[str, ...], dict[str, str]] = {}
    # a language's search page is no page to index, but leads to the others' all the same
    twinned = [spec for spec in specs if spec.kind is not PageKind.ROOT
               and (spec.indexable or spec.kind is PageKind.SEARCH)]
    for spec in twinned:
        by_key.setdefault(spec.key, {})[spec.lang] = spec.route
    for spec in twinned:  # the root keeps the homes
        spec.alternates = by_key.get(spec.key, {spec.lang: spec.route})
    return specs


class _Lazy(dict[str, StoryView]):
    """Story views made on first use: a partial build looks at few of them."""

    def __init__(self, make: Callable[[str], StoryView]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, slug: str) -> StoryView:
        view = self[slug] = self.make(slug)
        return view


def _language_pages(site: SiteView, lang: str) -> Iterable[PageSpec]:
    pages = _LanguagePages(site, lang)
    yield from pages.lists()
    yield from pages.stories()
    yield from pages.terms()


class _LanguagePages:
    """One language's pages, each with its context made when asked for; what several
    pages show (story views, day links) is made once and shared."""

    def __init__(self, site: SiteView, lang: str) -> None:
        self.site, self.lang = site, lang
        self.v = v = _Views(site, lang)
        self.urls, self.cfg, self.t = site.urls, site.config, v.t
        self.all = site.stories[lang]
        self.days = site.days[lang]
        self.by_slug = {s.slug: s for s in self.all}
        self.views = _Lazy(lambda slug: v.story(self.by_slug[slug]))
        # lists show titles and summaries, never bodies: without the body, a list page's
        # fingerprint changes only when what it shows changes
        self.teasers = _Lazy(lambda slug: replace(self.views[slug], html=""))
        self.made_links: dict[int, Link] = {}
        self.made_refs: dict[str, StoryRef] = {}
        self.position = {s.slug: k for k, s in enumerate(self.all)}
        self.day_index = {s.slug: i for i, d in enumerate(self.days) for s in d.stories}
        self.tagged: dict[str, list[str]] = {}  # slug -> slugs sharing a tag (on first use)
        self.versions = {code: {x.slug: x for x in ss} for code, ss in site.stories.items()}

    # shared pieces

    def ref(self, slug: str) -> StoryRef:
        hit = self.made_refs.get(slug)
        if hit is None:
            f = self.views[slug]
            hit = self.made_refs[slug] = StoryRef(f.slug, f.url, f.title, f.text_lang,
                                                  f.text_dir, f.date_iso, f.when_text)
        return hit

    def day_link(self, i: int) -> Link:  # dates are slow to format: only those shown
        link = self.made_links.get(i)
        if link is None:
            d = self.days[i]
            link = self.made_links[i] = Link(
                self.v.day_text(d.day), self.urls.href(self.urls.briefing(self.lang, d.day)),
                count=len(d.stories))
        return link

    def day_view(self, i: int) -> DayView:
        d, teasers = self.days[i], self.teasers
        return DayView(self.day_link(i), d.day.isoformat(),
                       tuple(teasers[s.slug] for s in d.stories if s.kind == "article"),
                       tuple(teasers[s.slug] for s in d.stories if s.kind != "article"))

    # the home page, the days, the list of days, the search page

    def lists(self) -> Iterable[PageSpec]:
        urls, cfg, t, lang, days = self.urls, self.cfg, self.t, self.lang, self.days
        yield PageSpec(urls.home(lang), lang, "home.html", (PageKind.HOME,),
                       cfg.title.get(lang, ""), self.home_context,
                       description=cfg.description.get(lang, ""))
        for i, d in enumerate(days):
            yield PageSpec(urls.briefing(lang, d.day), lang, "briefing.html",
                           (PageKind.BRIEFING, d.day.isoformat()),
                           f"{t['briefing']}{t['colon']}{self.day_link(i).label}",
                           partial(self.briefing_context, i),
                           description=headlines(self.day_link(i).label, d.stories,
                                                 t["colon"]))
        if cfg.search:
            index_url = urls.href(urls.search_index())
            # the first index is the page's, the others are merged into it (search.js)
            parts = search_parts(self.all)
            bundles = [urls.href(urls.search_bundle(lang, part, parts))
                       for part in range(1, parts + 1)]
            # a result's thumbnail column only where some story has a picture
            images = any(s.image is not None for s in self.all if s.state != PENDING)
            yield PageSpec(urls.search(lang), lang, "search.html", (PageKind.SEARCH,),
                           t["search"], lambda: {"index_url": index_url, "bundles": bundles,
                                                 "images": images},
                           description=t["search"], indexable=False)
        yield PageSpec(urls.briefings(lang), lang, "briefings.html", (PageKind.BRIEFINGS,),
                       t["briefings"], self.briefings_context,
                       description=headlines(t["briefings"], (), t["colon"],
                                             cfg.description.get(lang, "")))

    def briefing_context(self, i: int) -> dict[str, Any]:
        d, days, teasers = self.days[i], self.days, self.teasers
        return {
            "day_text": self.v.day_text(d.day), "day_iso": d.day.isoformat(),
            "reports": [teasers[s.slug] for s in d.stories if s.kind == "article"],
            "briefs": [teasers[s.slug] for s in d.stories if s.kind != "article"],
            "newer": self.day_link(i - 1) if i > 0 else None,
            "older": self.day_link(i + 1) if i + 1 < len(days) else None,
            "recent": [self.day_link(k) for k in range(min(RECENT_DAYS, len(days)))],
        }

    def home_context(self) -> dict[str, Any]:
        days, home = self.days, self.cfg.home
        shown = home_days(days, home.days, home.items)
        rest = range(shown, min(len(days), shown + RECENT_DAYS))
        return {
            **(self.briefing_context(0) if days else {
                "day_text": "", "day_iso": "", "reports": [], "briefs": [], "newer": None,
                "older": None, "recent": []}),
            "latest": [self.day_view(i) for i in range(shown)],
            "archive": self.v.months([days[i] for i in rest],
                                     [self.day_link(i) for i in rest]),
            "briefings_url": self.urls.href(self.urls.briefings(self.lang)),
        }

    def briefings_context(self) -> dict[str, Any]:
        links = [self.day_link(i) for i in range(len(self.days))]
        return {"days": links, "months": self.v.months(self.days, links)}

    # each story's page, and a translation's bilingual page

    def stories(self) -> Iterable[PageSpec]:
        urls, t, lang = self.urls, self.t, self.lang
        for s in self.all:
            yield PageSpec(urls.article(lang, s.slug), lang, "article.html",
                           (PageKind.ARTICLE, s.slug), s.title,
                           partial(self.article_context, s.slug),
                           description=shorten(s.summary or s.title, 200),
                           indexable=s.state != PENDING)
            if s.original_lang != lang and s.state != PENDING:
                yield PageSpec(urls.bilingual(lang, s.slug), lang, "bilingual.html",
                               (PageKind.BILINGUAL, s.slug),
                               f"{s.title} ({t['side_by_side']})",
                               partial(self.bilingual_context, s.slug),
                               description=shorten(s.summary or s.title, 200),
                               indexable=False, canonical=urls.article(lang, s.slug))

    def article_context(self, slug: str) -> dict[str, Any]:
        k, i = self.position[slug], self.day_index[slug]
        return {"story": self.views[slug], "day": self.day_link(i),
                "side_by_side": self.side_by_side(self.by_slug[slug]),
                "same_day": [self.ref(x.slug) for x in self.days[i].stories
                             if x.slug != slug][:SAME_DAY],
                "related": self.related(slug),
                "newer": self.neighbour(k - 1), "older": self.neighbour(k + 1)}

    def related(self, slug: str) -> list[StoryRef]:
        """Stories sharing a tag with this one, newest first."""
        if not self.tagged:
            for groups in self.site.terms[self.lang].values():
                for g in groups:
                    for story in g.stories:
                        self.tagged.setdefault(story.slug, []).extend(
                            x.slug for x in g.stories)
        near = set(self.tagged.get(slug, ())) - {slug}
        return [self.ref(x) for x in sorted(near, key=self.position.__getitem__)[:RELATED]]

    def neighbour(self, k: int) -> StoryRef | None:
        return self.ref(self.all[k].slug) if 0 <= k < len(self.all) else None

    def side_by_side(self, s: Story) -> list[Link]:
        """The bilingual views a story's page leads to: its own, for a translation; each
        translation's, for an original."""
        cfg, urls, lang = self.cfg, self.urls, self.lang
        if s.original_lang != lang:
            return [Link(cfg.language(s.original_lang).name,
                         urls.href(urls.bilingual(lang, s.slug)), lang=s.original_lang,
                         dir=cfg.language(s.original_lang).dir)] if s.state != PENDING else []
        return [Link(o.name, urls.href(urls.bilingual(o.code, s.slug)), lang=o.code,
                     dir=o.dir) for o in cfg.languages
                if o.code != lang and self.translated(o.code, s.slug)]

    def translated(self, code: str, slug: str) -> bool:
        other = self.versions.get(code, {}).get(slug)
        return other is not None and other.state != PENDING and other.original_lang == self.lang

    def bilingual_context(self, slug: str) -> dict[str, Any]:
        s = self.by_slug[slug]
        original = self.versions[s.original_lang][slug]
        olang = self.cfg.language(s.original_lang)
        source, target = blocks.split(original.html), blocks.split(s.html)
        aligned = len(source) == len(target)
        if not aligned:  # a person's translation may regroup paragraphs: whole bodies
            source, target = ["\n".join(source)], ["\n".join(target)]
        low = set()  # the blocks holding the model's least sure sentences
        if aligned and s.translation is not None and s.state == MACHINE:
            low = flagged_blocks(target, [{"where": where, "text": words}
                                          for where, words in s.translation.low_confidence])
        return {"story": self.views[slug],
                "original": Link(original.title,
                                 self.urls.href(self.urls.article(olang.code, slug)),
                                 lang=olang.code, dir=olang.dir, note=olang.name),
                "rows": [(Markup(_own_ids(a, "o-")), Markup(_own_ids(b, "t-")), k in low)
                         for k, (a, b) in enumerate(zip(source, target, strict=True))],
                "aligned": aligned}

    # each taxonomy's index and its terms' pages

    def terms(self) -> Iterable[PageSpec]:
        urls, cfg, t, lang, v = self.urls, self.cfg, self.t, self.lang, self.v
        for tax in cfg.taxonomies:
            groups = self.site.terms[lang][tax.key]
            yield PageSpec(urls.taxonomy(lang, tax.key), lang, "taxonomy.html",
                           (PageKind.TAXONOMY, tax.key), tax.title.get(lang, tax.key),
                           partial(self.taxonomy_context, tax, groups),
                           description=headlines(tax.title.get(lang, tax.key), (), t["colon"],
                                                 v.words.join([v.term_name(tax, g.term)
                                                               for g in groups[:12]])))
            for g in groups:
                chunks = paginate(g.stories, cfg.per_page)
                name = v.term_name(tax, g.term)
                for n in range(1, len(chunks) + 1):
                    title = name if n == 1 else \
                        f"{name} ({v.words.format('page_n', n=v.number(n))})"
                    yield PageSpec(urls.term(lang, tax.key, g.term, n), lang, "term.html",
                                   (PageKind.TERM, tax.key, g.term, str(n)), title,
                                   partial(self.term_context, tax, g, name, chunks, n),
                                   description=headlines(title, chunks[n - 1], t["colon"]))

    def taxonomy_context(self, tax: Taxonomy, groups: tuple[TermGroup, ...]) -> dict[str, Any]:
        v, urls, lang = self.v, self.urls, self.lang
        ranked = sorted(groups, key=lambda g: (-len(g.stories), v.term_name(tax, g.term)))
        return {"taxonomy_title": tax.title.get(lang, tax.key), "terms": [
            Link(v.term_name(tax, g.term), urls.href(urls.term(lang, tax.key, g.term)),
                 count=len(g.stories)) for g in ranked]}

    def term_context(self, tax: Taxonomy, g: TermGroup, name: str,
                     chunks: Sequence[Sequence[Story]], n: int) -> dict[str, Any]:
        v, urls, lang, cfg = self.v, self.urls, self.lang, self.cfg

        def page_link(k: int) -> Link:
            return Link(v.number(k), urls.href(urls.term(lang, tax.key, g.term, k)))
        return {
            "term_name": name, "taxonomy_title": tax.title.get(lang, tax.key),
            "taxonomy_url": urls.href(urls.taxonomy(lang, tax.key)),
            "stories": [self.teasers[s.slug] for s in chunks[n - 1]],
            "count": len(g.stories), "page": n, "pages": len(chunks),
            "newer": page_link(n - 1) if n > 1 else None,
            "older": page_link(n + 1) if n < len(chunks) else None,
            "twins": [Link(tax.terms[g.term].names[o.code],
                           urls.href(urls.term(o.code, tax.key, g.term)),
                           lang=o.code, dir=o.dir, note=o.name)
                      for o in cfg.languages if o.code != lang
                      and any(x.term == g.term for x in self.site.terms[o.code][tax.key])],
        }


def _own_ids(html: str, prefix: str) -> str:
    """A body's ids and the links to them, prefixed: two bodies on one page (the bilingual
    view) both have a `fn-1`."""
    html = re.sub(r'\bid="([^"]*)"', lambda m: f'id="{prefix}{m.group(1)}"', html)
    return re.sub(r'\bhref="#([^"]*)"', lambda m: f'href="#{prefix}{m.group(1)}"', html)


def headlines(lead: str, stories: Sequence[Story], colon: str, text: str = "") -> str:
    """A list page's description (its <meta name="description">, its share card's text):
    what it is, then the headlines it shows in its own language (or `text`)."""
    shown = text or " · ".join(s.title for s in stories if s.state != PENDING)
    return shorten(f"{lead}{colon}{shown}" if shown else lead, 200)


def home_days(days: Sequence[Day], most_days: int, most_items: int) -> int:
    """How many of the newest days the home page shows: at most `most_days`, whole days
    while their stories add up to at most `most_items`, and always the newest."""
    shown = total = 0
    for d in days[:most_days]:
        total += len(d.stories)
        if shown and total > most_items:
            break
        shown += 1
    return shown


def _not_found(site: SiteView) -> list[PageSpec]:
    """A not-found page per language (`/<lang>/404.html`), and the root one (`/404.html`),
    which says it in every language, each leading to its home page."""
    cfg, urls = site.config, site.urls
    out = [PageSpec(urls.not_found(lang.code), lang.code, "404.html",
                    (PageKind.NOT_FOUND, lang.code), site.words[lang.code].plain["not_found"],
                    dict, indexable=False,
                    description=site.words[lang.code].plain["not_found_text"])
           for lang in cfg.languages]

    def every_language() -> dict[str, Any]:
        return {"messages": [
            {"lang": lang.code, "dir": lang.dir, "title": site.words[lang.code].plain[
                "not_found"], "text": site.words[lang.code].plain["not_found_text"],
             "home": site.words[lang.code].plain["home"],
             "href": urls.href(urls.home(lang.code))} for lang in cfg.languages]}

    out.append(PageSpec(urls.not_found(), cfg.default_language, "404-root.html",
                        (PageKind.NOT_FOUND,), site.words[cfg.default_language].plain[
                            "not_found"], every_language, indexable=False,
                        description=site.words[cfg.default_language].plain["not_found_text"]))
    return out


def _root(site: SiteView) -> PageSpec:
    cfg, urls = site.config, site.urls
    choices = [Link(cfg.title.get(lang.code, ""), urls.href(urls.home(lang.code)),
                    lang=lang.code, dir=lang.dir, note=lang.name) for lang in cfg.languages]
    return PageSpec(urls.root(), cfg.default_language, "root.html", (PageKind.ROOT,),
                    cfg.title.get(cfg.default_language, ""), lambda: {"choices": choices},
                    alternates={lang.code: urls.home(lang.code) for lang in cfg.languages})


def render_page(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(template).render(context).encode("utf-8")
