"""`khabar translate` and `khabar models`: plan, translate in one batch, write atomically."""

from __future__ import annotations

import bisect
import json
import os
import re
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.error import URLError
from urllib.parse import urlsplit

import yaml

from .. import __version__, content, frontmatter, text, yamlsrc
from .. import config as config_stage
from ..config import SiteConfig
from ..errors import CommandError, Diagnostic, KhabarError
from .engine import INSTALL_HINT, ModelMissing, Translator
from .models import require_translate_extra
from .plan import (
    EDITED,
    STALE_REVIEWED,
    TRANSLATE,
    Job,
    content_digest,
    decide,
    picture_words,
)
from .report import Progress, Summary, print_summary, tally
from .routes import SiteRoutes, describe_engine, list_models, pivot_hint

MEMORY_FILE = "translation-memory.sqlite"
CHUNK = 256  # sentences per model call: big enough to batch well, small enough to report
# What `models install FROM TO` waits for one answer: argostranslate's own download retries
# every mirror in a loop when the network is down, printing each failure.
DOWNLOAD_TIMEOUT_S = 30.0
OFFLINE_HINT = ("check the network connection, or download the .argosmodel file on another "
                "machine and run: khabar models install FILE.argosmodel")


def translate_site(site: Path, *, to_lang: str | None = None, dry_run: bool = False,
                   force: bool = False, engine: Translator | None = None,
                   out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Translate what is missing or stale into every target language (or `to_lang`), each
    with its own model or a chain through a pivot; 0 on success, 1 when a language that
    has work to do has no model (one line each, and nothing is translated)."""
    out, err = out or sys.stdout, err or sys.stderr
    config = config_stage.load(site)
    if to_lang is not None and not any(
            lang.code == to_lang and lang.translate_from for lang in config.languages):
        raise KhabarError([Diagnostic(str(site / config_stage.SITE_FILE), None,
                                      f"--to {to_lang}: no language of the site is "
                                      "translated into it",
                                      "give the language `translate_from:` in site.yaml")])
    articles = content.load(config, include_drafts=True)
    routes = SiteRoutes(engine)
    jobs = decide(config, articles, to_lang=to_lang, force=force, direct_model=routes.direct)
    todo = [j for j in jobs if j.action == TRANSLATE]
    summary = tally(jobs)
    order = {lang.code: i for i, lang in enumerate(config.languages)}
    pairs = sorted({(j.source.lang, j.target_lang) for j in todo},
                   key=lambda pair: (order[pair[1]], pair[0]))
    if dry_run:
        for j in jobs:
            if j.action in (TRANSLATE, STALE_REVIEWED, EDITED):
                verb = "translate" if j.action == TRANSLATE else "keep"
                print(f"would {verb} {_target_path(j, config.root)} ({j.reason})", file=out)
        for pair in pairs:
            print(f"{pair[1]} from {pair[0]}: {routes.plan(pair)}", file=out)
        print_summary(summary, out, dry_run=True, pending=len(todo))
        return 0
    if todo:
        problems = [line for line in map(routes.problem, pairs) if line]
        if problems:
            for line in problems:
                print(f"khabar: error: {line}", file=err)
            return 1
        for pair in pairs:
            try:
                pair_engine = engine or routes.load(pair)
            except ModelMissing as exc:  # e.g. a package folder without its model.bin
                message, _, hint = str(exc).partition("; ")
                print(f"khabar: error: {message} (hint: {hint or 'run: ' + INSTALL_HINT})",
                      file=err)
                return 1
            print(f"{pair[1]} from {pair[0]}: {describe_engine(pair_engine)}", file=out)
            _run([j for j in todo if (j.source.lang, j.target_lang) == pair], pair_engine,
                 config, summary, err)
    print_summary(summary, out, dry_run=False, pending=0)
    return 0


@dataclass
class _Unit:
    """A piece of text sent to the model as sentences and put back as one string."""

    sentences: list[str]


@dataclass
class _Prepared:
    job: Job
    title: _Unit
    summary: _Unit | None
    document: Any
    body_units: list[_Unit]
    sentence_count: int
    image_units: dict[str, _Unit]  # the picture's alt and caption, to be translated too


def _run(todo: Sequence[Job], engine: Translator, config: SiteConfig, summary: Summary,
         err: TextIO) -> None:
    from .memory import TranslationMemory, normalise_source
    from .segment import segment
    from .split import join, split_sentences

    def unit(value: str) -> _Unit:
        return _Unit([s for s in split_sentences(value) if s.strip()])

    prepared: list[_Prepared] = []
    for job in todo:
        # read as the renderer reads it: with the extensions the site enables
        doc = segment(content.body_of(job.source), config.markdown.extensions,
                      extension_configs=config.markdown.extension_configs)
        body_units = [unit(u) for u in doc.units]
        title = unit(job.source.title)
        summ = unit(job.source.summary) if job.source.summary else None
        image = job.source.image
        image_units = {key: unit(getattr(image, key)) for key in IMAGE_WORDS
                       if image is not None and getattr(image, key)}
        count = sum(len(u.sentences) for u in [title, *( [summ] if summ else []), *body_units,
                                                 *image_units.values()])
        prepared.append(_Prepared(job, title, summ, doc, body_units, count, image_units))

    # unique sentences in article order, so articles complete one after another; the model
    # reads each as written (in its language's letters), the memory keys it normalised
    as_written: dict[str, str] = {}
    for p in prepared:
        for u in _units(p):
            for s in u.sentences:
                as_written.setdefault(normalise_source(s),
                                      text.in_script_of(text.clean_line(s), p.job.source.lang))
    keys = list(as_written)
    summary.sentences += len(keys)
    root = config.root
    with TranslationMemory.open(root / MEMORY_FILE) as memory:
        known = memory.lookup_many(engine.identity, keys)
        summary.from_memory += len(known)
        missing = [k for k in keys if k not in known]
        position = {k: i for i, k in enumerate(missing)}
        finished_at = sorted(max((position.get(normalise_source(s), -1) for u in _units(p)
                                  for s in u.sentences), default=-1) for p in prepared)
        progress = Progress(len(missing), len(prepared), err)
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]
            results = engine.translate([as_written[k] for k in chunk])
            memory.store_many(engine.identity, zip(chunk, results, strict=True))
            known.update(zip(chunk, results, strict=True))
            progress.advance(len(chunk), bisect.bisect_left(finished_at, start + len(chunk)))
        if missing:
            progress.finish()
        summary.by_model += len(missing)

    def render_unit(u: _Unit) -> str:
        return join(known[normalise_source(s)] for s in u.sentences)

    for p in prepared:
        new_title = text.clean_line(render_unit(p.title)) or p.job.source.slug
        new_summary = text.clean_line(render_unit(p.summary)) if p.summary else None
        body = p.document.render([render_unit(u) for u in p.body_units])
        path = _target_path(p.job, root)
        image_words = {key: text.clean_line(render_unit(u)) for key, u in p.image_units.items()}
        _write_atomic(path, _compose(p.job, new_title, new_summary, body, engine, image_words))
        summary.translated.append(str(path))


IMAGE_WORDS = ("alt", "caption")  # a credit names people and agencies: kept as written


def _units(p: _Prepared) -> list[_Unit]:
    return [p.title, *([p.summary] if p.summary else []), *p.body_units,
            *p.image_units.values()]


def _target_path(job: Job, root: Path) -> Path:
    if job.existing is not None:
        return job.existing.file
    return job.source.file.with_name(f"{job.source.slug}.{job.target_lang}.md")


def _compose(job: Job, title: str, summary: str | None, body: str, engine: Translator,
             image_words: dict[str, str] | None = None) -> str:
    """The translated file: the source's metadata, the new text (the picture's alt and
    caption too), and its provenance."""
    source_fm = _front_matter(job.source)
    fm: dict[str, Any] = {"title": title}
    if summary:
        fm["summary"] = summary
    for key, value in source_fm.items():
        if key not in ("title", "summary", "translation"):
            fm[key] = value
    picture = ""
    if isinstance(fm.get("image"), dict):
        if image_words:
            fm["image"] = {**fm["image"], **{k: v for k, v in image_words.items() if v}}
        picture = picture_words(str(fm["image"].get("alt") or ""),
                                str(fm["image"].get("caption") or ""))
    body = body if body.endswith("\n") or not body else body + "\n"
    provenance = {"translation": {
        "from": job.source.lang,
        "source_sha256": job.source.sha256,
        "engine": engine.engine_name,
        "model": engine.model_name,
        "status": "machine",
        "output_sha256": content_digest(title, summary, body, picture),
    }}
    head = yaml.dump(_Block(fm), Dumper=_FrontMatterDumper, allow_unicode=True,
                     sort_keys=False, width=1000, default_flow_style=None)
    tail = yaml.safe_dump(provenance, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)
    return f"---\n{head}{tail}---\n{body}"


class _Block(dict[str, Any]):
    """The top level of front matter: always one key a line, so the provenance block can
    follow it. (With default_flow_style=None, PyYAML writes a mapping of plain values as
    `{title: ..., date: ...}`, and an article without tags came out as invalid YAML.)"""


class _FrontMatterDumper(yaml.SafeDumper):
    """SafeDumper that writes a _Block in block style, and lists of tags in flow style."""


_FrontMatterDumper.add_representer(
    _Block, lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data, flow_style=False))


def _front_matter(article: content.Article) -> dict[str, Any]:
    raw = article.file.read_text(encoding="utf-8")
    parts = frontmatter.split_front_matter(raw)
    assert parts is not None  # it was validated when loaded
    data = yamlsrc.load(frontmatter.remove_controls(parts[0])[0])  # as content.read reads it
    return yamlsrc.plain(data) if isinstance(data, dict) else {}


def _write_atomic(path: Path, data: str) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_tmx(site: Path, dest: Path, out: TextIO | None = None) -> int:
    """Write the site's translation memory as TMX for human translators."""
    from .memory import TranslationMemory
    path = site / MEMORY_FILE
    if not path.is_file():
        raise KhabarError([Diagnostic(str(path), None, "no translation memory yet",
                                      "run `khabar translate` first")])
    config = config_stage.load(site)
    target = next((lang for lang in config.languages if lang.translate_from), None)
    source_lang = target.translate_from if target and target.translate_from else "fa"
    with TranslationMemory.open(path) as memory:
        count = memory.export_tmx(dest, source_lang=source_lang,
                                  target_lang=target.code if target else "en",
                                  pair_of=languages_of)
    print(f"wrote {count} translation units to {dest}", file=out or sys.stdout)
    return 0


