"""site.yaml: the one place where site settings are read and validated into frozen data."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import locales, text, yamlsrc
from .dates import default_calendar
from .errors import Collector, Diagnostic, KhabarError, display_path
from .options import SITE, choices, default, keys_under
from .sources import SITE_FILE as SITE_FILE  # re-exported: where callers look for them
from .urls import BASE_URL_HINT as BASE_URL_HINT
from .urls import url_problem as url_problem

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
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


@dataclass(frozen=True)
class Term:
    """A country or an actor: its slug, its name in every language and its aliases."""

    slug: str
    names: Mapping[str, str]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    iso: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    key: str
    title: Mapping[str, str]
    terms: Mapping[str, Term]

    def resolve(self, reference: str) -> Term | None:
        """The term an article names by slug, by name or by alias (normalised Persian)."""
        if reference in self.terms:
            return self.terms[reference]
        key = text.match_key(reference)
        for term in self.terms.values():
            names = [*term.names.values(), *(a for al in term.aliases.values() for a in al)]
            if any(text.match_key(n) == key for n in names):
                return term
        return None

    def nearest(self, reference: str) -> list[str]:
        """Declared term slugs closest to an unknown reference, for the hint."""
        candidates: dict[str, str] = {}
        for term in self.terms.values():
            candidates[term.slug] = term.slug
            for name in term.names.values():
                candidates.setdefault(text.match_key(name), term.slug)
            for al in term.aliases.values():
                for a in al:
                    candidates.setdefault(text.match_key(a), term.slug)
        close = difflib.get_close_matches(text.match_key(reference), list(candidates), n=6,
                                          cutoff=0.5)
        seen: list[str] = []
        for c in close:
            if candidates[c] not in seen:
                seen.append(candidates[c])
        return seen[:3]


@dataclass(frozen=True)
class FeedSettings:
    items: int = default(SITE, "feeds.items")
    full_content: bool = default(SITE, "feeds.content") == "full"
    terms_full_content: bool = default(SITE, "feeds.terms") == "full"


@dataclass(frozen=True)
class MarkdownSettings:
    """Python-Markdown extensions a site adds to the built-in ones (markup.py), with
    their options: plain values, as YAML gave them."""

    extensions: tuple[str, ...] = ()
    extension_configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


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


class _Reader:
    """Typed access to one YAML mapping that records every problem with its line."""

    def __init__(self, data: yamlsrc.LineDict, where: str, path: str, errors: Collector,
                 allowed: set[str] | frozenset[str]) -> None:
        self.data, self.where, self.path, self.errors = data, where, path, errors
        for key, line in data.duplicates:
            errors.error(path, line, f"{where}: key '{key}' is given twice",
                         "keep one of them")
        for key in data:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"did you mean '{near[0]}'?" if near else \
                    f"allowed keys: {', '.join(sorted(allowed))}"
                errors.error(path, data.line_of(key), f"{where}: unknown key '{key}'" if where
                             else f"unknown key '{key}'", hint)

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def _inside(self) -> str:
        """Where a missing key goes, for its hint."""
        return f"under `{self.where}:`" if self.where else "at the top of site.yaml"

    def error(self, key: str, message: str, hint: str) -> None:
        self.errors.error(self.path, self.line(key), f"{self.where}.{key}: {message}"
                          if self.where else f"{key}: {message}", hint)

    def string(self, key: str, required: bool = True, default: str = "") -> str:
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"add a line `{key}: ...` {self._inside()}")
            return default
        value = self.data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(key, "must be a non-empty string", f"write e.g. `{key}: some text`")
            return default
        return value.strip()

    def integer(self, key: str, default: int, minimum: int = 1) -> int:
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(key, f"must be a whole number of at least {minimum}",
                       f"write e.g. `{key}: {max(default, minimum)}`")
            return default
        return value

    def mapping(self, key: str, required: bool = True) -> yamlsrc.LineDict | None:
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"add a `{key}:` block {self._inside()}; the README's "
                                  "site.yaml section has an example")
            return None
        value = self.data[key]
        if not isinstance(value, yamlsrc.LineDict):
            self.error(key, "must be a mapping (key: value lines)",
                       f"write `{key}:` and below it indented `name: value` lines")
            return None
        return value

    def per_language(self, key: str, codes: tuple[str, ...], required: bool = True
                     ) -> dict[str, str]:
        """A `{fa: ..., en: ...}` value; a plain string counts for every language."""
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"give it per language, e.g. {key}: {{{codes[0]}: ...}}"
                                  if codes else f"add a line `{key}: ...`")
            return {}
        value = self.data[key]
        if isinstance(value, str):
            return {c: _shown(value, c) for c in codes}
        if not isinstance(value, yamlsrc.LineDict):
            self.error(key, "must be a string or a mapping of language to string",
                       f"write e.g. `{key}: {{{', '.join(f'{c}: ...' for c in codes)}}}`")
            return {}
        sub = _Reader(value, f"{self.where}.{key}" if self.where else key, self.path,
                      self.errors, set(codes))
        out = {c: _shown(sub.string(c, required=required), c) for c in codes
               if c in value or required}
        return out


def _shown(value: str, code: str) -> str:
    """A name or title as language `code` shows it: one line, in its own letters."""
    return text.in_script_of(text.clean_line(value), code)


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
    top = _Reader(data, "", shown, errors, keys_under(SITE, ""))

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
    markdown = _markdown(top, errors, shown)
    taxonomies = _taxonomies(top, errors, shown, codes)
    errors.raise_if_any()
    return SiteConfig(root=site_dir, title=title, description=description, base_url=base_url,
                      timezone=tz, default_language=first, languages=languages,
                      taxonomies=taxonomies, per_page=per_page, feeds=feeds,
                      markdown=markdown)


def _feeds(top: _Reader, errors: Collector, shown: str) -> FeedSettings:
    feeds_map = top.mapping("feeds", required=False)
    if feeds_map is None:
        return FeedSettings()
    fr = _Reader(feeds_map, "feeds", shown, errors, keys_under(SITE, "feeds"))
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


def _markdown(top: _Reader, errors: Collector, shown: str) -> MarkdownSettings:
    """`markdown: {extensions: [...], extension_configs: {...}}`, every extension loaded
    once here, so that one not installed or given a wrong option is an error on its line
    rather than a traceback in the middle of a build."""
    md_map = top.mapping("markdown", required=False)
    if md_map is None:
        return MarkdownSettings()
    r = _Reader(md_map, "markdown", shown, errors, keys_under(SITE, "markdown"))
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
                configs[name] = _plain(options)
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


def _plain(value: Any) -> Any:
    """YAML's values without their line numbers: what an extension is given."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _languages(top: _Reader, errors: Collector, shown: str) -> tuple[Language, ...]:
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
        r = _Reader(spec, f"languages.{code}", shown, errors, LANGUAGE_KEYS)
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
        out.append(Language(code, _shown(name, code), direction, source, calendar, digits))
    if not out:
        errors.error(shown, langs_map.line, "languages: at least one language is needed",
                     "e.g. languages: {fa: {name: فارسی, dir: rtl}}")
    return tuple(out)


