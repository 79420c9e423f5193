"""Structured data for link previews and search engines: Open Graph and Twitter card tags on
every page, schema.org NewsArticle JSON-LD on article pages.

Worked out here from the stories and handed to the templates ready to print, so a theme
only decides where the tags go. The JSON-LD is escaped for a <script> element: a title
containing `</script>` cannot end it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from . import dates
from .brand import ICON_SIZES
from .images import SHARE_SIZE
from .markup import shorten
from .render import PageKind, PageSpec, SiteView, image_view
from .stories import MACHINE, PENDING, Story
from .text import clean_line

# Open Graph wants language_TERRITORY; these are the usual pairs, others use the code.
OG_LOCALES = {"fa": "fa_IR", "en": "en_US", "ar": "ar_AR", "de": "de_DE", "fr": "fr_FR",
              "ru": "ru_RU", "tr": "tr_TR", "ps": "ps_AF", "ur": "ur_PK"}
HEADLINE_LIMIT = 110  # Google's limit for a NewsArticle headline
DESCRIPTION_LIMIT = 200  # as render.pages shortens a page's description
LARGE_CARD = 800  # narrower share images make a small card (X wants 300x157 at least)


@dataclass(frozen=True)
class Meta:
    attr: str  # "property" (Open Graph) or "name" (Twitter)
    key: str
    value: str


@dataclass(frozen=True)
class Head:
    """What a page adds to its <head>: meta tags and, for an article, its JSON-LD."""

    meta: tuple[Meta, ...] = ()
    json_ld: str = ""  # a Markup when set: printed as it is

    @property
    def meta_html(self) -> Markup:
        """The meta tags, one a line: escaped here in one go (a dozen tags on every page,
        three escapes each, were a tenth of the template work)."""
        esc = html.escape
        return Markup("".join(f'<meta {esc(m.attr)}="{esc(m.key)}" content="{esc(m.value)}">\n'
                              for m in self.meta))


def og_locale(lang: str) -> str:
    return OG_LOCALES.get(lang, lang.replace("-", "_"))


def script_json(data: Mapping[str, Any]) -> Markup:
    """JSON for <script type="application/ld+json">: `<`, `>`, `&` as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # the C encoder: fast
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def heads(site: SiteView) -> Callable[[PageSpec], Head]:
    """The head data of each page; stories are looked up once, by language and slug."""
    cfg, urls = site.config, site.urls
    stories: dict[tuple[str, str], Story] = {
        (s.lang, s.slug): s for ss in site.stories.values() for s in ss}

    def of(spec: PageSpec) -> Head:
        lang = spec.lang
        site_name = clean_line(cfg.title.get(lang, ""))
        title = clean_line(spec.title) or site_name
        url = urls.absolute(spec.route)
        story = stories.get((lang, spec.key[1])) if spec.kind is PageKind.ARTICLE else None
        # a story's page describes the story (a brief without a body: by its title), never
        # the site: every brief sharing the site's description says nothing of any of them
        description = clean_line(spec.description) or (
            story_description(story) if story is not None
            else clean_line(cfg.description.get(lang, "")))
        meta = [Meta("property", "og:site_name", site_name),
                Meta("property", "og:title", title),
                Meta("property", "og:type", "article" if story else "website"),
                Meta("property", "og:url", url),
                Meta("property", "og:locale", og_locale(lang))]
        meta += [Meta("property", "og:locale:alternate", og_locale(code))
                 for code in sorted(spec.alternates) if code != lang]
        if description:
            meta.append(Meta("property", "og:description", description))
        if story is not None:
            meta.append(Meta("property", "article:published_time", dates.iso(story.date)))
            if story.updated:
                meta.append(Meta("property", "article:modified_time", dates.iso(story.updated)))
            meta.append(Meta("property", "article:author", author_name(site, story)))
            section = article_section(site, story)
            if section:
                meta.append(Meta("property", "article:section", section))
            meta += [Meta("property", "article:tag", clean_line(tax.terms[slug].names[lang]))
                     for tax in cfg.taxonomies for slug in story.terms.get(tax.key, ())
                     if slug in tax.terms]
        picture = share_image(site, story)
        if picture is not None:
            url_, width, height, alt = picture
            meta.append(Meta("property", "og:image", url_))
            if width:
                meta += [Meta("property", "og:image:width", str(width)),
                         Meta("property", "og:image:height", str(height))]
            if alt:
                meta.append(Meta("property", "og:image:alt", alt))
        large = picture is not None and (not picture[1] or picture[1] >= LARGE_CARD)
        meta += [Meta("name", "twitter:card", "summary_large_image" if large else "summary"),
                 Meta("name", "twitter:title", title)]
        if description:
            meta.append(Meta("name", "twitter:description", description))
        if picture is not None:
            meta.append(Meta("name", "twitter:image", picture[0]))
            if picture[3]:
                meta.append(Meta("name", "twitter:image:alt", picture[3]))
        ld: str = ""
        if story is not None and story.state != PENDING:
            ld = script_json(news_article(site, story, stories))
        return Head(tuple(meta), ld)

    return of


def story_description(story: Story) -> str:
    """A story's own text for its description: its summary (its own, else its first
    paragraph), else its title."""
    return shorten(clean_line(story.summary), DESCRIPTION_LIMIT) or clean_line(story.title)


