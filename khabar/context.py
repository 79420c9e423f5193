"""A page's template context: its own values (PageSpec.context) and what every page has,
the language's words and helpers, links to the other languages, navigation, feeds and
<head> data. Cheap to make, so the plan fingerprints it before deciding to render."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__, locales
from .i18n import Words
from .render import Link, PageKind, PageSpec, SiteView, StoryView
from .urls import Urls

FeedLinks = Callable[[PageSpec], Sequence[Link]]


def no_feeds(_spec: PageSpec) -> Sequence[Link]:
    return ()


# A page's extra <head> data (structured.Head: meta tags, JSON-LD), or None for none.
HeadData = Callable[[PageSpec], Any]


def no_head(_spec: PageSpec) -> Any:
    return None


class Contexts:
    """The full template context of each page; cheap to build, so a page's fingerprint can
    be taken from it before deciding to render."""

    def __init__(self, site: SiteView, css_href: str, feed_links: FeedLinks = no_feeds,
                 head: HeadData = no_head, env: jinja2.Environment | None = None) -> None:
        self.site, self.css_href, self.feed_links, self.head = site, css_href, feed_links, head
        self.env = env
        self._items: dict[tuple[int, str, int], tuple[StoryView, Markup]] = {}
        cfg, urls = site.config, site.urls
        self.slugs = {lang: frozenset(s.slug for s in ss) for lang, ss in site.stories.items()}
        self.plurals = {code: _plural(words) for code, words in site.words.items()}
        self.nav = {
            lang.code: [Link(site.words[lang.code].plain["home"],
                             urls.href(urls.home(lang.code)))] + [
                Link(tax.title.get(lang.code, tax.key),
                     urls.href(urls.taxonomy(lang.code, tax.key))) for tax in cfg.taxonomies]
            + [Link(site.words[lang.code].plain["briefings"],
                    urls.href(urls.briefings(lang.code))),
               *([Link(site.words[lang.code].plain["search"],
                       urls.href(urls.search(lang.code)))] if cfg.search else [])]
            for lang in cfg.languages}

    def story_item(self, story: StoryView, t: Mapping[str, str], lang: str,
                   level: int = 3) -> Markup:
        """The theme's `story_item` macro (in _macros.html), rendered once per story,
        language and heading level however many lists show it (as Hugo's cached
        partials)."""
        key = (id(story), lang, level)  # the view is kept with it: its id is not reused
        hit = self._items.get(key)
        if hit is None:
            assert self.env is not None, "Contexts made without templates"
            macros: Any = self.env.get_template("_macros.html").module
            hit = self._items[key] = (story, Markup(macros.story_item(story, t, lang, level)))
        return hit[1]

    def _section(self, spec: PageSpec) -> str:
        return _section_of(spec, self.site.urls)

    def of(self, spec: PageSpec) -> dict[str, Any]:
        cfg, urls = self.site.config, self.site.urls
        lang = cfg.language(spec.lang)
        words = self.site.words[lang.code]
        alternates = [(code, urls.absolute(route)) for code, route in sorted(
            spec.alternates.items())]
        # the root page and the home pages are one set, the root its x-default
        homes = spec.kind in (PageKind.ROOT, PageKind.HOME) and len(spec.alternates) > 1
        x_default = urls.root() if homes else spec.alternates.get(cfg.default_language)
        switch = [] if spec.kind is PageKind.ROOT else [
            Link(cfg.language(code).name, urls.href(route), lang=code,
                 dir=cfg.language(code).dir)
            for code, route in spec.alternates.items() if code != spec.lang]
        if spec.kind is PageKind.ARTICLE and not switch:
            # a translation's page: lead to the original even when this one is pending
            switch = [Link(o.name, urls.href(urls.article(o.code, spec.key[1])), lang=o.code,
                           dir=o.dir) for o in cfg.languages if o.code != spec.lang
                      and spec.key[1] in self.slugs[o.code]]
        return {
            **spec.context(),
            "lang": lang.code, "dir": lang.dir, "t": words.plain, "digits": lang.digits,
            "plural": self.plurals[lang.code], "number": words.number,
            "site_title": cfg.title.get(lang.code, ""),
            "home_url": urls.href(urls.home(lang.code)),
            "page_title": spec.title, "description": spec.description,
            "canonical": urls.absolute(spec.canonical or spec.route), "alternates": alternates,
            "x_default": urls.absolute(x_default) if x_default else "",
            "switch": switch, "nav": self.nav[lang.code], "css": self.css_href,
            "assets_url": urls.href(urls.asset("")), "script": locales.script(lang.code),
            "page_url": urls.href(spec.route), "section": self._section(spec),
            "indexable": spec.indexable, "feeds": list(self.feed_links(spec)),
            "generator": f"Khabar {__version__}", "head": self.head(spec),
            "story_item": self.story_item, "brand": self.site.brand,
        }


def _section_of(spec: PageSpec, urls: Urls) -> str:
    """The href of the navigation item a page belongs to ("" for none): its taxonomy for a
    term, the list of briefings for a day, the home page for itself."""
    lang = spec.lang
    if spec.kind is PageKind.HOME:
        return urls.href(urls.home(lang))
    if spec.kind in (PageKind.TAXONOMY, PageKind.TERM):
        return urls.href(urls.taxonomy(lang, spec.key[1]))
    if spec.kind in (PageKind.BRIEFINGS, PageKind.BRIEFING):
        return urls.href(urls.briefings(lang))
    if spec.kind is PageKind.SEARCH:
        return urls.href(urls.search(lang))
    return ""


def _plural(words: Words) -> Callable[[str, int], str]:
    """The templates' `plural(key, n)`: a key that is no count word is a template error
    naming it (and the template), not a Python traceback."""
    def plural(key: str, n: int) -> str:
        if key not in words.counted:
            raise jinja2.UndefinedError(f"'{key}' is not a count word of the {words.lang} "
                                        "catalogue (see its i18n/<lang>.yaml)")
        return words.plural(key, n)
    return plural