_PACKAGE_PAIR = re.compile(r"\btranslate-([a-z]{2,3})_([a-z]{2,3})\b")


def languages_of(identity: str) -> tuple[str, str] | None:
    """The languages a model's (or a chain's) identity translates between, from the Argos
    package codes in it (`translate-fa_en 1.9 #...`, chains joined leg by leg); None for
    an identity that names none."""
    legs = _PACKAGE_PAIR.findall(identity)
    return (legs[0][0], legs[-1][1]) if legs else None


def models_command(action: str, file: str | None, to_code: str | None,
                   out: TextIO | None = None, site: Path | None = None) -> int:
    """`khabar models list`, `models install FILE.argosmodel` and `models install FROM TO`.

    `models list` shows the installed models, the pairs they translate through a pivot,
    and, for the site in `site` (default: the current folder, when it holds site.yaml),
    which model or chain translates each of its languages."""
    require_translate_extra(f"models {action}")
    from . import models
    out = out or sys.stdout
    if action == "list":
        list_models(models.list_installed(), Path(".") if site is None else site, out)
        return 0
    assert file is not None
    if to_code is not None:
        return _download(file, to_code, out)
    try:
        model = models.install(Path(file))
    except (models.InvalidPackage, OSError) as exc:
        raise KhabarError([Diagnostic(file, None, str(exc),
                                      "give a .argosmodel file from the Argos package index")]
                          ) from None
    print(f"installed {model.label} into {model.path}", file=out)
    return 0


