"""site.yaml: the one place where site settings are read and validated into frozen data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import locales, text, yamlsrc
from .dates import default_calendar
from .errors import Collector, Diagnostic, KhabarError, display_path
from .options import SITE, choices, default, keys_under
from .reader import Reader, shown_in
from .sources import IMAGES, local_image_problem
from .sources import SITE_FILE as SITE_FILE  # re-exported: where callers look for them
from .terms import SLUG as SLUG
from .terms import Taxonomy as Taxonomy
from .terms import Term as Term
from .terms import read_taxonomies
from .urls import BASE_URL_HINT as BASE_URL_HINT
from .urls import url_problem as url_problem

LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")

# A base URL is written into every page, feed, sitemap and robots.txt: only plain RFC 3986
# characters, so nothing in it can end an attribute, a tag or a line of robots.txt.


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    dir: str  # "rtl" | "ltr"
    translate_from: str | None = None
    calendar: str = "gregorian"  # dates.CALENDARS: "persian" | "gregorian"
    digits: str = "native"  # locales.DIGITS: "native" | "latin"
    also_gregorian: bool = False  # the Gregorian date in brackets after a Solar Hijri one


@dataclass(frozen=True)
class FeedSettings:
    items: int = default(SITE, "feeds.items")
    full_content: bool = default(SITE, "feeds.content") == "full"
    terms_full_content: bool = default(SITE, "feeds.terms") == "full"


@dataclass(frozen=True)
class HomeSettings:
    """What the home page shows: the newest `days` days of stories, `items` at most."""

    days: int = default(SITE, "home.days")
    items: int = default(SITE, "home.items")


@dataclass(frozen=True)
class MarkdownSettings:
    """The Python-Markdown extensions a site adds to the built-in ones (markup.py), with
    their options (plain values, as YAML gave them; read-only once here)."""

    extensions: tuple[str, ...] = ()
    extension_configs: Mapping[str, Mapping[str, Any]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extension_configs", MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in self.extension_configs.items()}))


@dataclass(frozen=True)
class TranslateSettings:
    """What `khabar translate` flags: a sentence whose mean log probability per word
    piece is below `low_confidence`."""

    low_confidence: float = default(SITE, "translate.low_confidence")


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: Mapping[str, str]
    description: Mapping[str, str]
    base_url: str
    timezone: str
    default_language: str
    languages: tuple[Language, ...]
    taxonomies: tuple[Taxonomy, ...]
    per_page: int = default(SITE, "per_page")
    feeds: FeedSettings = FeedSettings()
    markdown: MarkdownSettings = MarkdownSettings()
    home: HomeSettings = HomeSettings()
    logo: str = ""  # "images/…" under the site folder, or "" for none
    author: Mapping[str, str] = field(default_factory=dict)  # by language: the newsroom
    copyright: Mapping[str, str] = field(default_factory=dict)  # by language; may be empty
    hub: str = ""  # a WebSub hub's URL, or ""
    search: bool = True  # a search index and page
    # per (from, to) pair: source phrase -> target phrase, as written (`glossary:`)
    glossary: Mapping[tuple[str, str], Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False)
    translate: TranslateSettings = TranslateSettings()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        return next(lang for lang in self.languages if lang.code == code)

    def taxonomy(self, key: str) -> Taxonomy:
        return next(t for t in self.taxonomies if t.key == key)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return self.root / "content"



LANGUAGE_KEYS = keys_under(SITE, "languages.CODE")


def load(site_dir: Path) -> SiteConfig:
    """Read and validate SITE/site.yaml; raise KhabarError with every problem in it."""
    path = site_dir / SITE_FILE
    shown = display_path(path)
    if not path.is_file():
        raise KhabarError([Diagnostic(shown, None, "site.yaml not found",
                                 "run from a site folder or pass --site DIR")])
    try:
        data = yamlsrc.load(path.read_text(encoding="utf-8"))
    except yamlsrc.YamlSyntaxError as exc:
        hint = getattr(exc, "hint", None) or \
            "check the indentation, colons and quotes on this line and the one before it"
        raise KhabarError([Diagnostic(shown, exc.line, str(exc), hint)]) from None
    except UnicodeDecodeError:
        raise KhabarError([Diagnostic(shown, None, "not valid UTF-8", "save the file as UTF-8")]
                          ) from None
    if not isinstance(data, yamlsrc.LineDict):
        raise KhabarError([Diagnostic(shown, 1, "site.yaml must be a mapping of settings",
                                      "start from the example in the README's site.yaml "
                                      "section")])
    return parse(data, site_dir, shown)


def parse(data: yamlsrc.LineDict, site_dir: Path, shown: str) -> SiteConfig:
    errors = Collector()
    top = Reader(data, "", shown, errors, keys_under(SITE, ""))

    languages = _languages(top, errors, shown)
    codes = tuple(lang.code for lang in languages)

    first = top.string("default_language", required=False, default=codes[0] if codes else "")
    if codes and first not in codes:
        top.error("default_language", f"'{first}' is not one of the languages",
                  f"use one of: {', '.join(codes)}")

    base_url = top.string("base_url")
    problem = url_problem(base_url) if base_url else None
    if problem:
        top.error("base_url", problem, BASE_URL_HINT)
    base_url = base_url.rstrip("/") + "/"

    tz = top.string("timezone", required=False, default=default(SITE, "timezone"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        top.error("timezone", f"unknown timezone '{tz}'", "use an IANA name like Asia/Tehran")
        tz = "UTC"

    title = top.per_language("title", codes)
    description = top.per_language("description", codes, required=False)
    per_page = top.integer("per_page", default(SITE, "per_page"))
    feeds = _feeds(top, errors, shown)
    home = _home(top, errors, shown)
    author = top.per_language("author", codes, required=False)
    author = {c: author.get(c) or title.get(c, "") for c in codes}
    copyright_ = top.per_language("copyright", codes, required=False)
    hub = top.string("hub", required=False, default="")
    if hub and url_problem(hub):
        top.error("hub", f"'{hub}' is not an absolute http(s) URL",
                  "write the hub's address, e.g. hub: https://pubsubhubbub.appspot.com/")
        hub = ""
    search = data.get("search", True)
    if not isinstance(search, bool):
        top.error("search", "must be true or false",
                  "search: false leaves out the search index and page")
        search = True
    logo = top.string("logo", required=False, default="")
    problem = local_image_problem(logo, site_dir) if logo else None
    if problem:
        top.error("logo", problem, f"put the logo in the site's {IMAGES}/ folder and write "
                  f"e.g. `logo: {IMAGES}/logo.svg`")
        logo = ""
    markdown = _markdown(top, errors, shown)
    taxonomies = read_taxonomies(top, errors, shown, codes)
    glossary = _glossary(top, errors, shown, languages)
    translate = _translate(top, errors, shown)
    errors.raise_if_any()
    return SiteConfig(root=site_dir, title=title, description=description, base_url=base_url,
                      timezone=tz, default_language=first, languages=languages,
                      taxonomies=taxonomies, per_page=per_page, feeds=feeds,
                      markdown=markdown, home=home, logo=logo, author=author,
                      copyright=copyright_, hub=hub, search=search, glossary=glossary,
                      translate=translate)


def _feeds(top: Reader, errors: Collector, shown: str) -> FeedSettings:
    feeds_map = top.mapping("feeds", required=False)
    if feeds_map is None:
        return FeedSettings()
    fr = Reader(feeds_map, "feeds", shown, errors, keys_under(SITE, "feeds"))
    modes = {}
    for key in ("content", "terms"):
        mode = fr.string(key, required=False, default=default(SITE, f"feeds.{key}"))
        if mode not in choices(SITE, f"feeds.{key}"):
            fr.error(key, f"'{mode}' is neither 'full' nor 'summary'",
                     "full puts whole stories in the feeds, summary only their summaries")
            mode = default(SITE, f"feeds.{key}")
        modes[key] = mode == "full"
    return FeedSettings(items=fr.integer("items", default(SITE, "feeds.items")),
                        full_content=modes["content"], terms_full_content=modes["terms"])


def _home(top: Reader, errors: Collector, shown: str) -> HomeSettings:
    home_map = top.mapping("home", required=False)
    if home_map is None:
        return HomeSettings()
    r = Reader(home_map, "home", shown, errors, keys_under(SITE, "home"))
    return HomeSettings(days=r.integer("days", default(SITE, "home.days")),
                        items=r.integer("items", default(SITE, "home.items")))


def _markdown(top: Reader, errors: Collector, shown: str) -> MarkdownSettings:
    """`markdown: {extensions: [...], extension_configs: {...}}`, every extension loaded
    once here, so that one not installed or given a wrong option is an error on its line
    rather than a traceback in the middle of a build."""
    md_map = top.mapping("markdown", required=False)
    if md_map is None:
        return MarkdownSettings()
    r = Reader(md_map, "markdown", shown, errors, keys_under(SITE, "markdown"))
    names: list[str] = []
    listed = md_map.get("extensions", [])
    if not isinstance(listed, list) or not all(isinstance(n, str) and n.strip()
                                               for n in listed):
        r.error("extensions", "must be a list of extension names",
                "write e.g. `extensions: [abbr, pymdownx.tilde]`")
        listed = []
    configs: dict[str, dict[str, Any]] = {}
    given = r.mapping("extension_configs", required=False)
    if given is not None:
        for name, options in given.items():
            if name not in listed:
                errors.error(shown, given.line_of(name), f"markdown.extension_configs: "
                             f"'{name}' is not in markdown.extensions",
                             f"add {name} to markdown.extensions, or remove its options")
            elif not isinstance(options, dict):
                errors.error(shown, given.line_of(name), f"markdown.extension_configs."
                             f"{name}: must be a mapping of option: value",
                             "e.g. `pymdownx.tilde: {subscript: false}`")
            else:
                configs[name] = yamlsrc.plain(options)
    from .markup import extension_problem  # Python-Markdown: only for a site that has this

    for i, name in enumerate(listed):
        name = name.strip()
        line = listed.line_of(i) if isinstance(listed, yamlsrc.LineList) else r.line(
            "extensions")
        problem = extension_problem(name, configs.get(name, {}))
        if problem:
            errors.error(shown, line, f"markdown.extensions: {name}: {problem}",
                         "install it in the environment Khabar runs in (pip install ...), "
                         "or check its name and options in its documentation")
        elif name not in names:
            names.append(name)
    return MarkdownSettings(tuple(names), configs)


def _glossary(top: Reader, errors: Collector, shown: str, languages: tuple[Language, ...]
              ) -> Mapping[tuple[str, str], Mapping[str, str]]:
    """`glossary: {fa-en: {source phrase: target phrase}}`: per pair the site translates,
    phrases of the source language and what they always become; every problem on its line."""
    given = top.mapping("glossary", required=False)
    if given is None:
        return MappingProxyType({})
    codes = [lang.code for lang in languages]
    pairs = [(lang.translate_from, lang.code) for lang in languages if lang.translate_from]
    shown_pairs = ", ".join(f"{a}-{b}" for a, b in pairs)
    for key, line in given.duplicates:
        errors.error(shown, line, f"glossary: key '{key}' is given twice", "keep one of them")
    out: dict[tuple[str, str], Mapping[str, str]] = {}
    for name, entries in given.items():
        line = given.line_of(name)
        pair = _language_pair(str(name), codes)
        if pair is None:
            errors.error(shown, line, f"glossary: '{name}' is not two languages of the site "
                         "joined by '-'",
                         f"write FROM-TO with the site's languages, e.g. {shown_pairs}"
                         if pairs else "write FROM-TO, e.g. fa-en")
            continue
        if pair not in pairs:
            errors.error(shown, line, f"glossary: no language of the site is translated from "
                         f"{pair[0]} into {pair[1]}",
                         f"give {pair[1]} `translate_from: {pair[0]}` under languages, or "
                         + (f"use one of the pairs the site translates: {shown_pairs}"
                            if pairs else "remove the entry"))
            continue
        where = f"glossary.{name}"
        if not isinstance(entries, yamlsrc.LineDict) or not entries:
            errors.error(shown, line, f"{where}: must be a mapping of source phrase: "
                         "translation", f"write `{name}:` and below it indented "
                         f"`phrase in {pair[0]}: its translation in {pair[1]}` lines")
            continue
        for key, dup_line in entries.duplicates:
            errors.error(shown, dup_line, f"{where}: phrase '{key}' is given twice",
                         "keep one of them")
        seen: dict[str, str] = {}
        phrases: dict[str, str] = {}
        for phrase, target in entries.items():
            at = entries.line_of(phrase)
            source = text.clean_line(phrase) if isinstance(phrase, str) else ""
            key = text.match_key(source)
            if not any(ch.isalpha() for ch in key):
                errors.error(shown, at, f"{where}: '{phrase}' is not a phrase to find",
                             f"write a word or phrase in {pair[0]}, with letters")
                continue
            if isinstance(target, (int, float)) and not isinstance(target, bool):
                target = str(target)
            if not isinstance(target, str) or not target.strip():
                errors.error(shown, at, f"{where}: '{phrase}': the translation must be a "
                             "non-empty string",
                             f"write `{phrase}: its translation in {pair[1]}`")
                continue
            if key in seen:
                errors.error(shown, at, f"{where}: '{phrase}' is '{seen[key]}' written "
                             "another way (letter forms, diacritics, spaces and case are "
                             "ignored when finding it)", "keep one of them")
                continue
            seen[key] = source
            phrases[source] = shown_in(target, pair[1])
        out[pair] = MappingProxyType(phrases)
    return MappingProxyType(out)


def _language_pair(name: str, codes: list[str]) -> tuple[str, str] | None:
    """`fa-en` as (fa, en); `fa-AF-en` as (fa-AF, en): the one cut at a '-' that leaves two
    of the site's languages."""
    cuts = [(name[:i], name[i + 1:]) for i, ch in enumerate(name) if ch == "-"]
    found = [(a, b) for a, b in cuts if a in codes and b in codes and a != b]
    return found[0] if len(found) == 1 else None


