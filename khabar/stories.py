"""Stories: what each language shows of each article (original, translation or pending)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from .config import SiteConfig
from .content import Article, ImageRef, Source, Translation, body_of
from .images import Picture
from .locales import with_digits
from .markup import MarkdownRenderer, Rendered, shorten
from .text import in_script_of

ORIGINAL, MACHINE, REVIEWED, PENDING = "original", "machine", "reviewed", "pending"


@dataclass(frozen=True)
class StoryImage:
    """A story's picture: as its article names it, in which language its words are, and
    the local file's inspection (None for a picture at an http(s) address)."""

    ref: ImageRef
    lang: str  # of alt, caption and credit
    picture: Picture | None


@dataclass(frozen=True)
class Story:
    """One story as one language presents it.

    Date, kind, tags and source come from the original: they describe the story, and a
    stale translation must not carry old tags. `text_lang` is the language the title and
    body are written in: it differs from `lang` only for a pending translation, which
    shows the original's title and links to it.
    """

    slug: str
    lang: str
    text_lang: str
    state: str
    stale: bool
    title: str
    summary: str
    html: str
    date: datetime
    updated: datetime | None
    kind: str
    terms: Mapping[str, tuple[str, ...]]
    source: Source | None
    translation: Translation | None
    original_lang: str  # the language the story was written in
    path: str
    image: StoryImage | None = None
    author: str = ""  # the article's own author, else its original's; "" for the site's


def search_parts(stories: Sequence[Story]) -> int:
    """How many indexes a language's search is cut into (search.py): one for a small site,
    about √n/8 for n stories (4 for 1,000, 12 for 10,000), so that a change re-indexes one
    part and a query reads a few. A pending translation is left out, as it is of search
    engines."""
    n = sum(1 for s in stories if s.state != PENDING)
    return max(1, round(math.sqrt(n) / 8)) if n else 0


def search_part(slug: str, parts: int) -> int:
    """The index (1..parts) a story is in: by a hash of its slug, so that each is a sample
    of the whole, and Pagefind's scores, which weigh a word by how rare it is in its own
    index, compare across them."""
    return int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big") % parts + 1


def sort_key(story: Story) -> tuple[float, str]:
    return (-story.date.timestamp(), story.slug)


class Bodies:
    """Rendered Markdown by (body hash, direction): unchanged articles are not re-rendered."""

    def __init__(self, renderer: MarkdownRenderer,
                 known: dict[tuple[str, str], Rendered] | None = None,
                 texts: Mapping[str, str] | None = None) -> None:
        self.renderer = renderer
        self.known = known if known is not None else {}
        self.texts = texts if texts is not None else {}  # bodies by hash, as parsed
        self.used: dict[tuple[str, str], Rendered] = {}

    def render(self, article: Article, direction: str) -> Rendered:
        key = (article.body_sha, direction)
        hit = self.known.get(key)
        if hit is None:
            text = self.texts.get(article.body_sha)
            hit = self.renderer.render(text if text is not None else body_of(article),
                                       direction)
        self.used[key] = hit
        return hit


def assemble(config: SiteConfig, articles: tuple[Article, ...], bodies: Bodies,
             pictures: Mapping[str, Picture] | None = None) -> dict[str, tuple[Story, ...]]:
    """Every language's stories, newest first; `pictures`: the local images, inspected."""
    pictures = pictures or {}
    prefix = urlsplit(config.base_url).path.rstrip("/")
    by_key = {(a.lang, a.slug): a for a in articles}
    out: dict[str, tuple[Story, ...]] = {}
    for language in config.languages:
        lang = language.code
        stories: list[Story] = []
        for a in articles:
            if a.lang != lang:
                continue
            chain = _chain(a, by_key)
            stories.append(replace(_story(chain, lang, language.dir, bodies, prefix,
                                          language.digits),
                                   image=_image_of(chain, pictures)))
        if language.translate_from:
            have = {s.slug for s in stories}
            for a in articles:
                if a.lang == language.translate_from and a.slug not in have:
                    chain = _chain(a, by_key)
                    stories.append(replace(_pending(chain, lang),
                                           image=_image_of(chain, pictures)))
        out[lang] = tuple(sorted(stories, key=sort_key))
    return out