def _taxonomies(top: _Reader, errors: Collector, shown: str, codes: tuple[str, ...]
                ) -> tuple[Taxonomy, ...]:
    tax_map = top.mapping("taxonomies", required=False)
    if tax_map is None:
        return ()
    out: list[Taxonomy] = []
    reserved = {"articles", "briefings", "page", "assets", "static"}
    for key, spec in tax_map.items():
        line = tax_map.line_of(key)
        if not SLUG.match(key) or key in reserved:
            errors.error(shown, line, f"taxonomies: '{key}' cannot be a taxonomy name",
                         "use a lower-case slug that is not " + ", ".join(sorted(reserved)))
            continue
        if not isinstance(spec, yamlsrc.LineDict):
            errors.error(shown, line,
                         f"taxonomies.{key}: must be a mapping with title and terms",
                         f"e.g. {key}: {{title: {{...}}, terms: {{...}}}}")
            continue
        r = _Reader(spec, f"taxonomies.{key}", shown, errors,
                    keys_under(SITE, "taxonomies.KEY"))
        title = r.per_language("title", codes)
        terms_map = r.mapping("terms", required=False)
        terms: dict[str, Term] = {}
        if terms_map is not None:
            for slug, tspec in terms_map.items():
                term = _term(slug, tspec, terms_map.line_of(slug), f"taxonomies.{key}.terms",
                             shown, errors, codes)
                if term is not None:
                    terms[slug] = term
        out.append(Taxonomy(key, title, terms))
    return tuple(out)


def _term(slug: str, spec: Any, line: int, where: str, shown: str, errors: Collector,
          codes: tuple[str, ...]) -> Term | None:
    if not SLUG.match(slug):
        errors.error(shown, line, f"{where}: '{slug}' is not a valid term slug",
                     "use lower-case letters, digits and single hyphens, e.g. saudi-arabia")
        return None
    if spec is None:
        spec = yamlsrc.LineDict()
        spec.line, spec.key_lines, spec.duplicates = line, {}, []
    if not isinstance(spec, yamlsrc.LineDict):
        errors.error(shown, line, f"{where}.{slug}: must be a mapping",
                     "e.g. {iso: TR} or {fa: ..., en: ...}")
        return None
    r = _Reader(spec, f"{where}.{slug}", shown, errors,
                (keys_under(SITE, "taxonomies.KEY.terms.SLUG") - {"CODE"}) | set(codes))
    names: dict[str, str] = {}
    iso = r.string("iso", required=False) or None
    if iso is not None:
        iso = iso.upper()
        for code in filter(locales.known, codes):  # an unknown code is reported already
            try:
                territory = locales.locale(code).territories.get(iso)
            except ValueError:
                territory = None
            if territory is None:
                r.error("iso", f"'{iso}' is not an ISO 3166 country code known to CLDR",
                        "use a two-letter code such as TR, LY or NO")
                iso = None
                break
            names[code] = text.clean_line(territory)
    for code in codes:
        if code in spec:
            names[code] = _shown(r.string(code), code)
    missing = [c for c in codes if c not in names and (locales.known(c) or iso is None)]
    if missing and not ("iso" in spec and iso is None):  # a bad iso code is reported already
        errors.error(shown, line, f"{where}.{slug}: no name in {', '.join(missing)}",
                     "give an iso code or a name in every language")
    aliases: dict[str, tuple[str, ...]] = {}
    al = r.mapping("aliases", required=False)
    if al is not None:
        ar = _Reader(al, f"{where}.{slug}.aliases", shown, errors, set(codes))
        for code, items in al.items():
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                ar.error(code, "must be a list of names",
                         f"write e.g. `{code}: [name, other name]`")
                continue
            aliases[code] = tuple(text.clean_line(i) for i in items)
    return Term(slug=slug, names=names, aliases=aliases, iso=iso)