def fetch(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """One GET, one attempt, with a timeout (the caller says what failed); file: too, for a
    local mirror named by ARGOS_PACKAGE_INDEX."""
    if urlsplit(url).scheme not in ("http", "https", "file"):
        raise URLError(f"not an http(s) or file: address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": f"khabar/{__version__}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
    return data


def _unreachable(what: str, url: str, exc: Exception) -> CommandError:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, TimeoutError):
        reason = f"no answer in {DOWNLOAD_TIMEOUT_S:.0f} s"
    return CommandError(f"could not download {what} from {url}: {reason}", OFFLINE_HINT)


def _download(from_code: str, to_code: str, out: TextIO) -> int:
    """`models install fa en`: the one command that may use the network. Each address is
    asked once, with a timeout, and a failure is one line: argostranslate's own
    `update_package_index` and `download` would retry without end while offline."""
    from argostranslate import package, settings

    from . import models
    index_url = str(settings.remote_package_index)
    try:
        index = json.loads(fetch(index_url))
    except (OSError, ValueError) as exc:  # URLError and timeouts are OSErrors
        raise _unreachable("the Argos package index", index_url, exc) from None
    candidates = [package.AvailablePackage(entry) for entry in index
                  if isinstance(entry, dict) and entry.get("from_code") == from_code
                  and entry.get("to_code") == to_code
                  and entry.get("type", "translate") == "translate"]
    if not candidates:
        raise CommandError(f"the Argos package index has no package from {from_code} to "
                           f"{to_code}", pivot_hint(from_code, to_code, index))
    from .engine import _version_key
    chosen = max(candidates, key=lambda p: _version_key(str(p.package_version)))
    links = [str(link) for link in chosen.links or []]
    name = f"translate-{from_code}_{to_code}-{chosen.package_version}.argosmodel"
    data, failure = None, None
    for link in links:  # mirrors of one file: each asked once
        try:
            data = fetch(link)
            break
        except OSError as exc:
            failure = _unreachable(name, link, exc)
    if data is None:
        raise failure or CommandError(f"the Argos index gives no address for {name}",
                                      OFFLINE_HINT)
    with tempfile.TemporaryDirectory(prefix="khabar-model-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            model = models.install(path)
        except models.InvalidPackage as exc:
            raise CommandError(f"the file downloaded from the Argos index is not a package: "
                               f"{exc}", OFFLINE_HINT) from None
    print(f"installed {model.label} into {model.path}", file=out)
    return 0