def _chain(a: Article, by_key: Mapping[tuple[str, str], Article]) -> tuple[Article, ...]:
    """An article and the ones it was translated from, back to the story's original: a
    French version made from the English one made from the Persian original has three."""
    chain = [a]
    while (translation := chain[-1].translation) is not None:
        origin = by_key.get((translation.from_lang, a.slug))
        if origin is None or any(origin is x for x in chain):
            break
        chain.append(origin)
    return tuple(chain)


def _source_of(chain: tuple[Article, ...]) -> Source | None:
    """A version's source is its own when it names one, else its original's (in the
    letters of the article that names it)."""
    return next((_source(a.source, a.lang) for a in chain if a.source is not None), None)


_SITE_LINK = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")/(?!/)')


_FOOTNOTE_REF = re.compile(r'(<a class="footnote-ref"[^>]*>)(\d+)(</a>)')


def footnote_digits(html: str, lang: str, digits: str) -> str:
    """Footnote markers in the digits of the story's language (`متن۱`, not `متن1`): the
    HTML is rendered, and cached, per writing direction, not per language."""
    if 'class="footnote-ref"' not in html:
        return html
    return _FOOTNOTE_REF.sub(lambda m: m[1] + with_digits(m[2], lang, digits) + m[3], html)


def site_links(html: str, prefix: str) -> str:
    """A body's links written from the site's root (`/fa/articles/x/`) under the site's
    path (`/repo/fa/articles/x/`): bodies are rendered, and cached, without the base URL,
    and such a link means this site, wherever it is published. One that already starts
    with the path is left as it is."""
    if not prefix:
        return html
    return _SITE_LINK.sub(lambda m: m.group(0) if html.startswith(
        f"{prefix[1:]}/", m.end()) else f"{m.group(1)}{prefix}/", html)


def _story(chain: tuple[Article, ...], lang: str, direction: str, bodies: Bodies,
           prefix: str = "", digits: str = "native") -> Story:
    a, origin = chain[0], chain[1] if len(chain) > 1 else None
    meta = origin or a  # what it was translated from: its "original" link and staleness
    rendered = bodies.render(a, direction)
    if a.translation is None:
        state, stale = ORIGINAL, False
    else:
        state = a.translation.status
        stale = origin is not None and not origin.matches_digest(a.translation.source_sha256)
    summary = a.summary or shorten(rendered.first_paragraph)
    return Story(slug=a.slug, lang=lang, text_lang=lang, state=state, stale=stale,
                 title=in_script_of(a.title, lang), summary=in_script_of(summary, lang),
                 html=site_links(footnote_digits(rendered.html, lang, digits), prefix),
                 date=_date(meta),
                 updated=_updated(chain),
                 kind=meta.kind, terms=meta.terms, source=_source_of(chain),
                 translation=a.translation, original_lang=meta.lang, path=a.path,
                 author=next((in_script_of(x.author, lang) for x in chain if x.author), ""))


def _updated(chain: tuple[Article, ...]) -> datetime | None:
    """When this version last changed in substance: its own `updated` when it states
    one (a translation corrected later), else its original's, never before the original's
    own change."""
    own, root = chain[0].updated, chain[-1].updated
    if own is None or root is None:
        return own or root
    return max(own, root)


def _image_of(chain: tuple[Article, ...], pictures: Mapping[str, Picture]
              ) -> StoryImage | None:
    """A version's picture is its own when it names one (its words in its language), else
    its original's, words and all."""
    a = next((a for a in chain if a.image is not None), None)
    if a is None or a.image is None:
        return None
    return StoryImage(a.image, a.lang, None if a.image.remote else pictures[a.image.src])


def _source(source: Source | None, lang: str) -> Source | None:
    """A source's name in its article's letters (a Persian article's source in Persian)."""
    if source is None:
        return None
    name = in_script_of(source.name, lang)
    return source if name == source.name else replace(source, name=name)


def _date(a: Article) -> datetime:
    """An article's date, which content.load gives every article it returns (one that
    leaves it to its original takes the original's)."""
    if a.date is None:
        raise ValueError(f"{a.path}: an article without a date got past content.load")
    return a.date


def _pending(chain: tuple[Article, ...], lang: str) -> Story:
    a = chain[0]
    return Story(slug=a.slug, lang=lang, text_lang=a.lang, state=PENDING, stale=False,
                 title=in_script_of(a.title, a.lang),
                 summary=in_script_of(a.summary or "", a.lang), html="", date=_date(a),
                 updated=chain[-1].updated, kind=a.kind, terms=a.terms,
                 source=_source_of(chain), author=a.author,
                 translation=None, original_lang=a.lang, path=a.path)
