"""Every option Khabar reads, in one table: the keys of site.yaml and the fields of an
article's front matter, each with what is written, its default and what it does.

The readers (config.py for site.yaml, content.py and frontmatter.py for articles) take
their allowed keys, defaults and choices from here, so a key cannot be accepted without
being documented, and the README's two reference tables are made from it:
`pytest --update-golden` rewrites them, and a test fails when the README differs.

Keys are dotted paths as written in YAML. Upper-case parts stand for names the site picks:
CODE a language code, KEY a taxonomy, SLUG a term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED: Any = object()  # no default: the key must be given
NONE: Any = None  # no default: absent means "not set"


@dataclass(frozen=True)
class Option:
    key: str
    written: str  # what a value looks like, for the reference
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    default_doc: str = ""  # when the default is not one value ("persian for fa, ...")

    @property
    def shown_default(self) -> str:
        if self.default_doc:
            return self.default_doc
        if self.default is REQUIRED:
            return "required"
        if self.default is NONE:
            return "none"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        return f"`{self.default}`"


SITE: tuple[Option, ...] = (
    Option("title", "text or `{CODE: text}`", REQUIRED,
           "the site's name: one string for every language, or one per language"),
    Option("description", "text or `{CODE: text}`", NONE,
           "a sentence per language (or one for all): the home page's `<meta "
           "name=\"description\">` and the language feeds' description"),
    Option("base_url", "URL", REQUIRED,
           "the absolute `http://` or `https://` address the site is published at; its path "
           "is the prefix of every link (`https://example.org/news/` makes `/news/fa/…`). No "
           "`?query` or `#fragment`, and only plain URL characters: percent-escape others. "
           "`build --base-url` replaces it for one build"),
    Option("timezone", "IANA name", "UTC",
           "the zone of dates written without an offset (`Asia/Tehran`), and of the days of "
           "the daily briefings"),
    Option("default_language", "CODE", NONE,
           "the language of the root page, of the root 404 page and the sitemap's "
           "`x-default`",
           default_doc="the first language"),
    Option("languages", "`{CODE: {...}}`", REQUIRED,
           "at least one, in order; CODE is a language CLDR knows (`fa`, `en`, `ar`, `fr`, "
           "`fa-AF`; `prs` for Dari works too)"),
    Option("languages.CODE.name", "text", NONE,
           "the language's name as its readers write it (`فارسی`), on the language switch",
           default_doc="the code"),
    Option("languages.CODE.dir", "`rtl` or `ltr`", "ltr",
           "`rtl` for Persian, Arabic, Hebrew...; `ltr` otherwise", choices=("rtl", "ltr")),
    Option("languages.CODE.translate_from", "CODE", NONE,
           "the language this one's articles are translated from: its stories appear here "
           "as *translation pending* until translated, and `khabar translate` fills them in"),
    Option("languages.CODE.calendar", "`persian` or `gregorian`", NONE,
           "the calendar dates are shown in: `persian` (Solar Hijri) or `gregorian` "
           "([Dates and numbers](#dates-and-numbers))", choices=("persian", "gregorian"),
           default_doc="`persian` for fa (and fa-AF, prs), `gregorian` otherwise"),
    Option("languages.CODE.also_gregorian", "`true` or `false`", False,
           "with the `persian` calendar: the Gregorian date too, in brackets after the "
           "Solar Hijri one (`۳ آذر ۱۴۰۳ (۲۳ نوامبر ۲۰۲۴)`)"),
    Option("languages.CODE.digits", "`native` or `latin`", "native",
           "`native`: the language's own digits (Persian ۱۲۳ for fa, Arabic-Indic ١٢٣ for "
           "ar, 123 for en and fr); `latin`: 123", choices=("native", "latin")),
    Option("per_page", "whole number ≥ 1", 20,
           "stories per page on a country's or actor's page"),
    Option("search", "`true` or `false`", True,
           "`false`: no search index, no search page and no search link in the navigation; "
           "rebuilds after a story's edit are then much faster on large sites "
           "([Search](#search))"),
    Option("home.days", "whole number ≥ 1", 7,
           "the home page shows the stories of the newest this many days that have stories, "
           "each day under its heading, then the older briefings by month"),
    Option("home.items", "whole number ≥ 1", 30,
           "at most this many stories on the home page: whole days only, and always the "
           "newest day"),
    Option("feeds.items", "whole number ≥ 1", 20, "stories in each feed, newest first"),
    Option("feeds.content", "`full` or `summary`", "full",
           "`full`: the whole story in each item of a language's feeds; `summary`: its "
           "summary only", choices=("full", "summary")),
    Option("feeds.terms", "`full` or `summary`", "summary",
           "the same for the feeds of each country and actor: summaries by default, since "
           "full text in three formats for every term is most of a site's bytes "
           "([Feeds](#feeds-sitemaps-and-subscribing))", choices=("full", "summary")),
    Option("markdown.extensions", "list of names", NONE,
           "Python-Markdown extensions to add to the built-in ones, by the name you would "
           "give `markdown.Markdown(extensions=...)` (`abbr`, `def_list`, "
           "`pymdownx.tilde`); see [Bodies](#bodies)"),
    Option("markdown.extension_configs", "`{NAME: {option: value}}`", NONE,
           "options of those extensions, as MkDocs' `markdown_extensions` takes them"),
    Option("author", "text or `{CODE: text}`", NONE,
           "who writes the stories (the newsroom), unless an article names its own "
           "`author`: in feeds and structured data. The source an article reports on is "
           "not its author", default_doc="the site's title"),
    Option("copyright", "text or `{CODE: text}`", NONE,
           "a line such as `© 2024 Khabar`: the feeds' `copyright` and `rights`"),
    Option("hub", "URL", NONE,
           "a WebSub hub (`https://pubsubhubbub.appspot.com/`) every feed names, so feed "
           "readers hear of new stories at once; Khabar does not ping it"),
    Option("logo", "path", NONE,
           "the site's logo, a file under `images/` (SVG best): beside the site's name, the "
           "favicon, the publisher's logo in structured data and feeds, and the default share "
           "image ([Images](#images))"),
    Option("glossary", "`{FROM-TO: {...}}`", NONE,
           "per language pair `khabar translate` translates (`fa-en`, `en-fr`): phrases it "
           "always translates the same way ([Machine translation](#machine-translation)); "
           "the countries' and actors' names need no entry"),
    Option("glossary.FROM-TO", "`{phrase: phrase}`", NONE,
           "a source-language phrase (found as names are: any letter form, with or without "
           "diacritics, ZWNJ or spaces, whole words only) and what it becomes in the "
           "target language, written as given (`شورای امنیت: Security Council`)"),
    Option("translate.low_confidence", "number ≤ 0", -1.5,
           "a machine-translated sentence whose words the model gave, on average, a log "
           "probability below this is listed in its file's `translation.low_confidence` "
           "(-1.5: less than a 22% chance per word piece); see `translate --report`"),
    Option("taxonomies", "`{KEY: {...}}`", NONE,
           "the kinds of tags; KEY is a lower-case slug other than `articles`, `briefings`, "
           "`page`, `assets` and `static`, and is the front-matter field and the URL part "
           "(`/fa/countries/turkey/`)"),
    Option("taxonomies.KEY.title", "text or `{CODE: text}`", REQUIRED,
           "the taxonomy's name per language"),
    Option("taxonomies.KEY.terms", "`{SLUG: {...}}`", NONE,
           "every term an article may name"),
    Option("taxonomies.KEY.terms.SLUG.iso", "ISO 3166 code", NONE,
           "a country code (`TR`): the term's name in every language comes from CLDR"),
    Option("taxonomies.KEY.terms.SLUG.CODE", "text", NONE,
           "the term's name in language CODE (overrides the `iso` one); every language "
           "needs a name", default_doc="from `iso`"),
    Option("taxonomies.KEY.terms.SLUG.aliases", "`{CODE: [names]}`", NONE,
           "names an article may use instead of the slug (matched ignoring Arabic/Persian "
           "letter variants and diacritics)"),
)

FRONT_MATTER: tuple[Option, ...] = (
    Option("title", "text", REQUIRED, "the headline"),
    Option("date", "date", REQUIRED,
           "when the story was published (the forms are below); a translation may "
           "leave it to its original", default_doc="required on an original"),
    Option("updated", "date", NONE,
           "when the story was last changed: shown on its page, its modified date in feeds, "
           "sitemaps and structured data"),
    Option("summary", "text", NONE, "a sentence or two for lists, feeds and descriptions",
           default_doc="the first paragraph"),
    Option("kind", "`article` or `brief`", "article",
           "`brief`: a headline with at most one short paragraph (1,200 characters)",
           choices=("article", "brief")),
    Option("draft", "`true` or `false`", False, "`true`: left out of `build` unless "
           "`--drafts`"),
    Option("source", "`{name: text, url: URL}`", NONE,
           "the outlet reported on; `url` http(s) only. A bare URL or name works too"),
    Option("source.name", "text", NONE, "the outlet's name", default_doc="the URL's host"),
    Option("source.url", "URL", NONE, "the report's address"),
    Option("author", "text", NONE,
           "who wrote it (a person); the source is the outlet reported on",
           default_doc="the site's `author`"),
    Option("image", "`{src: …, alt: …, caption: …, credit: …}`", NONE,
           "the story's picture, on its page, as a thumbnail in lists, in share cards and "
           "feeds ([Images](#images)); a translation without one shows its original's"),
    Option("image.src", "path or URL", REQUIRED,
           "a file under the site's `images/` folder (`images/benghazi.jpg`: JPEG, PNG, WebP "
           "or SVG), resized by Khabar; or an `https://` address, shown as it is"),
    Option("image.alt", "text", REQUIRED,
           "what the picture shows, for readers who cannot see it"),
    Option("image.caption", "text", NONE, "a line under the picture"),
    Option("image.credit", "text", NONE, "who made the picture (photographer, agency)"),
    Option("KEY", "list of terms", NONE,
           "per taxonomy (`countries: [libya, turkey]`): term slugs, or a declared name or "
           "alias"),
    Option("translation", "mapping", NONE,
           "in a translated file: where it came from ([Translations](#translations))"),
    Option("translation.from", "CODE", REQUIRED, "the language of the original"),
    Option("translation.source_sha256", "64 hex digits", NONE,
           "which version of the original it translates"),
    Option("translation.engine", "text", NONE,
           "what translated it: `argostranslate 1.11.0`, or `human`"),
    Option("translation.model", "text", NONE, "the model used, or `none`"),
    Option("translation.status", "`machine` or `reviewed`", "machine",
           "`reviewed`: a person checked it; `khabar translate` never overwrites it",
           choices=("machine", "reviewed")),
    Option("translation.chain", "list", NONE,
           "in a translation of a translation (French from English): each translation the "
           "text went through, back to the original, with its lang, sha256, from, "
           "source_sha256, engine, model, status and state (current, stale, edited); "
           "written by `khabar translate`"),
    Option("translation.low_confidence", "list", NONE,
           "written by `khabar translate`: the sentences of a machine translation the model "
           "was least sure of (below `translate.low_confidence` in site.yaml), in the order "
           "they come, each as `{where: body, score: -2.1, text: first words…}`; `where` is "
           "`title`, `summary`, `body`, `image.alt` or `image.caption`"),
    Option("translation.output_sha256", "64 hex digits", NONE,
           "the hash of the text `khabar translate` wrote: a machine translation whose text "
           "no longer matches was edited by a person and is kept"),
)


def option(table: tuple[Option, ...], key: str) -> Option:
    return next(o for o in table if o.key == key)


def default(table: tuple[Option, ...], key: str) -> Any:
    return option(table, key).default


def choices(table: tuple[Option, ...], key: str) -> tuple[str, ...]:
    return option(table, key).choices


def keys_under(table: tuple[Option, ...], prefix: str) -> frozenset[str]:
    """The keys a mapping at `prefix` may hold ("" for the top), placeholders (CODE,
    KEY, SLUG) included as such: the reader adds the names the site declared."""
    depth = prefix.count(".") + 1 if prefix else 0
    out: set[str] = set()
    for o in table:
        parts = o.key.split(".")
        if len(parts) > depth and (not prefix or ".".join(parts[:depth]) == prefix):
            out.add(parts[depth])
    return frozenset(out)


def reference(table: tuple[Option, ...]) -> str:
    """The README's table of `table`, one row an option."""
    rows = ["| key | value | default | what it is |", "|---|---|---|---|"]
    for o in table:
        rows.append(f"| `{o.key}` | {o.written} | {o.shown_default} | {o.doc} |")
    return "\n".join(rows) + "\n"


MARKERS = {"site": SITE, "front-matter": FRONT_MATTER}


def update_readme(readme: str) -> str:
    """The README with each `<!-- options:NAME -->` … `<!-- /options:NAME -->` section
    made anew from its table."""
    for name, table in MARKERS.items():
        start, end = f"<!-- options:{name} -->\n", f"<!-- /options:{name} -->"
        head, found, rest = readme.partition(start)
        if not found:
            raise ValueError(f"README has no {start.strip()} section")
        _old, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"README's {start.strip()} section has no end {end}")
        readme = f"{head}{start}{reference(table)}{end}{tail}"
    return readme