def author_name(site: SiteView, story: Story) -> str:
    """Who wrote a story: its own author, else the site's (the newsroom, which defaults to
    the site's title); never the outlet it reports on (that is its source)."""
    lang = story.lang
    return clean_line(story.author) or clean_line(site.config.author.get(lang, "")) \
        or clean_line(site.config.title.get(lang, ""))


def article_section(site: SiteView, story: Story) -> str:
    """A story's section (Open Graph article:section, schema.org articleSection): its
    first term of the site's first taxonomy (a country, say), in the story's language;
    "" when it has none there. Other taxonomies (people, say) are tags, not sections."""
    taxonomies = site.config.taxonomies
    if not taxonomies:
        return ""
    tax = taxonomies[0]
    first = next((slug for slug in story.terms.get(tax.key, ()) if slug in tax.terms), None)
    return clean_line(tax.terms[first].names[story.lang]) if first is not None else ""


def share_image(site: SiteView, story: Story | None) -> tuple[str, int, int, str] | None:
    """(absolute URL, width, height, alt) of a page's share image: its story's picture
    (the largest file made of it), else the card made from the site's logo; None when
    there is neither. Width and height are 0 for a picture at another site's address."""
    image = story.image if story is not None else None
    if image is not None:
        view = image_view(image, site.config, site.urls)
        return view.share, view.share_width, view.share_height, view.alt
    brand = site.brand
    if brand is not None and brand.share:
        return brand.share, SHARE_SIZE[0], SHARE_SIZE[1], ""
    return None


def news_article(site: SiteView, s: Story, stories: Mapping[tuple[str, str], Story]
                 ) -> dict[str, Any]:
    """schema.org NewsArticle; a translation names its original (translationOfWork), an
    original its published translations (workTranslation)."""
    cfg, urls = site.config, site.urls
    lang = s.lang
    url = urls.absolute(urls.article(lang, s.slug))
    home = urls.absolute(urls.home(lang))
    publisher: dict[str, Any] = {"@type": "Organization",
                                 "name": clean_line(cfg.title.get(lang, "")), "url": home}
    brand = site.brand
    if brand is not None:  # a PNG where one was made: not every reader of JSON-LD takes SVG
        publisher["logo"] = {"@type": "ImageObject", "url": brand.icon_absolute,
                             "width": ICON_SIZES[0], "height": ICON_SIZES[0]} \
            if brand.icon else {"@type": "ImageObject", "url": brand.logo_absolute,
                                "width": brand.logo_width, "height": brand.logo_height}
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "NewsArticle", "@id": url, "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": shorten(clean_line(s.title), HEADLINE_LIMIT),
        "inLanguage": lang,
        "datePublished": dates.iso(s.date),
        "dateModified": dates.iso(s.updated or s.date),
        "publisher": publisher,
    }
    if s.summary:
        data["description"] = clean_line(s.summary)
    if s.image is not None:
        view = image_view(s.image, cfg, urls)
        data["image"] = {"@type": "ImageObject", "url": view.share,
                         **({"width": view.share_width, "height": view.share_height}
                            if view.share_width else {}),
                         **({"caption": view.caption} if view.caption else {}),
                         **({"creditText": view.credit} if view.credit else {})}
    about = [{"@type": "Thing", "name": clean_line(tax.terms[slug].names[lang]),
              "url": urls.absolute(urls.term(lang, tax.key, slug))}
             for tax in cfg.taxonomies for slug in s.terms.get(tax.key, ()) if slug in tax.terms]
    if about:
        data["about"] = about
        data["keywords"] = [a["name"] for a in about]
    section = article_section(site, s)
    if section:
        data["articleSection"] = section
    # the author is who wrote the story (a person, else the newsroom); the outlet it
    # reports on is its source: the work it is based on, published by that outlet
    name = author_name(site, s)
    if s.author:
        data["author"] = {"@type": "Person", "name": name}
    elif name == publisher["name"]:
        data["author"] = publisher
    else:
        data["author"] = {"@type": "Organization", "name": name, "url": home}
    if s.source is not None:
        data["isBasedOn"] = {
            "@type": "CreativeWork", **({"url": s.source.url} if s.source.url else {}),
            "publisher": {"@type": "Organization", "name": clean_line(s.source.name)}}

    def work(other: Story) -> dict[str, Any]:
        other_url = urls.absolute(urls.article(other.lang, other.slug))
        return {"@type": "NewsArticle", "@id": other_url, "url": other_url,
                "inLanguage": other.lang, "headline": shorten(clean_line(other.title),
                                                              HEADLINE_LIMIT)}

    if s.original_lang != lang:
        original = stories.get((s.original_lang, s.slug))
        if original is not None:
            data["translationOfWork"] = work(original)
        engine = s.translation.software[0] if s.translation else ""
        if s.state == MACHINE and engine:
            data["translator"] = {"@type": "SoftwareApplication", "name": engine}
        data["creativeWorkStatus"] = f"{s.state} translation"
    else:
        translations = [stories[(o.code, s.slug)] for o in cfg.languages
                        if o.code != lang and (o.code, s.slug) in stories
                        and stories[(o.code, s.slug)].state != PENDING]
        if translations:
            data["workTranslation"] = [work(t) for t in translations]
    return data