def _translate(top: Reader, errors: Collector, shown: str) -> TranslateSettings:
    """`translate: {low_confidence: -1.5}`."""
    given = top.mapping("translate", required=False)
    if given is None:
        return TranslateSettings()
    r = Reader(given, "translate", shown, errors, keys_under(SITE, "translate"))
    value = given.get("low_confidence", default(SITE, "translate.low_confidence"))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value > 0 \
            or value != value:
        r.error("low_confidence", "must be a number, 0 or below",
                "a mean log probability per word piece, e.g. `low_confidence: -1.5`; lower "
                "flags fewer sentences")
        return TranslateSettings()
    return TranslateSettings(low_confidence=float(value))


def _languages(top: Reader, errors: Collector, shown: str) -> tuple[Language, ...]:
    langs_map = top.mapping("languages")
    if langs_map is None:
        return ()
    out: list[Language] = []
    for code, spec in langs_map.items():
        if not LANG.match(code):
            errors.error(shown, langs_map.line_of(code),
                         f"languages: '{code}' is not a language code", "use e.g. fa or en")
            continue
        if not isinstance(spec, yamlsrc.LineDict):
            errors.error(shown, langs_map.line_of(code),
                         f"languages.{code}: must be a mapping", "e.g. {name: English, dir: ltr}")
            continue
        r = Reader(spec, f"languages.{code}", shown, errors, LANGUAGE_KEYS)
        if not locales.known(code):
            errors.error(shown, langs_map.line_of(code),
                         f"languages: CLDR, where Khabar takes dates, digits and plural rules "
                         f"from, has no language '{code}'",
                         "use an ISO 639 code with an optional region, e.g. ar, fr, fa-AF "
                         "(prs, Dari, works too)")
        direction = r.string("dir", required=False, default=default(SITE, "languages.CODE.dir"))
        if direction not in choices(SITE, "languages.CODE.dir"):
            r.error("dir", f"'{direction}' is neither rtl nor ltr",
                    "rtl for Persian, Arabic, Hebrew...; ltr for English and most others")
        name = r.string("name", required=False, default=code)
        source = r.string("translate_from", required=False) or None
        if source is not None and source not in langs_map:
            r.error("translate_from", f"'{source}' is not one of the languages",
                    f"use one of: {', '.join(c for c in langs_map if c != code)}")
        if source == code:
            r.error("translate_from", "a language cannot be translated from itself",
                    "name the language its articles are translated from, e.g. fa, or "
                    "remove the key")
        calendar = r.string("calendar", required=False, default=default_calendar(code))
        if calendar not in choices(SITE, "languages.CODE.calendar"):
            r.error("calendar", f"'{calendar}' is not a calendar Khabar knows",
                    "persian (Solar Hijri, the default for fa) or gregorian (the default for "
                    "every other language)")
            calendar = default_calendar(code)
        digits = r.string("digits", required=False,
                          default=default(SITE, "languages.CODE.digits"))
        if digits not in choices(SITE, "languages.CODE.digits"):
            r.error("digits", f"'{digits}' is neither native nor latin",
                    "native: the language's own digits (Persian ۱۲۳ for fa, Arabic-Indic "
                    "١٢٣ for ar); latin: 123")
            digits = default(SITE, "languages.CODE.digits")
        also = spec.get("also_gregorian", False)
        if not isinstance(also, bool):
            r.error("also_gregorian", "must be true or false",
                    "also_gregorian: true shows the Gregorian date after the Solar Hijri one")
            also = False
        out.append(Language(code, shown_in(name, code), direction, source, calendar, digits,
                            also))
    if not out:
        errors.error(shown, langs_map.line, "languages: at least one language is needed",
                     "e.g. languages: {fa: {name: فارسی, dir: rtl}}")
    return tuple(out)
