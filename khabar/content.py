"""Articles: finding `content/**/<slug>.<lang>.md`, reading front matter, validating it."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import dates, text, yamlsrc
from .config import SLUG, SiteConfig
from .errors import Collector, Diagnostic, display_path

KINDS = ("article", "brief")
STATUSES = ("machine", "reviewed")
BRIEF_MAX_CHARS = 1200
_BASE_KEYS = {"title", "date", "updated", "summary", "kind", "draft", "source", "translation"}
_TRANSLATION_KEYS = {"from", "source_sha256", "engine", "model", "status", "output_sha256"}
_FILENAME = re.compile(r"^(?P<slug>.+)\.(?P<lang>[^.]+)\.md$")


@dataclass(frozen=True)
class Source:
    name: str
    url: str | None


@dataclass(frozen=True)
class Translation:
    """Where a translated file came from; `status: reviewed` files are never overwritten."""

    from_lang: str
    source_sha256: str
    engine: str
    model: str
    status: str  # "machine" | "reviewed"
    output_sha256: str | None = None

    @property
    def software(self) -> tuple[str, str]:
        """(engine, model) as pages and feeds name them: a person's translation
        (`engine: human`) names neither, a model of "none" is not named."""
        if self.engine in ("", "human"):
            return "", ""
        return self.engine, "" if self.model in ("", "none") else self.model


@dataclass(frozen=True)
class Article:
    """One file: one story in one language, validated, with its Markdown body unrendered."""

    slug: str
    lang: str
    path: str  # as messages show it
    filename: str  # where it was read from (a str: pickles much faster than a Path)
    title: str
    date: datetime
    updated: datetime | None
    summary: str | None
    kind: str
    draft: bool
    source: Source | None
    terms: Mapping[str, tuple[str, ...]]
    translation: Translation | None
    body: str
    body_line: int  # the file line the body starts on
    body_sha: str  # of the body: the key of its rendered HTML (the build cache keeps that,
    #                not the body, of every article it rendered)
    sha256: str  # of the whole file's bytes: what a translation records as its source
    warnings: tuple[Diagnostic, ...] = ()  # what was repaired while reading (said each build)

    @property
    def file(self) -> Path:
        return Path(self.filename)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(config: SiteConfig) -> list[str]:
    """Every Markdown file under content/ (not in hidden folders), in a stable order.
    Strings, not Paths: a site has thousands, and most are only looked up by name."""
    root = config.content_dir
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(os.path.join(dirpath, name) for name in filenames
                     if name.endswith(".md") and not name.startswith("."))
    return sorted(found, key=lambda p: p.split(os.sep))


def split_front_matter(raw: str) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line) or None when the file has no front matter."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    lines = raw.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return None


# file path: ((size, mtime in ns), sha256 of its bytes, the article)
Known = dict[str, tuple[tuple[int, int], str, Article]]


# (file, its bytes, its path as messages show it): a file to parse
Unparsed = tuple[Path, bytes, str]
# parses a batch of files: each file's article (None if unusable) and its problems
Parser = Callable[[SiteConfig, Sequence[Unparsed]],
                  list[tuple[Article | None, list[Diagnostic]]]]


def parse_all(config: SiteConfig, files: Sequence[Unparsed]
              ) -> list[tuple[Article | None, list[Diagnostic]]]:
    """The default Parser: one file after another, in this process."""
    out: list[tuple[Article | None, list[Diagnostic]]] = []
    for path, data, shown in files:
        errors = Collector()
        out.append((read(path, config, errors, data, shown), errors.items))
    return out


def load(config: SiteConfig, include_drafts: bool = True,
         known: Known | None = None, parser: Parser = parse_all) -> tuple[Article, ...]:
    """Read and validate every article; raise KhabarError listing every problem found.

    `known` holds articles parsed by an earlier build with the same site.yaml: a file with
    the same size and modification time is not even read (as git's index does), one whose
    bytes hash the same is not parsed again. It is updated in place with this run's files.
    The files left to parse go to `parser` in one batch (a build parses them in workers).
    """
    errors = Collector()
    here = str(Path.cwd().resolve()) + os.sep
    trusted_before = time.time_ns() - 3_000_000_000
    root = config.content_dir
    resolved_root = root.resolve()
    # per file in order: (key, stamp, sha, the article, or the index of its parse)
    found: list[tuple[str, tuple[int, int], str, Article | int]] = []
    todo: list[Unparsed] = []
    for key in discover(config):
        try:
            st = os.stat(key)
        except OSError:  # a dangling link, or gone since the walk
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        stamp = (st.st_size, st.st_mtime_ns)
        hit = known.get(key) if known is not None else None
        # a file changed within the last seconds may share its stamp with the version the
        # cache saw (coarse clocks): read those ("racy git")
        if hit is not None and hit[0] == stamp and st.st_mtime_ns < trusted_before:
            found.append((key, stamp, hit[1], hit[2]))
            continue
        path = Path(key)
        data = path.read_bytes()
        digest = sha256_bytes(data)
        if hit is not None and hit[1] == digest:
            found.append((key, stamp, digest, hit[2]))
            continue
        full = str(resolved_root / path.relative_to(root))  # one resolve, not each
        shown = full[len(here):] if full.startswith(here) else full
        found.append((key, stamp, digest, len(todo)))
        todo.append((path, data, shown))
    parsed = parser(config, todo) if todo else []
    articles: list[Article] = []
    seen: Known = {}
    for key, stamp, digest, got in found:
        article: Article | None
        if isinstance(got, int):
            article, problems = parsed[got]
            errors.extend(problems)
        else:
            article = got
        if article is not None:
            seen[key] = (stamp, digest, article)
            if include_drafts or not article.draft:
                articles.append(article)
    if known is not None:
        known.clear()
        known.update(seen)
    _check_site_wide(articles, config, errors)
    errors.raise_if_any()
    return tuple(sorted(articles, key=lambda a: (a.lang, a.slug)))


def _check_site_wide(articles: list[Article], config: SiteConfig, errors: Collector) -> None:
    seen: dict[tuple[str, str], Article] = {}
    for a in articles:
        other = seen.get((a.slug, a.lang))
        if other is not None:
            errors.error(a.path, 1, f"slug '{a.slug}' is used twice in language '{a.lang}': "
                         f"here and in {other.path}",
                         "a slug names one story; rename one of the files")
            errors.error(other.path, 1, f"slug '{a.slug}' is used twice in language '{a.lang}': "
                         f"here and in {a.path}", "a slug names one story; rename one of the files")
        else:
            seen[(a.slug, a.lang)] = a
    for a in articles:
        if a.translation is not None and (a.slug, a.translation.from_lang) not in seen:
            errors.error(a.path, 1, f"translation of '{a.slug}' but no "
                         f"{a.slug}.{a.translation.from_lang}.md exists",
                         "add the source article or remove the translation block")


def read(path: Path, config: SiteConfig, errors: Collector,
         data: bytes | None = None, shown: str | None = None) -> Article | None:
    """Validate one file, adding its problems to `errors`; None when it cannot be used."""
    shown = shown or display_path(path)
    m = _FILENAME.match(path.name)
    codes = config.codes
    if not m or not SLUG.match(m["slug"]) or m["lang"] not in codes:
        errors.error(shown, None, "file name must be <slug>.<lang>.md",
                     f"slug of a-z, 0-9 and single hyphens, lang one of {', '.join(codes)}: "
                     "e.g. haftar-turkey.fa.md")
        return None
    slug, lang = m["slug"], m["lang"]
    data = path.read_bytes() if data is None else data
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.error(shown, line, "not valid UTF-8", "save the file as UTF-8")
        return None
    parts = split_front_matter(raw)
    if parts is None:
        errors.error(shown, 1, "no front matter", "start the file with a '---' line, then "
                     "title: and date:, then a closing '---' line")
        return None
    fm_text, body, body_line = parts
    try:
        fm = yamlsrc.load(fm_text)
    except yamlsrc.YamlSyntaxError as exc:
        errors.error(shown, exc.line + 1 if exc.line else 1, f"front matter: {exc}",
                     "check quoting and indentation; quote titles that contain ':'")
        return None
    if not isinstance(fm, yamlsrc.LineDict):
        errors.error(shown, 2, "front matter must be a mapping of fields")
        return None
    fields = _Fields(fm, shown, errors)
    allowed = _BASE_KEYS | {t.key for t in config.taxonomies}
    for key, line in fm.duplicates:
        fields.err(key, f"field '{key}' is given twice", "keep one", line=line)
    for key in fm:
        if key not in allowed:
            near = difflib.get_close_matches(key, sorted(allowed), n=1)
            fields.err(key, f"unknown field '{key}'",
                       f"did you mean '{near[0]}'?" if near else
                       f"allowed fields: {', '.join(sorted(allowed))}")

    title = fields.string("title", required=True)
    summary = fields.string("summary") or None
    tz = config.tz
    date = fields.date("date", tz, required=True)
    updated = fields.date("updated", tz)
    kind = fields.string("kind") or "article"
    if kind not in KINDS:
        fields.err("kind", f"kind '{kind}' is not one of {', '.join(KINDS)}")
    draft = fields.boolean("draft")
    source = fields.source()
    terms = {t.key: fields.terms(t.key, config) for t in config.taxonomies}
    translation = fields.translation(config, lang)
    if kind == "brief" and (len(body.strip()) > BRIEF_MAX_CHARS or "\n\n" in body.strip()):
        errors.error(shown, body_line, f"a brief has at most one short paragraph "
                     f"({BRIEF_MAX_CHARS} characters)", "make it kind: article")
    if fields.failed or date is None:
        return None
    return Article(slug=slug, lang=lang, path=shown, filename=str(path), title=title, date=date,
                   updated=updated,
                   summary=summary, kind=kind, draft=draft, source=source, terms=terms,
                   translation=translation, body=body, body_line=body_line,
                   body_sha=sha256_bytes(body.encode()),
                   sha256=sha256_bytes(data))


class _Fields:
    """Typed front-matter access; lines are file lines (front matter starts on line 2)."""

    def __init__(self, fm: yamlsrc.LineDict, shown: str, errors: Collector) -> None:
        self.fm, self.shown, self.errors = fm, shown, errors
        self.failed = False

    def line(self, key: str) -> int:
        return self.fm.line_of(key) + 1

    def err(self, key: str, message: str, hint: str | None = None,
            line: int | None = None) -> None:
        self.failed = True
        self.errors.error(self.shown, line + 1 if line else self.line(key), message, hint)

    def string(self, key: str, required: bool = False) -> str:
        if key not in self.fm or self.fm[key] is None:
            if required:
                self.failed = True
                self.errors.error(self.shown, 2, f"missing required field '{key}'",
                                  f"add a line '{key}: ...' to the front matter")
            return ""
        value = self.fm[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.err(key, f"field '{key}' must be text", "quote it if it looks like a list "
                     "or a mapping")
            return ""
        cleaned = text.clean_line(value)
        if required and not cleaned:
            self.err(key, f"field '{key}' is empty")
        return cleaned

    def boolean(self, key: str) -> bool:
        value = self.fm.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.err(key, f"field '{key}' must be true or false")
            return False
        return value

    def date(self, key: str, tz: Any, required: bool = False) -> datetime | None:
        if key not in self.fm or self.fm[key] is None:
            if required:
                self.failed = True
                self.errors.error(self.shown, 2, f"missing required field '{key}'",
                                  "add e.g. 'date: 2024-11-23' (or Solar Hijri 1403-09-03)")
            return None
        try:
            return dates.parse(self.fm[key], tz)
        except dates.DateError as exc:
            self.err(key, f"field '{key}': {exc}", "write YYYY-MM-DD, YYYY-MM-DDTHH:MM[+HH:MM], "
                     "or a Solar Hijri date such as 1403-09-03")
            return None

    def source(self) -> Source | None:
        if "source" not in self.fm or self.fm["source"] is None:
            return None
        value = self.fm["source"]
        if isinstance(value, str):
            value = {"url": value} if re.match(r"^\w+:", value) else {"name": value}
        if not isinstance(value, dict):
            self.err("source", "field 'source' must be {name: ..., url: ...}")
            return None
        unknown = set(value) - {"name", "url"}
        if unknown:
            self.err("source", f"source: unknown key(s) {', '.join(sorted(unknown))}",
                     "a source has only name and url")
        url = value.get("url")
        name = value.get("name")
        if url is not None:
            url = str(url).strip()
            if not re.match(r"^https?://[^\s/]+[^\s]*$", url, re.IGNORECASE):
                self.err("source", f"source.url '{url}' is not an http(s) URL",
                         "only http:// and https:// links are allowed")
                url = None
        if name is not None and not isinstance(name, str):
            self.err("source", "source.name must be text")
            name = None
        if not name and not url:
            return None
        return Source(name=text.clean_line(name or "") or _host(url or ""), url=url)

    def terms(self, key: str, config: SiteConfig) -> tuple[str, ...]:
        if key not in self.fm or self.fm[key] is None:
            return ()
        value = self.fm[key]
        if isinstance(value, str):
            value = yamlsrc.LineList([value])
            value.line, value.item_lines = self.fm.line_of(key), [self.fm.line_of(key)]
        if not isinstance(value, list):
            self.err(key, f"field '{key}' must be a list of term slugs", f"e.g. {key}: [a, b]")
            return ()
        taxonomy = config.taxonomy(key)
        out: list[str] = []
        for i, ref in enumerate(value):
            line = value.line_of(i) + 1 if isinstance(value, yamlsrc.LineList) else self.line(key)
            term = taxonomy.resolve(str(ref)) if isinstance(ref, (str, int)) else None
            if term is None:
                near = taxonomy.nearest(str(ref))
                hint = (f"did you mean {', '.join(repr(n) for n in near)}?" if near else
                        f"declare it under taxonomies.{key}.terms in site.yaml")
                self.failed = True
                self.errors.error(self.shown, line, f"unknown term '{ref}' in '{key}'", hint)
            elif term.slug not in out:
                out.append(term.slug)
        return tuple(out)

    def translation(self, config: SiteConfig, lang: str) -> Translation | None:
        value = self.fm.get("translation")
        if value is None:
            return None
        if not isinstance(value, yamlsrc.LineDict):
            self.err("translation", "field 'translation' must be a mapping",
                     "with from, source_sha256, engine, model and status")
            return None
        for key in value:
            if key not in _TRANSLATION_KEYS:
                self.err("translation", f"translation: unknown key '{key}'",
                         f"allowed: {', '.join(sorted(_TRANSLATION_KEYS))}",
                         line=value.line_of(key))
        origin = str(value.get("from", ""))
        if origin not in config.codes or origin == lang:
            self.err("translation", f"translation.from '{origin}' is not another language "
                     "of the site", f"one of {', '.join(c for c in config.codes if c != lang)}",
                     line=value.line_of("from"))
        status = str(value.get("status", "machine"))
        if status not in STATUSES:
            self.err("translation", f"translation.status '{status}' is not machine or reviewed",
                     "write status: reviewed once a person has checked it",
                     line=value.line_of("status"))
        digest = str(value.get("source_sha256", "") or "")
        if digest and not re.match(r"^[0-9a-f]{64}$", digest):
            self.err("translation", "translation.source_sha256 is not a SHA-256 hex digest",
                     line=value.line_of("source_sha256"))
        out_digest = value.get("output_sha256")
        return Translation(from_lang=origin, source_sha256=digest,
                           engine=text.clean_line(str(value.get("engine", "") or "")),
                           model=text.clean_line(str(value.get("model", "") or "")),
                           status=status, output_sha256=str(out_digest) if out_digest else None)


def _host(url: str) -> str:
    m = re.match(r"^https?://([^/:]+)", url)
    return str(m.group(1)) if m else url
