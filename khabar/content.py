"""Articles: finding `content/**/<slug>.<lang>.md`, reading front matter, validating it."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from . import dialect, yamlsrc
from .config import SLUG, SiteConfig
from .errors import Collector, Diagnostic, KhabarError, display_path
from .frontmatter import SHA256_HINT as SHA256_HINT
from .frontmatter import STATUSES as STATUSES  # re-exported: callers look here
from .frontmatter import Fields, remove_controls
from .frontmatter import ImageRef as ImageRef
from .frontmatter import Source as Source
from .frontmatter import Translation as Translation
from .frontmatter import split_front_matter as split_front_matter
from .inherit import inherit
from .options import FRONT_MATTER, choices, default, keys_under
from .sources import site_files

KINDS = choices(FRONT_MATTER, "kind")
BRIEF_MAX_CHARS = 1200
_BASE_KEYS = keys_under(FRONT_MATTER, "") - {"KEY"}  # KEY: each taxonomy's own field
_FILENAME = re.compile(r"^(?P<slug>.+)\.(?P<lang>[^.]+)\.md$")


@dataclass(frozen=True)
class Article:
    """One file: one story in one language, validated. Its Markdown body is not kept here
    (the build keeps its HTML instead): `body_of` reads it, checked against `body_sha`."""

    slug: str
    lang: str
    path: str  # as messages show it
    filename: str  # where it was read from (a str: pickles much faster than a Path)
    title: str
    # None only as `read` returns a translation that leaves its date to its original;
    # `load` gives every article it returns a date
    date: datetime | None
    updated: datetime | None
    summary: str | None
    kind: str
    draft: bool
    source: Source | None
    terms: Mapping[str, tuple[str, ...]]
    translation: Translation | None
    body_line: int  # the file line the body starts on
    body_sha: str  # of the body: the key of its rendered HTML
    sha256: str  # of the file's canonical text (see text_sha256): what a translation
    #             records as its source
    raw_sha256: str = ""  # of the file's bytes, as Khabar recorded sources before: accepted
    # the story fields (date, kind, taxonomy keys) the file states itself, with their lines:
    # a translation takes the others from its original, and is warned of those that differ
    stated: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[Diagnostic, ...] = ()  # what was repaired while reading (said each build)
    image: ImageRef | None = None
    author: str = ""  # who wrote it, as the file says ("" when it does not)

    @property
    def file(self) -> Path:
        return Path(self.filename)

    def matches_digest(self, digest: str) -> bool:
        """Whether `digest` (a translation's `source_sha256`) names this version of the
        file: the hash of its canonical text, or of its bytes as recorded before, so a
        site's existing translations stay current."""
        return bool(digest) and digest in (self.sha256, self.raw_sha256)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_text(raw: str) -> str:
    """A file's text as its hash sees it: LF line endings, no byte-order mark, so that an
    editor re-saving it with CRLF or a BOM does not change what it says."""
    return raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def text_sha256(raw: str) -> str:
    """The SHA-256 of a file's canonical text encoded as UTF-8: what `source_sha256` is."""
    return sha256_bytes(canonical_text(raw).encode())


def discover(config: SiteConfig) -> tuple[list[str], list[Diagnostic]]:
    """Every Markdown file under content/ (not in hidden folders), in a stable order, and
    the links there that may not be followed (see sources.site_files). Strings, not Paths:
    a site has thousands, and most are only looked up by name."""
    return site_files(config.content_dir, config.root,
                      want=lambda name: name.endswith(".md"))




# file path: ((size, mtime in ns), sha256 of its bytes, the article)
Known = dict[str, tuple["Stamp", str, Article]]
# (size, mtime, ctime, inode): what git's index keeps of a file. A copy that puts the old
# mtime back (`cp -p`, `rsync -a`, `tar`) still changes the ctime and the inode.
Stamp = tuple[int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


# (file, its bytes, its path as messages show it): a file to parse
Unparsed = tuple[Path, bytes, str]
# a file parsed: its article (None if unusable), its problems, and its body when kept
Parsed = tuple[Article | None, list[Diagnostic], str | None]
# parses a batch of files
Parser = Callable[[SiteConfig, Sequence[Unparsed]], list[Parsed]]


def parse_all(config: SiteConfig, files: Sequence[Unparsed]) -> list[Parsed]:
    """The default Parser: one file after another, in this process."""
    out: list[Parsed] = []
    for path, data, shown in files:
        errors = Collector()
        got = read_file(path, config, errors, data, shown)
        out.append((got[0], errors.items, got[1]) if got else (None, errors.items, None))
    return out


class ReadAll(NamedTuple):
    articles: tuple[Article, ...]
    known: Known  # for the next run: each file's stamp, hash and own article
    bodies: dict[str, str]  # by body_sha: the bodies of the files parsed in this run


def body_of(article: Article) -> str:
    """The article's Markdown body, read again from its file; a KhabarError when the file
    no longer holds the body that was read (it changed meanwhile)."""
    try:
        raw = Path(article.filename).read_bytes().decode("utf-8")
        parts = split_front_matter(raw)
    except (OSError, UnicodeDecodeError):
        parts = None
    if parts is None or sha256_bytes(parts[1].encode()) != article.body_sha:
        raise KhabarError([Diagnostic(article.path, None, "changed while Khabar was reading "
                                      "it", "run the command again")])
    return parts[1]


def load(config: SiteConfig, include_drafts: bool = True) -> tuple[Article, ...]:
    """Read and validate every article; raise KhabarError listing every problem found."""
    return read_all(config, include_drafts=include_drafts).articles


def read_all(config: SiteConfig, *, include_drafts: bool = True,
             known: Mapping[str, tuple[Stamp, str, Article]] | None = None,
             parser: Parser = parse_all, trusted_before: int = 0) -> ReadAll:
    """`load`, reusing what an earlier run read: returns the articles and, for the next
    run, each file's stamp, hash and own article.

    `known` holds articles parsed by an earlier build with the same site.yaml: a file with
    the same stamp is not even read when it was last changed before `trusted_before` (git's
    racy-clean rule: the cache's own write time, less the coarsest timestamp tick, since a
    same-size edit within one tick of the cache's reading leaves the stamp as it was); one
    whose bytes hash the same is not parsed again. The files left to parse go to `parser`
    in one batch (a build parses them in workers). What is returned for the next run keeps
    each file's own article; the articles returned have, besides, what they take from
    their originals (date, kind, tags) and the warnings that come of that.
    """
    errors = Collector()
    here = str(Path.cwd().resolve()) + os.sep
    root = config.content_dir
    resolved_root = root.resolve()
    # per file in order: (key, stamp, sha, the article, or the index of its parse)
    found: list[tuple[str, Stamp, str, Article | int]] = []
    todo: list[Unparsed] = []
    files, problems = discover(config)
    errors.extend(problems)
    for key in files:
        try:
            st = os.stat(key)
        except OSError:  # a dangling link, or gone since the walk
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        stamp = stamp_of(st)
        hit = known.get(key) if known is not None else None
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
    bodies = {got[0].body_sha: got[2] for got in parsed
              if got[0] is not None and got[2] is not None}
    articles: list[Article] = []
    present: set[tuple[str, str]] = set()  # (slug, lang) of every file, usable or not
    seen: Known = {}
    for key, stamp, digest, got in found:
        article: Article | None
        if isinstance(got, int):
            article, problems, _body = parsed[got]
            errors.extend(problems)
        else:
            article = got
        if article is not None:
            seen[key] = (stamp, digest, article)
            articles.append(article)
            present.add((article.slug, article.lang))
        else:
            m = _FILENAME.match(os.path.basename(key))
            if m:
                present.add((m["slug"], m["lang"]))
    _check_site_wide(articles, present, errors)
    articles = inherit(articles, present, config, errors)
    errors.raise_if_any()
    return ReadAll(tuple(sorted((a for a in articles if include_drafts or not a.draft),
                                key=lambda a: (a.lang, a.slug))), seen, bodies)


def _check_site_wide(articles: list[Article], present: set[tuple[str, str]],
                     errors: Collector) -> None:
    """Slugs used twice, translations of nothing. Drafts count (a translation of a draft
    is no orphan), and so does a file with errors of its own: it exists, it is only wrong."""
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
        if a.translation is not None and (a.slug, a.translation.from_lang) not in present:
            errors.error(a.path, 1, f"translation of '{a.slug}' but no "
                         f"{a.slug}.{a.translation.from_lang}.md exists",
                         "add the source article or remove the translation block")


def read_file(path: Path, config: SiteConfig, errors: Collector, data: bytes | None = None,
              shown: str | None = None) -> tuple[Article, str] | None:
    """Validate one file, adding its problems to `errors`: its article and body, or None
    when it cannot be used."""
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
    warned = len(errors.warnings)  # this file's warnings start here
    fm_text, removed = remove_controls(fm_text)
    for line, chars in removed.items():
        names = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(chars))
        errors.warn(shown, line + 1, f"removed {len(chars)} control character"
                    f"{'s' if len(chars) > 1 else ''} ({names}) from the front matter",
                    "they are invisible and YAML refuses them; delete them in an editor "
                    "that shows them (or leave them: they are removed on every build)")
    try:
        fm = yamlsrc.load(fm_text)
    except yamlsrc.YamlTooLarge as exc:
        errors.error(shown, exc.line + 1 if exc.line else 2, f"front matter {exc}", exc.hint)
        return None
    except yamlsrc.YamlSyntaxError as exc:
        errors.error(shown, exc.line + 1 if exc.line else 1, f"front matter: {exc}",
                     exc.hint or "check quoting and indentation; quote titles that contain "
                     "':'")
        return None
    if not isinstance(fm, yamlsrc.LineDict):
        errors.error(shown, 2, "front matter must be a mapping of fields",
                     "write one 'field: value' per line, e.g. 'title: ...' and 'date: ...'")
        return None
    fields = Fields(fm, shown, errors)
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
    # a version of a story in another language may leave its date to the original (checked
    # once every file is read: see _inherit)
    may_inherit = "translation" in fm or config.language(lang).translate_from is not None
    date = fields.date("date", tz, required=not may_inherit)
    updated = fields.date("updated", tz)
    kind = fields.string("kind") or default(FRONT_MATTER, "kind")
    if kind not in KINDS:
        fields.err("kind", f"kind '{kind}' is not one of {', '.join(KINDS)}",
                   "write kind: article, or kind: brief for a headline with at most a short "
                   "paragraph")
    draft = fields.boolean("draft")
    source = fields.source()
    image = fields.image(config.root)
    author = fields.string("author")
    terms = {t.key: fields.terms(t.key, config) for t in config.taxonomies}
    translation = fields.translation(config, lang)
    if kind == "brief" and (len(body.strip()) > BRIEF_MAX_CHARS or "\n\n" in body.strip()):
        errors.error(shown, body_line, f"a brief has at most one short paragraph "
                     f"({BRIEF_MAX_CHARS} characters)", "make it kind: article")
    if fields.failed:
        return None
    for line, message, hint in dialect.notes(body, config.markdown.extensions):
        errors.warn(shown, body_line + line - 1, f"Markdown: {message}", hint)
    stated = {key: fields.line(key) for key in ("date", "kind", *terms)
              if fm.get(key) is not None}
    raw_sha = sha256_bytes(data)
    canonical = raw_sha if "\r" not in raw and not raw.startswith("\ufeff") else \
        text_sha256(raw)
    article = Article(
        slug=slug, lang=lang, path=shown, filename=str(path), title=title, date=date,
        updated=updated, summary=summary, kind=kind, draft=draft, source=source, terms=terms,
        translation=translation, body_line=body_line, body_sha=sha256_bytes(body.encode()),
        sha256=canonical, raw_sha256=raw_sha, stated=stated,
        warnings=tuple(errors.warnings[warned:]), image=image, author=author)
    return article, body
